"""Table models of a resident's progress across completed assessments: per area and per task,
one column per assessment (oldest first), then which way it moved."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QSortFilterProxyModel

from ...core.clock import LONDON, as_utc, local_text
from ...inclusion.progress import AreaProgress, SkillsProgress, TaskProgress
from ...inclusion.scoring import Change
from ..admin.common import SORT_ROLE
from .models import RecordsModel


def point_headers(progress: SkillsProgress | None) -> list[str]:
    """Each assessment's date in London (the time only where two fall on one day)."""
    if progress is None:
        return []
    days = [as_utc(point.completed_at).astimezone(LONDON).strftime("%d/%m/%Y") for point in progress.points]
    return [local_text(point.completed_at) if days.count(day) > 1 else day
            for point, day in zip(progress.points, days)]


class ProgressAreasModel(RecordsModel):
    """Area, then "n on my own" per assessment, then how many tasks moved on."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([self.tr("Area"), self.tr("Moved on")], parent)
        self._points = 0

    def set_progress(self, progress: SkillsProgress | None) -> None:
        self.beginResetModel()
        dates = point_headers(progress)
        self._points = len(dates)
        self._headers = [self.tr("Area"), *dates, self.tr("Moved on")]
        self._rows = list(progress.areas) if progress is not None else []
        self.endResetModel()

    def text(self, area: AreaProgress, column: int) -> str:
        if column == 0:
            return area.title
        if column <= self._points:
            return self.tr("{0} on my own").format(area.on_my_own[column - 1])
        return str(area.moved_on)

    def sort_key(self, area: AreaProgress, column: int, row: int):
        if column == 0:
            return row
        if column <= self._points:
            return area.on_my_own[column - 1]
        return area.moved_on


class ProgressTasksModel(RecordsModel):
    """Task, the answer each time (— where not asked), then the change from first to latest."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([self.tr("Task"), self.tr("Change")], parent)
        self._points = 0

    def set_progress(self, progress: SkillsProgress | None) -> None:
        self.beginResetModel()
        dates = point_headers(progress)
        self._points = len(dates)
        self._headers = [self.tr("Task"), *dates, self.tr("Change")]
        self._rows = list(progress.tasks) if progress is not None else []
        self.endResetModel()

    def task(self, row: int) -> TaskProgress:
        return self._rows[row]

    def text(self, task: TaskProgress, column: int) -> str:
        if column == 0:
            return task.sentence
        if column <= self._points:
            answer = task.answers[column - 1]
            return self.tr(answer.label) if answer is not None else "—"
        return self.tr(task.change.label)

    def tooltip(self, task: TaskProgress, column: int) -> str:
        return f"{task.area_title}: {task.sentence}" if column == 0 else ""

    def sort_key(self, task: TaskProgress, column: int, row: int):
        if column == 0:
            return row
        if column <= self._points:
            answer = task.answers[column - 1]
            return answer.rank if answer is not None else -2
        return None


CHANGED = (Change.BETTER, Change.WORSE)


class ChangedTasksProxy(QSortFilterProxyModel):
    """Sortable like every table; with `only_changed`, just the tasks that moved on or went back."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.only_changed = False
        self.setSortRole(SORT_ROLE)

    def set_only_changed(self, only: bool) -> None:
        self.beginFilterChange()
        self.only_changed = only
        self.endFilterChange()

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        if not self.only_changed:
            return True
        source = self.sourceModel()
        return isinstance(source, ProgressTasksModel) and source.task(source_row).change in CHANGED
