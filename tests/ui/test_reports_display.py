"""A report on screen: exactly the figures formatting.shown writes, RAG in colour and in words,
withheld figures never given away (table, tooltip, chart), drill-down only for roles that may
open the records, saving as PDF, CSV and XLSX, and the page rendered for a person to look at."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCharts import QHorizontalBarSeries, QLineSeries
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QApplication, QFileDialog

from assisted_desk.core.security import PermissionDenied
from assisted_desk.reporting.formatting import SUPPRESSED, shown
from assisted_desk.reporting.model import ReportKind
from assisted_desk.ui.reports.drill import DrillDialog
from assisted_desk.ui.reports.table_model import DRILL_ROLE, ReportTableModel
from assisted_desk.ui.workers import wait_for_background_jobs

from .conftest import double_the_text
from . import test_reports_page as page_tests
from .test_reports_page import ARABIC, GUJARATI, ListingReferralReport, sample_report

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

# The same people and page as the page's own tests.
coordinator, manager, open_page = page_tests.coordinator, page_tests.manager, page_tests.open_page

# Every role that carries words (alignment, fonts and colours carry none), and the model's own.
ROLES = [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole, Qt.ItemDataRole.ToolTipRole,
         Qt.ItemDataRole.StatusTipRole, Qt.ItemDataRole.WhatsThisRole, Qt.ItemDataRole.AccessibleTextRole,
         Qt.ItemDataRole.AccessibleDescriptionRole] + [Qt.ItemDataRole.UserRole + n for n in range(6)]


def all_text(model, row: int, column: int) -> str:
    """Everything any role of one cell gives, as text."""
    index = model.index(row, column)
    return " ".join(str(model.data(index, role)) for role in ROLES)


def position(model, row_key: str, column_key: str) -> tuple[int, int]:
    row = next(n for n, r in enumerate(model.rows) if r.key == row_key)
    column = 1 + next(n for n, c in enumerate(model.table.columns) if c.key == column_key)
    return row, column


def test_the_table_model_passes_qts_model_tester(qtmodeltester, database_url):
    for table in sample_report().tables:
        qtmodeltester.check(ReportTableModel(table, drillable=True), force_py=True)


def test_tables_show_exactly_what_formatting_writes_with_rag_in_words(qtbot, coordinator, open_page):
    page = open_page(coordinator)
    report = sample_report()
    page.show_report(report)
    assert page.view.rules.isVisible() and page.view.rules.text() == report.rules
    for table in report.tables:
        model = page.view.table_views[table.key].model()
        rows = [*table.rows, *([table.total] if table.total else [])]
        assert model.rowCount() == len(rows)
        assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())] == \
            [table.row_title, *[c.title for c in table.columns]]
        for r, row in enumerate(rows):
            assert model.index(r, 0).data() == row.label
            for c, column in enumerate(table.columns, start=1):
                cell = row.cell(column.key)
                expected = shown(cell)
                if cell.rag is not None and not cell.suppressed and cell.rag.label not in expected:
                    expected = f"{expected} ({cell.rag.label})"
                assert model.index(r, c).data() == expected, (table.key, row.key, column.key)
    partners = page.view.table_views["partners"].model()
    assert partners.index(1, 3).data() == "12.0 days (Red)"
    assert partners.index(0, 4).data() == "Green"  # a RAG word is not said twice
    assert partners.index(2, 3).data() == "–"
    assert partners.index(1, 3).data(Qt.ItemDataRole.BackgroundRole).color().name() == "#f6d3d3"
    assert partners.index(0, 1).data(Qt.ItemDataRole.BackgroundRole) is None
    total = partners.rowCount() - 1
    assert partners.index(total, 0).data() == "All partners"
    assert all(partners.index(total, c).data(Qt.ItemDataRole.FontRole).bold() for c in range(partners.columnCount()))
    assert partners.index(0, 1).data(Qt.ItemDataRole.FontRole) is None or \
        not partners.index(0, 1).data(Qt.ItemDataRole.FontRole).bold()


def test_a_withheld_figure_is_never_given_away(qtbot, coordinator, open_page):
    page = open_page(coordinator)
    report = sample_report()
    page.show_report(report)
    checked = 0
    for table in report.tables:
        model = page.view.table_views[table.key].model()
        for row in [*table.rows, *([table.total] if table.total else [])]:
            for column in table.columns:
                cell = row.cell(column.key)
                if not cell.suppressed:
                    continue
                r, c = position(model, row.key, column.key)
                assert model.index(r, c).data() == SUPPRESSED
                given = all_text(model, r, c)
                secret = f"{cell.value:g}" if isinstance(cell.value, float) else str(cell.value)
                assert secret not in given, (table.key, row.key, column.key, given)
                assert "withheld so that nobody can be identified" in model.index(r, c).data(
                    Qt.ItemDataRole.ToolTipRole)
                assert not model.index(r, c).data(DRILL_ROLE)  # no list behind a withheld figure either
                checked += 1
    assert checked == 4

    page.view.finish_charts()
    funnel = page.view.charts["funnel"]
    series = funnel.chart.series()[0]
    assert isinstance(series, QHorizontalBarSeries)
    values = [series.barSets()[0].at(i) for i in range(series.barSets()[0].count())]
    assert 7.0 not in values and values == [40.0, 0.0, 95.0, 120.0]  # the first step at the top
    assert "People: withheld ([c]) for Attended a first session." in funnel.note.text() and funnel.note.isVisible()
    partners = page.view.charts["partners"]
    bars = partners.chart.series()[0]
    # Long partner names: horizontal bars, the first row at the top; the legend says a figure is missing.
    assert isinstance(bars, QHorizontalBarSeries)
    assert [s.label() for s in bars.barSets()] == ["Referred", "Finished (1 of 3 withheld)"]
    assert [bars.barSets()[1].at(i) for i in range(3)] == [12.0, 0.0, 25.0]
    assert f"Finished: withheld ([c]) for {GUJARATI}." in partners.note.text()
    line = page.view.charts["months"].chart.series()[0]
    assert isinstance(line, QLineSeries)
    assert [(p.x(), p.y()) for p in line.points()] == [(0.0, 82.0), (1.0, 64.5)]  # November: nothing to draw
    assert "Resolved first time: nothing to show for November 2026." in page.view.charts["months"].note.text()
    assert "equality_age_band" not in page.view.charts


def test_charts_have_titles_axes_and_accessible_names(qtbot, coordinator, open_page):
    page = open_page(coordinator)
    page.show_report(sample_report())
    qtbot.waitUntil(page.view.charts_ready, timeout=5_000)  # drawn one by one after the tables
    chart = page.view.charts["partners"]
    assert chart.chart.title() == "Referred and finished, by partner"
    assert sorted(axis.titleText() for axis in chart.chart.axes()) == ["Number", "Partner"]
    assert chart.view.accessibleName() == "Chart: Referred and finished, by partner"
    assert "the same figures are in the table above" in chart.view.accessibleDescription()
    assert sorted(a.titleText() for a in page.view.charts["months"].chart.axes()) == ["Month", "Per cent"]


def activate(qtbot, view, row: int, column: int) -> None:
    index = view.model().index(row, column)
    view.setFocus()
    view.setCurrentIndex(index)
    qtbot.keyClick(view, Qt.Key.Key_Return)


def test_a_coordinator_opens_the_records_behind_a_figure(qtbot, services, coordinator, open_page):
    listing = ListingReferralReport()
    services.reports.builders[ReportKind.REFERRALS] = listing
    page = open_page(coordinator)
    page.show_report(sample_report())
    view = page.view.table_views["partners"]
    model = view.model()
    assert model.index(0, 1).data(DRILL_ROLE) and model.index(0, 1).data(Qt.ItemDataRole.FontRole).underline()
    assert "Double-click, or press Enter" in model.index(0, 1).data(Qt.ItemDataRole.ToolTipRole)
    qtbot.waitUntil(lambda: page.isActiveWindow(), timeout=5_000)
    activate(qtbot, view, 0, 1)
    dialog = page.drill_dialog
    assert isinstance(dialog, DrillDialog)
    qtbot.waitUntil(lambda: not dialog.loading, timeout=10_000)
    assert listing.asked == [("partners", "11", "referred")]
    assert dialog.heading.text() == f"{ARABIC} – Referred: 60"
    assert dialog.model.rowCount() == 2 and dialog.model.index(0, 1).data() == "Łukasz Żółć"
    assert dialog.status.text() == f"Referred to {ARABIC}\n2 records."
    dialog.reject()
    # An equality table never opens a list of residents, and a total has nothing behind it.
    equality = page.view.table_views["equality_age_band"]
    assert not equality.model().index(0, 1).data(DRILL_ROLE)
    activate(qtbot, equality, 0, 1)
    total = model.rowCount() - 1
    assert not model.index(total, 1).data(DRILL_ROLE)
    assert page.drill_dialog is dialog and listing.asked == [("partners", "11", "referred")]


def test_a_manager_sees_figures_without_drill_down_and_the_service_refuses_too(qtbot, services, manager, open_page):
    listing = ListingReferralReport()
    services.reports.builders[ReportKind.REFERRALS] = listing
    page = open_page(manager)
    report = sample_report()
    page.show_report(report)
    view = page.view.table_views["partners"]
    model = view.model()
    assert not any(model.index(r, c).data(DRILL_ROLE) for r in range(model.rowCount())
                   for c in range(model.columnCount()))
    assert model.index(0, 1).data(Qt.ItemDataRole.ToolTipRole) is None
    assert not (model.index(0, 1).data(Qt.ItemDataRole.FontRole) or view.font()).underline()
    activate(qtbot, view, 0, 1)
    assert page.drill_dialog is None
    with pytest.raises(PermissionDenied, match="may see this report's figures but not the records"):
        services.reports.drill(manager, report.request, "partners", "11", "referred")
    assert listing.asked == []


@pytest.mark.parametrize("fmt, magic", [("pdf", b"%PDF"), ("csv", "\ufeff".encode() + b"\"") , ("xlsx", b"PK")])
def test_saving_the_report_writes_the_file_and_says_where(qtbot, monkeypatch, tmp_path, coordinator, open_page,
                                                          fmt, magic):
    page = open_page(coordinator)
    assert not page.export_buttons[fmt].isEnabled()
    page.show_report(sample_report())
    target = tmp_path / f"Łukasz report.{fmt}"
    asked = []

    def fake_dialog(parent, title, suggested, filters):
        asked.append((title, Path(suggested).name, filters))
        return str(target.with_suffix("")), filters  # no suffix typed: the page adds it

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake_dialog))
    page.export_buttons[fmt].click()
    qtbot.waitUntil(lambda: not page.saving, timeout=30_000)
    assert asked[0][1] == f"referrals-report-2026-09-01-to-2026-11-23.{fmt}"
    assert target.exists() and target.stat().st_size > 100
    if fmt != "csv":
        assert target.read_bytes().startswith(magic)
    assert page.message.text() == f"Saved the report as {target}."
    assert all(button.isEnabled() for button in page.export_buttons.values())


def test_a_save_that_cannot_be_written_says_what_to_do(qtbot, monkeypatch, tmp_path, coordinator, open_page):
    page = open_page(coordinator)
    page.show_report(sample_report())
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a: (str(tmp_path / "no such folder" / "r.csv"), "")))
    page.export_buttons["csv"].click()
    qtbot.waitUntil(lambda: not page.saving, timeout=30_000)
    assert page.message.property("kind") == "error"
    assert "does not exist" in page.message.text() and "Choose a folder" in page.message.text()


# ---- for a person to look at --------------------------------------------------------------------------------------


@pytest.mark.parametrize("scale", [1, 2])
def test_render_the_reports_page(qtbot, qapp, request, admin, open_page, artifacts, scale):
    if scale == 2:
        double_the_text(qapp, request)
    page = open_page(admin)
    page.resize(1280 * scale, 800 * scale)
    page.filters.protect.setChecked(False)
    page.show_report(sample_report(protect=False))
    page.view.finish_charts()
    QApplication.processEvents()
    QCoreApplication.sendPostedEvents()
    assert page.grab().save(str(artifacts / f"reports-page-{scale}x.png"))
    content = page.view.scroll.widget()
    assert content.grab().save(str(artifacts / f"reports-tables-and-charts-{scale}x.png"))
    for view in page.view.table_views.values():  # nothing clipped: every column as wide as its words
        header = view.horizontalHeader()
        for column in range(header.count()):
            assert header.sectionSize(column) >= view.sizeHintForColumn(column) - 1
    page.filters.protect.setChecked(True)
    wait_for_background_jobs()


@pytest.mark.parametrize("scale", [1])  # double text size is covered by the hand-made report above
def test_real_reports_on_demo_data_render_and_drill(qtbot, qapp, request, services, artifacts, scale):
    """The builders' own reports over the demo desk, run from the page as the demo coordinator."""
    from assisted_desk.demo import DEMO_PASSWORD, load_demo

    if scale == 2:
        double_the_text(qapp, request)
    list(load_demo(services, residents=40))
    signed = services.signin.sign_in("coordinator", DEMO_PASSWORD)
    page = page_tests.ReportsPage(services, signed.actor)
    qtbot.addWidget(page)
    page.resize(1280 * scale, 800 * scale)
    page.show()
    qtbot.waitUntil(page.is_ready, timeout=10_000)
    for kind in ReportKind:
        page.filters.kind.setCurrentIndex(page.filters.kind.findData(kind.value))
        page.filters.quick.setCurrentIndex(page.filters.quick.findData("last_12_months"))
        page.filters.quick.activated.emit(page.filters.quick.currentIndex())
        page.filters.breakdown.setCurrentIndex(page.filters.breakdown.findData("age_band"))
        page.run_button.click()
        qtbot.waitUntil(lambda: not page.running, timeout=60_000)
        assert page.message.isHidden(), page.message.text()
        report = page.view.report
        assert report.request.kind is kind and report.tables and report.rules
        page.view.finish_charts()
        QApplication.processEvents()
        assert page.view.scroll.widget().grab().save(str(artifacts / f"reports-demo-{kind.value}-{scale}x.png"))
        if kind is ReportKind.REFERRALS and scale == 1:
            target = next(((key, view, r, c) for key, view in page.view.table_views.items()
                           for r in range(view.model().rowCount()) for c in range(1, view.model().columnCount())
                           if view.model().index(r, c).data(DRILL_ROLE)), None)
            assert target is not None, "the referral report offers a coordinator the records behind its figures"
            _key, view, r, c = target
            page.activateWindow()
            qtbot.waitUntil(page.isActiveWindow, timeout=5_000)
            activate(qtbot, view, r, c)
            dialog = page.drill_dialog
            qtbot.waitUntil(lambda: not dialog.loading, timeout=10_000)
            assert dialog.message.isHidden(), dialog.message.text()
            assert dialog.model.rowCount() > 0
            dialog.show()
            QApplication.processEvents()
            assert dialog.grab().save(str(artifacts / "reports-demo-drill-1x.png"))
            dialog.reject()
