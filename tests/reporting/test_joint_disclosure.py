"""Disclosure control over a report as a whole: a figure shown in two tables is hidden in both,
sums across tables (relations) give no hidden count back, a share is hidden with its hidden
complement, percentages are worked out from rounded counts, and a hidden figure opens no list.
The proof on random reports uses an independent search that shares no code with disclosure.py."""

from __future__ import annotations

import random
import time
from datetime import date

import pytest
from sqlalchemy import select

from assisted_desk.core.models import AuditEvent
from assisted_desk.core.security import Permission, PermissionDenied, Role
from assisted_desk.reporting.disclosure import DisclosureRules, protect, protect_report
from assisted_desk.reporting.formatting import SUPPRESSED, shown
from assisted_desk.reporting.model import (Cell, Column, DrillList, Measure, Relation, ReportKind, ReportRequest,
                                           Row, Table)

from ..conftest import make_actor
from .test_disclosure import every_row, published_sums

EXACT = DisclosureRules(10, 0)


# --- the independent check over a whole report -------------------------------------------------------

def figures(tables: list[Table]) -> dict:
    """Each figure a reader sees (its fact, else table/row/column) -> the COUNT cells showing it."""
    found: dict = {}
    for table in tables:
        for row in every_row(table):
            for key, cell in row.cells.items():
                if cell.measure is Measure.COUNT and cell.value is not None:
                    found.setdefault(cell.fact or (table.key, row.key, key), []).append(cell)
    return found


def report_sums(tables: list[Table], relations: list[Relation], found: dict) -> list[tuple[list, object]]:
    sums = []
    for table in tables:
        def name(ref: tuple[str, str], table: Table = table) -> object:
            return table.row(ref[0]).cell(ref[1]).fact or (table.key, *ref)
        sums += [([name(p) for p in parts], name(total)) for parts, total in published_sums(table)]
    return sums + [(list(r.parts), r.total) for r in relations if all(f in found for f in (*r.parts, r.total))]


def other_solution(tables: list[Table], relations: list[Relation], target: object, budget: int = 200_000) -> dict | None:
    """Hidden figures (whole numbers, 0 or more) that agree with every figure and sum the report
    shows but give `target` another value; None when a bounded backtracking search finds none."""
    found = figures(tables)
    real = {name: cells[0].value for name, cells in found.items()}
    unknown = [name for name, cells in found.items() if cells[0].suppressed]
    equations = []
    for parts, total in report_sums(tables, relations, found):
        signs: dict = {}
        constant = 0
        for name, sign in [*((p, 1) for p in parts), (total, -1)]:
            if found[name][0].suppressed:
                signs[name] = signs.get(name, 0) + sign
            else:
                constant -= sign * found[name][0].published
        signs = {n: s for n, s in signs.items() if s}
        assert sum(s * real[n] for n, s in signs.items()) == constant  # the real report is a solution
        equations.append((signs, constant))
    cap = 2 * max(real.values()) + 10
    chosen: dict = {}
    tried = 0

    def settle() -> list | None:
        filled: list = []
        progress = True
        while progress:
            progress = False
            for signs, constant in equations:
                rest = constant - sum(s * chosen[n] for n, s in signs.items() if n in chosen)
                open_ = [n for n in signs if n not in chosen]
                bad = (not open_ and rest != 0) or (open_ and all(signs[n] > 0 for n in open_) and rest < 0) or (
                    open_ and all(signs[n] < 0 for n in open_) and rest > 0)
                if len(open_) == 1 and not bad:
                    value, remainder = divmod(rest, signs[open_[0]])
                    bad = remainder != 0 or not 0 <= value <= cap or (open_[0] == target and value == real[target])
                    if not bad:
                        chosen[open_[0]] = value
                        filled.append(open_[0])
                        progress = True
                if bad:
                    for name in filled:
                        del chosen[name]
                    return None
        return filled

    def search() -> bool:
        nonlocal tried
        todo = [n for n in [target, *unknown] if n not in chosen]
        if not todo:
            return True
        name = todo[0]
        for value in sorted(range(cap + 1), key=lambda v: (abs(v - real[name]), v)):
            if name == target and value == real[target]:
                continue
            tried += 1
            assert tried < budget, f"the search for another value of {target} ran out of budget"
            chosen[name] = value
            filled = settle()
            if filled is not None:
                if search():
                    return True
                for forced in filled:
                    del chosen[forced]
            del chosen[name]
        return False

    return dict(chosen) if search() else None


