"""Telling a person what went wrong, in words they can act on."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

from ..core.errors import ConflictError, DeskError, EnvironmentFault, PermissionDenied


def show_problem(parent: QWidget | None, error: DeskError) -> None:
    """A modal box for a refusal or a fault. Validation problems belong next to their field
    (see `FormMessage`); this is for everything that is not about one field."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning if not isinstance(error, EnvironmentFault) else QMessageBox.Icon.Critical)
    if isinstance(error, EnvironmentFault):
        box.setWindowTitle(box.tr("The desk cannot reach its data"))
        box.setText(error.message)
        box.setInformativeText(error.advice)
    elif isinstance(error, PermissionDenied):
        box.setWindowTitle(box.tr("Not allowed"))
        box.setText(error.message)
    elif isinstance(error, ConflictError):
        box.setWindowTitle(box.tr("Someone else saved first"))
        box.setText(error.message)
    else:
        box.setWindowTitle(box.tr("Cannot do that"))
        box.setText(error.message)
    box.setAccessibleName(box.windowTitle())
    box.exec()
    box.deleteLater()


class FormMessage(QLabel):
    """A line under a form that says what is wrong; read out by screen readers."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("formMessage")
        self.setWordWrap(True)
        # Messages can quote what people typed or what a partner's system said: never rich text.
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setAccessibleName(self.tr("Message"))
        self.hide()

    def show_error(self, text: str) -> None:
        self.setProperty("kind", "error")
        self._show(text)

    def show_info(self, text: str) -> None:
        self.setProperty("kind", "info")
        self._show(text)

    def _show(self, text: str) -> None:
        self.setText(text)
        self.setAccessibleDescription(text)
        self.style().unpolish(self)
        self.style().polish(self)
        # Re-polishing a QLabel does not re-read the style sheet's border and padding for its
        # frame; setting the frame again does, or the text touches the coloured border.
        self.setFrameShape(self.frameShape())
        self.show()

    def clear_message(self) -> None:
        self.setText("")
        self.hide()
