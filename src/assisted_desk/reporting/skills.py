"""Skills progress: who was assessed, the levels they reached, how each skill area moved between
a resident's first and latest assessment, and which barriers were recorded and then met by a
referral.

Every figure is counted by the database. Each table is one or two grouped queries over a
subquery that gives every record its classification (a resident's group, an area's direction,
a barrier's "addressed"); the drill-down filters that same subquery, so a list always holds the
records its figure counted.

The period is the London days `since`..`until`: assessments *completed* in it (state completed),
at the chosen sites (the site the assessment was taken at). The residents assessed and those
reaching each level are shown in more than one table: their counts name the figure (`fact`:
"all/residents", "level:<level>/reached") so disclosure control hides them everywhere at once."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, distinct, exists, func, literal, or_, select, tuple_
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import Select

from ..core.clock import LONDON
from ..core.errors import NotFound
from ..core.security import Permission
from ..desk.models import Resident, ResidentEquality
from ..inclusion.framework import FrameworkLibrary, Level, shipped_frameworks
from ..inclusion.matching import BARRIER_OFFERS
from ..inclusion.models import SkillsAssessment, SkillsBarrier, SkillsResultLevel
from ..inclusion.referral_models import Referral
from ..inclusion.referral_vocab import ServiceOffer
from ..inclusion.scoring import Reached
from ..inclusion.skills_vocab import AssessmentKind, AssessmentState, Barrier
from .model import NOT_RECORDED, Cell, Chart, ChartKind, Column, DrillList, Measure, ReportKind, Row, Table
from .sql import equality_group, london_midnight

A, L, B, R = SkillsAssessment, SkillsResultLevel, SkillsBarrier, Referral
COMPLETED = AssessmentState.COMPLETED.value
REACHED, NOT_REACHED = Reached.REACHED.value, Reached.NOT_REACHED.value
LEVELS = tuple(sorted(Level, key=lambda level: level.order))
DRILL_LIMIT = 500
DRILL_COLUMNS = ("Resident", "Assessed on", "Kind", "Highest level", "Site")
GROUPS = {"first_time": "First assessment ever", "reassessed": "Assessed before"}
DIRECTIONS = {"up": "Moved up", "same": "Same", "down": "Moved down"}


@dataclass(frozen=True)
class _Scope:
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive
    site_ids: tuple[int, ...]

    @classmethod
    def of(cls, context) -> _Scope:
        request = context.request
        return cls(london_midnight(request.since), london_midnight(request.until + timedelta(days=1)),
                   tuple(request.site_ids))

    def in_period(self) -> list:
        conditions = [A.state == COMPLETED, A.completed_at >= self.start, A.completed_at < self.end]
        if self.site_ids:
            conditions.append(A.site_id.in_(self.site_ids))
        return conditions


RESIDENTS = "all/residents"  # residents assessed: the assessed total, every levels row, the equality total


def _reached(level: str) -> str:
    return f"level:{level}/reached"


def _count(n: int | None, *, drill: bool = True, fact: str = "") -> Cell:
    value = int(n or 0)
    return Cell(value, drill=drill and value > 0, fact=fact)


def _percent(n: int | None, base: int | None, numerator: str) -> Cell:
    base = int(base or 0)
    return Cell(100.0 * int(n or 0) / base if base else None, Measure.PERCENT, base=base, numerator=numerator)


def _sum_if(condition) -> object:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _level_order(column) -> object:
    return case(*[(column == level.value, level.order) for level in LEVELS], else_=-1)


# ---- what every table counts from ----------------------------------------------------------------

def _ranked(scope: _Scope):
    """Assessments completed in the period, each with rn = 1 for its resident's latest one."""
    rn = func.row_number().over(partition_by=A.resident_id, order_by=(A.completed_at.desc(), A.id.desc()))
    return select(A.id, A.resident_id, A.kind, A.framework_version,
                  rn.label("rn")).where(*scope.in_period()).cte("ranked")


