"""A completed assessment's result as stored text, so it reads back exactly as it was scored,
whatever framework version is current later."""

from __future__ import annotations

import json

from .framework import Level
from .models import SkillsResultLevel
from .scoring import AreaResult, LevelStatus, NextTask, Reached, SkillsResult
from .skills_vocab import Answer, Goal


def _status_out(status: LevelStatus) -> dict:
    return {"level": status.level.value, "status": status.status.value, "on_my_own": status.on_my_own,
            "not_yet": status.not_yet, "not_relevant": status.not_relevant, "not_asked": status.not_asked,
            "why": status.why}


def _status_in(raw: dict) -> LevelStatus:
    return LevelStatus(Level(raw["level"]), Reached(raw["status"]), raw["on_my_own"], raw["not_yet"],
                       raw["not_relevant"], raw["not_asked"], raw["why"])


def result_to_json(result: SkillsResult) -> str:
    return json.dumps({
        "framework_version": result.framework_version,
        "areas": [{"area": a.area, "title": a.title, "levels": [_status_out(s) for s in a.levels]}
                  for a in result.areas],
        "overall": [_status_out(s) for s in result.overall],
        "next_tasks": [{"code": t.code, "area": t.area, "area_title": t.area_title, "level": t.level.value,
                        "sentence": t.sentence, "answer": t.answer.value, "for_goals": [g.value for g in t.for_goals]}
                       for t in result.next_tasks],
    }, ensure_ascii=False, sort_keys=True)


def result_levels(assessment_id: int, result: SkillsResult) -> list[SkillsResultLevel]:
    """The result as rows reports count in SQL: each area's levels, and the overall ones (area "")."""
    rows = [SkillsResultLevel(assessment_id=assessment_id, area="", level=s.level.value, status=s.status.value,
                              on_my_own=s.on_my_own) for s in result.overall]
    rows.extend(SkillsResultLevel(assessment_id=assessment_id, area=a.area, level=s.level.value,
                                  status=s.status.value, on_my_own=s.on_my_own)
                for a in result.areas for s in a.levels)
    return rows


def result_from_json(text: str) -> SkillsResult:
    raw = json.loads(text)
    return SkillsResult(
        raw["framework_version"],
        tuple(AreaResult(a["area"], a["title"], tuple(_status_in(s) for s in a["levels"])) for a in raw["areas"]),
        tuple(_status_in(s) for s in raw["overall"]),
        tuple(NextTask(t["code"], t["area"], t["area_title"], Level(t["level"]), t["sentence"], Answer(t["answer"]),
                       tuple(Goal(g) for g in t["for_goals"])) for t in raw["next_tasks"]),
    )
