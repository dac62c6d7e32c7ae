"""Disclosure control: no published figure may single a person out.

Counts from 1 to threshold - 1 are hidden (primary suppression); 0 is shown, since a count of
nobody identifies nobody. A report publishes sums: in a table, rows that partition the records
add up to the total row and `part_of` columns to their total column; across tables, a figure
shown twice (cells with the same `fact`) and the builders' `Relation`s (a partner's referrals
are the sum of its services'). The whole report is one system of linear equations over its
figures, the hidden ones unknown; a hidden figure can be worked out exactly unless the hidden
figures can change together keeping every sum true. That is checked exactly (rational
elimination, not the "two hidden cells per line" rule of thumb, which a bridge between two
blocks of hidden cells defeats), and while any hidden figure can be worked out one more count
on one of its lines is hidden (secondary suppression), wherever that figure appears.

A derived figure (percentage, days, minutes) is hidden with the counts that would give it away.
A derived figure without a `base` is not worked out from records (a target, say) and is left
alone. Remaining counts are rounded to the chosen base, each independently, so totals may not
add up (the statement printed on every output says so); a percentage is worked out again from
its rounded counts, to a whole number."""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from ..core.errors import ValidationError
from ..core.security import Actor, Permission, require
from ..core.settings import SettingsService
from .formatting import SUPPRESSED
from .model import Cell, Measure, Relation, Row, Table

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
    """Hide and round one table's cells in place, as `rules` say: `protect_report` of it alone."""
    protect_report([table], (), rules)


def protect_report(tables: Sequence[Table], relations: Iterable[Relation], rules: DisclosureRules) -> None:
    """Hide and round the cells of a whole report in place, as `rules` say, so that no table and
    no sum across tables gives a hidden count back. Counts with the same `fact` are one figure,
    hidden (and rounded) wherever it appears; `relations` are sums between facts of different
    tables (one naming a fact no table shows is not published and is ignored). TEXT cells and
    cells without a value are never touched."""
    every = [_rows(table) for table in tables]
    if rules.hides:
        nodes, sums = _system(tables, every, relations)
        for cells in nodes.values():
            if any(1 <= cell.value < rules.threshold for cell in cells):
                _hide(cells)
        _hide_until_nothing_recoverable(sums, nodes)
        hidden_anywhere = {cell.value for cells in nodes.values() if cells[0].suppressed for cell in cells}
        for rows in every:
            for row in rows:
                _hide_derived(row, rules.threshold, hidden_anywhere)
                for cell in row.cells.values():
                    if cell.suppressed:
                        cell.rag = None  # a colour would say roughly what the hidden figure is
    if rules.rounding:
        for rows in every:
            for row in rows:
                _round_row(row, rules.rounding)


def _rows(table: Table) -> list[Row]:
    return [*table.rows, *([table.total] if table.total is not None else [])]


def _hide(cells: list[Cell]) -> None:
    for cell in cells:
        cell.suppressed = True


# --- one system of equations for the whole report -----------------------------------------------------

# A figure: ("fact", name) for counts that carry a fact, else ("cell", table, row, column key) with
# rows by index, the total row last (row keys need not be unique).
Node = tuple


@dataclass(frozen=True)
class Sum:
    """One published equation: the parts add up to the total."""

    parts: tuple[Node, ...]
    total: Node

    def cells(self) -> tuple[Node, ...]:
        return (*self.parts, self.total)


def _system(tables: Sequence[Table], every: list[list[Row]],
            relations: Iterable[Relation]) -> tuple[dict[Node, list[Cell]], list[Sum]]:
    """Every COUNT cell (chosen by the cell's own measure, whatever its column says) as a figure,
    and every sum a reader can write down between the figures."""
    nodes: dict[Node, list[Cell]] = {}
    where: dict[tuple[int, int, str], Node] = {}
    for t, rows in enumerate(every):
        for r, row in enumerate(rows):
            for key, cell in row.cells.items():
                if cell.measure is Measure.COUNT and _number(cell.value):
                    node = ("fact", cell.fact) if cell.fact else ("cell", t, r, key)
                    nodes.setdefault(node, []).append(cell)
                    where[(t, r, key)] = node
    sums = []
    for t, (table, rows) in enumerate(zip(tables, every)):
        sums += _published_sums(table, len(rows), lambda r, key, t=t: where.get((t, r, key)))
    for relation in relations:
        named = [("fact", name) for name in (*relation.parts, relation.total)]
        if all(node in nodes for node in named):
            sums.append(Sum(tuple(named[:-1]), named[-1]))
    return nodes, sums


