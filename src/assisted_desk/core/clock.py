"""Time, in one place, so tests can move it. Stored in UTC, shown in Europe/London."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


class Clock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class FixedClock(Clock):
    """A clock that only moves when told to (tests, demos)."""

    def __init__(self, at: datetime) -> None:
        self._at = at.astimezone(timezone.utc)

    def now(self) -> datetime:
        return self._at

    def advance(self, **kwargs: float) -> None:
        self._at += timedelta(**kwargs)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def local_text(value: datetime | None) -> str:
    """A stored time as a desk in London reads it: 23/11/2026 14:05."""
    if value is None:
        return ""
    return as_utc(value).astimezone(LONDON).strftime("%d/%m/%Y %H:%M")
