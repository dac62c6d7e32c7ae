"""Disclosure control: no published figure may single a person out.

Counts from 1 to threshold - 1 are hidden (primary suppression); 0 is shown, since a count of
nobody identifies nobody. A table also publishes sums: rows that partition the records add up to
the total row, and `part_of` columns add up to their total column in every row. Those sums are
linear equations in which the hidden counts are the unknowns, so a hidden count could still be
worked out. It can be exactly when its unit vector lies in the row space of the equations
restricted to the hidden cells; that is checked with exact rational elimination (not the "two
hidden cells per line" rule of thumb, which a bridge between two blocks of hidden cells defeats),
and while any hidden count is recoverable one more count on one of its lines is hidden
(secondary suppression).

A derived figure (percentage, days, minutes) is hidden with the counts that would give it away.
A derived figure without a `base` is not worked out from records (a target, say) and is left
alone. Remaining counts are rounded to the chosen base and percentages to whole numbers, each
independently, so totals may not add up: the statement printed on every output says so."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from ..core.errors import ValidationError
from ..core.security import Actor, Permission, require
from ..core.settings import SettingsService
from .formatting import SUPPRESSED
from .model import Cell, Measure, Row, Table

THRESHOLD_SETTING = "report_threshold"
ROUNDING_SETTING = "report_rounding"
DEFAULT_THRESHOLD = 10
DEFAULT_ROUNDING = 5
MIN_THRESHOLD = 2  # below 2 nothing would be hidden: that is off(), chosen per report, not saved
MAX_THRESHOLD = 100
ROUNDINGS = (0, 5, 10)  # 0: counts are shown exactly
DERIVED = (Measure.PERCENT, Measure.DAYS, Measure.MINUTES)

OFF_STATEMENT = "Disclosure control is OFF: these figures are not for publication."


@dataclass(frozen=True)
class DisclosureRules:
    threshold: int = DEFAULT_THRESHOLD  # counts from 1 to threshold - 1 are hidden
    rounding: int = DEFAULT_ROUNDING  # other counts go to the nearest multiple of this; 0: exact

    @classmethod
    def off(cls) -> "DisclosureRules":
        """Nothing hidden, nothing rounded: for an administrator's own checking only."""
        return cls(0, 0)

    @property
    def hides(self) -> bool:
        return self.threshold >= MIN_THRESHOLD


def read_rules(settings: SettingsService) -> DisclosureRules:
    """The rules an administrator saved; the defaults (hide below 10, round to 5) for anything
    missing or unusable, so a damaged setting never publishes more than the defaults would."""
    threshold = _stored_int(settings, THRESHOLD_SETTING)
    rounding = _stored_int(settings, ROUNDING_SETTING)
    if threshold is None or not MIN_THRESHOLD <= threshold <= MAX_THRESHOLD:
        threshold = DEFAULT_THRESHOLD
    if rounding not in ROUNDINGS:
        rounding = DEFAULT_ROUNDING
    return DisclosureRules(threshold, rounding)


def save_rules(settings: SettingsService, actor: Actor, rules: DisclosureRules) -> None:
    """Store the rules every protected report uses, audited. Refuses without manage-settings, a
    threshold outside 2 to 100 (turning control off is a per-report choice, never a saved one)
    and rounding other than none, 5 or 10."""
    require(actor, Permission.MANAGE_SETTINGS)
    threshold, rounding = rules.threshold, rules.rounding
    if not _whole(threshold) or not MIN_THRESHOLD <= threshold <= MAX_THRESHOLD:
        raise ValidationError(
            f"Counts are hidden below a threshold, which must be a whole number from {MIN_THRESHOLD} to "
            f"{MAX_THRESHOLD}; {threshold!r} is not. {DEFAULT_THRESHOLD} is the usual choice.",
            field=THRESHOLD_SETTING)
    if not _whole(rounding) or rounding not in ROUNDINGS:
        raise ValidationError(
            f"Counts can be rounded to the nearest 5 or 10, or not at all (0); {rounding!r} is not "
            "one of those.", field=ROUNDING_SETTING)
    current = read_rules(settings)
    if threshold != current.threshold:
        settings.write(actor, THRESHOLD_SETTING, str(threshold),
                       f"reports hide counts below {current.threshold} -> {threshold}")
    if rounding != current.rounding:
        settings.write(actor, ROUNDING_SETTING, str(rounding),
                       f"reports round counts to {_rounding_words(current.rounding)} -> {_rounding_words(rounding)}")


def statement(rules: DisclosureRules) -> str:
    """The rules in plain words, stated on every output."""
    if not rules.hides and not rules.rounding:
        return OFF_STATEMENT
    sentences = []
    if rules.hides:
        small = "Counts of 1 are" if rules.threshold == 2 else f"Counts from 1 to {rules.threshold - 1} are"
        sentences.append(f"{small} hidden (shown as {SUPPRESSED}) to protect people's identity, and so are other "
                         "figures that would let a hidden count be worked out; a count of 0 is shown.")
    counts = "Other counts" if rules.hides else "Counts"
    if rules.rounding:
        sentences.append(f"{counts} are rounded to the nearest {rules.rounding} and percentages to whole "
                         "numbers, so totals may not equal the sum of their parts.")
    else:
        sentences.append(f"{counts} are exact.")
    if rules.hides:
        sentences.append(f"Percentages and times are not shown when worked out from fewer than "
                         f"{rules.threshold} people or records.")
    return " ".join(sentences)


