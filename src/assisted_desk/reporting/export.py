"""A report saved for a spreadsheet: CSV (one file, a section per table) and XLSX (a summary
sheet and a sheet per table). Both write the same `Report` the screen and the PDF draw, through
formatting.plain(), so every output agrees.

A spreadsheet runs a cell that starts with =, +, -, @ (and tab or carriage return, which some
spreadsheets skip first) as a formula: a partner called "=HYPERLINK(...)" or a label "-" could
then run on a coordinator's computer. Every piece of text written, from the title and the
headings to the row labels and the words in cells, goes through `neutralise`; numbers stay
numbers.

Files are written beside their target and renamed into place, so a full disk or a missing
permission never leaves half a file where a person expects a report."""

from __future__ import annotations

import csv
import errno
import io
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ..core.clock import LONDON, as_utc
from ..core.errors import EnvironmentFault
from .formatting import plain, shown
from .model import Cell, Column, Measure, Rag, Report, Row, Table

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
RAG_FILL = {Rag.RED: "F4C7C3", Rag.AMBER: "FCE8B2", Rag.GREEN: "B7E1CD"}  # light: black text stays legible
_UNIT = {Measure.PERCENT: "%", Measure.DAYS: "days", Measure.MINUTES: "minutes"}
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_LIMIT = 31


class ExportProblem(EnvironmentFault):
    """The report could not be saved where asked: says why and what to do instead."""


