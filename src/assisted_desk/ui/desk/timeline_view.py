"""The resident's timeline as a table: newest first; Enter or a double-click opens a line."""

from __future__ import annotations

import enum

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ...core.clock import as_utc, local_text
from ...desk.timeline import TimelineItem
from ..admin.common import SORT_ROLE, fit_columns, record_table, sortable_proxy
from ..forms import button


class TimelineColumn(enum.IntEnum):
    WHEN = 0
    WHAT = 1
    DETAIL = 2
    REFERENCE = 3


class TimelineModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._items: list[TimelineItem] = []
        self._headers = {
            TimelineColumn.WHEN: self.tr("When"),
            TimelineColumn.WHAT: self.tr("What"),
            TimelineColumn.DETAIL: self.tr("Details"),
            TimelineColumn.REFERENCE: self.tr("Reference"),
        }

    def set_items(self, items) -> None:
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()

    def item(self, row: int) -> TimelineItem:
        return self._items[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(TimelineColumn)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(TimelineColumn):
            return self._headers[TimelineColumn(section)]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._items) \
                or not 0 <= index.column() < len(TimelineColumn):
            return None
        item = self._items[index.row()]
        column = TimelineColumn(index.column())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._text(item, column)
        if role == SORT_ROLE:
            if column == TimelineColumn.WHEN:
                # The service's order breaks ties; keep it by sorting on (time, position).
                return f"{as_utc(item.when).isoformat()}|{len(self._items) - index.row():08d}"
            return self._text(item, column).casefold()
        return None

    @staticmethod
    def _text(item: TimelineItem, column: TimelineColumn) -> str:
        if column == TimelineColumn.WHEN:
            return local_text(item.when)
        if column == TimelineColumn.WHAT:
            return item.title
        if column == TimelineColumn.DETAIL:
            return item.detail
        return item.reference


class TimelineView(QWidget):
    """Emits `item_opened(item)` on Enter, double-click or the Open button."""

    item_opened = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = TimelineModel(self)
        self.proxy = sortable_proxy(self, self.model)
        self.table = record_table(self.tr("Timeline"), self.proxy, TimelineColumn.WHEN,
                                  Qt.SortOrder.DescendingOrder)
        fit_columns(self.table)  # empty, the headings alone set the widths: none clipped at large text
        self.table.activated.connect(self._activated)
        title = QLabel(self.tr("Tim&eline"))
        title.setBuddy(self.table)
        self.status = QLabel()
        self.status.setAccessibleName(self.tr("Timeline status"))
        self.open_button = button(self.tr("Open"), self.tr("Open the selected timeline line"))
        self.open_button.clicked.connect(self.open_selected)
        top = QHBoxLayout()
        top.addWidget(title)
        top.addSpacing(12)
        top.addWidget(self.status, 1)
        top.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        self.set_items(())

    def set_items(self, items, status: str = "") -> None:
        self.model.set_items(items)
        if items:
            fit_columns(self.table, 220)  # leaves the reference in view at 1280 pixels
        if not status and items:
            status = self.tr("1 line") if len(items) == 1 else self.tr("{0} lines, newest first").format(len(items))
        self.status.setText(status)
        self.open_button.setEnabled(bool(items))

    def open_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        index = rows[0] if rows else self.table.currentIndex()
        self._activated(index)

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.item_opened.emit(self.model.item(self.proxy.mapToSource(index).row()))
