"""The small dialogs the case window opens, one per thing a person does to a case. Each saves
through one CaseService call and closes only once the service has accepted; a refusal (bad input,
not allowed, the case closed) is shown in the dialog with everything typed kept, and a conflict
(someone else moved the case first) reloads the case behind the dialog and keeps the text so it
can be applied again."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from PySide6.QtCore import QDate, QDateTime, QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from ...casework.records import CaseRecord, TeamMember
from ...casework.vocab import ESCALATION_LEVELS, ActivityKind, CaseOutcome
from ...core.clock import LONDON, as_utc
from ...core.errors import ConflictError, DeskError, EnvironmentFault, ValidationError
from ...core.security import Actor
from ...desk.representatives import london_today
from ...services import Services
from ..admin.common import RecordDialog
from ..forms import focus_field
from ..messages import show_problem

RECORDED_KINDS = (ActivityKind.CALL, ActivityKind.LETTER, ActivityKind.EMAIL, ActivityKind.MEETING, ActivityKind.NOTE)


def qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def case_state(case: CaseRecord) -> str:
    """The case as saved now, in a sentence's worth of words (after a conflict)."""
    words = f"{case.status_label}, with {case.owner_name}"
    if case.escalation_level:
        words += f", escalated to {case.escalation_label.lower()}"
    return words


