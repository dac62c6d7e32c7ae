"""Table models of the Inclusion area's digital-skills screens: a resident's assessments, the
levels an assessment reached per area, and what to learn next."""

from __future__ import annotations

import enum

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from ...core.clock import as_utc, local_text
from ...inclusion.assessments import AssessmentSummary
from ...inclusion.framework import Level
from ...inclusion.skills_vocab import AssessmentKind
from ...inclusion.scoring import AreaResult, LevelStatus, NextTask, SkillsResult
from ..admin.common import SORT_ROLE

DISPLAY = Qt.ItemDataRole.DisplayRole


class RecordsModel(QAbstractTableModel):
    """A read-only table over a list of plain records; subclasses name the columns and the text."""

    def __init__(self, headers: list[str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list = []
        self._headers = headers

    def set_rows(self, rows) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_record(self, row: int):
        return self._rows[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY):
        if orientation == Qt.Orientation.Horizontal and role == DISPLAY and 0 <= section < len(self._headers):
            return self._headers[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = DISPLAY):
        if not index.isValid() or not 0 <= index.row() < len(self._rows) \
                or not 0 <= index.column() < len(self._headers):
            return None
        record, column = self._rows[index.row()], index.column()
        if role == DISPLAY:
            return self.text(record, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(record, column) or self.text(record, column)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{self._headers[column]}: {self.text(record, column) or self.tr('none')}"
        if role == SORT_ROLE:
            key = self.sort_key(record, column, index.row())
            return key if key is not None else self.text(record, column).casefold()
        return None

    # ---- for subclasses ---------------------------------------------------------------------

    def text(self, record, column: int) -> str:
        raise NotImplementedError

    def tooltip(self, record, column: int) -> str:
        return ""

    def sort_key(self, record, column: int, row: int):
        return None


class HistoryColumn(enum.IntEnum):
    STARTED = 0
    KIND = 1
    STATE = 2
    ANSWERED = 3
    HIGHEST = 4
    COMPLETED = 5
    BY = 6


class HistoryModel(RecordsModel):
    """A resident's assessments (not the discarded ones), newest first."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([self.tr("Started"), self.tr("Kind"), self.tr("State"), self.tr("Answered"),
                          self.tr("Highest level reached"), self.tr("Completed"), self.tr("By")], parent)

    def summary(self, row: int) -> AssessmentSummary:
        return self._rows[row]

    def text(self, record: AssessmentSummary, column: int) -> str:
        column = HistoryColumn(column)
        if column == HistoryColumn.STARTED:
            return local_text(record.started_at)
        if column == HistoryColumn.KIND:  # short: "Quick (about 5 minutes)" would crowd the table
            return self.tr("Quick") if record.kind is AssessmentKind.QUICK else self.tr("Full")
        if column == HistoryColumn.STATE:
            return self.tr(record.state.label)
        if column == HistoryColumn.ANSWERED:
            return self.tr("{0} of {1}").format(record.answered, record.asked)
        if column == HistoryColumn.HIGHEST:
            if record.highest_level is not None:
                return self.tr(record.highest_level.label)
            return self.tr("None yet") if record.completed_at is not None else ""
        if column == HistoryColumn.COMPLETED:
            return local_text(record.completed_at)
        return record.started_by

    def sort_key(self, record: AssessmentSummary, column: int, row: int):
        if column == HistoryColumn.STARTED:
            return as_utc(record.started_at).isoformat()
        if column == HistoryColumn.COMPLETED:
            return as_utc(record.completed_at).isoformat() if record.completed_at else ""
        if column == HistoryColumn.ANSWERED:
            return record.answered
        if column == HistoryColumn.HIGHEST:
            return record.highest_level.order if record.highest_level is not None else -1
        return None


class AreaColumn(enum.IntEnum):
    AREA = 0
    LIFE = 1
    WORK = 2


def status_text(model: QObject, status: LevelStatus | None) -> str:
    return model.tr(status.status.label) if status is not None else "—"


class AreaLevelsModel(RecordsModel):
    """One row per area (the foundation skills first): the level reached for life and for work.
    The foundation row's one status stands in the For life column (the view spans it across)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([self.tr("Area"), self.tr("For life"), self.tr("For work")], parent)

    def set_result(self, result: SkillsResult | None) -> None:
        self.set_rows(result.areas if result is not None else ())

    def foundation_row(self) -> int | None:
        return next((n for n, area in enumerate(self._rows) if area.level(Level.FOUNDATION) is not None), None)

    def _status(self, area: AreaResult, column: int) -> LevelStatus | None:
        foundation = area.level(Level.FOUNDATION)
        if foundation is not None:
            return foundation if column == AreaColumn.LIFE else None
        return area.level(Level.LIFE if column == AreaColumn.LIFE else Level.WORK)

    def text(self, area: AreaResult, column: int) -> str:
        if column == AreaColumn.AREA:
            return area.title
        status = self._status(area, column)
        if status is None and area.level(Level.FOUNDATION) is not None:
            return ""
        if status is not None and status.level is Level.FOUNDATION:
            return self.tr("Foundation: {0}").format(status_text(self, status))
        return status_text(self, status)

    def tooltip(self, area: AreaResult, column: int) -> str:
        status = self._status(area, column) if column != AreaColumn.AREA else None
        return status.why if status is not None else ""

    def sort_key(self, area: AreaResult, column: int, row: int):
        return row  # the framework's order is the useful one


class TaskColumn(enum.IntEnum):
    TASK = 0
    AREA = 1
    NOW = 2
    FOR_GOALS = 3


class NextTasksModel(RecordsModel):
    """What to learn next, in the order the scoring put them (foundation first, goals next)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([self.tr("Task"), self.tr("Area"), self.tr("Now"), self.tr("For goals")], parent)

    def set_result(self, result: SkillsResult | None) -> None:
        self.set_rows(result.next_tasks if result is not None else ())

    def text(self, task: NextTask, column: int) -> str:
        column = TaskColumn(column)
        if column == TaskColumn.TASK:
            return task.sentence
        if column == TaskColumn.AREA:
            return task.area_title
        if column == TaskColumn.NOW:
            return self.tr(task.answer.label)
        return ", ".join(self.tr(goal.label) for goal in task.for_goals)

    def sort_key(self, task: NextTask, column: int, row: int):
        return row if column == TaskColumn.TASK else None
