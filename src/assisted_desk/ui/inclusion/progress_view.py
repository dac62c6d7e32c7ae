"""How a resident's skills moved across their completed assessments: per area, how many tasks
they did on their own each time; per task, the answer each time and which way it moved."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QHeaderView, QLabel, QVBoxLayout, QWidget

from ...inclusion.progress import SkillsProgress
from ..forms import button
from .assessment_flow import scrolled
from .progress_models import ChangedTasksProxy, ProgressAreasModel, ProgressTasksModel
from .results_view import ResultsView, fit_rows, unsorted_table
from ..admin.common import sortable_proxy


class ProgressView(QWidget):
    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        tr = self.tr
        self.title = QLabel()
        self.title.setObjectName("pageTitle")
        self.title.setWordWrap(True)
        self.back_button = button(tr("◀ Back to the &assessments"), tr("Back to the resident's assessments"))
        self.back_button.clicked.connect(self.closed.emit)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.back_button, 0, Qt.AlignmentFlag.AlignTop)
        self.summary = QLabel()
        self.summary.setWordWrap(True)

        self.areas_model = ProgressAreasModel(self)
        self.areas_proxy = sortable_proxy(self, self.areas_model)
        self.areas_table = unsorted_table(tr("Progress by area"), self.areas_proxy)
        self.tasks_model = ProgressTasksModel(self)
        self.tasks_proxy = ChangedTasksProxy(self)
        self.tasks_proxy.setSourceModel(self.tasks_model)
        self.tasks_table = unsorted_table(tr("Progress by task"), self.tasks_proxy)
        self.tasks_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tasks_table.horizontalHeader().setStretchLastSection(False)
        self.only_changed = QCheckBox(tr("Only tasks that &changed"))
        self.only_changed.setAccessibleName(tr("Only tasks that changed"))
        self.only_changed.toggled.connect(self._filter)

        body = QWidget()
        inner = QVBoxLayout(body)
        inner.addWidget(self.summary)
        inner.addWidget(ResultsView.section(tr("By area")))
        inner.addWidget(self.areas_table)
        inner.addWidget(ResultsView.section(tr("By task")))
        inner.addWidget(self.only_changed)
        inner.addWidget(self.tasks_table)
        inner.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(scrolled(body), 1)
        QWidget.setTabOrder(self.back_button, self.areas_table)
        QWidget.setTabOrder(self.areas_table, self.only_changed)
        QWidget.setTabOrder(self.only_changed, self.tasks_table)
        self.setFocusProxy(self.back_button)

    def show_progress(self, progress: SkillsProgress, resident_name: str) -> None:
        tr = self.tr
        self.title.setText(tr("Progress for {0}").format(resident_name))
        count = len(progress.points)
        moved = len(progress.moved_on)
        self.summary.setText(tr("{0} completed assessments, oldest first. {1} tasks moved on since the first.")
                             .format(count, moved) if count != 1 else
                             tr("One completed assessment so far: progress shows from the second one."))
        self.areas_model.set_progress(progress)
        fit_rows(self.areas_table)
        self.tasks_model.set_progress(progress)
        self._filter(self.only_changed.isChecked())

    def _filter(self, only: bool) -> None:
        self.tasks_proxy.set_only_changed(only)
        fit_rows(self.tasks_table)
