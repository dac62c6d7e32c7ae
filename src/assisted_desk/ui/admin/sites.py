"""The Sites tab: the libraries and community hubs where residents are served."""

from __future__ import annotations

import enum

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLineEdit, QSpinBox, QVBoxLayout, QWidget

from ...core.errors import DeskError
from ...core.security import Actor
from ...core.staff import MAX_TARGET_WAIT, SiteKind, SiteRecord
from ...services import Services
from ..forms import button
from ..messages import show_problem
from .common import SORT_ROLE, RecordDialog, fit_columns, record_table, select_source_row, selected_row, sortable_proxy


class SiteColumn(enum.IntEnum):
    NAME = 0
    KIND = 1
    TARGET_WAIT = 2
    STATUS = 3


class SiteTableModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._records: list[SiteRecord] = []
        self._headers = {
            SiteColumn.NAME: self.tr("Name"),
            SiteColumn.KIND: self.tr("Type"),
            SiteColumn.TARGET_WAIT: self.tr("Target wait"),
            SiteColumn.STATUS: self.tr("Status"),
        }

    def set_records(self, records: list[SiteRecord]) -> None:
        self.beginResetModel()
        self._records = list(records)
        self.endResetModel()

    def record(self, row: int) -> SiteRecord:
        return self._records[row]

    def row_of(self, site_id: int) -> int | None:
        return next((row for row, r in enumerate(self._records) if r.id == site_id), None)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(SiteColumn)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(SiteColumn):
            return self._headers[SiteColumn(section)]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._records) \
                or not 0 <= index.column() < len(SiteColumn):
            return None
        record = self._records[index.row()]
        column = SiteColumn(index.column())
        if column == SiteColumn.NAME:
            text = record.name
        elif column == SiteColumn.KIND:
            text = record.kind.label
        elif column == SiteColumn.TARGET_WAIT:
            if role == SORT_ROLE:
                return record.target_wait_minutes
            text = self.tr("{0} min").format(record.target_wait_minutes)
        else:
            text = self.tr("Open") if record.active else self.tr("Closed")
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return text
        if role == SORT_ROLE:
            return text.casefold()
        return None


class SiteDialog(RecordDialog):
    """Add a site (record None) or rename, retype, open or close one."""

    def __init__(self, services: Services, actor: Actor, record: SiteRecord | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor, self.record = services, actor, record
        self.version = record.version if record else None
        if record is None:
            self.set_title(self.tr("Add a site"))
        else:
            self.set_title(self.tr("Edit {0}").format(record.name),
                           self.tr("A site can only close once none of its staff are active."))
        self.name = QLineEdit()
        self.name.setMaxLength(120)
        self.add_field("name", self.tr("&Name"), self.name, self.tr("Site name"))
        self.kind = QComboBox()
        for kind in SiteKind:
            self.kind.addItem(kind.label, kind.value)
        self.add_field("kind", self.tr("&Type"), self.kind, self.tr("Type of site"))
        self.target_wait = QSpinBox()
        self.target_wait.setRange(1, MAX_TARGET_WAIT)
        self.target_wait.setValue(5)
        self.target_wait.setSuffix(self.tr(" minutes"))
        self.add_field("target_wait_minutes", self.tr("Target &wait for walk-ins"), self.target_wait,
                       self.tr("Target wait for walk-ins, in minutes"))
        self.active = QCheckBox(self.tr("&Open: staff can be placed here"))
        self.active.setAccessibleName(self.tr("Site is open"))
        self.active.setChecked(True)
        if record is not None:
            self.form.addRow("", self.active)
            self.fields["active"] = self.active
            self.name.setText(record.name)
            self.kind.setCurrentIndex(max(0, self.kind.findData(record.kind.value)))
            self.target_wait.setValue(record.target_wait_minutes)
            self.active.setChecked(record.active)
        self.name.setFocus()

    def save(self) -> SiteRecord:
        if self.record is None:
            return self.services.staff.add_site(self.actor, self.name.text(), self.kind.currentData(),
                                                self.target_wait.value())
        return self.services.staff.update_site(self.actor, self.record.id, self.version, self.name.text(),
                                               self.kind.currentData(), self.active.isChecked(),
                                               self.target_wait.value())

    def adopt(self, record: SiteRecord) -> str:
        self.version = record.version
        state = self.tr("open") if record.active else self.tr("closed")
        return self.tr("{0}, {1}, {2}").format(record.name, record.kind.label, state)


class SitesTab(QWidget):
    changed = Signal()  # a site was added or changed: staff lists show site names

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.dialog = None
        self.model = SiteTableModel(self)
        self.proxy = sortable_proxy(self, self.model)
        self.table = record_table(self.tr("Sites"), self.proxy)
        self.table.activated.connect(lambda _index: self.edit_selected())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._follow_selection())
        self.proxy.modelReset.connect(self._follow_selection)
        self.add_button = button(self.tr("&Add…"), self.tr("Add a site"))
        self.edit_button = button(self.tr("&Edit…"), self.tr("Edit the selected site"))
        self.add_button.clicked.connect(self.add)
        self.edit_button.clicked.connect(self.edit_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.edit_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        QWidget.setTabOrder(self.table, self.add_button)
        QWidget.setTabOrder(self.add_button, self.edit_button)
        self._follow_selection()

    def refresh(self) -> bool:
        keep = self.selected()
        try:
            records = self.services.staff.list_sites()
        except DeskError as error:
            show_problem(self, error)
            return False
        self.model.set_records(records)
        fit_columns(self.table)
        if keep is not None:
            self.select(keep.id)
        return True

    def selected(self) -> SiteRecord | None:
        row = selected_row(self.table)
        return None if row is None else self.model.record(row)

    def select(self, site_id: int) -> None:
        select_source_row(self.table, self.model.row_of(site_id))

    def _follow_selection(self) -> None:
        self.edit_button.setEnabled(self.selected() is not None)

    def _fresh(self, site_id: int) -> SiteRecord | None:
        self.refresh()
        row = self.model.row_of(site_id)
        return None if row is None else self.model.record(row)

    def add(self) -> None:
        self._open(SiteDialog(self.services, self.actor, None, self))

    def edit_selected(self) -> None:
        record = self.selected()
        if record is None:
            return
        dialog = SiteDialog(self.services, self.actor, record, self)
        dialog.refetch = lambda: self._fresh(record.id)
        self._open(dialog)

    def _open(self, dialog: SiteDialog) -> None:
        self.dialog = dialog
        dialog.accepted.connect(lambda: self._saved(dialog))
        dialog.finished.connect(lambda _result: self._closed(dialog))
        dialog.open()

    def _saved(self, dialog: SiteDialog) -> None:
        self.refresh()
        self.changed.emit()
        if dialog.saved is not None:
            self.select(dialog.saved.id)

    def _closed(self, dialog: SiteDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()
        self.table.setFocus()