def assert_report_safe(tables: list[Table], relations: list[Relation], threshold: int = 10) -> None:
    for name, cells in figures(tables).items():
        assert len({c.suppressed for c in cells}) == 1, f"{name} is hidden in one table and shown in another"
        if 1 <= cells[0].value < threshold:
            assert cells[0].suppressed, f"{name} = {cells[0].value} is shown"
        if cells[0].value == 0:
            assert not cells[0].suppressed
        if cells[0].suppressed:
            assert other_solution(tables, relations, name) is not None, f"{name} can be worked out"


# --- the reviewer's scenarios ------------------------------------------------------------------------

SITES = {"1": (25, {"information": 25}), "2": (25, {"information": 25}), "3": (3, {"on_behalf": 3}),
         "4": (23, {"information": 3, "on_behalf": 20})}
HELP = ("information", "assisted", "on_behalf")


def site_tables() -> list[Table]:
    """Contacts by site, and the same contacts again beside the help given at each site."""
    def contacts(site: str, value: int) -> Cell:
        return Cell(value, fact=f"site:{site}/contacts")

    all_contacts = sum(n for n, _ in SITES.values())
    by_site = Table("by_site", "By site", "Site", (Column("contacts", "Contacts"),),
                    [Row(s, f"Site {s}", {"contacts": contacts(s, n)}) for s, (n, _) in SITES.items()],
                    Row("total", "All sites", {"contacts": Cell(all_contacts, fact="all/contacts")}),
                    rows_partition=True)
    columns = (*(Column(h, h, part_of="contacts") for h in HELP), Column("contacts", "Contacts"))

    def help_row(key: str, label: str, total: int, given: dict[str, int], fact: str) -> Row:
        return Row(key, label, {h: Cell(given.get(h, 0)) for h in HELP} | {"contacts": Cell(total, fact=fact)})

    helps = Table("help_types", "Help given", "Site", columns,
                  [help_row(s, f"Site {s}", n, given, f"site:{s}/contacts") for s, (n, given) in SITES.items()],
                  help_row("total", "All sites", all_contacts,
                           {h: sum(g.get(h, 0) for _, g in SITES.values()) for h in HELP}, "all/contacts"),
                  rows_partition=True)
    return [by_site, helps]


def hidden_contacts(table: Table) -> set[str]:
    return {row.key for row in every_row(table) if row.cell("contacts").suppressed}


def test_a_figure_shown_in_two_tables_is_hidden_in_both():
    apart = site_tables()
    for table in apart:
        protect(table, EXACT)
    # Protected one by one, the tables disagree about which sites' contacts to hide: "by site"
    # hides site 4's 23 contacts, which "help types" shows, and so gives site 3's 3 back.
    assert hidden_contacts(apart[0]) == {"3", "4"} and hidden_contacts(apart[1]) == {"1", "3"}
    together = site_tables()
    protect_report(together, (), EXACT)
    assert hidden_contacts(together[0]) == hidden_contacts(together[1]) >= {"1"}
    assert_report_safe(together, [])


