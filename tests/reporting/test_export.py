"""CSV and XLSX exports of a report: every value as the screen shows it, nothing a spreadsheet
would run, the disclosure rules stated, and a failed save leaving no half file."""

from __future__ import annotations

import csv
import errno
import os
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from openpyxl import load_workbook

from assisted_desk.reporting import export
from assisted_desk.reporting.export import (ExportProblem, heading, neutralise, sheet_names, write_csv,
                                            write_xlsx)
from assisted_desk.reporting.formatting import NO_DATA, SUPPRESSED, plain, shown
from assisted_desk.reporting.model import (Cell, Chart, ChartKind, Column, Dimension, Measure, Rag, Report, ReportKind,
                                           ReportRequest, Row, Table)
from assisted_desk.ui.reports.table_model import cell_text

RULES = ("Counts from 1 to 9 are hidden (shown as [c]) to protect people's identity, and so are other figures that "
         "would let a hidden count be worked out. Other counts are rounded to the nearest 5.")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MONTHS = ["April", "May", "June", "July", "August", "September", "October", "November", "December",
          "January", "February", "March"]


def count(value, rounded=None, suppressed=False, drill=True) -> Cell:
    return Cell(value, Measure.COUNT, rounded=rounded, suppressed=suppressed, drill=drill)


def percent(value, base, numerator="attended", rounded=None, suppressed=False) -> Cell:
    return Cell(value, Measure.PERCENT, base=base, numerator=numerator, rounded=rounded, suppressed=suppressed)


def days(value, base, suppressed=False) -> Cell:
    return Cell(value, Measure.DAYS, base=base, suppressed=suppressed)


def words(text: str | None, rag: Rag | None = None) -> Cell:
    return Cell(text, Measure.TEXT, rag=rag)


def partner_table(extra_rows: int = 0) -> Table:
    columns = (Column("referred", "Referred", chart=True), Column("attended", "Attended", part_of="referred", chart=True),
               Column("rate", "=Attended rate", Measure.PERCENT), Column("days", "Median days to accept", Measure.DAYS),
               Column("wait", "Average wait", Measure.MINUTES), Column("comment", "Comment", Measure.TEXT))
    rows = [
        Row("1", "=Cure Ltd", {"referred": count(40, 40), "attended": count(23, 25), "rate": percent(57.5, 40, rounded=58),
                               "days": days(3.25, 40), "wait": Cell(12.44, Measure.MINUTES, base=40),
                               "comment": words("-")}),
        Row("2", "دروس محمد", {"referred": count(12, 10), "attended": count(3, suppressed=True),
                               "rate": percent(25.0, 12, suppressed=True), "days": days(4.0, 12),
                               "wait": Cell(None, Measure.MINUTES, base=0), "comment": words("@risk of closing")}),
        Row("3", "Komputery — Łukasz Żółć", {"referred": count(0), "attended": count(0), "rate": percent(None, 0),
                                              "days": days(None, 0), "comment": words("\tindented")}),
        Row("4", "પ્રિયા ફોન ક્લબ", {"referred": count(1234, 1235), "attended": count(1000, 1000),
                                   "rate": percent(81.0, 1234, rounded=81), "days": days(1.0, 1234),
                                   "wait": Cell(7.0, Measure.MINUTES, base=1234), "comment": words("+44 20 7946 0000")}),
        Row("5", "-", {"referred": count(8, suppressed=True), "attended": count(6, suppressed=True),
                       "rate": percent(75.0, 8, suppressed=True), "days": days(2.0, 8, suppressed=True),
                       "comment": words(None)}),
        Row("6", "@home help\rline", {"referred": count(55, 55), "attended": count(20, 20),
                                      "rate": percent(36.4, 55), "days": days(12.5, 55), "comment": words("Ștefan's")}),
    ]
    for n in range(extra_rows):
        rows.append(Row(f"x{n}", f"Partner number {n} with a long name — Łódź branch", {
            "referred": count(20 + n * 3, 20 + n * 3), "attended": count(10 + n, 10 + n),
            "rate": percent(50.0, 20), "days": days(2.0, 20), "comment": words("ok")}))
    total = Row("total", "Total", {"referred": count(1349, 1350), "attended": count(1052, 1050),
                                   "rate": percent(78.0, 1349, rounded=78), "days": days(1.5, 1349),
                                   "wait": Cell(7.3, Measure.MINUTES, base=1300), "comment": words("")})
    return Table("partners", "Referrals by partner: [all] / sites? *", "Partner", columns, rows, total,
                 rows_partition=True, note="=Rates are of referrals made in the period.",
                 chart=Chart(ChartKind.BAR, "Referred and attended, by partner", ("referred", "attended")))


