"""The desk performance report's counting: a few grouped statements, each over one source
(contacts, walk-in tickets, callbacks, advocacy cases, prints), grouped by period and site at
once, so the overall figures, the months and the sites all come from the same pass.

Every source is counted over the report's periods and the same length of time just before them
(span 0), which the trend compares with."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Date, and_, case, func, literal, null, or_, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from ..casework.sla_figures import sla_counts_by_span
from ..desk.contact_days import COUNTED, GROUP_KEYS, KEYS
from ..desk.models import Callback, Interaction, InteractionDay, InteractionDayGroup, QueueTicket
from ..desk.vocab import CallbackStatus, HelpType
from ..printing.print_models import PrintRecord
from ..printing.print_records import PrintKind
from .model import Dimension
from .sql import Period, period_index

SITE_UNKNOWN = -1  # records kept without a site (a print from a home-working laptop, an old case)


@dataclass
class Tally:
    """What was counted for one period at one site; tallies add up."""

    counts: Counter = field(default_factory=Counter)  # key -> int
    waits: Counter = field(default_factory=Counter)  # wait in tenths of a minute -> tickets
    wait_seconds: int = 0  # summed over the served tickets, for an exact average

    def add(self, other: Tally) -> Tally:
        self.counts.update(other.counts)
        self.waits.update(other.waits)
        self.wait_seconds += other.wait_seconds
        return self

    def __getitem__(self, key: str) -> int:
        return self.counts.get(key, 0)


def merged(tallies) -> Tally:
    total = Tally()
    for tally in tallies:
        total.add(tally)
    return total


def _sum(condition: ColumnElement[bool]):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def contact_condition(key: str) -> ColumnElement[bool] | None:
    """The condition on `Interaction` behind a contact count `key` (drill-down); None when
    `key` is not a count of contacts."""
    if key == "contacts":
        return Interaction.id.is_not(None)
    for counted in COUNTED:
        if counted.key == key:
            return counted.condition(Interaction.__table__.c)
    if key == "assisted_or_on_behalf":
        return Interaction.help_type.in_([HelpType.ASSISTED_SELF_SERVICE.value, HelpType.ON_BEHALF.value])
    return None


class DeskCounts:
    """Everything the report shows, keyed by (span index, site id)."""

    def __init__(self, spans: Sequence[Period], site_ids: Sequence[int]) -> None:
        self.spans = list(spans)
        self.site_ids = tuple(site_ids)
        self.tallies: dict[tuple[int, int], Tally] = {}  # what adds up: counts by span and site
        self.span_waits: dict[int, Tally] = {}  # walk-in waits by span, every site
        self.site_waits: dict[int, Tally] = {}  # walk-in waits by site, over the report's periods

    def tally(self, span: int, site: int | None) -> Tally:
        key = (span, SITE_UNKNOWN if site is None else site)
        if key not in self.tallies:
            self.tallies[key] = Tally()
        return self.tallies[key]

    @property
    def current(self) -> range:
        """The report's own spans (span 0 is the one before, for the trend)."""
        return range(1, len(self.spans))

    def where(self, *, span: int | None = None, site: int | None = None, spans: range | None = None) -> Tally:
        """The tallies of one span (or a range of them) and/or one site, added up. Waits by site
        are known over the report's periods only."""
        total = merged(t for (n, s), t in self.tallies.items()
                       if (span is None or n == span) and (spans is None or n in spans)
                       and (site is None or s == site))
        if site is None:
            total.add(merged(t for n, t in self.span_waits.items()
                             if (span is None or n == span) and (spans is None or n in spans)))
        elif span is None and spans == self.current:
            total.add(self.site_waits.get(site, Tally()))
        else:
            raise ValueError("Walk-in waits by site are counted over the report's periods only.")
        return total

    def sites_seen(self, spans: range) -> set[int]:
        return ({s for (n, s), t in self.tallies.items() if n in spans and t.counts}
                | ({s for s, t in self.site_waits.items() if t.waits} if spans == self.current else set()))

    def _in_sites(self, column) -> list[ColumnElement[bool]]:
        return [column.in_(self.site_ids)] if self.site_ids else []

    @property
    def start(self) -> datetime:
        return self.spans[0].start

    @property
    def end(self) -> datetime:
        return self.spans[-1].end

    def count_contacts(self, session: Session) -> None:
        """Contacts in every span (the previous one too) by site, summed from the contacts
        counted per London day as they were logged (desk/contact_days.py): a year of a borough
        is some 14,000 day rows where it is 700,000 contacts."""
        days = InteractionDay.__table__.c
        span = case(*((days.day <= literal(p.last, Date()), n) for n, p in enumerate(self.spans)), else_=null())
        statement = (select(span.label("span"), days.site_id, *(func.sum(days[key]) for key in KEYS))
                     .where(days.day >= self.spans[0].first, days.day <= self.spans[-1].last,
                            *self._in_sites(days.site_id))
                     .group_by(span, days.site_id))
        for span_index, site, *values in session.execute(statement):
            self.tally(span_index, site).counts.update({k: int(v) for k, v in zip(KEYS, values) if v})

    def count_waits(self, session: Session) -> None:
        """Walk-in tickets served (started) in each span: the wait from arriving to being served,
        as a histogram in tenths of a minute and an exact sum, from the whole seconds each ticket
        keeps. A percentile does not add up, so the histograms come by span (every site) and by
        site (the report's periods) from one statement, one reading of the tickets grouped both ways."""
        served = select(period_index(QueueTicket.started_at, self.spans).label("span"),
                        QueueTicket.site_id.label("site"), QueueTicket.wait_seconds.label("seconds")).where(
            QueueTicket.started_at >= self.start, QueueTicket.started_at < self.end,
            *self._in_sites(QueueTicket.site_id)).cte("served").prefix_with("MATERIALIZED")
        # (seconds + 3) / 6: integer division on both databases, rounding to the nearest tenth.
        waits = select(served.c.span, served.c.site, ((served.c.seconds + 3) // 6).label("tenth"),
                       served.c.seconds).subquery("waits")
        by_span = select(literal(0).label("by_site"), waits.c.span.label("key"), waits.c.tenth, func.count(),
                         func.sum(waits.c.seconds)).group_by(waits.c.span, waits.c.tenth)
        by_site = select(literal(1).label("by_site"), waits.c.site.label("key"), waits.c.tenth, func.count(),
                         func.sum(waits.c.seconds)).where(waits.c.span > 0).group_by(waits.c.site, waits.c.tenth)
        for by_site_, key, tenths, tickets, total in session.execute(union_all(by_span, by_site)):
            into = self.site_waits if by_site_ else self.span_waits
            tally = into.setdefault(SITE_UNKNOWN if key is None else key, Tally())
            tally.waits[int(tenths)] += int(tickets)
            tally.counts["served"] += int(tickets)
            tally.wait_seconds += int(total)

    def count_callbacks(self, session: Session, now: datetime) -> None:
        """Callbacks due in each span: made on time when done by the time promised. One still
        open after its time counts as late; one not yet due, or cancelled, is not counted."""
        inner = select(period_index(Callback.due_by, self.spans).label("span"), Callback.site_id,
                       Callback.status, Callback.completed_at, Callback.due_by).where(
            Callback.due_by >= self.start, Callback.due_by < self.end,
            Callback.status != CallbackStatus.CANCELLED.value, *self._in_sites(Callback.site_id)).subquery()
        counted = or_(inner.c.status != CallbackStatus.OPEN.value, inner.c.due_by < now)
        on_time = and_(inner.c.status == CallbackStatus.DONE.value, inner.c.completed_at <= inner.c.due_by)
        statement = select(inner.c.span, inner.c.site_id, _sum(counted), _sum(on_time)
                           ).group_by(inner.c.span, inner.c.site_id)
        for span, site, due, made in session.execute(statement):
            self.tally(span, site).counts.update({"callbacks_due": int(due), "callbacks_made": int(made)})

    def count_cases(self, session: Session, today: date) -> None:
        days = [(p.first, p.last) for p in self.spans]
        for (span, site), sla in sla_counts_by_span(session, today, days, self.site_ids).items():
            self.tally(span, site).counts.update({
                "first_response_due": sla.first_response_due, "first_response_met": sla.first_response_on_time,
                "resolution_due": sla.resolution_due, "resolution_met": sla.resolution_on_time,
                "case_escalations": sla.escalations})

    def count_guides(self, session: Session) -> None:
        inner = select(period_index(PrintRecord.printed_at, self.spans).label("span"),
                       PrintRecord.site_id).where(
            PrintRecord.printed_at >= self.start, PrintRecord.printed_at < self.end,
            PrintRecord.kind == PrintKind.GUIDE.value, *self._in_sites(PrintRecord.site_id)).subquery()
        for span, site, printed in session.execute(select(inner.c.span, inner.c.site_id, func.count())
                                                   .group_by(inner.c.span, inner.c.site_id)):
            self.tally(span, site).counts["guides_printed"] += int(printed)


def count_by_equality(session: Session, dimension: Dimension, first: date, last: date,
                      site_ids: Sequence[int]) -> dict[str, Tally]:
    """Contacts on the London days first..last by the resident's answer for `dimension`
    (NOT_RECORDED for a contact with nobody registered, or a resident who gave no answer),
    summed from the contacts counted per day and group as they were logged (contact_days.py)."""
    groups = InteractionDayGroup.__table__.c
    statement = (select(groups.grp, *(func.sum(groups[key]) for key in GROUP_KEYS))
                 .where(groups.dimension == dimension.value, groups.day >= first, groups.day <= last,
                        *([groups.site_id.in_(site_ids)] if site_ids else []))
                 .group_by(groups.grp))
    return {group: Tally(Counter({k: int(v) for k, v in zip(GROUP_KEYS, values) if v}))
            for group, *values in session.execute(statement)}
