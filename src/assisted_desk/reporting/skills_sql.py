"""What the skills report counts from: the period's assessments, each resident's latest one with
their group and first assessment ever, and from those the levels, the movement per skill area and
the barriers met by a referral.

`figures` is one statement for every table: its common parts are CTEs computed once (`period`,
read once off the index on completed_at and ranked per resident; `latest`, one index look-up per
resident for their history), then one grouping per table, UNION ALL. The drill-down filters the
same parts (skills_drill.py), so a list always holds the records its figure counted.

The period is the London days `since`..`until`: assessments *completed* in it (state completed),
at the chosen sites (the site the assessment was taken at)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, distinct, exists, func, literal_column, or_, select, union_all
from sqlalchemy.orm import aliased

from ..desk.models import ResidentEquality
from ..inclusion.framework import FrameworkLibrary, Level
from ..inclusion.matching import BARRIER_OFFERS
from ..inclusion.models import SkillsAssessment, SkillsBarrier, SkillsResultLevel
from ..inclusion.referral_models import Referral
from ..inclusion.referral_vocab import ServiceOffer
from ..inclusion.scoring import Reached
from ..inclusion.skills_vocab import AssessmentKind, AssessmentState, Barrier
from .sql import equality_group, london_midnight

A, L, B, R = SkillsAssessment, SkillsResultLevel, SkillsBarrier, Referral
COMPLETED = AssessmentState.COMPLETED.value
REACHED, NOT_REACHED = Reached.REACHED.value, Reached.NOT_REACHED.value
JUDGED = (REACHED, NOT_REACHED)
LEVELS = tuple(sorted(Level, key=lambda level: level.order))
GROUPS = {"first_time": "First assessment ever", "reassessed": "Assessed before"}
DIRECTIONS = {"up": "Moved up", "same": "Same", "down": "Moved down"}
VALUES = 4  # the counts on each row `figures` returns


@dataclass(frozen=True)
class Scope:
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive
    site_ids: tuple[int, ...]

    @classmethod
    def of(cls, context) -> Scope:
        request = context.request
        return cls(london_midnight(request.since), london_midnight(request.until + timedelta(days=1)),
                   tuple(request.site_ids))

    def in_period(self) -> list:
        conditions = [A.state == COMPLETED, A.completed_at >= self.start, A.completed_at < self.end]
        if self.site_ids:
            conditions.append(A.site_id.in_(self.site_ids))
        return conditions


def sum_if(condition) -> object:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def level_order(column) -> object:
    return case(*[(column == level.value, level.order) for level in LEVELS], else_=-1)


def barrier_needs(frameworks: FrameworkLibrary) -> dict[Barrier, tuple[str, ...]]:
    """The referral need codes that meet each barrier: matching's offers for it; for "skills",
    skills training or any skill area. Literacy has none: no partner offer is for it."""
    needs = {barrier: tuple(offer.value for offer in offers) for barrier, offers in BARRIER_OFFERS.items()}
    areas = sorted({area.code for framework in frameworks.versions() for area in framework.areas})
    needs[Barrier.SKILLS] = (ServiceOffer.SKILLS_TRAINING.value, *areas)
    return {barrier: needs.get(barrier, ()) for barrier in Barrier}


def _listed(code: str) -> str:
    """The LIKE pattern for a need code in a referral's JSON list of them."""
    return '%"' + code.replace("/", "//").replace("%", "/%").replace("_", "/_") + '"%'


# ---- the common parts ---------------------------------------------------------------------------

def period(scope: Scope):
    """Every assessment completed in the period; `newest` is 1 on each resident's latest."""
    newest = func.row_number().over(partition_by=A.resident_id, order_by=(A.completed_at.desc(), A.id.desc()))
    return (select(A.id, A.resident_id, A.kind, A.framework_version, A.completed_at, newest.label("newest"))
            .where(*scope.in_period()).cte("period"))


def latest(scope: Scope, rows, dimension=None):
    """Each resident's latest assessment in the period (`rows` is `period`), with their group
    (reassessed when they completed one, at any site, before the period began) and their first
    completed assessment ever; with `dimension`, their answer for it in equality monitoring
    (`equality`). A resident has one assessment in progress at a time (start() refuses another;
    merged records aside), so the first completed is the first started: the index on (resident,
    started) finds it."""
    p, earlier, first = rows.c, aliased(A), aliased(A)
    before = exists().where(earlier.resident_id == p.resident_id, earlier.state == COMPLETED,
                            earlier.completed_at < scope.start)
    first_id = (select(first.id).where(first.resident_id == p.resident_id, first.state == COMPLETED)
                .order_by(first.started_at, first.id).limit(1).scalar_subquery())
    columns = [p.id, p.resident_id, p.kind, p.framework_version,
               case((before, "reassessed"), else_="first_time").label("grp"), first_id.label("first_id")]
    if dimension is None:
        return select(*columns).where(p.newest == 1).cte("latest")
    return (select(*columns, equality_group(dimension).label("equality")).select_from(rows)
            .outerjoin(ResidentEquality, ResidentEquality.resident_id == p.resident_id)
            .where(p.newest == 1).cte("latest"))


