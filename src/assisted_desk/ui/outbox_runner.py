"""The desk's background sender: delivers the outbox every few seconds while someone is signed in.

Each run is `services.outbox.run_once()` on the thread pool (the network is never touched on the
GUI thread), followed by the outbox counts for the status bar. One run at a time: a tick while
one is in flight does nothing. After a run that could not reach the back office the next one
waits longer (60 s, doubling up to 5 min), so a desk never hammers a back office that is down;
the outbox itself keeps each request's own retry schedule."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal

from ..core.clock import as_utc, local_text
from ..core.errors import DeskError
from ..core.security import Actor, Permission
from ..desk.outbox_sender import BackOfficeHealth, SyncSummary
from ..desk.submissions import OutboxCounts
from ..inclusion.referral_sender import ReferralSyncSummary
from .workers import run_in_background

INTERVAL_MS = 15_000
FAILURE_MS = 60_000
MAX_FAILURE_MS = 300_000
FIRST_RUN_MS = 1_500  # shortly after the window opens, not during its first paint


@dataclass(frozen=True)
class DeliveryRun:
    """What one run found, as the GUI thread receives it (copies, never the sender's own state)."""

    summary: SyncSummary
    counts: OutboxCounts
    health: BackOfficeHealth
    missing: str  # what is not set up, in words, or ""
    finished_at: datetime
    referrals: ReferralSyncSummary | None = None  # referrals sent to partners' APIs, and their updates


def hhmm(value: datetime) -> str:
    return local_text(value)[-5:]


def setup_problem(reason: str) -> str:
    """A set-up problem the back office reported (SetupProblem.reason), as a few words for the
    status bar and the admin tab: which of the token, the certificate or the address is wrong."""
    return {"token": "token refused", "certificate": "certificate not trusted",
            "address": "wrong address"}.get(reason, "set-up problem")


class OutboxRunner(QObject):
    """Runs the sender on a timer for one signed-in person. `delivered` carries the run's
    SyncSummary (other screens refresh their lists on it); `status_changed` carries the status
    bar's text and its longer explanation (for the tooltip)."""

    delivered = Signal(object)
    status_changed = Signal(str, str)

    def __init__(self, services, actor: Actor, parent: QObject | None = None, *, interval_ms: int = INTERVAL_MS,
                 failure_ms: int = FAILURE_MS, max_failure_ms: int = MAX_FAILURE_MS,
                 first_run_ms: int = FIRST_RUN_MS) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.interval_ms, self.failure_ms, self.max_failure_ms = interval_ms, failure_ms, max_failure_ms
        self.first_run_ms = first_run_ms
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)  # re-armed after each run, so the wait adapts to what happened
        self.timer.timeout.connect(self.run_now)
        self.active = False
        self.closed = False
        self.in_flight = False
        self.runs = 0  # finished runs, for tests and the status tooltip
        self.failures = 0  # runs in a row that could not reach (or use) the back office
        self.last: DeliveryRun | None = None
        self.last_error: DeskError | None = None
        self.scheduled_ms = -1  # the wait before the next run, as last set
        self.again = False  # run_soon was asked for while a run was in flight

    @property
    def allowed(self) -> bool:
        return self.actor.may(Permission.USE_DESK)

    # ---- starting and stopping -------------------------------------------------------------

    def start(self, delay_ms: int | None = None) -> None:
        """Start delivering (the first run after `delay_ms`, by default shortly)."""
        if self.closed or not self.allowed:
            return
        self.active = True
        self.scheduled_ms = self.first_run_ms if delay_ms is None else delay_ms
        self.timer.start(self.scheduled_ms)

    def stop(self) -> None:
        """No further runs (a run in flight finishes in its worker; its answer is still shown)."""
        self.active = False
        self.timer.stop()

    def close(self) -> None:
        """For good: the window is closing. A run in flight is left to finish; nothing it returns
        touches this object's widgets any more."""
        self.stop()
        self.closed = True

    def run_soon(self) -> None:
        """A setting changed or a request was queued: run now rather than at the next tick (or,
        with a run in flight, straight after it)."""
        if not self.active:
            return
        if self.in_flight:
            self.again = True
            return
        self.scheduled_ms = 0
        self.timer.start(0)

    @property
    def next_run_ms(self) -> int:
        return self.timer.remainingTime() if self.timer.isActive() else -1

    # ---- one run ---------------------------------------------------------------------------

    def run_now(self) -> bool:
        """Start a run in the background; False (and nothing started) when one is in flight,
        the runner is stopped, or this person may not use the desk."""
        if self.in_flight or not self.active or self.closed or not self.allowed:
            return False
        self.in_flight = True
        self.timer.stop()
        services, actor = self.services, self.actor

        def work():
            summary = yield from services.outbox.run_once()
            health = copy.copy(services.outbox.health)
            missing = services.backoffice.missing() if health.state == "setup" else ""
            # Referrals to partners' APIs wait in the same outbox rows and go on the same run.
            referrals = yield from services.referral_sender.run_once()
            counts = services.submissions.counts(actor)
            return DeliveryRun(summary, counts, health, missing, services.clock.now(), referrals)

        run_in_background(work, self._finished, self._failed)
        return True

    def _finished(self, run: DeliveryRun) -> None:
        if not shiboken6.isValid(self):
            return  # the window went while the run was in flight
        self.in_flight = False
        if self.closed:
            return
        self.runs += 1
        self.last, self.last_error = run, None
        failed = run.health.state in ("unreachable", "busy") or (run.health.state == "setup" and not run.missing)
        self.failures = self.failures + 1 if failed else 0
        again, self.again = self.again, False
        self._schedule(0 if again else self._wait_after(run))
        self.status_changed.emit(*self.status_text())
        self.delivered.emit(run.summary)

    def _failed(self, error: DeskError) -> None:
        # The database, not the back office: say so, and try again after the failure wait.
        if not shiboken6.isValid(self):
            return
        self.in_flight = False
        if self.closed:
            return
        self.runs += 1
        self.last_error = error
        self.failures += 1
        self.again = False
        self._schedule(self._failure_wait())
        self.status_changed.emit(*self.status_text())

    def _schedule(self, wait_ms: int) -> None:
        if self.active:
            self.scheduled_ms = wait_ms
            self.timer.start(wait_ms)

    def _failure_wait(self) -> int:
        return min(self.max_failure_ms, self.failure_ms * 2 ** max(0, self.failures - 1))

    def _wait_after(self, run: DeliveryRun) -> int:
        paused = run.health.paused_until
        if paused is not None and as_utc(paused) > run.finished_at:
            # The back office asked every desk to wait: come back when it said, not before.
            seconds = (as_utc(paused) - run.finished_at).total_seconds()
            return int(min(self.max_failure_ms, max(self.interval_ms, seconds * 1000)))
        return self._failure_wait() if self.failures else self.interval_ms

    # ---- what the status bar says ----------------------------------------------------------

    def status_text(self) -> tuple[str, str]:
        """(short text, explanation) for the status bar."""
        if self.last_error is not None:
            return (self.tr("Back office: not checked (database problem)"),
                    self.tr("The outbox could not be read: {0}").format(self.last_error.message))
        run = self.last
        if run is None:
            return self.tr("Back office: checking…"), ""
        parts = [self.tr("{0} waiting").format(run.counts.waiting), self._state_words(run)]
        attention = run.counts.needs_attention
        if attention:
            parts.append(self.tr("1 needs attention") if attention == 1
                         else self.tr("{0} need attention").format(attention))
        text = self.tr("Back office: {0}").format(" · ".join(parts))
        explain = [run.health.message or run.missing]
        if run.counts.oldest_waiting_at is not None:
            explain.append(self.tr("Oldest waiting request queued {0}.").format(
                local_text(run.counts.oldest_waiting_at)))
        if run.summary.attempted or run.summary.status_updates:
            explain.append(run.summary.text())
        return text, "\n".join(line for line in explain if line)

    def _state_words(self, run: DeliveryRun) -> str:
        health = run.health
        paused = health.paused_until
        if paused is not None and as_utc(paused) > run.finished_at:
            return self.tr("asked to wait until {0}").format(hhmm(paused))
        if health.state == "reachable":
            return self.tr("reachable")
        if health.state == "unreachable":
            if health.checked_at is None:
                return self.tr("not reachable")
            return self.tr("not reachable (checked {0})").format(hhmm(health.checked_at))
        if health.state == "busy":  # it answered, but is not taking requests just now
            if health.checked_at is None:
                return self.tr("having problems")
            return self.tr("having problems (checked {0})").format(hhmm(health.checked_at))
        if health.state == "setup":
            return self.tr("not set up") if run.missing else self.tr(setup_problem(health.reason))
        return self.tr("not checked yet")