def referral_tables(partners: dict[str, dict[str, int]], services: dict[str, tuple[str, dict[str, int]]],
                    columns: tuple[str, ...] = ("made",)) -> tuple[list[Table], list[Relation]]:
    """Referrals by partner and by service (each service is one partner's), with the relations
    that add a partner's services up to the partner."""
    def table(key: str, rows: dict[str, dict[str, int]], kind: str) -> Table:
        cells = {k: {c: Cell(v[c], fact=f"{kind}:{k}/{c}") for c in columns} for k, v in rows.items()}
        total = {c: Cell(sum(v[c] for v in rows.values()), fact=f"all/{c}") for c in columns}
        titles = tuple(Column(c, c, part_of="made" if c != "made" and "made" in columns else "") for c in columns)
        return Table(key, key, kind, titles, [Row(k, k, v) for k, v in cells.items()], Row("total", "All", total),
                     rows_partition=True)

    relations = [Relation(tuple(f"service:{s}/{c}" for s, (p, _) in services.items() if p == partner),
                          f"partner:{partner}/{c}") for partner in partners for c in columns]
    return [table("by_partner", partners, "partner"),
            table("by_service", {s: v for s, (_, v) in services.items()}, "service")], relations


def test_a_sum_across_tables_gives_no_hidden_count_back():
    partners = {"1": {"made": 3}, "2": {"made": 50}, "3": {"made": 60}}
    services = {"11": ("1", {"made": 3}), "21": ("2", {"made": 50}), "31": ("3", {"made": 30}),
                "32": ("3", {"made": 30})}
    tables, relations = referral_tables(partners, services)
    protect_report(tables, [], EXACT)  # the same totals, but no relations: service 21 gives partner 2 back
    by_partner, by_service = tables
    assert by_partner.row("2").cell("made").suppressed and not by_service.row("21").cell("made").suppressed
    tables, relations = referral_tables(partners, services)
    protect_report(tables, relations, EXACT)
    by_partner, by_service = tables
    assert by_partner.row("1").cell("made").suppressed and by_service.row("11").cell("made").suppressed
    assert (by_partner.row("2").cell("made").suppressed == by_service.row("21").cell("made").suppressed)
    assert_report_safe(tables, relations)


def test_a_relation_naming_a_figure_no_table_shows_is_ignored():
    tables, _ = referral_tables({"1": {"made": 40}, "2": {"made": 30}}, {"11": ("1", {"made": 40}),
                                                                          "21": ("2", {"made": 30})})
    protect_report(tables, [Relation(("service:99/made", "service:11/made"), "partner:1/made")], EXACT)
    assert not any(c.suppressed for t in tables for r in every_row(t) for c in r.cells.values())


def test_a_share_is_hidden_when_its_complement_is():
    columns = (Column("information", "Information", part_of="contacts"),
               Column("assisted", "Assisted", part_of="contacts"), Column("on_behalf", "On behalf", part_of="contacts"),
               Column("contacts", "Contacts"), Column("share", "Assisted share", Measure.PERCENT))

    def row(key: str, information: int, assisted: int, on_behalf: int) -> Row:
        share = Cell(100 * assisted / (assisted + on_behalf), Measure.PERCENT, base=assisted + on_behalf,
                     numerator="assisted", complement="on_behalf")
        return Row(key, key, {"information": Cell(information), "assisted": Cell(assisted),
                              "on_behalf": Cell(on_behalf), "contacts": Cell(information + assisted + on_behalf),
                              "share": share})

    table = Table("help_types", "Help", "Site", columns, [row("a", 12, 40, 4), row("b", 20, 35, 13)],
                  row("total", 32, 75, 17), rows_partition=True)
    protect(table, EXACT)
    b = table.row("b")
    # Site b's 13 "on behalf" are hidden (they would give site a's 4 back), its 35 assisted are
    # shown: 72.9% of help with a task would give 35 / 0.729 - 35 = 13 back.
    assert b.cell("on_behalf").suppressed and not b.cell("assisted").suppressed
    assert shown(b.cell("share")) == SUPPRESSED
    assert not table.row("total").cell("share").suppressed


