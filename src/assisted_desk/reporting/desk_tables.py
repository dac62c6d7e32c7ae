"""The desk performance report's tables, drawn from the tallies desk_counts.py counted.

Percentages carry the count they were worked out from (`base`), the column of their numerator
and, where the rest of the base is a column too, that column (`complement`), so disclosure
control hides them with their counts. Every count names the figure it is (`fact`): "all/contacts"
in the indicators and in every total row, "site:3/contacts" in each table with a row for site 3,
"period:2026-07/contacts" for a month; so a figure hidden in one table is hidden in all of them.
`relations()` states the sums between tables that no table's own rows and columns state. A RAG
or trend worked out from fewer people than the disclosure threshold is not given: it would tell
what the hidden figure is."""

from __future__ import annotations

from collections.abc import Sequence

from ..desk.vocab import Channel, HelpType
from .desk_counts import Tally
from .disclosure import DisclosureRules
from .model import NOT_RECORDED, Cell, Chart, ChartKind, Column, Dimension, Measure, Relation, Row, Table
from .sql import Period, percentile
from .targets import DeskTargets, Indicator

COUNT, PERCENT, MINUTES, TEXT = Measure.COUNT, Measure.PERCENT, Measure.MINUTES, Measure.TEXT
CONTACT_KEYS = frozenset({"contacts", "resolved", "no_avoidable", "escalated_contacts", "rated", "good",
                          *(f"channel_{c.value}" for c in Channel), *(f"help_{h.value}" for h in HelpType)})

ALL = "all"  # the fact scope of figures about the whole period and every chosen site

# Percentages: key -> (numerator count key, how the base is worked out).
PERCENTS = {
    "first_contact": ("resolved", lambda t: t["contacts"]),
    "right_first_time": ("no_avoidable", lambda t: t["contacts"]),
    "assisted_share": ("help_assisted", lambda t: t["help_assisted"] + t["help_on_behalf"]),
    "callbacks_on_time": ("callbacks_made", lambda t: t["callbacks_due"]),
    "first_response": ("first_response_met", lambda t: t["first_response_due"]),
    "resolution": ("resolution_met", lambda t: t["resolution_due"]),
    "satisfaction": ("good", lambda t: t["rated"]),
}
# A percentage whose base is its numerator plus one other count: the key of that count.
COMPLEMENTS = {"assisted_share": "help_on_behalf"}
# Counts the indicators table gives under another name: the fact of "Out of" in its rows.
OUT_OF = {"first_contact": "contacts", "right_first_time": "contacts", "assisted_share": "assisted_or_on_behalf",
          "wait_average": "served", "wait_p90": "served", "callbacks_on_time": "callbacks_due",
          "first_response": "first_response_due", "resolution": "resolution_due", "satisfaction": "rated"}

KEY_TITLES = {
    "contacts": "Contacts", "resolved": "Resolved at first contact", "first_contact": "Resolved at first contact %",
    "no_avoidable": "No avoidable contact", "right_first_time": "Right first time %",
    "help_assisted": "Assisted self-service", "help_on_behalf": "Done on the resident's behalf",
    "help_information": "Information or signposting", "assisted_or_on_behalf": "Help with a task",
    "assisted_share": "Assisted share of help with a task %",
    "served": "Walk-ins served", "wait_average": "Average wait", "wait_p90": "Wait for 9 in 10 (90th percentile)",
    "callbacks_due": "Callbacks due", "callbacks_made": "Callbacks made on time", "callbacks_on_time": "Callbacks on time %",
    "first_response_due": "Cases due a first response", "first_response_met": "First responses within SLA",
    "first_response": "First response within SLA %", "resolution_due": "Cases closed",
    "resolution_met": "Resolved within SLA", "resolution": "Resolution within SLA %",
    "escalated_contacts": "Contacts escalated to advocacy", "case_escalations": "Advocacy cases escalated",
    "escalations": "Escalations", "rated": "Rated satisfaction", "good": "Rated good",
    "satisfaction": "Satisfaction good %", "guides_printed": "Guides printed",
    **{f"channel_{c.value}": c.label for c in Channel},
}

