"""Contacts per London day and site (`interaction_day`), counted as each contact is logged.

The desk performance report sums these rows (a borough of 38 sites has about 14,000 a year)
instead of reading every contact (700,000 a year). A contact is written once and never edited
or deleted, so counting it is one UPSERT in the unit of work that writes it: the contact and its
count commit or roll back together. Two desks logging at the same site on the same day wait for
each other only until the first commits (PostgreSQL's row lock); SQLite writes one at a time.

`COUNTED` says once what each column counts: the UPSERT tests a contact's values with it, and SQL
(the report's drill-down and equality breakdown, `recount_contact_days`) uses it as a condition.
`recount_contact_days` rebuilds the table from the contacts, for a bulk load that bypasses the
service (the benchmarks' borough, test fixtures)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import String, case, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from ..core.clock import LONDON
from .models import Interaction, InteractionDay
from .vocab import Channel, HelpType, Outcome, Satisfaction


@dataclass(frozen=True)
class Counted:
    """A column of `interaction_day`: contacts whose `column` equals (or, `equal=False`, differs
    from) `value`."""

    key: str
    column: str
    value: str
    equal: bool = True

    def holds(self, values: Mapping[str, object]) -> bool:
        return (values[self.column] == self.value) is self.equal

    def condition(self, columns) -> ColumnElement[bool]:
        column = columns[self.column]
        return column == self.value if self.equal else column != self.value


COUNTED: tuple[Counted, ...] = (
    Counted("resolved", "outcome", Outcome.RESOLVED.value),
    Counted("no_avoidable", "avoidable", ""),
    Counted("escalated_contacts", "outcome", Outcome.ESCALATED.value),
    Counted("rated", "satisfaction", "", equal=False),
    Counted("good", "satisfaction", Satisfaction.GOOD.value),
    *(Counted(f"channel_{channel.value}", "channel", channel.value) for channel in Channel),
    *(Counted(f"help_{help_type.value}", "help_type", help_type.value) for help_type in HelpType),
)
KEYS = ("contacts", *(counted.key for counted in COUNTED))


def london_day(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()


def count_contact(session, row: Interaction) -> None:
    """Add the contact `row` (just written, in the caller's unit of work) to its day's counts."""
    values = {column: getattr(row, column) for column in ("outcome", "avoidable", "satisfaction", "channel",
                                                          "help_type")}
    counts = {"contacts": 1, **{counted.key: 1 for counted in COUNTED if counted.holds(values)}}
    table = InteractionDay.__table__
    dialect = session.get_bind().dialect.name
    upsert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table).values(
        day=london_day(row.occurred_at), site_id=row.site_id,
        **{key: counts.get(key, 0) for key in KEYS})
    session.execute(upsert.on_conflict_do_update(
        index_elements=[table.c.day, table.c.site_id],
        set_={key: table.c[key] + upsert.excluded[key] for key in counts}))


class utc_hour(FunctionElement):
    """'YYYY-MM-DD HH' of a UTC timestamp column. London is always a whole number of hours from
    UTC, so contacts grouped by UTC hour fall wholly in one London day each."""

    type = String()
    inherit_cache = True
    name = "utc_hour"


@compiles(utc_hour, "sqlite")
def _hour_sqlite(element, compiler, **kw):
    return f"substr({compiler.process(list(element.clauses)[0], **kw)}, 1, 13)"


@compiles(utc_hour, "postgresql")
def _hour_postgresql(element, compiler, **kw):
    return f"to_char({compiler.process(list(element.clauses)[0], **kw)} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24')"


def recount_contact_days(connection) -> int:
    """Rebuild `interaction_day` from every contact (a Connection or Session; the caller
    commits). The database groups the contacts by UTC hour and site; Python folds the hours into
    London days. Returns the number of day rows written."""
    columns = Interaction.__table__.c
    hour = utc_hour(columns.occurred_at)
    statement = select(hour, columns.site_id, func.count(),
                       *(func.sum(case((counted.condition(columns), 1), else_=0)) for counted in COUNTED)
                       ).group_by(hour, columns.site_id)
    days: dict[tuple[date, int], list[int]] = {}
    for hour_text, site_id, *counts in connection.execute(statement):
        moment = datetime.strptime(hour_text, "%Y-%m-%d %H").replace(tzinfo=timezone.utc)
        totals = days.setdefault((london_day(moment), site_id), [0] * len(KEYS))
        for n, value in enumerate(counts):
            totals[n] += int(value or 0)
    table = InteractionDay.__table__
    connection.execute(delete(table))
    rows = [{"day": day, "site_id": site_id, **dict(zip(KEYS, totals))} for (day, site_id), totals in days.items()]
    for start in range(0, len(rows), 5_000):
        connection.execute(insert(table), rows[start:start + 5_000])
    return len(rows)
