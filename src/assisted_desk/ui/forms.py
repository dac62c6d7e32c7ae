"""Small helpers that keep every form labelled, keyboard-reachable and honest about errors."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QMessageBox, QPushButton, QWidget

from ..core.errors import ValidationError


def add_row(form: QFormLayout, label_text: str, widget: QWidget, accessible_name: str | None = None) -> QLabel:
    """A label with a keyboard mnemonic (&) bound to its field; the field gets an accessible name."""
    label = QLabel(label_text)
    label.setBuddy(widget)
    widget.setAccessibleName(accessible_name or label_text.replace("&", ""))
    form.addRow(label, widget)
    return label


def password_field(accessible_name: str) -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setAccessibleName(accessible_name)
    return field


def button(text: str, accessible_name: str | None = None, default: bool = False) -> QPushButton:
    push = QPushButton(text)
    push.setAccessibleName(accessible_name or text.replace("&", ""))
    push.setAutoDefault(default)
    push.setDefault(default)
    return push


def focus_field(fields: dict[str, QWidget], error: ValidationError) -> None:
    """Put the cursor on the field a validation error names; what was typed stays."""
    widget = fields.get(error.field or "")
    if widget is not None:
        widget.setFocus()
        if isinstance(widget, QLineEdit):
            widget.selectAll()


def ask_before(parent: QWidget, title: str, text: str, yes: str, no: str,
               icon: QMessageBox.Icon = QMessageBox.Icon.Question) -> bool:
    """Ask before something that cannot be taken back. The buttons say what they do (`yes` and
    `no` may carry an & mnemonic); keeping things as they are is the default."""
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, parent)
    for which, label in ((QMessageBox.StandardButton.Yes, yes), (QMessageBox.StandardButton.No, no)):
        box.button(which).setText(label)
        box.button(which).setAccessibleName(label.replace("&", ""))
    box.setDefaultButton(QMessageBox.StandardButton.No)
    box.setAccessibleName(title)
    box.exec()
    confirmed = box.clickedButton() is box.button(QMessageBox.StandardButton.Yes)
    box.deleteLater()
    return confirmed
