"""Demo digital-skills assessments: a spread of results, some residents assessed twice so the
progress view has something to show, and one assessment left in progress to resume. They go
through the assessment service (so every rule and audit applies); only their dates are moved back
afterwards, as a real history would have them."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta

from sqlalchemy import select, update

from .core.security import Actor
from .desk.models import Resident
from .inclusion.models import SkillsAssessment
from .inclusion.skills_vocab import Answer, AssessmentKind, Barrier, Evidence, Goal
from .services import Services

DEMO_ASSESSED = 24
_BARRIER_NOTES = {
    Barrier.NO_HOME_INTERNET: "Uses the library's wifi twice a week",
    Barrier.CONFIDENCE: "Worried about being scammed after a phone call last year",
    Barrier.NO_DEVICE: "Shares a phone with their daughter",
    Barrier.LANGUAGE: "More confident reading in Polish",
    Barrier.ACCESS_SIGHT: "Needs large text",
    Barrier.COST: "Pay-as-you-go data runs out mid-month",
}


def _answers(rng: random.Random, skill: float) -> Iterator[Answer]:
    while True:
        roll = rng.random()
        if roll < 0.05:
            yield Answer.NOT_RELEVANT
        elif roll < skill:
            yield Answer.ON_MY_OWN
        elif roll < skill + (1 - skill) / 2:
            yield Answer.WITH_HELP
        else:
            yield Answer.CANT_YET


def _take(services: Services, coordinator: Actor, resident_id: int, rng: random.Random, skill: float,
          *, finish: bool = True) -> int:
    skills = services.skills
    record = skills.start(coordinator, resident_id, AssessmentKind.QUICK)
    given = _answers(rng, skill)
    stop = len(record.statements) if finish else len(record.statements) // 2
    for n, statement in enumerate(record.statements[:stop]):
        evidence = Evidence.OBSERVED if rng.random() < 0.4 else Evidence.SAID
        skills.record_answer(coordinator, record.id, statement.code, next(given), evidence, position=n + 1)
    if not finish:
        skills.pause(coordinator, record.id, stop)
        return record.id
    chosen = rng.sample(list(_BARRIER_NOTES), k=rng.randint(0, 2))
    skills.save_barriers(coordinator, record.id, {b: _BARRIER_NOTES[b] for b in chosen})
    skills.save_goals(coordinator, record.id, rng.sample(list(Goal), k=rng.randint(1, 3)),
                      rng.choice(["", "Wants to book GP appointments without phoning at 8am",
                                  "Video calls with grandchildren abroad", "Pay council tax online"]))
    skills.complete(coordinator, record.id)
    return record.id


def load_skills_demo(services: Services, coordinator: Actor, seed: int = 7) -> Iterator[str]:
    rng = random.Random(seed)
    with services.db.unit_of_work() as session:
        resident_ids = list(session.scalars(select(Resident.id).where(Resident.merged_into_id.is_(None))
                                            .order_by(Resident.id).limit(DEMO_ASSESSED + 1)))
    taken = 0
    for n, resident_id in enumerate(resident_ids[:DEMO_ASSESSED]):
        first = _take(services, coordinator, resident_id, rng, skill=rng.uniform(0.3, 0.8))
        _move_back(services, first, days=rng.randint(60, 150))
        taken += 1
        if n % 3 == 0:  # assessed again later: progress to show
            second = _take(services, coordinator, resident_id, rng, skill=0.9)
            _move_back(services, second, days=rng.randint(1, 40))
            taken += 1
    if len(resident_ids) > DEMO_ASSESSED:
        _take(services, coordinator, resident_ids[DEMO_ASSESSED], rng, skill=0.6, finish=False)
    yield f"{taken} digital-skills assessments, and one paused halfway"


def _move_back(services: Services, assessment_id: int, days: int) -> None:
    with services.db.unit_of_work() as session:
        row = session.get(SkillsAssessment, assessment_id)
        shift = timedelta(days=days)
        session.execute(update(SkillsAssessment).where(SkillsAssessment.id == assessment_id).values(
            started_at=row.started_at - shift, updated_at=row.updated_at - shift,
            completed_at=row.completed_at - shift if row.completed_at else None))
