"""Contacts per London day and site, counted as each contact is logged.

Reports sum these rows instead of reading every contact (a borough logs 700,000 a year):

- `interaction_day` (day, site): every count the desk performance report shows; a borough of 38
  sites has about 14,000 rows a year.
- `interaction_day_group` (day, site, equality question, answer): the counts an equality
  breakdown shows, by the answer the resident gave ("Not recorded" when none).

A contact is written once and never edited or deleted, so counting it is an UPSERT in the unit
of work that writes it: the contact and its counts commit or roll back together. Two desks
logging at one site on one day wait for each other only until the first commits (PostgreSQL's
row lock); SQLite writes one at a time anyway. A resident's answers can change, and a merge (or
its undoing) moves contacts and answers between records: `regrouped` takes those residents'
contacts out of their groups before such a change and counts them into their new ones after.

`COUNTED` says once what each column counts: the UPSERT tests a contact's values with it, and
SQL (drill-down, `recount_contact_days`) uses it as a condition. `recount_contact_days` rebuilds
both tables from the contacts and answers, for a bulk load that bypasses the service (the
benchmarks' borough) and to check the kept counts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import String, case, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from ..core.clock import LONDON
from .models import Interaction, InteractionDay, InteractionDayGroup, ResidentEquality
from .vocab import Channel, HelpType, Outcome, Satisfaction

NOT_RECORDED = "Not recorded"  # the group of a resident who gave no answer, or of an anonymous contact
DIMENSIONS = ("age_band", "sex", "ethnicity", "disability", "first_language")  # resident_equality columns


@dataclass(frozen=True)
class Counted:
    """A count column: contacts whose `column` equals (or, `equal=False`, differs from) `value`."""

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
KEYS = ("contacts", *(counted.key for counted in COUNTED))  # interaction_day's counts
GROUP_KEYS = ("contacts", "resolved", "no_avoidable", "rated", "good")  # interaction_day_group's
_VALUES = ("outcome", "avoidable", "satisfaction", "channel", "help_type")  # what COUNTED reads


def london_day(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()


def _counts(values: Mapping[str, object]) -> dict[str, int]:
    return {"contacts": 1, **{counted.key: 1 for counted in COUNTED if counted.holds(values)}}


def _groups(answers: Mapping[str, str] | None) -> dict[str, str]:
    return {dimension: (answers or {}).get(dimension) or NOT_RECORDED for dimension in DIMENSIONS}


def _add(session, table, rows: list[dict], keys: Iterable[str], counted: tuple[str, ...]) -> None:
    """Add each row's counts to its row of `table` (made when missing), in one statement."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    upsert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table).values(rows)
    session.execute(upsert.on_conflict_do_update(
        index_elements=[table.c[key] for key in keys],
        set_={key: table.c[key] + upsert.excluded[key] for key in counted}))


def count_contact(session, row: Interaction) -> None:
    """Add the contact `row` (just written, in the caller's unit of work) to its day's counts."""
    counts = _counts({column: getattr(row, column) for column in _VALUES})
    day = london_day(row.occurred_at)
    _add(session, InteractionDay.__table__, [{"day": day, "site_id": row.site_id,
                                              **{key: counts.get(key, 0) for key in KEYS}}],
         ("day", "site_id"), KEYS)
    answers = _answers(session, [row.resident_id]).get(row.resident_id) if row.resident_id is not None else None
    _add(session, InteractionDayGroup.__table__,
         [{"day": day, "site_id": row.site_id, "dimension": dimension, "grp": group,
           **{key: counts.get(key, 0) for key in GROUP_KEYS}} for dimension, group in _groups(answers).items()],
         ("dimension", "day", "site_id", "grp"), GROUP_KEYS)


