"""Restricted cases: who may open them, what everyone else sees, and the audit of every opening."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from assisted_desk.casework.vocab import ActivityKind
from assisted_desk.core.errors import PermissionDenied, ValidationError
from assisted_desk.core.models import AuditEvent

from .case_fixtures import Team, open_case, register


@pytest.fixture
def team(services, admin) -> Team:
    return Team(services, admin)


@pytest.fixture
def restricted(services, team):
    resident_id = register(services, team.admin, "محمد", "الحسن")
    glimpse = open_case(services, team.advocate, resident_id, code="social_care", restricted=True,
                        restricted_reason="Safeguarding: a family member must not learn of it")
    services.cases.record_activity(team.advocate, glimpse.id, "note", "Met at the library, not at home")
    return glimpse


def openings(services, case_id: int) -> list[tuple[str, str]]:
    with services.db.unit_of_work() as session:
        return [(e.actor, e.action) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.record_type == "advocacy_case", AuditEvent.record_id == str(case_id),
                                     AuditEvent.action.like("case.restricted_%")).order_by(AuditEvent.id))]


@pytest.mark.parametrize("who", ["desk", "coordinator", "other_advocate"])
def test_everyone_but_owner_team_and_managers_is_refused_and_told_whom_to_ask(services, team, restricted, who):
    actor = getattr(team, who)
    with pytest.raises(PermissionDenied, match=f"restricted.*{team.advocate.display_name}"):
        services.cases.get_case(actor, restricted.id)
    with pytest.raises(PermissionDenied):
        services.cases.for_print(actor, restricted.id)
    [seen] = services.cases.cases_for_resident(actor, restricted.resident_id)
    assert seen.restricted and not seen.may_open
    assert seen.case_type_name == "" and seen.status_label == ""  # nothing but that it exists and whom to ask
    assert seen.description == (f"Restricted case {restricted.reference}: ask {team.advocate.display_name} "
                                "or a service manager.")
    assert (actor.username, "case.restricted_refused") in openings(services, restricted.id)


def test_a_colleague_cannot_add_to_a_restricted_case_they_are_not_on(services, team, restricted):
    with pytest.raises(PermissionDenied):
        services.cases.record_activity(team.other_advocate, restricted.id, "note", "sneaky")
    services.cases.add_team_member(team.advocate, restricted.id, team.other_advocate.staff_id)
    case = services.cases.get_case(team.other_advocate, restricted.id)
    assert case.restricted_reason.startswith("Safeguarding")


def test_owner_team_and_manager_open_it_and_each_opening_is_audited_for_managers(services, team, restricted):
    services.cases.get_case(team.advocate, restricted.id)
    services.cases.get_case(team.manager, restricted.id)
    services.cases.get_case(team.admin, restricted.id)
    with pytest.raises(PermissionDenied):
        services.cases.get_case(team.desk, restricted.id)
    log = services.cases.access_log(team.manager, restricted.id)
    assert [(e.who, e.what) for e in log][:4] == [
        ("deskstaff", "Refused"), (team.admin.username, "Opened"), ("manager", "Opened"), ("advocate", "Opened")]
    assert log[1].role == "Administrator"
    with pytest.raises(PermissionDenied):
        services.cases.access_log(team.advocate, restricted.id)


def test_an_unrestricted_case_is_not_audited_on_every_opening(services, team):
    resident_id = register(services, team.admin)
    glimpse = open_case(services, team.advocate, resident_id)
    services.cases.get_case(team.other_advocate, glimpse.id)
    assert openings(services, glimpse.id) == []


def test_restricting_needs_the_owner_or_a_manager_and_a_reason_and_is_internal(services, team):
    resident_id = register(services, team.admin)
    case = services.cases.get_case(team.advocate, open_case(services, team.advocate, resident_id).id)
    with pytest.raises(PermissionDenied):
        services.cases.set_restricted(team.other_advocate, case.id, True, "why", case.version)
    with pytest.raises(ValidationError, match="reason"):
        services.cases.set_restricted(team.advocate, case.id, True, "", case.version)
    now_restricted = services.cases.set_restricted(team.advocate, case.id, True, "Domestic abuse disclosed",
                                                   case.version)
    assert now_restricted.restricted and now_restricted.activities[-1].kind is ActivityKind.RESTRICTION
    assert now_restricted.activities[-1].internal
    with pytest.raises(PermissionDenied):
        services.cases.get_case(team.other_advocate, case.id)
    printed = services.cases.for_print(team.advocate, case.id)
    assert printed.restricted_reason == "" and all(not a.internal for a in printed.activities)
    lifted = services.cases.set_restricted(team.manager, case.id, False, "Risk has passed", now_restricted.version)
    assert not lifted.restricted
    services.cases.get_case(team.other_advocate, case.id)


def test_a_handover_keeps_a_restricted_case_open_to_the_previous_owner(services, team, restricted):
    case = services.cases.get_case(team.advocate, restricted.id)
    services.cases.hand_over(team.advocate, case.id, team.other_advocate.staff_id, "Over to you", case.version)
    services.cases.get_case(team.advocate, case.id)  # still on the team
    services.cases.get_case(team.other_advocate, case.id)  # the new owner


def test_internal_notes_are_left_out_of_what_is_printed(services, team):
    resident_id = register(services, team.admin)
    case_id = open_case(services, team.advocate, resident_id).id
    services.cases.record_activity(team.advocate, case_id, "note", "Thinks the landlord is lying", internal=True)
    services.cases.record_activity(team.advocate, case_id, "letter", "Wrote to the landlord")
    printed = services.cases.for_print(team.advocate, case_id)
    texts = [a.text for a in printed.activities]
    assert "Wrote to the landlord" in texts and "Thinks the landlord is lying" not in texts
    assert "Thinks the landlord is lying" in [a.text for a in services.cases.get_case(team.advocate, case_id).activities]