def indicator_table() -> Table:
    columns = (Column("value", "This period", Measure.PERCENT), Column("target", "Target", Measure.PERCENT),
               Column("rag", "Against target", Measure.TEXT), Column("trend", "Trend", Measure.TEXT),
               Column("minutes", "Average minutes", Measure.MINUTES))
    rows = [
        Row("resolved", "Contacts resolved first time", {"value": percent(91.2, 400, ""), "target": Cell(90, Measure.PERCENT),
                                                         "rag": words("Green", Rag.GREEN), "trend": words("up 3 points")}),
        Row("avoidable", "\rAvoidable contacts", {"value": percent(22.0, 400, ""), "target": Cell(15, Measure.PERCENT),
                                                  "rag": words("Red", Rag.RED), "trend": words("-4 points on last year")}),
        Row("wait", "Waited under 5 minutes", {"value": percent(80.0, 120, ""), "target": Cell(85, Measure.PERCENT),
                                               "rag": words("Amber", Rag.AMBER), "trend": words("=")}),
        Row("minutes", "Minutes per contact", {"value": Cell(14.5, Measure.MINUTES, base=400),
                                               "minutes": Cell(14.5, Measure.MINUTES, base=400, rag=Rag.GREEN)}),
    ]
    return Table("indicators", "Referrals by partner: [all] / sites? * again", "Indicator", columns, rows)


def month_table() -> Table:
    rows = []
    for index, month in enumerate(MONTHS):
        year = 2026 if index < 9 else 2027
        value = [31, 44, 52, 8, 60, 71, 66, 58, None, 49, 40, 62][index]
        cell = Cell(None, Measure.COUNT) if value is None else count(value, round(value / 5) * 5, suppressed=value < 10)
        rows.append(Row(f"{year}-{index:02d}", f"{month} {year}", {"contacts": cell}))
    return Table("months", "Contacts by month", "Month", (Column("contacts", "Contacts", chart=True),), rows,
                 chart=Chart(ChartKind.LINE, "Contacts by month", ("contacts",)))


def funnel_table() -> Table:
    steps = [("referred", "Referred", 420), ("accepted", "Accepted", 300), ("attended", "Attended a first session", 180),
             ("completed", "Completed", 7)]
    rows = [Row(key, label, {"people": count(n, round(n / 5) * 5, suppressed=n < 10)}) for key, label, n in steps]
    return Table("funnel", "From referral to completion", "Step", (Column("people", "Residents", chart=True),), rows,
                 chart=Chart(ChartKind.FUNNEL, "From referral to completion", ("people",)))


def empty_table() -> Table:
    return Table("equality_age_band", "Referrals by age band", "Age band",
                 (Column("referred", "Referred"), Column("rate", "Attended", Measure.PERCENT)), [])


def sample_report(rules: str = RULES, extra_rows: int = 0) -> Report:
    request = ReportRequest(ReportKind.REFERRALS, date(2026, 4, 1), date(2027, 3, 31))
    return Report(request, "Referral outcomes", "1 April 2026 to 31 March 2027", "=Central Library, Łódź Hub",
                  datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc), "Amara Okafor",
                  [partner_table(extra_rows), indicator_table(), month_table(), funnel_table(), empty_table()],
                  rules=rules, notes=["+Partners who left the directory are counted under their last name."])


def all_rows(table: Table) -> list[Row]:
    return [*table.rows, *([table.total] if table.total else [])]


def in_xlsx(text: str) -> str:
    """How neutralised text reads back from a workbook (XML has no carriage returns)."""
    return neutralise(text).replace("\r", "\n")


