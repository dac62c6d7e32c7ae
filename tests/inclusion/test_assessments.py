"""Taking assessments on SQLite and PostgreSQL: who may, what is kept as it is given, what
completing freezes, and progress across three assessments."""

from __future__ import annotations

import pytest

from assisted_desk.core.errors import NotFound, PermissionDenied, ValidationError
from assisted_desk.core.security import Role
from assisted_desk.desk.resident_input import ResidentInput
from assisted_desk.inclusion.framework import Level
from assisted_desk.inclusion.scoring import Change, Reached
from assisted_desk.inclusion.skills_vocab import Answer, AssessmentKind, AssessmentState, Barrier, Evidence, Goal
from assisted_desk.services import open_services
from assisted_desk.core.config import parse_database_url
from tests.conftest import make_actor
from tests.desk.contact_fixtures import audit_actions

from .conftest import library

OWN, HELP, CANT, NR = Answer.ON_MY_OWN, Answer.WITH_HELP, Answer.CANT_YET, Answer.NOT_RELEVANT
SAID, SEEN = Evidence.SAID, Evidence.OBSERVED


def answer_all(skills, actor, record, choose):
    for n, statement in enumerate(record.statements):
        record = skills.record_answer(actor, record.id, statement.code, choose(statement), SAID, position=n + 1)
    return record


def test_a_quick_assessment_from_start_to_result(skills, coordinator, resident_id):
    record = skills.start(coordinator, resident_id, "quick")
    assert record.summary.state is AssessmentState.IN_PROGRESS and record.summary.framework_version == "T1"
    assert [s.code for s in record.statements] == ["F1", "F2", "F3", "C-L1", "H-L1", "T-L1", "P-L1", "S-L1"]
    assert record.result.overall_level(Level.FOUNDATION).status is Reached.NOT_ASSESSED
    record = answer_all(skills, coordinator, record, lambda s: HELP if s.code == "T-L1" else OWN)
    record = skills.save_barriers(coordinator, record.id, {Barrier.NO_HOME_INTERNET: "Uses the library's wifi",
                                                            "confidence": "Worried about scams"})
    record = skills.save_goals(coordinator, record.id, [Goal.COUNCIL_SERVICES, "family"],
                               "Pay council tax myself; video call my grandson in Kraków")
    done = skills.complete(coordinator, record.id, expected_version=record.version)
    assert done.summary.state is AssessmentState.COMPLETED and done.summary.highest_level is Level.FOUNDATION
    assert [s.status for s in done.result.overall] == [Reached.REACHED, Reached.NOT_REACHED, Reached.NOT_ASSESSED]
    assert done.result.overall_level(Level.LIFE).why == "Not yet in: Transacting."
    assert [(t.code, t.answer, t.for_goals) for t in done.result.next_tasks] == [
        ("T-L1", HELP, (Goal.COUNCIL_SERVICES,))]
    assert done.barriers == {Barrier.NO_HOME_INTERNET: "Uses the library's wifi",
                             Barrier.CONFIDENCE: "Worried about scams"}
    assert done.goals == (Goal.FAMILY, Goal.COUNCIL_SERVICES)
    assert done.goals_own_words == "Pay council tax myself; video call my grandson in Kraków"
    assert skills.history(coordinator, resident_id)[0].answered == 8
    actions = [a for a, _, _ in audit_actions(skills_services(skills), "skills_assessment")]
    assert actions[0] == "skills.started" and actions.count("skills.answered") == 8
    assert actions[-3:] == ["skills.barriers", "skills.goals", "skills.completed"]


def skills_services(skills):
    class _S:  # audit_actions reads services.db
        db = skills.db
    return _S


def test_answers_survive_a_crash_and_resume_where_left(skills, coordinator, resident_id, paths, database_url,
                                                       clock, hashing):
    record = skills.start(coordinator, resident_id, AssessmentKind.FULL)
    skills.record_answer(coordinator, record.id, "F1", OWN, SEEN, position=1)
    skills.record_answer(coordinator, record.id, "F2", CANT, SAID, position=2)
    skills.save_goals(coordinator, record.id, [], "Wants to see the GP's letters — محمد helps now")
    skills.pause(coordinator, record.id, 2)
    # A new process on the same database: nothing held in memory carries over.
    again = open_services(paths, parse_database_url(database_url), clock=clock, hashing=hashing)
    try:
        again.skills.frameworks = library("one")
        resumed = again.skills.get(coordinator, again.skills.in_progress(coordinator, resident_id).id)
        assert resumed.position == 2 and len(resumed.unanswered) == len(resumed.statements) - 2
        assert resumed.answers["F1"].answer is OWN and resumed.answers["F1"].evidence is SEEN
        assert resumed.answers["F2"].answer is CANT
        assert resumed.goals_own_words.startswith("Wants to see")
        changed = again.skills.record_answer(coordinator, resumed.id, "F2", HELP, SEEN)
        assert changed.answers["F2"].answer is HELP
    finally:
        again.close()
    summaries = [s for _, _, s in audit_actions(skills_services(skills), "skills_assessment")]
    assert "F2: cant_yet -> with_help (observed)" in summaries


def test_only_roles_that_record_skills_may_take_or_read_assessments(services, skills, admin, coordinator,
                                                                    resident_id):
    record = skills.start(coordinator, resident_id, "quick")
    for role in (Role.DESK, Role.ADVOCATE):
        other = make_actor(services, admin, role.value + "1", role)
        for call in (lambda: skills.start(other, resident_id, "quick"),
                     lambda: skills.get(other, record.id),
                     lambda: skills.history(other, resident_id),
                     lambda: skills.record_answer(other, record.id, "F1", OWN, SAID),
                     lambda: skills.progress(other, resident_id)):
            with pytest.raises(PermissionDenied, match="may not record skills"):
                call()
    assert skills.get(admin, record.id).id == record.id