def _published_sums(table: Table, size: int, at: Callable[[int, str], Node | None]) -> list[Sum]:
    """The equations a reader can write down from one table's layout. A part without a count is
    read as known (it shows no figure to solve for)."""
    sums = []
    last = size - 1
    if table.rows_partition and table.total is not None:
        for column in table.columns:
            if (total := at(last, column.key)) is not None:
                sums.append(Sum(tuple(n for r in range(last) if (n := at(r, column.key)) is not None), total))
    for target in dict.fromkeys(c.part_of for c in table.columns if c.part_of):
        members = [c.key for c in table.columns if c.part_of == target]
        for r in range(size):
            if (total := at(r, target)) is not None:
                sums.append(Sum(tuple(n for key in members if (n := at(r, key)) is not None), total))
    return sums


# --- secondary suppression -------------------------------------------------------------------------

class _Hidden:
    """The hidden figures and those the sums give away, kept up to date as figures are hidden one
    by one. A figure is safe when some change to the hidden figures that keeps every sum true
    changes it (it is in the support of the null space of the sums restricted to the hidden
    figures). Hiding more never undoes such a change, so safe figures stay safe: each new figure's
    column is reduced against an echelon basis of the earlier ones; reduced to nothing, the
    combination found is a new change and all its figures are safe, else the new one is given away."""

    def __init__(self, sums: list[Sum], nodes: dict[Node, list[Cell]]) -> None:
        self.sums, self.nodes = sums, nodes
        self.values = {node: cells[0].value for node, cells in nodes.items()}
        self.lines: dict[Node, list[int]] = {}  # the sums each figure is on
        self.column: dict[Node, dict[int, Number]] = {}  # its coefficient in each of them
        # Short sums first as pivots: long ones (a column of 150 rows) would fill the basis in.
        place = {n: i for i, n in enumerate(sorted(range(len(sums)), key=lambda n: len(sums[n].parts)))}
        for number, line in enumerate(sums):
            for node, sign in [*((p, 1) for p in line.parts), (line.total, -1)]:
                lines, coefficients = self.lines.setdefault(node, []), self.column.setdefault(node, {})
                if not lines or lines[-1] != number:
                    lines.append(number)
                coefficients[place[number]] = coefficients.get(place[number], 0) + sign
        self.on_line = [0] * len(sums)  # how many hidden figures each sum has
        self.hidden: set[Node] = set()
        self.leaks: set[Node] = set()  # hidden figures the sums give away
        self.queue: list[Node] = []  # the same, first in the report first (and some no longer given away)
        self.basis: dict[int, tuple[dict[int, Number], dict[Node, Number]]] = {}  # pivot -> (column, of hidden)
        for node, cells in nodes.items():
            if cells[0].suppressed:
                self.add(node)

    def add(self, node: Node) -> None:
        _hide(self.nodes[node])
        self.hidden.add(node)
        for number in self.lines.get(node, ()):
            self.on_line[number] += 1
        vector = {n: c for n, c in self.column.get(node, {}).items() if c}
        combination: dict[Node, Number] = {node: 1}
        while vector:
            pivot = min(vector)
            if pivot not in self.basis:
                self.basis[pivot] = (_divided(vector, vector[pivot]), _divided(combination, vector[pivot]))
                self.leaks.add(node)
                heapq.heappush(self.queue, node)
                return
            factor = vector[pivot]
            _subtract(vector, self.basis[pivot][0], factor)
            _subtract(combination, self.basis[pivot][1], factor)
        self.leaks.difference_update(combination)

    def first(self, choose: Callable[[Node], Node | None]) -> Node | None:
        """`choose` of the figures given away, first in the report first, until one answers."""
        taken, answer = [], None
        while self.queue and answer is None:
            node = heapq.heappop(self.queue)
            if node in self.leaks:  # else no longer given away: dropped
                taken.append(node)
                answer = choose(node)
        for node in taken:
            heapq.heappush(self.queue, node)
        return answer

    def rings(self, node: Node) -> Iterator[list[int]]:
        """The sums joining `node` to other hidden figures, those it could be worked out from:
        its own, then those of the hidden figures on them, and so on outwards."""
        seen_nodes, seen_lines = {node}, set(self.lines.get(node, ()))
        ring = sorted(seen_lines)
        while ring:
            yield ring
            outer = set()
            for number in ring:
                for other in self.sums[number].cells():
                    if other in self.hidden and other not in seen_nodes:
                        seen_nodes.add(other)
                        outer.update(n for n in self.lines.get(other, ()) if n not in seen_lines)
            seen_lines |= outer
            ring = sorted(outer)


def _hide_until_nothing_recoverable(sums: list[Sum], nodes: dict[Node, list[Cell]]) -> None:
    hidden = _Hidden(sums, nodes)
    while hidden.leaks:
        chosen = _next_to_hide(hidden)
        if chosen is None:  # every non-zero count is hidden already: nothing is left to work from
            return
        hidden.add(chosen)


