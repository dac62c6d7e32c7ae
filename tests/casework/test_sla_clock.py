"""The SLA clock through the service: working days, bank holidays, first response, a case reopened."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from assisted_desk.casework.calendar import WorkingCalendar
from assisted_desk.casework.sla import resolution_due_after_reopen, sla_state

from .case_fixtures import Team, open_case, register


@pytest.fixture
def team(services, admin) -> Team:
    return Team(services, admin)


def at(day: int, month: int = 12, year: int = 2026, hour: int = 11) -> datetime:
    return datetime(year, month, day, hour, 0, tzinfo=timezone.utc)


def test_a_case_opened_before_christmas_skips_the_bank_holidays(services, team, clock):
    clock._at = at(24)  # Thursday 24/12/2026; Fri 25 and Mon 28 (Boxing Day substitute) are holidays
    resident_id = register(services, team.admin)
    case = services.cases.get_case(team.advocate, open_case(services, team.advocate, resident_id).id)
    assert case.sla.first_response_due_on == date(2026, 12, 30)  # Tue 29, Wed 30
    assert case.sla.resolution_due_on == date(2027, 1, 26)  # 20 working days, with 1 January off


def test_first_response_late_and_on_time(services, team, clock):
    clock._at = at(4)  # Friday 4/12/2026: first response due Tuesday 8/12
    resident_id = register(services, team.admin)
    late_id = open_case(services, team.advocate, resident_id).id
    prompt_id = open_case(services, team.advocate, resident_id, code="benefits").id
    clock._at = at(8, hour=16)
    prompt = services.cases.record_activity(team.advocate, prompt_id, "call", "Called back")
    assert prompt.sla.first_response_on_time is True
    clock._at = at(9)
    late = services.cases.get_case(team.advocate, late_id)
    assert late.sla.first_response_overdue and late.sla.first_response_on_time is False
    late = services.cases.record_activity(team.advocate, late_id, "meeting", "Met at last")
    assert late.sla.first_response_on_time is False and not late.sla.first_response_overdue


def test_a_reopened_case_is_judged_on_the_time_it_was_open(services, team, clock):
    clock._at = at(1)  # Tuesday 1/12/2026, complaint: resolution in 10 working days -> 15/12
    resident_id = register(services, team.admin)
    case = services.cases.get_case(team.advocate, open_case(services, team.advocate, resident_id, code="complaint").id)
    assert case.sla.resolution_due_on == date(2026, 12, 15)
    clock._at = at(3)
    closed = services.cases.close_case(team.advocate, case.id, "resolved", "", case.version)
    assert closed.sla.resolution_on_time is True
    clock._at = at(10)  # closed Thu 3, reopened Thu 10: Fri 4, Mon 7, Tue 8, Wed 9 spent wholly closed
    reopened = services.cases.reopen_case(team.advocate, case.id, "The service did not do it", closed.version)
    assert reopened.sla.resolution_due_on == date(2026, 12, 21)
    clock._at = at(23)
    late = services.cases.get_case(team.advocate, case.id)
    assert late.sla.resolution_overdue and late.sla.working_days_left == -2
    closed_late = services.cases.close_case(team.advocate, case.id, "partly_resolved", "", late.version)
    assert closed_late.sla.resolution_on_time is False and closed_late.reopen_count == 1


def test_a_reopen_over_christmas_counts_only_working_days():
    calendar = WorkingCalendar([date(2026, 12, 25), date(2026, 12, 28), date(2027, 1, 1)])
    # Closed Wed 23/12, reopened Mon 4/1: 24, 29, 30 and 31 were spent wholly closed.
    assert resolution_due_after_reopen(calendar, date(2026, 12, 23), at(23), at(4, 1, 2027)) == date(2026, 12, 31)
    assert resolution_due_after_reopen(calendar, date(2027, 1, 8), at(23), at(4, 1, 2027)) == date(2027, 1, 14)
    # Closed on Friday afternoon and reopened on Monday morning: no working day was lost.
    assert resolution_due_after_reopen(calendar, date(2027, 1, 8), at(8, 1, 2027, 16), at(11, 1, 2027, 9)) \
        == date(2027, 1, 8)


def test_sla_state_says_how_many_working_days_are_left():
    calendar = WorkingCalendar([date(2026, 12, 25), date(2026, 12, 28)])
    state = sla_state(calendar, date(2026, 12, 23), first_response_due_on=date(2026, 12, 24), first_response_at=None,
                      resolution_due_on=date(2026, 12, 30), closed_at=None)
    assert state.working_days_left == 3 and state.first_response_on_time is None and not state.resolution_overdue
    after = sla_state(calendar, date(2027, 1, 4), first_response_due_on=date(2026, 12, 24), first_response_at=None,
                      resolution_due_on=date(2026, 12, 30), closed_at=None)
    assert after.first_response_overdue and after.resolution_overdue and after.working_days_left == -3
