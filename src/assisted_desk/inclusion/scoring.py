"""Turning answers into levels, what to learn next, and progress over time. Pure functions over
the framework and the answers: no database, so every rule is tested against worked examples.

The rules are the framework file's (`rules`): only "can do on my own" counts towards a level.
"With help" and "can't do yet" are not there yet. "Not relevant to me" is left out of "at least
one" rules, but cannot stand in for a task a rule needs every one of. A level whose tasks were not
asked (a quick assessment) or were all marked not relevant is "not assessed", never "not reached"."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .framework import Level, Needs, SkillsFramework, Statement
from .skills_vocab import GOAL_AREAS, Answer, Goal


class Reached(str, enum.Enum):
    REACHED = "reached"
    NOT_REACHED = "not_reached"
    NOT_ASSESSED = "not_assessed"

    @property
    def label(self) -> str:
        return {Reached.REACHED: "Reached", Reached.NOT_REACHED: "Not yet",
                Reached.NOT_ASSESSED: "Not assessed"}[self]


@dataclass(frozen=True)
class LevelStatus:
    level: Level
    status: Reached
    on_my_own: int  # tasks done on the resident's own
    not_yet: int  # with help or can't do yet
    not_relevant: int
    not_asked: int
    why: str  # one sentence a coordinator can read out


@dataclass(frozen=True)
class AreaResult:
    area: str
    title: str
    levels: tuple[LevelStatus, ...]  # foundation for the foundation skills; life and work for an area

    def level(self, level: Level) -> LevelStatus | None:
        return next((status for status in self.levels if status.level is level), None)


@dataclass(frozen=True)
class NextTask:
    code: str
    area: str
    area_title: str
    level: Level
    sentence: str
    answer: Answer
    for_goals: tuple[Goal, ...]  # the resident's goals this task serves


@dataclass(frozen=True)
class SkillsResult:
    framework_version: str
    areas: tuple[AreaResult, ...]
    overall: tuple[LevelStatus, ...]  # foundation, life, work
    next_tasks: tuple[NextTask, ...]

    def overall_level(self, level: Level) -> LevelStatus | None:
        return next((status for status in self.overall if status.level is level), None)

    @property
    def highest_reached(self) -> Level | None:
        reached = [s.level for s in self.overall if s.status is Reached.REACHED]
        return max(reached, key=lambda level: level.order) if reached else None


@dataclass(frozen=True)
class _Counts:
    own: int = 0
    not_yet: int = 0
    not_relevant: int = 0
    not_asked: int = 0

    def __add__(self, other: "_Counts") -> "_Counts":
        return _Counts(self.own + other.own, self.not_yet + other.not_yet,
                       self.not_relevant + other.not_relevant, self.not_asked + other.not_asked)


def _count(statements: Iterable[Statement], answers: Mapping[str, Answer]) -> _Counts:
    counts = _Counts()
    for statement in statements:
        answer = answers.get(statement.code)
        counts = counts + _Counts(
            own=answer is Answer.ON_MY_OWN,
            not_yet=answer in (Answer.WITH_HELP, Answer.CANT_YET),
            not_relevant=answer is Answer.NOT_RELEVANT,
            not_asked=answer is None,
        )
    return counts


def _tasks(n: int) -> str:
    return f"{n} task" if n == 1 else f"{n} tasks"


def _needs_all(level: Level, counts: _Counts) -> tuple[Reached, str]:
    if counts.not_yet:
        return Reached.NOT_REACHED, f"{_tasks(counts.not_yet)} not yet done on their own; every one is needed."
    if counts.not_asked:
        return Reached.NOT_ASSESSED, f"{_tasks(counts.not_asked)} not asked; every one is needed."
    if counts.not_relevant:
        if not counts.own:
            return Reached.NOT_ASSESSED, "Every task was marked not relevant."
        return (Reached.NOT_REACHED,
                f"{_tasks(counts.not_relevant)} marked not relevant; this level needs every task done on their own.")
    return Reached.REACHED, f"All {_tasks(counts.own)} done on their own."


def _needs_one(counts: _Counts) -> tuple[Reached, str]:
    if counts.own:
        return Reached.REACHED, f"{_tasks(counts.own)} done on their own."
    if counts.not_yet:
        return Reached.NOT_REACHED, "No task here done on their own yet."
    if counts.not_relevant:
        return Reached.NOT_ASSESSED, "Every task asked here was marked not relevant."
    return Reached.NOT_ASSESSED, "No task here was asked."


def _status(level: Level, reached: Reached, why: str, counts: _Counts) -> LevelStatus:
    return LevelStatus(level, reached, counts.own, counts.not_yet, counts.not_relevant, counts.not_asked, why)


def score(framework: SkillsFramework, answers: Mapping[str, Answer],
          goals: Sequence[Goal] = (), asked: Iterable[str] | None = None) -> SkillsResult:
    """Levels per area and overall, and the tasks to learn next. `asked` is the statements the
    assessment put to the resident (all of the framework when None); a statement never asked
    counts as not assessed, not as failed."""
    asked_codes = set(asked) if asked is not None else {s.code for s in framework.statements}
    in_scope = [s for s in framework.statements if s.code in asked_codes]
    areas: list[AreaResult] = []
    per_area: dict[tuple[str, Level], LevelStatus] = {}
    for area in framework.areas:
        statuses = []
        for rule in framework.rules:
            statements = [s for s in in_scope if s.area == area.code and s.level is rule.level]
            if not any(s.area == area.code and s.level is rule.level for s in framework.statements):
                continue
            counts = _count(statements, answers)
            reached, why = _needs_all(rule.level, counts) if rule.needs is Needs.ALL else _needs_one(counts)
            status = _status(rule.level, reached, why, counts)
            statuses.append(status)
            per_area[(area.code, rule.level)] = status
        areas.append(AreaResult(area.code, area.title, tuple(statuses)))

    overall: list[LevelStatus] = []
    for rule in framework.rules:
        statements = [s for s in in_scope if s.level is rule.level]
        counts = _count(statements, answers)
        if rule.level in framework.missing_levels:
            reached, why = (Reached.NOT_ASSESSED, f"Framework {framework.version} as installed has no "
                            f"{rule.level.value} statements yet, so this level cannot be assessed.")
        elif rule.needs is Needs.ALL:
            reached, why = _needs_all(rule.level, counts)
        else:
            statuses = [per_area[(a.code, rule.level)] for a in framework.areas if (a.code, rule.level) in per_area]
            short = [framework.area(a).title for (a, lvl), s in per_area.items()
                     if lvl is rule.level and s.status is Reached.NOT_REACHED]
            unknown = [framework.area(a).title for (a, lvl), s in per_area.items()
                       if lvl is rule.level and s.status is Reached.NOT_ASSESSED]
            if short:
                reached, why = Reached.NOT_REACHED, "Not yet in: " + ", ".join(short) + "."
            elif unknown:
                reached, why = Reached.NOT_ASSESSED, "Not assessed in: " + ", ".join(unknown) + "."
            else:
                reached, why = Reached.REACHED, f"At least one task on their own in each of the {len(statuses)} areas."
        if reached is Reached.REACHED and rule.requires is not None:
            before = next((s for s in overall if s.level is rule.requires), None)
            if before is not None and before.status is not Reached.REACHED:
                reached, why = Reached.NOT_REACHED, f"{why} {rule.requires.label} comes first and is not reached yet."
        overall.append(_status(rule.level, reached, why, counts))

    return SkillsResult(framework.version, tuple(areas), tuple(overall),
                        next_tasks(framework, answers, goals, in_scope))


def next_tasks(framework: SkillsFramework, answers: Mapping[str, Answer], goals: Sequence[Goal],
               statements: Sequence[Statement] | None = None) -> tuple[NextTask, ...]:
    """Tasks not yet done on their own, in the order to learn them: foundation first (everything
    rests on it), then the areas the resident's goals need most, "with help" before "can't do
    yet" (nearest to independence), life before work, then the framework's own order."""
    statements = framework.statements if statements is None else statements
    weight: dict[str, int] = {}
    serves: dict[str, list[Goal]] = {}
    for goal in goals:
        needed = GOAL_AREAS.get(goal, ())
        for rank, area in enumerate(needed):
            weight[area] = weight.get(area, 0) + len(needed) - rank
            serves.setdefault(area, []).append(goal)
    order = {s.code: n for n, s in enumerate(framework.statements)}
    todo = [s for s in statements if answers.get(s.code) in (Answer.WITH_HELP, Answer.CANT_YET)]
    todo.sort(key=lambda s: (s.level is not Level.FOUNDATION, -weight.get(s.area, 0),
                             -answers[s.code].rank, s.level.order, order[s.code]))
    return tuple(NextTask(s.code, s.area, framework.area(s.area).title, s.level, s.sentence, answers[s.code],
                          tuple(serves.get(s.area, ()))) for s in todo)


class Change(str, enum.Enum):
    BETTER = "better"
    SAME = "same"
    WORSE = "worse"
    NEW = "new"  # asked only in the latest assessment
    UNKNOWN = "unknown"  # not comparable (not relevant, or not asked last time)

    @property
    def label(self) -> str:
        return {Change.BETTER: "Moved on", Change.SAME: "No change", Change.WORSE: "Went back",
                Change.NEW: "First time asked", Change.UNKNOWN: ""}[self]


def change_between(before: Answer | None, after: Answer | None) -> Change:
    if after is None or after is Answer.NOT_RELEVANT:
        return Change.UNKNOWN
    if before is None:
        return Change.NEW
    if before is Answer.NOT_RELEVANT:
        return Change.UNKNOWN
    if after.rank > before.rank:
        return Change.BETTER
    return Change.SAME if after.rank == before.rank else Change.WORSE
