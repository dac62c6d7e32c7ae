"""Cases from opening to closing: the workflow rules, handover, escalation, links and evidence."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from assisted_desk.casework.vocab import ActivityKind, CaseOutcome, CasePriority
from assisted_desk.core.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from assisted_desk.core.models import AuditEvent
from assisted_desk.desk.attachments import AttachmentInput
from assisted_desk.desk.references import find_reference

from .case_fixtures import Team, log_contact, open_case, register

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def team(services, admin) -> Team:
    return Team(services, admin)


@pytest.fixture
def resident_id(services, admin) -> int:
    return register(services, admin)


def test_an_advocate_opens_a_case_and_owns_it_with_sla_dates_and_a_reference(services, team, resident_id):
    glimpse = open_case(services, team.advocate, resident_id, priority="high",
                        services=("Housing repairs", "Universal Credit", "housing repairs"))
    case = services.cases.get_case(team.advocate, glimpse.id)
    assert case.reference.startswith("CS-") and case.owner_id == team.advocate.staff_id
    assert case.status == "new" and case.status_label == "New" and case.is_open
    assert case.priority is CasePriority.HIGH
    assert case.services == ("Housing repairs", "Universal Credit")  # the same service twice is kept once
    # Opened Monday 23/11/2026: first response in 2 working days, resolution in 20.
    assert case.sla.first_response_due_on == date(2026, 11, 25)
    assert case.sla.resolution_due_on == date(2026, 12, 21)
    assert [a.kind for a in case.activities] == [ActivityKind.OPENED]
    assert case.expected[0] == ("First call to the resident", date(2026, 11, 25), False)
    with services.db.unit_of_work() as session:
        found = find_reference(session, case.reference)
        assert found is not None and found.record_id == case.id
        assert session.scalar(select(AuditEvent).where(AuditEvent.action == "case.opened")) is not None


def test_desk_staff_open_a_case_for_a_chosen_advocate_but_cannot_read_it(services, team, resident_id):
    with pytest.raises(ValidationError, match="caseworker who will own"):
        open_case(services, team.desk, resident_id)
    glimpse = open_case(services, team.desk, resident_id, owner_id=team.advocate.staff_id)
    assert not glimpse.may_open and glimpse.owner_name == team.advocate.display_name
    with pytest.raises(PermissionDenied, match="not its notes"):
        services.cases.get_case(team.desk, glimpse.id)
    [seen] = services.cases.cases_for_resident(team.desk, resident_id)
    assert seen.case_type_name == "Housing" and "with" in seen.description


def test_opening_refuses_bad_input_with_the_field_named(services, team, resident_id):
    with pytest.raises(ValidationError) as empty:
        open_case(services, team.advocate, resident_id, summary="   ")
    assert empty.value.field == "summary"
    with pytest.raises(ValidationError, match="at most 4000"):
        open_case(services, team.advocate, resident_id, summary="x" * 4001)
    with pytest.raises(ValidationError, match="does not work cases"):
        open_case(services, team.desk, resident_id, owner_id=team.coordinator.staff_id)
    with pytest.raises(ValidationError, match="Priority"):
        open_case(services, team.advocate, resident_id, priority="whenever")
    with pytest.raises(ValidationError, match="reason for restricting"):
        open_case(services, team.advocate, resident_id, restricted=True)
    with pytest.raises(NotFound):
        open_case(services, team.advocate, 999_999)
    # Coordinators may open a case too (an assessment turns up a housing crisis).
    assert open_case(services, team.coordinator, resident_id, owner_id=team.advocate.staff_id).reference


def test_statuses_move_only_as_the_type_allows(services, team, resident_id):
    case = services.cases.get_case(team.advocate, open_case(services, team.advocate, resident_id).id)
    assert dict(case.next_statuses) == {"assessing": "Assessing", "in_progress": "In progress"}
    with pytest.raises(ValidationError, match="cannot go from New to Waiting on a service"):
        services.cases.change_status(team.advocate, case.id, "waiting_on_service", "", case.version)
    moved = services.cases.change_status(team.advocate, case.id, "in_progress", "Started", case.version)
    assert moved.status == "in_progress" and moved.activities[-1].from_status == "new"
    with pytest.raises(ConflictError):
        services.cases.change_status(team.advocate, case.id, "waiting_on_resident", "", case.version)


def test_the_first_contact_answers_the_first_response_clock_and_notes_do_not(services, team, resident_id, clock):
    case_id = open_case(services, team.advocate, resident_id).id
    clock.advance(hours=3)
    case = services.cases.record_activity(team.advocate, case_id, "note", "Read the file", internal=True)
    assert case.sla.first_response_at is None
    case = services.cases.record_activity(team.advocate, case_id, ActivityKind.CALL, "Called محمد's daughter")
    assert case.sla.first_response_at == clock.now() and case.sla.first_response_on_time is True
    assert case.expected[0][2] is True  # the expected first call is met
    with pytest.raises(ValidationError, match="future"):
        services.cases.record_activity(team.advocate, case_id, "call", "x", happened_at=clock.now() + timedelta(hours=1))
    with pytest.raises(ValidationError, match="before the case was opened"):
        services.cases.record_activity(team.advocate, case_id, "call", "x",
                                       happened_at=datetime(2026, 11, 1, tzinfo=timezone.utc))
    with pytest.raises(ValidationError, match="call, letter"):
        services.cases.record_activity(team.advocate, case_id, "closed", "x")
    with pytest.raises(ValidationError, match="control characters"):
        services.cases.record_activity(team.advocate, case_id, "note", "bad\x00text")


def test_tasks_have_due_dates_and_assignees_and_block_closing_until_finished(services, team, resident_id, clock):
    case_id = open_case(services, team.advocate, resident_id).id
    case = services.cases.add_task(team.advocate, case_id, "Chase the repairs team", date(2026, 11, 27))
    [task] = case.open_tasks
    assert task.assignee_id == team.advocate.staff_id and task.due_on == date(2026, 11, 27)
    case = services.cases.add_task(team.advocate, case_id, "Letter to landlord", date(2026, 11, 25),
                                   assignee_id=team.other_advocate.staff_id)
    with services.db.unit_of_work() as session:
        from assisted_desk.casework.models import Case
        assert session.get(Case, case_id).next_task_due_on == date(2026, 11, 25)
    with pytest.raises(ValidationError, match="in the past"):
        services.cases.add_task(team.advocate, case_id, "late", date(2026, 11, 1))
    with pytest.raises(ValidationError, match="does not work cases"):
        services.cases.add_task(team.advocate, case_id, "x", date(2026, 11, 30), assignee_id=team.desk.staff_id)
    with pytest.raises(ValidationError, match="2 open tasks"):
        services.cases.close_case(team.advocate, case_id, "resolved", "", case.version)
    assert [m.staff_id for m in case.team] == [team.other_advocate.staff_id]  # given a task, on the team
    assert case.activities[-2].kind is ActivityKind.TEAM
    letter = next(t for t in case.open_tasks if t.text == "Letter to landlord")
    # The assignee may finish their own task on a case they are not on.
    services.cases.complete_task(team.other_advocate, letter.id)
    with pytest.raises(ValidationError, match="already finished"):
        services.cases.complete_task(team.advocate, letter.id)
    with pytest.raises(ValidationError, match="Why it was cancelled"):
        services.cases.complete_task(team.advocate, task.id, cancelled=True)
    case = services.cases.complete_task(team.advocate, task.id, cancelled=True, note="Repairs booked already")
    assert not case.open_tasks
    closed = services.cases.close_case(team.advocate, case_id, CaseOutcome.RESOLVED, "", case.version)
    assert closed.status == "closed" and closed.outcome is CaseOutcome.RESOLVED and not closed.is_open


def test_closing_needs_an_outcome_and_a_reason_when_not_resolved_and_reopening_is_visible(services, team,
                                                                                         resident_id):
    case = services.cases.get_case(team.advocate, open_case(services, team.advocate, resident_id).id)
    with pytest.raises(ValidationError, match="Outcome"):
        services.cases.close_case(team.advocate, case.id, "done", "", case.version)
    with pytest.raises(ValidationError, match="reason it was not resolved"):
        services.cases.close_case(team.advocate, case.id, CaseOutcome.NOT_RESOLVED, " ", case.version)
    closed = services.cases.close_case(team.advocate, case.id, "not_resolved", "Landlord refused", case.version)
    with pytest.raises(ValidationError, match="is closed"):
        services.cases.record_activity(team.advocate, case.id, "note", "more")
    with pytest.raises(ValidationError, match="reason for reopening"):
        services.cases.reopen_case(team.advocate, case.id, "", closed.version)
    reopened = services.cases.reopen_case(team.advocate, case.id, "Landlord changed mind", closed.version)
    assert reopened.is_open and reopened.status == "new" and reopened.reopen_count == 1
    assert reopened.outcome is None
    assert [a.kind for a in reopened.activities][-2:] == [ActivityKind.CLOSED, ActivityKind.REOPENED]


def test_handover_needs_a_note_and_the_owner(services, team, resident_id):
    case = services.cases.get_case(team.advocate, open_case(services, team.advocate, resident_id).id)
    with pytest.raises(ValidationError, match="handover note"):
        services.cases.hand_over(team.advocate, case.id, team.other_advocate.staff_id, "", case.version)
    with pytest.raises(PermissionDenied):
        services.cases.hand_over(team.other_advocate, case.id, team.other_advocate.staff_id, "mine", case.version)
    with pytest.raises(ValidationError, match="already owns"):
        services.cases.hand_over(team.advocate, case.id, team.advocate.staff_id, "x", case.version)
    handed = services.cases.hand_over(team.advocate, case.id, team.other_advocate.staff_id,
                                      "Going on leave; landlord calls back Friday", case.version)
    assert handed.owner_id == team.other_advocate.staff_id
    assert handed.team == ()  # the previous owner is off the case unless added to its team
    assert handed.activities[-1].kind is ActivityKind.HANDOVER
    assert handed.activities[-1].other_staff_name == team.other_advocate.display_name
    with pytest.raises(PermissionDenied):
        services.cases.reassign(team.advocate, case.id, team.advocate.staff_id, "back", handed.version)
    back = services.cases.reassign(team.manager, case.id, team.advocate.staff_id, "Workload", handed.version)
    assert back.owner_id == team.advocate.staff_id and back.activities[-1].kind is ActivityKind.REASSIGNED


def test_escalation_records_level_reason_and_time_and_only_goes_up(services, team, resident_id, clock):
    case = services.cases.get_case(team.advocate, open_case(services, team.advocate, resident_id).id)
    with pytest.raises(ValidationError, match="levels are 1 to 3"):
        services.cases.escalate(team.advocate, case.id, 7, "why", case.version)
    up = services.cases.escalate(team.advocate, case.id, 2, "No answer from housing in 10 days", case.version)
    assert up.escalation_level == 2 and up.escalation_label == "Service manager"
    assert up.activities[-1].kind is ActivityKind.ESCALATED and up.activities[-1].happened_at == clock.now()
    with pytest.raises(ValidationError, match="already escalated"):
        services.cases.escalate(team.advocate, case.id, 1, "again", up.version)


def test_a_colleague_may_add_a_note_but_not_move_someone_elses_case(services, team, resident_id):
    case = services.cases.get_case(team.advocate, open_case(services, team.advocate, resident_id).id)
    services.cases.get_case(team.other_advocate, case.id)
    services.cases.record_activity(team.other_advocate, case.id, "call", "Resident rang while covering")
    with pytest.raises(PermissionDenied, match="You can still add a note"):
        services.cases.change_status(team.other_advocate, case.id, "in_progress", "", case.version)
    services.cases.add_team_member(team.advocate, case.id, team.other_advocate.staff_id)
    moved = services.cases.change_status(team.other_advocate, case.id, "in_progress", "", case.version)
    assert moved.status == "in_progress"
    with pytest.raises(ValidationError, match="already on"):
        services.cases.add_team_member(team.advocate, case.id, team.other_advocate.staff_id)
    off = services.cases.remove_team_member(team.advocate, case.id, team.other_advocate.staff_id)
    assert off.team == ()


def test_desk_contacts_requests_and_evidence_are_linked_only_from_the_same_resident(services, team, resident_id):
    other = register(services, team.admin, "Ștefan", "Popescu")
    case_id = open_case(services, team.advocate, resident_id).id
    mine = log_contact(services, team.desk, resident_id)
    theirs = log_contact(services, team.desk, other, outcome="resolved")
    case = services.cases.link_interaction(team.advocate, case_id, mine)
    assert case.activities[-1].interaction_id == mine
    with pytest.raises(ValidationError, match="already linked"):
        services.cases.link_interaction(team.advocate, case_id, mine)
    with pytest.raises(ValidationError, match="not one of this resident's"):
        services.cases.link_interaction(team.advocate, case_id, theirs)
    case = services.cases.attach_evidence(team.advocate, case_id, AttachmentInput("letter.pdf", PDF))
    assert case.activities[-1].kind is ActivityKind.ATTACHMENT and case.activities[-1].attachment_name == "letter.pdf"
    with pytest.raises(ValidationError):
        services.cases.attach_evidence(team.advocate, case_id, AttachmentInput("virus.pdf", b"MZ\x90\x00not a pdf"))
    # A file kept with a desk contact can be linked as evidence; another resident's cannot.
    mine_file = services.attachments.attach_to_interaction(team.desk, mine, AttachmentInput("tenancy.pdf", PDF))
    theirs_file = services.attachments.attach_to_interaction(team.desk, theirs, AttachmentInput("theirs.pdf", PDF))
    case = services.cases.link_attachment(team.advocate, case_id, mine_file.id)
    assert case.activities[-1].attachment_name == "tenancy.pdf"
    with pytest.raises(ValidationError, match="not one of this resident's"):
        services.cases.link_attachment(team.advocate, case_id, theirs_file.id)
    gone = services.attachments.attach_to_interaction(team.desk, mine, AttachmentInput("old.pdf", PDF))
    services.attachments.remove(team.desk, gone.id, gone.version)
    with pytest.raises(ValidationError, match="was removed"):
        services.cases.link_attachment(team.advocate, case_id, gone.id)


def test_a_case_escalated_from_the_desk_links_the_contact(services, team, resident_id):
    contact = log_contact(services, team.desk, resident_id, notes="Bailiffs and a housing problem")
    glimpse = open_case(services, team.desk, resident_id, code="multiple_needs", owner_id=team.advocate.staff_id,
                        from_interaction_id=contact)
    case = services.cases.get_case(team.advocate, glimpse.id)
    assert case.from_interaction_id == contact
    assert [a.kind for a in case.activities] == [ActivityKind.OPENED, ActivityKind.INTERACTION]
    other = register(services, team.admin, "پریا", "Patel")
    with pytest.raises(ValidationError, match="not one of this resident's"):
        open_case(services, team.desk, other, owner_id=team.advocate.staff_id, from_interaction_id=contact)
