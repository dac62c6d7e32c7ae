"""The caseload: the list of cases an advocate works ("my cases") or a manager oversees ("all
cases"), with the counts the screen shows above it.

It reads only the case table, joined to the resident and the owner (the few case types are read
once per call): the dates it sorts and counts by are kept on the case row itself (cases.py), so
thousands of cases open at once and the timeline of activities is never touched. The counts are worked out by the database over the
whole filtered list, however many rows are shown."""

from __future__ import annotations

import enum
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, timedelta

from sqlalchemy import Boolean, and_, case as when, false, func, or_, select, true, type_coerce, union
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from ..core.clock import Clock
from ..core.db import Database
from ..core.models import Staff
from ..core.security import Actor, Permission, Role, require
from ..desk.models import Resident
from ..desk.names import query_words
from ..desk.references import parse_reference
from ..desk.representatives import london_today
from .case_types import CaseTypeRecord, type_record
from .cases import CASE_OWNERS
from .models import Case, CaseMember, CaseType
from .records import TeamMember
from .vocab import CLOSED, CasePriority

MAX_TEXT = 100  # a reference or a name; anything longer is not a search


class CaseloadScope(str, enum.Enum):
    MINE = "mine"  # cases the person owns or is on the team of
    TEAM = "team"  # every case (managers)


class DueFilter(str, enum.Enum):
    ANY = "any"
    TODAY = "today"
    THIS_WEEK = "this_week"
    OVERDUE_FIRST_RESPONSE = "overdue_first_response"
    OVERDUE_RESOLUTION = "overdue_resolution"
    OVERDUE_ANY = "overdue"


@dataclass(frozen=True)
class CaseloadFilter:
    status: str = ""  # a status code, or "" for any; "closed" lists closed cases
    case_type_id: int | None = None
    owner_id: int | None = None
    priority: str = ""  # a CasePriority value, or "" for any
    due: DueFilter = DueFilter.ANY
    include_closed: bool = False
    text: str = ""  # part of a reference or of the resident's name, in any case and with or without accents


@dataclass(frozen=True)
class CaseloadRow:
    id: int
    reference: str
    resident_id: int
    resident_name: str
    case_type_id: int
    case_type_name: str
    status: str
    status_label: str
    priority: CasePriority
    owner_id: int
    owner_name: str
    opened_at: datetime
    first_response_due_on: date
    first_response_at: datetime | None
    resolution_due_on: date
    next_task_due_on: date | None
    closed_at: datetime | None
    restricted: bool
    escalation_level: int
    reopen_count: int
    first_response_overdue: bool
    resolution_overdue: bool
    due_today: bool  # open, and its resolution, next task or (still awaited) first response is due today
    due_this_week: bool  # the same, due between today and Sunday
    last_activity_at: datetime

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def overdue(self) -> bool:
        return self.first_response_overdue or self.resolution_overdue


@dataclass(frozen=True)
class CaseloadCounts:
    """Over the whole filtered list (before any limit), open cases only."""

    open: int
    due_today: int
    due_this_week: int
    overdue_first_response: int
    overdue_resolution: int
    escalated: int


@dataclass(frozen=True)
class CaseloadPage:
    rows: tuple[CaseloadRow, ...]
    counts: CaseloadCounts
    truncated: bool  # more cases matched than `limit`; the counts still cover them all


def week_end(today: date) -> date:
    """The coming Sunday (today when today is Sunday): "this week" on a desk calendar."""
    return today + timedelta(days=6 - today.weekday())


class _Flags:
    """The SQL for each flag, for one day: used both to filter and to count."""

    def __init__(self, today: date) -> None:
        sunday = week_end(today)
        is_open = Case.closed_at.is_(None)
        awaiting = Case.first_response_at.is_(None)
        self.open = is_open
        self.first_response_overdue = and_(is_open, awaiting, Case.first_response_due_on < today)
        self.resolution_overdue = and_(is_open, Case.resolution_due_on < today)
        self.due_today = and_(is_open, or_(Case.resolution_due_on == today, Case.next_task_due_on == today,
                                           and_(awaiting, Case.first_response_due_on == today)))
        self.due_this_week = and_(is_open, or_(
            Case.resolution_due_on.between(today, sunday), Case.next_task_due_on.between(today, sunday),
            and_(awaiting, Case.first_response_due_on.between(today, sunday))))
        self.escalated = and_(is_open, Case.escalation_level > 0)

    def for_due(self, due: DueFilter) -> ColumnElement[bool] | None:
        return {
            DueFilter.ANY: None,
            DueFilter.TODAY: self.due_today,
            DueFilter.THIS_WEEK: self.due_this_week,
            DueFilter.OVERDUE_FIRST_RESPONSE: self.first_response_overdue,
            DueFilter.OVERDUE_RESOLUTION: self.resolution_overdue,
            DueFilter.OVERDUE_ANY: or_(self.first_response_overdue, self.resolution_overdue),
        }[DueFilter(due)]


