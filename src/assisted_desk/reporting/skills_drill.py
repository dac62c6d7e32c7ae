"""The skills report's drill-down: the assessments behind one figure, listed. Each list filters the
parts the figures were counted from (skills_sql.py), so it holds the records its figure counted."""

from __future__ import annotations

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from ..core.clock import LONDON
from ..core.errors import NotFound
from ..desk.models import Resident
from ..inclusion.framework import Level
from ..inclusion.skills_vocab import AssessmentKind, Barrier
from .model import DrillList
from .skills_sql import (DIRECTIONS, GROUPS, JUDGED, LEVELS, NOT_REACHED, REACHED, A, B, L, Scope, addressed,
                         latest, level_order, movement, period)

DRILL_LIMIT = 500
DRILL_COLUMNS = ("Resident", "Assessed on", "Kind", "Highest level", "Site")


def behind(scope: Scope, needs, area_titles: dict[str, str], table: str, row: str,
           column: str) -> tuple[Select, str]:
    """The ids of the assessments behind one figure, and what the list is."""
    rows = period(scope)
    newest = latest(scope, rows)
    p, x = rows.c, newest.c
    if table == "assessed" and row in (*GROUPS, "total"):
        who = [] if row == "total" else [x.grp == row]
        what = GROUPS.get(row, "All residents assessed")
        if column == "residents":
            return select(x.id).where(*who), f"{what}: residents (latest assessment)"
        if column in ("assessments", "quick", "full"):
            kind = [] if column == "assessments" else [p.kind == column]
            return (select(p.id).select_from(rows).join(newest, x.resident_id == p.resident_id).where(*who, *kind),
                    f"{what}: {'' if column == 'assessments' else column + ' '}assessments completed")
    if table == "levels" and row in {level.value for level in LEVELS}:
        label = Level(row).label
        if column == "assessed":
            return select(x.id), "Residents assessed (latest assessment)"
        if column in ("reached", "not_reached"):
            status = REACHED if column == "reached" else NOT_REACHED
            return (select(x.id).where(exists().where(L.assessment_id == x.id, L.area == "", L.level == row,
                                                      L.status == status)),
                    f"{label}: {'reached' if column == 'reached' else 'not reached yet'}")
        if column == "not_assessed":
            judged = exists().where(L.assessment_id == x.id, L.area == "", L.level == row, L.status.in_(JUDGED))
            return select(x.id).where(~judged), f"{label}: not assessed"
    if table == "movement" and column in ("compared", *DIRECTIONS):
        moved = movement(newest)
        title = area_titles.get(row, row)
        which = [] if column == "compared" else [moved.c.direction == column]
        return (select(moved.c.id).where(moved.c.area == row, *which),
                f"{title}: {'residents compared' if column == 'compared' else DIRECTIONS[column].lower()}")
    if table == "barriers" and row in {b.value for b in Barrier} and column in ("recorded", "addressed"):
        title = f"{Barrier(row).label}: {'addressed by a referral' if column == 'addressed' else 'recorded'}"
        if column == "recorded":
            return select(p.id).select_from(rows).join(B, B.assessment_id == p.id).where(B.barrier == row), title
        met = addressed(scope, rows, needs)
        if met is None:
            return select(p.id).where(p.id.is_(None)), title
        met = met.subquery("met")
        return select(met.c.id).where(met.c.barrier == row), title
    raise NotFound("There is no list of records behind that figure.")


def listing(session: Session, context, ids: Select, title: str) -> DrillList:
    highest = (select(func.max(level_order(L.level)))
               .where(L.assessment_id == A.id, L.area == "", L.status == REACHED).scalar_subquery())
    found = session.execute(
        select(A.id, A.completed_at, A.kind, A.site_id, highest, Resident.given_name, Resident.family_name,
               Resident.preferred_name)
        .join(Resident, Resident.id == A.resident_id).where(A.id.in_(ids))
        .order_by(A.completed_at.desc(), A.id.desc()).limit(DRILL_LIMIT + 1)).all()
    if not found:
        raise NotFound("Nobody is behind that figure: it is 0.")
    by_order = {level.order: level.label for level in LEVELS}
    rows = []
    for _id, completed, kind, site_id, top, given, family, preferred in found[:DRILL_LIMIT]:
        name = " ".join(part for part in (given, family) if part)
        if preferred and preferred not in (given, name):
            name = f"{name} ({preferred})"
        day = completed.astimezone(LONDON)
        rows.append((name, f"{day.day} {day:%B %Y}", AssessmentKind(kind).label.split(" (")[0],
                     by_order.get(top, "None reached") if top is not None else "None reached",
                     context.site_names.get(site_id, "No site recorded")))
    return DrillList(title, DRILL_COLUMNS, tuple(rows), references=tuple("" for _ in rows),
                     truncated=len(found) > DRILL_LIMIT)