def _answers(session, resident_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    table = ResidentEquality.__table__.c
    rows = session.execute(select(table.resident_id, *(table[d] for d in DIMENSIONS))
                           .where(table.resident_id.in_(list(resident_ids))))
    return {resident_id: dict(zip(DIMENSIONS, answers)) for resident_id, *answers in rows}


def _shift(session, resident_ids: list[int], sign: int) -> None:
    """Take (-1) or add (+1) these residents' contacts from or to their groups as they stand."""
    columns = Interaction.__table__.c
    contacts = session.execute(select(columns.resident_id, columns.occurred_at, columns.site_id,
                                      *(columns[c] for c in _VALUES)).where(columns.resident_id.in_(resident_ids))
                               ).all()
    if not contacts:
        return
    answers = _answers(session, resident_ids)
    totals: dict[tuple, Counter] = {}
    for resident_id, occurred_at, site_id, *values in contacts:
        counts = _counts(dict(zip(_VALUES, values)))
        for dimension, group in _groups(answers.get(resident_id)).items():
            totals.setdefault((london_day(occurred_at), site_id, dimension, group), Counter()).update(counts)
    _add(session, InteractionDayGroup.__table__,
         [{"day": day, "site_id": site_id, "dimension": dimension, "grp": group,
           **{key: sign * counts.get(key, 0) for key in GROUP_KEYS}}
          for (day, site_id, dimension, group), counts in totals.items()],
         ("dimension", "day", "site_id", "grp"), GROUP_KEYS)


@contextmanager
def regrouped(session, resident_ids: Iterable[int]) -> Iterator[None]:
    """Around a change to these residents' equality answers, or to which record their contacts
    and answers belong (a merge, its undoing): their contacts leave the groups they were
    counted in, and are counted in the groups their answers give afterwards. Same unit of work."""
    ids = sorted(set(resident_ids))
    with session.no_autoflush:  # as stored: a change already pending is the caller's to make
        _shift(session, ids, -1)
    yield
    session.flush()
    _shift(session, ids, +1)


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
    """Rebuild both tables from every contact and the answers as they stand (a Connection or
    Session; the caller commits). The database groups the contacts by UTC hour, site and (for
    the groups) answer; Python folds the hours into London days. Returns interaction_day's rows."""
    columns, answers = Interaction.__table__.c, ResidentEquality.__table__.c
    hour = utc_hour(columns.occurred_at)
    sums = [func.sum(case((counted.condition(columns), 1), else_=0)) for counted in COUNTED]
    days: dict[tuple, list[int]] = {}
    for hour_text, site_id, *counts in connection.execute(
            select(hour, columns.site_id, func.count(), *sums).group_by(hour, columns.site_id)):
        _fold(days, (_day_of_hour(hour_text), site_id), counts, len(KEYS))
    groups: dict[tuple, list[int]] = {}
    wanted = [KEYS[1:].index(key) for key in GROUP_KEYS[1:]]  # the group counts among `sums`
    for dimension in DIMENSIONS:
        group = func.coalesce(func.nullif(answers[dimension], ""), NOT_RECORDED)
        statement = (select(hour, columns.site_id, group, func.count(), *(sums[n] for n in wanted))
                     .select_from(Interaction.__table__.outerjoin(
                         ResidentEquality.__table__, answers.resident_id == columns.resident_id))
                     .group_by(hour, columns.site_id, group))
        for hour_text, site_id, grp, *counts in connection.execute(statement):
            _fold(groups, (_day_of_hour(hour_text), site_id, dimension, grp), counts, len(GROUP_KEYS))
    connection.execute(delete(InteractionDay.__table__))
    connection.execute(delete(InteractionDayGroup.__table__))
    _insert(connection, InteractionDay.__table__, [
        {"day": day, "site_id": site_id, **dict(zip(KEYS, totals))} for (day, site_id), totals in days.items()])
    _insert(connection, InteractionDayGroup.__table__, [
        {"day": day, "site_id": site_id, "dimension": dimension, "grp": grp, **dict(zip(GROUP_KEYS, totals))}
        for (day, site_id, dimension, grp), totals in groups.items()])
    return len(days)


def _day_of_hour(hour_text: str) -> date:
    return london_day(datetime.strptime(hour_text, "%Y-%m-%d %H").replace(tzinfo=timezone.utc))


def _fold(into: dict[tuple, list[int]], key: tuple, counts, width: int) -> None:
    totals = into.setdefault(key, [0] * width)
    for n, value in enumerate(counts):
        totals[n] += int(value or 0)


def _insert(connection, table, rows: list[dict]) -> None:
    for start in range(0, len(rows), 5_000):
        connection.execute(insert(table), rows[start:start + 5_000])