def _counted(condition: ColumnElement[bool]):
    return func.coalesce(func.sum(when((condition, 1), else_=0)), 0)


# Urgent first: the stored values do not sort in that order.
_PRIORITY_ORDER = when(*((Case.priority == p.value, -p.rank) for p in CasePriority), else_=0)


class Caseload:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def for_actor(self, actor: Actor, scope: CaseloadScope, filters: CaseloadFilter = CaseloadFilter(), *,
                  limit: int = 10_000) -> CaseloadPage:
        """The cases in `scope` that match `filters`, soonest resolution date first (then urgent
        first, then by reference), at most `limit` of them, with counts over all that match.
        "My cases" needs work-cases and lists the cases the person owns or is on the team of
        (restricted ones included: they may open those); "all cases" needs manage-all-cases."""
        scope = CaseloadScope(scope)
        require(actor, Permission.MANAGE_ALL_CASES if scope is CaseloadScope.TEAM else Permission.WORK_CASES)
        today = london_today(self.clock)
        flags = _Flags(today)
        conditions = self._conditions(actor, scope, filters, flags)
        # The counts are the overview a due filter is chosen from: they keep every other filter
        # but not the due one, so choosing "overdue" does not turn the other counts to nought.
        counted_conditions = self._conditions(actor, scope, replace(filters, due=DueFilter.ANY), flags)
        joined = (select().select_from(Case)
                  .join(Resident, Resident.id == Case.resident_id)
                  .join(Staff, Staff.id == Case.owner_id))
        # Every case has its resident and owner: the counts need the resident only to match a name.
        counted = joined if (filters.text or "").strip() else select().select_from(Case)
        with self.db.unit_of_work() as session:
            types = {row.id: type_record(row) for row in session.scalars(select(CaseType))}
            # Core, not ORM rows: thousands of plain tuples is what a caseload is.
            connection = session.connection()
            totals = connection.execute(counted.add_columns(
                _counted(flags.open), _counted(flags.due_today), _counted(flags.due_this_week),
                _counted(flags.first_response_overdue), _counted(flags.resolution_overdue),
                _counted(flags.escalated)).where(*counted_conditions)).one()
            rows = connection.execute(joined.add_columns(
                Case.id, Case.reference, Case.resident_id, Resident.given_name, Resident.family_name,
                Case.case_type_id, Case.status, Case.priority, Case.owner_id, Staff.display_name, Case.opened_at,
                Case.first_response_due_on, Case.first_response_at, Case.resolution_due_on, Case.next_task_due_on,
                Case.closed_at, Case.restricted, Case.escalation_level, Case.reopen_count,
                _flag(flags.first_response_overdue), _flag(flags.resolution_overdue), _flag(flags.due_today),
                _flag(flags.due_this_week), Case.last_activity_at,
            ).where(*conditions).order_by(Case.resolution_due_on, _PRIORITY_ORDER, Case.reference)
                .limit(max(limit, 0) + 1)).all()
            truncated = len(rows) > limit
            return CaseloadPage(rows=_rows(rows[:limit], types), counts=CaseloadCounts(*(int(n) for n in totals)),
                                truncated=truncated)

    def owners(self, actor: Actor) -> list[TeamMember]:
        """Whom the list can be filtered by, by name. For a manager: every active caseworker and
        anyone (a leaver, say) still owning an open case. For an advocate: the owners of the
        cases in their own list, themselves included."""
        require(actor, Permission.WORK_CASES)
        caseworkers = [role.value for role in CASE_OWNERS]
        with self.db.unit_of_work() as session:
            if actor.may(Permission.MANAGE_ALL_CASES):
                owning = select(Case.owner_id).where(Case.closed_at.is_(None))
                who = or_(and_(Staff.active.is_(True), Staff.role.in_(caseworkers)), Staff.id.in_(owning))
            else:
                who = or_(Staff.id == actor.staff_id, Staff.id.in_(select(Case.owner_id).where(_mine(actor))))
            rows = session.execute(select(Staff.id, Staff.display_name, Staff.role).where(who)
                                   .order_by(Staff.display_name, Staff.id)).all()
            return [TeamMember(staff_id, name, Role(role).label) for staff_id, name, role in rows]

    def _conditions(self, actor: Actor, scope: CaseloadScope, filters: CaseloadFilter,
                    flags: _Flags) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if scope is CaseloadScope.MINE:
            conditions.append(_mine(actor))
        status = (filters.status or "").strip()
        if status == CLOSED:
            conditions.append(Case.closed_at.is_not(None))
        else:
            if status:
                conditions.append(Case.status == status)
            if not filters.include_closed:
                conditions.append(Case.closed_at.is_(None))
        if filters.case_type_id is not None:
            conditions.append(Case.case_type_id == filters.case_type_id)
        if filters.owner_id is not None:
            conditions.append(Case.owner_id == filters.owner_id)
        if filters.priority:
            conditions.append(Case.priority == CasePriority.parse(filters.priority, field="priority",
                                                                   what="Priority").value)
        due = flags.for_due(filters.due)
        if due is not None:
            conditions.append(due)
        text = (filters.text or "").strip()[:MAX_TEXT]
        if text:
            conditions.append(_matching(text))
        return conditions