def movement(newest):
    """Per resident compared and skill area (`newest` is `latest`): up, same or down from their
    first assessment ever to their latest in the period, over the levels both judged (a quick
    assessment does not ask the work tasks, which is not the same as having lost them). At the same
    level, more or fewer tasks done on their own count only between assessments of the same kind
    and framework version."""
    x, first = newest.c, aliased(A)
    was, now = L.__table__.alias("was"), L.__table__.alias("now")
    alike = and_(first.kind == x.kind, first.framework_version == x.framework_version)
    common = (select(x.id, now.c.area,
                     func.max(case((was.c.status == REACHED, level_order(was.c.level)), else_=-1)).label("was"),
                     func.max(case((now.c.status == REACHED, level_order(now.c.level)), else_=-1)).label("now"),
                     case((alike, func.sum(now.c.on_my_own) - func.sum(was.c.on_my_own)), else_=0).label("own"))
              .select_from(newest)
              .join(first, first.id == x.first_id)
              .join(was, was.c.assessment_id == x.first_id)
              .join(now, and_(now.c.assessment_id == x.id, now.c.area == was.c.area, now.c.level == was.c.level))
              .where(x.first_id != x.id, was.c.area != "", was.c.status.in_(JUDGED), now.c.status.in_(JUDGED))
              .group_by(x.id, now.c.area, first.kind, first.framework_version, x.kind, x.framework_version)
              .subquery("common"))
    c = common.c
    direction = case((or_(c.now > c.was, and_(c.now == c.was, c.own > 0)), "up"),
                     (or_(c.now < c.was, and_(c.now == c.was, c.own < 0)), "down"), else_="same")
    return select(c.id, c.area, direction.label("direction")).subquery("movement")


def addressed(scope: Scope, rows, needs: dict[Barrier, tuple[str, ...]]):
    """(assessment id, barrier) for each barrier on an assessment of the period (`rows`) that a
    referral met: one sent for that resident naming a need that meets it, made from that
    assessment or after it was completed and before the period ended; a pair twice when two did.
    None when no barrier can be met. Joined from the period's assessments to their residents'
    referrals and then to the barriers those meet: one look-up per assessment, not per barrier (an
    EXISTS per barrier row also costs PostgreSQL's planner enough to JIT-compile the statement,
    which takes longer than the statement). A referral made from an assessment is that
    resident's (draft() checks it), so both ways in join on the referral's resident."""
    by_codes: dict[tuple[str, ...], list[str]] = {}
    for barrier, codes in needs.items():
        if codes:
            by_codes.setdefault(codes, []).append(barrier.value)
    if not by_codes:
        return None
    p = rows.c
    meets = or_(*[and_(B.barrier.in_(barriers), or_(*[R.need_areas.like(_listed(code), escape="/") for code in codes]))
                  for codes, barriers in by_codes.items()])
    return (select(B.assessment_id.label("id"), B.barrier)
            .select_from(rows)
            .join(R, and_(R.resident_id == p.resident_id, R.sent_at.is_not(None),
                          or_(R.assessment_id == p.id, and_(R.created_at >= p.completed_at, R.created_at < scope.end))))
            .join(B, and_(B.assessment_id == p.id, meets)))


# ---- every figure, in one statement -------------------------------------------------------------

def _row(section: str, key, *counts, part=None) -> list:
    zeros = [literal_column("0")] * (VALUES - len(counts))
    return [literal_column(f"'{section}'").label("section"), key.label("key"),
            (literal_column("''") if part is None else part).label("part"), *counts, *zeros]


def figures(scope: Scope, needs: dict[Barrier, tuple[str, ...]], dimension=None):
    """Rows (section, key, part, counts...): "assessed" per group (residents, assessments, quick,
    full); "levels" per level (reached, not reached); "movement" per area (compared, up, same,
    down); "barriers" per barrier (recorded) and "addressed" (addressed). With `dimension`, the
    levels per level and equality group (`part`), and "equality" per group (residents): the levels
    are read once for both tables."""
    rows = period(scope)
    newest = latest(scope, rows, dimension)
    p, x = rows.c, newest.c
    by = [] if dimension is None else [x.equality]
    parts = [
        select(*_row("assessed", x.grp, sum_if(p.newest == 1), func.count(),
                     sum_if(p.kind == AssessmentKind.QUICK.value), sum_if(p.kind == AssessmentKind.FULL.value)))
        .select_from(rows).join(newest, x.resident_id == p.resident_id).group_by(x.grp),
        select(*_row("levels", L.level, sum_if(L.status == REACHED), sum_if(L.status == NOT_REACHED),
                     part=by[0] if by else None))
        .select_from(newest).join(L, and_(L.assessment_id == x.id, L.area == "")).group_by(L.level, *by),
    ]
    moved = movement(newest)
    parts.append(select(*_row("movement", moved.c.area, func.count(),
                              *[sum_if(moved.c.direction == d) for d in DIRECTIONS])).group_by(moved.c.area))
    parts.append(select(*_row("barriers", B.barrier, func.count()))
                 .select_from(rows).join(B, B.assessment_id == p.id).group_by(B.barrier))
    met = addressed(scope, rows, needs)
    if met is not None:
        met = met.subquery("met")
        parts.append(select(*_row("addressed", met.c.barrier, func.count(distinct(met.c.id))))
                     .group_by(met.c.barrier))
    if dimension is not None:
        parts.append(select(*_row("equality", x.equality, func.count())).group_by(x.equality))
    return union_all(*parts)
