"""Requests as a table, newest first. One that needs attention is coloured AND says so in words,
so it stands out without relying on colour."""

from __future__ import annotations

import enum
from datetime import datetime

from PySide6.QtCore import QAbstractTableModel, QCoreApplication, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from ...core.clock import LONDON, as_utc, local_text
from ...desk.submissions import SubmissionSummary
from ...desk.vocab import SubmissionState
from ..admin.common import SORT_ROLE

ATTENTION_BACKGROUND = QColor("#fbd5d5")  # with the dark red text, contrast stays above 7:1
ATTENTION_TEXT = QColor("#6b0000")


class SubmissionColumn(enum.IntEnum):
    CREATED = 0
    REFERENCE = 1
    REQUEST = 2
    RESIDENT = 3
    STATE = 4
    ATTEMPTS = 5
    SITE = 6


def _tr(text: str) -> str:
    return QCoreApplication.translate("Submissions", text)


def when_text(value: datetime, now: datetime) -> str:
    """A time today as 14:05, another day as 24/11/2026 14:05 (London)."""
    local, today = as_utc(value).astimezone(LONDON), as_utc(now).astimezone(LONDON).date()
    return local.strftime("%H:%M") if local.date() == today else local_text(value)


def tries(count: int) -> str:
    return _tr("1 try") if count == 1 else _tr("{0} tries").format(count)


def attempts_text(summary: SubmissionSummary, now: datetime | None) -> str:
    """How delivery is going, in words: tries so far and when the next one is due."""
    tr = _tr
    count, state = summary.attempts, summary.state
    if state == SubmissionState.QUEUED:
        due = now is None or as_utc(summary.next_attempt_at) <= as_utc(now)
        nxt = tr("next at the next delivery") if due else \
            tr("next after {0}").format(when_text(summary.next_attempt_at, now))
        if not count:
            return tr("Not tried yet") if due else tr("Not tried yet; {0}").format(nxt)
        return tr("{0} so far; {1}").format(tries(count), nxt)
    if state == SubmissionState.SENDING:
        return tr("Sending now (try {0})").format(count)
    if state == SubmissionState.NEEDS_ATTENTION:
        return tr("Stopped after {0}").format(tries(count))
    if state == SubmissionState.ACCEPTED:
        return tr("Accepted at try {0}").format(count)
    return tr("Never sent") if not count else tr("{0} before cancelling").format(tries(count))


class SubmissionsTableModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[SubmissionSummary] = []
        self._now: datetime | None = None
        self._headers = {
            SubmissionColumn.CREATED: self.tr("Made"),
            SubmissionColumn.REFERENCE: self.tr("Reference"),
            SubmissionColumn.REQUEST: self.tr("Request"),
            SubmissionColumn.RESIDENT: self.tr("Resident"),
            SubmissionColumn.STATE: self.tr("State"),
            SubmissionColumn.ATTEMPTS: self.tr("Tries / next try"),
            SubmissionColumn.SITE: self.tr("Site"),
        }

    def set_rows(self, rows: tuple[SubmissionSummary, ...], now: datetime) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._now = now
        self.endResetModel()

    def summary(self, row: int) -> SubmissionSummary:
        return self._rows[row]

    def row_of(self, submission_id: int) -> int | None:
        return next((row for row, s in enumerate(self._rows) if s.id == submission_id), None)

    def count_in(self, *states: SubmissionState) -> int:
        return sum(s.state in states for s in self._rows)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(SubmissionColumn)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(SubmissionColumn):
            return self._headers[SubmissionColumn(section)]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows) \
                or not 0 <= index.column() < len(SubmissionColumn):
            return None
        summary = self._rows[index.row()]
        column = SubmissionColumn(index.column())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.text(summary, column)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{self._headers[column]}: {self.text(summary, column)}"
        if role == SORT_ROLE:
            if column == SubmissionColumn.CREATED:
                return f"{as_utc(summary.created_at).isoformat()}#{summary.id:09d}"
            if column == SubmissionColumn.ATTEMPTS:
                return summary.attempts
            return self.text(summary, column).casefold()
        if summary.state == SubmissionState.NEEDS_ATTENTION:
            if role == Qt.ItemDataRole.BackgroundRole:
                return QBrush(ATTENTION_BACKGROUND)
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(ATTENTION_TEXT)
            if role == Qt.ItemDataRole.FontRole and column == SubmissionColumn.STATE:
                font = QFont()
                font.setBold(True)
                return font
        return None

    def text(self, summary: SubmissionSummary, column: SubmissionColumn) -> str:
        if column == SubmissionColumn.CREATED:
            return local_text(summary.created_at)
        if column == SubmissionColumn.REFERENCE:
            return summary.reference
        if column == SubmissionColumn.REQUEST:
            return summary.request_name
        if column == SubmissionColumn.RESIDENT:
            return summary.resident_name
        if column == SubmissionColumn.STATE:
            return summary.state_text
        if column == SubmissionColumn.ATTEMPTS:
            return attempts_text(summary, self._now)
        return summary.site_name
