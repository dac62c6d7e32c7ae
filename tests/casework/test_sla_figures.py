"""SLA figures over a period: known cases in summer (where an hour decides "on time") and over
Christmas (bank holidays, a reopened case)."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from assisted_desk.casework.sla_figures import CaseSlaFigures, SlaFigures, london_midnight
from assisted_desk.core.errors import PermissionDenied, ValidationError

from .case_fixtures import Team, open_case, register


def move_to(clock, when: datetime) -> None:
    clock.advance(seconds=(when - clock.now()).total_seconds())


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


@pytest.fixture
def team(services, admin) -> Team:
    return Team(services, admin)


@pytest.fixture
def history(services, team, clock):
    """Summer 2026 (British Summer Time):
    S1 housing, opened Mon 6/7, answered Wed 8/7 at 23:30 London (on time), closed Mon 3/8 at
       23:00 London, its resolution day (on time)
    S2 housing, opened 6/7, answered at 00:30 London on 9/7 (late), closed 4/8 (late)
    S3 complaint, opened 6/7, never answered, still open (late)
    Christmas 2026 (bank holidays Fri 25/12, Mon 28/12, Fri 1/1):
    S6 benefits, opened Mon 30/11, answered the same day, closed Fri 11/12, reopened Tue 29/12
       (the clock moves its resolution day from 21/12 on by the 10 working days it was closed, to 7/1), closed again
       Wed 6/1, after its first resolution day but before the moved one
    S5 housing, opened Wed 23/12, first response due Tue 29/12 (after two bank holidays),
       answered then, escalated then, still open
    """
    cases = services.cases
    adv = team.advocate
    residents = [register(services, team.admin, given, family) for given, family in
                 (("Łukasz", "Żółć"), ("محمد", "الحسن"), ("પ્રિયા", "Patel"), ("Ștefan", "Popescu"), ("Anna", "Nowak"))]
    move_to(clock, utc(2026, 7, 6, 9))
    s1 = open_case(services, adv, residents[0]).id
    s2 = open_case(services, adv, residents[1]).id
    open_case(services, adv, residents[2], code="complaint")  # never answered
    move_to(clock, utc(2026, 7, 8, 22, 30))  # 23:30 in London: still the due day
    cases.record_activity(adv, s1, "call", "Rang late")
    move_to(clock, utc(2026, 7, 8, 23, 30))  # 00:30 on 9/7 in London: a day late
    cases.record_activity(adv, s2, "call", "Rang after midnight")
    assert cases.get_case(adv, s1).sla.resolution_due_on == date(2026, 8, 3)
    move_to(clock, utc(2026, 8, 3, 22))  # 23:00 in London on the resolution day
    cases.close_case(adv, s1, "resolved", "", cases.get_case(adv, s1).version)
    move_to(clock, utc(2026, 8, 4, 9))
    cases.close_case(adv, s2, "partly_resolved", "", cases.get_case(adv, s2).version)

    move_to(clock, utc(2026, 11, 30, 10))
    s6 = open_case(services, adv, residents[3], code="benefits").id
    cases.record_activity(adv, s6, "call", "Rang")
    move_to(clock, utc(2026, 12, 11, 15))
    first_due = cases.get_case(adv, s6).sla.resolution_due_on
    cases.close_case(adv, s6, "resolved", "", cases.get_case(adv, s6).version)
    move_to(clock, utc(2026, 12, 23, 10))
    s5 = open_case(services, adv, residents[4]).id
    assert cases.get_case(adv, s5).sla.first_response_due_on == date(2026, 12, 29)
    move_to(clock, utc(2026, 12, 29, 16))
    cases.reopen_case(adv, s6, "The decision letter was wrong", cases.get_case(adv, s6).version)
    cases.record_activity(adv, s5, "letter", "Wrote after Christmas")
    cases.escalate(adv, s5, 1, "No reply from the landlord", cases.get_case(adv, s5).version)
    move_to(clock, utc(2027, 1, 6, 12))
    moved_due = cases.get_case(adv, s6).sla.resolution_due_on
    # Closed Fri 11/12, reopened Tue 29/12: nine working days spent wholly closed (not 25 or 28/12).
    assert first_due == date(2026, 12, 21) and moved_due == date(2027, 1, 6)
    cases.close_case(adv, s6, "resolved", "", cases.get_case(adv, s6).version)
    move_to(clock, utc(2027, 1, 15, 12))
    return CaseSlaFigures(services.db, services.clock)


def test_summer_figures_judge_the_london_day_not_the_utc_one(history, team):
    figures = history.figures(team.manager, date(2026, 7, 1), date(2026, 8, 31))
    assert figures == SlaFigures(since=date(2026, 7, 1), until=date(2026, 8, 31), site_id=None,
                                 first_response_due=3, first_response_on_time=1, resolution_due=2,
                                 resolution_on_time=1, opened=3, closed=2, escalations=0, reopened=0)
    assert figures.first_response_percent == pytest.approx(100 / 3)
    assert figures.resolution_percent == 50.0


def test_christmas_figures_with_bank_holidays_and_a_reopened_case(history, team):
    figures = history.figures(team.manager, date(2026, 12, 1), date(2027, 1, 10))
    assert (figures.first_response_due, figures.first_response_on_time) == (2, 2)
    # The reopened case is judged against its moved date, and counted when it closed last.
    assert (figures.resolution_due, figures.resolution_on_time, figures.closed) == (1, 1, 1)
    assert (figures.opened, figures.escalations, figures.reopened) == (1, 1, 1)
    assert figures.resolution_percent == 100.0
    # Its first closing, in December, is not counted: it closed again later.
    december = history.figures(team.manager, date(2026, 12, 1), date(2026, 12, 24))
    assert (december.closed, december.reopened, december.opened) == (0, 0, 1)
    assert december.resolution_percent is None and december.first_response_due == 1


def test_a_case_still_waiting_is_not_counted_until_its_day_has_passed(services, team, clock):
    resident = register(services, team.admin)
    open_case(services, team.advocate, resident)  # Mon 23/11: first response due Wed 25/11
    figures = CaseSlaFigures(services.db, services.clock)
    assert figures.figures(team.manager, date(2026, 11, 1), date(2026, 11, 30)).first_response_due == 0
    clock.advance(days=3)  # Thursday: now it is late
    late = figures.figures(team.manager, date(2026, 11, 1), date(2026, 11, 30))
    assert (late.first_response_due, late.first_response_on_time, late.opened) == (1, 0, 1)
    assert late.first_response_percent == 0.0


def test_one_sites_figures(history, team, admin):
    everything = history.figures(team.manager, date(2026, 1, 1), date(2027, 12, 31), site_id=admin.site_id)
    assert everything.opened == 5 and everything.closed == 3
    elsewhere = history.figures(team.manager, date(2026, 1, 1), date(2027, 12, 31), site_id=admin.site_id + 999)
    assert (elsewhere.opened, elsewhere.closed, elsewhere.first_response_due, elsewhere.escalations) == (0, 0, 0, 0)
    assert elsewhere.first_response_percent is None and elsewhere.resolution_percent is None


@pytest.mark.parametrize("who", ["manager", "coordinator", "admin"])
def test_managers_and_those_who_view_reports_may_see_them(history, team, who):
    assert history.figures(getattr(team, who), date(2026, 7, 1), date(2026, 7, 31)).opened == 3


@pytest.mark.parametrize("who", ["advocate", "desk"])
def test_others_are_refused(history, team, who):
    with pytest.raises(PermissionDenied):
        history.figures(getattr(team, who), date(2026, 7, 1), date(2026, 7, 31))


def test_a_period_that_ends_before_it_starts_is_refused(history, team):
    with pytest.raises(ValidationError, match="ends .* before it starts"):
        history.figures(team.manager, date(2026, 7, 31), date(2026, 7, 1))


def test_london_midnight():
    assert london_midnight(date(2026, 7, 9)) == utc(2026, 7, 8, 23)
    assert london_midnight(date(2026, 12, 1)) == utc(2026, 12, 1)
