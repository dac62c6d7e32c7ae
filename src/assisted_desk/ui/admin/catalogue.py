"""The Services tab: the catalogue a contact is logged against. Administrators add services,
rename them, and retire ones the council no longer offers (old contacts keep the name)."""

from __future__ import annotations

import enum

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from ...core.clock import local_text
from ...core.errors import DeskError
from ...core.security import Actor
from ...desk.catalogue import ServiceRecord
from ...services import Services
from ..forms import button
from ..messages import show_problem
from .common import SORT_ROLE, RecordDialog, fit_columns, record_table, select_source_row, selected_row, sortable_proxy


class ServiceColumn(enum.IntEnum):
    NAME = 0
    CODE = 1
    STATUS = 2
    CHANGED = 3


class ServiceTableModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._records: list[ServiceRecord] = []
        self._headers = {
            ServiceColumn.NAME: self.tr("Service"),
            ServiceColumn.CODE: self.tr("Code"),
            ServiceColumn.STATUS: self.tr("Status"),
            ServiceColumn.CHANGED: self.tr("Last changed"),
        }

    def set_records(self, records) -> None:
        self.beginResetModel()
        self._records = list(records)
        self.endResetModel()

    def record(self, row: int) -> ServiceRecord:
        return self._records[row]

    def row_of(self, code: str) -> int | None:
        return next((row for row, r in enumerate(self._records) if r.code == code), None)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(ServiceColumn)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(ServiceColumn):
            return self._headers[ServiceColumn(section)]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._records) \
                or not 0 <= index.column() < len(ServiceColumn):
            return None
        record = self._records[index.row()]
        column = ServiceColumn(index.column())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._text(record, column)
        if role == SORT_ROLE:
            if column == ServiceColumn.NAME:  # the order the desk offers them
                return f"{record.position:08d}"
            if column == ServiceColumn.CHANGED:
                return record.updated_at.isoformat()
            return self._text(record, column).casefold()
        return None

    def _text(self, record: ServiceRecord, column: ServiceColumn) -> str:
        if column == ServiceColumn.NAME:
            return record.name
        if column == ServiceColumn.CODE:
            return record.code
        if column == ServiceColumn.STATUS:
            return self.tr("Offered") if record.active else self.tr("Retired")
        return self.tr("{0} by {1}").format(local_text(record.updated_at), record.updated_by)


