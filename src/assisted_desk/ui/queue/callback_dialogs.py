"""Promising a callback, logging a try at it, and cancelling one that is no longer needed."""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import QDate, QDateTime, QTime
from PySide6.QtWidgets import QComboBox, QDateTimeEdit, QLineEdit, QPlainTextEdit, QWidget

from ...core.clock import LONDON, local_text
from ...core.security import Actor
from ...desk.callbacks import CallbackView
from ...desk.queue_common import Colleague
from ...desk.vocab import AttemptOutcome
from ...services import Services
from ..admin.common import RecordDialog
from .queue_dialogs import ResidentChoosingDialog


def plain_text_box(max_height: int = 90) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setTabChangesFocus(True)  # Tab moves on, as in every other field
    box.setMaximumHeight(max_height)
    return box


def default_due(now: datetime) -> datetime:
    """Two hours from now, rounded up to the quarter hour, in London."""
    local = now.astimezone(LONDON) + timedelta(hours=2)
    extra = (15 - local.minute % 15) % 15
    return (local + timedelta(minutes=extra)).replace(second=0, microsecond=0)


def london_from(edit: QDateTimeEdit) -> datetime:
    """What the field shows, read as London wall-clock time."""
    shown = edit.dateTime()
    day, clock = shown.date(), shown.time()
    return datetime(day.year(), day.month(), day.day(), clock.hour(), clock.minute(), tzinfo=LONDON)


class NewCallbackDialog(ResidentChoosingDialog):
    def __init__(self, services: Services, actor: Actor, colleagues: tuple[Colleague, ...],
                 parent: QWidget | None = None) -> None:
        super().__init__(services, actor, parent)
        self.services, self.actor = services, actor
        self.set_title(self.tr("New callback"),
                       self.tr("Find the resident if they are known, or type the caller's name. With a resident "
                               "and no number, their own number is used."))
        self.setMinimumSize(720, 620)
        self.caller_name = QLineEdit()
        self.caller_name.setMaxLength(120)
        self.add_field("caller_name", self.tr("&Caller's name"), self.caller_name, self.tr("Caller's name"))
        self.phone = QLineEdit()
        self.phone.setMaxLength(30)
        self.phone.setPlaceholderText(self.tr("for example: 07911 123456"))
        self.add_field("phone", self.tr("&Phone number"), self.phone, self.tr("Phone number to ring"))
        self.reason = plain_text_box()
        self.add_field("reason", self.tr("&Reason"), self.reason, self.tr("Reason for the callback"))
        self.due = QDateTimeEdit()
        self.due.setDisplayFormat("dd/MM/yyyy HH:mm")
        self.due.setCalendarPopup(True)
        due = default_due(services.clock.now())
        self.due.setDateTime(QDateTime(QDate(due.year, due.month, due.day), QTime(due.hour, due.minute)))
        self.add_field("due_by", self.tr("&Due by"), self.due, self.tr("Due by, London time"))
        self.assigned = QComboBox()
        self.assigned.addItem(self.tr("Anyone at the site"), None)
        for colleague in colleagues:
            self.assigned.addItem(colleague.display_name, colleague.staff_id)
        self.add_field("assigned_to", self.tr("&Assigned to"), self.assigned, self.tr("Assigned to"))
        self.save_button.setText(self.tr("&Save callback"))
        self.save_button.setAccessibleName(self.tr("Save callback"))
        self.move_on_after_choosing(self.phone)
        self.resident.finder.focus_search()

    def save(self) -> CallbackView:
        return self.services.callbacks.create(
            self.actor, resident_id=self.resident.resident_id, caller_name=self.caller_name.text(),
            phone=self.phone.text(), reason=self.reason.toPlainText(), due_by=london_from(self.due),
            assigned_to_id=self.assigned.currentData())

    def adopt(self, record: CallbackView) -> str:  # a new callback never conflicts
        return record.name


class LogAttemptDialog(RecordDialog):
    """One try at ringing back: how it went, a note, and the right number if it was wrong."""

    def __init__(self, services: Services, actor: Actor, callback: CallbackView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor, self.callback = services, actor, callback
        self.version = callback.version
        self.set_title(self.tr("Log a call to {0}").format(callback.name),
                       self.tr("Ring {0}. Reached closes the callback.").format(callback.phone_display))
        self.outcome = QComboBox()
        for outcome in AttemptOutcome:
            self.outcome.addItem(outcome.label, outcome.value)
        self.add_field("outcome", self.tr("&Outcome"), self.outcome, self.tr("Outcome of the call"))
        self.note = QLineEdit()
        self.note.setMaxLength(1000)
        self.add_field("note", self.tr("&Note"), self.note, self.tr("Note about the call"))
        self.corrected = QLineEdit()
        self.corrected.setMaxLength(30)
        self.corrected.setPlaceholderText(self.tr("with Wrong number: the right one, if known"))
        self.add_field("corrected_phone", self.tr("&Right number"), self.corrected, self.tr("Right number"))
        self.save_button.setText(self.tr("&Log call"))
        self.save_button.setAccessibleName(self.tr("Log call"))
        self.outcome.currentIndexChanged.connect(lambda _i: self._follow_outcome())
        self._follow_outcome()
        self.outcome.setFocus()

    def _follow_outcome(self) -> None:
        wrong = self.outcome.currentData() == AttemptOutcome.WRONG_NUMBER.value
        self.corrected.setEnabled(wrong)
        if not wrong:
            self.corrected.clear()

    def save(self) -> CallbackView:
        return self.services.callbacks.log_attempt(
            self.actor, self.callback.id, self.outcome.currentData(), self.note.text(),
            corrected_phone=self.corrected.text(), expected_version=self.version)

    def adopt(self, record: CallbackView) -> str:
        self.version = record.version
        last = record.last_outcome.label if record.last_outcome else self.tr("no attempts")
        return self.tr("{0} attempt(s), last: {1}").format(record.attempt_count, last)


class CancelCallbackDialog(RecordDialog):
    def __init__(self, services: Services, actor: Actor, callback: CallbackView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor, self.callback = services, actor, callback
        self.version = callback.version
        self.set_title(self.tr("Cancel the callback to {0}").format(callback.name),
                       self.tr("Say why it is no longer needed; the reason is kept with the callback."))
        self.reason = QLineEdit()
        self.reason.setMaxLength(500)
        self.add_field("cancel_reason", self.tr("&Why"), self.reason, self.tr("Reason for cancelling"))
        self.save_button.setText(self.tr("Cancel the &callback"))
        self.save_button.setAccessibleName(self.tr("Cancel the callback"))
        self.buttons.button(self.buttons.StandardButton.Cancel).setText(self.tr("&Keep it"))
        self.buttons.button(self.buttons.StandardButton.Cancel).setAccessibleName(self.tr("Keep it"))
        self.reason.setFocus()

    def save(self) -> CallbackView:
        return self.services.callbacks.cancel(self.actor, self.callback.id, self.reason.text(), self.version)

    def adopt(self, record: CallbackView) -> str:
        self.version = record.version
        return self.tr("{0} attempt(s), due by {1}").format(record.attempt_count, local_text(record.due_by))