def protect(table: Table, rules: DisclosureRules) -> None:
    """Hide and round `table`'s cells in place, as `rules` say. TEXT cells and cells without a
    value are never touched."""
    rows = [*table.rows, *([table.total] if table.total is not None else [])]
    if rules.hides:
        counts = _count_cells(table, rows)
        for cell in counts.values():
            if 1 <= cell.value < rules.threshold:
                cell.suppressed = True
        _hide_until_nothing_recoverable(_published_sums(table, rows, counts), counts)
        for row in rows:
            _hide_derived(row, rules.threshold)
            for cell in row.cells.values():
                if cell.suppressed:
                    cell.rag = None  # a colour would say roughly what the hidden figure is
    if rules.rounding:
        for row in rows:
            for cell in row.cells.values():
                if cell.suppressed or not _number(cell.value):
                    continue
                if cell.measure is Measure.COUNT:
                    cell.rounded = _round_count(int(cell.value), rules.rounding)
                elif cell.measure is Measure.PERCENT:
                    cell.rounded = math.floor(float(cell.value) + 0.5)


# --- secondary suppression -------------------------------------------------------------------------

Ref = tuple[int, str]  # (row index, the total row last; column key): row keys need not be unique


@dataclass(frozen=True)
class Sum:
    """One published equation: the parts add up to the total."""

    parts: tuple[Ref, ...]
    total: Ref

    def cells(self) -> tuple[Ref, ...]:
        return (*self.parts, self.total)


def _count_cells(table: Table, rows: list[Row]) -> dict[Ref, Cell]:
    keys = [c.key for c in table.columns if c.measure is Measure.COUNT]
    found = {}
    for index, row in enumerate(rows):
        for key in keys:
            cell = row.cells.get(key)
            if cell is not None and cell.measure is Measure.COUNT and _number(cell.value):
                found[(index, key)] = cell
    return found


def _published_sums(table: Table, rows: list[Row], counts: dict[Ref, Cell]) -> list[Sum]:
    """The equations a reader can write down from the table's layout. A part without a count is
    read as known (it shows no figure to solve for)."""
    sums = []
    keys = [c.key for c in table.columns if c.measure is Measure.COUNT]
    total_index = len(rows) - 1
    if table.rows_partition and table.total is not None:
        for key in keys:
            if (total_index, key) in counts:
                parts = tuple((i, key) for i in range(total_index) if (i, key) in counts)
                sums.append(Sum(parts, (total_index, key)))
    for target in dict.fromkeys(c.part_of for c in table.columns if c.part_of in keys):
        members = [c.key for c in table.columns if c.part_of == target and c.measure is Measure.COUNT]
        for index in range(len(rows)):
            if (index, target) in counts:
                sums.append(Sum(tuple((index, k) for k in members if (index, k) in counts), (index, target)))
    return sums


def _hide_until_nothing_recoverable(sums: list[Sum], counts: dict[Ref, Cell]) -> None:
    while True:
        hidden = {ref for ref, cell in counts.items() if cell.suppressed}
        leaks = recoverable(sums, hidden)
        if not leaks:
            return
        chosen = _next_to_hide(sums, counts, hidden, leaks)
        if chosen is None:  # every non-zero count is hidden already: nothing is left to work from
            return
        counts[chosen].suppressed = True


def _next_to_hide(sums: list[Sum], counts: dict[Ref, Cell], hidden: set[Ref],
                  leaks: dict[Ref, list[int]]) -> Ref | None:
    """One more count to hide. A line whose only hidden cell can be worked out gives it away
    directly: hide a second count there. Else (the hidden cell is given away by a chain of
    lines, as across a bridge) on one of the lines of the first cell given away; failing those
    (all hidden or 0), on a line it was worked out from; failing those, on any line."""
    alone = [s for s in sums if len(on := [r for r in s.cells() if r in hidden]) == 1 and on[0] in leaks]
    first = min(leaks)

    def choices() -> Iterator[list[Sum]]:
        yield alone
        yield [s for s in sums if first in s.cells()]
        yield [sums[n] for n in recoverable(sums, hidden, track=True)[first]]
        yield sums

    return next((chosen for lines in choices() if (chosen := _best_partner(lines, sums, counts, hidden))), None)