def test_a_count_in_a_percent_column_is_protected_as_a_count():
    columns = (Column("value", "This period", Measure.PERCENT), Column("count", "Number"))
    table = Table("indicators", "Indicators", "Indicator", columns, [
        Row("contacts", "Contacts", {"value": Cell(7)}),
        Row("escalations", "Escalations", {"value": Cell(12)}),
        Row("resolved", "Resolved", {"value": Cell(100 * 33 / 47, Measure.PERCENT, base=47, numerator="count"),
                                     "count": Cell(33)})])
    protect(table, DisclosureRules(10, 5))
    assert shown(table.row("contacts").cell("value")) == SUPPRESSED
    assert table.row("escalations").cell("value").published == 10  # rounded as a count, not as a percentage
    assert table.row("resolved").cell("value").published == 78  # 35 of 45, not 70% (33 of 47)


@pytest.mark.parametrize("numerator, base, expected", [
    (25, 53, 45),  # 25 of 55: 45.45%, not the 47% that with 25 and 55 shown would narrow 53 down
    (12, 12, 100), (14, 26, 60),  # 15 of 25
    (None, 53, 45),  # no numerator column: 47.17% of 53 is 25
])
def test_percentages_are_worked_out_from_the_rounded_counts(numerator, base, expected):
    part = 25 if numerator is None else numerator
    cells = {"base": Cell(base), "rate": Cell(100 * part / base, Measure.PERCENT, base=base,
                                              numerator="" if numerator is None else "part")}
    if numerator is not None:
        cells["part"] = Cell(numerator)
    table = Table("t", "T", "Row", (Column("base", "Of"), Column("part", "Done"),
                                    Column("rate", "Rate", Measure.PERCENT)), [Row("r", "R", cells)])
    protect(table, DisclosureRules(10, 5))
    row = table.rows[0]
    assert row.cell("rate").published == expected
    if numerator is not None:  # what a reader computes from the published counts agrees
        assert round(100 * row.cell("part").published / row.cell("base").published) == expected


# --- proof on random reports of two tables sharing figures, with relations -------------------------

def random_report(seed: int) -> tuple[list[Table], list[Relation]]:
    rng = random.Random(seed)
    zero, small, top = (0.15, 0.5, 60) if seed % 2 == 0 else (0.3, 0.8, 30)

    def count() -> int:
        draw = rng.random()
        return 0 if draw < zero else rng.randint(1, 9) if draw < small else rng.randint(10, top)

    services: dict[str, tuple[str, dict[str, int]]] = {}
    for p in range(rng.randint(2, 4)):
        for s in range(rng.randint(1, 3)):
            a, b = count(), count()
            services[f"{p}{s}"] = (str(p), {"a": a, "b": b, "made": a + b})
    partners = {p: {c: sum(v[c] for q, v in services.values() if q == p) for c in ("a", "b", "made")}
                for p, _ in services.values()}
    return referral_tables(partners, services, ("a", "b", "made"))


@pytest.mark.parametrize("first", range(0, 80, 20))
def test_no_hidden_count_can_be_worked_out_from_what_random_reports_show(first):
    for seed in range(first, first + 20):
        tables, relations = random_report(seed)
        protect_report(tables, relations, EXACT)
        assert_report_safe(tables, relations)


