"""SQL pieces every report shares, written once for SQLite and PostgreSQL alike.

Reports count in the database. Two things the databases do differently are bridged here:

- London days and months: a row's period is found with one CASE over the periods' UTC
  boundaries (a year is 12 months), which both databases evaluate on an index-friendly column,
  instead of converting every row's timestamp to London time.
- Days between two moments: `days_between` compiles to julianday() on SQLite and to an epoch
  difference on PostgreSQL.

Medians and 90th percentiles come from a histogram the database groups (`histogram_query` in
the reports), read back as a few hundred (value, count) pairs: `percentile` walks them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import Float, case, func, literal, null
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from ..core.clock import LONDON
from ..core.db import UtcDateTime
from ..desk.models import ResidentEquality
from .model import NOT_RECORDED, Dimension, Grain

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def london_midnight(day: date) -> datetime:
    """The moment a London day begins, in UTC."""
    return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(timezone.utc)


@dataclass(frozen=True)
class Period:
    key: str  # "2026-04" or "2026-Q2"
    label: str  # "April 2026" or "Apr–Jun 2026"
    first: date
    last: date  # inclusive

    @property
    def start(self) -> datetime:
        return london_midnight(self.first)

    @property
    def end(self) -> datetime:  # exclusive
        return london_midnight(self.last + timedelta(days=1))


def periods(since: date, until: date, grain: Grain = Grain.MONTH) -> list[Period]:
    """The calendar months (or quarters) that meet since..until, each clipped to it."""
    out: list[Period] = []
    step = 1 if grain is Grain.MONTH else 3
    year, month = since.year, since.month if grain is Grain.MONTH else 3 * ((since.month - 1) // 3) + 1
    while date(year, month, 1) <= until:
        next_year, next_month = (year + 1, month + step - 12) if month + step > 12 else (year, month + step)
        first = max(since, date(year, month, 1))
        last = min(until, date(next_year, next_month, 1) - timedelta(days=1))
        if grain is Grain.MONTH:
            out.append(Period(f"{year}-{month:02d}", f"{MONTHS[month - 1]} {year}", first, last))
        else:
            quarter = (month - 1) // 3 + 1
            out.append(Period(f"{year}-Q{quarter}",
                              f"{MONTHS[month - 1][:3]}–{MONTHS[month + 1][:3]} {year}", first, last))
        year, month = next_year, next_month
    return out


def period_index(moment: ColumnElement[datetime], spans: Sequence[Period]) -> ColumnElement[int]:
    """The index in `spans` of the period `moment` falls in, or NULL outside them all. One CASE
    over UTC boundaries; filter the rows to spans[0].start..spans[-1].end as well, so an index
    on the moment does the narrowing."""
    if not spans:
        return null()
    branches = [(moment < literal(p.end, UtcDateTime()), n) for n, p in enumerate(spans)]
    return case(*branches, else_=null())


class days_between(FunctionElement):
    """Days (fractional) from `earlier` to `later`: two UTC timestamp columns."""

    type = Float()
    inherit_cache = True
    name = "days_between"


@compiles(days_between, "sqlite")
def _days_sqlite(element, compiler, **kw):
    later, earlier = list(element.clauses)
    return f"(julianday({compiler.process(later, **kw)}) - julianday({compiler.process(earlier, **kw)}))"


@compiles(days_between, "postgresql")
def _days_postgresql(element, compiler, **kw):
    later, earlier = list(element.clauses)
    return (f"(EXTRACT(EPOCH FROM ({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)}))"
            " / 86400.0)")


def percentile(histogram: Mapping[float, int] | Sequence[tuple[float, int]], fraction: float) -> float | None:
    """The value at `fraction` (0.5 = median) of a distribution given as (value, how many): the
    nearest-rank method, as a spreadsheet's PERCENTILE.INC would give at whole ranks. None when
    the histogram is empty."""
    pairs = sorted((float(v), int(n)) for v, n in (histogram.items() if isinstance(histogram, Mapping)
                                                    else histogram) if n and v is not None)
    total = sum(n for _v, n in pairs)
    if total == 0:
        return None
    if fraction == 0.5:  # the median: the mean of the two middle values when the count is even
        return (_at_rank(pairs, (total + 1) // 2) + _at_rank(pairs, total // 2 + 1)) / 2
    import math

    return _at_rank(pairs, max(1, math.ceil(fraction * total)))


def _at_rank(pairs: Sequence[tuple[float, int]], rank: int) -> float:
    seen = 0
    for value, n in pairs:
        seen += n
        if seen >= rank:
            return value
    return pairs[-1][0]


def equality_group(dimension: Dimension) -> ColumnElement[str]:
    """The resident's answer for `dimension`, or NOT_RECORDED. Use with an OUTER join of
    `ResidentEquality` on the resident id (most residents have no equality row)."""
    column = getattr(ResidentEquality, dimension.value)
    return func.coalesce(func.nullif(column, ""), NOT_RECORDED)
