"""Cases on the resident's timeline, on SQLite and PostgreSQL: opened, closed and reopened lines,
and what a restricted case shows to someone who may not open it (that it exists, and whom to ask)."""

from __future__ import annotations

import pytest

from assisted_desk.casework.case_timeline import (
    CASE_CLOSED,
    CASE_OPENED,
    CASE_REOPENED,
    CASE_RESTRICTED,
    OPEN_CASE,
)

from .case_fixtures import Team, log_contact, open_case, register

CASE_KINDS = {CASE_OPENED, CASE_CLOSED, CASE_REOPENED, CASE_RESTRICTED}


@pytest.fixture
def team(services, admin) -> Team:
    return Team(services, admin)


def case_lines(services, actor, resident_id):
    return [item for item in services.timeline.for_resident(actor, resident_id) if item.kind in CASE_KINDS]


def test_a_case_is_opened_closed_and_reopened_on_the_timeline(services, team, clock):
    resident_id = register(services, team.admin, "પ્રિયા", "પટેલ")
    contact_id = log_contact(services, team.desk, resident_id, notes="Landlord ignoring the damp")
    glimpse = open_case(services, team.desk, resident_id, owner_id=team.advocate.staff_id, priority="high",
                        from_interaction_id=contact_id, summary="Damp in the flat\nSecond line stays out")
    clock.advance(days=1)
    case = services.cases.get_case(team.advocate, glimpse.id)
    case = services.cases.close_case(team.advocate, case.id, "not_resolved", "Landlord refused", case.version)
    clock.advance(days=2)
    services.cases.reopen_case(team.advocate, case.id, "Landlord changed his mind", case.version)
    clock.advance(days=1)
    case = services.cases.get_case(team.advocate, glimpse.id)
    services.cases.close_case(team.advocate, case.id, "resolved", "", case.version)

    lines = case_lines(services, team.advocate, resident_id)
    reference = glimpse.reference
    assert [(line.kind, line.title) for line in lines] == [
        (CASE_CLOSED, f"Housing case {reference} closed: resolved"),
        (CASE_REOPENED, f"Housing case {reference} reopened"),
        (CASE_CLOSED, f"Housing case {reference} closed"),  # the outcome kept is the latest closing's
        (CASE_OPENED, f"Housing case {reference} opened (with Advocate)"),
    ]
    assert all((line.open_kind, line.open_id, line.reference) == (OPEN_CASE, glimpse.id, reference) for line in lines)
    opened = lines[-1]
    assert opened.detail == "High priority · from a desk contact · by deskstaff · Damp in the flat"
    assert lines[1].detail == "by advocate · Landlord changed his mind"
    assert lines[2].detail == "by advocate · Landlord refused"

    # Desk staff see that it exists, its type, owner and state; never the summary or the reasons.
    seen = case_lines(services, team.desk, resident_id)
    assert [line.title for line in seen] == [line.title for line in lines]
    assert seen[-1].detail == "from a desk contact · by deskstaff"
    assert seen[1].detail == "by advocate" and seen[2].detail == "by advocate"
    assert all("Damp" not in line.detail and "Landlord" not in line.detail for line in seen)


def test_a_restricted_case_shows_only_that_it_exists_and_whom_to_ask(services, team, clock):
    resident_id = register(services, team.admin, "محمد", "الحسن")
    glimpse = open_case(services, team.advocate, resident_id, code="social_care", summary="Fleeing violence at home",
                        restricted=True, restricted_reason="Safeguarding")
    clock.advance(days=1)
    case = services.cases.get_case(team.advocate, glimpse.id)
    services.cases.close_case(team.advocate, case.id, "withdrawn", "Moved to a refuge", case.version)

    for who in ("desk", "coordinator", "other_advocate", "admin"):
        [line] = case_lines(services, getattr(team, who), resident_id)
        assert line.kind == CASE_RESTRICTED
        assert line.title == f"Restricted case {glimpse.reference}: ask Advocate"
        assert line.detail == "or a service manager"
        assert "Social" not in line.title and "violence" not in line.detail and "refuge" not in line.detail

    for who in ("advocate", "manager"):
        lines = case_lines(services, getattr(team, who), resident_id)
        assert [line.kind for line in lines] == [CASE_CLOSED, CASE_OPENED]
        assert lines[1].detail == "Normal priority · restricted · by advocate · Fleeing violence at home"
        assert lines[0].title == f"Social care case {glimpse.reference} closed: withdrawn"


def test_a_team_member_reads_a_restricted_case_on_the_timeline(services, team):
    resident_id = register(services, team.admin)
    glimpse = open_case(services, team.advocate, resident_id, restricted=True, restricted_reason="Safeguarding")
    [before] = case_lines(services, team.other_advocate, resident_id)
    assert before.kind == CASE_RESTRICTED
    services.cases.add_team_member(team.advocate, glimpse.id, team.other_advocate.staff_id)
    [after] = case_lines(services, team.other_advocate, resident_id)
    assert after.kind == CASE_OPENED and after.title.endswith("opened (with Advocate)")
    assert after.detail.endswith("Damp in the flat; repairs not booked")


def test_only_this_residents_cases_and_none_for_a_resident_without_any(services, team):
    first = register(services, team.admin)
    second = register(services, team.admin, "Grace", "Adeyemi")
    open_case(services, team.advocate, first)
    assert case_lines(services, team.advocate, second) == []
    assert len(case_lines(services, team.advocate, first)) == 1
