"""Skills progress: who was assessed, the levels they reached, how each skill area moved between
a resident's first and latest assessment, and which barriers were recorded and then met by a
referral.

Every figure is counted by the database, in one statement (skills_sql.figures): the period's
assessments and each resident's latest one are found once, and each table is one grouping of them.
The drill-down (skills_drill.py) filters the same parts, so a list always holds the records its
figure counted.

The period is the London days `since`..`until`: assessments *completed* in it (state completed),
at the chosen sites (the site the assessment was taken at). The residents assessed and those
reaching each level are shown in more than one table: their counts name the figure (`fact`:
"all/residents", "level:<level>/reached") so disclosure control hides them everywhere at once."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy.orm import Session

from ..core.security import Permission
from ..inclusion.framework import FrameworkLibrary, shipped_frameworks
from ..inclusion.skills_vocab import Barrier
from .model import NOT_RECORDED, Cell, Chart, ChartKind, Column, DrillList, Measure, ReportKind, Row, Table
from .skills_drill import behind, listing
from .skills_sql import GROUPS, LEVELS, Scope, barrier_needs, figures

RESIDENTS = "all/residents"  # residents assessed: the assessed total, every levels row, the equality total


def _reached(level: str) -> str:
    return f"level:{level}/reached"


def _count(n: int | None, *, drill: bool = True, fact: str = "") -> Cell:
    value = int(n or 0)
    return Cell(value, drill=drill and value > 0, fact=fact)


def _percent(n: int | None, base: int | None, numerator: str) -> Cell:
    base = int(base or 0)
    return Cell(100.0 * int(n or 0) / base if base else None, Measure.PERCENT, base=base, numerator=numerator)


# ---- the report ---------------------------------------------------------------------------------

class SkillsReport:
    kind = ReportKind.SKILLS
    title = ReportKind.SKILLS.label
    drill_permission = Permission.RECORD_SKILLS

    def __init__(self, frameworks: FrameworkLibrary | None = None) -> None:
        self.frameworks = frameworks or shipped_frameworks()

    def build(self, session: Session, context) -> Iterator[str | Table]:
        scope, breakdown = Scope.of(context), context.request.breakdown
        yield "Counting assessments, levels, movement and barriers…"
        found, reached = self._figures(session, scope, breakdown)
        assessed = self._assessed(found.get("assessed", {}))
        yield assessed
        residents = assessed.total.cells["residents"].value
        yield self._levels(found.get("levels", {}), residents)
        yield self._movement(found.get("movement", {}))
        yield self._barriers(found.get("barriers", {}), found.get("addressed", {}))
        if breakdown is not None:
            groups = {group: [n, *(reached.get(group, {}).get(level.value, 0) for level in LEVELS)]
                      for group, (n, *_zeros) in found.get("equality", {}).items()}
            yield self._equality(groups, breakdown)

    def _figures(self, session: Session, scope: Scope, breakdown):
        """Every table's counts from one statement: {section: {key: counts}}, the levels added up
        over the equality groups they come by with a breakdown; and {group: {level: reached}}."""
        found: dict[str, dict[str, list[int]]] = {}
        reached: dict[str, dict[str, int]] = {}
        for section, key, part, *counts in session.execute(figures(scope, barrier_needs(self.frameworks),
                                                                   breakdown)):
            totals = found.setdefault(section, {}).setdefault(key, [0] * len(counts))
            for n, count in enumerate(counts):
                totals[n] += int(count or 0)
            if section == "levels" and breakdown is not None:
                reached.setdefault(part, {})[key] = int(counts[0] or 0)
        return found, reached

    # ---- tables --------------------------------------------------------------------------------

    def _assessed(self, found: dict[str, list[int]]) -> Table:
        totals = [sum(int(v[n]) for v in found.values()) for n in range(4)]

        def row(key: str, label: str, values) -> Row:
            residents, assessments, quick, full = values[:4]
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

    def _levels(self, found: dict[str, list[int]], residents: int) -> Table:
        table_rows = []
        for level in LEVELS:
            reached, short = found.get(level.value, (0, 0))[:2]
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

    def _movement(self, found: dict[str, list[int]]) -> Table:
        titles = self._area_titles()
        current = {area.code for area in self.frameworks.current().areas}
        table_rows = []
        for code in [*titles, *sorted(set(found) - set(titles))]:
            if code not in current and code not in found:
                continue  # an area only older versions had, with nobody compared in it
            compared, up, same, down = found.get(code, (0, 0, 0, 0))[:4]
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

    def _barriers(self, recorded_by: dict[str, list[int]], addressed_by: dict[str, list[int]]) -> Table:
        needs = barrier_needs(self.frameworks)
        found = {b: (recorded_by.get(b, (0,))[0], addressed_by.get(b, (0,))[0]) for b in {*recorded_by, *addressed_by}}
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

    def _equality(self, found: dict[str, list[int]], dimension) -> Table:
        groups = sorted(found, key=lambda g: (g == NOT_RECORDED, str(g).casefold()))
        totals = [sum(values[n] for values in found.values()) for n in range(1 + len(LEVELS))]

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
            tuple(columns), [row(str(g), str(g), found[g][:1 + len(LEVELS)]) for g in groups],
            total=row("total", "All residents assessed", totals), rows_partition=True,
            note=f"Each resident's latest assessment completed in the period, by the {dimension.label.lower()} "
                 f"they gave in equality monitoring (\"{NOT_RECORDED}\" when they gave none). These figures "
                 "do not open a list of residents.")

    # ---- drill-down ------------------------------------------------------------------------------

    def drill(self, session: Session, context, table: str, row: str, column: str) -> DrillList:
        ids, title = behind(Scope.of(context), barrier_needs(self.frameworks), self._area_titles(), table, row,
                            column)
        return listing(session, context, ids, title)
