"""london_date on SQLite and PostgreSQL: the London date of every half hour round both clock
changes of a year, as zoneinfo gives it, and a moment outside the years named taken as GMT."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import Column, Integer, MetaData, Table, insert, select

from assisted_desk.core.clock import LONDON
from assisted_desk.core.db import UtcDateTime
from assisted_desk.core.london_sql import london_date, summer_time

UTC = timezone.utc


def test_summer_time_begins_and_ends_on_the_last_sundays_at_one_utc():
    assert summer_time(2026) == (datetime(2026, 3, 29, 1, tzinfo=UTC), datetime(2026, 10, 25, 1, tzinfo=UTC))
    assert summer_time(2025) == (datetime(2025, 3, 30, 1, tzinfo=UTC), datetime(2025, 10, 26, 1, tzinfo=UTC))


def test_the_database_gives_the_london_date_of_every_moment(services):
    moments = [start + timedelta(minutes=30 * n) for start in (datetime(2026, 3, 28, 20, tzinfo=UTC),
                                                                 datetime(2026, 10, 24, 20, tzinfo=UTC),
                                                                 datetime(2026, 7, 1, 20, tzinfo=UTC),
                                                                 datetime(2027, 1, 1, 20, tzinfo=UTC))
               for n in range(16)]
    table = Table("london_date_probe", MetaData(), Column("id", Integer, primary_key=True),
                  Column("moment", UtcDateTime()))
    with services.db.engine.begin() as connection:
        table.create(connection)
        try:
            connection.execute(insert(table), [{"id": n, "moment": m} for n, m in enumerate(moments)])
            found = dict(connection.execute(select(table.c.id, london_date(table.c.moment, 2025, 2027))).all())
            wide = dict(connection.execute(select(table.c.id, london_date(table.c.moment, 2020, 2030))).all())
        finally:
            table.drop(connection)
    expected = {n: m.astimezone(LONDON).date() for n, m in enumerate(moments)}
    as_dates = {n: d if isinstance(d, date) else date.fromisoformat(d) for n, d in found.items()}
    assert as_dates == expected
    assert {n: d if isinstance(d, date) else date.fromisoformat(d) for n, d in wide.items()} == expected
    # 22:30 UTC on 1 July is 23:30 that day in London, 23:00 UTC is midnight of 2 July
    assert (moments[37].hour, expected[37], moments[38].hour, expected[38]) == (22, date(2026, 7, 1), 23,
                                                                               date(2026, 7, 2))