class ServiceDialog(RecordDialog):
    """Add a service (record None) or rename one. The code is set once: contacts store it."""

    def __init__(self, services: Services, actor: Actor, record: ServiceRecord | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor, self.record = services, actor, record
        self.version = record.version if record else None
        if record is None:
            self.set_title(self.tr("Add a service"),
                           self.tr("It is offered for new contacts at once, at the end of the list. The code is "
                                   "made from the name unless you give one; it cannot be changed later."))
        else:
            self.set_title(self.tr("Rename {0}").format(record.name),
                           self.tr("Contacts already logged show the new name too."))
        self.name = QLineEdit()
        self.name.setMaxLength(120)
        self.add_field("name", self.tr("&Name"), self.name, self.tr("Service name"))
        self.code = QLineEdit()
        self.code.setMaxLength(40)
        self.code.setPlaceholderText(self.tr("optional, e.g. blue_badge"))
        if record is None:
            self.add_field("code", self.tr("&Code"), self.code, self.tr("Service code"))
        else:
            self.name.setText(record.name)
        self.name.setFocus()

    def save(self) -> ServiceRecord:
        if self.record is None:
            return self.services.catalogue.add(self.actor, self.name.text(), self.code.text() or None)
        return self.services.catalogue.rename(self.actor, self.record.code, self.name.text(), self.version)

    def adopt(self, record: ServiceRecord) -> str:
        self.version = record.version
        return self.tr("{0} ({1})").format(record.name, self.tr("offered") if record.active else self.tr("retired"))


class CatalogueTab(QWidget):
    changed = Signal()

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.dialog = None
        self.model = ServiceTableModel(self)
        self.proxy = sortable_proxy(self, self.model)
        self.filter = QLineEdit()
        self.filter.setClearButtonEnabled(True)
        self.filter.setPlaceholderText(self.tr("Type part of a name, a code, or retired"))
        self.filter.setAccessibleName(self.tr("Filter services"))
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        filter_label = QLabel(self.tr("Fi&lter services"))
        filter_label.setBuddy(self.filter)
        self.table = record_table(self.tr("Services in the catalogue"), self.proxy)
        self.table.activated.connect(lambda _index: self.rename_selected())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._follow_selection())
        self.proxy.modelReset.connect(self._follow_selection)

        self.add_button = button(self.tr("&Add…"), self.tr("Add a service"))
        self.rename_button = button(self.tr("Re&name…"), self.tr("Rename the selected service"))
        self.active_button = button(self.tr("&Retire"), self.tr("Retire the selected service"))
        self.add_button.clicked.connect(self.add)
        self.rename_button.clicked.connect(self.rename_selected)
        self.active_button.clicked.connect(self.toggle_selected)

        top = QHBoxLayout()
        top.addWidget(filter_label)
        top.addWidget(self.filter, 1)
        buttons = QHBoxLayout()
        for push in (self.add_button, self.rename_button, self.active_button):
            buttons.addWidget(push)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self._follow_selection()

    def refresh(self) -> bool:
        keep = self.selected()
        try:
            records = self.services.catalogue.entries(self.actor, include_retired=True)
        except DeskError as error:
            show_problem(self, error)
            return False
        self.model.set_records(records)
        fit_columns(self.table)
        if keep is not None:
            self.select(keep.code)
        return True

    def selected(self) -> ServiceRecord | None:
        row = selected_row(self.table)
        return None if row is None else self.model.record(row)

    def select(self, code: str) -> None:
        select_source_row(self.table, self.model.row_of(code))

    def _follow_selection(self) -> None:
        record = self.selected()
        self.rename_button.setEnabled(record is not None)
        self.active_button.setEnabled(record is not None)
        if record is not None and not record.active:
            self.active_button.setText(self.tr("Re&store"))
            self.active_button.setAccessibleName(self.tr("Restore the selected service"))
        else:
            self.active_button.setText(self.tr("&Retire"))
            self.active_button.setAccessibleName(self.tr("Retire the selected service"))

    def _fresh(self, code: str) -> ServiceRecord | None:
        self.refresh()
        row = self.model.row_of(code)
        return None if row is None else self.model.record(row)

    def add(self) -> None:
        self._open(ServiceDialog(self.services, self.actor, None, self))

    def rename_selected(self) -> None:
        record = self.selected()
        if record is None:
            return
        dialog = ServiceDialog(self.services, self.actor, record, self)
        dialog.refetch = lambda: self._fresh(record.code)
        self._open(dialog)

    def toggle_selected(self) -> None:
        """Retire or restore. Retiring needs no confirmation: it is undone with Restore, and no
        contact loses its service."""
        record = self.selected()
        if record is None:
            return
        try:
            self.services.catalogue.set_active(self.actor, record.code, not record.active,
                                               expected_version=record.version)
        except DeskError as error:
            show_problem(self, error)
        self.refresh()
        self.changed.emit()

    def _open(self, dialog: ServiceDialog) -> None:
        self.dialog = dialog
        dialog.accepted.connect(lambda: self._saved(dialog))
        dialog.finished.connect(lambda _result: self._closed(dialog))
        dialog.open()

    def _saved(self, dialog: ServiceDialog) -> None:
        self.refresh()
        if dialog.saved is not None:
            self.select(dialog.saved.code)
        self.changed.emit()

    def _closed(self, dialog: ServiceDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()
        self.table.setFocus()
