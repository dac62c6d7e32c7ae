"""Taking, pausing, resuming and completing digital-skills assessments, and reading them back.

Every answer is written the moment it is given (an assessment in progress survives a crash the
way a desk draft does), and audited: a resident's answers are personal data. Completing freezes
the result against the framework version the assessment was taken with. Only staff whose role
may record skills (coordinators, administrators) can take or read assessments."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.audit import record_audit
from ..core.clock import Clock
from ..core.db import Database
from ..core.errors import NotFound, ValidationError
from ..core.security import Actor, Permission, require
from ..core.staff import check_version
from ..core.validation import clean_text
from ..desk.representatives import open_resident
from .framework import FrameworkLibrary, Level, SkillsFramework, Statement, shipped_frameworks
from .models import SkillsAnswer, SkillsAssessment, SkillsBarrier, SkillsGoal
from .progress import AssessmentPoint, SkillsProgress, build_progress
from .result_codec import result_from_json, result_levels, result_to_json
from .scoring import SkillsResult, score
from .skills_vocab import MAX_DETAIL, MAX_OWN_WORDS, Answer, AssessmentKind, AssessmentState, Barrier, Evidence, Goal

RECORD = "skills_assessment"


@dataclass(frozen=True)
class GivenAnswer:
    code: str
    answer: Answer
    evidence: Evidence
    answered_at: datetime


@dataclass(frozen=True)
class AssessmentSummary:
    id: int
    resident_id: int
    kind: AssessmentKind
    state: AssessmentState
    framework_version: str
    started_at: datetime
    started_by: str
    completed_at: datetime | None
    answered: int
    asked: int
    highest_level: Level | None  # for a completed one: the highest overall level reached


@dataclass(frozen=True)
class AssessmentRecord:
    summary: AssessmentSummary
    framework: SkillsFramework
    statements: tuple[Statement, ...]  # what this assessment asks, in the order it asks them
    answers: Mapping[str, GivenAnswer]
    barriers: Mapping[Barrier, str]  # barrier -> detail
    goals: tuple[Goal, ...]
    goals_own_words: str
    position: int  # where to resume
    result: SkillsResult  # frozen when completed; as things stand while in progress
    version: int

    @property
    def id(self) -> int:
        return self.summary.id

    @property
    def unanswered(self) -> tuple[Statement, ...]:
        return tuple(s for s in self.statements if s.code not in self.answers)


class SkillsAssessmentService:
    def __init__(self, db: Database, clock: Clock, frameworks: FrameworkLibrary | None = None) -> None:
        self.db, self.clock = db, clock
        self.frameworks = frameworks or shipped_frameworks()

    # ---- taking an assessment ---------------------------------------------------------------

    def start(self, actor: Actor, resident_id: int, kind: AssessmentKind | str) -> AssessmentRecord:
        """Begin a quick or full assessment against the current framework version. Refuses
        without record-skills, for a resident who does not exist or was merged away, and when the
        resident already has one in progress (resume or discard that one first)."""
        require(actor, Permission.RECORD_SKILLS)
        kind = AssessmentKind.parse(kind, field="kind", what="Assessment kind")
        framework = self.frameworks.current()
        now = self.clock.now()
        with self.db.unit_of_work() as session:
            open_resident(session, resident_id)
            if self._in_progress_row(session, resident_id) is not None:
                raise ValidationError("This resident already has an assessment in progress. Resume it, or discard "
                                      "it, before starting another.", field="assessment")
            row = SkillsAssessment(resident_id=resident_id, framework_version=framework.version, kind=kind.value,
                                   state=AssessmentState.IN_PROGRESS.value, site_id=actor.site_id,
                                   staff_id=actor.staff_id, position=0, started_at=now, started_by=actor.username,
                                   updated_at=now, updated_by=actor.username)
            session.add(row)
            session.flush()
            record_audit(session, self.clock, actor, "skills.started", RECORD, row.id,
                         f"{kind.value} assessment for resident {resident_id}, framework {framework.version}")
            return self._record(session, row)

    def record_answer(self, actor: Actor, assessment_id: int, code: str, answer: Answer | str,
                      evidence: Evidence | str, *, position: int | None = None) -> AssessmentRecord:
        """Keep one answer now (changing it if given before). Refuses an assessment that is not in
        progress, a statement this assessment does not ask, and an unknown answer or evidence."""
        require(actor, Permission.RECORD_SKILLS)
        answer = Answer.parse(answer, field="answer", what="Answer")
        evidence = Evidence.parse(evidence, field="evidence", what="How it is known")
        now = self.clock.now()
        with self.db.unit_of_work() as session:
            row = self._open_for_change(session, assessment_id)
            asked = {s.code for s in self._asked(row)}
            if code not in asked:
                raise ValidationError(f"Statement {code} is not part of this assessment.", field="statement")
            existing = session.scalar(select(SkillsAnswer).where(SkillsAnswer.assessment_id == row.id,
                                                                 SkillsAnswer.statement_code == code))
            before = existing.answer if existing else ""
            if existing is None:
                session.add(SkillsAnswer(assessment_id=row.id, statement_code=code, answer=answer.value,
                                         evidence=evidence.value, answered_at=now))
            else:
                existing.answer, existing.evidence, existing.answered_at = answer.value, evidence.value, now
            if position is not None:
                row.position = max(0, min(int(position), len(asked) + 2))
            self._touch(row, actor, now)
            change = f"{before} -> {answer.value}" if before and before != answer.value else answer.value
            record_audit(session, self.clock, actor, "skills.answered", RECORD, row.id,
                         f"{code}: {change} ({evidence.value})")
            session.flush()
            return self._record(session, row)

    def save_barriers(self, actor: Actor, assessment_id: int, barriers: Mapping[Barrier | str, str]) -> AssessmentRecord:
        """Replace the barriers with these (each with its detail, up to 500 characters). Refuses an
        unknown barrier and an assessment that is not in progress."""
        require(actor, Permission.RECORD_SKILLS)
        cleaned: dict[Barrier, str] = {}
        for key, detail in barriers.items():
            barrier = Barrier.parse(key, field="barriers", what="Barrier")
            cleaned[barrier] = clean_text(detail or "", field=f"barrier_{barrier.value}", label=barrier.label,
                                          max_length=MAX_DETAIL, required=False)
        with self.db.unit_of_work() as session:
            row = self._open_for_change(session, assessment_id)
            existing = {b.barrier: b for b in session.scalars(select(SkillsBarrier)
                                                              .where(SkillsBarrier.assessment_id == row.id))}
            for code, item in existing.items():
                if Barrier(code) not in cleaned:
                    session.delete(item)
            for barrier, detail in cleaned.items():
                if barrier.value in existing:
                    existing[barrier.value].detail = detail
                else:
                    session.add(SkillsBarrier(assessment_id=row.id, barrier=barrier.value, detail=detail))
            self._touch(row, actor, self.clock.now())
            record_audit(session, self.clock, actor, "skills.barriers", RECORD, row.id,
                         ", ".join(sorted(b.value for b in cleaned)) or "none")
            session.flush()
            return self._record(session, row)

    def save_goals(self, actor: Actor, assessment_id: int, goals: Sequence[Goal | str],
                   own_words: str = "") -> AssessmentRecord:
        """Replace the goals chosen from the list and the resident's own words (up to 1,000
        characters). Refuses an unknown goal and an assessment that is not in progress."""
        require(actor, Permission.RECORD_SKILLS)
        chosen = list(dict.fromkeys(Goal.parse(g, field="goals", what="Goal") for g in goals))
        typed = (own_words or "").replace("\r\n", "\n").replace("\r", "\n")
        words = clean_text(typed, field="goals_own_words", label="Goals in their own words",
                           max_length=MAX_OWN_WORDS, required=False)
        with self.db.unit_of_work() as session:
            row = self._open_for_change(session, assessment_id)
            existing = {g.goal: g for g in session.scalars(select(SkillsGoal).where(SkillsGoal.assessment_id == row.id))}
            for code, item in existing.items():
                if Goal(code) not in chosen:
                    session.delete(item)
            for goal in chosen:
                if goal.value not in existing:
                    session.add(SkillsGoal(assessment_id=row.id, goal=goal.value))
            row.goals_own_words = words
            self._touch(row, actor, self.clock.now())
            record_audit(session, self.clock, actor, "skills.goals", RECORD, row.id,
                         (", ".join(g.value for g in chosen) or "none") + (" + own words" if words else ""))
            session.flush()
            return self._record(session, row)

    def pause(self, actor: Actor, assessment_id: int, position: int) -> AssessmentSummary:
        """Remember where the flow was left so it resumes there. Everything answered is already kept."""
        require(actor, Permission.RECORD_SKILLS)
        with self.db.unit_of_work() as session:
            row = self._open_for_change(session, assessment_id)
            row.position = max(0, int(position))
            self._touch(row, actor, self.clock.now())
            record_audit(session, self.clock, actor, "skills.paused", RECORD, row.id, f"at step {row.position + 1}")
            session.flush()
            return self._summary(session, row)

    def complete(self, actor: Actor, assessment_id: int, expected_version: int | None = None) -> AssessmentRecord:
        """Finish the assessment and freeze its result. Refuses while a statement is unanswered
        (naming the first), or when it is not in progress."""
        require(actor, Permission.RECORD_SKILLS)
        now = self.clock.now()
        with self.db.unit_of_work() as session:
            row = self._open_for_change(session, assessment_id)
            check_version("assessment", row, expected_version)
            record = self._record(session, row)
            missing = record.unanswered
            if missing:
                first = missing[0]
                raise ValidationError(
                    f"{len(missing)} statement{'s' if len(missing) != 1 else ''} not answered yet, starting with "
                    f"\"{first.sentence}\". Answer {'them' if len(missing) != 1 else 'it'} (\"not relevant to me\" "
                    "is an answer), or pause and come back to it.", field=f"statement:{first.code}")
            row.state = AssessmentState.COMPLETED.value
            row.completed_at = now
            row.result_json = result_to_json(record.result)
            session.add_all(result_levels(row.id, record.result))
            self._touch(row, actor, now)
            highest = record.result.highest_reached
            record_audit(session, self.clock, actor, "skills.completed", RECORD, row.id,
                         f"highest level: {highest.value if highest else 'none'}")
            session.flush()
            return self._record(session, row)

    def discard(self, actor: Actor, assessment_id: int, reason: str) -> AssessmentSummary:
        """Set aside an assessment started by mistake. Refuses without a reason, and once it is
        completed (a completed assessment is part of the resident's record)."""
        require(actor, Permission.RECORD_SKILLS)
        reason = clean_text(reason or "", field="reason", label="Reason", max_length=500, required=True)
        with self.db.unit_of_work() as session:
            row = self._open_for_change(session, assessment_id)
            row.state = AssessmentState.DISCARDED.value
            row.discard_reason = reason
            self._touch(row, actor, self.clock.now())
            record_audit(session, self.clock, actor, "skills.discarded", RECORD, row.id, reason)
            session.flush()
            return self._summary(session, row)

    # ---- reading ------------------------------------------------------------------------------

    def get(self, actor: Actor, assessment_id: int) -> AssessmentRecord:
        """One assessment with its answers and result. Refuses without record-skills."""
        require(actor, Permission.RECORD_SKILLS)
        with self.db.unit_of_work() as session:
            return self._record(session, self._row(session, assessment_id))

    def in_progress(self, actor: Actor, resident_id: int) -> AssessmentSummary | None:
        require(actor, Permission.RECORD_SKILLS)
        with self.db.unit_of_work() as session:
            row = self._in_progress_row(session, resident_id)
            return self._summary(session, row) if row is not None else None

    def history(self, actor: Actor, resident_id: int) -> tuple[AssessmentSummary, ...]:
        """The resident's assessments, newest first; discarded ones are left out."""
        require(actor, Permission.RECORD_SKILLS)
        with self.db.unit_of_work() as session:
            rows = session.scalars(select(SkillsAssessment)
                                   .where(SkillsAssessment.resident_id == resident_id,
                                          SkillsAssessment.state != AssessmentState.DISCARDED.value)
                                   .order_by(SkillsAssessment.started_at.desc(), SkillsAssessment.id.desc())).all()
            return tuple(self._summary(session, row) for row in rows)

    def completed_records(self, actor: Actor, resident_id: int) -> tuple[AssessmentRecord, ...]:
        """Every completed assessment of the resident, oldest first (for progress and plans)."""
        require(actor, Permission.RECORD_SKILLS)
        with self.db.unit_of_work() as session:
            rows = session.scalars(select(SkillsAssessment)
                                   .where(SkillsAssessment.resident_id == resident_id,
                                          SkillsAssessment.state == AssessmentState.COMPLETED.value)
                                   .order_by(SkillsAssessment.completed_at, SkillsAssessment.id)).all()
            return tuple(self._record(session, row) for row in rows)

    def progress(self, actor: Actor, resident_id: int) -> SkillsProgress:
        """How the resident's answers moved across every completed assessment, oldest first."""
        records = self.completed_records(actor, resident_id)
        points = [AssessmentPoint(r.id, r.summary.completed_at, r.summary.kind, r.summary.framework_version)
                  for r in records]
        answers = [{code: given.answer for code, given in r.answers.items()} for r in records]
        return build_progress(points, answers, [r.framework for r in records])

    def latest_result(self, actor: Actor, resident_id: int) -> AssessmentRecord | None:
        """The most recent completed assessment: what referrals refer for, what a personal plan
        prints, what reports count."""
        records = self.completed_records(actor, resident_id)
        return records[-1] if records else None

    # ---- inside a unit of work ----------------------------------------------------------------

    def _row(self, session: Session, assessment_id: int) -> SkillsAssessment:
        row = session.get(SkillsAssessment, assessment_id)
        if row is None:
            raise NotFound("That assessment no longer exists.")
        return row

    def _open_for_change(self, session: Session, assessment_id: int) -> SkillsAssessment:
        row = self._row(session, assessment_id)
        if row.state != AssessmentState.IN_PROGRESS.value:
            state = AssessmentState(row.state).label.lower()
            raise ValidationError(f"This assessment is {state}; it can no longer be changed. Start a new one to "
                                  "record where the resident is now.", field="assessment")
        open_resident(session, row.resident_id)
        return row

    def _in_progress_row(self, session: Session, resident_id: int) -> SkillsAssessment | None:
        return session.scalar(select(SkillsAssessment)
                              .where(SkillsAssessment.resident_id == resident_id,
                                     SkillsAssessment.state == AssessmentState.IN_PROGRESS.value)
                              .order_by(SkillsAssessment.started_at.desc()).limit(1))

    def _touch(self, row: SkillsAssessment, actor: Actor, now: datetime) -> None:
        row.updated_at, row.updated_by = now, actor.username

    def _asked(self, row: SkillsAssessment) -> tuple[Statement, ...]:
        framework = self.frameworks.version(row.framework_version)
        return framework.statements_for(quick=row.kind == AssessmentKind.QUICK.value)

    def _answers(self, session: Session, row: SkillsAssessment) -> dict[str, GivenAnswer]:
        rows = session.scalars(select(SkillsAnswer).where(SkillsAnswer.assessment_id == row.id)).all()
        return {a.statement_code: GivenAnswer(a.statement_code, Answer(a.answer), Evidence(a.evidence), a.answered_at)
                for a in rows}

    def _summary(self, session: Session, row: SkillsAssessment, answers: Mapping[str, GivenAnswer] | None = None,
                 result: SkillsResult | None = None) -> AssessmentSummary:
        answers = self._answers(session, row) if answers is None else answers
        if result is None and row.result_json:
            result = result_from_json(row.result_json)
        highest = result.highest_reached if result is not None and row.state == AssessmentState.COMPLETED.value else None
        asked = self._asked(row)
        return AssessmentSummary(row.id, row.resident_id, AssessmentKind(row.kind), AssessmentState(row.state),
                                 row.framework_version, row.started_at, row.started_by, row.completed_at,
                                 sum(1 for s in asked if s.code in answers), len(asked), highest)

    def _record(self, session: Session, row: SkillsAssessment) -> AssessmentRecord:
        framework = self.frameworks.version(row.framework_version)
        asked = self._asked(row)
        answers = self._answers(session, row)
        barriers = {Barrier(b.barrier): b.detail for b in
                    session.scalars(select(SkillsBarrier).where(SkillsBarrier.assessment_id == row.id)
                                    .order_by(SkillsBarrier.id))}
        goal_order = {goal: n for n, goal in enumerate(Goal)}
        goals = tuple(sorted((Goal(g) for g in session.scalars(select(SkillsGoal.goal)
                                                                .where(SkillsGoal.assessment_id == row.id))),
                             key=goal_order.__getitem__))
        if row.state == AssessmentState.COMPLETED.value and row.result_json:
            result = result_from_json(row.result_json)
        else:
            result = score(framework, {code: given.answer for code, given in answers.items()}, goals,
                           asked=[s.code for s in asked])
        return AssessmentRecord(self._summary(session, row, answers, result), framework, asked, answers, barriers,
                                goals, row.goals_own_words, row.position, result, row.version)
