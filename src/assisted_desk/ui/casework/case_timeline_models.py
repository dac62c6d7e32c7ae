"""Table models of the case window: a case's timeline (every activity, newest first, tasks with
their due date, assignee and whether they are done) and, for managers, who opened a restricted
case. An internal line says "Internal" in words; a late task says "overdue" in words as well as
in colour."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor

from ...casework.records import AccessEntry, ActivityRecord, CaseRecord
from ...casework.vocab import ESCALATION_LEVELS, ActivityKind
from ...core.clock import as_utc, local_text
from ..admin.common import SORT_ROLE

DISPLAY = Qt.ItemDataRole.DisplayRole
LATE_BACKGROUND = QColor("#fbd5d5")  # the desk's late colours: dark text on them keeps contrast above 7:1
LATE_TEXT = QColor("#6b0000")
INTERNAL_BACKGROUND = QColor("#f1ecf9")
NO_DATE = "9999-12-31"  # blanks sort after every real date


class TimelineColumn(enum.IntEnum):
    WHEN = 0
    WHAT = 1
    DETAILS = 2
    BY = 3
    DUE = 4
    ASSIGNEE = 5
    DONE = 6


def short_date(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day is not None else ""


def status_words(case: CaseRecord | None, code: str) -> str:
    """A status code as its label where the case knows it, else the code in words."""
    if not code:
        return ""
    if case is not None:
        if code == case.status:
            return case.status_label
        labels = dict(case.next_statuses)
        if code in labels:
            return labels[code]
    return code.replace("_", " ").capitalize()


def was_cancelled(activity: ActivityRecord) -> bool:
    return activity.was_cancelled


class TimelineModel(QAbstractTableModel):
    """A case's activities. `today` (a London day) decides which open tasks are overdue."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        tr = self.tr
        self._headers = [tr("When"), tr("What"), tr("Details"), tr("By"), tr("Due"), tr("Assigned to"), tr("Done")]
        self._rows: list[ActivityRecord] = []
        self._case: CaseRecord | None = None
        self._today: date | None = None

    def set_case(self, case: CaseRecord | None, today: date | None) -> None:
        self.beginResetModel()
        self._case = case
        self._today = today
        self._rows = list(case.activities) if case is not None else []
        self.endResetModel()

    def activity(self, row: int) -> ActivityRecord:
        return self._rows[row]

    def row_of(self, activity_id: int) -> int | None:
        return next((n for n, a in enumerate(self._rows) if a.id == activity_id), None)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == DISPLAY and 0 <= section < len(self._headers):
            return self._headers[section]
        return None

    def is_late(self, activity: ActivityRecord) -> bool:
        return (activity.is_open_task and activity.due_on is not None and self._today is not None
                and activity.due_on < self._today)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = DISPLAY):
        if not index.isValid() or not 0 <= index.row() < len(self._rows) \
                or not 0 <= index.column() < len(self._headers):
            return None
        activity, column = self._rows[index.row()], TimelineColumn(index.column())
        if role == DISPLAY:
            return self.text(activity, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return activity.text if column is TimelineColumn.DETAILS else self.text(activity, column)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{self._headers[column]}: {self.text(activity, column) or self.tr('none')}"
        if role == SORT_ROLE:
            return self.sort_key(activity, column)
        if role == Qt.ItemDataRole.BackgroundRole:
            if self.is_late(activity):
                return QBrush(LATE_BACKGROUND)
            if activity.internal:
                return QBrush(INTERNAL_BACKGROUND)
            return None
        if role == Qt.ItemDataRole.ForegroundRole and self.is_late(activity):
            return QBrush(LATE_TEXT)
        return None

    def text(self, activity: ActivityRecord, column: TimelineColumn) -> str:
        tr = self.tr
        if column is TimelineColumn.WHEN:
            return local_text(activity.happened_at)
        if column is TimelineColumn.WHAT:
            what = self.what(activity)
            return tr("{0} · Internal").format(what) if activity.internal else what
        if column is TimelineColumn.DETAILS:
            return " / ".join(line.strip() for line in activity.text.splitlines() if line.strip())
        if column is TimelineColumn.BY:
            return activity.recorded_by
        if activity.kind is not ActivityKind.TASK:
            return ""
        if column is TimelineColumn.DUE:
            if self.is_late(activity):
                return tr("{0} (overdue)").format(short_date(activity.due_on))
            return short_date(activity.due_on)
        if column is TimelineColumn.ASSIGNEE:
            return activity.assignee_name
        if activity.done_at is None:
            return tr("Open")
        word = tr("Cancelled") if was_cancelled(activity) else tr("Done")
        return tr("{0} {1} by {2}").format(word, local_text(activity.done_at), activity.done_by)

    def what(self, activity: ActivityRecord) -> str:
        tr, kind = self.tr, activity.kind
        if kind is ActivityKind.STATUS and activity.to_status:
            return tr("Status: {0} → {1}").format(self.status_label(activity, from_=True),
                                                   self.status_label(activity, from_=False))
        if kind is ActivityKind.REOPENED and activity.to_status:
            return tr("Reopened as {0}").format(self.status_label(activity, from_=False))
        if kind is ActivityKind.ESCALATED and activity.to_status:
            return tr("Escalated to {0}").format(self.status_label(activity, from_=False).lower())
        if kind is ActivityKind.HANDOVER:
            return tr("Handed over to {0}").format(activity.other_staff_name)
        if kind is ActivityKind.REASSIGNED:
            return tr("Reassigned to {0}").format(activity.other_staff_name)
        if kind is ActivityKind.TEAM:
            return tr("Team: {0}").format(activity.other_staff_name)
        if kind is ActivityKind.ATTACHMENT:
            return tr("Evidence: {0}").format(activity.attachment_name)
        return tr(kind.label)

    def status_label(self, activity: ActivityRecord, *, from_: bool) -> str:
        """The service's words for the status (or escalation level) a line moved from or to."""
        label = getattr(activity, "from_status_label" if from_ else "to_status_label", "")
        code = activity.from_status if from_ else activity.to_status
        if label:
            return label
        if activity.kind is ActivityKind.ESCALATED:
            return ESCALATION_LEVELS.get(int(code), code) if code.isdigit() else code
        return status_words(self._case, code)

    def sort_key(self, activity: ActivityRecord, column: TimelineColumn) -> str:
        if column is TimelineColumn.WHEN:
            # The same minute keeps the order things were recorded in.
            return f"{as_utc(activity.happened_at).isoformat()}#{activity.id:012d}"
        if column is TimelineColumn.DUE:
            return activity.due_on.isoformat() if activity.due_on else NO_DATE
        if column is TimelineColumn.DONE and activity.done_at is not None:
            return as_utc(activity.done_at).isoformat()
        return self.text(activity, column).casefold()


class TimelineProxy(QSortFilterProxyModel):
    """Sorts on SORT_ROLE; with `tasks_only` shows just the tasks."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks_only = False
        self.setSortRole(SORT_ROLE)
        self.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

    @property
    def tasks_only(self) -> bool:
        return self._tasks_only

    def set_tasks_only(self, on: bool) -> None:
        self.beginFilterChange()
        self._tasks_only = on
        self.endFilterChange()

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex) -> bool:  # noqa: N802
        if not self._tasks_only:
            return True
        model = self.sourceModel()
        if not isinstance(model, TimelineModel) or not 0 <= source_row < model.rowCount():
            return False
        return model.activity(source_row).kind is ActivityKind.TASK


class AccessLogModel(QAbstractTableModel):
    """Who opened a restricted case (or was refused), newest first."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        tr = self.tr
        self._headers = [tr("When"), tr("Who"), tr("Role"), tr("What")]
        self._rows: list[AccessEntry] = []

    def set_rows(self, rows: Sequence[AccessEntry]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == DISPLAY and 0 <= section < len(self._headers):
            return self._headers[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = DISPLAY):
        if not index.isValid() or not 0 <= index.row() < len(self._rows) \
                or not 0 <= index.column() < len(self._headers):
            return None
        entry, column = self._rows[index.row()], index.column()
        texts = (local_text(entry.occurred_at), entry.who, entry.role, self.tr(entry.what))
        if role in (DISPLAY, Qt.ItemDataRole.ToolTipRole):
            return texts[column]
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{self._headers[column]}: {texts[column] or self.tr('none')}"
        if role == SORT_ROLE:
            return as_utc(entry.occurred_at).isoformat() if column == 0 else texts[column].casefold()
        return None
