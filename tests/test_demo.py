"""The demo data: made through the desk's own services, so it obeys every rule, and useful.

Loading it takes seconds, so it is loaded once per database and each part is checked in turn
(the check that moves the clock on goes last)."""

from __future__ import annotations

import pytest

from assisted_desk.core.security import Role
from assisted_desk.demo import DEMO_PASSWORD, load_demo


def has_residents_with_a_history_a_queue_and_callbacks(services, progress):
    assert progress[2] == "30 residents"
    signed = services.signin.sign_in("desk", DEMO_PASSWORD).actor
    assert signed.role == Role.DESK

    found = services.search.find(signed, "lukasz zolc")  # typed without accents
    assert any(match.name.startswith("Łukasz") for match in found.matches)
    resident_id = found.matches[0].resident_id
    assert services.residents.get(signed, resident_id).phone.startswith("+44")
    timeline = services.timeline.for_resident(signed, resident_id)
    assert timeline and timeline == tuple(sorted(timeline, key=lambda item: item.when, reverse=True))

    waiting = services.queue.waiting(signed)
    assert len(waiting.entries) == 5
    callbacks = services.callbacks.open_callbacks(signed)
    assert len(callbacks) == 4 and [c.overdue for c in callbacks] == [True, False, False, False]
    services.clock.advance(hours=2)
    assert sum(c.overdue for c in services.callbacks.open_callbacks(signed)) == 2

    attorney_client = services.search.find(signed, "Amelia").matches[0].resident_id
    reps = services.consent.representatives(signed, attorney_client)
    assert [r.relationship.value for r in reps] == ["attorney"]
    services.consent.check_authority(signed, attorney_client, "parking", representative_id=reps[0].id)

    requests = services.submissions.browse(signed)
    assert sorted(r.state.value for r in requests) == ["accepted", "accepted", "accepted", "needs_attention",
                                                        "queued", "queued"]
    progressed = [r for r in requests if r.back_office_status is not None]
    assert {r.back_office_status.value for r in progressed} == {"completed", "in_progress", "received"}
    refused = services.submissions.get(signed, next(r.id for r in requests if r.state.value == "needs_attention"))
    assert "collection day" in refused.summary.last_error
    assert any(i.open_kind == "submission" for i in services.timeline.for_resident(signed, refused.summary.resident_id))


def has_skills_assessments_with_progress_and_one_to_resume(services, progress):
    assert "32 digital-skills assessments, and one paused halfway" in progress
    coordinator = services.signin.sign_in("coordinator", DEMO_PASSWORD).actor
    with services.db.unit_of_work() as session:
        from sqlalchemy import select  # noqa: PLC0415

        from assisted_desk.inclusion.models import SkillsAssessment
        residents = sorted(set(session.scalars(select(SkillsAssessment.resident_id))))
    assessed_twice = services.skills.progress(coordinator, residents[0])
    assert len(assessed_twice.points) == 2 and assessed_twice.points[0].completed_at < assessed_twice.points[1].completed_at
    paused = services.skills.in_progress(coordinator, residents[-1])
    assert paused is not None and 0 < paused.answered < paused.asked


def has_partners_and_referrals_at_every_step(services, progress):
    assert "8 inclusion partners in the directory" in progress
    assert "18 referrals to partners, at every step of the loop" in progress
    coordinator = services.signin.sign_in("coordinator", DEMO_PASSWORD).actor
    assert len(services.partners.list_services(coordinator)) == 8
    referrals = services.referrals.list(coordinator)
    assert {r.status.value for r in referrals} == {"sent", "accepted", "attended_first_session", "completed",
                                                   "declined", "did_not_attend", "stopped"}
    assert all(r.consent_id is not None for r in referrals)
    # dates spread as a real history: acceptance days measured, and some referrals waiting too long
    measured = services.referrals.responsiveness(coordinator)
    assert measured.median_days_to_accept is not None and measured.median_days_to_accept > 0
    assert services.referrals.follow_ups(coordinator)
    first = referrals[0]
    assert any(i.open_kind == "referral" for i in services.timeline.for_resident(coordinator, first.resident_id))
    suggested = services.matcher.suggest(coordinator, first.resident_id)
    assert suggested.suggestions and all(s.reasons for s in suggested.suggestions)