def neutralise(text: str) -> str:
    """Text a spreadsheet shows as it is: one starting like a formula gets a leading quote."""
    text = str(text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


# ---- words every output states ------------------------------------------------------------------

def generated_words(report: Report) -> str:
    """"23 November 2026 at 10:00 by Amara Okafor" (London time)."""
    moment = as_utc(report.generated_at).astimezone(LONDON)
    return f"{moment.day} {moment:%B %Y at %H:%M} by {report.generated_by}"


def rules_words(report: Report) -> str:
    return report.rules or "No disclosure control rules were stated for this report."


def heading(table: Table, column: Column) -> str:
    """A column's heading with its unit, for a CSV where a figure is a bare number; none when the
    title already says it or the column mixes measures (an indicators table's "This period")."""
    unit = _UNIT.get(column.measure)
    measures = {cell.measure for row in table_rows(table) if (cell := row.cell(column.key)) is not None
                and cell.published is not None}
    if not unit or unit in column.title.lower() or measures - {column.measure}:
        return column.title
    return f"{column.title} ({unit})"


def rag_words(cell: Cell | None) -> str:
    """The text shown for a cell, with its RAG word when the text does not already say it: what
    the screen shows (ui/reports/table_model.cell_text), "83% (Green)"."""
    text = shown(cell)
    if cell is not None and cell.rag is not None and not cell.suppressed:
        word = cell.rag.label
        if word.lower() not in text.lower():
            return f"{text} ({word})" if text else word
    return text


def table_rows(table: Table) -> list[Row]:
    return [*table.rows, *([table.total] if table.total is not None else [])]


# ---- writing whole or not at all --------------------------------------------------------------------

def write_whole(path: Path, data: bytes, what: str = "report") -> None:
    """Write `data` at `path` through a temporary file in the same folder and a rename; an
    ExportProblem saying what to do when the folder is missing, read-only or full."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise ExportProblem(f"Cannot save the {what}: {path} is a folder.",
                            "Give a file name inside it, such as report.csv.")
    if not folder.is_dir():
        raise ExportProblem(f"Cannot save the {what}: the folder {folder} does not exist.",
                            "Choose a folder that exists, or create it first.")
    try:
        handle, temp = tempfile.mkstemp(prefix=f".{path.stem[:40]}-", suffix=".part", dir=folder)
    except OSError as exc:
        raise _problem(exc, what, folder) from exc
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        # mkstemp makes the file private; a saved report is read like any other document.
        os.chmod(temp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(temp, path)
    except OSError as exc:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise _problem(exc, what, path) from exc


def _problem(exc: OSError, what: str, where: Path) -> ExportProblem:
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return ExportProblem(f"Cannot save the {what} in {where}: this account may not write there.",
                             "Choose a folder you can write to, such as your Documents folder.")
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return ExportProblem(f"Cannot save the {what} in {where}: the disk is full.",
                             "Free some space or choose another disk, then save again.")
    return ExportProblem(f"Cannot save the {what} as {where}: {exc.strerror or exc}.",
                         "Choose another folder or file name and save again.")


# ---- CSV -----------------------------------------------------------------------------------------

def csv_lines(report: Report) -> Iterator[list[str | int | float]]:
    """The CSV's records, top to bottom."""
    yield [neutralise(report.title)]
    yield ["Period", neutralise(report.period)]
    yield ["Scope", neutralise(report.scope)]
    yield ["Generated", neutralise(generated_words(report))]
    yield ["Disclosure control", neutralise(rules_words(report))]
    for note in report.notes:
        yield ["Note", neutralise(note)]
    yield []
    for table in report.tables:
        yield [neutralise(table.title)]
        yield [neutralise(table.row_title), *(neutralise(heading(table, c)) for c in table.columns)]
        for row in table_rows(table):
            yield [neutralise(row.label), *(_csv_value(row.cell(c.key)) for c in table.columns)]
        if not table.rows:
            yield [neutralise("No records in this period.")]
        if table.note:
            yield ["Note", neutralise(table.note)]
        yield []


def _csv_value(cell: Cell | None) -> str | int | float:
    """A bare number, or the words the screen shows: a figure against a target keeps its red,
    amber or green in words ("83% (Green)"), as the PDF and the XLSX's colour show it."""
    if cell is not None and cell.rag is not None and not cell.suppressed:
        return neutralise(rag_words(cell))
    value = plain(cell)
    return neutralise(value) if isinstance(value, str) else value


def write_csv(report: Report, path: Path) -> None:
    """The report as one CSV file (UTF-8 with a byte order mark, so Excel reads every name):
    its title, period, scope, who made it when and the disclosure rules, then each table as a
    title line, a header, its rows and total, and a blank line. ExportProblem when it cannot
    be saved; nothing is left behind then."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(csv_lines(report))
    write_whole(Path(path), buffer.getvalue().encode("utf-8-sig"), "report")


# ---- XLSX ----------------------------------------------------------------------------------------

def sheet_names(report: Report) -> list[str]:
    """One name per table: at most 31 characters, none of []:*?/\\, unique whatever the case,
    never "Summary" (the first sheet)."""
    taken = {"summary", "history"}  # Excel keeps "History" for itself
    names = []
    for index, table in enumerate(report.tables, 1):
        base = " ".join(_SHEET_FORBIDDEN.sub(" ", table.title).split()).strip("'") or f"Table {index}"
        name = base[:SHEET_NAME_LIMIT].strip().strip("'")
        number = 2
        while name.casefold() in taken:
            suffix = f" ({number})"
            name = base[:SHEET_NAME_LIMIT - len(suffix)].strip().strip("'") + suffix
            number += 1
        taken.add(name.casefold())
        names.append(name)
    return names


def number_format(cell: Cell) -> str | None:
    """The Excel format that shows a figure as the screen does (formatting.shown)."""
    value = cell.published
    if cell.suppressed or not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    whole = float(value).is_integer()
    if cell.measure is Measure.COUNT:
        return "#,##0"
    if cell.measure is Measure.PERCENT:
        return "0%" if whole else "0.0%"
    if cell.measure is Measure.DAYS:
        return '0" day"' if value == 1 else '0.0" days"'
    if cell.measure is Measure.MINUTES:
        return '0.0" min"'
    return None


def xlsx_value(cell: Cell | None) -> str | int | float | None:
    """What goes in a worksheet cell: a number (a percentage as a fraction of one, shown with a
    % format), or neutralised text ("[c]", "–", a RAG's words)."""
    value = plain(cell)
    if isinstance(value, str):
        return neutralise(value) or None  # no cell at all: left empty
    if cell is not None and cell.measure is Measure.PERCENT:
        return value / 100
    return value


def write_xlsx(report: Report, path: Path) -> None:
    """The report as an Excel workbook: a "Summary" sheet (title, period, scope, who made it,
    the disclosure rules, notes and where each table is), then a sheet per table with a bold
    header, numbers as numbers, "[c]" for hidden figures and RAG words on their colour.
    ExportProblem when it cannot be saved; nothing is left behind then."""
    from openpyxl import Workbook

    book = Workbook()
    summary = book.active
    summary.title = "Summary"
    names = sheet_names(report)
    _summary_sheet(summary, report, names)
    for table, name in zip(report.tables, names):
        _table_sheet(book.create_sheet(name), report, table)
    buffer = io.BytesIO()
    book.save(buffer)
    write_whole(Path(path), buffer.getvalue(), "report")


def _put(sheet, row: int, column: int, value, *, bold: bool = False, size: float | None = None):
    from openpyxl.styles import Font

    if isinstance(value, str):  # a workbook's XML keeps no carriage returns: say it the way it will read back
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text
    if bold or size:
        cell.font = Font(bold=bold, size=size or 11)
    return cell


def _summary_sheet(sheet, report: Report, names: list[str]) -> None:
    from openpyxl.styles import Alignment

    _put(sheet, 1, 1, neutralise(report.title), bold=True, size=14)
    facts = [("Period", report.period), ("Scope", report.scope), ("Generated", generated_words(report)),
             ("Disclosure control", rules_words(report)), *(("Note", note) for note in report.notes)]
    row = 3
    for label, text in facts:
        _put(sheet, row, 1, label, bold=True)
        _put(sheet, row, 2, neutralise(text)).alignment = Alignment(wrap_text=True, vertical="top")
        row += 1
    row += 1
    _put(sheet, row, 1, "Tables", bold=True)
    for table, name in zip(report.tables, names):
        row += 1
        _put(sheet, row, 1, neutralise(name))
        _put(sheet, row, 2, neutralise(table.title))
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 100


def _table_sheet(sheet, report: Report, table: Table) -> None:
    from openpyxl.styles import Alignment, Border, PatternFill, Side
    from openpyxl.comments import Comment
    from openpyxl.utils import get_column_letter

    _put(sheet, 1, 1, neutralise(table.title), bold=True, size=13)
    _put(sheet, 2, 1, neutralise(f"{report.title}, {report.period}. {report.scope}."))
    header_row = 4
    widths = [len(table.row_title)] + [len(c.title) for c in table.columns]
    _put(sheet, header_row, 1, neutralise(table.row_title), bold=True)
    for index, column in enumerate(table.columns, 2):
        _put(sheet, header_row, index, neutralise(column.title), bold=True).alignment = Alignment(
            horizontal="right", wrap_text=True)
    line = Side(style="thin")
    row_number = header_row
    for row in table_rows(table):
        row_number += 1
        is_total = row is table.total
        _put(sheet, row_number, 1, neutralise(row.label), bold=is_total)
        widths[0] = max(widths[0], len(row.label))
        for index, column in enumerate(table.columns, 2):
            cell = row.cell(column.key)
            target = _put(sheet, row_number, index, xlsx_value(cell), bold=is_total)
            target.alignment = Alignment(horizontal="right")
            fmt = number_format(cell) if cell is not None else None
            if fmt:
                target.number_format = fmt
            if cell is not None and cell.rag is not None:
                target.fill = PatternFill("solid", fgColor=RAG_FILL[cell.rag])
                if not isinstance(target.value, str):
                    target.comment = Comment(f"{cell.rag.label} against its target", "Assisted Desk")
            widths[index - 1] = max(widths[index - 1], len(shown(cell)))
        if is_total:
            for index in range(1, len(table.columns) + 2):
                sheet.cell(row=row_number, column=index).border = Border(top=line)
    after = row_number + 2
    if not table.rows:
        _put(sheet, row_number + 1, 1, "No records in this period.")
    if table.note:
        _put(sheet, after, 1, neutralise(f"Note: {table.note}"))
        after += 1
    _put(sheet, after, 1, neutralise(f"Disclosure control: {rules_words(report)}"))
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=2)
    for index, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 60)


__all__ = ["ExportProblem", "generated_words", "neutralise", "rules_words", "sheet_names", "write_csv",
           "write_whole", "write_xlsx"]
