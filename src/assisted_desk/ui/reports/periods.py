"""The quick choices of a report's period, worked out from today's date in London.

A period that includes today ends today: a report never counts days that have not happened.
"Last 12 whole months" is the twelve calendar months before this one, so every month on a monthly
chart is a whole month (none is a first day or two).
Quarters are calendar quarters (January to March...), as the reports group them; the financial
year runs from 1 April to 31 March."""

from __future__ import annotations

from datetime import date, timedelta

QUICK_CHOICES = (
    ("this_month", "This month"),
    ("last_month", "Last month"),
    ("this_quarter", "This quarter"),
    ("last_quarter", "Last quarter"),
    ("last_12_months", "Last 12 whole months"),
    ("this_financial_year", "This financial year (April to March)"),
)


def _month_start(day: date, months_back: int = 0) -> date:
    index = day.year * 12 + (day.month - 1) - months_back
    return date(index // 12, index % 12 + 1, 1)


def _quarter_start(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def quick_period(choice: str, today: date) -> tuple[date, date]:
    """(first day, last day) of a quick choice; KeyError for an unknown one."""
    if choice == "this_month":
        return _month_start(today), today
    if choice == "last_month":
        first = _month_start(today, 1)
        return first, _month_start(today) - timedelta(days=1)
    if choice == "this_quarter":
        return _quarter_start(today), today
    if choice == "last_quarter":
        this_quarter = _quarter_start(today)
        return _quarter_start(this_quarter - timedelta(days=1)), this_quarter - timedelta(days=1)
    if choice == "last_12_months":  # the twelve calendar months before this one: twelve whole months
        return _month_start(today, 12), _month_start(today) - timedelta(days=1)
    if choice == "this_financial_year":
        return date(today.year if today.month >= 4 else today.year - 1, 4, 1), today
    raise KeyError(choice)
