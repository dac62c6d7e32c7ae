"""The Requests tab: every request the desk made for residents, where each stands, and what to do
about the ones the back office refused.

Newest first; filter by state, find by reference, back-office reference or resident's name. The
list reloads when the tab is shown and every 15 seconds while it is, off the GUI thread. By
keyboard: Alt+F fix and resend, Alt+N send now, Alt+C cancel, Alt+U check status, Alt+O open the
resident on the Serve tab."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ...core.errors import DeskError, ValidationError
from ...core.security import Actor
from ...desk.backoffice_client import BackOfficeError
from ...desk.submissions import SubmissionDetail, SubmissionFilter, SubmissionSummary
from ...desk.vocab import SubmissionState
from ...services import Services
from ..admin.common import fit_columns, record_table, select_source_row, selected_row, sortable_proxy
from ..forms import button
from ..messages import show_problem
from ..workers import run_in_background
from .detail_view import SubmissionDetailView
from .dialogs import CancelRequestDialog, FixAndResendDialog
from .submissions_model import SubmissionColumn, SubmissionsTableModel

REFRESH_MS = 15_000
SEARCH_PAUSE_MS = 300

STATE_FILTERS = (
    ("All requests", frozenset()),
    ("Waiting to send", frozenset({SubmissionState.QUEUED, SubmissionState.SENDING})),
    ("Needs attention", frozenset({SubmissionState.NEEDS_ATTENTION})),
    ("Accepted", frozenset({SubmissionState.ACCEPTED})),
    ("Cancelled", frozenset({SubmissionState.CANCELLED})),
)


def ask_back_office(outbox, submission_id: int) -> tuple[str, bool]:
    """(what the back office says, whether that is a problem), never raising for the network."""
    try:
        return outbox.check_status(submission_id), False
    except BackOfficeError as error:
        return error.outcome.message, True


class SubmissionsPanel(QWidget):
    """`serve_resident(resident_id)` asks the Desk area to serve a request's resident;
    `outbox_changed` says a request was queued again or cancelled here (the desk's sender may go
    at once, the status bar's counts move)."""

    serve_resident = Signal(int)
    outbox_changed = Signal()

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.dialog = None
        self._generation = 0  # a load older than the newest is dropped
        self._detail_generation = 0
        self._loading = False
        self._detail_loading = False
        self._checking = False

        self.state_filter = QComboBox()
        for text, states in STATE_FILTERS:
            self.state_filter.addItem(self.tr(text), states)
        state_label = QLabel(self.tr("&Show"))
        state_label.setBuddy(self.state_filter)
        self.state_filter.setAccessibleName(self.tr("Show requests in this state"))
        self.state_filter.currentIndexChanged.connect(lambda _i: self.refresh())
        self.search = QLineEdit()
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(self.tr("reference, back-office reference or resident's name"))
        self.search.setMaxLength(120)
        search_label = QLabel(self.tr("Fin&d"))
        search_label.setBuddy(self.search)
        self.search.setAccessibleName(self.tr("Find a request"))
        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(SEARCH_PAUSE_MS)
        self.search_timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _t: self.search_timer.start())
        self.search.returnPressed.connect(self.refresh)
        top = QHBoxLayout()
        top.addWidget(state_label)
        top.addWidget(self.state_filter)
        top.addSpacing(16)
        top.addWidget(search_label)
        top.addWidget(self.search, 1)

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName(self.tr("Requests summary"))
        self.model = SubmissionsTableModel(self)
        self.proxy = sortable_proxy(self, self.model)
        self.table = record_table(self.tr("Requests to the back office"), self.proxy, SubmissionColumn.CREATED,
                                  Qt.SortOrder.DescendingOrder)
        fit_columns(self.table)
        self._quiet = False  # set while the list is swapped for a fresh one
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())

        self.detail = SubmissionDetailView(services, actor)
        self.detail_scroller = QScrollArea()
        self.detail_scroller.setWidget(self.detail)
        self.detail_scroller.setWidgetResizable(True)
        self.detail_scroller.setFrameShape(QFrame.Shape.NoFrame)
        self.detail_scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        self.fix_button = button(self.tr("&Fix and resend…"), self.tr("Fix and resend the selected request"))
        self.send_button = button(self.tr("Send &now"), self.tr("Send the selected request at the next delivery"))
        self.cancel_button = button(self.tr("&Cancel request…"), self.tr("Cancel the selected request"))
        self.check_button = button(self.tr("Check stat&us now"),
                                   self.tr("Ask the back office for the selected request's status"))
        self.open_button = button(self.tr("&Open resident"), self.tr("Serve the selected request's resident"))
        self.fix_button.clicked.connect(self.fix_and_resend)
        self.send_button.clicked.connect(self.send_now)
        self.cancel_button.clicked.connect(self.cancel)
        self.check_button.clicked.connect(self.check_status)
        self.open_button.clicked.connect(self.open_resident)
        buttons = QHBoxLayout()
        for push in (self.fix_button, self.send_button, self.cancel_button, self.check_button, self.open_button):
            buttons.addWidget(push)
        buttons.addStretch(1)

        # The list across the whole width (its columns need it at large text), the request below.
        top_part = QWidget()
        top_layout = QVBoxLayout(top_part)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.summary)
        top_layout.addWidget(self.table, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top_part)
        split.addWidget(self.detail_scroller)
        split.setChildrenCollapsible(False)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setSizes([4000, 6000])
        self.table.setMinimumHeight(self.fontMetrics().lineSpacing() * 6)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        layout.addLayout(buttons)
        order = [self.state_filter, self.search, self.table, self.fix_button, self.send_button, self.cancel_button,
                 self.check_button, self.open_button]
        for first, second in zip(order, order[1:]):
            QWidget.setTabOrder(first, second)

        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.tick)
        self.timer.start()
        self._follow_selection()

    # ---- loading ------------------------------------------------------------------------------

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.refresh()

    def tick(self) -> None:
        if self.isVisible() and self.dialog is None:
            self.refresh()

    def is_busy(self) -> bool:
        """Loading the list or a request, or asking the back office (tests wait for this)."""
        return self._loading or self._detail_loading or self._checking or self.search_timer.isActive()

    def wanted(self) -> SubmissionFilter:
        return SubmissionFilter(states=self.state_filter.currentData() or frozenset(),
                                text=self.search.text().strip())

    def refresh(self) -> None:
        """Reload the list off the GUI thread; the chosen request stays chosen."""
        self.search_timer.stop()
        self._generation += 1
        generation, submissions, actor, wanted = self._generation, self.services.submissions, self.actor, \
            self.wanted()
        self._loading = True
        run_in_background(lambda: submissions.browse(actor, wanted),
                          lambda rows: self._loaded(generation, rows),
                          lambda error: self._load_failed(generation, error))

    def _loaded(self, generation: int, rows: tuple[SubmissionSummary, ...]) -> None:
        if not shiboken6.isValid(self) or generation != self._generation:
            return
        self._loading = False
        keep = self.selected()
        self._quiet = True
        try:
            self.model.set_rows(rows, self.services.clock.now())
            if rows:
                # Room for a request's name and a state in full, at any text size.
                fit_columns(self.table, self.fontMetrics().averageCharWidth() * 36)
            if keep is not None:
                select_source_row(self.table, self.model.row_of(keep.id))
        finally:
            self._quiet = False
        attention = self.model.count_in(SubmissionState.NEEDS_ATTENTION)
        waiting = self.model.count_in(SubmissionState.QUEUED, SubmissionState.SENDING)
        if not rows:
            text = self.tr("No requests match.") if self.wanted() != SubmissionFilter() else \
                self.tr("No requests have been made yet.")
        else:
            text = self.tr("{0} shown, newest first: {1} need attention, {2} waiting to send.").format(
                len(rows), attention, waiting)
        self.summary.setText(text)
        self.summary.setAccessibleDescription(text)
        now = self.selected()
        if now is None or keep is None or now != keep:
            self._follow_selection()  # changed since last shown: fetch it again
        else:
            self._follow_state()

    def _load_failed(self, generation: int, error: DeskError) -> None:
        if not shiboken6.isValid(self) or generation != self._generation:
            return
        self._loading = False
        self.summary.setText(error.message)
        self.summary.setAccessibleDescription(error.message)

    def selected(self) -> SubmissionSummary | None:
        row = selected_row(self.table)
        return None if row is None else self.model.summary(row)

    def select(self, submission_id: int) -> bool:
        row = self.model.row_of(submission_id)
        select_source_row(self.table, row)
        return row is not None

    def _selection_changed(self) -> None:
        if not self._quiet:
            self._follow_selection()

    def _follow_selection(self) -> None:
        self._follow_state()
        summary = self.selected()
        if summary is None:
            self._detail_generation += 1
            self._detail_loading = False
            self.detail.show_empty_state(self.tr("Choose a request to see what was sent and what the back office "
                                                 "said."))
            return
        self._load_detail(summary.id)

    def _load_detail(self, submission_id: int) -> None:
        self._detail_generation += 1
        generation, submissions, actor = self._detail_generation, self.services.submissions, self.actor
        self._detail_loading = True
        run_in_background(lambda: submissions.get(actor, submission_id),
                          lambda detail: self._detail_loaded(generation, detail),
                          lambda error: self._detail_failed(generation, error))

    def _detail_loaded(self, generation: int, detail: SubmissionDetail) -> None:
        if not shiboken6.isValid(self) or generation != self._detail_generation:
            return
        self._detail_loading = False
        self.detail.show_detail(detail, self.services.clock.now())
        self._follow_state()

    def _detail_failed(self, generation: int, error: DeskError) -> None:
        if not shiboken6.isValid(self) or generation != self._detail_generation:
            return
        self._detail_loading = False
        self.detail.show_empty_state(error.message)

    def _follow_state(self) -> None:
        summary = self.selected()
        state = summary.state if summary is not None else None
        self.fix_button.setEnabled(state == SubmissionState.NEEDS_ATTENTION)
        self.send_button.setEnabled(state == SubmissionState.QUEUED)
        self.cancel_button.setEnabled(state in (SubmissionState.QUEUED, SubmissionState.NEEDS_ATTENTION))
        self.check_button.setEnabled(state == SubmissionState.ACCEPTED and not self._checking)
        self.open_button.setEnabled(summary is not None)

    def _current_detail(self) -> SubmissionDetail | None:
        """The selected request as saved now (its version), read afresh: a desk elsewhere may have
        changed it since the list was loaded."""
        summary = self.selected()
        if summary is None:
            return None
        try:
            return self.services.submissions.get(self.actor, summary.id)
        except DeskError as error:
            show_problem(self, error)
            self.refresh()
            return None

    # ---- actions ------------------------------------------------------------------------------

    def fix_and_resend(self) -> None:
        detail = self._current_detail()
        if detail is None or detail.summary.state != SubmissionState.NEEDS_ATTENTION:
            return
        try:
            kind = self.services.submissions.declarations.get(detail.summary.request_type)
        except ValidationError as error:
            show_problem(self, error)
            return
        dialog = FixAndResendDialog(self.services, self.actor, detail, kind, self)
        dialog.refetch = lambda: self._fresh(detail.summary.id)
        self._open(dialog)

    def cancel(self) -> None:
        detail = self._current_detail()
        if detail is None:
            return
        dialog = CancelRequestDialog(self.services, self.actor, detail, self)
        dialog.refetch = lambda: self._fresh(detail.summary.id)
        self._open(dialog)

    def send_now(self) -> None:
        summary = self.selected()
        if summary is None:
            return
        try:
            self.services.submissions.send_now(self.actor, summary.id)
        except DeskError as error:
            show_problem(self, error)
        else:
            self.outbox_changed.emit()
        self.refresh()

    def check_status(self) -> None:
        summary = self.selected()
        if summary is None or self._checking:
            return
        self._checking = True
        self._follow_state()
        self.detail.show_check_result(self.tr("Asking the back office…"))
        outbox, submission_id = self.services.outbox, summary.id
        run_in_background(lambda: ask_back_office(outbox, submission_id),
                          lambda result: self._checked(submission_id, result),
                          lambda error: self._checked(submission_id, (error.message, True)))

    def _checked(self, submission_id: int, result: tuple[str, bool]) -> None:
        if not shiboken6.isValid(self):
            return
        self._checking = False
        words, problem = result
        shown = self.selected()
        if shown is not None and shown.id == submission_id:
            text = self.tr("Could not ask the back office: {0}").format(words) if problem else \
                self.tr("The back office says: {0}").format(words)
            self.detail.show_check_result(text, problem)
        self.refresh()
        if shown is not None and shown.id == submission_id:
            self._load_detail(submission_id)

    def open_resident(self) -> None:
        summary = self.selected()
        if summary is not None:
            self.serve_resident.emit(summary.resident_id)

    def _fresh(self, submission_id: int) -> SubmissionDetail | None:
        self.refresh()
        try:
            return self.services.submissions.get(self.actor, submission_id)
        except DeskError:
            return None

    def _open(self, dialog) -> None:
        """Non-blocking, so the list keeps moving behind it."""
        self.dialog = dialog
        dialog.accepted.connect(lambda: self._saved(dialog))
        dialog.finished.connect(lambda _result: self._closed(dialog))
        dialog.open()

    def _saved(self, dialog) -> None:
        self.outbox_changed.emit()
        self.refresh()
        if dialog.saved is not None:
            self._load_detail(dialog.saved)

    def _closed(self, dialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()
        self.window().activateWindow()  # the keyboard comes back to the list, ready for the next key
        self.table.setFocus()


__all__ = ["SubmissionsPanel"]