def has_advocacy_cases_in_every_state(services, progress):
    from assisted_desk.casework.caseload import Caseload, CaseloadFilter, CaseloadScope  # noqa: PLC0415
    from assisted_desk.casework.vocab import ActivityKind, CaseOutcome  # noqa: PLC0415
    from assisted_desk.core.errors import PermissionDenied  # noqa: PLC0415

    assert progress[-1] == ("30 advocacy cases: 24 open (7 past an SLA date, 10 due this week, one restricted, "
                            "1 escalated), 6 closed with each outcome, one reopened")
    manager = services.signin.sign_in("manager", DEMO_PASSWORD).actor
    advocate = services.signin.sign_in("advocate", DEMO_PASSWORD).actor
    advocate2 = services.signin.sign_in("advocate2", DEMO_PASSWORD).actor
    caseload = Caseload(services.db, services.clock)
    everything = caseload.for_actor(manager, CaseloadScope.TEAM, CaseloadFilter(include_closed=True))
    rows = everything.rows
    assert len(rows) == 30
    assert {r.case_type_name for r in rows} == {"Housing", "Benefits", "Social care", "Complaint", "Multiple needs"}
    assert {r.owner_id for r in rows} == {manager.staff_id, advocate.staff_id, advocate2.staff_id}
    counts = everything.counts
    assert counts.due_today >= 1 and counts.overdue_first_response >= 1 and counts.overdue_resolution >= 1
    assert counts.escalated == 1
    assert sum(r.reopen_count for r in rows) == 1 and any(r.reopen_count and r.is_open for r in rows)
    [restricted] = [r for r in rows if r.restricted]
    assert restricted.owner_id == advocate.staff_id
    assert restricted.id in {r.id for r in caseload.for_actor(advocate, CaseloadScope.MINE).rows}
    services.cases.get_case(advocate2, restricted.id)  # on its team
    with pytest.raises(PermissionDenied, match="restricted"):
        services.cases.get_case(services.signin.sign_in("desk", DEMO_PASSWORD).actor, restricted.id)
    closed = caseload.for_actor(manager, CaseloadScope.TEAM, CaseloadFilter(status="closed")).rows
    assert {services.cases.get_case(manager, r.id).outcome for r in closed} == set(CaseOutcome)
    records = [services.cases.get_case(manager, r.id) for r in rows]
    kinds = {a.kind for record in records for a in record.activities}
    assert {ActivityKind.CALL, ActivityKind.LETTER, ActivityKind.EMAIL, ActivityKind.MEETING, ActivityKind.NOTE,
            ActivityKind.TASK, ActivityKind.INTERACTION, ActivityKind.ESCALATED, ActivityKind.REOPENED,
            ActivityKind.TEAM, ActivityKind.STATUS} <= kinds
    assert any(a.internal for record in records for a in record.activities)
    assert any(record.from_interaction_id for record in records)
    assert sum(1 for record in records for a in record.activities if a.kind is ActivityKind.INTERACTION) == 2


def residents_answered_equality_monitoring_so_breakdowns_show_groups(services, progress):
    from sqlalchemy import func, select

    from assisted_desk.desk.models import Resident, ResidentEquality

    with services.db.unit_of_work() as session:
        residents = session.scalar(select(func.count()).select_from(Resident))
        answered = session.scalar(select(func.count()).select_from(ResidentEquality))
        sexes = set(session.scalars(select(ResidentEquality.sex)))
    assert 0.5 * residents <= answered < residents  # most, never all: "Not recorded" stays a group
    assert {"Female", "Male"} <= sexes


def test_the_demo_is_whole_and_useful_in_every_area(services):
    progress = list(load_demo(services, residents=30))
    residents_answered_equality_monitoring_so_breakdowns_show_groups(services, progress)
    has_skills_assessments_with_progress_and_one_to_resume(services, progress)
    has_partners_and_referrals_at_every_step(services, progress)
    has_advocacy_cases_in_every_state(services, progress)
    has_residents_with_a_history_a_queue_and_callbacks(services, progress)  # moves the clock on
