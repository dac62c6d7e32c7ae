"""What the Reports area shows and what it saves are the same report: run a real report from the
page, save it as CSV, XLSX and PDF with the page's own buttons, and compare every figure."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox
from pypdf import PdfReader

from assisted_desk.reporting.formatting import shown
from assisted_desk.reporting.model import ReportKind
from assisted_desk.ui.reports.page import ReportsPage
from assisted_desk.ui.reports.table_model import cell_text

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def screen_figures(page: ReportsPage) -> dict[tuple[str, str, str], str]:
    """(table, row label, column title) -> the text the screen shows."""
    figures = {}
    for key, view in page.view.table_views.items():
        model = view.model()
        for row in range(model.rowCount()):
            label = model.data(model.index(row, 0))
            for column in range(1, model.columnCount()):
                title = model.headerData(column, Qt.Orientation.Horizontal)
                figures[(key, label, title)] = model.data(model.index(row, column))
    return figures


def save(qtbot, page, monkeypatch, button, path) -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: QMessageBox.StandardButton.Ok)
    button.click()
    qtbot.waitUntil(path.exists, timeout=20_000)
    qtbot.waitUntil(lambda: not page.saving, timeout=20_000)


def test_the_screen_the_csv_the_xlsx_and_the_pdf_carry_the_same_figures(qtbot, services, admin, clock, tmp_path,
                                                                         monkeypatch):
    from tests.reporting.desk_data import build_history

    build_history(services, admin, clock)
    page = ReportsPage(services, admin)
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    qtbot.waitUntil(page.is_ready, timeout=10_000)
    filters = page.filters
    filters.kind.setCurrentIndex(filters.kind.findData(ReportKind.DESK.value))
    filters.since.setDate(date(2026, 7, 1))
    filters.until.setDate(date(2026, 9, 30))
    page.run_button.click()
    qtbot.waitUntil(lambda: not page.running and page.view.report is not None, timeout=20_000)
    report = page.view.report
    on_screen = screen_figures(page)
    assert len(on_screen) > 50

    # The screen shows each cell as formatting.shown does (with its RAG in words).
    for table in report.tables:
        for row in [*table.rows, *([table.total] if table.total else [])]:
            for column in table.columns:
                cell = row.cell(column.key)
                assert on_screen[(table.key, row.label, page.view.table_views[table.key].model().headerData(
                    table.columns.index(column) + 1, Qt.Orientation.Horizontal))] == cell_text(cell)

    save(qtbot, page, monkeypatch, page.export_buttons["csv"], tmp_path / "desk.csv")
    save(qtbot, page, monkeypatch, page.export_buttons["xlsx"], tmp_path / "desk.xlsx")
    save(qtbot, page, monkeypatch, page.export_buttons["pdf"], tmp_path / "desk.pdf")

    lines = list(csv.reader((tmp_path / "desk.csv").read_text(encoding="utf-8-sig").splitlines()))
    book = load_workbook(tmp_path / "desk.xlsx")
    pdf = " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(tmp_path / "desk.pdf").pages)
    assert report.rules.split(".")[0] in " ".join(" ".join(line) for line in lines)
    assert " ".join(report.rules.split()[:6]) in pdf
    for n, table in enumerate(report.tables):
        start = lines.index([table.title])
        sheet = book.worksheets[n + 1]
        sheet_rows = {str(r[0]): r[1:] for r in sheet.iter_rows(values_only=True) if r and r[0] is not None}
        assert table.title in pdf
        for offset, row in enumerate([*table.rows, *([table.total] if table.total else [])], 2):
            saved = lines[start + offset]
            assert saved[0] == row.label
            for k, column in enumerate(table.columns):
                cell = row.cell(column.key)
                text = shown(cell)
                value = cell.published if cell is not None else None
                # CSV: the figure itself, or the same words; against a target, the words the screen shows
                if cell is not None and cell.rag is not None and not cell.suppressed:
                    assert saved[k + 1] == cell_text(cell), (table.key, row.key, column.key, saved[k + 1])
                else:
                    assert saved[k + 1] in (text, str(value), f"{value:g}" if isinstance(value, float) else "~"), \
                        (table.key, row.key, column.key, saved[k + 1], text)
                # XLSX: the same number (percentages as fractions, formatted as %), or the same words
                stored = sheet_rows[row.label][k]
                if isinstance(stored, (int, float)) and not isinstance(value, str):
                    expected = value / 100 if cell.measure.value == "percent" else value
                    assert stored == pytest.approx(expected, abs=0.051), (table.key, row.key, column.key)
                else:
                    assert str(stored) == text or (stored is None and text == ""), (table.key, row.key, column.key)
                # PDF: what the screen shows
                if text and cell is not None and cell.measure.value != "text":
                    assert text in pdf, (table.key, row.key, column.key, text)