class CaseActionDialog(RecordDialog):
    """A RecordDialog over one case. Unlike the admin dialogs every refusal stays in the dialog
    (no box over it), so the person sees why next to what they typed."""

    def __init__(self, services: Services, actor: Actor, case: CaseRecord, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor, self.case = services, actor, case

    def accept(self) -> None:
        self.message.clear_message()
        try:
            self.saved = self.save()
        except ValidationError as error:
            self.show_error(error.message)
            focus_field(self.fields, error)
            return
        except ConflictError as error:
            self._after_conflict(error)
            return
        except EnvironmentFault as error:
            show_problem(self, error)
            return
        except DeskError as error:  # not allowed, or gone: say so here and keep what was typed
            self.show_error(error.message)
            return
        self.done(RecordDialog.DialogCode.Accepted)

    def _after_conflict(self, error: ConflictError) -> None:
        """The window shows the case as saved now; the dialog says so and keeps what was typed."""
        current = self.refetch() if self.refetch is not None else None
        if current is None:
            self.show_error(error.message)
            return
        now_saved = self.adopt(current)
        action = self.save_button.text().replace("&", "")
        self.show_error(self.tr("Someone else changed {0} while you were typing. Saved now: {1}.\nWhat you typed is "
                                "still here: press {2} to apply it to the case as it is now, or Cancel.")
                        .format(current.reference, now_saved, action))

    def adopt(self, record: CaseRecord) -> str:
        self.case = record
        self.refresh_choices()
        return case_state(record)

    def refresh_choices(self) -> None:
        """After a conflict: choices that depend on the case (next statuses, levels) follow it."""

    def _line(self, key: str, label: str, accessible: str, placeholder: str = "", max_length: int = 2000) -> QLineEdit:
        field = QLineEdit()
        field.setMaxLength(max_length)
        field.setPlaceholderText(placeholder)
        self.add_field(key, label, field, accessible)
        return field

    def _people(self, key: str, label: str, accessible: str, people: list[TeamMember],
                chosen: int | None = None) -> QComboBox:
        combo = QComboBox()
        for person in people:
            combo.addItem(self.tr("{0} ({1})").format(person.name, person.role_label), person.staff_id)
        if chosen is not None and combo.findData(chosen) >= 0:
            combo.setCurrentIndex(combo.findData(chosen))
        self.add_field(key, label, combo, accessible)
        return combo

    def _save_as(self, text: str) -> None:
        self.save_button.setText(text)
        self.save_button.setAccessibleName(text.replace("&", ""))


class ContactDialog(CaseActionDialog):
    """Record a call, letter, email or meeting, or a note; when (default now); internal or not."""

    def __init__(self, services: Services, actor: Actor, case: CaseRecord, parent: QWidget | None = None) -> None:
        super().__init__(services, actor, case, parent)
        tr = self.tr
        self.setMinimumWidth(560)
        self.set_title(tr("Record a contact or note on {0}").format(case.reference),
                       tr("A call, letter, email or meeting with (or for) {0} answers the first-response "
                          "clock; a note does not.").format(case.resident_name))
        self.kind = QComboBox()
        for kind in RECORDED_KINDS:
            self.kind.addItem(tr(kind.label), kind.value)
        self.add_field("kind", tr("&Kind"), self.kind, tr("Kind of contact"))
        self.text = QPlainTextEdit()
        self.text.setTabChangesFocus(True)
        self.text.setMinimumHeight(120)
        self.text.setPlaceholderText(tr("What happened, what was agreed"))
        self.add_field("text", tr("&What happened"), self.text, tr("What happened"))
        now = as_utc(services.clock.now()).astimezone(LONDON).replace(second=0, microsecond=0, tzinfo=None)
        self.initial = QDateTime(qdate(now.date()), QTime(now.hour, now.minute))
        self.when = QDateTimeEdit(self.initial)
        self.when.setDisplayFormat("dd/MM/yyyy HH:mm")
        self.when.setCalendarPopup(True)
        self.add_field("happened_at", tr("W&hen"), self.when, tr("When it happened"))
        self.internal = QCheckBox(tr("&Internal: colleagues only, never printed"))
        self.internal.setAccessibleName(tr("Internal"))
        self.form.addRow("", self.internal)
        self._save_as(tr("&Record"))
        self.text.setFocus()

    def happened_at(self) -> datetime | None:
        """None while the time is the one the dialog opened with: then it is "now" when saved."""
        shown = self.when.dateTime()
        if shown == self.initial:
            return None
        day, moment = shown.date().toPython(), shown.time().toPython()
        return datetime.combine(day, moment, tzinfo=LONDON)

    def save(self) -> CaseRecord:
        return self.services.cases.record_activity(
            self.actor, self.case.id, self.kind.currentData(), self.text.toPlainText(),
            happened_at=self.happened_at(), internal=self.internal.isChecked())


class TaskDialog(CaseActionDialog):
    def __init__(self, services: Services, actor: Actor, case: CaseRecord, caseworkers: list[TeamMember],
                 parent: QWidget | None = None) -> None:
        super().__init__(services, actor, case, parent)
        tr = self.tr
        self.set_title(tr("Add a task to {0}").format(case.reference))
        self.text = self._line("task", tr("&Task"), tr("Task"), tr("e.g. chase the repairs team"), 500)
        today = london_today(services.clock)
        self.due = QDateEdit(qdate(today + timedelta(days=7)))
        self.due.setDisplayFormat("dd/MM/yyyy")
        self.due.setCalendarPopup(True)
        self.add_field("due_on", tr("&Due on"), self.due, tr("Due on"))
        self.assignee = self._people("assignee", tr("&For"), tr("Assigned to"), caseworkers, actor.staff_id)
        self._save_as(tr("&Add task"))
        self.text.setFocus()

    def save(self) -> CaseRecord:
        return self.services.cases.add_task(self.actor, self.case.id, self.text.text(), self.due.date().toPython(),
                                            self.assignee.currentData())


class CompleteTaskDialog(CaseActionDialog):
    """Mark an open task done, or cancelled (which needs a note)."""

    def __init__(self, services: Services, actor: Actor, case: CaseRecord, task_id: int | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(services, actor, case, parent)
        tr = self.tr
        self.set_title(tr("Finish a task on {0}").format(case.reference))
        self.task = QComboBox()
        self.add_field("task", tr("&Task"), self.task, tr("Task"))
        self.refresh_choices(task_id)
        self.done_choice = QRadioButton(tr("&Done"))
        self.done_choice.setAccessibleName(tr("Done"))
        self.done_choice.setChecked(True)
        self.cancelled_choice = QRadioButton(tr("&Cancelled: no longer needed"))
        self.cancelled_choice.setAccessibleName(tr("Cancelled"))
        choices = QWidget()
        column = QVBoxLayout(choices)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.done_choice)
        column.addWidget(self.cancelled_choice)
        self.form.addRow("", choices)
        self.note = self._line("note", tr("&Note"), tr("Note"), tr("optional when done; why, when cancelled"), 500)
        self._save_as(tr("&Finish task"))
        self.task.setFocus()

    def refresh_choices(self, task_id: int | None = None) -> None:
        chosen = task_id if task_id is not None else self.task.currentData()
        self.task.clear()
        for task in self.case.open_tasks:
            due = task.due_on.strftime("%d/%m/%Y") if task.due_on else ""
            self.task.addItem(self.tr("{0} (due {1}, {2})").format(task.text, due, task.assignee_name), task.id)
        if chosen is not None and self.task.findData(chosen) >= 0:
            self.task.setCurrentIndex(self.task.findData(chosen))

    def save(self) -> CaseRecord:
        if self.task.currentData() is None:
            raise ValidationError(self.tr("{0} has no open tasks.").format(self.case.reference), field="task")
        return self.services.cases.complete_task(self.actor, self.task.currentData(),
                                                 cancelled=self.cancelled_choice.isChecked(), note=self.note.text())


class StatusDialog(CaseActionDialog):
    def __init__(self, services: Services, actor: Actor, case: CaseRecord, parent: QWidget | None = None) -> None:
        super().__init__(services, actor, case, parent)
        tr = self.tr
        self.set_title(tr("Change the status of {0}").format(case.reference),
                       tr("Now: {0}. Its type allows these next.").format(case.status_label))
        self.status = QComboBox()
        self.add_field("status", tr("&Move to"), self.status, tr("New status"))
        self.refresh_choices()
        self.note = self._line("note", tr("&Note"), tr("Note"), tr("optional"))
        self._save_as(tr("&Change status"))
        self.status.setFocus()

    def refresh_choices(self) -> None:
        chosen = self.status.currentData()
        self.status.clear()
        for code, label in self.case.next_statuses:
            self.status.addItem(self.tr(label), code)
        if chosen is not None and self.status.findData(chosen) >= 0:
            self.status.setCurrentIndex(self.status.findData(chosen))
        self.intro.setText(self.tr("Now: {0}. Its type allows these next.").format(self.case.status_label))

    def save(self) -> CaseRecord:
        if self.status.currentData() is None:
            raise ValidationError(self.tr("{0} cannot move on from {1}.").format(
                self.case.reference, self.case.status_label), field="status")
        return self.services.cases.change_status(self.actor, self.case.id, self.status.currentData(),
                                                 self.note.text(), self.case.version)


class OwnerDialog(CaseActionDialog):
    """Hand over (the owner, with a note for the next caseworker) or reassign (a manager)."""

    def __init__(self, services: Services, actor: Actor, case: CaseRecord, caseworkers: list[TeamMember], *,
                 reassign: bool, parent: QWidget | None = None) -> None:
        super().__init__(services, actor, case, parent)
        tr = self.tr
        self.reassign = reassign
        others = [p for p in caseworkers if p.staff_id != case.owner_id]
        if reassign:
            self.set_title(tr("Reassign {0}").format(case.reference),
                           tr("Give the case to another caseworker (absence, workload). Now with {0}.")
                           .format(case.owner_name))
        else:
            self.set_title(tr("Hand over {0}").format(case.reference),
                           tr("Pass the case to another caseworker, with a note for them. You stay on its team."))
        self.to = self._people("owner", tr("&To"), tr("New owner"), others)
        if reassign:
            self.note = self._line("reason", tr("&Reason"), tr("Reason"), tr("required"))
        else:
            self.note = self._line("note", tr("&Note"), tr("Handover note"),
                                   tr("required: what they need to know"))
        self._save_as(tr("Reass&ign") if reassign else tr("&Hand over"))
        self.to.setFocus()

    def save(self) -> CaseRecord:
        if self.to.currentData() is None:
            raise ValidationError(self.tr("Choose the caseworker."), field="owner")
        method = self.services.cases.reassign if self.reassign else self.services.cases.hand_over
        return method(self.actor, self.case.id, self.to.currentData(), self.note.text(), self.case.version)


class EscalateDialog(CaseActionDialog):
    def __init__(self, services: Services, actor: Actor, case: CaseRecord, parent: QWidget | None = None) -> None:
        super().__init__(services, actor, case, parent)
        tr = self.tr
        self.set_title(tr("Escalate {0}").format(case.reference))
        self.level = QComboBox()
        self.add_field("level", tr("&To"), self.level, tr("Escalation level"))
        self.refresh_choices()
        self.reason = self._line("reason", tr("&Reason"), tr("Reason for escalating"), tr("required"))
        self._save_as(tr("&Escalate"))
        self.level.setFocus()

    def refresh_choices(self) -> None:
        chosen = self.level.currentData()
        self.level.clear()
        for level, label in ESCALATION_LEVELS.items():
            if level > self.case.escalation_level:
                self.level.addItem(self.tr("{0}: {1}").format(level, self.tr(label)), level)
        if chosen is not None and self.level.findData(chosen) >= 0:
            self.level.setCurrentIndex(self.level.findData(chosen))
        now = self.case.escalation_label.lower() if self.case.escalation_level else self.tr("not escalated")
        self.intro.setText(self.tr("Now: {0}. A case only goes up.").format(now))
        self.intro.show()

    def save(self) -> CaseRecord:
        if self.level.currentData() is None:
            raise ValidationError(self.tr("{0} is already at the highest level.").format(self.case.reference),
                                  field="level")
        return self.services.cases.escalate(self.actor, self.case.id, self.level.currentData(), self.reason.text(),
                                            self.case.version)


class TeamDialog(CaseActionDialog):
    """Name a caseworker on the team, or take one off."""

    ADD, REMOVE = "add", "remove"

    def __init__(self, services: Services, actor: Actor, case: CaseRecord, caseworkers: list[TeamMember],
                 parent: QWidget | None = None) -> None:
        super().__init__(services, actor, case, parent)
        tr = self.tr
        self.caseworkers = caseworkers
        self.set_title(tr("The team on {0}").format(case.reference))
        self.action = QComboBox()
        self.action.addItem(tr("Add to the team"), self.ADD)
        self.action.addItem(tr("Take off the team"), self.REMOVE)
        self.add_field("action", tr("&Do"), self.action, tr("Add or take off"))
        self.person = QComboBox()
        self.add_field("team", tr("&Who"), self.person, tr("Team member"))
        self.action.currentIndexChanged.connect(lambda _i: self.refresh_choices())
        self.refresh_choices()
        self._save_as(tr("&Apply"))
        self.action.setFocus()

    def refresh_choices(self) -> None:
        chosen = self.person.currentData()
        members = {m.staff_id for m in self.case.team}
        if self.action.currentData() == self.ADD:
            people = [p for p in self.caseworkers if p.staff_id not in members and p.staff_id != self.case.owner_id]
        else:
            people = list(self.case.team)
        self.person.clear()
        for person in people:
            self.person.addItem(self.tr("{0} ({1})").format(person.name, person.role_label), person.staff_id)
        if chosen is not None and self.person.findData(chosen) >= 0:
            self.person.setCurrentIndex(self.person.findData(chosen))
        names = ", ".join(m.name for m in self.case.team) or self.tr("nobody yet")
        self.intro.setText(self.tr("Owner: {0}. On the team: {1}.").format(self.case.owner_name, names))
        self.intro.show()

    def save(self) -> CaseRecord:
        if self.person.currentData() is None:
            raise ValidationError(self.tr("Choose a member of staff."), field="team")
        if self.action.currentData() == self.ADD:
            return self.services.cases.add_team_member(self.actor, self.case.id, self.person.currentData())
        return self.services.cases.remove_team_member(self.actor, self.case.id, self.person.currentData())


class RestrictDialog(CaseActionDialog):
    """Restrict a case (only owner, team and managers may then open it) or lift the restriction."""

    def __init__(self, services: Services, actor: Actor, case: CaseRecord, parent: QWidget | None = None) -> None:
        super().__init__(services, actor, case, parent)
        tr = self.tr
        self.restricting = not case.restricted
        if self.restricting:
            self.set_title(tr("Restrict {0}").format(case.reference),
                           tr("Only its owner, the people on its team and service managers will be able to open "
                              "it; every opening is recorded."))
        else:
            self.set_title(tr("Lift the restriction on {0}").format(case.reference),
                           tr("Every advocate will be able to read it again."))
        self.reason = self._line("reason", tr("&Reason"), tr("Reason"), tr("required"), 500)
        self._save_as(tr("Res&trict") if self.restricting else tr("&Lift restriction"))
        self.reason.setFocus()

    def save(self) -> CaseRecord:
        return self.services.cases.set_restricted(self.actor, self.case.id, self.restricting, self.reason.text(),
                                                  self.case.version)


class CloseDialog(CaseActionDialog):
    def __init__(self, services: Services, actor: Actor, case: CaseRecord, parent: QWidget | None = None) -> None:
        super().__init__(services, actor, case, parent)
        tr = self.tr
        self.set_title(tr("Close {0}").format(case.reference),
                       tr("Finish or cancel its open tasks first. A case can be reopened later."))
        self.outcome = QComboBox()
        for outcome in CaseOutcome:
            self.outcome.addItem(tr(outcome.label), outcome.value)
        self.add_field("outcome", tr("&Outcome"), self.outcome, tr("Outcome"))
        self.reason = self._line("reason", tr("&Reason"), tr("Reason"))
        self.outcome.currentIndexChanged.connect(lambda _i: self._outcome_changed())
        self._outcome_changed()
        self._save_as(tr("&Close case"))
        self.outcome.setFocus()

    def _outcome_changed(self) -> None:
        needed = self.outcome.currentData() == CaseOutcome.NOT_RESOLVED.value
        self.reason.setPlaceholderText(self.tr("required: why it was not resolved") if needed
                                       else self.tr("optional"))

    def save(self) -> CaseRecord:
        return self.services.cases.close_case(self.actor, self.case.id, self.outcome.currentData(),
                                              self.reason.text(), self.case.version)


class ReopenDialog(CaseActionDialog):
    def __init__(self, services: Services, actor: Actor, case: CaseRecord, parent: QWidget | None = None) -> None:
        super().__init__(services, actor, case, parent)
        tr = self.tr
        self.set_title(tr("Reopen {0}").format(case.reference),
                       tr("The reopening shows on its timeline and is counted; its resolution clock carries on."))
        self.reason = self._line("reason", tr("&Reason"), tr("Reason for reopening"), tr("required"))
        self._save_as(tr("Re&open"))
        self.reason.setFocus()

    def save(self) -> CaseRecord:
        return self.services.cases.reopen_case(self.actor, self.case.id, self.reason.text(), self.case.version)
