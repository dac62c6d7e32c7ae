"""Table models of the Residents area."""

from __future__ import annotations

import enum
from datetime import datetime

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from ...core.clock import as_utc, local_text
from ...desk.merge import MergeRecord
from ..admin.common import SORT_ROLE


class MergeColumn(enum.IntEnum):
    MERGED_AT = 0
    KEPT = 1
    MERGED = 2
    MOVED = 3
    BY = 4
    UNDO = 5


class MergesTableModel(QAbstractTableModel):
    """Recent merges, each with whether (and until when) it can be undone."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._records: list[MergeRecord] = []
        self._headers = {
            MergeColumn.MERGED_AT: self.tr("Merged on"),
            MergeColumn.KEPT: self.tr("Record kept"),
            MergeColumn.MERGED: self.tr("Record merged into it"),
            MergeColumn.MOVED: self.tr("History moved"),
            MergeColumn.BY: self.tr("By"),
            MergeColumn.UNDO: self.tr("Undo"),
        }

    def set_records(self, records) -> None:
        self.beginResetModel()
        self._records = list(records)
        self.endResetModel()

    def record(self, row: int) -> MergeRecord:
        return self._records[row]

    def row_of(self, merge_id: int) -> int | None:
        return next((row for row, r in enumerate(self._records) if r.id == merge_id), None)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(MergeColumn)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(MergeColumn):
            return self._headers[MergeColumn(section)]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._records) \
                or not 0 <= index.column() < len(MergeColumn):
            return None
        record = self._records[index.row()]
        column = MergeColumn(index.column())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._text(record, column)
        if role == SORT_ROLE:
            if column == MergeColumn.MERGED_AT:
                return _sortable(record.merged_at)
            if column == MergeColumn.UNDO:
                return _sortable(record.undone_at or record.undo_until)
            return self._text(record, column).casefold()
        return None

    def _text(self, record: MergeRecord, column: MergeColumn) -> str:
        if column == MergeColumn.MERGED_AT:
            return local_text(record.merged_at)
        if column == MergeColumn.KEPT:
            return self.tr("{0} (record {1})").format(record.survivor_name, record.survivor_id)
        if column == MergeColumn.MERGED:
            return self.tr("{0} (record {1})").format(record.merged_name, record.merged_id)
        if column == MergeColumn.MOVED:
            return record.moved_text
        if column == MergeColumn.BY:
            return record.merged_by
        if record.undone_at is not None:
            return self.tr("Undone {0} by {1}").format(local_text(record.undone_at), record.undone_by)
        if record.can_undo:
            return self.tr("Possible until {0}").format(local_text(record.undo_until))
        return self.tr("No longer possible")


def _sortable(value: datetime | None) -> str:
    return as_utc(value).isoformat() if value is not None else ""
