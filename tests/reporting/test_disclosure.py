"""Disclosure control: which figures are hidden and how counts round, and proof, by an independent
search, that no hidden count can be worked out from the figures and totals a table still shows."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from assisted_desk.core.audit import AuditFilter
from assisted_desk.core.errors import PermissionDenied, ValidationError
from assisted_desk.core.security import Role
from assisted_desk.reporting.disclosure import DisclosureRules, protect, read_rules, save_rules, statement
from assisted_desk.reporting.formatting import SUPPRESSED, shown
from assisted_desk.reporting.model import Cell, Column, Measure, Row, Table

from ..conftest import make_actor

EXACT = DisclosureRules(10, 0)  # exact totals are published: the hardest case to protect


def grid(values: list[list[int]], *, row_totals: bool = True, column_totals: bool = True) -> Table:
    """Rows r0, r1... of counts in columns a, b...; with row totals, a column "all" they are part
    of; with column totals, a total row (the rows partition the records)."""
    keys = "abcde"[:len(values[0])]
    columns = [Column(k, k.upper(), part_of="all" if row_totals else "") for k in keys]
    columns += [Column("all", "All")] if row_totals else []

    def cells(counts: list[int]) -> dict[str, Cell]:
        return {k: Cell(v) for k, v in zip(keys, counts)} | ({"all": Cell(sum(counts))} if row_totals else {})

    rows = [Row(f"r{n}", f"Row {n}", cells(counts)) for n, counts in enumerate(values)]
    total = Row("total", "Total", cells([sum(column) for column in zip(*values)])) if column_totals else None
    return Table("t", "Test", "Row", tuple(columns), rows, total, rows_partition=column_totals)


def every_row(table: Table) -> list[Row]:
    return [*table.rows, *([table.total] if table.total else [])]


def hidden(table: Table) -> set[str]:
    return {f"{row.key}.{key}" for row in every_row(table) for key, cell in row.cells.items() if cell.suppressed}


# --- the independent check: written from the table's layout, sharing no code with disclosure.py ----

def published_sums(table: Table) -> list[tuple[list[tuple[str, str]], tuple[str, str]]]:
    """Every sum a reader can see: (the cells that add up, the cell they add up to)."""
    sums = []
    counted = [c.key for c in table.columns if c.measure is Measure.COUNT]
    if table.rows_partition and table.total:
        sums += [([(r.key, k) for r in table.rows if k in r.cells], (table.total.key, k))
                 for k in counted if k in table.total.cells]
    for target in {c.part_of for c in table.columns if c.part_of}:
        parts = [c.key for c in table.columns if c.part_of == target]
        sums += [([(r.key, k) for k in parts if k in r.cells], (r.key, target))
                 for r in every_row(table) if target in r.cells]
    return sums


def other_solution(table: Table, target: tuple[str, str], budget: int = 100_000) -> dict | None:
    """Hidden counts (whole numbers, 0 or more) that agree with every figure and sum the table
    shows but give `target` another value than its real one; None when a bounded backtracking
    search finds none. Asserts first that the real counts are a solution."""
    cells = {(r.key, k): c for r in every_row(table) for k, c in r.cells.items() if c.measure is Measure.COUNT}
    real = {ref: cell.value for ref, cell in cells.items()}
    unknown = [ref for ref, cell in cells.items() if cell.suppressed]
    equations = []  # ({hidden cell: +1 or -1}, constant): the signed hidden cells add up to the constant
    for parts, total in published_sums(table):
        signs, constant = {}, 0
        for ref, sign in [*((p, 1) for p in parts), (total, -1)]:
            if cells[ref].suppressed:
                signs[ref] = sign
            else:
                constant -= sign * cells[ref].published
        assert sum(s * real[r] for r, s in signs.items()) == constant  # the real table is a solution
        equations.append((signs, constant))
    cap = 2 * max(real.values()) + 10
    chosen: dict = {}
    tried = 0

    def settle() -> list | None:
        """Fill in every cell a sum now forces; None (and nothing filled) on a contradiction."""
        filled = []
        progress = True
        while progress:
            progress = False
            for signs, constant in equations:
                rest = constant - sum(s * chosen[r] for r, s in signs.items() if r in chosen)
                open_ = [r for r in signs if r not in chosen]
                signs_left = {signs[r] for r in open_}
                bad = ((not open_ and rest != 0) or (signs_left == {1} and rest < 0)
                       or (signs_left == {-1} and rest > 0))
                if len(open_) == 1 and not bad:
                    value = rest * signs[open_[0]]
                    bad = not 0 <= value <= cap or (open_[0] == target and value == real[target])
                    if not bad:
                        chosen[open_[0]] = value
                        filled.append(open_[0])
                        progress = True
                if bad:
                    for ref in filled:
                        del chosen[ref]
                    return None
        return filled

    def search() -> bool:
        nonlocal tried
        todo = [ref for ref in [target, *unknown] if ref not in chosen]
        if not todo:
            return True
        ref = todo[0]
        for value in sorted(range(cap + 1), key=lambda v: (abs(v - real[ref]), v)):
            if ref == target and value == real[target]:
                continue
            tried += 1
            assert tried < budget, f"the search for another value of {target} ran out of budget"
            chosen[ref] = value
            filled = settle()
            if filled is not None:
                if search():
                    return True
                for forced in filled:
                    del chosen[forced]
            del chosen[ref]
        return False

    if not search():
        return None
    for signs, constant in equations:
        assert sum(s * chosen[r] for r, s in signs.items()) == constant
    assert chosen[target] != real[target] and min(chosen.values()) >= 0
    return chosen


def assert_nothing_recoverable(table: Table) -> None:
    for row in every_row(table):
        for key, cell in row.cells.items():
            if cell.suppressed and cell.measure is Measure.COUNT:
                assert other_solution(table, (row.key, key)) is not None, f"{row.key}.{key} can be worked out"


# --- known tables ---------------------------------------------------------------------------------

def test_a_small_count_is_hidden_with_the_fewest_others_that_stop_it_being_worked_out():
    table = grid([[3, 20, 30], [15, 25, 35], [40, 12, 18]])
    protect(table, EXACT)
    # 3 is hidden; 15 (its column), 20 (its row) and 25 close the rectangle so each could be
    # one more or one less. The totals are all shown exactly.
    assert hidden(table) == {"r0.a", "r1.a", "r0.b", "r1.b"}
    assert shown(table.row("r0").cell("a")) == SUPPRESSED
    assert table.row("total").cell("all").published == 198
    assert_nothing_recoverable(table)


def test_two_hidden_per_line_is_not_enough_a_bridge_between_two_blocks_leaks():
    values = [[3, 4, 5, 30], [6, 7, 20, 25], [22, 26, 8, 2], [35, 40, 9, 1]]
    primary = grid(values)
    for row in primary.rows:
        for cell in row.cells.values():
            cell.suppressed = 1 <= cell.value < 10
    # Every row and column hiding anything hides at least two counts...
    for parts, total in published_sums(primary):
        on_line = [ref for ref in [*parts, total] if primary.row(ref[0]).cell(ref[1]).suppressed]
        assert len(on_line) != 1
    # ...yet r0.c, the bridge between the two blocks, is certain: columns a and b less row r1
    # give r0.a + r0.b, and row r0 gives the rest.
    def seen(row: str, column: str) -> int:
        return primary.row(row).cell(column).published

    column_a = seen("total", "a") - seen("r2", "a") - seen("r3", "a")
    column_b = seen("total", "b") - seen("r2", "b") - seen("r3", "b")
    row_1 = seen("r1", "all") - seen("r1", "c") - seen("r1", "d")
    assert seen("r0", "all") - seen("r0", "d") - (column_a + column_b - row_1) == 5 == primary.row("r0").cell("c").value
    assert other_solution(primary, ("r0", "c")) is None
    table = grid(values)
    protect(table, EXACT)
    assert hidden(table) == {f"r{r}.{c}" for r, c in ["0a", "0b", "1a", "1b", "2c", "2d", "3c", "3d", "0c"]} | {"r1.c"}
    assert_nothing_recoverable(table)


@pytest.mark.parametrize("values, expected", [
    ([3, 25, 40, 0], {"r0.a", "r1.a"}),  # the smallest other count; 0 is shown and never chosen
    ([3, 0, 40], {"r0.a", "r2.a"}),  # the only other count, never the total while another is left
    ([4, 0, 0], {"r0.a", "total.a"}),  # the total is small itself
    ([12, 0, 30], set()),
])
def test_one_column_with_a_total(values, expected):
    table = grid([[v] for v in values], row_totals=False)
    protect(table, EXACT)
    assert hidden(table) == expected
    assert_nothing_recoverable(table)


def test_counts_the_database_gives_as_decimals_or_floats_are_protected_too():
    table = grid([[Decimal(3)], [Decimal(25)], [Decimal(40)]], row_totals=False)  # PostgreSQL sums bigints as numeric
    table.row("r1").cells["a"] = Cell(25.0)
    protect(table, DisclosureRules())
    assert hidden(table) == {"r0.a", "r1.a"}
    assert [table.row(k).cell("a").published for k in ("r2", "total")] == [40, 70]


def test_columns_adding_up_to_a_total_column_without_a_total_row():
    table = grid([[3, 50, 12], [20, 30, 40]], column_totals=False)
    protect(table, EXACT)
    assert hidden(table) == {"r0.a", "r0.c"}  # 12, the smallest other part; the row total stays
    assert_nothing_recoverable(table)


def test_when_every_line_of_a_given_away_count_is_hidden_a_line_joining_it_to_others_gets_another():
    table = grid([[17, 3, 0], [0, 14, 8], [3, 0, 0]])
    protect(table, EXACT)
    # Row r0 and column b end up wholly hidden (or 0) while r0.b can still be worked out through
    # the other hidden counts; column a's total (on two lines that hide counts already, and
    # smaller than row r1's total, the other such count) is the one that stops it.
    assert hidden(table) == {"r0.a", "r0.b", "r0.all", "r1.b", "r1.c", "total.a", "r2.a", "r2.all",
                             "total.b", "total.c"}
    assert_nothing_recoverable(table)


def test_small_totals_are_hidden_and_protected_with_everything_else():
    table = grid([[20, 2, 30], [25, 3, 40], [0, 0, 4]])
    protect(table, EXACT)
    small = {"r0.b", "r1.b", "total.b", "r2.c", "r2.all"}
    assert small <= hidden(table)
    # Column c and the row totals of r0 and r2 join the hidden counts into loops.
    assert hidden(table) == small | {"r0.c", "r1.c", "total.c", "r0.all"}
    assert shown(table.row("r2").cell("a")) == "0"
    assert_nothing_recoverable(table)


# --- proof on many random tables ------------------------------------------------------------------

def random_table(seed: int) -> Table:
    """2-6 rows by 2-5 columns, with row totals, column totals or both; even seeds mostly
    larger counts, odd seeds mostly small ones (much hidden, so little left to hide with)."""
    rng = random.Random(seed)
    zero, small, top = (0.15, 0.55, 60) if seed % 2 == 0 else (0.3, 0.85, 30)

    def count() -> int:
        draw = rng.random()
        return 0 if draw < zero else rng.randint(1, 9) if draw < small else rng.randint(10, top)

    columns = rng.randint(2, 5)
    values = [[count() for _ in range(columns)] for _ in range(rng.randint(2, 6))]
    row_totals, column_totals = [(True, True), (False, True), (True, False)][seed % 3]
    return grid(values, row_totals=row_totals, column_totals=column_totals)


@pytest.mark.parametrize("first", range(0, 240, 30))
def test_no_hidden_count_can_be_worked_out_from_what_random_tables_show(first):
    for seed in range(first, first + 30):
        table = random_table(seed)
        real = {f"{r.key}.{k}": c.value for r in every_row(table) for k, c in r.cells.items()}
        protect(table, EXACT)
        for row in every_row(table):
            for key, cell in row.cells.items():
                assert cell.suppressed == (f"{row.key}.{key}" in hidden(table))
                assert cell.value == real[f"{row.key}.{key}"] and cell.rounded is None
                if 1 <= cell.value < 10:
                    assert cell.suppressed, f"seed {seed}: {row.key}.{key} = {cell.value} is shown"
                if cell.value == 0:
                    assert not cell.suppressed
        assert_nothing_recoverable(table)


# --- derived figures, rounding, the rules in words --------------------------------------------------

def rate(percent: float, base: int | None, numerator: str = "") -> Cell:
    return Cell(percent, Measure.PERCENT, base=base, numerator=numerator)


def referrals_table(rows: dict[str, dict[str, Cell]]) -> Table:
    columns = (Column("referred", "Referred"), Column("attended", "Attended"),
               Column("rate", "Attended %", Measure.PERCENT), Column("days", "Median days", Measure.DAYS),
               Column("target", "Target", Measure.PERCENT), Column("rag", "RAG", Measure.TEXT))
    return Table("referrals", "Referrals", "Partner", columns, [Row(k, k, cells) for k, cells in rows.items()])


def test_a_figure_worked_out_from_few_people_or_giving_a_hidden_count_away_is_hidden():
    table = referrals_table({
        "small_numerator": {"referred": Cell(40), "attended": Cell(3), "rate": rate(7.5, 40, "attended")},
        "small_complement": {"referred": Cell(40), "attended": Cell(35), "rate": rate(87.5, 40, "attended")},
        "small_base": {"referred": Cell(8), "attended": Cell(8), "rate": rate(100.0, 8, "attended"),
                       "days": Cell(4.5, Measure.DAYS, base=8)},
        "shown": {"referred": Cell(50), "attended": Cell(20), "rate": rate(40.0, 50, "attended"),
                  "days": Cell(12.5, Measure.DAYS, base=20), "target": rate(80.0, None),
                  "rag": Cell("Red", Measure.TEXT)},
        "no_numerator_column": {"rate": rate(5.0, 60), "days": Cell(3.0, Measure.MINUTES, base=12)},
        "half": {"rate": rate(50.0, 60)},
        "nothing": {"referred": Cell(0), "attended": Cell(None), "rate": rate(None, 0, "attended")},
    })
    protect(table, EXACT)
    assert hidden(table) == {
        "small_numerator.attended", "small_numerator.rate",  # the count hides its percentage
        "small_complement.rate",  # 87.5% of 40 leaves 5 who did not attend
        "small_base.referred", "small_base.attended", "small_base.rate", "small_base.days",
        "no_numerator_column.rate",  # 5% of 60 is 3 people
    }
    shown_row = table.row("shown")
    assert [shown(shown_row.cell(k)) for k in ("rate", "days", "target", "rag")] == ["40%", "12.5 days", "80%", "Red"]
    assert shown(table.row("nothing").cell("attended")) == "–"


@pytest.mark.parametrize("total, expected", [
    # North's 30 contacts are hidden so South's 4 cannot be worked out from the total; 20
    # resolved at 66.7% would say 30 again.
    ({"contacts": 34}, {"north.contacts", "north.rate"}),
    # North's 20 resolved are hidden so South's 3 cannot be worked out; 66.7% of 30 would say 20.
    ({"resolved": 23}, {"north.resolved", "north.rate"}),
])
def test_a_percentage_that_would_give_away_a_hidden_count_is_hidden(total, expected):
    columns = (Column("contacts", "Contacts"), Column("resolved", "Resolved"),
               Column("rate", "Resolved %", Measure.PERCENT))
    table = Table("desk", "Desk", "Site", columns, [
        Row("north", "North", {"contacts": Cell(30), "resolved": Cell(20), "rate": rate(66.7, 30, "resolved")}),
        Row("south", "South", {"contacts": Cell(4), "resolved": Cell(3), "rate": rate(75.0, 4, "resolved")}),
    ], Row("all", "All sites", {k: Cell(v) for k, v in total.items()}), rows_partition=True)
    protect(table, EXACT)
    assert hidden(table) == {"south.contacts", "south.resolved", "south.rate"} | expected
    assert_nothing_recoverable(table)


@pytest.mark.parametrize("rules, counts, rounded", [
    (DisclosureRules(10, 5), [10, 12, 13, 17, 18, 0, 1234], [10, 10, 15, 15, 20, 0, 1235]),
    (DisclosureRules(10, 10), [14, 15, 25, 0], [10, 20, 30, 0]),
    (DisclosureRules(2, 10), [1, 3, 4, 6], [None, 10, 10, 10]),  # a count shown never rounds to 0
])
def test_counts_round_to_the_nearest_multiple_halves_up(rules, counts, rounded):
    table = grid([[c] for c in counts], row_totals=False, column_totals=False)
    protect(table, rules)
    assert [row.cell("a").published for row in table.rows] == rounded
    assert [row.cell("a").value for row in table.rows] == counts  # the real count is kept


def test_totals_are_rounded_on_their_own_and_percentages_to_whole_numbers():
    table = grid([[12, 12, 12]], column_totals=False)
    # 12.5% of 200 is 25 of 200 (both already multiples of 5); a target (no base) just rounds.
    table.rows[0].cells |= {"rate": rate(12.5, 200), "target": rate(87.49, None),
                            "days": Cell(3.25, Measure.DAYS, base=40)}
    protect(table, DisclosureRules())
    row = table.rows[0]
    assert [row.cell(k).published for k in ("a", "b", "c", "all")] == [10, 10, 10, 35]  # not 30
    assert [shown(row.cell(k)) for k in ("rate", "target", "days")] == ["13%", "87%", "3.2 days"]


def test_with_control_off_every_figure_is_shown_exactly():
    table = grid([[1, 2], [3, 40]])
    table.rows[0].cells["rate"] = rate(33.3, 3, "a")
    protect(table, DisclosureRules.off())
    assert hidden(table) == set()
    assert [shown(table.rows[0].cell(k)) for k in ("a", "all", "rate")] == ["1", "3", "33.3%"]


def test_the_rules_are_stated_in_plain_words():
    assert statement(DisclosureRules()) == (
        f"Counts from 1 to 9 are hidden (shown as {SUPPRESSED}) to protect people's identity, and so are other figures "
        "that would let a hidden count be worked out; a count of 0 is shown. Other counts are rounded to the "
        "nearest 5 and percentages to whole numbers, so totals may not equal the sum of their parts. "
        "Percentages and times are not shown when worked out from fewer than 10 people or records.")
    assert statement(DisclosureRules(2, 0)).startswith("Counts of 1 are hidden (shown as [c])")
    assert "Other counts are exact." in statement(DisclosureRules(20, 0))
    assert "fewer than 20 people" in statement(DisclosureRules(20, 0))
    assert statement(DisclosureRules.off()) == "Disclosure control is OFF: these figures are not for publication."


# --- the saved rules ------------------------------------------------------------------------------

def test_the_rules_are_saved_by_an_administrator_and_audited(services, admin):
    assert read_rules(services.settings) == DisclosureRules(10, 5)
    save_rules(services.settings, admin, DisclosureRules(7, 10))
    assert read_rules(services.settings) == DisclosureRules(7, 10)
    save_rules(services.settings, admin, DisclosureRules(7, 0))
    assert read_rules(services.settings) == DisclosureRules(7, 0)
    summaries = [e.summary for e in services.audit.browse(admin, AuditFilter(action="setting.changed")).entries]
    assert sorted(summaries) == ["reports hide counts below 10 -> 7", "reports round counts to the nearest 10 -> none (exact)",
                                 "reports round counts to the nearest 5 -> the nearest 10"]


def test_saving_the_rules_refuses_other_roles_and_values_that_protect_too_little(services, admin):
    manager = make_actor(services, admin, "manager", Role.MANAGER)
    for rules in (DisclosureRules(20, 10), DisclosureRules(1, 3)):  # refused before the values are judged
        with pytest.raises(PermissionDenied, match="may not manage settings"):
            save_rules(services.settings, manager, rules)
    for threshold in (0, 1, 101, True, "10"):
        with pytest.raises(ValidationError, match="whole number from 2 to 100") as refused:
            save_rules(services.settings, admin, DisclosureRules(threshold, 5))
        assert refused.value.field == "report_threshold"
    for rounding in (3, 20, -5, 5.0):
        with pytest.raises(ValidationError, match="nearest 5 or 10, or not at all") as refused:
            save_rules(services.settings, admin, DisclosureRules(10, rounding))
        assert refused.value.field == "report_rounding"
    assert read_rules(services.settings) == DisclosureRules(10, 5)


def test_damaged_saved_rules_fall_back_to_the_defaults(services, admin):
    services.settings.write(admin, "report_threshold", "lots", "test: damaged")
    services.settings.write(admin, "report_rounding", "7", "test: damaged")
    assert read_rules(services.settings) == DisclosureRules(10, 5)
    services.settings.write(admin, "report_threshold", "1", "test: would hide nothing")
    assert read_rules(services.settings).threshold == 10
