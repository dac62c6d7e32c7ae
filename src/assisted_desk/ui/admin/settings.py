"""The Desk settings tab: what an administrator sets once for every desk sharing this database."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLineEdit, QSpinBox, QVBoxLayout, QWidget

from ...core.errors import DeskError, ValidationError
from ...core.security import Actor
from ...core.settings import MAX_IDLE_LOCK_MINUTES
from ...services import Services
from ..forms import add_row, button, focus_field
from ..messages import FormMessage, show_problem


def _read_only(accessible_name: str) -> QLineEdit:
    """A line a person can read, select and copy (for a support call), reachable with Tab;
    a long database address scrolls inside it rather than being cut off."""
    line = QLineEdit()
    line.setReadOnly(True)
    line.setAccessibleName(accessible_name)
    return line


class SettingsTab(QWidget):
    idle_lock_changed = Signal(int)

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor

        self.idle_lock = QSpinBox()
        self.idle_lock.setRange(1, MAX_IDLE_LOCK_MINUTES)
        self.idle_lock.setToolTip(self.tr("A desk without keyboard or mouse use for this long locks itself, "
                                          "so a resident never sees the last person's records."))
        self.save_button = button(self.tr("Sa&ve"), self.tr("Save the desk settings"))
        self.save_button.clicked.connect(self.save)
        self._follow_value(self.idle_lock.value())
        self.idle_lock.valueChanged.connect(self._follow_value)
        self.message = FormMessage(self)
        self.database = _read_only(self.tr("Database in use"))
        self.secrets = _read_only(self.tr("Where secrets are kept"))

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        lock_row = QHBoxLayout()
        lock_row.addWidget(self.idle_lock)
        lock_row.addWidget(self.save_button)
        lock_row.addStretch(1)
        lock_holder = QWidget()
        lock_holder.setLayout(lock_row)
        lock_row.setContentsMargins(0, 0, 0, 0)
        label = add_row(form, self.tr("&Lock an unused desk after"), lock_holder)
        label.setBuddy(self.idle_lock)
        self.idle_lock.setAccessibleName(self.tr("Lock an unused desk after, in minutes"))
        form.addRow("", self.message)
        add_row(form, self.tr("&Database in use"), self.database, self.tr("Database in use"))
        add_row(form, self.tr("Secrets are &kept in"), self.secrets, self.tr("Where secrets are kept"))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addStretch(1)
        QWidget.setTabOrder(self.idle_lock, self.save_button)
        QWidget.setTabOrder(self.save_button, self.database)
        QWidget.setTabOrder(self.database, self.secrets)

    def refresh(self) -> None:
        try:
            self.idle_lock.setValue(self.services.settings.idle_lock_minutes())
        except DeskError as error:
            show_problem(self, error)
        for line, text in ((self.database, self.services.db.description), (self.secrets, self.services.secrets.where())):
            line.setText(text)
            line.setCursorPosition(0)  # the start of a long address is the part that matters

    def save(self) -> None:
        self.message.clear_message()
        minutes = self.idle_lock.value()
        try:
            self.services.settings.set_idle_lock_minutes(self.actor, minutes)
        except ValidationError as error:
            self.message.show_error(error.message)
            focus_field({"idle_lock_minutes": self.idle_lock}, error)
            return
        except DeskError as error:
            show_problem(self, error)
            return
        self.message.show_info(self.tr("Saved. Desks using this database lock after {0} without use.")
                               .format(self._minutes_text(minutes)))
        self.idle_lock_changed.emit(minutes)

    def _minutes_text(self, minutes: int) -> str:
        return self.tr("1 minute") if minutes == 1 else self.tr("{0} minutes").format(minutes)

    def _follow_value(self, minutes: int) -> None:
        self.idle_lock.setSuffix(self.tr(" minute") if minutes == 1 else self.tr(" minutes"))

    def keyPressEvent(self, event) -> None:
        # Enter in the minutes box (which passes it on) saves, as in any form.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.save()
            return
        super().keyPressEvent(event)