WIDE_COLUMNS = (
    Column("contacts", "Contacts"), Column("resolved", KEY_TITLES["resolved"]),
    Column("first_contact", KEY_TITLES["first_contact"], PERCENT, chart=True),
    Column("no_avoidable", KEY_TITLES["no_avoidable"]),
    Column("right_first_time", KEY_TITLES["right_first_time"], PERCENT, chart=True),
    Column("help_assisted", KEY_TITLES["help_assisted"]), Column("help_on_behalf", KEY_TITLES["help_on_behalf"]),
    Column("assisted_share", KEY_TITLES["assisted_share"], PERCENT),
    Column("served", KEY_TITLES["served"]), Column("wait_average", KEY_TITLES["wait_average"], MINUTES),
    Column("wait_p90", KEY_TITLES["wait_p90"], MINUTES),
    Column("callbacks_due", KEY_TITLES["callbacks_due"]), Column("callbacks_made", KEY_TITLES["callbacks_made"]),
    Column("callbacks_on_time", KEY_TITLES["callbacks_on_time"], PERCENT, chart=True),
    Column("first_response_due", KEY_TITLES["first_response_due"]),
    Column("first_response_met", KEY_TITLES["first_response_met"]),
    Column("first_response", KEY_TITLES["first_response"], PERCENT),
    Column("resolution_due", KEY_TITLES["resolution_due"]), Column("resolution_met", KEY_TITLES["resolution_met"]),
    Column("resolution", KEY_TITLES["resolution"], PERCENT),
    Column("escalated_contacts", KEY_TITLES["escalated_contacts"], part_of="escalations"),
    Column("case_escalations", KEY_TITLES["case_escalations"], part_of="escalations"),
    Column("escalations", KEY_TITLES["escalations"]),
    Column("rated", KEY_TITLES["rated"]), Column("good", KEY_TITLES["good"]),
    Column("satisfaction", KEY_TITLES["satisfaction"], PERCENT, chart=True),
    Column("guides_printed", KEY_TITLES["guides_printed"]),
)

# The indicators table: (row key, label, what its value is).
INDICATOR_ROWS = (
    ("contacts", "Contacts", COUNT), ("first_contact", Indicator.FIRST_CONTACT.label, PERCENT),
    ("right_first_time", Indicator.RIGHT_FIRST_TIME.label, PERCENT),
    ("assisted_share", "Assisted self-service, of help with a task (rather than done for the resident)", PERCENT),
    ("wait_average", Indicator.WAIT_AVERAGE.label, MINUTES), ("wait_p90", Indicator.WAIT_P90.label, MINUTES),
    ("callbacks_on_time", Indicator.CALLBACKS_ON_TIME.label, PERCENT),
    ("first_response", Indicator.FIRST_RESPONSE.label, PERCENT), ("resolution", Indicator.RESOLUTION.label, PERCENT),
    ("escalated_contacts", KEY_TITLES["escalated_contacts"], COUNT),
    ("case_escalations", KEY_TITLES["case_escalations"], COUNT), ("escalations", "Escalations in all", COUNT),
    ("satisfaction", Indicator.SATISFACTION.label, PERCENT), ("guides_printed", "Guides printed", COUNT),
)

# (indicators row, column) -> the contact count behind it, for drill-down.
INDICATOR_DRILL = {("contacts", "value"): "contacts", ("escalated_contacts", "value"): "escalated_contacts",
                   **{(row, "count"): PERCENTS[row][0] for row in ("first_contact", "right_first_time",
                                                                    "assisted_share", "satisfaction")},
                   ("first_contact", "of"): "contacts", ("right_first_time", "of"): "contacts",
                   ("assisted_share", "of"): "assisted_or_on_behalf", ("satisfaction", "of"): "rated"}


def _percent(part: int, whole: int) -> float | None:
    return None if whole == 0 else 100.0 * part / whole


def value_of(tally: Tally, key: str) -> tuple[float | int | None, int]:
    """An indicator's value and the number of records it was worked out from."""
    if key in PERCENTS:
        numerator, base = PERCENTS[key]
        return _percent(tally[numerator], base(tally)), base(tally)
    if key == "wait_average":
        served = tally["served"]
        return (None if not served else tally.wait_seconds / served / 60), served
    if key == "wait_p90":
        value = percentile({tenths / 10: n for tenths, n in tally.waits.items()}, 0.9)
        return value, tally["served"]
    if key == "escalations":
        return tally["escalated_contacts"] + tally["case_escalations"], tally["escalated_contacts"] + tally["case_escalations"]
    if key == "assisted_or_on_behalf":
        return tally["help_assisted"] + tally["help_on_behalf"], tally["help_assisted"] + tally["help_on_behalf"]
    return tally[key], tally[key]


def _too_few(rules: DisclosureRules, tally: Tally, key: str) -> bool:
    """Whether disclosure control hides this figure for having too few behind it (its count, or
    for a percentage the people in it or not in it): then no colour or trend is given either."""
    if rules.threshold < 2:
        return False
    _value, base = value_of(tally, key)
    small = range(1, rules.threshold)
    if base in small:
        return True
    if key in PERCENTS:
        part = tally[PERCENTS[key][0]]
        return part in small or base - part in small
    return False


