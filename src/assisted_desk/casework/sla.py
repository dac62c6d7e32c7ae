"""The SLA clock of a case, in working days (calendar.py).

- First response: due `first_response_days` working days after the day the case opened; met by
  the first contact with the resident (a call, letter, email or meeting) on or before that day.
  A case closed after that day with no contact at all missed it.
- Resolution: due `resolution_days` working days after opening; met when the case closes on or
  before that day. While a case is closed its clock stops: reopening moves the resolution date
  on by the working days wholly spent closed (those after the day it closed and before the day
  it reopened), so a reopened case is judged on the time it was open.
- Due dates are days in London; a case is late from the day after."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from .calendar import WorkingCalendar, london_day
from .records import SlaState


def due_dates(calendar: WorkingCalendar, opened_at: datetime, first_response_days: int,
              resolution_days: int) -> tuple[date, date]:
    opened = london_day(opened_at)
    return (calendar.add_working_days(opened, first_response_days),
            calendar.add_working_days(opened, resolution_days))


def resolution_due_after_reopen(calendar: WorkingCalendar, due_on: date, closed_at: datetime,
                                reopened_at: datetime) -> date:
    paused = calendar.working_days_between(london_day(closed_at), london_day(reopened_at) - timedelta(days=1))
    return calendar.add_working_days(due_on, paused)


def sla_state(calendar: WorkingCalendar, today: date, *, first_response_due_on: date,
              first_response_at: datetime | None, resolution_due_on: date, closed_at: datetime | None) -> SlaState:
    responded_on = london_day(first_response_at) if first_response_at else None
    first_on_time: bool | None
    if responded_on is not None:
        first_on_time = responded_on <= first_response_due_on
    elif (london_day(closed_at) if closed_at else today) > first_response_due_on:
        first_on_time = False  # still waiting after the due day, or closed after it unanswered
    else:
        first_on_time = None
    closed_on = london_day(closed_at) if closed_at else None
    resolution_on_time: bool | None
    if closed_on is not None:
        resolution_on_time = closed_on <= resolution_due_on
    elif today > resolution_due_on:
        resolution_on_time = False
    else:
        resolution_on_time = None
    if closed_on is not None:
        left = 0
    elif today <= resolution_due_on:
        left = calendar.working_days_between(today, resolution_due_on)
    else:
        left = -calendar.working_days_between(resolution_due_on, today)
    return SlaState(
        first_response_due_on=first_response_due_on,
        first_response_at=first_response_at,
        first_response_on_time=first_on_time,
        resolution_due_on=resolution_due_on,
        resolution_on_time=resolution_on_time,
        first_response_overdue=closed_at is None and responded_on is None and today > first_response_due_on,
        resolution_overdue=closed_at is None and today > resolution_due_on,
        working_days_left=left,
    )
