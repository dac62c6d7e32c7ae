"""Desk performance report over a known history (tests/reporting/desk_data.py), on SQLite and
PostgreSQL: every indicator, RAG against targets, trend words, months, quarters, sites, an
equality breakdown, drill-down and its refusals, with disclosure control on and off."""

from __future__ import annotations

import re
from datetime import date

import pytest

from assisted_desk.reporting.disclosure import WITHHELD_WORDS
from sqlalchemy import event

from assisted_desk.casework.sla_figures import CaseSlaFigures, sla_counts_by_span
from assisted_desk.core.errors import NotFound, PermissionDenied
from assisted_desk.core.security import PERMISSIONS, Permission, Role
from assisted_desk.reporting.disclosure import DisclosureRules, save_rules
from assisted_desk.reporting.formatting import shown
from assisted_desk.reporting.model import (ChartKind, Dimension, Grain, Measure, Rag, Relation, ReportKind,
                                           ReportRequest)
from assisted_desk.reporting.targets import DeskTargets, save_targets
from tests.conftest import make_actor

from .desk_data import build_history
from .facts_check import capture, check_percentages, check_relations, fact_values, where_facts

SUMMER = dict(since=date(2026, 7, 1), until=date(2026, 9, 30))


@pytest.fixture
def history(services, admin, clock):
    return build_history(services, admin, clock)


def run(services, actor, **kwargs):
    request = ReportRequest(ReportKind.DESK, **{**SUMMER, "protect": False, **kwargs})
    return services.reports.run_now(actor, request)


def values(table, row: str) -> dict[str, object]:
    return {key: (round(cell.value, 3) if isinstance(cell.value, float) else cell.value)
            for key, cell in table.row(row).cells.items()}


def test_every_indicator_overall(services, history):
    indicators = run(services, history.admin).table("indicators")
    expect = {  # row: (value, number, out of, RAG, trend)
        "contacts": (7, None, None, "–", "Up 133% on the previous period"),
        "first_contact": (57.143, 4, 7, "Red", "Down 9.5 points on the previous period"),
        "right_first_time": (71.429, 5, 7, "Red", "Up 4.8 points on the previous period"),
        "assisted_share": (60.0, 3, 5, "–", "Up 10 points on the previous period"),
        "wait_average": (5.625, None, 4, "Amber", "Up 3.6 minutes on the previous period"),
        "wait_p90": (9.0, None, 4, "Red", "Up 7 minutes on the previous period"),
        "callbacks_on_time": (50.0, 2, 4, "Red", "No figure for the previous period"),
        "first_response": (33.333, 1, 3, "Red", "No figure for the previous period"),
        "resolution": (100.0, 1, 1, "Green", "No figure for the previous period"),
        "escalated_contacts": (1, None, None, "–", "None in the previous period"),
        "case_escalations": (1, None, None, "–", "None in the previous period"),
        "escalations": (2, None, None, "–", "None in the previous period"),
        "satisfaction": (60.0, 3, 5, "Red", "Down 6.7 points on the previous period"),
        "guides_printed": (3, None, None, "–", "None in the previous period"),
    }
    assert [row.key for row in indicators.rows] == list(expect)
    for key, (value, number, out_of, rag, trend) in expect.items():
        got = values(indicators, key)
        assert (got["value"], got.get("count"), got.get("of"), got["rag"], got["trend"]) == \
            (value, number, out_of, rag, trend), key
    first = indicators.row("first_contact")
    assert first.cell("value").base == 7 and first.cell("value").numerator == "count"
    assert first.cell("rag").rag is Rag.RED and indicators.row("resolution").cell("rag").rag is Rag.GREEN
    assert first.cell("target").value == "80% or more"
    assert indicators.row("wait_p90").cell("target").value == "5 minutes or less"
    assert "31 March 2026 to 30 June 2026" in indicators.note


def test_targets_decide_the_colours(services, history):
    """Exactly on target is green; within the margin amber; beyond it red (waits: a share over)."""
    admin = history.admin
    save_targets(services.settings, admin, DeskTargets(satisfaction=60, right_first_time=75, wait_average=5,
                                                       wait_p90=9, amber_margin_points=5, amber_wait_percent=20))
    rows = run(services, admin).table("indicators")
    assert rows.row("satisfaction").cell("rag").rag is Rag.GREEN  # 60% against 60%
    assert rows.row("right_first_time").cell("rag").rag is Rag.AMBER  # 71.4% against 75 - 5
    assert rows.row("wait_average").cell("rag").rag is Rag.AMBER  # 5.625 within 6
    assert rows.row("wait_p90").cell("rag").value == "Green"  # 9 against 9
    save_targets(services.settings, admin, DeskTargets(right_first_time=75, amber_margin_points=3,
                                                       amber_wait_percent=10, wait_p90=8.5))
    rows = run(services, admin).table("indicators")
    assert rows.row("right_first_time").cell("rag").rag is Rag.RED  # 71.4 below 72
    assert rows.row("wait_average").cell("rag").rag is Rag.RED  # 5.625 over 5.5
    assert rows.row("wait_p90").cell("rag").rag is Rag.AMBER  # 9 within 8.5 + 10%


