"""Checks that a report names its figures so it is protected as a whole: the same `fact` carries
the same count in every table, and every `Relation` the builder states holds in the figures."""

from __future__ import annotations

from collections import defaultdict

from assisted_desk.reporting import service
from assisted_desk.reporting.model import Measure, Relation, Table


def capture(monkeypatch) -> list[tuple[list[Table], list[Relation]]]:
    """Record the tables and relations each report run hands to disclosure control."""
    seen: list[tuple[list[Table], list[Relation]]] = []
    real = service.protect_report

    def spy(tables, relations, rules):
        relations = list(relations)
        seen.append((list(tables), relations))
        return real(tables, relations, rules)

    monkeypatch.setattr(service, "protect_report", spy)
    return seen


def where_facts(tables: list[Table]) -> dict[str, list[tuple[str, str, str]]]:
    """fact -> [(table, row, column)] of every cell carrying it."""
    found: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for table in tables:
        for row in [*table.rows, *([table.total] if table.total else [])]:
            for key, cell in row.cells.items():
                if cell.fact:
                    found[cell.fact].append((table.key, row.key, key))
    return dict(found)


def fact_values(tables: list[Table]) -> dict[str, int]:
    """fact -> its count, checking every cell that carries it is a COUNT of the same value and
    that a fact hidden (or rounded) anywhere is hidden (rounded alike) everywhere."""
    values: dict[str, int] = {}
    published: dict[str, object] = {}
    for fact, places in where_facts(tables).items():
        for table_key, row_key, column in places:
            cell = next(t for t in tables if t.key == table_key).row(row_key).cell(column)
            assert cell.measure is Measure.COUNT, (fact, table_key, row_key, column)
            assert values.setdefault(fact, cell.value) == cell.value, (fact, table_key, row_key, column)
            assert published.setdefault(fact, cell.published) == cell.published, (fact, table_key, row_key)
    return values


def check_relations(tables: list[Table], relations: list[Relation]) -> dict[str, int]:
    """Every relation names facts the report shows, and its parts add up to its total."""
    values = fact_values(tables)
    assert relations
    for relation in relations:
        assert relation.total in values and all(p in values for p in relation.parts), relation
        assert sum(values[p] for p in relation.parts) == values[relation.total], relation
    return values


def check_percentages(tables: list[Table]) -> int:
    """Every percentage names its numerator (and complement) as COUNT columns of its row, and
    numerator + complement is its base. Returns how many percentages name a complement."""
    complements = 0
    for table in tables:
        for row in [*table.rows, *([table.total] if table.total else [])]:
            for key, cell in row.cells.items():
                if cell.measure is not Measure.PERCENT or cell.value is None:
                    continue
                assert cell.numerator, (table.key, row.key, key)
                numerator = row.cell(cell.numerator)
                assert numerator is not None and numerator.measure is Measure.COUNT, (table.key, row.key, key)
                if cell.complement:
                    complements += 1
                    other = row.cell(cell.complement)
                    assert other is not None and other.measure is Measure.COUNT, (table.key, row.key, key)
                    assert numerator.value + other.value == cell.base, (table.key, row.key, key)
    return complements
