"""The Case types tab: the kinds of advocacy case, their statuses and SLA targets. Administrators
add types, change them, and retire ones no longer offered (cases of a retired type keep it)."""

from __future__ import annotations

import dataclasses
import enum

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from ...casework.case_types import CaseTypeRecord
from ...core.errors import DeskError
from ...core.security import Actor
from ...services import Services
from ..forms import button
from ..messages import show_problem
from .case_type_editor import CaseTypeDialog
from .common import SORT_ROLE, fit_columns, record_table, select_source_row, selected_row, sortable_proxy


class CaseTypeColumn(enum.IntEnum):
    NAME = 0
    CODE = 1
    STATUSES = 2
    FIRST_RESPONSE = 3
    RESOLUTION = 4
    STATE = 5


class CaseTypeTableModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._records: list[CaseTypeRecord] = []
        self._headers = {
            CaseTypeColumn.NAME: self.tr("Case type"),
            CaseTypeColumn.CODE: self.tr("Code"),
            CaseTypeColumn.STATUSES: self.tr("Statuses"),
            CaseTypeColumn.FIRST_RESPONSE: self.tr("First response"),
            CaseTypeColumn.RESOLUTION: self.tr("Resolution"),
            CaseTypeColumn.STATE: self.tr("Status"),
        }

    def set_records(self, records) -> None:
        self.beginResetModel()
        self._records = list(records)
        self.endResetModel()

    def record(self, row: int) -> CaseTypeRecord:
        return self._records[row]

    def row_of(self, type_id: int) -> int | None:
        return next((row for row, r in enumerate(self._records) if r.id == type_id), None)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(CaseTypeColumn)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(CaseTypeColumn):
            return self._headers[CaseTypeColumn(section)]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._records) \
                or not 0 <= index.column() < len(CaseTypeColumn):
            return None
        record = self._records[index.row()]
        column = CaseTypeColumn(index.column())
        if role == SORT_ROLE:
            if column == CaseTypeColumn.STATUSES:
                return len(record.statuses)
            if column == CaseTypeColumn.FIRST_RESPONSE:
                return record.first_response_days
            if column == CaseTypeColumn.RESOLUTION:
                return record.resolution_days
            return self._text(record, column).casefold()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(record, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == CaseTypeColumn.STATUSES:
                return " \u2192 ".join(s.label for s in record.statuses)
            return self._text(record, column)
        return None

    def _text(self, record: CaseTypeRecord, column: CaseTypeColumn) -> str:
        if column == CaseTypeColumn.NAME:
            return record.name
        if column == CaseTypeColumn.CODE:
            return record.code
        if column == CaseTypeColumn.STATUSES:
            return str(len(record.statuses))
        if column == CaseTypeColumn.FIRST_RESPONSE:
            return self._days(record.first_response_days)
        if column == CaseTypeColumn.RESOLUTION:
            return self._days(record.resolution_days)
        return self.tr("In use") if record.active else self.tr("Retired")

    def _days(self, days: int) -> str:
        return self.tr("1 working day") if days == 1 else self.tr("{0} working days").format(days)


class CaseTypesTab(QWidget):
    changed = Signal()  # a type was added, changed or retired: screens offering types reload

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.dialog: CaseTypeDialog | None = None
        self.model = CaseTypeTableModel(self)
        self.proxy = sortable_proxy(self, self.model)
        self.filter = QLineEdit()
        self.filter.setClearButtonEnabled(True)
        self.filter.setPlaceholderText(self.tr("Type part of a name, a code, or retired"))
        self.filter.setAccessibleName(self.tr("Filter case types"))
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        filter_label = QLabel(self.tr("Fi&lter case types"))
        filter_label.setBuddy(self.filter)
        self.table = record_table(self.tr("Case types"), self.proxy)
        self.table.activated.connect(lambda _index: self.edit_selected())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._follow_selection())
        self.proxy.modelReset.connect(self._follow_selection)

        self.add_button = button(self.tr("&Add…"), self.tr("Add a case type"))
        self.edit_button = button(self.tr("&Edit…"), self.tr("Edit the selected case type"))
        self.active_button = button(self.tr("&Retire"), self.tr("Retire the selected case type"))
        self.add_button.clicked.connect(self.add)
        self.edit_button.clicked.connect(self.edit_selected)
        self.active_button.clicked.connect(self.toggle_selected)
        note = QLabel(self.tr("Targets are in working days (Monday to Friday, except bank holidays). A retired "
                              "type is offered for no new case; its cases keep it."))
        note.setWordWrap(True)

        top = QHBoxLayout()
        top.addWidget(filter_label)
        top.addWidget(self.filter, 1)
        buttons = QHBoxLayout()
        for push in (self.add_button, self.edit_button, self.active_button):
            buttons.addWidget(push)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(note)
        layout.addLayout(buttons)
        order = (self.filter, self.table, self.add_button, self.edit_button, self.active_button)
        for first, second in zip(order, order[1:]):
            QWidget.setTabOrder(first, second)
        self._follow_selection()

    def refresh(self) -> bool:
        keep = self.selected()
        try:
            records = self.services.case_types.list(self.actor, include_retired=True)
        except DeskError as error:
            show_problem(self, error)
            return False
        self.model.set_records(records)
        fit_columns(self.table)
        if keep is not None:
            self.select(keep.id)
        return True

    def selected(self) -> CaseTypeRecord | None:
        row = selected_row(self.table)
        return None if row is None else self.model.record(row)

    def select(self, type_id: int) -> None:
        select_source_row(self.table, self.model.row_of(type_id))

    def _follow_selection(self) -> None:
        record = self.selected()
        self.edit_button.setEnabled(record is not None)
        self.active_button.setEnabled(record is not None)
        if record is not None and not record.active:
            self.active_button.setText(self.tr("B&ring back"))
            self.active_button.setAccessibleName(self.tr("Bring back the selected case type"))
        else:
            self.active_button.setText(self.tr("&Retire"))
            self.active_button.setAccessibleName(self.tr("Retire the selected case type"))

    def _fresh(self, type_id: int) -> CaseTypeRecord | None:
        self.refresh()
        row = self.model.row_of(type_id)
        return None if row is None else self.model.record(row)

    def add(self) -> None:
        self._open(CaseTypeDialog(self.services, self.actor, None, self))

    def edit_selected(self) -> None:
        record = self.selected()
        if record is None:
            return
        dialog = CaseTypeDialog(self.services, self.actor, record, self)
        dialog.refetch = lambda: self._fresh(record.id)
        self._open(dialog)

    def toggle_selected(self) -> None:
        """Retire or bring back. No confirmation: it is undone with one more press, and no case
        loses its type."""
        record = self.selected()
        if record is None:
            return
        try:
            self.services.case_types.save(self.actor, dataclasses.replace(record, active=not record.active))
        except DeskError as error:
            show_problem(self, error)
        self.refresh()
        self.changed.emit()

    def _open(self, dialog: CaseTypeDialog) -> None:
        self.dialog = dialog
        dialog.accepted.connect(lambda: self._saved(dialog))
        dialog.finished.connect(lambda _result: self._closed(dialog))
        dialog.open()

    def _saved(self, dialog: CaseTypeDialog) -> None:
        self.refresh()
        if dialog.saved is not None:
            self.select(dialog.saved.id)
        self.changed.emit()

    def _closed(self, dialog: CaseTypeDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()
        self.table.setFocus()
