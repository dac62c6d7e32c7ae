"""Keeping the contact being typed as a draft: a short pause after each change, then saved on the
thread pool, one save at a time, so typing never waits and a crash loses at most a moment.

A save still running when the contact is logged or discarded could write the draft back after
it was removed; the keeper remembers to remove it again once that save ends."""

from __future__ import annotations

import time
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal

from ...core.errors import DeskError
from ...core.security import Actor
from ...services import Services
from ..workers import run_in_background

DRAFT_DELAY_MS = 1200
MAX_WAIT_SECONDS = 10


class DraftKeeper(QObject):
    # A draft could not be kept (the database is out of reach): why, for the person typing.
    problem = Signal(str)

    def __init__(self, services: Services, actor: Actor, payload: Callable[[], dict | None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor
        self._payload = payload  # None: nothing worth keeping (the draft is removed)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DRAFT_DELAY_MS)
        self.timer.timeout.connect(self.save_now)
        self._running = False
        self._again = False
        self._remove_after = False
        self._waiting_since = 0.0

    def changed(self) -> None:
        """Something was typed: keep it after a short pause, or now if typing has gone on
        without a pause for a while (a long note must not wait for the typist to stop)."""
        now = time.monotonic()
        if not self.timer.isActive():
            self._waiting_since = now
        if now - self._waiting_since >= MAX_WAIT_SECONDS:
            self.save_now()
        else:
            self.timer.start()

    def is_busy(self) -> bool:
        return self._running or self.timer.isActive()

    def save_now(self) -> None:
        self.timer.stop()
        if self._running:
            self._again = True
            return
        payload = self._payload()
        services, actor = self.services, self.actor
        if payload is None:
            work = lambda: services.interactions.discard_draft(actor)  # noqa: E731
        else:
            work = lambda: services.interactions.save_draft(actor, payload)  # noqa: E731
        self._running = True
        run_in_background(work, self._ended, self._failed)

    def forget(self, *, remove: bool) -> None:
        """The contact was logged (its draft already removed with it) or thrown away (`remove`):
        stop saving, and make sure no draft survives a save that was still running."""
        self.timer.stop()
        self._again = False
        if self._running:
            self._remove_after = True
        elif remove:
            self._remove()

    def _remove(self) -> None:
        services, actor = self.services, self.actor
        self._running = True
        run_in_background(lambda: services.interactions.discard_draft(actor), self._ended, self._failed)

    def _ended(self, _result=None) -> None:
        if not shiboken6.isValid(self):
            return
        self._running = False
        if self._remove_after:
            self._remove_after = False
            self._remove()
        elif self._again:
            self._again = False
            self.save_now()

    def _failed(self, error: DeskError) -> None:
        # Not worth a modal box: the contact is still on screen. Say so beside the form.
        if not shiboken6.isValid(self):
            return
        self._ended()
        self.problem.emit(error.message)