def expected_text(value) -> str:
    return neutralise(value) if isinstance(value, str) else str(value)


def expected_csv(cell: Cell | None) -> str:
    """A figure against a target is written as the screen shows it, with its colour in words."""
    if cell is not None and cell.rag is not None and not cell.suppressed:
        return expected_text(cell_text(cell))
    return expected_text(plain(cell))


# ---- neutralise ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["=1+1", "+44 20", "-", "-3 points", "@SUM(A1)", "\tTab", "\rReturn", "=Cure Ltd"])
def test_text_that_would_run_is_quoted(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["Cure Ltd", "دروس محمد", "– ", "[c]", "", "a=b", " =1", "'quoted"])
def test_other_text_is_left_alone(text):
    assert neutralise(text) == text


# ---- CSV -------------------------------------------------------------------------------------------

def read_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel needs the byte order mark to read UTF-8 names"
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.reader(stream))


def check_csv(report: Report, path: Path) -> list[list[str]]:
    """The CSV at `path` says what `report` says, cell for cell, and nothing in it would run."""
    lines = read_csv(path)
    assert lines[0] == [neutralise(report.title)]
    assert ["Period", neutralise(report.period)] in lines and ["Scope", neutralise(report.scope)] in lines
    assert ["Disclosure control", neutralise(report.rules)] in lines and report.rules
    at = 0
    for table in report.tables:
        at = lines.index([neutralise(table.title)], at)
        header = lines[at + 1]
        assert header == [neutralise(table.row_title), *(neutralise(heading(table, c)) for c in table.columns)]
        for offset, row in enumerate(all_rows(table), 2):
            assert lines[at + offset] == [neutralise(row.label)] + [
                expected_csv(row.cell(c.key)) for c in table.columns], (table.key, row.key)
        at += 2 + len(all_rows(table))
        if not table.rows:
            assert lines[at] == ["No records in this period."]
            at += 1
        if table.note:
            assert lines[at] == ["Note", neutralise(table.note)]
            at += 1
        assert lines[at] == []
        at += 1
    assert at == len(lines) or not report.tables
    every_text = [value for line in lines for value in line]
    assert not [v for v in every_text if v.startswith(FORMULA_STARTS) and not is_number(v)]
    return lines


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_csv_agrees_with_the_screen_and_runs_nothing(tmp_path):
    report = sample_report()
    target = tmp_path / "report.csv"
    write_csv(report, target)
    lines = check_csv(report, target)
    assert lines[0] == [report.title]
    assert ["Scope", "'=Central Library, Łódź Hub"] in lines
    assert ["Generated", "23 November 2026 at 10:00 by Amara Okafor"] in lines
    assert ["Disclosure control", RULES] in lines
    assert ["Note", "'+Partners who left the directory are counted under their last name."] in lines
    partners = lines[lines.index([neutralise(report.tables[0].title)]) + 1:]
    assert partners[0][3] == "'=Attended rate (%)" and partners[0][4] == "Median days to accept" and partners[0][5] == "Average wait (minutes)"
    assert partners[1] == ["'=Cure Ltd", "40", "25", "58", "3.2", "12.4", "'-"]
    assert partners[2][:4] == ["دروس محمد", "10", SUPPRESSED, SUPPRESSED] and partners[2][5] == NO_DATA
    assert partners[5][0] == "'-" and partners[6][0] == "'@home help\rline"
    indicators = lines[lines.index([neutralise(report.tables[1].title)]) + 1]
    assert indicators[1:3] == ["This period", "Target (%)"]  # "This period" mixes per cent and minutes
    by_label = {line[0]: line for line in lines[lines.index([neutralise(report.tables[1].title)]):] if line}
    # a figure against a target keeps its colour in words, as on the screen and in the PDF
    assert by_label["Minutes per contact"][5] == "14.5 min (Green)"
    assert by_label["Contacts resolved first time"][3] == "Green"  # words that already say it: once
    assert lines[-3:-1] == [["Age band", "Referred", "Attended (%)"], ["No records in this period."]]


# ---- XLSX ------------------------------------------------------------------------------------------

