"""A case's timeline: contacts and notes, tasks, and what is linked to it — desk contacts,
back-office requests and evidence files."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..core.audit import record_audit
from ..core.clock import as_utc
from ..core.errors import NotFound, ValidationError
from ..core.security import Actor, Permission, require
from ..core.validation import clean_text
from ..desk.attachment_models import Attachment
from ..desk.attachments import REMOVING, AttachmentInput, register_attachment_guard, store_attachments
from ..desk.models import Interaction
from ..desk.representatives import london_today
from ..desk.submission_models import Submission
from . import access
from .case_reading import case_evidence_of, member_ids, staff_name
from .case_work import RECORD, CaseWork, bookkeep, check_caseworker, checked_time, refresh_next_task, refuse_closed
from .models import Case, CaseActivity, CaseMember
from .records import CaseRecord
from .vocab import CONTACT_KINDS, TASK_CANCELLED, TASK_DONE, ActivityKind

MAX_TEXT = 20000  # a long note or a letter's text


class CaseActivities(CaseWork):
    def record_activity(self, actor: Actor, case_id: int, kind: ActivityKind | str, text: str, *,
                        happened_at: datetime | None = None, internal: bool = False) -> CaseRecord:
        """A call, letter, email or meeting with (or for) the resident, or a note. The first
        contact answers the first-response clock. Refuses anyone who may not read the case, a
        closed case, an empty text, and a time in the future or before the case opened."""
        require(actor, Permission.WORK_CASES)  # the role first: before any input is judged
        kind = ActivityKind.parse(kind, field="kind", what="Activity")
        if not kind.is_recorded_by_staff:
            raise ValidationError("Record a call, letter, email, meeting or note.", field="kind")
        text = clean_text(text, field="text", label="What happened", max_length=MAX_TEXT)
        now = self.clock.now()
        with self._unit() as session:
            case, _ = self._readable(session, actor, case_id)
            refuse_closed(case)
            when = checked_time(happened_at, case.opened_at, now)
            self._activity(session, actor, case, kind, text, happened_at=when, internal=internal)
            answered = max(as_utc(when), as_utc(case.opened_at))
            if kind in CONTACT_KINDS and (case.first_response_at is None or answered < as_utc(case.first_response_at)):
                # The earliest contact answers the clock, even when it is recorded after a later one.
                bookkeep(session, case, first_response_at=answered)
            record_audit(session, self.clock, actor, f"case.{kind.value}", RECORD, case.id,
                         f"{case.reference} {kind.label.lower()} recorded" + (" (internal)" if internal else ""))
            return self._record(session, case)

    def add_task(self, actor: Actor, case_id: int, text: str, due_on: date, assignee_id: int | None = None) -> CaseRecord:
        """A task with a due date, for the assignee (the person adding it when none is named), who
        joins the case's team if not on it. Refuses a date in the past, an assignee who may not
        work cases, and a closed case."""
        require(actor, Permission.WORK_CASES)  # the role first: before any input is judged
        text = clean_text(text, field="task", label="The task", max_length=500)
        if not isinstance(due_on, date) or isinstance(due_on, datetime):
            raise ValidationError("Give the task a due date (a day, not a time).", field="due_on")
        with self._unit() as session:
            case, members = self._runnable(session, actor, case_id)
            refuse_closed(case)
            if due_on < london_today(self.clock):
                raise ValidationError(f"The due date {due_on:%d/%m/%Y} is in the past.", field="due_on")
            assignee = assignee_id if assignee_id is not None else actor.staff_id
            check_caseworker(session, assignee, field="assignee")
            if assignee != case.owner_id and assignee not in members:
                # Whoever is given a task joins the team: it is on their caseload, and they can
                # open the case to do it even when it is restricted.
                session.add(CaseMember(case_id=case.id, staff_id=assignee, added_at=self.clock.now(),
                                       added_by=actor.username))
                self._activity(session, actor, case, ActivityKind.TEAM, "Added to the team to do a task",
                               other_staff_id=assignee)
                record_audit(session, self.clock, actor, "case.team_added", RECORD, case.id,
                             f"{case.reference} staff {assignee} (given a task)")
            self._activity(session, actor, case, ActivityKind.TASK, text, due_on=due_on, assignee_id=assignee)
            session.flush()
            refresh_next_task(session, case)
            record_audit(session, self.clock, actor, "case.task_added", RECORD, case.id,
                         f"{case.reference} task due {due_on.isoformat()} for staff {assignee}")
            return self._record(session, case)

    def complete_task(self, actor: Actor, activity_id: int, *, cancelled: bool = False, note: str = "") -> CaseRecord:
        """Mark a task done (or cancelled, which needs a note). Refuses one already finished."""
        require(actor, Permission.WORK_CASES)  # the role first: before any input is judged
        note = clean_text(note, field="note", label="Why it was cancelled" if cancelled else "The note",
                          max_length=500, required=cancelled)
        with self._unit() as session:
            task = session.get(CaseActivity, activity_id)
            if task is None or task.kind != ActivityKind.TASK.value:
                raise NotFound("That task no longer exists.")
            case, members = self._readable(session, actor, task.case_id)
            if not (access.may_run(actor, case, members) or task.assignee_id == actor.staff_id):
                raise access.refuse_running(actor, case, staff_name(session, case.owner_id))
            if task.done_at is not None:
                raise ValidationError(f"This task was already finished by {task.done_by}.", field="task")
            task.done_at = self.clock.now()
            task.done_by = actor.username
            task.to_status = TASK_CANCELLED if cancelled else TASK_DONE
            if note or cancelled:
                task.text = f"{task.text}\n{'Cancelled' if cancelled else 'Done'}: {note}".strip()
            session.flush()
            refresh_next_task(session, case)
            bookkeep(session, case, last_activity_at=self.clock.now())
            record_audit(session, self.clock, actor, "case.task_cancelled" if cancelled else "case.task_done", RECORD,
                         case.id, f"{case.reference} task {task.id}")
            return self._record(session, case)

    def link_interaction(self, actor: Actor, case_id: int, interaction_id: int) -> CaseRecord:
        """Link a desk contact with the resident to the case. Refuses another resident's contact."""
        return self._link(actor, case_id, Interaction, interaction_id, ActivityKind.INTERACTION, "interaction_id",
                          "A desk contact linked")

    def link_submission(self, actor: Actor, case_id: int, submission_id: int) -> CaseRecord:
        """Link a back-office request made for the resident to the case."""
        return self._link(actor, case_id, Submission, submission_id, ActivityKind.SUBMISSION, "submission_id",
                          "A back-office request linked")

    def link_attachment(self, actor: Actor, case_id: int, attachment_id: int) -> CaseRecord:
        """Use a file already kept for the resident with a desk contact or a request as evidence
        on the case. Refuses another resident's file, a removed one, and another case's evidence
        (which stays as private as that case)."""
        return self._link(actor, case_id, Attachment, attachment_id, ActivityKind.ATTACHMENT, "attachment_id",
                          "Evidence linked")

    def _link(self, actor: Actor, case_id: int, model: type, target_id: int, kind: ActivityKind, column: str,
              text: str) -> CaseRecord:
        with self._unit() as session:
            case, _ = self._readable(session, actor, case_id)
            refuse_closed(case)
            target = session.get(model, target_id)
            if target is None or target.resident_id != case.resident_id:
                raise ValidationError(f"That record is not one of this resident's, so it cannot be linked to "
                                      f"{case.reference}.", field=column)
            if model is Attachment:
                _check_linkable_file(session, target, case.id)
            already = session.scalar(select(func.count()).select_from(CaseActivity).where(
                CaseActivity.case_id == case.id, getattr(CaseActivity, column) == target_id))
            if already:
                raise ValidationError(f"It is already linked to {case.reference}.", field=column)
            reference = getattr(target, "reference", "") or getattr(target, "filename", "")
            self._activity(session, actor, case, kind, f"{text}: {reference}" if reference else text,
                           **{column: target_id})
            record_audit(session, self.clock, actor, f"case.{kind.value}_linked", RECORD, case.id,
                         f"{case.reference} {column} {target_id}")
            return self._record(session, case)

    def attach_evidence(self, actor: Actor, case_id: int, item: AttachmentInput, note: str = "") -> CaseRecord:
        """Keep a file (a letter received, a photo of damp) as evidence on the case, under the
        desk's attachment rules (type from content, size limit, fingerprint)."""
        require(actor, Permission.WORK_CASES)  # the role first: before any input is judged
        note = clean_text(note, field="note", label="The note", max_length=500, required=False)
        self.attachments.check(item)  # refuse before taking a transaction
        with self._unit() as session:
            case, _ = self._readable(session, actor, case_id)
            refuse_closed(case)
            [attachment_id] = store_attachments(session, self.clock, actor, [item], resident_id=case.resident_id,
                                                 interaction_id=None)
            filename = session.get(Attachment, attachment_id).filename
            self._activity(session, actor, case, ActivityKind.ATTACHMENT, note or f"Evidence added: {filename}",
                           attachment_id=attachment_id)
            record_audit(session, self.clock, actor, "case.evidence_added", RECORD, case.id,
                         f"{case.reference} attachment {attachment_id}")
            return self._record(session, case)


def _check_linkable_file(session: Session, attachment: Attachment, case_id: int) -> None:
    if attachment.removed_at is not None:
        raise ValidationError(f"‘{attachment.filename}’ was removed by {attachment.removed_by}; add the file again.",
                              field="attachment_id")
    if case_evidence_of(session, attachment) not in (None, case_id):
        raise ValidationError("That file is evidence on another case; add it to this case again if it belongs here.",
                              field="attachment_id")


def _guard_case_evidence(session: Session, actor: Actor, attachment: Attachment, what: str) -> None:
    """Evidence added to a case opens for those who may read the case, and is removed only by
    those who may run it; desk staff who may open files kept with desk contacts may not."""
    case_id = case_evidence_of(session, attachment)
    if case_id is None:
        return
    case = session.get(Case, case_id)
    members = member_ids(session, case_id)
    owner = staff_name(session, case.owner_id)
    if what == REMOVING:
        if not access.may_run(actor, case, members):
            raise access.refuse_running(actor, case, owner)
    elif not access.may_read(actor, case, members):
        raise access.refuse_reading(actor, case, owner)


register_attachment_guard(_guard_case_evidence)
