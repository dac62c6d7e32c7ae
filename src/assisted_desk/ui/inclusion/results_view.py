"""A completed assessment's result: the three levels overall with why, each area's level for life
and for work, what to learn next, the barriers and goals, and the framework it was read against
(its citation and credit, as its licence asks). "Print plan…" previews the resident's personal plan
(from their latest completed assessment) and prints it or saves it as PDF."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QGridLayout, QGroupBox, QHBoxLayout, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from ...core.clock import local_text
from ...core.errors import DeskError
from ...core.security import Actor
from ...inclusion.assessments import AssessmentRecord
from ...inclusion.framework import Level
from ...inclusion.scoring import Reached
from ...inclusion.skills_vocab import AssessmentState
from ...printing.layout import PrintFormat
from ...printing.plan_pdf import plan_for, render_plan
from ...printing.print_records import PrintKind
from ..admin.common import fit_columns, record_table, sortable_proxy
from ..desk.scaled_label import ScaledLabel
from ..forms import button
from ..messages import FormMessage
from ..printing_dialog import PrintPreviewDialog
from ..workers import run_in_background
from .assessment_flow import scrolled
from .models import AreaColumn, AreaLevelsModel, NextTasksModel

STATUS_COLOURS = {Reached.REACHED: "#0b5a2a", Reached.NOT_REACHED: "#8a1010", Reached.NOT_ASSESSED: "#333333"}


def unsorted_table(name: str, proxy) -> QTableView:
    """A table in its model's own order; a header click still sorts, a third click restores."""
    view = record_table(name, proxy)
    header = view.horizontalHeader()
    header.setSortIndicatorClearable(True)
    header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
    proxy.sort(-1)
    view.setWordWrap(True)
    return view


def fit_rows(view: QTableView) -> None:
    """Columns fit their contents; the table is tall enough for every row (the page scrolls, not
    the table), and rows grow to their wrapped text whenever a column's width changes."""
    fit_columns(view, 480)
    if not view.property("fitsRows"):
        view.setProperty("fitsRows", True)
        view.horizontalHeader().sectionResized.connect(lambda *_args: _fit_height(view))
        view.installEventFilter(_RowFitter(view))
    _fit_height(view)