def test_bad_requests_are_refused_with_a_message(skills, coordinator, resident_id):
    with pytest.raises(ValidationError, match="Assessment kind .medium. is not one of: Quick"):
        skills.start(coordinator, resident_id, "medium")
    with pytest.raises(NotFound):
        skills.start(coordinator, 999_999, "quick")
    record = skills.start(coordinator, resident_id, "quick")
    with pytest.raises(ValidationError, match="already has an assessment in progress"):
        skills.start(coordinator, resident_id, "full")
    with pytest.raises(ValidationError, match="C-W1 is not part of this assessment"):
        skills.record_answer(coordinator, record.id, "C-W1", OWN, SAID)  # work tasks are not in the quick one
    with pytest.raises(ValidationError) as refused:
        skills.record_answer(coordinator, record.id, "F1", "sometimes", SAID)
    assert refused.value.field == "answer"
    with pytest.raises(ValidationError):
        skills.save_barriers(coordinator, record.id, {"no_money_for_a_pony": ""})
    with pytest.raises(ValidationError, match="at most 500"):
        skills.save_barriers(coordinator, record.id, {Barrier.LANGUAGE: "x" * 501})
    with pytest.raises(ValidationError, match="at most 1000"):
        skills.save_goals(coordinator, record.id, [], "y" * 1001)
    skills.record_answer(coordinator, record.id, "F1", OWN, SAID)
    with pytest.raises(ValidationError) as unanswered:
        skills.complete(coordinator, record.id)
    assert unanswered.value.field == "statement:F2"
    assert "7 statements not answered yet" in unanswered.value.message
    with pytest.raises(ValidationError, match="Reason is required"):
        skills.discard(coordinator, record.id, "  ")
    gone = skills.discard(coordinator, record.id, "Started for the wrong person")
    assert gone.state is AssessmentState.DISCARDED
    assert skills.history(coordinator, resident_id) == ()
    with pytest.raises(ValidationError, match="discarded; it can no longer be changed"):
        skills.record_answer(coordinator, record.id, "F2", OWN, SAID)


def test_a_completed_result_is_frozen_against_a_later_framework_version(services, skills, coordinator, resident_id):
    first = skills.start(coordinator, resident_id, "quick")
    first = skills.complete(coordinator, answer_all(skills, coordinator, first, lambda s: OWN).id)
    assert [s.status for s in first.result.overall][:2] == [Reached.REACHED, Reached.REACHED]
    with pytest.raises(ValidationError, match="completed; it can no longer be changed"):
        skills.record_answer(coordinator, first.id, "F1", CANT, SAID)

    skills.frameworks = library("two")  # T2 is published: a fourth foundation task, a reworded one
    again = skills.get(coordinator, first.id)
    assert again.summary.framework_version == "T1" and again.result == first.result
    assert [s.code for s in again.statements] == [s.code for s in first.statements]
    second = skills.start(coordinator, resident_id, "quick")
    assert second.summary.framework_version == "T2" and "F4" in [s.code for s in second.statements]
    assert second.framework.statement("T-L1").text == "do the reworded transacting task"

    skills.frameworks = library("one")  # T2's file went missing: say so, and read nothing wrong
    with pytest.raises(Exception, match="T2 is not installed"):
        skills.get(coordinator, second.id)


def test_progress_across_three_assessments(skills, coordinator, resident_id, clock):
    plans = [
        {"F1": OWN, "F2": CANT, "F3": HELP},
        {"F1": OWN, "F2": HELP, "F3": OWN},
        {"F1": OWN, "F2": OWN, "F3": OWN, "C-L1": OWN},
    ]
    for plan in plans:
        record = skills.start(coordinator, resident_id, "quick")
        skills.complete(coordinator, answer_all(skills, coordinator, record, lambda s: plan.get(s.code, CANT)).id)
        clock.advance(days=30)
    progress = skills.progress(coordinator, resident_id)
    assert len(progress.points) == 3
    assert progress.points[0].completed_at < progress.points[2].completed_at
    f2 = next(t for t in progress.tasks if t.code == "F2")
    assert f2.answers == (CANT, HELP, OWN) and f2.change is Change.BETTER
    assert f2.moves == (Change.BETTER, Change.BETTER)
    f1 = next(t for t in progress.tasks if t.code == "F1")
    assert f1.change is Change.SAME
    foundation = next(a for a in progress.areas if a.area == "foundation")
    assert foundation.on_my_own == (1, 2, 3) and foundation.moved_on == 2
    communicating = next(a for a in progress.areas if a.area == "communicating")
    assert communicating.on_my_own == (0, 0, 1) and communicating.moved_on == 1
    assert {t.code for t in progress.moved_on} == {"F2", "F3", "C-L1"}
    latest = skills.latest_result(coordinator, resident_id)
    assert latest.result.overall_level(Level.FOUNDATION).status is Reached.REACHED


def test_a_merge_moves_assessments_to_the_surviving_record(services, skills, admin, coordinator, resident_id):
    other = services.residents.register(admin, ResidentInput(given_name="Lukasz", family_name="Kowalski"),
                                        confirm_not_duplicate=True)
    record = skills.start(coordinator, other.id, "quick")
    keep = services.residents.get(admin, resident_id)
    services.residents.merge(admin, resident_id, other.id, expected_survivor_version=keep.version,
                             expected_merged_version=services.residents.get(admin, other.id).version)
    assert [s.id for s in skills.history(coordinator, resident_id)] == [record.id]
    with pytest.raises(NotFound, match="merged into another one"):
        skills.start(coordinator, other.id, "quick")
