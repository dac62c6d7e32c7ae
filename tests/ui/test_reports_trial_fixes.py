"""What a user trial of the Reports area found, each held here: a wide report no longer freezes
the window, charts say why they draw nothing and count in whole numbers, long or many names get
horizontal bars, a series withheld everywhere says so on the chart, a 0 is not a link, the contract
indicators fit the page, the page fits a small window at double text size, saving waits for a run,
"Last 12 whole months" means that, and a refusal says what to do."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QHorizontalBarSeries, QValueAxis
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView

from assisted_desk.reporting.model import (Cell, Chart, ChartKind, Column, Measure, Rag, Report, ReportKind,
                                           ReportRequest, Row, Table)
from assisted_desk.ui.reports.table_model import DRILL_ROLE, ReportTableModel

from .conftest import double_the_text
from . import test_reports_page as page_tests
from .test_reports_page import ARABIC, GUJARATI, GatedBuilder, choose

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

coordinator, open_page = page_tests.coordinator, page_tests.open_page
SITES = ["Central Library", "Eastfield Community Hub", "Northgate Community Hub", "Łukasz Żółć Hub"]


def report_of(*tables: Table) -> Report:
    request = ReportRequest(ReportKind.DESK, date(2026, 1, 1), date(2026, 11, 23))
    return Report(request=request, title="Desk performance", period="1 January 2026 to 23 November 2026",
                  scope="All sites", generated_at=datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc),
                  generated_by="Amara Okafor", tables=list(tables), rules="Counts from 1 to 9 are withheld ([c]).")


def wide_table(columns: int = 27, months: int = 12) -> Table:
    """Like the desk report's indicators by month: many columns, a line chart."""
    cols = tuple(Column(f"c{n}", f"Indicator number {n} of the month", Measure.PERCENT if n % 3 else Measure.COUNT)
                 for n in range(columns))
    rows = [Row(f"2026-{m:02}", f"Month {m} of 2026", {
        c.key: Cell(70.0 + m, Measure.PERCENT, base=200, rag=Rag.GREEN) if c.measure is Measure.PERCENT
        else Cell(100 + m, drill=True) for c in cols}) for m in range(1, months + 1)]
    return Table("by_period", "Indicators by month", "Month", cols, rows,
                 chart=Chart(ChartKind.LINE, "Indicators over time", ("c1", "c2")))


def indicators_table() -> Table:
    """Like the contract indicators: long names, figures, then words (target, RAG, trend)."""
    cols = (Column("value", "This period", Measure.PERCENT), Column("number", "Number"),
            Column("target", "Target", Measure.TEXT), Column("against", "Against target", Measure.TEXT),
            Column("trend", "Trend", Measure.TEXT))
    trend = "No figure for the previous period to compare with, so there is no trend to show yet"
    rows = [Row(f"i{n}", f"Assisted self-service, of help with a task (rather than done for the resident) {n}", {
        "value": Cell(79.0, Measure.PERCENT, base=490), "number": Cell(385, drill=True),
        "target": Cell("80% or more", Measure.TEXT), "against": Cell("Amber", Measure.TEXT, rag=Rag.AMBER),
        "trend": Cell(trend, Measure.TEXT)}) for n in range(6)]
    return Table("indicators", "Contract indicators", "Indicator", cols, rows)


def bar_table(labels: list[str], cells: dict[str, list[Cell]], kind: ChartKind = ChartKind.BAR) -> Table:
    cols = tuple(Column(key, key.title()) for key in cells)
    rows = [Row(str(n), label, {key: values[n] for key, values in cells.items()}) for n, label in enumerate(labels)]
    return Table("bars", "By site", "Site", cols, rows, chart=Chart(kind, "Contacts by channel", tuple(cells)))


def categories(series) -> list[str]:
    return next(a for a in series.attachedAxes() if isinstance(a, QBarCategoryAxis)).categories()


# ---- 1. a wide report does not freeze the window -----------------------------------------------------------


def test_a_wide_report_appears_without_asking_every_cell_again_and_again(qtbot, monkeypatch, coordinator,
                                                                         open_page):
    page = open_page(coordinator)
    asked = []
    original = ReportTableModel.data

    def counting(model, index, role=Qt.ItemDataRole.DisplayRole):
        asked.append(role)
        return original(model, index, role)

    monkeypatch.setattr(ReportTableModel, "data", counting)
    report = report_of(indicators_table(), wide_table(), wide_table(40, 24))
    cells = sum((len(t.rows) + 1) * (len(t.columns) + 1) for t in report.tables)
    page.show_report(report)
    # Resizing every column to its contents on every layout pass asked each cell hundreds of times.
    assert len(asked) < 10 * cells, (len(asked), cells)
    for view in page.view.table_views.values():
        assert view.horizontalHeader().sectionResizeMode(0) is QHeaderView.ResizeMode.Interactive
    # Charts come after the tables, one at a time, so the window answers in between.
    assert page.view.charts == {} and not page.view.charts_ready()
    qtbot.waitUntil(page.view.charts_ready, timeout=5_000)
    assert list(page.view.charts) == ["by_period"]
    # Columns are still as wide as their words.
    view = page.view.table_views["by_period"]
    header = view.horizontalHeader()
    for column in range(header.count()):
        assert header.sectionSize(column) >= max(view.sizeHintForColumn(column), header.sectionSizeHint(column)) - 1