class _RowFitter(QObject):
    """A stretched column gets its width only once the view is laid out: wrap the rows again then."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Show) and isinstance(watched, QTableView):
            old = event.oldSize().width() if event.type() == QEvent.Type.Resize else -1
            if old != watched.width():
                QTimer.singleShot(0, watched, lambda: _fit_height(watched))
        return False


def _fit_height(view: QTableView) -> None:
    view.resizeRowsToContents()
    header = view.horizontalHeader()
    rows = view.model().rowCount()
    height = header.sizeHint().height() + sum(view.rowHeight(r) for r in range(rows)) + 2 * view.frameWidth()
    if view.horizontalScrollBar().isVisible():
        height += view.horizontalScrollBar().sizeHint().height()
    view.setFixedHeight(max(height, header.sizeHint().height() + 40))


def small(text: str = "") -> QLabel:
    label = ScaledLabel(0.85, 400, "color: #333333;")
    label.setText(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class ResultsView(QWidget):
    """`closed()` when the person goes back to the resident's assessments."""

    closed = Signal()

    def __init__(self, parent: QWidget | None = None, *, services=None, actor: Actor | None = None) -> None:
        super().__init__(parent)
        tr = self.tr
        # Without them here, printing uses those of the tab it sits in (the skills tab has both).
        self.services, self.actor = services, actor
        self.record: AssessmentRecord | None = None
        self.print_dialog: PrintPreviewDialog | None = None
        self.preparing = False  # gathering the plan before its preview opens
        self.title = QLabel()
        self.title.setObjectName("pageTitle")
        self.title.setWordWrap(True)
        self.back_button = button(tr("◀ Back to the &assessments"), tr("Back to the resident's assessments"))
        self.back_button.clicked.connect(self.closed.emit)
        # P: the letters in view beside it are a (back), k, e, t (the tabs), s and g (the menus).
        self.print_button = button(tr("Print &plan…"), tr("Print the resident's personal plan"))
        self.print_button.clicked.connect(self.print_plan)
        self.message = FormMessage()
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.print_button, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.back_button, 0, Qt.AlignmentFlag.AlignTop)

        overall_box = QGroupBox(tr("Overall"))
        overall_grid = QGridLayout(overall_box)
        overall_grid.setColumnStretch(2, 1)
        self.overall: dict[Level, tuple[QLabel, QLabel]] = {}
        for row, level in enumerate(Level):
            name = QLabel(tr(level.label))
            status = ScaledLabel(1.1)
            why = QLabel()
            why.setWordWrap(True)
            overall_grid.addWidget(name, row, 0, Qt.AlignmentFlag.AlignTop)
            overall_grid.addWidget(status, row, 1, Qt.AlignmentFlag.AlignTop)
            overall_grid.addWidget(why, row, 2, Qt.AlignmentFlag.AlignTop)
            self.overall[level] = (status, why)

        self.areas_model = AreaLevelsModel(self)
        self.areas_proxy = sortable_proxy(self, self.areas_model)
        self.areas_table = unsorted_table(tr("Levels by area"), self.areas_proxy)
        self.areas_table.setSortingEnabled(False)  # the foundation row spans two columns
        self.tasks_model = NextTasksModel(self)
        self.tasks_proxy = sortable_proxy(self, self.tasks_model)
        self.tasks_table = unsorted_table(tr("What to learn next"), self.tasks_proxy)
        self.tasks_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tasks_table.horizontalHeader().setStretchLastSection(False)
        self.no_tasks = QLabel(tr("Nothing to learn next: every task asked was done on their own, "
                                  "or marked not relevant."))
        self.no_tasks.setWordWrap(True)

        self.barriers_label = QLabel()
        self.barriers_label.setWordWrap(True)
        self.barriers_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.goals_label = QLabel()
        self.goals_label.setWordWrap(True)
        self.goals_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.citation = small()
        self.credit = small()

        body = QWidget()
        inner = QVBoxLayout(body)
        inner.addWidget(overall_box)
        inner.addWidget(self.section(tr("Levels by area")))
        inner.addWidget(self.areas_table)
        inner.addWidget(self.section(tr("What to learn next")))
        inner.addWidget(self.tasks_table)
        inner.addWidget(self.no_tasks)
        inner.addWidget(self.section(tr("What gets in the way")))
        inner.addWidget(self.barriers_label)
        inner.addWidget(self.section(tr("Goals")))
        inner.addWidget(self.goals_label)
        inner.addSpacing(12)
        inner.addWidget(self.citation)
        inner.addWidget(self.credit)
        inner.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(scrolled(body), 1)
        self.setFocusProxy(self.back_button)

    @staticmethod
    def section(text: str) -> QLabel:
        label = ScaledLabel(1.15)
        label.setText(text)
        label.setWordWrap(True)
        return label

    def show_record(self, record: AssessmentRecord, resident_name: str) -> None:
        tr = self.tr
        self.record = record
        self.message.clear_message()
        self.print_button.setVisible(record.summary.state is AssessmentState.COMPLETED)
        result = record.result
        self.title.setText(tr("Result for {0}, {1}").format(
            resident_name, local_text(record.summary.completed_at or record.summary.started_at)))
        for level, (status_label, why_label) in self.overall.items():
            status = result.overall_level(level)
            reached = status.status if status is not None else Reached.NOT_ASSESSED
            status_label.setText(tr(reached.label))
            status_label.extra_style = f"color: {STATUS_COLOURS[reached]};"
            status_label._apply()
            why_label.setText(status.why if status is not None else tr("This framework has no such level."))
        self.areas_table.clearSpans()
        self.areas_model.set_result(result)
        foundation = self.areas_model.foundation_row()
        if foundation is not None:
            self.areas_table.setSpan(foundation, AreaColumn.LIFE, 1, 2)
        fit_rows(self.areas_table)
        self.tasks_model.set_result(result)
        fit_rows(self.tasks_table)
        self.tasks_table.setVisible(bool(result.next_tasks))
        self.no_tasks.setVisible(not result.next_tasks)
        if record.barriers:
            self.barriers_label.setText("\n".join(
                f"• {tr(barrier.label)}" + (f": {detail}" if detail else "") for barrier, detail in record.barriers.items()))
        else:
            self.barriers_label.setText(tr("None recorded."))
        goals = [f"• {tr(goal.label)}" for goal in record.goals]
        if record.goals_own_words:
            goals.append(tr("In their own words: {0}").format(record.goals_own_words))
        self.goals_label.setText("\n".join(goals) or tr("None recorded."))
        self.citation.setText(tr("Framework: {0}").format(record.framework.citation))
        self.credit.setText(record.framework.credit)

    # ---- the personal plan ------------------------------------------------------------------

    def _context(self):
        """The services and staff member to print with: given, or those of the tab around it."""
        if self.services is not None and self.actor is not None:
            return self.services, self.actor
        widget = self.parentWidget()
        while widget is not None:
            if getattr(widget, "services", None) is not None and getattr(widget, "actor", None) is not None:
                return widget.services, widget.actor
            widget = widget.parentWidget()
        return None, None

    def print_plan(self) -> None:
        """Gather the resident's plan off the GUI thread, then open its print preview; a refusal
        (no completed assessment, not allowed) is shown here in words."""
        services, actor = self._context()
        if self.record is None or services is None or self.preparing:
            return
        resident_id = self.record.summary.resident_id
        library = getattr(services, "guides", None)
        self.message.clear_message()
        self.preparing = True
        self.print_button.setEnabled(False)

        def gather():
            return plan_for(services, actor, resident_id, library=library)

        def done(plan) -> None:
            self._prepared()
            self._open_preview(services, actor, resident_id, plan)

        def failed(error: DeskError) -> None:
            self._prepared()
            self.message.show_error(error.message)

        run_in_background(gather, done, failed)

    def _prepared(self) -> None:
        self.preparing = False
        self.print_button.setEnabled(True)

    def _open_preview(self, services, actor: Actor, resident_id: int, plan) -> None:
        if self.print_dialog is not None:
            self.print_dialog.close()
            self.print_dialog.deleteLater()

        def render(fmt: PrintFormat, path) -> int:
            return render_plan(plan, fmt, path).pages

        self.print_dialog = PrintPreviewDialog(
            # The title names the job on the printer and in its history: never the resident's name.
            services, actor, title=self.tr("Digital skills plan"),
            kind=PrintKind.PLAN, render=render, resident_id=resident_id,
            file_stem=f"plan-{plan.printed_on.isoformat()}", parent=self)
        self.print_dialog.open()