def _latest(scope: _Scope, ranked=None, *, history: bool = False):
    """Each resident's latest assessment in the period; with `history`, whether they completed
    one (at any site) before the period began."""
    ranked = _ranked(scope) if ranked is None else ranked
    columns = [ranked.c.id, ranked.c.resident_id, ranked.c.kind, ranked.c.framework_version]
    if history:
        earlier = aliased(A)
        columns.append(exists().where(earlier.resident_id == ranked.c.resident_id, earlier.state == COMPLETED,
                                      earlier.started_at < scope.start,  # narrows on the index
                                      earlier.completed_at < scope.start).label("before"))
    return select(*columns).where(ranked.c.rn == 1).cte("latest")


def _assessed_rows(scope: _Scope):
    """Every assessment in the period: its resident's group (first assessment ever in the period,
    at any site, or not) and whether it is that resident's latest in the period."""
    ranked = _ranked(scope)
    latest = _latest(scope, ranked, history=True)
    group = case((latest.c.before, "reassessed"), else_="first_time")
    return (select(ranked.c.id, ranked.c.kind, (ranked.c.rn == 1).label("is_latest"), group.label("grp"))
            .join(latest, latest.c.resident_id == ranked.c.resident_id).subquery("assessed"))


def _level_rows(latest):
    """Each latest assessment with its overall status at every level."""
    return (select(latest.c.id, L.level, L.status)
            .join(L, and_(L.assessment_id == latest.c.id, L.area == "")).subquery("levels"))


def _movement_rows(scope: _Scope):
    """Per resident compared and skill area: up, same or down from their first assessment ever to
    their latest in the period."""
    latest = _latest(scope)
    earliest = aliased(A)
    # A resident has one assessment in progress at a time (start() refuses another; merged records
    # aside), so the first completed is the first started: the index on (resident, started) finds it.
    first_id = (select(earliest.id).where(earliest.resident_id == latest.c.resident_id,
                                          earliest.state == COMPLETED)
                .order_by(earliest.started_at, earliest.id).limit(1).scalar_subquery())
    with_first = select(latest, first_id.label("first_id")).cte("with_first").prefix_with("MATERIALIZED")
    first = aliased(A)
    pairs = (select(with_first.c.id.label("latest_id"), with_first.c.first_id,
                    and_(with_first.c.kind == first.kind,
                         with_first.c.framework_version == first.framework_version).label("alike"))
             .join(first, first.id == with_first.c.first_id)
             .where(with_first.c.first_id != with_first.c.id).cte("pairs").prefix_with("MATERIALIZED"))
    before, after = L.__table__.alias("before"), L.__table__.alias("after")
    judged = (REACHED, NOT_REACHED)
    # Only the levels both assessments judged in an area are compared: a quick assessment does
    # not ask the work tasks, which is not the same as having lost them.
    common = (select(pairs.c.latest_id, pairs.c.alike, after.c.area,
                     func.max(case((before.c.status == REACHED, _level_order(before.c.level)), else_=-1)).label("was"),
                     func.max(case((after.c.status == REACHED, _level_order(after.c.level)), else_=-1)).label("now"),
                     func.sum(before.c.on_my_own).label("own_was"), func.sum(after.c.on_my_own).label("own_now"))
              .select_from(pairs)
              .join(before, before.c.assessment_id == pairs.c.first_id)
              .join(after, and_(after.c.assessment_id == pairs.c.latest_id, after.c.area == before.c.area,
                                after.c.level == before.c.level))
              .where(before.c.area != "", before.c.status.in_(judged), after.c.status.in_(judged))
              .group_by(pairs.c.latest_id, pairs.c.alike, after.c.area).subquery("common"))
    c = common.c
    better = or_(c.now > c.was, and_(c.now == c.was, c.alike, c.own_now > c.own_was))
    worse = or_(c.now < c.was, and_(c.now == c.was, c.alike, c.own_now < c.own_was))
    return select(c.latest_id.label("id"), c.area,
                  case((better, "up"), (worse, "down"), else_="same").label("direction")).subquery("movement")