def test_by_month_with_summer_time_edges(services, history):
    table = run(services, history.admin).table("by_period")
    assert [(r.key, r.label) for r in table.rows] == [("2026-07", "July 2026"), ("2026-08", "August 2026"),
                                                      ("2026-09", "September 2026")]
    july, august, september = (values(table, k) for k in ("2026-07", "2026-08", "2026-09"))
    # 00:30 on 1 July in London (23:30 UTC on 30 June) is July; 00:30 on 1 August is August.
    assert (july["contacts"], august["contacts"], september["contacts"]) == (3, 2, 2)
    assert (july["resolved"], july["first_contact"], july["no_avoidable"]) == (2, 66.667, 2)
    assert (july["served"], july["wait_average"], july["wait_p90"]) == (2, 5.25, 6.5)
    assert (august["wait_average"], september["wait_p90"]) == (3.0, 9.0)
    assert (july["callbacks_due"], july["callbacks_made"], august["callbacks_due"], august["callbacks_made"],
            september["callbacks_on_time"]) == (2, 1, 1, 0, 100.0)
    assert (july["first_response_due"], july["first_response_met"], august["resolution_due"],
            august["resolution_met"]) == (3, 1, 1, 1)
    assert (july["escalated_contacts"], july["case_escalations"], july["escalations"]) == (1, 1, 2)
    assert (july["guides_printed"], august["guides_printed"], september["guides_printed"]) == (1, 1, 1)
    assert (august["rated"], august["good"], september["satisfaction"]) == (2, 1, 100.0)
    assert table.rows_partition and values(table, "total")["contacts"] == 7
    assert table.chart.kind is ChartKind.LINE
    assert set(table.chart.columns) == {"first_contact", "right_first_time", "callbacks_on_time", "satisfaction"}
    assert table.column("escalated_contacts").part_of == "escalations"
    assert table.row("2026-07").cell("first_contact").rag is Rag.RED


def test_by_quarter(services, history):
    table = run(services, history.admin, grain=Grain.QUARTER, since=date(2026, 4, 1)).table("by_period")
    assert [r.key for r in table.rows] == ["2026-Q2", "2026-Q3"]
    q2, q3 = values(table, "2026-Q2"), values(table, "2026-Q3")
    assert (q2["contacts"], q2["resolved"], q2["wait_average"], q2["satisfaction"]) == (2, 1, 2.0, 100.0)
    assert (q3["contacts"], q3["resolved"], q3["wait_average"], q3["guides_printed"]) == (7, 4, 5.625, 3)


def test_by_site_channels_and_help(services, history):
    report = run(services, history.admin)
    by_site = report.table("by_site")
    a, b = str(history.site_a), str(history.site_b)
    assert [r.key for r in by_site.rows] == [a, b, "none"]  # Central Library, Ștefan Hub, then no site
    assert by_site.row(b).label == "Ștefan Hub"
    site_a, site_b, nowhere = values(by_site, a), values(by_site, b), values(by_site, "none")
    assert (site_a["contacts"], site_a["resolved"], site_a["assisted_share"], site_a["wait_average"]) == (5, 3, 75.0, 4.5)
    assert (site_a["first_response_due"], site_a["first_response_met"], site_b["first_response_due"],
            site_b["first_response_met"]) == (2, 1, 1, 0)
    assert (site_b["callbacks_due"], site_b["callbacks_made"], site_b["wait_p90"]) == (1, 1, 9.0)
    assert (nowhere["guides_printed"], nowhere["contacts"]) == (1, 0)  # a guide printed with no site
    channels = report.table("channels")
    assert [r.key for r in channels.rows] == [a, b]
    assert values(channels, "total") == {"contacts": 7, "channel_face_to_face": 2, "channel_phone": 2,
                                         "channel_email": 1, "channel_webchat": 1, "channel_post": 1}
    assert all(channels.column(f"channel_{c}").part_of == "contacts" for c in ("phone", "post"))
    help_given = report.table("help_types")
    assert values(help_given, b) == {"contacts": 2, "help_information": 1, "help_assisted": 0, "help_on_behalf": 1,
                                     "assisted_share": 0.0}
    assert help_given.row("total").cell("assisted_share").base == 5