def _next_to_hide(hidden: _Hidden) -> Node | None:
    """One more count to hide. A line whose only hidden cell can be worked out gives it away
    directly: hide a second count there (for the first such cell in the report). Else (the
    hidden cell is given away by a chain of lines, as across a bridge) on one of the lines of the
    first cell given away; failing those (all hidden or 0), on the nearest lines joining it to
    other hidden figures; failing those, on any line."""
    sums = hidden.sums

    def alone(leak: Node) -> Node | None:
        return _best_partner([sums[n] for n in hidden.lines.get(leak, ()) if hidden.on_line[n] == 1], hidden)

    if chosen := hidden.first(alone):
        return chosen
    first = hidden.first(lambda leak: leak)

    def fallbacks() -> Iterator[list[Sum]]:
        for ring in hidden.rings(first):
            yield [sums[n] for n in ring]
        yield sums

    return next((chosen for lines in fallbacks() if (chosen := _best_partner(lines, hidden))), None)


def _best_partner(lines: list[Sum], hidden: _Hidden) -> Node | None:
    """A non-zero count still shown among the parts of `lines` (a line's total only when no part
    is left): the one on most lines that already hide a count, since it closes a loop of hidden
    cells that then protect each other; then the smallest; then the first in the report."""
    def shown(nodes: Iterable[Node]) -> set[Node]:
        return {n for n in nodes if n not in hidden.hidden and hidden.values[n] > 0}

    def rank(node: Node) -> tuple:
        touching = sum(1 for n in hidden.lines.get(node, ()) if hidden.on_line[n])
        return -touching, hidden.values[node], node

    for candidates in (shown(n for line in lines for n in line.parts), shown(line.total for line in lines)):
        if candidates:
            return min(candidates, key=rank)
    return None


Number = int | Fraction  # exact: whole numbers until a pivot other than 1 or -1 needs a fraction


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
            target[key] = _exact(result) if type(result) is Fraction else result
        else:
            target.pop(key, None)


def _exact(value: Fraction) -> Number:
    return value.numerator if value.denominator == 1 else value


WITHHELD_WORDS = "Withheld to protect people"

# --- derived figures and rounding ------------------------------------------------------------------

def _hide_derived(row: Row, threshold: int, hidden_anywhere: set) -> None:
    hidden_here = {c.value for c in row.cells.values() if c.measure is Measure.COUNT and c.suppressed}
    for cell in row.cells.values():
        if (cell.measure in DERIVED and not cell.suppressed and _number(cell.value)
                and cell.base is not None and _gives_away(cell, row, threshold, hidden_here, hidden_anywhere)):
            cell.suppressed = True
    for cell in row.cells.values():  # words about a figure (against target, trend) go with it
        about = row.cells.get(cell.numerator) if cell.measure is Measure.TEXT and cell.numerator else None
        if about is not None and about.suppressed:
            cell.value, cell.rag = WITHHELD_WORDS, None


def _gives_away(cell: Cell, row: Row, threshold: int, hidden_here: set, hidden_anywhere: set) -> bool:
    """Worked out from fewer than `threshold` records, or from a hidden numerator or complement;
    for a percentage also when it says how many are in, or not in, a small group, or with its
    shown numerator (or complement) gives back its base, a count hidden somewhere."""
    if cell.base < threshold:
        return True
    numerator, complement = _count_in(row, cell.numerator), _count_in(row, cell.complement)
    if any(count is not None and count.suppressed for count in (numerator, complement)):
        return True
    if cell.measure is not Measure.PERCENT:
        return False
    # A percentage and its base give the numerator, and so the people not in it; with a shown
    # numerator or complement it gives the base, which may be a count hidden elsewhere.
    part = numerator.value if numerator is not None else round(cell.value * cell.base / 100)
    hidden_counts = hidden_anywhere if numerator is not None or complement is not None else hidden_here
    return 1 <= part < threshold or 1 <= cell.base - part < threshold or cell.base in hidden_counts


def _count_in(row: Row, key: str) -> Cell | None:
    """The COUNT cell `key` of `row` holding a figure, if there is one."""
    cell = row.cells.get(key) if key else None
    return cell if cell is not None and cell.measure is Measure.COUNT and _number(cell.value) else None


def _round_row(row: Row, rounding: int) -> None:
    for cell in row.cells.values():
        if cell.suppressed or not _number(cell.value):
            continue
        if cell.measure is Measure.COUNT:
            cell.rounded = _round_count(int(cell.value), rounding)
        elif cell.measure is Measure.PERCENT:
            cell.rounded = _round_percent(cell, row, rounding)


def _round_percent(cell: Cell, row: Row, rounding: int) -> int:
    """A whole number. One worked out from records is worked out again from its rounded numerator
    and rounded base (as the ONS does), so it cannot undo the rounding of its counts."""
    if not cell.base or cell.base <= 0:  # not worked out from records: a target, say
        return math.floor(float(cell.value) + 0.5)
    numerator = _count_in(row, cell.numerator)
    part = int(numerator.value) if numerator is not None else round(float(cell.value) * int(cell.base) / 100)
    share = Fraction(100 * _round_count(part, rounding), _round_count(int(cell.base), rounding))
    return math.floor(share + Fraction(1, 2))


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
