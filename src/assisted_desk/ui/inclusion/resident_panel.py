"""The chosen resident's digital-skills assessments, with what can be done with them: start a quick
or full one, resume or discard the one in progress, open a result, see progress over time."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QGridLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from ...inclusion.assessments import AssessmentSummary
from ...inclusion.skills_vocab import AssessmentState
from ..admin.common import fit_columns, record_table, selected_row, sortable_proxy
from ..forms import add_row, button
from ..messages import FormMessage
from .models import HistoryColumn, HistoryModel


class ResidentAssessments(QWidget):
    """Asks the page to act: start(kind), resume(id), discard(id, reason) through a dialog,
    open_result(id), show_progress()."""

    start_requested = Signal(str)
    resume_requested = Signal(int)
    discard_requested = Signal(int)
    result_requested = Signal(int)
    progress_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        tr = self.tr
        self.name = QLabel(tr("Choose a resident on the left to see their digital-skills assessments."))
        self.name.setObjectName("pageTitle")
        self.name.setWordWrap(True)
        self.name.setAccessibleName(tr("Resident"))
        self.model = HistoryModel(self)
        self.proxy = sortable_proxy(self, self.model)
        self.table = record_table(tr("Assessments"), self.proxy, HistoryColumn.STARTED, Qt.SortOrder.DescendingOrder)
        self.table.activated.connect(self._activated)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.quick_button = button(tr("Start &quick assessment"), tr("Start a quick assessment"))
        self.quick_button.clicked.connect(lambda: self.start_requested.emit("quick"))
        self.full_button = button(tr("Start f&ull assessment"), tr("Start a full assessment"))
        self.full_button.clicked.connect(lambda: self.start_requested.emit("full"))
        self.resume_button = button(tr("&Resume"), tr("Resume the assessment in progress"))
        self.resume_button.clicked.connect(self._resume)
        self.discard_button = button(tr("&Discard…"), tr("Discard the assessment in progress"))
        self.discard_button.clicked.connect(self._discard)
        self.progress_button = button(tr("&Progress"), tr("Progress across completed assessments"))
        self.progress_button.clicked.connect(self.progress_requested.emit)
        # Two columns, not one row: at double text size one row of five would clip them.
        actions = QGridLayout()
        actions.addWidget(self.quick_button, 0, 0)
        actions.addWidget(self.resume_button, 0, 1)
        actions.addWidget(self.full_button, 1, 0)
        actions.addWidget(self.discard_button, 1, 1)
        actions.addWidget(self.progress_button, 2, 0)
        actions.setColumnStretch(2, 1)
        self.message = FormMessage(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 0, 0)
        layout.addWidget(self.name)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addWidget(self.message)
        order = (self.table, self.quick_button, self.full_button, self.resume_button, self.discard_button,
                 self.progress_button)
        for before, after in zip(order, order[1:]):
            QWidget.setTabOrder(before, after)
        self.resident_id: int | None = None
        self.set_history(None, "", ())

    def set_history(self, resident_id: int | None, name: str, history) -> None:
        tr = self.tr
        self.resident_id = resident_id
        if resident_id is not None:
            self.name.setText(name)
        self.model.set_rows(history)
        if history:
            fit_columns(self.table)
        chosen = resident_id is not None
        progress = self.in_progress()
        completed = [s for s in history if s.state is AssessmentState.COMPLETED]
        for push in (self.quick_button, self.full_button):
            push.setEnabled(chosen and progress is None)
        self.resume_button.setEnabled(progress is not None)
        self.discard_button.setEnabled(progress is not None)
        self.progress_button.setEnabled(bool(completed))
        if not chosen:
            self.status.setText("")
        elif not history:
            self.status.setText(tr("No assessments yet. Start a quick one (about 5 minutes) or a full one."))
        elif progress is not None:
            self.status.setText(tr("One assessment is in progress ({0} of {1} answered): resume it, or discard it "
                                   "to start again.").format(progress.answered, progress.asked))
        else:
            self.status.setText(tr("{0} completed. Enter on a row opens its result.").format(len(completed)))

    def in_progress(self) -> AssessmentSummary | None:
        return next((self.model.summary(row) for row in range(self.model.rowCount())
                     if self.model.summary(row).state is AssessmentState.IN_PROGRESS), None)

    def selected(self) -> AssessmentSummary | None:
        row = selected_row(self.table)
        return None if row is None else self.model.summary(row)

    def _activated(self, index) -> None:
        if not index.isValid():
            return
        summary = self.model.summary(self.proxy.mapToSource(index).row())
        if summary.state is AssessmentState.IN_PROGRESS:
            self.resume_requested.emit(summary.id)
        elif summary.state is AssessmentState.COMPLETED:
            self.result_requested.emit(summary.id)

    def _resume(self) -> None:
        progress = self.in_progress()
        if progress is not None:
            self.resume_requested.emit(progress.id)

    def _discard(self) -> None:
        progress = self.in_progress()
        if progress is not None:
            self.discard_requested.emit(progress.id)


class DiscardDialog(QDialog):
    """Asks why an assessment in progress is set aside; `reason_given(text)` on OK."""

    reason_given = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        tr = self.tr
        self.setWindowTitle(tr("Discard the assessment in progress"))
        self.setAccessibleName(self.windowTitle())
        self.setMinimumWidth(460)
        intro = QLabel(tr("Its answers are set aside and it no longer shows in the list. Say why, for the record."))
        intro.setWordWrap(True)
        form = QFormLayout()
        self.reason = QLineEdit()
        self.reason.setMaxLength(500)
        add_row(form, tr("&Reason"), self.reason, tr("Reason for discarding"))
        self.message = FormMessage(self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(tr("&Discard"))
        ok.setAccessibleName(tr("Discard"))
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setText(tr("Cancel"))
        cancel.setAccessibleName(tr("Cancel"))
        self.buttons.accepted.connect(self._ok)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def _ok(self) -> None:
        if not self.reason.text().strip():
            self.message.show_error(self.tr("Say why it is discarded (for example: started for the wrong resident)."))
            self.reason.setFocus()
            return
        self.reason_given.emit(self.reason.text().strip())
