"""Working days for the SLA clock: Monday to Friday, except England and Wales bank holidays.

The holidays are rows an administrator keeps up to date (the government adds and moves them);
`WorkingCalendar` is built from them once per unit of work and is pure arithmetic from there.
A target of N working days from a case opened on day D is due at the end of the Nth working day
after D, counting from the next working day when D is not one (a case opened on Friday with a
1-day target is due on Monday, or Tuesday after a bank holiday Monday; one opened on Saturday is
taken as received on Monday and due on Tuesday)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.audit import record_audit
from ..core.clock import LONDON, Clock, as_utc
from ..core.db import Database
from ..core.errors import NotFound, ValidationError
from ..core.security import Actor, Permission, require
from ..core.validation import clean_text
from .models import BankHoliday

MAX_TARGET_DAYS = 250  # about a working year; a longer SLA is a typo


def london_day(moment: datetime) -> date:
    return as_utc(moment).astimezone(LONDON).date()


class WorkingCalendar:
    def __init__(self, holidays: Iterable[date] = ()) -> None:
        self.holidays = frozenset(holidays)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def add_working_days(self, start: date, days: int) -> date:
        """The day `days` working days after `start` (0: `start` itself, or the next working day
        when `start` is not one)."""
        if days < 0:
            raise ValueError("days must not be negative")
        day = start
        while not self.is_working_day(day):
            day += timedelta(days=1)
        counted = 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 when end <= start)."""
        if end <= start:
            return 0
        total = 0
        day = start
        # Whole weeks at once, then the remainder day by day: a case open for years stays cheap.
        whole_weeks = ((end - start).days) // 7
        if whole_weeks:
            total += whole_weeks * 5
            total -= sum(1 for h in self.holidays if start < h <= start + timedelta(weeks=whole_weeks) and h.weekday() < 5)
            day = start + timedelta(weeks=whole_weeks)
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                total += 1
        return total


def calendar_in(session: Session) -> WorkingCalendar:
    return WorkingCalendar(session.scalars(select(BankHoliday.day)))


@dataclass(frozen=True)
class BankHolidayRecord:
    id: int
    day: date
    name: str
    updated_by: str


class BankHolidays:
    """The bank holiday list: anyone working cases reads it; administrators keep it."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def calendar(self) -> WorkingCalendar:
        with self.db.unit_of_work() as session:
            return calendar_in(session)

    def list(self, actor: Actor, year: int | None = None) -> list[BankHolidayRecord]:
        """Oldest first; one year's when `year` is given."""
        query = select(BankHoliday).order_by(BankHoliday.day)
        if year is not None:
            query = query.where(BankHoliday.day >= date(year, 1, 1), BankHoliday.day <= date(year, 12, 31))
        with self.db.unit_of_work() as session:
            return [BankHolidayRecord(r.id, r.day, r.name, r.updated_by) for r in session.scalars(query)]

    def add(self, actor: Actor, day: date | str, name: str) -> BankHolidayRecord:
        """Refuses a weekend (it is never a working day anyway), a day already listed, or no name."""
        require(actor, Permission.MANAGE_CASE_TYPES)
        day = _parse_day(day)
        name = clean_text(name, field="name", label="The holiday's name", max_length=120)
        if day.weekday() >= 5:
            raise ValidationError(
                f"{day:%A %d/%m/%Y} is a weekend day, which the SLA clock already skips. "
                "When a bank holiday falls at a weekend, add the substitute weekday instead.", field="day")
        with self.db.unit_of_work() as session:
            existing = session.scalar(select(BankHoliday).where(BankHoliday.day == day))
            if existing is not None:
                raise ValidationError(f"{day:%d/%m/%Y} is already listed as {existing.name}.", field="day")
            row = BankHoliday(day=day, name=name, updated_at=self.clock.now(), updated_by=actor.username)
            session.add(row)
            session.flush()
            record_audit(session, self.clock, actor, "bank_holiday.added", "bank_holiday", row.id,
                         f"{day.isoformat()} {name}")
            return BankHolidayRecord(row.id, row.day, row.name, row.updated_by)

    def remove(self, actor: Actor, holiday_id: int) -> None:
        """Cases already open keep the due dates they were given; new dates use the new list."""
        require(actor, Permission.MANAGE_CASE_TYPES)
        with self.db.unit_of_work() as session:
            row = session.get(BankHoliday, holiday_id)
            if row is None:
                raise NotFound("That bank holiday is no longer listed.")
            record_audit(session, self.clock, actor, "bank_holiday.removed", "bank_holiday", row.id,
                         f"{row.day.isoformat()} {row.name}")
            session.delete(row)


def _parse_day(value: date | str) -> date:
    if isinstance(value, date):
        return value
    text = (value or "").strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValidationError(f"'{text}' is not a date. Write it as day/month/year, for example 25/12/2027.", field="day")
