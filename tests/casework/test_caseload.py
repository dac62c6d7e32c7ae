"""The caseload: known cases at known dates, every flag and count, each filter, both scopes and
who may see which."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from assisted_desk.casework.caseload import (Caseload, CaseloadFilter, CaseloadScope, DueFilter,
                                             week_end)
from assisted_desk.casework.vocab import CasePriority
from assisted_desk.core.errors import PermissionDenied, ValidationError

from .case_fixtures import Team, open_case, register, type_id

MINE, TEAM = CaseloadScope.MINE, CaseloadScope.TEAM


@dataclass
class World:
    team: Team
    caseload: Caseload
    ids: dict[str, int]  # letter -> case id
    refs: dict[str, str]

    def letters(self, page) -> list[str]:
        by_id = {v: k for k, v in self.ids.items()}
        return [by_id[r.id] for r in page.rows]


def _open(services, actor, resident_id, code, **kwargs):
    return open_case(services, actor, resident_id, code=code, **kwargs)


@pytest.fixture
def world(services, admin, clock) -> World:
    """Eight cases, seen on Monday 23/11/2026 (the week ends Sunday 29/11):

    A  housing, advocate, opened Mon 2/11, never answered: first response (4/11) overdue; due 30/11
    B  complaint, advocate, urgent, opened 2/11, answered: resolution (16/11) overdue
    C  benefits, other advocate with the advocate on its team, high, opened 9/11, answered; a task
       due today; resolution 30/11
    D  social care, advocate, restricted, escalated, in progress, opened 9/11: nothing due
    E  complaint, other advocate, high, opened Wed 11/11, answered: resolution due Wed 25/11
    F  housing, other advocate, opened 11/11, closed 13/11
    H  multiple needs, manager, opened Fri 20/11: first response due today, not yet answered
    G  social care, advocate, opened today: first response due tomorrow
    """
    team = Team(services, admin)
    adv, other, manager = team.advocate, team.other_advocate, team.manager
    names = {"A": ("Łukasz", "Żółć"), "B": ("Ștefan", "Popescu"), "C": ("محمد", "الحسن"), "D": ("Priya", "Patel"),
             "E": ("પ્રિયા", "Shah"), "F": ("Anna", "Nowak"), "G": ("Seán", "O'Brien"), "H": ("Grace", "Adeyemi")}
    residents = {k: register(services, admin, given, family) for k, (given, family) in names.items()}
    ids: dict[str, int] = {}
    clock.advance(days=-21)  # Monday 2/11
    ids["A"] = _open(services, adv, residents["A"], "housing").id
    ids["B"] = _open(services, adv, residents["B"], "complaint", priority="urgent").id
    services.cases.record_activity(adv, ids["B"], "call", "Rang to agree the complaint")
    clock.advance(days=7)  # Monday 9/11
    ids["C"] = _open(services, other, residents["C"], "benefits", priority="high").id
    services.cases.record_activity(other, ids["C"], "call", "First call")
    services.cases.add_team_member(other, ids["C"], adv.staff_id)
    services.cases.add_task(other, ids["C"], "Chase the decision", date(2026, 11, 23))
    ids["D"] = _open(services, adv, residents["D"], "social_care", restricted=True,
                     restricted_reason="Safeguarding").id
    services.cases.record_activity(adv, ids["D"], "meeting", "Met at the library")
    d = services.cases.get_case(adv, ids["D"])
    d = services.cases.escalate(adv, ids["D"], 1, "No reply from social care", d.version)
    services.cases.change_status(adv, ids["D"], "in_progress", "", d.version)
    clock.advance(days=2)  # Wednesday 11/11
    ids["E"] = _open(services, other, residents["E"], "complaint", priority="high").id
    services.cases.record_activity(other, ids["E"], "letter", "Wrote to the council")
    ids["F"] = _open(services, other, residents["F"], "housing").id
    clock.advance(days=2)  # Friday 13/11
    f = services.cases.get_case(other, ids["F"])
    services.cases.close_case(other, ids["F"], "resolved", "", f.version)
    clock.advance(days=7)  # Friday 20/11
    ids["H"] = _open(services, manager, residents["H"], "multiple_needs").id
    clock.advance(days=3)  # Monday 23/11, 10:00
    ids["G"] = _open(services, adv, residents["G"], "social_care").id
    assert clock.now().date() == date(2026, 11, 23)
    refs = {k: services.cases.get_case(manager, v).reference for k, v in ids.items()}
    return World(team, Caseload(services.db, services.clock), ids, refs)


def test_my_cases_are_the_ones_i_own_or_am_on_the_team_of_with_every_flag(world):
    page = world.caseload.for_actor(world.team.advocate, MINE)
    # Soonest resolution first; on the same day (A and C, 30/11) the higher priority first.
    assert world.letters(page) == ["B", "C", "A", "D", "G"]
    rows = {k: r for k, r in zip(world.letters(page), page.rows)}
    flags = {k: (r.first_response_overdue, r.resolution_overdue, r.due_today, r.due_this_week)
             for k, r in rows.items()}
    assert all(type(flag) is bool for row_flags in flags.values() for flag in row_flags)
    assert flags == {
        "A": (True, False, False, False),
        "B": (False, True, False, False),
        "C": (False, False, True, True),
        "D": (False, False, False, False),
        "G": (False, False, False, True),
    }
    a, c, d = rows["A"], rows["C"], rows["D"]
    assert a.resident_name == "Łukasz Żółć" and a.case_type_name == "Housing" and a.status_label == "New"
    assert a.first_response_due_on == date(2026, 11, 4) and a.resolution_due_on == date(2026, 11, 30)
    assert a.first_response_at is None and a.priority is CasePriority.NORMAL
    assert c.owner_name == world.team.other_advocate.display_name and c.next_task_due_on == date(2026, 11, 23)
    assert c.priority is CasePriority.HIGH and c.first_response_at is not None
    # A restricted case is listed for its owner, who may open it.
    assert d.restricted and d.escalation_level == 1 and d.status == "in_progress" and d.status_label == "In progress"
    assert page.counts == _counts(open=5, due_today=1, due_this_week=2, overdue_first_response=1,
                                  overdue_resolution=1, escalated=1)
    assert not page.truncated


def test_all_cases_for_a_manager_with_the_counts_over_everything_open(world):
    page = world.caseload.for_actor(world.team.manager, TEAM)
    assert world.letters(page) == ["B", "E", "C", "A", "D", "G", "H"]
    rows = dict(zip(world.letters(page), page.rows))
    assert rows["H"].due_today and rows["H"].first_response_due_on == date(2026, 11, 23)
    assert rows["E"].due_this_week and not rows["E"].due_today
    assert page.counts == _counts(open=7, due_today=2, due_this_week=4, overdue_first_response=1,
                                  overdue_resolution=1, escalated=1)
    # The administrator runs the system, not casework: no caseload at all.
    for scope in (TEAM, MINE):
        with pytest.raises(PermissionDenied):
            world.caseload.for_actor(world.team.admin, scope)


def test_another_advocate_sees_only_their_own_and_not_the_restricted_case(world):
    page = world.caseload.for_actor(world.team.other_advocate, MINE)
    assert world.letters(page) == ["E", "C"]
    page = world.caseload.for_actor(world.team.other_advocate, MINE, CaseloadFilter(include_closed=True))
    assert world.letters(page) == ["E", "C", "F"]
    assert page.counts.open == 2  # the counts are of open cases


@pytest.mark.parametrize("filters, expected", [
    (CaseloadFilter(status="closed"), ["F"]),
    (CaseloadFilter(include_closed=True), ["B", "E", "C", "A", "D", "F", "G", "H"]),
    (CaseloadFilter(status="in_progress"), ["D"]),
    (CaseloadFilter(status="new", include_closed=True), ["B", "E", "C", "A", "G", "H"]),
    (CaseloadFilter(owner_id=-1), []),
    (CaseloadFilter(priority="urgent"), ["B"]),
    (CaseloadFilter(priority="High"), ["E", "C"]),
    (CaseloadFilter(due=DueFilter.TODAY), ["C", "H"]),
    (CaseloadFilter(due=DueFilter.THIS_WEEK), ["E", "C", "G", "H"]),
    (CaseloadFilter(due=DueFilter.OVERDUE_FIRST_RESPONSE), ["A"]),
    (CaseloadFilter(due=DueFilter.OVERDUE_RESOLUTION), ["B"]),
    (CaseloadFilter(due=DueFilter.OVERDUE_ANY), ["B", "A"]),
    (CaseloadFilter(due=DueFilter.OVERDUE_ANY, include_closed=True), ["B", "A"]),
    (CaseloadFilter(text="lukasz"), ["A"]),
    (CaseloadFilter(text="ŻÓŁĆ łukasz"), ["A"]),
    (CaseloadFilter(text="  o'brien "), ["G"]),
    (CaseloadFilter(text="الحسن"), ["C"]),
    (CaseloadFilter(text="પ્રિયા"), ["E"]),
    (CaseloadFilter(text="pri"), ["D"]),
    (CaseloadFilter(text="%"), []),
    (CaseloadFilter(text="nobody"), []),
])
def test_each_filter_on_all_cases(world, filters, expected):
    assert world.letters(world.caseload.for_actor(world.team.manager, TEAM, filters)) == expected


def test_filters_by_type_owner_and_reference(services, world):
    caseload, manager = world.caseload, world.team.manager
    complaint = type_id(services, manager, "complaint")
    assert world.letters(caseload.for_actor(manager, TEAM, CaseloadFilter(case_type_id=complaint))) == ["B", "E"]
    other = world.team.other_advocate.staff_id
    assert world.letters(caseload.for_actor(manager, TEAM, CaseloadFilter(owner_id=other))) == ["E", "C"]
    # An advocate narrowing their own list to a colleague's cases sees the ones they share.
    assert world.letters(caseload.for_actor(world.team.advocate, MINE, CaseloadFilter(owner_id=other))) == ["C"]
    reference = world.refs["D"]
    for typed in (reference, reference.lower(), reference[3:], reference.replace("-", " ").lower()):
        assert world.letters(caseload.for_actor(manager, TEAM, CaseloadFilter(text=typed))) == ["D"]
    # Filters combine; the counts follow every filter but the due one (the overview it is chosen from).
    page = caseload.for_actor(manager, TEAM, CaseloadFilter(case_type_id=complaint, due=DueFilter.THIS_WEEK))
    assert world.letters(page) == ["E"]
    assert page.counts == _counts(open=2, due_today=0, due_this_week=1, overdue_first_response=0,
                                  overdue_resolution=1, escalated=0)  # complaints B (overdue) and E


def test_rows_are_frozen_records(world):
    from dataclasses import FrozenInstanceError, replace

    row = world.caseload.for_actor(world.team.manager, TEAM).rows[0]
    with pytest.raises(FrozenInstanceError):
        row.status = "closed"  # type: ignore[misc]
    assert replace(row) == row and hash(row) == hash(replace(row))
    assert row.is_open and row.overdue


def test_a_limit_truncates_the_rows_but_not_the_counts(world):
    page = world.caseload.for_actor(world.team.manager, TEAM, limit=2)
    assert world.letters(page) == ["B", "E"] and page.truncated
    assert page.counts.open == 7 and page.counts.due_this_week == 4
    exact = world.caseload.for_actor(world.team.manager, TEAM, limit=7)
    assert len(exact.rows) == 7 and not exact.truncated


def test_a_bad_priority_is_refused_by_name(world):
    with pytest.raises(ValidationError, match="Priority 'soon'"):
        world.caseload.for_actor(world.team.manager, TEAM, CaseloadFilter(priority="soon"))


def test_the_flags_move_with_the_days(world, clock):
    clock.advance(days=1)  # Tuesday 24/11: G's first response is due today; C's task is now late but not "due"
    page = world.caseload.for_actor(world.team.advocate, MINE)
    rows = dict(zip(world.letters(page), page.rows))
    assert rows["G"].due_today and not rows["C"].due_today and rows["C"].due_this_week is False
    clock.advance(days=6)  # Monday 30/11: A and C due today; B and A overdue
    page = world.caseload.for_actor(world.team.advocate, MINE)
    rows = dict(zip(world.letters(page), page.rows))
    assert rows["A"].due_today and rows["C"].due_today
    assert rows["G"].first_response_overdue
    assert page.counts.overdue_first_response == 2 and page.counts.due_today == 2


@pytest.mark.parametrize("who, scope", [("desk", MINE), ("desk", TEAM), ("coordinator", MINE),
                                         ("coordinator", TEAM), ("advocate", TEAM), ("admin", MINE),
                                         ("admin", TEAM)])
def test_who_may_not_see_a_caseload(world, who, scope):
    with pytest.raises(PermissionDenied):
        world.caseload.for_actor(getattr(world.team, who), scope)


def test_owners_to_filter_by(world):
    team = world.team
    managers_choice = [m.name for m in world.caseload.owners(team.manager)]
    assert managers_choice == sorted([team.advocate.display_name, team.other_advocate.display_name,
                                      team.manager.display_name])  # not the administrator: no casework
    assert [m.staff_id for m in world.caseload.owners(team.advocate)] == [team.advocate.staff_id,
                                                                          team.other_advocate.staff_id]
    with pytest.raises(PermissionDenied):
        world.caseload.owners(team.desk)


def test_week_end_is_the_coming_sunday():
    assert week_end(date(2026, 11, 23)) == date(2026, 11, 29)
    assert week_end(date(2026, 11, 29)) == date(2026, 11, 29)
    assert week_end(date(2026, 11, 28)) == date(2026, 11, 29)


def test_an_empty_caseload(services, admin):
    team = Team(services, admin)
    page = Caseload(services.db, services.clock).for_actor(team.advocate, MINE)
    assert page.rows == () and not page.truncated
    assert page.counts == _counts(open=0, due_today=0, due_this_week=0, overdue_first_response=0,
                                  overdue_resolution=0, escalated=0)


def _counts(**kwargs):
    from assisted_desk.casework.caseload import CaseloadCounts
    return CaseloadCounts(**kwargs)
