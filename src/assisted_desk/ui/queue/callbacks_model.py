"""Open callbacks as a table, soonest due first. An overdue one is coloured AND says "Overdue" in
words, so it stands out without relying on colour."""

from __future__ import annotations

import enum
from datetime import datetime

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from ...core.clock import LONDON, local_text
from ...desk.callbacks import CallbackView
from ..admin.common import SORT_ROLE

OVERDUE_BACKGROUND = QColor("#fbd5d5")  # with the dark red text, contrast stays above 7:1
OVERDUE_TEXT = QColor("#6b0000")


class CallbackColumn(enum.IntEnum):
    DUE = 0
    STATE = 1
    NAME = 2
    PHONE = 3
    REASON = 4
    ATTEMPTS = 5
    ASSIGNED = 6


class CallbacksTableModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._callbacks: list[CallbackView] = []
        self._now: datetime | None = None
        self._headers = {
            CallbackColumn.DUE: self.tr("Due by"),
            CallbackColumn.STATE: self.tr("When"),
            CallbackColumn.NAME: self.tr("Who"),
            CallbackColumn.PHONE: self.tr("Phone"),
            CallbackColumn.REASON: self.tr("Reason"),
            CallbackColumn.ATTEMPTS: self.tr("Attempts"),
            CallbackColumn.ASSIGNED: self.tr("Assigned to"),
        }

    def set_callbacks(self, callbacks: tuple[CallbackView, ...], now: datetime) -> None:
        self.beginResetModel()
        self._callbacks = list(callbacks)
        self._now = now
        self.endResetModel()

    def callback(self, row: int) -> CallbackView:
        return self._callbacks[row]

    def row_of(self, callback_id: int) -> int | None:
        return next((row for row, c in enumerate(self._callbacks) if c.id == callback_id), None)

    def overdue_count(self) -> int:
        return sum(c.overdue for c in self._callbacks)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._callbacks)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(CallbackColumn)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(CallbackColumn):
            return self._headers[CallbackColumn(section)]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._callbacks) \
                or not 0 <= index.column() < len(CallbackColumn):
            return None
        callback = self._callbacks[index.row()]
        column = CallbackColumn(index.column())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.text(callback, column)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{self._headers[column]}: {self.text(callback, column)}"
        if role == SORT_ROLE:
            if column in (CallbackColumn.DUE, CallbackColumn.STATE):
                return f"{callback.due_by.isoformat()}#{callback.id:09d}"
            if column == CallbackColumn.ATTEMPTS:
                return callback.attempt_count
            return self.text(callback, column).casefold()
        if callback.overdue:
            if role == Qt.ItemDataRole.BackgroundRole:
                return QBrush(OVERDUE_BACKGROUND)
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(OVERDUE_TEXT)
            if role == Qt.ItemDataRole.FontRole and column == CallbackColumn.STATE:
                font = QFont()
                font.setBold(True)
                return font
        return None

    def text(self, callback: CallbackView, column: CallbackColumn) -> str:
        if column == CallbackColumn.DUE:
            return local_text(callback.due_by)
        if column == CallbackColumn.STATE:
            return self.due_text(callback)
        if column == CallbackColumn.NAME:
            return callback.name
        if column == CallbackColumn.PHONE:
            return callback.phone_display
        if column == CallbackColumn.REASON:
            return callback.reason.replace("\n", " ")
        if column == CallbackColumn.ATTEMPTS:
            if not callback.attempt_count:
                return self.tr("None yet")
            return self.tr("{0}; last: {1} at {2}").format(
                callback.attempt_count, callback.last_outcome.label,
                callback.last_attempt_at.astimezone(LONDON).strftime("%H:%M"))
        return callback.assigned_to_name or self.tr("Anyone")

    def due_text(self, callback: CallbackView) -> str:
        if self._now is None:
            return ""
        minutes = int(abs((callback.due_by - self._now).total_seconds()) // 60)
        if minutes < 120:
            span = self.tr("{0} min").format(minutes)
        elif minutes % 60:
            span = self.tr("{0} h {1} min").format(minutes // 60, minutes % 60)
        else:
            span = self.tr("{0} h").format(minutes // 60)
        if callback.overdue:
            return self.tr("Overdue by {0}").format(span)
        return self.tr("Due in {0}").format(span)
