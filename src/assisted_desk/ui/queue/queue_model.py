"""The waiting list as a table: who is waiting, since when, for how long, and for whom.

A row past the site's target wait is coloured AND says "over target" in words, because colour
alone is lost on staff who cannot tell the colours apart (and on screen readers)."""

from __future__ import annotations

import enum

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from ...core.clock import LONDON
from ...desk.queue import TicketView, WaitingEntry, WaitingList
from ..admin.common import SORT_ROLE

OVER_TARGET_BACKGROUND = QColor("#fde2b8")  # amber; dark text on it keeps contrast above 7:1
OVER_TARGET_TEXT = QColor("#4a2600")


class WaitingColumn(enum.IntEnum):
    NUMBER = 0
    NAME = 1
    REASON = 2
    ARRIVED = 3
    WAITED = 4
    FOR = 5


class WaitingTableModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._entries: list[WaitingEntry] = []
        self.target_wait_minutes = 5
        self._headers = {
            WaitingColumn.NUMBER: self.tr("Ticket"),
            WaitingColumn.NAME: self.tr("Name"),
            WaitingColumn.REASON: self.tr("Reason"),
            WaitingColumn.ARRIVED: self.tr("Arrived"),
            WaitingColumn.WAITED: self.tr("Waited"),
            WaitingColumn.FOR: self.tr("Waiting for"),
        }

    def set_list(self, listing: WaitingList) -> None:
        self.beginResetModel()
        self._entries = list(listing.entries)
        self.target_wait_minutes = listing.target_wait_minutes
        self.endResetModel()

    def entry(self, row: int) -> WaitingEntry:
        return self._entries[row]

    def row_of(self, ticket_id: int) -> int | None:
        return next((row for row, e in enumerate(self._entries) if e.ticket.id == ticket_id), None)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(WaitingColumn)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(WaitingColumn):
            return self._headers[WaitingColumn(section)]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._entries) \
                or not 0 <= index.column() < len(WaitingColumn):
            return None
        entry = self._entries[index.row()]
        column = WaitingColumn(index.column())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.text(entry, column)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{self._headers[column]}: {self.text(entry, column)}"
        if role == SORT_ROLE:
            return self._sort_key(entry, column)
        if entry.over_target:
            if role == Qt.ItemDataRole.BackgroundRole:
                return QBrush(OVER_TARGET_BACKGROUND)
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(OVER_TARGET_TEXT)
            if role == Qt.ItemDataRole.FontRole and column == WaitingColumn.WAITED:
                font = QFont()
                font.setBold(True)
                return font
        return None

    def text(self, entry: WaitingEntry, column: WaitingColumn) -> str:
        ticket = entry.ticket
        if column == WaitingColumn.NUMBER:
            return str(ticket.number)
        if column == WaitingColumn.NAME:
            return ticket.name or self.tr("No name given")
        if column == WaitingColumn.REASON:
            return ticket.reason
        if column == WaitingColumn.ARRIVED:
            return ticket.arrived_at.astimezone(LONDON).strftime("%H:%M")
        if column == WaitingColumn.WAITED:
            waited = self.tr("{0} min").format(entry.waited_minutes)
            return self.tr("{0} – over target").format(waited) if entry.over_target else waited
        return waiting_for(self, ticket)

    @staticmethod
    def _sort_key(entry: WaitingEntry, column: WaitingColumn):
        ticket = entry.ticket
        if column == WaitingColumn.NUMBER:
            return ticket.number
        if column in (WaitingColumn.ARRIVED, WaitingColumn.WAITED):
            # Queue order: arrival, then number (two people can arrive in the same second).
            return f"{ticket.arrived_at.isoformat()}#{ticket.number:06d}"
        if column == WaitingColumn.NAME:
            return ticket.name.casefold()
        if column == WaitingColumn.REASON:
            return ticket.reason.casefold()
        return ticket.transferred_to_name.casefold()


def waiting_for(owner: QObject, ticket: TicketView) -> str:
    if not ticket.transferred_to_name:
        return owner.tr("Anyone")
    if ticket.transfer_note:
        return owner.tr("{0}: {1}").format(ticket.transferred_to_name, ticket.transfer_note)
    return ticket.transferred_to_name