def test_a_large_report_is_protected_quickly():
    """Ten tables of 150 rows by 7 columns adding up to a total column, with a total row, and an
    eleventh adding the first table's rows up in pairs (1,050 relations)."""
    rng = random.Random(7)
    keys = [f"c{i}" for i in range(7)]
    columns = (*(Column(k, k, part_of="all") for k in keys), Column("all", "All"))

    def table(key: str, rows: list[list[int]], facts: str = "") -> Table:
        def cells(values: list[int], at: str) -> dict[str, Cell]:
            return {k: Cell(v, fact=f"{facts}{at}/{k}" if facts else "")
                    for k, v in zip([*keys, "all"], [*values, sum(values)])}
        total = [sum(column) for column in zip(*rows)]
        return Table(key, key, "Row", columns, [Row(f"r{n}", f"Row {n}", cells(v, f"r{n}")) for n, v in enumerate(rows)],
                     Row("total", "All", cells(total, "total")), rows_partition=True)

    def counts() -> list[list[int]]:
        return [[0 if rng.random() < 0.2 else rng.randint(1, 9) if rng.random() < 0.3 else rng.randint(10, 80)
                 for _ in keys] for _ in range(150)]

    first = counts()
    pairs = [[a + b for a, b in zip(first[2 * n], first[2 * n + 1])] for n in range(75)]
    tables = [table("t0", first, "row:"), *(table(f"t{n}", counts()) for n in range(1, 10)),
              table("pairs", pairs, "pair:")]
    relations = [Relation((f"row:r{2 * n}/{k}", f"row:r{2 * n + 1}/{k}"), f"pair:r{n}/{k}")
                 for n in range(75) for k in [*keys, "all"]]
    started = time.perf_counter()
    protect_report(tables, relations, DisclosureRules())
    took = time.perf_counter() - started
    assert took < 5, took  # about 0.3 s on one core; protecting it one figure at a time took minutes
    assert sum(c.suppressed for t in tables for r in t.rows for c in r.cells.values()) > 1000


# --- the report service: tables and relations collected, hidden figures open no list ----------------

class TwoTableReferrals:
    kind = ReportKind.REFERRALS
    title = ReportKind.REFERRALS.label
    drill_permission = Permission.REFER_TO_PARTNERS

    def build(self, session, context):
        tables, relations = referral_tables(
            {"1": {"made": 3}, "2": {"made": 50}, "3": {"made": 60}},
            {"11": ("1", {"made": 3}), "21": ("2", {"made": 50}), "31": ("3", {"made": 30}),
             "32": ("3", {"made": 30})})
        yield "Counting by partner…"
        yield tables[0]
        yield from relations
        yield "Counting by service…"
        yield tables[1]

    def drill(self, session, context, table, row, column):
        return DrillList("Referrals", ("Resident",), (("Łukasz Nowak",), ("محمد علي",)))


def drilled(services) -> list[str]:
    with services.db.unit_of_work() as session:
        return list(session.scalars(select(AuditEvent.summary).where(AuditEvent.action == "report.drilled")))


def test_the_service_protects_the_report_as_a_whole_and_a_hidden_figure_opens_no_list(services, admin):
    services.reports.builders[ReportKind.REFERRALS] = TwoTableReferrals()
    coordinator = make_actor(services, admin, "coord", Role.COORDINATOR)
    request = ReportRequest(ReportKind.REFERRALS, date(2026, 1, 1), date(2026, 1, 31))
    report = services.reports.run_now(coordinator, request)
    tables = [report.table(k) for k in ("by_partner", "by_service")]
    hidden = {(t.key, r.key) for t in tables for r in every_row(t) if r.cell("made").suppressed}
    assert {("by_partner", "1"), ("by_service", "11")} <= hidden
    assert (("by_partner", "2") in hidden) == (("by_service", "21") in hidden)  # the relation was applied
    for table, row in sorted(hidden):
        with pytest.raises(PermissionDenied, match="hidden to protect people's identity.*give it away"):
            services.reports.drill(coordinator, request, table, row, "made")
    assert drilled(services) == []
    listing = services.reports.drill(coordinator, request, "by_partner", "3", "made")
    assert listing.rows == (("Łukasz Nowak",), ("محمد علي",))
    assert drilled(services) == ["by_partner/3/made: 2 records listed"]
    with pytest.raises(PermissionDenied):  # asking for the unprotected report does not get round it
        services.reports.drill(coordinator, ReportRequest(ReportKind.REFERRALS, date(2026, 1, 1),
                                                          date(2026, 1, 31), protect=False), "by_partner", "1", "made")
    assert services.reports.drill(admin, ReportRequest(ReportKind.REFERRALS, date(2026, 1, 1), date(2026, 1, 31),
                                                       protect=False), "by_partner", "1", "made").rows
