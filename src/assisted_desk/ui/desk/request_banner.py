"""The references just given, large enough to read out across a desk: the contact's, and when the
desk made a request for the resident, the request's too, with where it stands (waiting to be
sent: the desk never waits on the back office)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from .reference_banner import ReferenceBanner, spoken
from .scaled_label import ScaledLabel


class ContactBanner(ReferenceBanner):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.request_caption = QLabel()
        self.request_caption.setWordWrap(True)
        self.request_caption.setStyleSheet("color: #1b4d2c;")
        self.request_reference = ScaledLabel(2.0, 700, "color: #10351d; letter-spacing: 3px;")
        self.request_reference.setObjectName("requestReferenceBig")
        self.request_reference.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                                       | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.layout().addWidget(self.request_caption)
        self.layout().addWidget(self.request_reference)
        self.request_caption.hide()
        self.request_reference.hide()

    def show_saved(self, reference: str, resident_name: str = "", request_reference: str = "",
                   request_name: str = "") -> None:
        """The contact's reference, and the request's when one was made with it."""
        self.show_reference(reference, resident_name)
        if not request_reference:
            self.request_caption.hide()
            self.request_reference.hide()
            return
        caption = self.tr("Request “{0}” is waiting to be sent to the back office (follow it on the Requests "
                          "tab, Alt+Shift+4). Its reference:").format(request_name)
        self.request_caption.setText(caption)
        self.request_reference.setText(request_reference)
        self.request_reference.setAccessibleName(self.tr("Request reference {0}").format(spoken(request_reference)))
        self.request_caption.show()
        self.request_reference.show()
        self.setAccessibleName(f"{self.accessibleName()} {caption} {request_reference}")

    def request_text(self) -> str:
        return self.request_reference.text() if not self.isHidden() and not self.request_reference.isHidden() else ""


__all__ = ["ContactBanner"]