def barrier_needs(frameworks: FrameworkLibrary) -> dict[Barrier, tuple[str, ...]]:
    """The referral need codes that meet each barrier: matching's offers for it; for "skills",
    skills training or any skill area. Literacy has none: no partner offer is for it."""
    needs = {barrier: tuple(offer.value for offer in offers) for barrier, offers in BARRIER_OFFERS.items()}
    areas = sorted({area.code for framework in frameworks.versions() for area in framework.areas})
    needs[Barrier.SKILLS] = (ServiceOffer.SKILLS_TRAINING.value, *areas)
    return {barrier: needs.get(barrier, ()) for barrier in Barrier}


def _barrier_rows(scope: _Scope, needs: dict[Barrier, tuple[str, ...]]):
    """Every barrier on an assessment in the period, and whether a referral met it: one sent for
    that resident naming a need that meets it, made from that assessment or after it was
    completed and before the period ended.

    Not a lookup per barrier: the (assessment, barrier) pairs (unique on skills_barrier) are joined
    once to the sent referrals of the same resident that meet that barrier, and each pair is
    addressed when it is among those the join found (one set, built once). A referral made from an
    assessment is that resident's (draft() checks it), so both ways in join on the referral's
    resident. The pairs are materialized: they are read twice, and inlined SQLite reads every
    assessment instead of the period's off the index on completed_at."""
    recorded = (select(A.id, A.resident_id, A.completed_at, B.barrier)
                .join(B, B.assessment_id == A.id).where(*scope.in_period())
                .cte("recorded").prefix_with("MATERIALIZED"))
    r = recorded.c
    by_codes: dict[tuple[str, ...], list[str]] = {}
    for barrier, codes in needs.items():
        if codes:
            by_codes.setdefault(codes, []).append(barrier.value)
    if not by_codes:
        return select(r.id, r.barrier, literal(0).label("addressed")).subquery("barriers")
    meets = or_(*[and_(r.barrier.in_(barriers),
                       or_(*[R.need_areas.contains(f'"{code}"', autoescape=True) for code in codes]))
                  for codes, barriers in by_codes.items()])
    referral = and_(R.resident_id == r.resident_id, R.sent_at.is_not(None),
                    or_(R.assessment_id == r.id, and_(R.created_at >= r.completed_at, R.created_at < scope.end)),
                    meets)
    met = select(r.id, r.barrier).select_from(recorded).join(R, referral)
    addressed = case((tuple_(r.id, r.barrier).in_(met), 1), else_=0)
    return select(r.id, r.barrier, addressed.label("addressed")).subquery("barriers")


# ---- the report ---------------------------------------------------------------------------------