def check_xlsx(report: Report, path: Path):
    """The workbook at `path` says what `report` says, cell for cell, and nothing in it would run."""
    book = load_workbook(path)
    names = sheet_names(report)
    assert book.sheetnames == ["Summary", *names]
    summary = book["Summary"]
    facts = {summary.cell(r, 1).value: summary.cell(r, 2).value for r in range(1, summary.max_row + 1)}
    assert summary["A1"].value == in_xlsx(report.title) and summary["A1"].font.b
    assert facts["Period"] == in_xlsx(report.period) and facts["Scope"] == in_xlsx(report.scope)
    assert facts["Disclosure control"] == in_xlsx(report.rules) and report.rules
    for table, name in zip(report.tables, names):
        sheet = book[name]
        assert sheet["A1"].value == in_xlsx(table.title)
        assert [c.value for c in sheet[4]] == [in_xlsx(table.row_title), *(in_xlsx(c.title) for c in table.columns)]
        assert all(c.font.b for c in sheet[4])
        for number, row in enumerate(all_rows(table), 5):
            assert sheet.cell(number, 1).value == in_xlsx(row.label)
            for index, column in enumerate(table.columns, 2):
                cell, got = row.cell(column.key), sheet.cell(number, index)
                want = plain(cell)
                if isinstance(want, str):
                    assert got.value == (in_xlsx(want) or None), (table.key, row.key, column.key)
                    assert got.data_type == "s" or want == ""
                elif cell.measure is Measure.PERCENT:
                    assert got.value == pytest.approx(want / 100) and got.number_format.endswith("%")
                    assert ("0.0%" if not float(want).is_integer() else "0%") == got.number_format
                else:
                    assert got.value == want and not isinstance(got.value, str)
                if cell is not None and cell.rag is not None:
                    assert got.fill.fgColor.rgb.endswith(export.RAG_FILL[cell.rag])
        rules_line = [c.value for c in sheet["A"] if c.value and str(c.value).startswith("Disclosure control")]
        assert rules_line == [in_xlsx(f"Disclosure control: {report.rules}")]
        assert sheet.freeze_panes == "B5"
        widest = max([len(row.label) for row in all_rows(table)] + [len(table.row_title)])
        assert sheet.column_dimensions["A"].width >= min(widest + 2, 60)
    for sheet in book.worksheets:
        for line in sheet.iter_rows():
            for cell in line:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(FORMULA_STARTS), f"{sheet.title}!{cell.coordinate}"
    return book


def test_xlsx_agrees_with_the_screen_and_runs_nothing(tmp_path):
    report = sample_report()
    target = tmp_path / "report.xlsx"
    write_xlsx(report, target)
    book = check_xlsx(report, target)
    names = sheet_names(report)
    facts = {row[0].value: row[1].value for row in book["Summary"].iter_rows() if row[0].value}
    assert facts["Scope"] == "'=Central Library, Łódź Hub" and facts["Disclosure control"] == RULES
    assert facts["Generated"] == "23 November 2026 at 10:00 by Amara Okafor"
    assert facts["Note"] == "'+Partners who left the directory are counted under their last name."
    partners = book[names[0]]
    assert partners["D4"].value == "'=Attended rate" and partners["A5"].value == "'=Cure Ltd"
    assert partners["B5"].number_format == "#,##0" and partners["B8"].value == 1235
    assert partners["D5"].value == 0.58 and partners["D5"].number_format == "0%"
    assert partners["E5"].value == 3.2 and partners["E5"].number_format == '0.0" days"'
    assert partners["E8"].number_format == '0" day"' and partners["G5"].value == "'-"
    assert partners["D6"].value == SUPPRESSED and partners["F6"].value == NO_DATA
    assert partners["A10"].value == "'@home help\nline" and partners["A11"].value == "Total" and partners["A11"].font.b
    indicators = book[names[1]]
    assert indicators["D5"].value == "Green" and indicators["D6"].value == "Red"
    assert indicators["A6"].value == "'\nAvoidable contacts" and indicators["E6"].value == "'-4 points on last year"
    assert indicators["F8"].comment is not None and "Green" in indicators["F8"].comment.text


