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

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import and_, case as when, func, literal, not_, null, or_, select
from sqlalchemy.sql.elements import ColumnElement

from ..core.clock import LONDON, Clock
from ..core.db import Database, UtcDateTime
from ..core.london_sql import london_date
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


def _by_end_of(moment: ColumnElement[datetime], column: ColumnElement[date], since: date,
               until: date) -> ColumnElement[bool]:
    """Whether `moment` came by the end of the London day in `column`: an hour's difference in
    summer decides whether a late-evening call or a closing was on time. The due days compared
    lie in since..until, or the moment does (london_sql.py says why the years either side do)."""
    return london_date(moment, since.year - 1, until.year + 1) <= column


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
            answered = Case.first_response_at.is_not(None)
            # Never answered: still waiting after the due day, or closed after it (withdrawn, say).
            waited_too_long = and_(Case.first_response_at.is_(None), or_(
                and_(Case.closed_at.is_(None), Case.first_response_due_on < today),
                and_(Case.closed_at.is_not(None),
                     not_(_by_end_of(Case.closed_at, Case.first_response_due_on, since, until)))))
            first = session.execute(select(
                _counted(or_(answered, waited_too_long)),
                _counted(and_(answered, _by_end_of(Case.first_response_at, Case.first_response_due_on, since, until))),
            ).where(first_in_range)).one()
            resolution = session.execute(select(
                func.count(Case.id),
                _counted(_by_end_of(Case.closed_at, Case.resolution_due_on, since, until)),
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


@dataclass(frozen=True)
class SlaCounts:
    """The SLA counts of one span of days at one site (a report's month or quarter)."""

    first_response_due: int = 0
    first_response_on_time: int = 0
    resolution_due: int = 0
    resolution_on_time: int = 0
    escalations: int = 0

    def __add__(self, other: SlaCounts) -> SlaCounts:
        return SlaCounts(self.first_response_due + other.first_response_due,
                         self.first_response_on_time + other.first_response_on_time,
                         self.resolution_due + other.resolution_due,
                         self.resolution_on_time + other.resolution_on_time,
                         self.escalations + other.escalations)


def sla_counts_by_span(session, today: date, spans: Sequence[tuple[date, date]],
                       site_ids: Sequence[int] = ()) -> dict[tuple[int, int | None], SlaCounts]:
    """The figures `figures()` gives, for many spans of London days at once, by the site a case
    was opened at: {(span index, site id): counts}, for reports that show months by site. `spans`
    are (first, last) days, inclusive, in order and touching; `site_ids` () means every site.
    Three grouped statements whatever the number of spans, in the caller's session."""
    if not spans:
        return {}
    since, until = spans[0][0], spans[-1][1]
    start, end = london_midnight(since), london_midnight(until + timedelta(days=1))
    at_sites = [Case.site_id.in_(site_ids)] if site_ids else []
    first_in_range = and_(Case.first_response_due_on >= since, Case.first_response_due_on <= until, *at_sites)
    closed_in_range = and_(Case.closed_at >= start, Case.closed_at < end, *at_sites)
    answered = Case.first_response_at.is_not(None)
    waited_too_long = and_(Case.first_response_at.is_(None), or_(
        and_(Case.closed_at.is_(None), Case.first_response_due_on < today),
        and_(Case.closed_at.is_not(None), not_(_by_end_of(Case.closed_at, Case.first_response_due_on, since, until)))))
    day_span = when(*[(Case.first_response_due_on <= last, n) for n, (_first, last) in enumerate(spans)],
                    else_=null())
    counts: dict[tuple[int, int | None], SlaCounts] = {}

    def add(key: tuple[int, int | None], **values: int) -> None:
        counts[key] = counts.get(key, SlaCounts()) + SlaCounts(**values)

    # Each CASE is worked out in a subquery and grouped on by name outside it: PostgreSQL binds
    # the CASE's boundaries as parameters, and would not see two copies of it as one expression.
    first = select(day_span.label("span"), Case.site_id.label("site"),
                   when((or_(answered, waited_too_long), 1), else_=0).label("due"),
                   when((and_(answered, _by_end_of(Case.first_response_at, Case.first_response_due_on, since, until)), 1),
                        else_=0).label("on_time")).where(first_in_range).subquery()
    for span, site, due, on_time in session.execute(select(
            first.c.span, first.c.site, func.sum(first.c.due), func.sum(first.c.on_time))
            .group_by(first.c.span, first.c.site)):
        add((span, site), first_response_due=int(due or 0), first_response_on_time=int(on_time or 0))
    closed = select(_moment_span(Case.closed_at, spans).label("span"), Case.site_id.label("site"),
                    when((_by_end_of(Case.closed_at, Case.resolution_due_on, since, until), 1), else_=0).label("on_time")
                    ).where(closed_in_range).subquery()
    for span, site, due, on_time in session.execute(select(
            closed.c.span, closed.c.site, func.count(), func.sum(closed.c.on_time))
            .group_by(closed.c.span, closed.c.site)):
        add((span, site), resolution_due=int(due), resolution_on_time=int(on_time or 0))
    escalated = select(_moment_span(CaseActivity.happened_at, spans).label("span"), Case.site_id.label("site")
                       ).join(Case, Case.id == CaseActivity.case_id).where(
        CaseActivity.kind == ActivityKind.ESCALATED.value, CaseActivity.happened_at >= start,
        CaseActivity.happened_at < end, *at_sites).subquery()
    for span, site, escalations in session.execute(select(escalated.c.span, escalated.c.site, func.count())
                                                   .group_by(escalated.c.span, escalated.c.site)):
        add((span, site), escalations=int(escalations))
    return counts


def _moment_span(moment: ColumnElement[datetime], spans: Sequence[tuple[date, date]]) -> ColumnElement[int]:
    """The index of the span a UTC moment falls in (filter the rows to the spans' range too)."""
    return when(*[(moment < literal(london_midnight(last + timedelta(days=1)), UtcDateTime()), n)
                  for n, (_first, last) in enumerate(spans)], else_=null())