def test_chosen_sites_only(services, history):
    report = run(services, history.admin, site_ids=(history.site_b,))
    assert [r.key for r in report.table("by_site").rows] == [str(history.site_b)]
    assert values(report.table("indicators"), "contacts")["value"] == 2
    assert values(report.table("indicators"), "first_response")["of"] == 1
    assert values(report.table("indicators"), "guides_printed")["value"] == 1
    assert report.scope == "Ștefan Hub"


def test_callbacks_still_open(services, history):
    """In November, on the 23rd: one open callback overdue (late), one not due yet (not counted)."""
    got = values(run(services, history.admin, since=date(2026, 11, 1), until=date(2026, 11, 30))
                 .table("indicators"), "callbacks_on_time")
    assert (got["value"], got["count"], got["of"]) == (0.0, 0, 1)


def test_case_figures_by_span_agree_with_case_sla_figures(services, history):
    months = [(date(2026, 7, 1), date(2026, 7, 31)), (date(2026, 8, 1), date(2026, 8, 31)),
              (date(2026, 9, 1), date(2026, 9, 30))]
    with services.db.unit_of_work() as session:
        grouped = sla_counts_by_span(session, date(2026, 11, 23), months)
    figures = CaseSlaFigures(services.db, services.clock)
    for n, (since, until) in enumerate(months):
        for site in (history.site_a, history.site_b):
            one = figures.figures(history.admin, since, until, site)
            counts = grouped.get((n, site))
            got = (counts.first_response_due, counts.first_response_on_time, counts.resolution_due,
                   counts.resolution_on_time, counts.escalations) if counts else (0, 0, 0, 0, 0)
            assert got == (one.first_response_due, one.first_response_on_time, one.resolution_due,
                           one.resolution_on_time, one.escalations), (since, site)


def test_equality_breakdown(services, history):
    table = run(services, history.admin, breakdown=Dimension.SEX).table("equality_sex")
    assert [r.key for r in table.rows] == ["Female", "Not recorded"]
    assert values(table, "Female") == {"contacts": 2, "resolved": 1, "first_contact": 50.0, "no_avoidable": 2,
                                       "right_first_time": 100.0, "rated": 1, "good": 1, "satisfaction": 100.0}
    assert values(table, "Not recorded")["contacts"] == 5  # anonymous contacts and a resident with no answers
    assert table.rows_partition and values(table, "total")["contacts"] == 7
    with pytest.raises(PermissionDenied):
        services.reports.drill(history.admin, ReportRequest(ReportKind.DESK, **SUMMER, breakdown=Dimension.SEX),
                               "equality_sex", "Female", "contacts")


def test_drill_lists_the_contacts_behind_a_count(services, history):
    request = ReportRequest(ReportKind.DESK, **SUMMER, protect=False)  # every figure here is under 10
    listing = services.reports.drill(history.admin, request, "indicators", "first_contact", "count")
    assert listing.columns == ("Reference", "When", "Site", "Channel", "Service", "Outcome")
    assert listing.references == ("AD-C001", "AD-C002", "AD-C005", "AD-C006")
    assert listing.rows[0] == ("AD-C001", "01/07/2026 00:30", "Central Library", "Face to face", "Council Tax",
                               "Resolved at first contact")
    assert not listing.truncated
    drill = lambda *where: services.reports.drill(history.admin, request, *where).references  # noqa: E731
    assert drill("by_period", "2026-07", "resolved") == ("AD-C001", "AD-C002")
    assert drill("by_site", str(history.site_b), "contacts") == ("AD-C007", "AD-C006")
    assert drill("help_types", "total", "help_on_behalf") == ("AD-C002", "AD-C006")
    assert drill("indicators", "assisted_share", "of") == ("AD-C001", "AD-C002", "AD-C004", "AD-C005", "AD-C006")
    assert drill("indicators", "satisfaction", "count") == ("AD-C001", "AD-C004", "AD-C006")
    for where in (("indicators", "wait_average", "value"), ("by_site", str(history.site_a), "served"),
                  ("by_period", "2026-12", "contacts"), ("by_site", "none", "contacts"),
                  ("by_period", "2026-09", "escalated_contacts")):
        with pytest.raises(NotFound):
            services.reports.drill(history.admin, request, *where)
    assert run(services, history.admin).table("indicators").row("first_contact").cell("count").drill


def test_drill_refused_without_permission(services, history, monkeypatch):
    desk = make_actor(services, history.admin, "deskonly", Role.DESK)
    request = ReportRequest(ReportKind.DESK, **SUMMER)
    with pytest.raises(PermissionDenied):
        services.reports.drill(desk, request, "indicators", "contacts", "value")
    coordinator = make_actor(services, history.admin, "coordinator", Role.COORDINATOR)
    assert services.reports.may_drill(coordinator, ReportKind.DESK)
    with pytest.raises(PermissionDenied, match="hidden to protect"):  # allowed, but 7 contacts are hidden
        services.reports.drill(coordinator, request, "indicators", "contacts", "value")
    monkeypatch.setitem(PERMISSIONS, Role.COORDINATOR, PERMISSIONS[Role.COORDINATOR] - {Permission.VIEW_RESIDENTS})
    with pytest.raises(PermissionDenied, match="not the records"):
        services.reports.drill(coordinator, request, "indicators", "contacts", "value")