def _mine(actor: Actor) -> ColumnElement[bool]:
    if actor.staff_id is None:
        return false()
    # One list of ids, each half from its own index (owner, team member). SQLite still walks the
    # open cases and tests each against the list (about 1 ms for 5,000: benchmarks/ caseload).
    owned = aliased(Case)
    ids = union(select(owned.id).where(owned.owner_id == actor.staff_id),
                select(CaseMember.case_id).where(CaseMember.staff_id == actor.staff_id))
    return Case.id.in_(ids)


def _matching(text: str) -> ColumnElement[bool]:
    """Part of the reference (any case), or every word typed found in the resident's name,
    folded the way names are ("lukasz zolc" finds Łukasz Żółć, in either order)."""
    by_reference = func.upper(Case.reference).contains(text.upper(), autoescape=True)
    typed = parse_reference(text)  # "cs 41mk a5", or with O for 0, read as the reference it means
    if typed is not None:
        by_reference = or_(by_reference, Case.reference == typed)
    words = query_words(text)
    if not words:
        return by_reference
    # The stored name keeps its apostrophes ("o'brien"); typed words lose them ("obrien").
    name = func.replace(func.replace(Resident.sort_name, "'", ""), "\u2019", "")
    by_name = and_(*(name.contains(word, autoescape=True) for word in words))
    return or_(by_reference, by_name)


def _flag(condition: ColumnElement[bool]):
    # TRUE/FALSE, not 1/0: PostgreSQL hands back integers as integers, and the row needs a bool.
    return type_coerce(when((condition, true()), else_=false()), Boolean)


_FIELDS = tuple(f.name for f in fields(CaseloadRow))


def _rows(rows, types: dict[int, CaseTypeRecord]) -> tuple[CaseloadRow, ...]:
    """The rows as records. A frozen dataclass's __init__ sets each of its 25 fields through
    object.__setattr__; for 5,000 rows that was a fifth of the time the caseload took to open,
    so the records are filled directly (they stay frozen: assignment still raises)."""
    names = {type_id: kind.name for type_id, kind in types.items()}
    labels: dict[tuple[int, str], str] = {}
    priorities = {p.value: p for p in CasePriority}
    new = object.__new__
    made = []
    for (case_id, reference, resident_id, given, family, type_id, status, priority, *middle) in rows:
        label = labels.get((type_id, status))
        if label is None:
            kind = types.get(type_id)
            label = labels[(type_id, status)] = kind.label_of(status) if kind else status
        record = new(CaseloadRow)
        record.__dict__.update(zip(_FIELDS, (
            case_id, reference, resident_id, f"{given} {family}".strip(), type_id, names.get(type_id, ""), status,
            label, priorities[priority], *middle)))
        made.append(record)
    return tuple(made)
