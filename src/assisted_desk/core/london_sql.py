"""The London date of a stored UTC moment, worked out by the database on SQLite and PostgreSQL.

PostgreSQL knows the zone (`AT TIME ZONE 'Europe/London'`). SQLite does not: there the moment is
moved on an hour when it falls in British Summer Time, in one CASE over the summers of the years
named. Outside them a moment is taken as GMT, so name every year a compared moment could lie
within a day of (a due day's year, and one either side, is plenty: a moment further from the day
it is compared with is before or after it whatever the hour)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import Date
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement


def summer_time(year: int) -> tuple[datetime, datetime]:
    """When British Summer Time begins and ends in `year`, in UTC: 01:00 UTC on the last Sunday of
    March and of October (the rule since 1996)."""

    def last_sunday(month: int) -> date:
        last = date(year, month + 1, 1) - timedelta(days=1)
        return last - timedelta(days=(last.weekday() + 1) % 7)

    return tuple(datetime.combine(last_sunday(m), datetime.min.time(), timezone.utc) + timedelta(hours=1)
                 for m in (3, 10))  # type: ignore[return-value]


class london_date(FunctionElement):
    """london_date(moment, first_year, last_year): the London date of a UTC timestamp column."""

    type = Date()
    inherit_cache = False
    name = "london_date"

    def __init__(self, moment: ColumnElement[datetime], first_year: int, last_year: int) -> None:
        super().__init__(moment)
        self.years = range(first_year, last_year + 1)


@compiles(london_date, "sqlite")
def _london_date_sqlite(element, compiler, **kw):
    moment = compiler.process(list(element.clauses)[0], **kw)
    # Stored text ('YYYY-MM-DD HH:MM:SS.ffffff') compares in time order with these bounds.
    summers = " ".join(f"WHEN {moment} >= '{begins:%Y-%m-%d %H:%M:%S}' AND {moment} < '{ends:%Y-%m-%d %H:%M:%S}' "
                       "THEN '+1 hours'" for begins, ends in map(summer_time, element.years))
    return f"date({moment}, CASE {summers} ELSE '+0 hours' END)" if summers else f"date({moment})"


@compiles(london_date, "postgresql")
def _london_date_postgresql(element, compiler, **kw):
    return f"CAST(({compiler.process(list(element.clauses)[0], **kw)} AT TIME ZONE 'Europe/London') AS DATE)"