def _rag(targets: DeskTargets, key: str, tally: Tally, rules: DisclosureRules):
    value, _base = value_of(tally, key)
    if key not in Indicator._value2member_map_ or _too_few(rules, tally, key):
        return None
    return targets.rag(Indicator(key), value)


def fact(scope: str, key: str) -> str:
    """The name of a count wherever it is shown: "site:3/contacts", "all/escalations"; "" (this
    cell only) without a scope."""
    return f"{scope}/{key}" if scope else ""


def count_cell(tally: Tally, key: str, scope: str, drill: bool = True) -> Cell:
    value, _base = value_of(tally, key)
    return Cell(value, COUNT, fact=fact(scope, key), drill=drill and key in CONTACT_KEYS and bool(value))


def percent_cell(tally: Tally, key: str, measure: Measure, rag=None) -> Cell:
    value, base = value_of(tally, key)
    return Cell(value, measure, base=base, numerator=PERCENTS[key][0] if key in PERCENTS else "",
                complement=COMPLEMENTS.get(key, ""), rag=rag)


def wide_cells(tally: Tally, targets: DeskTargets, rules: DisclosureRules, scope: str = "") -> dict[str, Cell]:
    return {column.key: count_cell(tally, column.key, scope) if column.measure is COUNT else
            percent_cell(tally, column.key, column.measure, _rag(targets, column.key, tally, rules))
            for column in WIDE_COLUMNS}


def wide_table(key: str, title: str, row_title: str, rows: Sequence[tuple[str, str, Tally]], total: Tally,
               targets: DeskTargets, rules: DisclosureRules, chart: bool = False, scope: str = "") -> Table:
    """A row per period or site (`scope`: "period", "site"; their counts are named by it) and the total."""
    return Table(key=key, title=title, row_title=row_title, columns=WIDE_COLUMNS,
                 rows=[Row(k, label, wide_cells(t, targets, rules, f"{scope}:{k}" if scope else ""))
                       for k, label, t in rows],
                 total=Row("total", "Total", wide_cells(total, targets, rules, ALL)), rows_partition=True,
                 chart=Chart(ChartKind.LINE, "Indicators over time",
                             tuple(c.key for c in WIDE_COLUMNS if c.chart)) if chart else None,
                 note="Contacts, walk-ins and prints count where they happened; cases count at the site they "
                      "were opened at.")


def _amount(indicator_key: str, measure: Measure, difference: float) -> str:
    if measure is PERCENT:
        return f"{abs(difference):.1f}".removesuffix(".0") + " points"
    if measure is MINUTES:
        return f"{abs(difference):.1f}".removesuffix(".0") + " minutes"
    return f"{abs(difference):.0f}%"


def trend(key: str, measure: Measure, now: Tally, before: Tally, rules: DisclosureRules) -> str:
    """Words comparing this period's figure with the previous period's."""
    value, _base = value_of(now, key)
    earlier, _earlier_base = value_of(before, key)
    if value is None:
        return "No figure this period"
    if earlier is None:
        return "No figure for the previous period"
    if _too_few(rules, now, key) or _too_few(rules, before, key):
        return "Too few to compare"
    if measure is COUNT:
        if earlier == 0:
            return "None in the previous period"
        difference = 100.0 * (value - earlier) / earlier
        shown = round(difference)
    else:
        difference = value - earlier
        shown = round(difference, 1)
    if shown == 0:
        return "The same as the previous period"
    return f"{'Up' if difference > 0 else 'Down'} {_amount(key, measure, difference)} on the previous period"


def _target_words(targets: DeskTargets, key: str) -> str:
    if key not in Indicator._value2member_map_:
        return "No target"
    indicator = Indicator(key)
    value = f"{targets.target(indicator):g}"
    return f"{value} minutes or less" if indicator.minutes else f"{value}% or more"