def test_sheet_names_are_short_unique_and_allowed():
    report = sample_report()
    report.tables.append(Table("x", "Summary", "Row", (), []))
    report.tables.append(Table("y", "'''", "Row", (), []))
    names = sheet_names(report)
    assert names[0] == "Referrals by partner all sites"
    assert names[1].endswith(" (2)") and names[5] == "Summary (2)" and names[6] == "Table 7"
    assert len({n.casefold() for n in names}) == len(names)
    for name in names:
        assert 0 < len(name) <= 31 and not set(name) & set("[]:*?/\\") and not name.startswith("'")


# ---- failures --------------------------------------------------------------------------------------

@pytest.mark.parametrize("writer", [write_csv, write_xlsx])
def test_a_missing_folder_is_named_and_nothing_is_written(tmp_path, writer):
    with pytest.raises(ExportProblem) as refused:
        writer(sample_report(), tmp_path / "missing" / "report.out")
    assert "the folder" in str(refused.value) and "does not exist" in str(refused.value)
    assert "Choose a folder" in str(refused.value)
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize("code, words", [(errno.ENOSPC, "the disk is full"), (errno.EACCES, "may not write there"),
                                         (errno.EROFS, "may not write there")])
@pytest.mark.parametrize("writer", [write_csv, write_xlsx])
def test_a_failed_write_leaves_the_old_file_and_no_half_file(tmp_path, monkeypatch, writer, code, words):
    target = tmp_path / "report.out"
    target.write_text("yesterday's report")

    def failing(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(export.os, "replace", failing)
    with pytest.raises(ExportProblem) as refused:
        writer(sample_report(), target)
    assert words in str(refused.value)
    assert target.read_text() == "yesterday's report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.out"]


def test_a_folder_that_refuses_new_files_is_explained(tmp_path, monkeypatch):
    def refused(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(export.tempfile, "mkstemp", refused)
    with pytest.raises(ExportProblem) as problem:
        write_csv(sample_report(), tmp_path / "report.csv")
    assert "may not write there" in str(problem.value) and "Documents" in str(problem.value)
    assert list(tmp_path.iterdir()) == []


def test_a_folder_given_as_the_file_is_refused(tmp_path):
    with pytest.raises(ExportProblem) as problem:
        write_xlsx(sample_report(), tmp_path)
    assert "is a folder" in str(problem.value)


def test_saving_again_replaces_the_file_and_keeps_it_readable(tmp_path):
    target = tmp_path / "report.csv"
    write_csv(sample_report(), target)
    write_csv(sample_report(rules="Disclosure control is OFF: these figures are not for publication."), target)
    assert ["Disclosure control", "Disclosure control is OFF: these figures are not for publication."] in read_csv(target)
    assert target.stat().st_mode & 0o444 == 0o444
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.csv"]


def test_shown_matches_the_xlsx_number_format_for_each_measure():
    for cell, fmt in [(count(1234), "#,##0"), (percent(45.0, 50), "0%"), (percent(45.5, 50), "0.0%"),
                      (days(1.0, 3), '0" day"'), (days(2.5, 3), '0.0" days"'), (Cell(3.5, Measure.MINUTES), '0.0" min"'),
                      (count(3, suppressed=True), None), (Cell(None), None), (words("Green", Rag.GREEN), None)]:
        assert export.number_format(cell) == fmt, shown(cell)


# ---- real reports, counted by the database ------------------------------------------------------------

@pytest.mark.parametrize("kind", list(ReportKind))
def test_counted_reports_save_as_the_screen_shows_them(services, admin, clock, tmp_path, kind):
    from tests.reporting.desk_data import build_history

    build_history(services, admin, clock)
    request = ReportRequest(kind, date(2026, 7, 1), date(2026, 9, 30), breakdown=Dimension.AGE_BAND)
    report = services.reports.run_now(admin, request)
    assert report.tables and report.rules
    write_csv(report, tmp_path / "report.csv")
    lines = check_csv(report, tmp_path / "report.csv")
    assert ["Generated", "23 November 2026 at 10:00 by Amara Okafor"] in lines
    write_xlsx(report, tmp_path / "report.xlsx")
    check_xlsx(report, tmp_path / "report.xlsx")