# ---- 2. to 4. charts ---------------------------------------------------------------------------------------


def test_a_chart_of_small_counts_labels_whole_numbers_only(qtbot, coordinator, open_page):
    page = open_page(coordinator)
    page.show_report(report_of(bar_table(SITES[:2], {"made": [Cell(1), Cell(0)]})))
    page.view.finish_charts()
    axis = next(a for a in page.view.charts["bars"].chart.axes() if isinstance(a, QValueAxis))
    assert (axis.min(), axis.max(), axis.tickCount(), axis.labelFormat()) == (0.0, 1.0, 2, "%d")


@pytest.mark.parametrize("cells, why", [
    ([Cell(3, suppressed=True)] * 4, "every figure it would draw is withheld ([c]) to protect people"),
    ([Cell(None)] * 4, "there is no figure to draw"),
    ([Cell(0), Cell(4, suppressed=True), Cell(0), Cell(None)],
     "every figure it would draw is 0 or withheld ([c]) to protect people"),
    ([Cell(0), Cell(None), Cell(0), Cell(0)], "every figure it would draw is 0 or blank")])
def test_a_chart_with_nothing_to_draw_is_one_line_saying_why(qtbot, coordinator, open_page, cells, why):
    page = open_page(coordinator)
    page.show_report(report_of(bar_table(SITES, {"made": cells})))
    page.view.finish_charts()
    chart = page.view.charts["bars"]
    assert chart.chart is None and chart.view is None
    assert chart.note.text() == (f"No chart of “Contacts by channel”: {why}. The table gives every figure that "
                                 "may be shown.")
    assert chart.note.isVisible()


def test_many_or_long_names_get_horizontal_bars_with_every_name_whole(qtbot, coordinator, open_page):
    page = open_page(coordinator)
    eight = [f"Site {n}" for n in range(8)]
    page.show_report(report_of(bar_table(eight, {"made": [Cell(10 + n) for n in range(8)]})))
    page.view.finish_charts()
    series = page.view.charts["bars"].chart.series()[0]
    assert isinstance(series, QHorizontalBarSeries)
    assert categories(series) == list(reversed(eight))  # the first row at the top
    assert [series.barSets()[0].at(i) for i in range(8)] == [17.0, 16.0, 15.0, 14.0, 13.0, 12.0, 11.0, 10.0]

    long = [ARABIC, GUJARATI, "Łukasz's Tech Café Network", "Łukasz's Tech Café Network"]
    page.show_report(report_of(bar_table(long, {"made": [Cell(20), Cell(30), Cell(40), Cell(50)]})))
    page.view.finish_charts()
    series = page.view.charts["bars"].chart.series()[0]
    assert isinstance(series, QHorizontalBarSeries)
    assert sorted(categories(series)) == sorted([ARABIC, GUJARATI, "Łukasz's Tech Café Network",
                                         "Łukasz's Tech Café Network (2)"])  # never two the same

    short = ["North", "South", "East", "West"]
    page.show_report(report_of(bar_table(short, {"made": [Cell(20), Cell(30), Cell(40), Cell(50)]})))
    page.view.finish_charts()
    assert type(page.view.charts["bars"].chart.series()[0]) is QBarSeries


def test_a_series_withheld_everywhere_is_left_out_and_the_chart_says_so(qtbot, coordinator, open_page):
    page = open_page(coordinator)
    page.show_report(report_of(bar_table(SITES, {
        "face": [Cell(105), Cell(0), Cell(95), Cell(85)],
        "phone": [Cell(4, suppressed=True), Cell(3, suppressed=True), Cell(6, suppressed=True),
                  Cell(2, suppressed=True)],
        "email": [Cell(4, suppressed=True), Cell(0), Cell(6, suppressed=True), Cell(20)]})))
    page.view.finish_charts()
    chart = page.view.charts["bars"]
    series = chart.chart.series()[0]
    assert [s.label() for s in series.barSets()] == ["Face", "Email (2 of 4 withheld)"]
    assert "Not drawn, every figure withheld or blank: Phone" in chart.chart.title()
    assert chart.chart.legend().isVisible()
    assert "Phone: withheld ([c]) for Central Library, Eastfield Community Hub" in chart.note.text()


# ---- 5. a 0 is not a link ----------------------------------------------------------------------------------


