"""How the advocacy service did against its SLA over a period: the figures the reports show.

Counted by the database (aggregate queries), never case by case in Python, so a year of a
borough's cases costs a few statements. The rules are the SLA clock's own (sla.py):

- First response: the cases whose first-response day fell in the period and that were either
  answered (on time when answered by the end of that day in London) or are still open and
  unanswered after it. A case still waiting whose day has not passed yet is not counted.
- Resolution: the cases closed in the period, on time when closed by the end of their resolution
  day in London, judged against that day as it stands now (a reopened case carries the date its
  reopening moved on, and is counted when it closed last).
- Escalations and reopenings: those recorded in the period."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import and_, case as when, false, func, literal, not_, null, or_, select, union
from sqlalchemy.sql.elements import ColumnElement

from ..core.clock import LONDON, Clock
from ..core.db import Database, UtcDateTime
from ..core.errors import ValidationError
from ..core.security import Actor, Permission, require
from ..desk.representatives import london_today
from .models import Case, CaseActivity
from .vocab import ActivityKind


@dataclass(frozen=True)
class SlaFigures:
    since: date
    until: date
    site_id: int | None
    first_response_due: int
    first_response_on_time: int
    resolution_due: int
    resolution_on_time: int
    opened: int
    closed: int
    escalations: int
    reopened: int

    @property
    def first_response_percent(self) -> float | None:
        return _percent(self.first_response_on_time, self.first_response_due)

    @property
    def resolution_percent(self) -> float | None:
        return _percent(self.resolution_on_time, self.resolution_due)


def _percent(part: int, whole: int) -> float | None:
    return None if whole == 0 else 100.0 * part / whole


def london_midnight(day: date) -> datetime:
    """The moment a London day begins, in UTC."""
    return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(timezone.utc)


def _by_end_of(moment: ColumnElement[datetime], column: ColumnElement[date], days: Iterable[date]) -> ColumnElement[bool]:
    """Whether `moment` came before the end of the London day in `column`, for due days among
    `days`. An hour's difference in summer decides whether a late-evening call or a closing was
    on time, and the databases share no way of working out a London day per row: so each due day
    becomes the UTC moment it ends, in one CASE."""
    branches = [(column == day, literal(london_midnight(day + timedelta(days=1)), UtcDateTime())) for day in days]
    if not branches:
        return false()
    return moment < when(*branches, else_=null())


def _counted(condition: ColumnElement[bool]):
    return func.coalesce(func.sum(when((condition, 1), else_=0)), 0)


class CaseSlaFigures:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def figures(self, actor: Actor, since: date, until: date, site_id: int | None = None) -> SlaFigures:
        """The SLA figures for the London days `since` to `until` inclusive, for one site's cases
        (the site a case was opened at) or all. Refuses anyone who may neither view reports nor
        manage all cases, and a period that ends before it starts."""
        if not actor.may(Permission.MANAGE_ALL_CASES):
            require(actor, Permission.VIEW_REPORTS)
        if until < since:
            raise ValidationError(f"The period ends ({until:%d/%m/%Y}) before it starts ({since:%d/%m/%Y}).",
                                  field="until")
        today = london_today(self.clock)
        start, end = london_midnight(since), london_midnight(until + timedelta(days=1))
        at_site = [Case.site_id == site_id] if site_id is not None else []
        first_in_range = and_(Case.first_response_due_on >= since, Case.first_response_due_on <= until, *at_site)
        closed_in_range = and_(Case.closed_at >= start, Case.closed_at < end, *at_site)
        with self.db.unit_of_work() as session:
            # The due days the figures judge against: few (a day at most once), so one CASE covers them.
            days = sorted(session.scalars(union(
                select(Case.first_response_due_on.label("day")).where(first_in_range),
                select(Case.resolution_due_on.label("day")).where(closed_in_range))))
            answered = Case.first_response_at.is_not(None)
            # Never answered: still waiting after the due day, or closed after it (withdrawn, say).
            waited_too_long = and_(Case.first_response_at.is_(None), or_(
                and_(Case.closed_at.is_(None), Case.first_response_due_on < today),
                and_(Case.closed_at.is_not(None), not_(_by_end_of(Case.closed_at, Case.first_response_due_on, days)))))
            first = session.execute(select(
                _counted(or_(answered, waited_too_long)),
                _counted(and_(answered, _by_end_of(Case.first_response_at, Case.first_response_due_on, days))),
            ).where(first_in_range)).one()
            resolution = session.execute(select(
                func.count(Case.id),
                _counted(_by_end_of(Case.closed_at, Case.resolution_due_on, days)),
            ).where(closed_in_range)).one()
            opened = session.scalar(select(func.count(Case.id)).where(
                Case.opened_at >= start, Case.opened_at < end, *at_site))
            events = select(
                _counted(CaseActivity.kind == ActivityKind.ESCALATED.value),
                _counted(CaseActivity.kind == ActivityKind.REOPENED.value),
            ).select_from(CaseActivity).where(
                CaseActivity.kind.in_([ActivityKind.ESCALATED.value, ActivityKind.REOPENED.value]),
                CaseActivity.happened_at >= start, CaseActivity.happened_at < end)
            if site_id is not None:  # joined only when needed: SQLite then walks every case's timeline
                events = events.join(Case, Case.id == CaseActivity.case_id).where(*at_site)
            activity = session.execute(events).one()
        return SlaFigures(
            since=since, until=until, site_id=site_id,
            first_response_due=int(first[0]), first_response_on_time=int(first[1]),
            resolution_due=int(resolution[0]), resolution_on_time=int(resolution[1]),
            opened=int(opened or 0), closed=int(resolution[0]),
            escalations=int(activity[0]), reopened=int(activity[1]))
