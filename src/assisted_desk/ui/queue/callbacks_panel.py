"""Phone callbacks at the desk: open ones soonest due first, overdue ones standing out, every
try logged. By keyboard: Ctrl+B new callback, Alt+L log a call, Alt+A cancel one; Enter on a
callback opens it for work (the resident's record, when there is one)."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ...core.clock import LONDON, local_text
from ...core.errors import DeskError
from ...core.security import Actor
from ...desk.callbacks import CallbackView
from ...services import Services
from ..admin.common import fit_columns, record_table, select_source_row, selected_row, sortable_proxy
from ..forms import button
from ..messages import show_problem
from ..workers import run_in_background
from .callback_dialogs import CancelCallbackDialog, LogAttemptDialog, NewCallbackDialog
from .callbacks_model import CallbackColumn, CallbacksTableModel

REFRESH_MS = 30_000


class CallbacksPanel(QWidget):
    """`serve_resident(resident_id)` is emitted when a callback for a resident is opened for work."""

    serve_resident = Signal(int)

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.dialog = None
        self._generation = 0

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName(self.tr("Callbacks summary"))
        self.model = CallbacksTableModel(self)
        self.proxy = sortable_proxy(self, self.model)
        self.table = record_table(self.tr("Open callbacks"), self.proxy, CallbackColumn.DUE)
        self.table.activated.connect(lambda _index: self.open_for_work())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._follow_selection())
        self.details = QLabel()
        self.details.setObjectName("callbackDetails")
        self.details.setWordWrap(True)
        self.details.setAccessibleName(self.tr("Selected callback"))
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        # Room for who, the reason and a couple of calls, so the list does not jump as rows are chosen.
        self.details.setMinimumHeight(self.details.fontMetrics().lineSpacing() * 4)

        self.new_button = button(self.tr("New callback… (Ctrl+B)"), self.tr("Promise a new callback"))
        self.attempt_button = button(self.tr("&Log call…"), self.tr("Log a call to the selected callback"))
        self.cancel_button = button(self.tr("C&ancel callback…"), self.tr("Cancel the selected callback"))
        self.open_button = button(self.tr("&Open resident"), self.tr("Open the resident of the selected callback"))
        self.new_button.clicked.connect(self.new_callback)
        self.attempt_button.clicked.connect(self.log_attempt)
        self.cancel_button.clicked.connect(self.cancel)
        self.open_button.clicked.connect(self.open_for_work)
        buttons = QHBoxLayout()
        for push in (self.new_button, self.attempt_button, self.cancel_button, self.open_button):
            buttons.addWidget(push)
        buttons.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.details)
        layout.addLayout(buttons)
        order = [self.table, self.new_button, self.attempt_button, self.cancel_button, self.open_button]
        for first, second in zip(order, order[1:]):
            QWidget.setTabOrder(first, second)

        self.new_shortcut = QShortcut(QKeySequence("Ctrl+B"), self)
        self.new_shortcut.setContext(Qt.ShortcutContext.WindowShortcut)  # hidden tabs never fire
        self.new_shortcut.activated.connect(self.new_callback)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.tick)
        self.timer.start()
        self.refresh()

    # ---- loading ------------------------------------------------------------------------------

    def refresh(self) -> bool:
        self._generation += 1
        try:
            callbacks = self.services.callbacks.open_callbacks(self.actor)
        except DeskError as error:
            show_problem(self, error)
            return False
        self._show(callbacks)
        return True

    def tick(self) -> None:
        """The timer's reload, off the GUI thread: callbacks become overdue as time passes."""
        if not self.isVisible():
            return
        self._generation += 1
        generation, callbacks, actor = self._generation, self.services.callbacks, self.actor
        run_in_background(lambda: callbacks.open_callbacks(actor),
                          lambda loaded: self._loaded(generation, loaded), lambda _error: None)

    def _loaded(self, generation: int, loaded) -> None:
        if shiboken6.isValid(self) and generation == self._generation:
            self._show(loaded)

    def _show(self, callbacks: tuple[CallbackView, ...]) -> None:
        keep = self.selected()
        self.model.set_callbacks(callbacks, self.services.clock.now())
        if callbacks:
            fit_columns(self.table)
        if keep is not None:
            select_source_row(self.table, self.model.row_of(keep.id))
        overdue = self.model.overdue_count()
        if not callbacks:
            text = self.tr("No callbacks are waiting to be made.")
        else:
            text = self.tr("{0} open callbacks; {1} overdue.").format(len(callbacks), overdue)
        self.summary.setText(text)
        self.summary.setAccessibleDescription(text)
        self._follow_selection()

    def selected(self) -> CallbackView | None:
        row = selected_row(self.table)
        return None if row is None else self.model.callback(row)

    def _follow_selection(self) -> None:
        callback = self.selected()
        for push in (self.attempt_button, self.cancel_button):
            push.setEnabled(callback is not None)
        self.open_button.setEnabled(callback is not None and callback.resident_id is not None)
        self._show_details(callback)

    def _show_details(self, callback: CallbackView | None) -> None:
        if callback is None:
            text = self.tr("Choose a callback to see its reason and every call made so far.")
        else:
            lines = [self.tr("{0}, {1}. Due by {2}.").format(callback.name, callback.phone_display,
                                                             local_text(callback.due_by)),
                     self.tr("Reason: {0}").format(callback.reason)]
            try:
                attempts = self.services.callbacks.history(self.actor, callback.id).attempts
            except DeskError as error:
                attempts, lines = (), lines + [error.message]
            for attempt in attempts:
                line = self.tr("{0} {1} by {2}").format(attempt.attempted_at.astimezone(LONDON).strftime("%H:%M"),
                                                        attempt.outcome.label, attempt.staff_name)
                lines.append(line + (f": {attempt.note}" if attempt.note else ""))
            if not attempts:
                lines.append(self.tr("No calls made yet."))
            text = "\n".join(lines)
        self.details.setText(text)
        self.details.setAccessibleDescription(text)

    # ---- actions ------------------------------------------------------------------------------

    def open_for_work(self) -> None:
        callback = self.selected()
        if callback is not None and callback.resident_id is not None:
            self.serve_resident.emit(callback.resident_id)

    def new_callback(self) -> None:
        try:
            colleagues = self.services.callbacks.colleagues(self.actor)
        except DeskError as error:
            show_problem(self, error)
            return
        self._open(NewCallbackDialog(self.services, self.actor, colleagues, self))

    def log_attempt(self) -> None:
        callback = self.selected()
        if callback is not None:
            dialog = LogAttemptDialog(self.services, self.actor, callback, self)
            dialog.refetch = lambda: self._fresh(callback.id)
            self._open(dialog)

    def cancel(self) -> None:
        callback = self.selected()
        if callback is not None:
            dialog = CancelCallbackDialog(self.services, self.actor, callback, self)
            dialog.refetch = lambda: self._fresh(callback.id)
            self._open(dialog)

    def _fresh(self, callback_id: int) -> CallbackView | None:
        self.refresh()
        try:
            return self.services.callbacks.get(self.actor, callback_id)
        except DeskError:
            return None

    def _open(self, dialog) -> None:
        self.dialog = dialog
        dialog.accepted.connect(lambda: self._saved(dialog))
        dialog.finished.connect(lambda _result: self._closed(dialog))
        dialog.open()

    def _saved(self, dialog) -> None:
        self.refresh()
        if dialog.saved is not None:
            select_source_row(self.table, self.model.row_of(dialog.saved.id))

    def _closed(self, dialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()
        self.window().activateWindow()  # the keyboard comes back to the desk, ready for the next key
        self.table.setFocus()
