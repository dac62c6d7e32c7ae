"""The quick choices of a report's period: calendar months and quarters, the financial year."""

from __future__ import annotations

from datetime import date

import pytest

from assisted_desk.ui.reports.periods import QUICK_CHOICES, quick_period


def test_quick_periods_follow_the_calendar_and_the_financial_year():
    today = date(2026, 2, 10)
    assert quick_period("this_month", today) == (date(2026, 2, 1), today)
    assert quick_period("last_month", today) == (date(2026, 1, 1), date(2026, 1, 31))
    assert quick_period("this_quarter", today) == (date(2026, 1, 1), today)
    assert quick_period("last_quarter", today) == (date(2025, 10, 1), date(2025, 12, 31))
    # The twelve whole calendar months before this one: a monthly chart with no part-month at its end.
    assert quick_period("last_12_months", today) == (date(2025, 2, 1), date(2026, 1, 31))
    assert quick_period("last_12_months", date(2026, 1, 1)) == (date(2025, 1, 1), date(2025, 12, 31))
    assert quick_period("this_financial_year", today) == (date(2025, 4, 1), today)
    assert quick_period("this_financial_year", date(2026, 4, 1)) == (date(2026, 4, 1), date(2026, 4, 1))


def test_an_unknown_quick_choice_is_a_bug_not_a_period():
    with pytest.raises(KeyError):
        quick_period("next_decade", date(2026, 2, 10))


def test_the_quick_choice_says_whole_months():
    assert dict(QUICK_CHOICES)["last_12_months"] == "Last 12 whole months"
