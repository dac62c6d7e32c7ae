"""Pages for areas that later work fills: they say so plainly and pretend nothing."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class NotAvailableYetPage(QWidget):
    def __init__(self, area: str, what_it_will_do: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        title = QLabel(area)
        title.setObjectName("pageTitle")
        layout.addWidget(title)
        body = QLabel(self.tr("Not available yet. {0} This version of Assisted Desk cannot do it; "
                              "keep using your current process until it arrives.").format(what_it_will_do))
        body.setObjectName("notYet")
        body.setWordWrap(True)
        body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        body.setAccessibleName(self.tr("{0}: not available yet").format(area))
        layout.addWidget(body)
        layout.addStretch(1)
