"""One way to write a figure, for the screen, the PDF and the CSV/XLSX alike."""

from __future__ import annotations

from .model import Cell, Measure

SUPPRESSED = "[c]"  # as the Office for National Statistics marks a value withheld to protect people
NO_DATA = "–"  # nothing to show: no records, so no rate or median


def shown(cell: Cell | None) -> str:
    if cell is None:
        return ""
    if cell.suppressed:
        return SUPPRESSED
    value = cell.published
    if value is None:
        return NO_DATA
    if cell.measure is Measure.TEXT or isinstance(value, str):
        return str(value)
    if cell.measure is Measure.COUNT:
        return f"{int(value):,}"
    if cell.measure is Measure.PERCENT:
        return f"{value:.0f}%" if float(value).is_integer() else f"{value:.1f}%"
    if cell.measure is Measure.DAYS:
        return f"{value:.1f} days" if value != 1 else "1 day"
    if cell.measure is Measure.MINUTES:
        return f"{value:.1f} min"
    return str(value)


def plain(cell: Cell | None) -> str | int | float:
    """The value for a spreadsheet: a number where there is one, else the words shown."""
    if cell is None:
        return ""
    if cell.suppressed:
        return SUPPRESSED
    value = cell.published
    if value is None:
        return NO_DATA
    if isinstance(value, (int, float)) and cell.measure is not Measure.TEXT:
        return round(value, 1) if isinstance(value, float) else value
    return str(value)