def test_protected_figures_hide_small_counts_and_what_follows_from_them(services, history):
    manager = make_actor(services, history.admin, "manager", Role.MANAGER)
    report = services.reports.run_now(manager, ReportRequest(ReportKind.DESK, **SUMMER))
    first = report.table("indicators").row("first_contact")
    assert first.cell("count").suppressed and first.cell("value").suppressed and shown(first.cell("value")) == "[c]"
    assert first.cell("rag").value == WITHHELD_WORDS and first.cell("rag").rag is None
    assert first.cell("trend").value == WITHHELD_WORDS
    assert report.table("by_period").row("2026-07").cell("first_contact").rag is None
    assert "hidden" in report.rules
    with pytest.raises(PermissionDenied):  # only an administrator turns protection off
        services.reports.run_now(manager, ReportRequest(ReportKind.DESK, **SUMMER, protect=False))


def test_contacts_are_summed_from_their_days_in_one_grouped_statement(services, history):
    """The indicators, months, sites and the previous period (the trend) come from one grouped
    pass over the contacts counted per day; the contacts themselves are not read."""
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(services.db.engine, "before_cursor_execute", listener)
    try:
        run(services, history.admin)
    finally:
        event.remove(services.db.engine, "before_cursor_execute", listener)
    over_days = [s for s in statements if "FROM interaction_day" in s]
    assert len(over_days) == 1 and "GROUP BY" in over_days[0]
    assert not [s for s in statements if re.search(r"FROM interaction\b(?!_day)", s)]


def test_the_same_figure_carries_the_same_fact_in_every_table(services, history, monkeypatch):
    seen = capture(monkeypatch)
    report = run(services, history.admin, breakdown=Dimension.SEX)
    tables, relations = seen[-1]
    places = where_facts(tables)
    b = str(history.site_b)
    assert set(places[f"site:{b}/contacts"]) == {("by_site", b, "contacts"), ("channels", b, "contacts"),
                                                  ("help_types", b, "contacts")}
    assert set(places[f"site:{b}/help_on_behalf"]) == {("by_site", b, "help_on_behalf"),
                                                        ("help_types", b, "help_on_behalf")}
    assert set(places["all/contacts"]) == {
        ("indicators", "contacts", "value"), ("indicators", "first_contact", "of"),
        ("indicators", "right_first_time", "of"), ("by_period", "total", "contacts"), ("by_site", "total", "contacts"),
        ("channels", "total", "contacts"), ("help_types", "total", "contacts"), ("equality_sex", "total", "contacts")}
    assert places["period:2026-08/contacts"] == [("by_period", "2026-08", "contacts")]
    # counts in the indicators' column of percentages are counts, named as such
    indicators = report.table("indicators")
    for key in ("contacts", "escalated_contacts", "case_escalations", "escalations", "guides_printed"):
        cell = indicators.row(key).cell("value")
        assert cell.measure is Measure.COUNT and cell.fact == f"all/{key}", key
    values = check_relations(tables, relations)  # every fact one value; the sums across tables hold
    assert Relation(("all/escalated_contacts", "all/case_escalations"), "all/escalations") in relations
    assert (values["all/escalations"], values["all/assisted_or_on_behalf"], values[f"site:{b}/contacts"]) == (2, 5, 2)
    # the assisted share's base is assisted + on behalf, both in its row
    assert check_percentages(tables) >= 2 * (len(report.table("by_site").rows) + 1)
    share = report.table("help_types").row(b).cell("assisted_share")
    assert (share.numerator, share.complement) == ("help_assisted", "help_on_behalf")


def test_a_figure_hidden_in_one_table_is_hidden_in_all(services, history):
    save_rules(services.settings, history.admin, DisclosureRules(10, 0))
    manager = make_actor(services, history.admin, "manager", Role.MANAGER)
    report = services.reports.run_now(manager, ReportRequest(ReportKind.DESK, **SUMMER))
    b = str(history.site_b)
    for table in ("by_site", "channels", "help_types"):
        assert report.table(table).row(b).cell("contacts").suppressed, table
    for key in ("contacts", "escalated_contacts", "case_escalations", "escalations", "guides_printed"):
        assert report.table("indicators").row(key).cell("value").suppressed, key  # counts, though in a % column
    fact_values(report.tables)  # and every fact alike everywhere
