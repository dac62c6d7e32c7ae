"""Table models for the resident's current consents and representatives, shown beside the form."""

from __future__ import annotations

import enum

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from ...core.clock import as_utc
from ...desk.consent import ConsentRecord
from ...desk.representatives import RepresentativeRecord, long_date
from ..admin.common import SORT_ROLE


class _RecordsModel(QAbstractTableModel):
    """Plain records, one per row; subclasses say the headers, texts and sort keys."""

    headers: tuple[str, ...] = ()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._records: list = []

    def set_records(self, records) -> None:
        self.beginResetModel()
        self._records = list(records)
        self.endResetModel()

    def record(self, row: int):
        return self._records[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self.headers):
            return self.headers[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._records) \
                or not 0 <= index.column() < len(self.headers):
            return None
        record = self._records[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.text(record, index.column())
        if role == SORT_ROLE:
            return self.sort_key(record, index.column())
        return None

    def text(self, record, column: int) -> str:
        raise NotImplementedError

    def sort_key(self, record, column: int):
        return self.text(record, column).casefold()


class ConsentColumn(enum.IntEnum):
    WHAT = 0
    GIVEN_BY = 1
    HOW = 2
    GIVEN_ON = 3
    VALID_UNTIL = 4


class ConsentsModel(_RecordsModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.headers = (self.tr("Consent to"), self.tr("Given by"), self.tr("How"), self.tr("Given on"),
                        self.tr("Valid until"))

    def text(self, record: ConsentRecord, column: int) -> str:
        if column == ConsentColumn.WHAT:
            return record.summary
        if column == ConsentColumn.GIVEN_BY:
            return record.given_by
        if column == ConsentColumn.HOW:
            return record.method.label
        if column == ConsentColumn.GIVEN_ON:
            return long_date(record.given_at)
        return long_date(record.valid_until) if record.valid_until else self.tr("Until withdrawn")

    def sort_key(self, record: ConsentRecord, column: int):
        if column == ConsentColumn.GIVEN_ON:
            return as_utc(record.given_at).isoformat()
        if column == ConsentColumn.VALID_UNTIL:
            return record.valid_until.isoformat() if record.valid_until else "9999"
        return super().sort_key(record, column)


class RepresentativeColumn(enum.IntEnum):
    NAME = 0
    RELATIONSHIP = 1
    AUTHORITY = 2
    PHONE = 3
    VALID_UNTIL = 4


class RepresentativesModel(_RecordsModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.headers = (self.tr("Name"), self.tr("Relationship"), self.tr("May act for"), self.tr("Phone"),
                        self.tr("Valid until"))

    def text(self, record: RepresentativeRecord, column: int) -> str:
        if column == RepresentativeColumn.NAME:
            return record.name
        if column == RepresentativeColumn.RELATIONSHIP:
            return record.relationship.label
        if column == RepresentativeColumn.AUTHORITY:
            return record.scope_label if record.scope else self.tr("Nothing (may speak for them only)")
        if column == RepresentativeColumn.PHONE:
            return record.phone_display
        if not record.current:
            return self.tr("Ran out {0}").format(long_date(record.valid_until)) if record.valid_until else \
                self.tr("Ended")
        return long_date(record.valid_until) if record.valid_until else self.tr("No end date")

    def sort_key(self, record: RepresentativeRecord, column: int):
        if column == RepresentativeColumn.VALID_UNTIL:
            return record.valid_until.isoformat() if record.valid_until else "9999"
        return super().sort_key(record, column)