class SkillsReport:
    kind = ReportKind.SKILLS
    title = ReportKind.SKILLS.label
    drill_permission = Permission.RECORD_SKILLS

    def __init__(self, frameworks: FrameworkLibrary | None = None) -> None:
        self.frameworks = frameworks or shipped_frameworks()

    def build(self, session: Session, context) -> Iterator[str | Table]:
        scope = _Scope.of(context)
        yield "Counting residents assessed…"
        assessed = self._assessed(session, scope)
        yield assessed
        residents = assessed.total.cells["residents"].value
        yield "Counting levels reached…"
        yield self._levels(session, scope, residents)
        yield "Comparing first and latest assessments…"
        yield self._movement(session, scope)
        yield "Counting barriers and referrals…"
        yield self._barriers(session, scope)
        if context.request.breakdown is not None:
            yield f"Breaking down by {context.request.breakdown.label.lower()}…"
            yield self._equality(session, scope, context.request.breakdown)

    # ---- tables --------------------------------------------------------------------------------

    def _assessed(self, session: Session, scope: _Scope) -> Table:
        rows = _assessed_rows(scope)
        found = {grp: (residents, assessments, quick, full) for grp, residents, assessments, quick, full in
                 session.execute(select(rows.c.grp, _sum_if(rows.c.is_latest), func.count(rows.c.id),
                                        _sum_if(rows.c.kind == AssessmentKind.QUICK.value),
                                        _sum_if(rows.c.kind == AssessmentKind.FULL.value))
                                 .group_by(rows.c.grp)).all()}
        totals = [sum(int(v[n]) for v in found.values()) for n in range(4)]

        def row(key: str, label: str, values) -> Row:
            residents, assessments, quick, full = (int(v) for v in values)
            return Row(key, label, {"residents": _count(residents, fact=RESIDENTS if key == "total" else ""),
                                    "share": _percent(residents, totals[0], "residents"),
                                    "assessments": _count(assessments), "quick": _count(quick),
                                    "full": _count(full)})

        return Table(
            "assessed", "Residents assessed", "Residents",
            (Column("residents", "Residents assessed"), Column("share", "% of residents", Measure.PERCENT),
             Column("assessments", "Assessments completed"),
             Column("quick", "Quick", part_of="assessments"), Column("full", "Full", part_of="assessments")),
            [row(key, label, found.get(key, (0, 0, 0, 0))) for key, label in GROUPS.items()],
            total=row("total", "All residents assessed", totals), rows_partition=True,
            note="Assessments completed in the period (London days) at the chosen sites. A resident is "
                 "assessed for the first time when their first completed assessment ever, at any site, falls "
                 "in the period; otherwise they were assessed before. Each resident counts once; every "
                 "assessment they completed in the period counts under Assessments.")

    def _levels(self, session: Session, scope: _Scope, residents: int) -> Table:
        rows = _level_rows(_latest(scope))
        found = {level: (int(reached), int(short)) for level, reached, short in session.execute(
            select(rows.c.level, _sum_if(rows.c.status == REACHED), _sum_if(rows.c.status == NOT_REACHED))
            .group_by(rows.c.level)).all()}
        table_rows = []
        for level in LEVELS:
            reached, short = found.get(level.value, (0, 0))
            table_rows.append(Row(level.value, level.label, {
                "assessed": _count(residents, fact=RESIDENTS), "reached": _count(reached, fact=_reached(level.value)),
                "not_reached": _count(short),
                "not_assessed": _count(residents - reached - short),
                "share": _percent(reached, residents, "reached")}))
        return Table(
            "levels", "Levels reached", "Level",
            (Column("assessed", "Residents assessed"), Column("reached", "Reached", part_of="assessed"),
             Column("not_reached", "Not reached yet", part_of="assessed"),
             Column("not_assessed", "Not assessed", part_of="assessed"),
             Column("share", "% reached", Measure.PERCENT, chart=True)),
            table_rows, chart=Chart(ChartKind.BAR, "Share of residents reaching each level", ("share",)),
            note="Each resident's latest assessment completed in the period, overall levels. A level is not "
                 "assessed when its tasks were not asked (a quick assessment asks fewer), were all marked not "
                 "relevant, or the framework version used has no tasks for it yet.")

    def _area_titles(self) -> dict[str, str]:
        titles: dict[str, str] = {}
        for framework in self.frameworks.versions():  # oldest first: the current one's titles win
            titles.update({area.code: area.title for area in framework.areas})
        current = [area.code for area in self.frameworks.current().areas]
        return {code: titles[code] for code in [*current, *sorted(set(titles) - set(current))]}

    def _movement(self, session: Session, scope: _Scope) -> Table:
        rows = _movement_rows(scope)
        found = {area: tuple(int(v) for v in values) for area, *values in session.execute(
            select(rows.c.area, func.count(rows.c.id), *[_sum_if(rows.c.direction == d) for d in DIRECTIONS])
            .group_by(rows.c.area)).all()}
        titles = self._area_titles()
        current = {area.code for area in self.frameworks.current().areas}
        table_rows = []
        for code in [*titles, *sorted(set(found) - set(titles))]:
            if code not in current and code not in found:
                continue  # an area only older versions had, with nobody compared in it
            compared, up, same, down = found.get(code, (0, 0, 0, 0))
            table_rows.append(Row(code, titles.get(code, code), {
                "compared": _count(compared), "up": _count(up), "same": _count(same), "down": _count(down),
                "share": _percent(up, compared, "up")}))
        return Table(
            "movement", "Movement per skill area", "Skill area",
            (Column("compared", "Residents compared"), Column("up", "Moved up", part_of="compared"),
             Column("same", "Same", part_of="compared"), Column("down", "Moved down", part_of="compared"),
             Column("share", "% moved up", Measure.PERCENT)),
            table_rows,
            note="Residents whose latest assessment completed in the period is not their first: their first "
                 "assessment ever against that latest one, area by area, over the levels both judged (reached "
                 "or not reached; a quick assessment does not ask the work tasks). Moved up: a higher level "
                 "reached in the area; at the same level, more tasks done on their own, counted only when both "
                 "assessments are of the same kind and framework version (a full assessment asks more tasks "
                 "than a quick one). Moved down is the reverse; anything else is the same.")

    def _barriers(self, session: Session, scope: _Scope) -> Table:
        needs = barrier_needs(self.frameworks)
        rows = _barrier_rows(scope, needs)
        found = {barrier: (int(recorded), int(addressed)) for barrier, recorded, addressed in session.execute(
            select(rows.c.barrier, func.count(rows.c.id), func.coalesce(func.sum(rows.c.addressed), 0))
            .group_by(rows.c.barrier)).all()}
        order = {barrier: n for n, barrier in enumerate(Barrier)}
        table_rows = []
        for barrier in sorted(Barrier, key=lambda b: (-found.get(b.value, (0, 0))[0], order[b])):
            recorded, addressed = found.get(barrier.value, (0, 0))
            mapped = bool(needs[barrier])
            table_rows.append(Row(barrier.value, barrier.label, {
                "recorded": _count(recorded),
                "addressed": _count(addressed) if mapped else Cell(None),
                "share": _percent(addressed, recorded, "addressed") if mapped else Cell(None, Measure.PERCENT)}))
        unmapped = ", ".join(b.label for b in Barrier if not needs[b])
        return Table(
            "barriers", "Barriers recorded", "Barrier",
            (Column("recorded", "Assessments recording it"), Column("addressed", "Addressed by a referral"),
             Column("share", "% addressed", Measure.PERCENT)),
            table_rows, chart=Chart(ChartKind.BAR, "Barriers recorded", ("recorded", "addressed")),
            note="Barriers on assessments completed in the period, most often first. Addressed: a referral of "
                 "the resident was sent, made from that assessment or after it was completed and before the "
                 "period ended, naming a kind of help that meets the barrier (the same pairs partner matching "
                 "uses; skills: skills training or any skill area)."
                 + (f" No kind of partner help is for {unmapped}, so it is not counted as addressed." if unmapped
                    else ""))

    def _equality(self, session: Session, scope: _Scope, dimension) -> Table:
        latest = _latest(scope)
        group = equality_group(dimension)

        def reached(level: Level):
            return func.count(distinct(case((and_(L.level == level.value, L.status == REACHED), latest.c.id))))

        found = session.execute(
            select(group, func.count(distinct(latest.c.id)), *[reached(level) for level in LEVELS])
            .select_from(latest)
            .outerjoin(ResidentEquality, ResidentEquality.resident_id == latest.c.resident_id)
            .outerjoin(L, and_(L.assessment_id == latest.c.id, L.area == ""))
            .group_by(group)).all()
        groups = sorted(found, key=lambda r: (r[0] == NOT_RECORDED, str(r[0]).casefold()))
        totals = [sum(int(r[n]) for r in found) for n in range(1, 2 + len(LEVELS))]

        def row(key: str, label: str, values) -> Row:
            total = key == "total"  # the same residents as the assessed and levels tables
            cells = {"residents": _count(values[0], drill=False, fact=RESIDENTS if total else "")}
            for level, n in zip(LEVELS, values[1:]):
                cells[level.value] = _count(n, drill=False, fact=_reached(level.value) if total else "")
                cells[f"{level.value}_share"] = _percent(n, values[0], level.value)
            return Row(key, label, cells)

        columns = [Column("residents", "Residents assessed")]
        for level in LEVELS:
            columns += [Column(level.value, f"Reached {level.label.lower()}"),
                        Column(f"{level.value}_share", f"% {level.label.lower()}", Measure.PERCENT)]
        return Table(
            f"equality_{dimension.value}", f"Levels reached by {dimension.label.lower()}", dimension.label,
            tuple(columns), [row(str(r[0]), str(r[0]), [int(v) for v in r[1:]]) for r in groups],
            total=row("total", "All residents assessed", totals), rows_partition=True,
            note=f"Each resident's latest assessment completed in the period, by the {dimension.label.lower()} "
                 f"they gave in equality monitoring (\"{NOT_RECORDED}\" when they gave none). These figures "
                 "do not open a list of residents.")

    # ---- drill-down ------------------------------------------------------------------------------

    def drill(self, session: Session, context, table: str, row: str, column: str) -> DrillList:
        scope = _Scope.of(context)
        ids, title = self._behind(scope, table, row, column)
        return self._listing(session, context, ids, title)

    def _behind(self, scope: _Scope, table: str, row: str, column: str) -> tuple[Select, str]:
        """The ids of the assessments behind one figure, and what the list is."""
        if table == "assessed" and row in (*GROUPS, "total"):
            rows = _assessed_rows(scope)
            who = [] if row == "total" else [rows.c.grp == row]
            what = GROUPS.get(row, "All residents assessed")
            if column == "residents":
                return select(rows.c.id).where(rows.c.is_latest, *who), f"{what}: residents (latest assessment)"
            if column in ("assessments", "quick", "full"):
                kind = [] if column == "assessments" else [rows.c.kind == column]
                return (select(rows.c.id).where(*who, *kind),
                        f"{what}: {'' if column == 'assessments' else column + ' '}assessments completed")
        if table == "levels" and row in {level.value for level in LEVELS}:
            label = Level(row).label
            latest = _latest(scope)
            rows = _level_rows(latest)
            if column == "assessed":
                return select(latest.c.id), "Residents assessed (latest assessment)"
            if column in ("reached", "not_reached"):
                status = REACHED if column == "reached" else NOT_REACHED
                return (select(rows.c.id).where(rows.c.level == row, rows.c.status == status),
                        f"{label}: {'reached' if column == 'reached' else 'not reached yet'}")
            if column == "not_assessed":
                judged = select(rows.c.id).where(rows.c.level == row, rows.c.status.in_((REACHED, NOT_REACHED)))
                return select(latest.c.id).where(latest.c.id.not_in(judged)), f"{label}: not assessed"
        if table == "movement" and column in ("compared", *DIRECTIONS):
            rows = _movement_rows(scope)
            title = self._area_titles().get(row, row)
            which = [] if column == "compared" else [rows.c.direction == column]
            return (select(rows.c.id).where(rows.c.area == row, *which),
                    f"{title}: {'residents compared' if column == 'compared' else DIRECTIONS[column].lower()}")
        if table == "barriers" and row in {b.value for b in Barrier} and column in ("recorded", "addressed"):
            rows = _barrier_rows(scope, barrier_needs(self.frameworks))
            which = [rows.c.addressed == 1] if column == "addressed" else []
            return (select(rows.c.id).where(rows.c.barrier == row, *which),
                    f"{Barrier(row).label}: {'addressed by a referral' if column == 'addressed' else 'recorded'}")
        raise NotFound("There is no list of records behind that figure.")

    def _listing(self, session: Session, context, ids: Select, title: str) -> DrillList:
        highest = (select(func.max(_level_order(L.level)))
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
