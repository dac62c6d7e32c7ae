"""The reference of the contact just logged, large enough to read out across a desk."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from .scaled_label import ScaledLabel


def spoken(reference: str) -> str:
    """"AD-7K3P-9Q" as a screen reader should say it: one character at a time."""
    return ", ".join(" ".join(part) for part in reference.split("-"))


class ReferenceBanner(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("referenceBanner")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet("QWidget#referenceBanner { background: #e9f5ec; border: 2px solid #2e7d4a; }")
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setStyleSheet("color: #1b4d2c;")
        self.reference = ScaledLabel(2.4, 700, "color: #10351d; letter-spacing: 3px;")
        self.reference.setObjectName("referenceBig")
        self.reference.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                               | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addWidget(self.caption)
        layout.addWidget(self.reference)
        self.hide()

    def show_reference(self, reference: str, resident_name: str = "") -> None:
        caption = self.tr("Saved. Reference for {0} — read it out:").format(resident_name) if resident_name else \
            self.tr("Saved. Reference for this contact:")
        self.caption.setText(caption)
        self.reference.setText(reference)
        self.reference.setAccessibleName(self.tr("Reference {0}").format(spoken(reference)))
        self.setAccessibleName(f"{caption} {reference}")
        self.show()

    def text(self) -> str:
        return self.reference.text() if self.isVisible() else ""
