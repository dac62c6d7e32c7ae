"""Working days for the SLA clock, and the bank holiday list administrators keep, on SQLite and
PostgreSQL."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from assisted_desk.casework.calendar import WorkingCalendar
from assisted_desk.core.errors import NotFound, PermissionDenied, ValidationError
from assisted_desk.core.models import AuditEvent
from assisted_desk.core.security import Role

from ..conftest import make_actor


def audit_actions(services, record_type: str) -> list[tuple[str, str, str]]:
    with services.db.unit_of_work() as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.record_type == record_type)
                               .order_by(AuditEvent.id))
        return [(row.action, row.actor, row.summary) for row in rows]


# ---- the arithmetic ------------------------------------------------------------------------------


def test_a_weekend_is_skipped():
    calendar = WorkingCalendar()
    friday = date(2026, 11, 27)
    assert calendar.add_working_days(friday, 0) == friday
    assert calendar.add_working_days(friday, 1) == date(2026, 11, 30)  # Monday
    assert calendar.add_working_days(friday, 5) == date(2026, 12, 4)
    saturday = date(2026, 11, 28)
    assert calendar.add_working_days(saturday, 0) == date(2026, 11, 30)  # the next working day
    assert calendar.add_working_days(saturday, 1) == date(2026, 12, 1)
    assert calendar.working_days_between(friday, date(2026, 11, 30)) == 1
    assert calendar.working_days_between(friday, friday) == 0
    assert calendar.working_days_between(date(2026, 11, 30), friday) == 0
    with pytest.raises(ValueError):
        calendar.add_working_days(friday, -1)


def test_christmas_2026_and_easter_2027_from_the_seeded_list(services):
    calendar = services.bank_holidays.calendar()
    # Christmas Day is a Friday; Boxing Day falls on Saturday, so Monday 28th is its substitute.
    assert not calendar.is_working_day(date(2026, 12, 25))
    assert not calendar.is_working_day(date(2026, 12, 28))
    assert calendar.add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)
    assert calendar.add_working_days(date(2026, 12, 23), 3) == date(2026, 12, 30)
    assert calendar.add_working_days(date(2026, 12, 25), 0) == date(2026, 12, 29)
    # 31 December, then New Year's Day (a Friday), the weekend, Monday 4 January.
    assert calendar.add_working_days(date(2026, 12, 30), 2) == date(2027, 1, 4)
    assert calendar.working_days_between(date(2026, 12, 24), date(2027, 1, 4)) == 4
    # Easter 2027: Good Friday 26 March, Easter Monday 29 March.
    assert calendar.add_working_days(date(2027, 3, 25), 1) == date(2027, 3, 30)
    assert calendar.add_working_days(date(2027, 3, 24), 2) == date(2027, 3, 30)
    assert calendar.working_days_between(date(2027, 3, 25), date(2027, 4, 1)) == 3


def test_working_days_between_matches_counting_day_by_day(services):
    calendar = services.bank_holidays.calendar()

    def brute_force(start: date, end: date) -> int:
        return sum(1 for n in range(1, (end - start).days + 1) if calendar.is_working_day(start + timedelta(days=n)))

    chance = random.Random(8)
    first = date(2025, 1, 1)
    pairs = [(date(2026, 12, 24), date(2027, 12, 31)), (date(2027, 3, 26), date(2027, 3, 29)),
             (date(2026, 12, 19), date(2026, 12, 26))]
    for _ in range(400):
        start = first + timedelta(days=chance.randrange(0, 4 * 365))
        pairs.append((start, start + timedelta(days=chance.randrange(0, 800))))
    for start, end in pairs:
        assert calendar.working_days_between(start, end) == brute_force(start, end), (start, end)
    # And add_working_days is its inverse on working days.
    for start, end in pairs[:60]:
        days = calendar.working_days_between(start, end)
        if days and calendar.is_working_day(start):
            landed = calendar.add_working_days(start, days)
            assert landed <= end and calendar.working_days_between(start, landed) == days


# ---- the list ------------------------------------------------------------------------------------


def test_the_seeded_list_by_year(services, admin):
    holidays = services.bank_holidays.list(admin, 2026)
    assert [(h.day, h.name) for h in holidays][-2:] == [(date(2026, 12, 25), "Christmas Day"),
                                                       (date(2026, 12, 28), "Boxing Day (substitute day)")]
    assert len(holidays) == 8 and all(h.day.year == 2026 for h in holidays)
    everything = services.bank_holidays.list(admin)
    assert [h.day for h in everything] == sorted(h.day for h in everything)
    assert len(everything) > len(holidays)


def test_adding_and_removing_a_holiday_moves_due_dates_and_is_audited(services, admin):
    # A one-off day, as for a coronation or a jubilee.
    added = services.bank_holidays.add(admin, "  07/06/2027 ", "Bank holiday for a royal event — Żółć")
    assert added.day == date(2027, 6, 7) and added.name == "Bank holiday for a royal event — Żółć"
    assert added.updated_by == "admin"
    assert date(2027, 6, 7) in [h.day for h in services.bank_holidays.list(admin, 2027)]
    assert services.bank_holidays.calendar().add_working_days(date(2027, 6, 4), 1) == date(2027, 6, 8)
    iso = services.bank_holidays.add(admin, date(2027, 6, 8), "Another")
    assert iso.day == date(2027, 6, 8)

    services.bank_holidays.remove(admin, added.id)
    services.bank_holidays.remove(admin, iso.id)
    assert date(2027, 6, 7) not in [h.day for h in services.bank_holidays.list(admin, 2027)]
    assert services.bank_holidays.calendar().add_working_days(date(2027, 6, 4), 1) == date(2027, 6, 7)
    with pytest.raises(NotFound):
        services.bank_holidays.remove(admin, added.id)

    assert audit_actions(services, "bank_holiday") == [
        ("bank_holiday.added", "admin", "2027-06-07 Bank holiday for a royal event — Żółć"),
        ("bank_holiday.added", "admin", "2027-06-08 Another"),
        ("bank_holiday.removed", "admin", "2027-06-07 Bank holiday for a royal event — Żółć"),
        ("bank_holiday.removed", "admin", "2027-06-08 Another"),
    ]


@pytest.mark.parametrize("day, name, words", [
    ("26/12/2026", "Boxing Day", "Saturday 26/12/2026 is a weekend day"),
    (date(2027, 12, 26), "Boxing Day", "Sunday 26/12/2027 is a weekend day"),
    ("25/12/2026", "Christmas", "25/12/2026 is already listed as Christmas Day"),
    ("31/02/2027", "Nonsense", "'31/02/2027' is not a date"),
    ("next Tuesday", "Nonsense", "'next Tuesday' is not a date"),
    ("", "Nonsense", "'' is not a date"),
    ("08/06/2027", "   ", "The holiday's name is required"),
])
def test_refusals_say_what_is_wrong(services, admin, day, name, words):
    before = services.bank_holidays.list(admin)
    with pytest.raises(ValidationError) as refused:
        services.bank_holidays.add(admin, day, name)
    assert words in refused.value.message
    assert refused.value.field in ("day", "name")
    assert services.bank_holidays.list(admin) == before
    assert audit_actions(services, "bank_holiday") == []


@pytest.mark.parametrize("role", [Role.ADVOCATE, Role.DESK, Role.MANAGER, Role.COORDINATOR])
def test_only_administrators_keep_the_list(services, admin, role):
    someone = make_actor(services, admin, "someone", role)
    christmas = next(h for h in services.bank_holidays.list(someone, 2026) if h.day == date(2026, 12, 25))
    with pytest.raises(PermissionDenied):
        services.bank_holidays.add(someone, "07/06/2027", "Royal event")
    with pytest.raises(PermissionDenied):
        services.bank_holidays.remove(someone, christmas.id)
    assert christmas in services.bank_holidays.list(admin, 2026)
    assert audit_actions(services, "bank_holiday") == []