def indicators_table(now: Tally, before: Tally, previous: Period, targets: DeskTargets,
                     rules: DisclosureRules) -> Table:
    rows = []
    for key, label, measure in INDICATOR_ROWS:
        value, base = value_of(now, key)
        cells: dict[str, Cell] = {}
        if measure is PERCENT:
            numerator = PERCENTS[key][0]
            cells["value"] = Cell(value, PERCENT, base=base, numerator="count")
            cells["count"] = Cell(now[numerator], COUNT, fact=fact(ALL, numerator),
                                  drill=(key, "count") in INDICATOR_DRILL and bool(now[numerator]))
            cells["of"] = Cell(base, COUNT, fact=fact(ALL, OUT_OF[key]),
                               drill=(key, "of") in INDICATOR_DRILL and bool(base))
        elif measure is MINUTES:
            cells["value"] = Cell(value, MINUTES, base=base)
            cells["of"] = Cell(base, COUNT, fact=fact(ALL, OUT_OF[key]))
        else:  # a count, in the column of percentages: disclosure control goes by the cell's measure
            cells["value"] = Cell(value, COUNT, fact=fact(ALL, key),
                                  drill=(key, "value") in INDICATOR_DRILL and bool(value))
        rag = _rag(targets, key, now, rules)
        cells["target"] = Cell(_target_words(targets, key), TEXT)
        cells["rag"] = Cell(rag.label if rag else ("Too few to judge" if key in Indicator._value2member_map_
                                                   and value is not None else "–"), TEXT, rag=rag, numerator="value")
        cells["trend"] = Cell(trend(key, measure, now, before, rules), TEXT, numerator="value")
        rows.append(Row(key, label, cells))
    return Table(key="indicators", title="Contract indicators", row_title="Indicator", columns=(
        Column("value", "This period", PERCENT), Column("count", "Number"), Column("of", "Out of"),
        Column("target", "Target", TEXT), Column("rag", "Against target", TEXT),
        Column("trend", "Trend", TEXT)), rows=rows,
        note=f"The trend compares with the same number of days just before: {previous.label}. Green meets the "
             f"target; amber is within {targets.amber_margin_points:g} points of it (waits: within "
             f"{targets.amber_wait_percent:g}% over it); red is further off.")


def _site_table(key: str, title: str, columns: tuple[Column, ...], rows, total: Tally, chart: Chart | None,
                note: str) -> Table:
    def cells(tally: Tally, scope: str) -> dict[str, Cell]:
        return {column.key: count_cell(tally, column.key, scope) if column.measure is COUNT
                else percent_cell(tally, column.key, column.measure) for column in columns}

    return Table(key=key, title=title, row_title="Site", columns=columns,
                 rows=[Row(k, label, cells(t, f"site:{k}")) for k, label, t in rows],
                 total=Row("total", "Total", cells(total, ALL)),
                 rows_partition=True, chart=chart, note=note)


def channels_table(rows, total: Tally) -> Table:
    channels = tuple(Column(f"channel_{c.value}", c.label, part_of="contacts") for c in Channel)
    return _site_table("channels", "Contacts by channel", (Column("contacts", "Contacts"), *channels), rows, total,
                       Chart(ChartKind.BAR, "Contacts by channel", tuple(c.key for c in channels)),
                       "Each contact is counted once, on the channel it came by.")


def help_types_table(rows, total: Tally) -> Table:
    kinds = tuple(Column(f"help_{h.value}", KEY_TITLES[f"help_{h.value}"], part_of="contacts") for h in HelpType)
    return _site_table("help_types", "Help given", (Column("contacts", "Contacts"), *kinds,
                                                    Column("assisted_share", KEY_TITLES["assisted_share"], PERCENT)),
                       rows, total, None, "The assisted share is assisted self-service among contacts where a task "
                                          "was done, with the resident or for them; information and signposting "
                                          "is neither.")


EQUALITY_COLUMNS = ("contacts", "resolved", "first_contact", "no_avoidable", "right_first_time", "rated", "good",
                    "satisfaction")


def equality_table(dimension: Dimension, groups: dict[str, Tally], targets: DeskTargets,
                   rules: DisclosureRules) -> Table:
    columns = tuple(c for key in EQUALITY_COLUMNS for c in WIDE_COLUMNS if c.key == key)

    def cells(tally: Tally, scope: str = "") -> dict[str, Cell]:
        wide = wide_cells(tally, targets, rules, scope)
        out = {key: wide[key] for key in EQUALITY_COLUMNS}
        for cell in out.values():
            cell.drill = False  # a list by equality group would single people out
        return out

    names = sorted((g for g in groups if g != NOT_RECORDED), key=str.casefold)
    names += [NOT_RECORDED] if NOT_RECORDED in groups else []
    total = Tally()
    for tally in groups.values():
        total.add(tally)
    return Table(key=f"equality_{dimension.value}", title=f"Contacts by {dimension.label.lower()}",
                 row_title=dimension.label, columns=columns,
                 rows=[Row(name, name, cells(groups[name])) for name in names],
                 total=Row("total", "Total", cells(total, ALL)),  # the same contacts as the other tables
                 rows_partition=True,
                 note=f"“{NOT_RECORDED}” counts contacts with nobody registered and residents who gave no answer.")


def relations() -> list[Relation]:
    """The sums across tables: the indicators' escalations in all and their help with a task
    ("Out of" of the assisted share) are parts shown in other rows and tables."""
    return [Relation((fact(ALL, "escalated_contacts"), fact(ALL, "case_escalations")), fact(ALL, "escalations")),
            Relation((fact(ALL, "help_assisted"), fact(ALL, "help_on_behalf")), fact(ALL, "assisted_or_on_behalf"))]
