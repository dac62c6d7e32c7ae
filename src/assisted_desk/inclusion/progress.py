"""Progress across a resident's completed assessments: for each task, the answer each time it
was asked, and which way it moved; for each area, how many tasks were done on their own each
time. Tasks are matched by their framework code, so an assessment taken against an older
framework version still lines up where the task is the same."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from .framework import Level, SkillsFramework
from .scoring import Change, change_between
from .skills_vocab import Answer, AssessmentKind


@dataclass(frozen=True)
class AssessmentPoint:
    assessment_id: int
    completed_at: datetime
    kind: AssessmentKind
    framework_version: str


@dataclass(frozen=True)
class TaskProgress:
    code: str
    area: str
    area_title: str
    level: Level
    sentence: str
    answers: tuple[Answer | None, ...]  # one per assessment, None where it was not asked
    change: Change  # from the earliest answer to the latest
    moves: tuple[Change, ...]  # between each assessment and the one before it


@dataclass(frozen=True)
class AreaProgress:
    area: str
    title: str
    on_my_own: tuple[int, ...]  # per assessment
    moved_on: int  # tasks better at the latest than at the first time asked


@dataclass(frozen=True)
class SkillsProgress:
    points: tuple[AssessmentPoint, ...]  # oldest first
    tasks: tuple[TaskProgress, ...]
    areas: tuple[AreaProgress, ...]

    @property
    def moved_on(self) -> tuple[TaskProgress, ...]:
        return tuple(task for task in self.tasks if task.change is Change.BETTER)


def build_progress(points: Sequence[AssessmentPoint], answers: Sequence[dict[str, Answer]],
                   frameworks: Sequence[SkillsFramework]) -> SkillsProgress:
    """`answers[i]` and `frameworks[i]` belong to `points[i]`. A task's words come from the most
    recent framework that has it."""
    seen: dict[str, tuple[SkillsFramework, int]] = {}
    for framework in frameworks:
        for n, statement in enumerate(framework.statements):
            seen[statement.code] = (framework, n)
    latest = frameworks[-1] if frameworks else None
    area_order = {area.code: n for n, area in enumerate(latest.areas)} if latest else {}

    tasks: list[TaskProgress] = []
    for code, (framework, n) in sorted(seen.items(), key=lambda item: (
            area_order.get(item[1][0].statement(item[0]).area, 99), item[1][0].statement(item[0]).level.order,
            item[1][1])):
        statement = framework.statement(code)
        row = tuple(given.get(code) for given in answers)
        if all(a is None for a in row):
            continue
        asked = [a for a in row if a is not None and a is not Answer.NOT_RELEVANT]
        overall = change_between(asked[0], asked[-1]) if len(asked) > 1 else (
            Change.NEW if len(asked) == 1 and row[-1] is not None and len(points) > 1 and
            all(a is None for a in row[:-1]) else Change.UNKNOWN)
        moves = tuple(change_between(row[i - 1], row[i]) for i in range(1, len(row)))
        tasks.append(TaskProgress(code, statement.area, framework.area(statement.area).title, statement.level,
                                  statement.sentence, row, overall, moves))

    areas: list[AreaProgress] = []
    if latest is not None:
        for area in latest.areas:
            mine = [t for t in tasks if t.area == area.code]
            counts = tuple(sum(1 for t in mine if t.answers[i] is Answer.ON_MY_OWN) for i in range(len(points)))
            areas.append(AreaProgress(area.code, area.title, counts, sum(1 for t in mine if t.change is Change.BETTER)))
    return SkillsProgress(tuple(points), tuple(tasks), tuple(areas))
