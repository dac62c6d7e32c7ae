"""One report table as a Qt model: the row title column, then the table's columns.

Every figure is written by reporting/formatting.shown, as on the PDF and in the spreadsheets.
A figure against a target is coloured and also says Red, Amber or Green in words. A withheld
figure shows "[c]" and its tooltip says why; no role of this model ever gives its number."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from ...reporting.formatting import SUPPRESSED, shown
from ...reporting.model import Cell, Measure, Rag, Row, Table

# Pale backgrounds with dark text of the same hue: readable, and never the only sign (the word is there).
RAG_COLOURS = {Rag.RED: ("#f6d3d3", "#6e0b0b"), Rag.AMBER: ("#fbe3bb", "#573600"),
               Rag.GREEN: ("#d5ecd9", "#0d4a1b")}
KEYS_ROLE = Qt.ItemDataRole.UserRole + 2  # (row key, column key) of a figure: what drill-down asks for
DRILL_ROLE = Qt.ItemDataRole.UserRole + 3  # True where a list of records can be opened


def cell_text(cell: Cell | None) -> str:
    """What the screen shows for a cell: the shown value and, against a target, its RAG in words."""
    text = shown(cell)
    if cell is not None and cell.rag is not None and not cell.suppressed:
        word = cell.rag.label
        if word.lower() not in text.lower():
            text = f"{text} ({word})" if text else word
    return text


class ReportTableModel(QAbstractTableModel):
    def __init__(self, table: Table, drillable: bool = False, parent=None) -> None:
        super().__init__(parent)
        self.table = table
        self.drillable = drillable  # this person may open the records behind a figure
        self.rows: list[Row] = [*table.rows, *([table.total] if table.total is not None else [])]
        self._bold = QFont()
        self._bold.setBold(True)
        self._linked = QFont()
        self._linked.setUnderline(True)  # a figure that opens a list looks like a link
        self._left = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self._right = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.headers = [table.row_title, *(column.title for column in table.columns)]
        # Worked out once: a view asks for every cell's text many times while it lays itself out.
        self.texts: list[list[str]] = [
            [row.label, *(cell_text(row.cell(column.key)) for column in table.columns)] for row in self.rows]
        self._drill = [[False, *(self._may_drill(row.cell(column.key)) for column in table.columns)]
                       for row in self.rows]

    # ---- shape --------------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.table.columns) + 1

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.headers):
            return None
        title = self.headers[section]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return title
        if role == Qt.ItemDataRole.TextAlignmentRole:  # as the column's figures are aligned
            return self._left if self.is_text_column(section) else self._right
        return None

    def is_text_column(self, section: int) -> bool:
        """The row titles and columns of words (left-aligned, and they may wrap); figures are not."""
        return section == 0 or self.table.columns[section - 1].measure is Measure.TEXT

    def is_total(self, row: int) -> bool:
        return self.table.total is not None and row == len(self.rows) - 1

    def cell(self, row: int, column: int) -> Cell | None:
        if column == 0 or not 0 <= row < len(self.rows):
            return None
        return self.rows[row].cell(self.table.columns[column - 1].key)

    def may_drill(self, row: int, column: int) -> bool:
        """A figure with records behind it, for a person who may see them (never an equality table)."""
        return 0 <= row < len(self.rows) and 0 <= column < self.columnCount() and self._drill[row][column]

    def _may_drill(self, cell: Cell | None) -> bool:
        # Only a figure that is shown and above zero: a 0, a withheld figure or a blank has no list behind it.
        if not self.drillable or cell is None or not cell.drill or self.table.key.startswith("equality"):
            return False
        value = cell.published
        return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0

    # ---- data ---------------------------------------------------------------------------------

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.texts[row][column]
        label = self.rows[row].label
        if column == 0:
            if role in (Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.ToolTipRole):
                return label
            if role == Qt.ItemDataRole.FontRole and self.is_total(row):
                return self._bold
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return self._left
            return None
        cell = self.cell(row, column)
        heading = self.table.columns[column - 1].title
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{label}, {heading}: {self._spoken(cell)}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(cell, row, column)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self._left if self.is_text_column(column) or (
                cell is not None and cell.measure is Measure.TEXT) else self._right
        if role == Qt.ItemDataRole.FontRole:
            if self.is_total(row):
                return self._bold
            return self._linked if self._drill[row][column] else None
        if cell is not None and cell.rag is not None and not cell.suppressed:
            background, foreground = RAG_COLOURS[cell.rag]
            if role == Qt.ItemDataRole.BackgroundRole:
                return QBrush(QColor(background))
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(QColor(foreground))
        if role == KEYS_ROLE:
            return self.rows[row].key, self.table.columns[column - 1].key
        if role == DRILL_ROLE:
            return self._drill[row][column]
        return None

    def _spoken(self, cell: Cell | None) -> str:
        if cell is None:
            return self.tr("blank")
        if cell.suppressed:
            return self.tr("withheld to protect people")
        return cell_text(cell)

    def _tooltip(self, cell: Cell | None, row: int, column: int) -> str | None:
        if cell is None:
            return None
        if cell.suppressed:
            return self.tr("{0}: withheld so that nobody can be identified from a small number (or from a "
                           "figure that would give one away). The rules are stated above the tables.").format(SUPPRESSED)
        if cell.value is None:
            return self.tr("No records, so there is nothing to show here.")
        words = []
        if cell.rounded is not None:
            words.append(self.tr("Rounded, as the disclosure rules above the tables say."))
        if self.may_drill(row, column):
            words.append(self.tr("Double-click, or press Enter, to list the records behind this figure."))
        return " ".join(words) or None
