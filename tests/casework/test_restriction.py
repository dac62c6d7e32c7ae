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


@pytest.mark.parametrize("who", ["desk", "coordinator", "other_advocate", "admin"])
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
    for refused in (team.admin, team.desk):
        with pytest.raises(PermissionDenied):
            services.cases.get_case(refused, restricted.id)
    log = services.cases.access_log(team.manager, restricted.id)
    assert [(e.who, e.what) for e in log] == [  # by name, as people know each other
        ("Deskstaff", "Refused"), (team.admin.display_name, "Refused"), ("Manager", "Opened"), ("Advocate", "Opened"),
        ("Advocate", "Note"), ("Advocate", "Opened")]
    assert log[1].role == "Administrator" and log[2].role == "Service manager"
    for refused in (team.advocate, team.admin):
        with pytest.raises(PermissionDenied):
            services.cases.access_log(refused, restricted.id)


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


def test_a_handover_closes_a_restricted_case_to_the_previous_owner_unless_kept_on_the_team(services, team,
                                                                                           restricted):
    case = services.cases.get_case(team.advocate, restricted.id)
    handed = services.cases.hand_over(team.advocate, case.id, team.other_advocate.staff_id, "Over to you",
                                      case.version)
    assert handed.owner_id == team.other_advocate.staff_id and handed.team == ()
    assert services.cases.get_case(team.other_advocate, case.id).owner_name == team.other_advocate.display_name
    with pytest.raises(PermissionDenied, match="restricted"):
        services.cases.get_case(team.advocate, case.id)
    services.cases.add_team_member(team.other_advocate, case.id, team.advocate.staff_id)
    assert services.cases.get_case(team.advocate, case.id).team[0].staff_id == team.advocate.staff_id


def test_internal_notes_are_left_out_of_what_is_printed(services, team):
    resident_id = register(services, team.admin)
    case_id = open_case(services, team.advocate, resident_id).id
    services.cases.record_activity(team.advocate, case_id, "note", "Thinks the landlord is lying", internal=True)
    services.cases.record_activity(team.advocate, case_id, "letter", "Wrote to the landlord")
    printed = services.cases.for_print(team.advocate, case_id)
    texts = [a.text for a in printed.activities]
    assert "Wrote to the landlord" in texts and "Thinks the landlord is lying" not in texts
    assert "Thinks the landlord is lying" in [a.text for a in services.cases.get_case(team.advocate, case_id).activities]


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_evidence_on_a_restricted_case_opens_and_goes_only_with_the_case(services, team, restricted, tmp_path):
    from assisted_desk.desk.attachments import AttachmentInput

    case = services.cases.attach_evidence(team.advocate, restricted.id, AttachmentInput("disclosure.pdf", PDF))
    evidence = case.activities[-1]
    for outsider in (team.desk, team.other_advocate, team.coordinator, team.admin):
        with pytest.raises(PermissionDenied, match="restricted"):
            services.attachments.open_copy(outsider, evidence.attachment_id, tmp_path)
        with pytest.raises(PermissionDenied):
            services.attachments.remove(outsider, evidence.attachment_id, 1)
    assert services.attachments.open_copy(team.advocate, evidence.attachment_id, tmp_path).read_bytes() == PDF
    assert services.attachments.open_copy(team.manager, evidence.attachment_id, tmp_path).read_bytes() == PDF
    # Nor can it be pulled into another case of the same resident, restricted or not.
    other = open_case(services, team.other_advocate, restricted.resident_id)
    with pytest.raises(ValidationError, match="evidence on another case"):
        services.cases.link_attachment(team.other_advocate, other.id, evidence.attachment_id)


def test_evidence_on_an_open_case_is_for_caseworkers_not_the_desk(services, team, tmp_path):
    from assisted_desk.desk.attachments import AttachmentInput

    resident_id = register(services, team.admin)
    glimpse = open_case(services, team.advocate, resident_id)
    case = services.cases.attach_evidence(team.advocate, glimpse.id, AttachmentInput("tenancy.pdf", PDF))
    attachment_id = case.activities[-1].attachment_id
    assert services.attachments.open_copy(team.other_advocate, attachment_id, tmp_path).read_bytes() == PDF
    with pytest.raises(PermissionDenied, match="not its notes"):
        services.attachments.open_copy(team.desk, attachment_id, tmp_path)
    with pytest.raises(PermissionDenied, match="Only the owner"):
        services.attachments.remove(team.other_advocate, attachment_id, 1)
    services.attachments.remove(team.advocate, attachment_id, 1)


def test_two_desks_moving_one_case_at_the_same_moment_get_a_conflict_not_a_crash(services, team, monkeypatch):
    from assisted_desk.casework import cases as cases_module
    from assisted_desk.core.errors import ConflictError

    resident_id = register(services, team.admin)
    case = services.cases.get_case(team.advocate, open_case(services, team.advocate, resident_id).id)
    checked = cases_module.refuse_closed
    raced = []

    def another_desk_saves_first(row):
        # The advocate's change has read the case (version 1, as given); the manager saves now.
        checked(row)
        if not raced:
            raced.append(True)
            services.cases.change_status(team.manager, case.id, "in_progress", "", case.version)

    monkeypatch.setattr(cases_module, "refuse_closed", another_desk_saves_first)
    with pytest.raises(ConflictError, match="at the same moment"):
        services.cases.change_status(team.advocate, case.id, "assessing", "", case.version)
    assert services.cases.get_case(team.advocate, case.id).status == "in_progress"
