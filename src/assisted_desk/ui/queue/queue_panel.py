"""The walk-in queue at the desk: who is waiting and for how long, and the person I am serving.

By keyboard: Ctrl+T new ticket, F5 call the next person, Alt+S start, Alt+E end, Alt+N no-show,
Alt+R transfer, Alt+B back to waiting; in the list, Enter calls the chosen ticket."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ...core.errors import DeskError
from ...core.security import Actor
from ...desk.queue import TicketView, WaitingList
from ...desk.queue_common import Colleague, london_time
from ...desk.vocab import TicketStatus
from ...services import Services
from ..admin.common import fit_columns, record_table, select_source_row, selected_row, sortable_proxy
from ..forms import button
from ..messages import show_problem
from ..workers import run_in_background
from .queue_dialogs import NewTicketDialog, TransferDialog
from .queue_model import WaitingColumn, WaitingTableModel

REFRESH_MS = 30_000  # waits are shown in whole minutes; twice a minute keeps them honest


class QueuePanel(QWidget):
    """`serve_resident(resident_id)` is emitted when I call a ticket that names a resident."""

    serve_resident = Signal(int)

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.current: TicketView | None = None
        self.listing: WaitingList | None = None
        self.dialog = None
        self._generation = 0  # a background reload older than the newest reload is dropped

        # ---- now serving ----
        self.strip = QFrame()
        self.strip.setObjectName("nowServing")
        self.strip.setStyleSheet("QFrame#nowServing { background: #e8f1fb; border: 1px solid #9bc; }"
                                 "QFrame#nowServing QLabel { color: #0b2540; }")
        self.now_serving = QLabel()
        self.now_serving.setWordWrap(True)
        self.now_serving.setAccessibleName(self.tr("Now serving"))
        self.now_serving.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.start_button = button(self.tr("&Start"), self.tr("Start serving my current ticket"))
        self.end_button = button(self.tr("&End"), self.tr("End serving my current ticket"))
        self.no_show_button = button(self.tr("&No-show"), self.tr("Mark my current ticket as a no-show"))
        self.transfer_button = button(self.tr("T&ransfer…"), self.tr("Transfer my current ticket to a colleague"))
        self.back_button = button(self.tr("&Back to waiting"), self.tr("Put my current ticket back to waiting"))
        self.start_button.clicked.connect(lambda: self._act(self.services.queue.start_service))
        self.end_button.clicked.connect(lambda: self._act(self.services.queue.end_service))
        self.no_show_button.clicked.connect(lambda: self._act(self.services.queue.mark_no_show))
        self.back_button.clicked.connect(lambda: self._act(self.services.queue.back_to_waiting))
        self.transfer_button.clicked.connect(lambda: self.transfer(self.current))
        strip_buttons = QHBoxLayout()
        for push in (self.start_button, self.end_button, self.no_show_button, self.transfer_button,
                     self.back_button):
            strip_buttons.addWidget(push)
        strip_buttons.addStretch(1)
        strip_layout = QVBoxLayout(self.strip)
        strip_layout.addWidget(self.now_serving)
        strip_layout.addLayout(strip_buttons)

        # ---- waiting ----
        self.summary = QLabel()
        self.summary.setObjectName("queueSummary")
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName(self.tr("Waiting summary"))
        self.model = WaitingTableModel(self)
        self.proxy = sortable_proxy(self, self.model)
        self.table = record_table(self.tr("People waiting"), self.proxy, WaitingColumn.ARRIVED)
        self.table.activated.connect(lambda _index: self.call_selected())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._follow_state())
        self.new_button = button(self.tr("New ticket… (Ctrl+T)"), self.tr("Issue a new ticket"))
        self.call_next_button = button(self.tr("Call next (F5)"), self.tr("Call the next person"))
        self.call_selected_button = button(self.tr("&Call selected"), self.tr("Call the selected ticket"))
        self.transfer_selected_button = button(self.tr("Trans&fer selected…"),
                                               self.tr("Transfer the selected waiting ticket"))
        self.new_button.clicked.connect(self.new_ticket)
        self.call_next_button.clicked.connect(self.call_next)
        self.call_selected_button.clicked.connect(self.call_selected)
        self.transfer_selected_button.clicked.connect(lambda: self.transfer(self.selected()))
        list_buttons = QHBoxLayout()
        for push in (self.new_button, self.call_next_button, self.call_selected_button,
                     self.transfer_selected_button):
            list_buttons.addWidget(push)
        list_buttons.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addWidget(self.strip)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(list_buttons)
        order = [self.start_button, self.end_button, self.no_show_button, self.transfer_button, self.back_button,
                 self.table, self.new_button, self.call_next_button, self.call_selected_button,
                 self.transfer_selected_button]
        for first, second in zip(order, order[1:]):
            QWidget.setTabOrder(first, second)

        self.new_shortcut = self._shortcut(QKeySequence("Ctrl+T"), self.new_ticket)
        self.call_next_shortcut = self._shortcut(QKeySequence(Qt.Key.Key_F5), self.call_next)

        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.tick)
        self.timer.start()
        self.refresh()

    def _shortcut(self, keys: QKeySequence, slot) -> QShortcut:
        shortcut = QShortcut(keys, self)
        shortcut.setContext(Qt.ShortcutContext.WindowShortcut)  # a hidden tab's shortcuts never fire
        shortcut.activated.connect(slot)
        return shortcut

    # ---- loading ------------------------------------------------------------------------------

    def refresh(self) -> bool:
        """Reload the list and my current ticket now (after something changed). False if refused."""
        self._generation += 1
        try:
            loaded = self.services.queue.waiting(self.actor), self.services.queue.my_current(self.actor)
        except DeskError as error:
            show_problem(self, error)
            return False
        self._show(loaded)
        return True

    def tick(self) -> None:
        """The timer's reload, off the GUI thread; the waits move on even when nobody touches the desk."""
        if not self.isVisible():
            return
        self._generation += 1
        generation = self._generation
        queue, actor = self.services.queue, self.actor
        run_in_background(lambda: (queue.waiting(actor), queue.my_current(actor)),
                          lambda loaded: self._loaded(generation, loaded), lambda _error: None)

    def _loaded(self, generation: int, loaded) -> None:
        if shiboken6.isValid(self) and generation == self._generation:
            self._show(loaded)

    def _show(self, loaded: tuple[WaitingList, TicketView | None]) -> None:
        keep = self.selected()
        self.listing, self.current = loaded
        self.model.set_list(self.listing)
        if self.listing.entries:
            fit_columns(self.table)
        if keep is not None:
            select_source_row(self.table, self.model.row_of(keep.id))
        count, over = len(self.listing.entries), self.listing.over_target_count
        if not count:
            text = self.tr("Nobody is waiting.")
        else:
            text = self.tr("{0} waiting; {1} over the {2}-minute target wait.").format(
                count, over, self.listing.target_wait_minutes)
        self.summary.setText(text)
        self.summary.setAccessibleDescription(text)
        self._show_current()
        self._follow_state()

    def _show_current(self) -> None:
        ticket = self.current
        if ticket is None:
            text = self.tr("You are not serving anyone. Press F5 to call the next person.")
        else:
            who = ticket.name or self.tr("no name given")
            state = (self.tr("called at {0}").format(london_time(ticket.called_at))
                     if ticket.status == TicketStatus.CALLED
                     else self.tr("being served since {0}").format(london_time(ticket.started_at)))
            text = self.tr("Now serving: ticket {0}, {1}, {2}.").format(ticket.number, who, state)
            if ticket.reason:
                text += " " + self.tr("Reason: {0}.").format(ticket.reason)
            if ticket.transfer_note:
                text += " " + self.tr("Transfer note: {0}").format(ticket.transfer_note)
        self.now_serving.setText(text)
        self.now_serving.setAccessibleDescription(text)

    def _follow_state(self) -> None:
        ticket = self.current
        serving = ticket is not None and ticket.status == TicketStatus.SERVING
        called = ticket is not None and ticket.status == TicketStatus.CALLED
        self.start_button.setEnabled(called)
        self.end_button.setEnabled(called or serving)
        self.no_show_button.setEnabled(called)
        self.transfer_button.setEnabled(called or serving)
        self.back_button.setEnabled(called)
        chosen = self.selected() is not None
        self.call_selected_button.setEnabled(chosen and ticket is None)
        self.transfer_selected_button.setEnabled(chosen)
        self.call_next_button.setEnabled(ticket is None)

    def selected(self) -> TicketView | None:
        row = selected_row(self.table)
        return None if row is None else self.model.entry(row).ticket

    # ---- actions ------------------------------------------------------------------------------

    def call_next(self) -> None:
        try:
            ticket = self.services.queue.call_next(self.actor)
        except DeskError as error:
            show_problem(self, error)
            self.refresh()
            return
        self.refresh()
        if ticket is None:
            self.summary.setText(self.tr("Nobody is waiting for you."))
            self.summary.setAccessibleDescription(self.summary.text())
            return
        self._called(ticket)

    def call_selected(self) -> None:
        ticket = self.selected()
        if ticket is None:
            return
        try:
            called = self.services.queue.call_ticket(self.actor, ticket.id, ticket.version)
        except DeskError as error:
            show_problem(self, error)
            self.refresh()
            return
        self.refresh()
        self._called(called)

    def _called(self, ticket: TicketView) -> None:
        self.start_button.setFocus()
        if ticket.resident_id is not None:
            self.serve_resident.emit(ticket.resident_id)

    def _act(self, change) -> None:
        """Start, end, no-show or back to waiting, on my current ticket."""
        ticket = self.current
        if ticket is None:
            return
        try:
            change(self.actor, ticket.id, ticket.version)
        except DeskError as error:
            show_problem(self, error)
        self.refresh()
        (self.end_button if self.end_button.isEnabled() else self.call_next_button).setFocus()

    def new_ticket(self) -> None:
        self._open(NewTicketDialog(self.services, self.actor, self))

    def transfer(self, ticket: TicketView | None) -> None:
        if ticket is None:
            return
        try:
            colleagues = self.services.queue.colleagues(self.actor)
        except DeskError as error:
            show_problem(self, error)
            return
        if ticket.status == TicketStatus.WAITING and self.actor.staff_id is not None:
            colleagues = (Colleague(self.actor.staff_id, self.actor.display_name),) + colleagues
        dialog = TransferDialog(self.services, self.actor, ticket, colleagues, self)
        dialog.refetch = lambda: self._fresh(ticket.id)
        self._open(dialog)

    def _fresh(self, ticket_id: int) -> TicketView | None:
        self.refresh()
        try:
            return self.services.queue.get(self.actor, ticket_id)
        except DeskError:
            return None

    def _open(self, dialog) -> None:
        """Non-blocking, so the list keeps moving behind it."""
        self.dialog = dialog
        dialog.accepted.connect(self.refresh)
        dialog.finished.connect(lambda _result: self._closed(dialog))
        dialog.open()

    def _closed(self, dialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()
        self.window().activateWindow()  # the keyboard comes back to the desk, ready for the next key
        self.table.setFocus()
