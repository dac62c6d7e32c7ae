"""What every part of the case service shares: finding a case the person may read or run, writing
a line on its timeline, and the bookkeeping the caseload sorts by."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from ..core.clock import Clock, as_utc
from ..core.db import Database
from ..core.errors import ConflictError, ValidationError
from ..core.models import Staff
from ..core.security import PERMISSIONS, Actor, Permission, Role, require
from ..core.staff import check_version
from ..desk.attachments import AttachmentService
from ..desk.representatives import london_today
from . import access
from .calendar import calendar_in, london_day
from .case_reading import case_record, load_case, member_ids, staff_name
from .models import Case, CaseActivity
from .records import CaseRecord
from .vocab import ActivityKind

RECORD = "advocacy_case"
# The audited changes that change the case row itself (notes, tasks, team and links do not).
VERSION_MOVES = ("case.status_changed", "case.escalated", "case.handed_over", "case.reassigned", "case.restricted",
                 "case.unrestricted", "case.closed", "case.reopened")
CASE_OWNERS = frozenset(role for role, granted in PERMISSIONS.items() if Permission.WORK_CASES in granted)


class CaseWork:
    @contextmanager
    def _unit(self) -> Iterator[Session]:
        """One unit of work; two desks saving one case (or task) at the same moment is a
        conflict to show, not a crash: the version check after ours caught the other save."""
        try:
            with self.db.unit_of_work() as session:
                yield session
        except StaleDataError:
            raise ConflictError("Someone else changed this case at the same moment; your change was not saved. "
                                "Look at it again and apply your change if it is still needed.") from None

    def __init__(self, db: Database, clock: Clock, attachments: AttachmentService) -> None:
        self.db = db
        self.clock = clock
        self.attachments = attachments

    def _readable(self, session: Session, actor: Actor, case_id: int) -> tuple[Case, set[int]]:
        require(actor, Permission.WORK_CASES)
        case = load_case(session, case_id)
        members = member_ids(session, case.id)
        if not access.may_read(actor, case, members):
            raise access.refuse_reading(actor, case, staff_name(session, case.owner_id))
        return case, members

    def _runnable(self, session: Session, actor: Actor, case_id: int, version: int | None = None) -> tuple[Case, set[int]]:
        case, members = self._checked_case(session, actor, case_id, version)
        if not access.may_run(actor, case, members):
            raise access.refuse_running(actor, case, staff_name(session, case.owner_id))
        return case, members

    def _checked_case(self, session: Session, actor: Actor, case_id: int, version: int | None) -> tuple[Case, set[int]]:
        case, members = self._readable(session, actor, case_id)
        check_version("case", case, version, RECORD, VERSION_MOVES)
        return case, members

    def _touch(self, case: Case, actor: Actor) -> None:
        case.updated_at = self.clock.now()
        case.updated_by = actor.username

    def _activity(self, session: Session, actor: Actor, case: Case, kind: ActivityKind, text: str, *,
                  happened_at: datetime | None = None, internal: bool = False, **columns) -> CaseActivity:
        now = self.clock.now()
        row = CaseActivity(case_id=case.id, kind=kind.value, text=text, internal=internal,
                           happened_at=happened_at or now, recorded_at=now, recorded_by=actor.username,
                           staff_id=actor.staff_id, **columns)
        session.add(row)
        bookkeep(session, case, last_activity_at=now)
        return row

    def _record(self, session: Session, case: Case) -> CaseRecord:
        session.flush()
        return case_record(session, case, calendar_in(session), london_today(self.clock))


def refuse_closed(case: Case) -> None:
    if case.closed_at is not None:
        raise ValidationError(f"{case.reference} is closed. Reopen it first if there is more to do.", field="status")


def checked_time(happened_at: datetime | None, opened_at: datetime, now: datetime) -> datetime:
    if happened_at is None:
        return now
    when = as_utc(happened_at)
    if when > now:
        raise ValidationError("That time is in the future. Record what has happened; add a task for what is planned.",
                              field="happened_at")
    if london_day(when) < london_day(opened_at):
        raise ValidationError(f"That is before the case was opened ({london_day(opened_at):%d/%m/%Y}).",
                              field="happened_at")
    return when


def check_caseworker(session: Session, staff_id: int | None, *, field: str) -> None:
    row = session.get(Staff, staff_id) if staff_id is not None else None
    if row is None or not row.active:
        raise ValidationError("Choose an active member of staff.", field=field)
    if Role(row.role) not in CASE_OWNERS:
        raise ValidationError(f"{row.display_name} ({Role(row.role).label}) does not work cases; choose an advocate "
                              "or a service manager.", field=field)


def refresh_next_task(session: Session, case: Case) -> None:
    bookkeep(session, case, next_task_due_on=session.scalar(select(func.min(CaseActivity.due_on)).where(
        CaseActivity.case_id == case.id, CaseActivity.kind == ActivityKind.TASK.value, CaseActivity.done_at.is_(None))))


def bookkeep(session: Session, case: Case, **values) -> None:
    """Dates the caseload sorts by, written without moving the case's version: a note or a
    task added by one person must not make another's status change look like a conflict."""
    session.execute(update(Case).where(Case.id == case.id).values(**values))
    for key, value in values.items():
        set_committed_value(case, key, value)
