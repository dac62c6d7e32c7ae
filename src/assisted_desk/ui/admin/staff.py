"""The Staff tab: who may sign in, with which role, at which site."""

from __future__ import annotations

import enum
from datetime import datetime

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from ...core.clock import as_utc, local_text
from ...core.errors import DeskError
from ...core.security import Actor
from ...core.staff import StaffRecord
from ...services import Services
from ..forms import ask_before, button
from ..messages import show_problem
from .common import SORT_ROLE, fit_columns, record_table, select_source_row, selected_row, sortable_proxy
from .staff_dialogs import ResetPasswordDialog, StaffDialog


class StaffColumn(enum.IntEnum):
    NAME = 0
    USERNAME = 1
    ROLE = 2
    SITE = 3
    STATUS = 4
    LAST_SIGN_IN = 5


class StaffTableModel(QAbstractTableModel):
    """Staff accounts as plain records; the status is worked out once, when the list is loaded."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._records: list[StaffRecord] = []
        self._now: datetime | None = None
        self._headers = {
            StaffColumn.NAME: self.tr("Full name"),
            StaffColumn.USERNAME: self.tr("User name"),
            StaffColumn.ROLE: self.tr("Role"),
            StaffColumn.SITE: self.tr("Site"),
            StaffColumn.STATUS: self.tr("Status"),
            StaffColumn.LAST_SIGN_IN: self.tr("Last sign-in"),
        }

    def set_records(self, records: list[StaffRecord], now: datetime) -> None:
        self.beginResetModel()
        self._records = list(records)
        self._now = now
        self.endResetModel()

    def record(self, row: int) -> StaffRecord:
        return self._records[row]

    def row_of(self, staff_id: int) -> int | None:
        return next((row for row, r in enumerate(self._records) if r.id == staff_id), None)

    def status_text(self, record: StaffRecord) -> str:
        if not record.active:
            return self.tr("Disabled")
        if record.locked_until is not None and self._now is not None and as_utc(record.locked_until) > self._now:
            return self.tr("Waiting after wrong passwords")
        return self.tr("Active")

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(StaffColumn)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(StaffColumn):
            return self._headers[StaffColumn(section)]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._records) \
                or not 0 <= index.column() < len(StaffColumn):
            return None
        record = self._records[index.row()]
        column = StaffColumn(index.column())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._text(record, column)
        if role == SORT_ROLE:
            if column == StaffColumn.LAST_SIGN_IN:
                return as_utc(record.last_sign_in_at).isoformat() if record.last_sign_in_at else ""
            return self._text(record, column).casefold()
        return None

    def _text(self, record: StaffRecord, column: StaffColumn) -> str:
        if column == StaffColumn.NAME:
            return record.display_name
        if column == StaffColumn.USERNAME:
            return record.username
        if column == StaffColumn.ROLE:
            return record.role.label
        if column == StaffColumn.SITE:
            return record.site_name
        if column == StaffColumn.STATUS:
            return self.status_text(record)
        return local_text(record.last_sign_in_at) or self.tr("Never")


class StaffTab(QWidget):
    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.dialog = None  # the open Add, Edit or Reset dialog, if any

        self.model = StaffTableModel(self)
        self.proxy = sortable_proxy(self, self.model)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText(self.tr("Type part of a name, user name, role, site or status"))
        self.filter.setClearButtonEnabled(True)
        self.filter.setAccessibleName(self.tr("Filter staff"))
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        filter_label = QLabel(self.tr("Fi&lter staff"))
        filter_label.setBuddy(self.filter)
        self.table = record_table(self.tr("Staff accounts"), self.proxy)
        self.table.activated.connect(lambda _index: self.edit_selected())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._follow_selection())
        self.proxy.modelReset.connect(self._follow_selection)

        self.add_button = button(self.tr("&Add…"), self.tr("Add a staff member"))
        self.edit_button = button(self.tr("&Edit…"), self.tr("Edit the selected staff member"))
        self.active_button = button(self.tr("&Disable…"), self.tr("Disable the selected account"))
        self.reset_button = button(self.tr("&Reset password…"), self.tr("Reset the selected person's password"))
        self.add_button.clicked.connect(self.add)
        self.edit_button.clicked.connect(self.edit_selected)
        self.active_button.clicked.connect(self.toggle_selected)
        self.reset_button.clicked.connect(self.reset_selected)

        top = QHBoxLayout()
        top.addWidget(filter_label)
        top.addWidget(self.filter, 1)
        buttons = QHBoxLayout()
        for push in (self.add_button, self.edit_button, self.active_button, self.reset_button):
            buttons.addWidget(push)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        QWidget.setTabOrder(self.filter, self.table)
        QWidget.setTabOrder(self.table, self.add_button)
        QWidget.setTabOrder(self.add_button, self.edit_button)
        QWidget.setTabOrder(self.edit_button, self.active_button)
        QWidget.setTabOrder(self.active_button, self.reset_button)
        self._follow_selection()

    # ---- loading --------------------------------------------------------------------------

    def refresh(self) -> bool:
        """Reload from the database, keeping the same person selected. False when refused."""
        keep = self.selected()
        try:
            records = self.services.staff.list_staff(self.actor)
        except DeskError as error:
            show_problem(self, error)
            return False
        self.model.set_records(records, self.services.clock.now())
        fit_columns(self.table)
        if keep is not None:
            select_source_row(self.table, self.model.row_of(keep.id))
        return True

    def selected(self) -> StaffRecord | None:
        row = selected_row(self.table)
        return None if row is None else self.model.record(row)

    def select(self, staff_id: int) -> None:
        select_source_row(self.table, self.model.row_of(staff_id))

    def _follow_selection(self) -> None:
        record = self.selected()
        for push in (self.edit_button, self.active_button, self.reset_button):
            push.setEnabled(record is not None)
        if record is not None and not record.active:
            self.active_button.setText(self.tr("E&nable"))
            self.active_button.setAccessibleName(self.tr("Enable the selected account"))
        else:
            self.active_button.setText(self.tr("&Disable…"))
            self.active_button.setAccessibleName(self.tr("Disable the selected account"))

    def _fresh(self, staff_id: int) -> StaffRecord | None:
        self.refresh()
        row = self.model.row_of(staff_id)
        return None if row is None else self.model.record(row)

    # ---- actions --------------------------------------------------------------------------

    def add(self) -> None:
        self._open(StaffDialog(self.services, self.actor, self._sites(), None, self))

    def edit_selected(self) -> None:
        record = self.selected()
        if record is None:
            return
        dialog = StaffDialog(self.services, self.actor, self._sites(), record, self)
        dialog.refetch = lambda: self._fresh(record.id)
        self._open(dialog)

    def reset_selected(self) -> None:
        record = self.selected()
        if record is not None:
            dialog = ResetPasswordDialog(self.services, self.actor, record, self)
            dialog.refetch = lambda: self._fresh(record.id)
            self._open(dialog)

    def toggle_selected(self) -> None:
        record = self.selected()
        if record is None:
            return
        enable = not record.active
        if not enable and not self._confirm(
            self.tr("Disable the account of {0} ({1})? They will not be able to sign in until an "
                    "administrator enables it again. Their records stay.").format(record.display_name,
                                                                                   record.username)
        ):
            return
        try:
            self.services.staff.set_active(self.actor, record.id, enable, expected_version=record.version)
        except DeskError as error:
            show_problem(self, error)
        self.refresh()

    def _confirm(self, text: str) -> bool:
        return ask_before(self, self.tr("Disable account"), text, self.tr("&Disable"), self.tr("&Keep it"))

    def _sites(self):
        try:
            return self.services.staff.list_sites()
        except DeskError as error:
            show_problem(self, error)
            return []

    def _open(self, dialog) -> None:
        """Non-blocking, so the rest of the desk keeps painting; the table follows what was saved."""
        self.dialog = dialog
        dialog.accepted.connect(lambda: self._saved(dialog))
        dialog.finished.connect(lambda _result: self._closed(dialog))
        dialog.open()

    def _saved(self, dialog) -> None:
        self.refresh()
        if dialog.saved is not None:
            self.select(dialog.saved.id)

    def _closed(self, dialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()
        self.table.setFocus()
