"""The Desk area: serving a resident, the walk-in queue, phone callbacks and the requests sent to
the back office, side by side as tabs.

Calling a walk-in, opening a callback or a request that names a resident brings up that resident
on the Serve tab, ready to log the contact. Alt+Shift+1, 2, 3, 4 (or Ctrl+Tab) move between the
tabs (each number stays with its tab whoever signs in); the tab titles carry no Alt mnemonics
because the panels' own buttons use them."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget

from ..core.errors import DeskError
from ..core.security import Actor, Permission
from ..services import Services
from .desk.serve import ServePanel
from .queue.callbacks_panel import CallbacksPanel
from .queue.queue_panel import QueuePanel
from .submissions.panel import SubmissionsPanel


class DeskArea(QWidget):
    # A request was queued (from Serve), sent again, or cancelled (from Requests): the window's
    # outbox runner may deliver at once and the status bar's counts move.
    outbox_changed = Signal()

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor
        title = QLabel(self.tr("Desk"))
        title.setObjectName("pageTitle")
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.setAccessibleName(self.tr("Desk tasks"))
        self.serve = ServePanel(services, actor)
        self.serve.request_queued.connect(lambda _reference: self.outbox_changed.emit())
        self.tabs.addTab(self.serve, self.tr("Serve a resident"))
        self.queue: QueuePanel | None = None
        self.callbacks: CallbacksPanel | None = None
        if actor.may(Permission.RUN_QUEUE):
            self.queue = QueuePanel(services, actor)
            self.callbacks = CallbacksPanel(services, actor)
            self.tabs.addTab(self.queue, self.tr("Walk-in queue"))
            self.tabs.addTab(self.callbacks, self.tr("Callbacks"))
            self.queue.serve_resident.connect(self._serve_walk_in)
            self.callbacks.serve_resident.connect(self.serve_resident)
        self.requests: SubmissionsPanel | None = None
        if actor.may(Permission.LOG_CONTACTS):
            self.requests = SubmissionsPanel(services, actor)
            self.tabs.addTab(self.requests, self.tr("Requests"))
            self.requests.serve_resident.connect(self.serve_resident)
            self.requests.outbox_changed.connect(self.outbox_changed.emit)
        for key, panel in (("Alt+Shift+1", self.serve), ("Alt+Shift+2", self.queue), ("Alt+Shift+3", self.callbacks),
                           ("Alt+Shift+4", self.requests)):
            if panel is not None:
                QShortcut(QKeySequence(key), self, lambda p=panel: self.tabs.setCurrentWidget(p))
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.tabs, 1)

    def outbox_delivered(self, _summary=None) -> None:
        """The window's outbox runner finished a delivery: the Requests list, if on screen, shows
        what the back office said without waiting for its own tick."""
        if self.requests is not None:
            self.requests.tick()

    def serve_resident(self, resident_id: int, queue_ticket_id: int | None = None) -> None:
        """Show the Serve tab with this resident chosen."""
        self.tabs.setCurrentWidget(self.serve)
        self.serve.open_resident(resident_id, queue_ticket_id)

    def _serve_walk_in(self, resident_id: int) -> None:
        # The contact logged for a called walk-in names their ticket, so waits and contacts join up
        # in the reports.
        try:
            ticket = self.services.queue.my_current(self.actor)
        except DeskError:
            ticket = None
        self.serve_resident(resident_id, ticket.id if ticket and ticket.resident_id == resident_id else None)