def test_only_a_shown_figure_above_zero_offers_the_records_behind_it(qtbot, coordinator, open_page):
    table = Table("t", "Referrals", "Partner", (Column("made", "Made"), Column("wait", "Days", Measure.DAYS)), [
        Row("1", "A", {"made": Cell(0, drill=True), "wait": Cell(None, Measure.DAYS, base=0)}),
        Row("2", "B", {"made": Cell(12, drill=True, rounded=10), "wait": Cell(2.0, Measure.DAYS, base=12)}),
        Row("3", "C", {"made": Cell(3, drill=True, suppressed=True), "wait": Cell(1.0, Measure.DAYS, base=3)}),
        Row("4", "D", {"made": Cell(None, drill=True), "wait": Cell(None, Measure.DAYS)})])
    model = ReportTableModel(table, drillable=True)
    offered = []
    for row in range(4):
        index = model.index(row, 1)
        font = index.data(Qt.ItemDataRole.FontRole)
        tooltip = index.data(Qt.ItemDataRole.ToolTipRole) or ""
        link = bool(index.data(DRILL_ROLE))
        assert link == bool(font is not None and font.underline()) == ("Double-click" in tooltip), row
        offered.append(link)
    assert offered == [False, True, False, False]


# ---- 6. the contract indicators fit the page ---------------------------------------------------------------


def test_the_contract_indicators_fit_the_page_with_words_wrapped(qtbot, coordinator, open_page):
    page = open_page(coordinator)
    page.show_report(report_of(indicators_table()))
    qtbot.waitUntil(lambda: page.view.scroll.viewport().width() > 0, timeout=2_000)
    page.view.fit_tables()
    view = page.view.table_views["indicators"]
    header = view.horizontalHeader()
    assert header.length() + 2 * view.frameWidth() <= page.view.available_width() == view.width()
    assert view.horizontalScrollBar().maximum() == 0  # nothing clipped, nothing to scroll to
    assert view.wordWrap() and view.rowHeight(0) >= 2 * view.fontMetrics().height()  # the trend wraps
    for column in (1, 2):  # figures are never squeezed
        assert header.sectionSize(column) >= view.sizeHintForColumn(column) - 1
    model = view.model()
    alignment = [Qt.AlignmentFlag(model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.TextAlignmentRole))
                 & Qt.AlignmentFlag.AlignHorizontal_Mask for c in range(model.columnCount())]
    cells = [Qt.AlignmentFlag(model.index(0, c).data(Qt.ItemDataRole.TextAlignmentRole))
             & Qt.AlignmentFlag.AlignHorizontal_Mask for c in range(model.columnCount())]
    left, right = Qt.AlignmentFlag.AlignLeft, Qt.AlignmentFlag.AlignRight
    assert alignment == cells == [left, right, right, left, left, left]


# ---- 7. double text size -----------------------------------------------------------------------------------


def test_at_double_text_size_the_page_fits_a_small_window(qtbot, qapp, request, coordinator, open_page, artifacts):
    double_the_text(qapp, request)
    page = open_page(coordinator)
    page.show_report(report_of(indicators_table(), wide_table()))
    page.view.finish_charts()
    rail_and_status = (200, 120)  # what the main window takes around a page at this size
    needed = page.minimumSizeHint()
    assert needed.width() <= 1280 - rail_and_status[0] and needed.height() <= 800 - rail_and_status[1], needed
    # The rules scroll with the report: the figures get the room.
    assert page.view.scroll.widget().isAncestorOf(page.view.rules)
    ticks = page.filters.sites
    assert ticks.indicator_size >= 0.6 * ticks.fontMetrics().height()
    page.resize(1280 - rail_and_status[0], 800 - rail_and_status[1])
    assert page.grab().save(str(artifacts / "reports-trial-fixes-2x.png"))


# ---- 8. and 10. running, refusals ------------------------------------------------------------------


def test_saving_waits_while_a_report_runs(qtbot, services, coordinator, open_page):
    builder = GatedBuilder(ReportKind.DESK)
    services.reports.builders[ReportKind.DESK] = builder
    page = open_page(coordinator)
    page.show_report(page_tests.sample_report())
    assert all(button.isEnabled() for button in page.export_buttons.values())
    choose(page.filters.kind, ReportKind.DESK.value)
    page.run_button.click()
    assert page.running
    assert not any(button.isEnabled() for button in page.export_buttons.values())  # it would save the old one
    page.save_as("csv")  # even if reached somehow: nothing is asked, nothing saved
    assert not page.saving
    builder.gate.set()
    qtbot.waitUntil(lambda: not page.running, timeout=10_000)
    assert page.view.report.request.kind is ReportKind.DESK
    assert all(button.isEnabled() for button in page.export_buttons.values())


def test_reversed_dates_keep_the_services_words_and_say_what_to_do(qtbot, coordinator, open_page):
    page = open_page(coordinator)
    page.filters.until.setDate(page.filters.since.date().addDays(-3))
    page_tests.run_and_wait(qtbot, page)
    text = page.message.text()
    assert text.startswith("The period ends (") and "before it starts" in text
    assert text.endswith(" Choose a To date on or after the From date.")