def _best_partner(lines: list[Sum], sums: list[Sum], counts: dict[Ref, Cell], hidden: set[Ref]) -> Ref | None:
    """A non-zero count still shown among the parts of `lines` (a line's total only when no part
    is left): the one on most lines that already hide a count, since it closes a loop of hidden
    cells that then protect each other; then the smallest; then the first in the table."""
    def shown(refs: Iterable[Ref]) -> set[Ref]:
        return {r for r in refs if r in counts and not counts[r].suppressed and counts[r].value > 0}

    def rank(ref: Ref) -> tuple:
        touching = sum(1 for s in sums if ref in s.cells() and any(r in hidden for r in s.cells()))
        return -touching, counts[ref].value, ref

    for candidates in (shown(r for line in lines for r in line.parts), shown(line.total for line in lines)):
        if candidates:
            return min(candidates, key=rank)
    return None


Number = int | Fraction  # exact: whole numbers until a pivot other than 1 or -1 needs a fraction


def recoverable(sums: list[Sum], hidden: Iterable[Ref], *, track: bool = False) -> dict[Ref, list[int]]:
    """The hidden cells the published sums determine exactly; empty when every hidden cell could
    take other values. With `track`, each comes with the indexes of the sums that determine it
    (else an empty list). Exact Gauss-Jordan elimination over the hidden cells: a cell is
    determined iff some reduced row has it as its only non-zero entry."""
    names = sorted(hidden)
    unknowns = {ref: n for n, ref in enumerate(names)}
    waiting: list[tuple[dict[int, Number], dict[int, Number]]] = []
    for number, line in enumerate(sums):
        vector: dict[int, Number] = {}
        for ref, sign in [*((p, 1) for p in line.parts), (line.total, -1)]:
            if ref in unknowns:
                column = unknowns[ref]
                vector[column] = vector.get(column, 0) + sign
                if not vector[column]:
                    del vector[column]
        if vector:
            waiting.append((vector, {number: 1} if track else {}))
    reduced: list[tuple[int, dict[int, Number], dict[int, Number]]] = []
    for column in range(len(names)):
        pivot = next((r for r in waiting if column in r[0]), None)
        if pivot is None:
            continue
        waiting = [r for r in waiting if r is not pivot]
        vector, combination = (_divided(part, pivot[0][column]) for part in pivot)
        for other_vector, other_combination in [*((v, c) for _, v, c in reduced), *waiting]:
            factor = other_vector.get(column)
            if factor:
                _subtract(other_vector, vector, factor)
                _subtract(other_combination, combination, factor)
        reduced.append((column, vector, combination))
    return {names[column]: sorted(combination) for column, vector, combination in reduced if len(vector) == 1}


def _divided(vector: dict[int, Number], by: Number) -> dict[int, Number]:
    if by == 1:
        return vector
    if by == -1:
        return {k: -v for k, v in vector.items()}
    return {k: _exact(Fraction(v) / by) for k, v in vector.items()}


def _subtract(target: dict[int, Number], source: dict[int, Number], factor: Number) -> None:
    for key, value in source.items():
        result = target.get(key, 0) - factor * value
        if result:
            target[key] = _exact(result) if isinstance(result, Fraction) else result
        else:
            target.pop(key, None)


def _exact(value: Fraction) -> Number:
    return value.numerator if value.denominator == 1 else value


# --- derived figures and rounding ------------------------------------------------------------------

def _hide_derived(row: Row, threshold: int) -> None:
    hidden_counts = {c.value for c in row.cells.values() if c.measure is Measure.COUNT and c.suppressed}
    for cell in row.cells.values():
        if (cell.measure in DERIVED and not cell.suppressed and _number(cell.value)
                and cell.base is not None and _gives_away(cell, row, threshold, hidden_counts)):
            cell.suppressed = True


def _gives_away(cell: Cell, row: Row, threshold: int, hidden_counts: set) -> bool:
    """Worked out from fewer than `threshold` records, or from a hidden numerator; for a
    percentage also when it says how many are in, or not in, a small group, or with its shown
    numerator gives back a count hidden in the same row."""
    if cell.base < threshold:
        return True
    numerator = row.cells.get(cell.numerator) if cell.numerator else None
    if numerator is not None and numerator.suppressed:
        return True
    if cell.measure is not Measure.PERCENT:
        return False
    # A percentage and its base give the numerator, and so the people not in it; with a shown
    # numerator it gives the base, which may be a count hidden in the same row.
    if numerator is not None and _number(numerator.value):
        part = numerator.value
    else:
        part = round(cell.value * cell.base / 100)
    return 1 <= part < threshold or 1 <= cell.base - part < threshold or cell.base in hidden_counts


def _round_count(value: int, base: int) -> int:
    rounded = (value + base // 2) // base * base  # halves go up
    return base if value > 0 and rounded == 0 else rounded


def _rounding_words(rounding: int) -> str:
    return f"the nearest {rounding}" if rounding else "none (exact)"


def _stored_int(settings: SettingsService, key: str) -> int | None:
    text = settings.read(key)
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _number(value: object) -> bool:
    """A figure, whatever type the database gave it (PostgreSQL sums bigints as Decimal)."""
    return isinstance(value, (int, float, Decimal, Fraction)) and not isinstance(value, bool)


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
