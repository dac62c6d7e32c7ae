"""Running slow work off the GUI thread, on the QThreadPool.

A job is a plain function. If it returns a generator, each yielded string is progress and the
generator's return value is the result. Refusals and faults (DeskError) come back to `failed`;
anything else is a bug and is raised again on the GUI thread, where it cannot go unnoticed.
"""

from __future__ import annotations

import gc
import types
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot

from ..core.errors import DeskError


class _Signals(QObject):
    progress = Signal(str)
    done = Signal(object)
    failed = Signal(object)
    crashed = Signal(object)


class Job(QRunnable):
    def __init__(self, work: Callable[[], object]) -> None:
        super().__init__()
        self.work = work
        self.signals = _Signals()

    def run(self) -> None:
        # The pool may keep the runnable object after it ran (it is not auto-deleted): let go of
        # the work, and so of whatever its closure holds (services, an engine and its caches),
        # as soon as it has run.
        work, self.work = self.work, None
        try:
            result = work()
            if isinstance(result, types.GeneratorType):
                result = yield_progress(result, self.signals.progress.emit)
        except DeskError as exc:
            self.signals.failed.emit(exc)
            return
        except Exception as exc:  # a bug: report it where tests and users see it
            import logging

            logging.getLogger(__name__).exception("background job crashed")
            self.signals.crashed.emit(exc)
            return
        self.signals.done.emit(result)


def yield_progress(generator, report: Callable[[str], None]) -> object:
    while True:
        try:
            report(str(next(generator)))
        except StopIteration as finished:
            return finished.value


class _Relay(QObject):
    """Lives on the GUI thread, so the callbacks it calls run there too (queued connections).

    It also keeps the job (and so its signals object) alive until the job's last signal has
    arrived: Python must not collect a QObject that a worker thread is still emitting from."""

    def __init__(self, job: "Job", on_done, on_failed, on_progress) -> None:
        super().__init__()
        self.job = job
        self._on_done, self._on_failed, self._on_progress = on_done, on_failed, on_progress

    @Slot(str)
    def progress(self, text: str) -> None:
        if self._on_progress:
            self._on_progress(text)

    @Slot(object)
    def done(self, result: object) -> None:
        _running.discard(self)
        if self._on_done:
            self._on_done(result)

    @Slot(object)
    def failed(self, error: DeskError) -> None:
        _running.discard(self)
        if self._on_failed:
            self._on_failed(error)

    @Slot(object)
    def crashed(self, exc: Exception) -> None:
        _running.discard(self)
        raise exc


_running: set[_Relay] = set()


def run_in_background(
    work: Callable[[], object],
    on_done: Callable[[object], None] | None = None,
    on_failed: Callable[[DeskError], None] | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> Job:
    """Start `work` on the thread pool; the callbacks run on the GUI thread."""
    job = Job(work)
    job.setAutoDelete(False)  # Python owns it (through the relay), not the pool
    relay = _Relay(job, on_done, on_failed, on_progress)
    _running.add(relay)
    job.signals.done.connect(relay.done)
    job.signals.failed.connect(relay.failed)
    job.signals.progress.connect(relay.progress)
    job.signals.crashed.connect(relay.crashed)
    QThreadPool.globalInstance().start(job)
    return job


def wait_for_background_jobs(msecs: int = 30_000) -> bool:
    """For shutting down (and tests): let running jobs finish."""
    return QThreadPool.globalInstance().waitForDone(msecs)


class GuiThreadGarbageCollector(QObject):
    """Python's cyclic garbage collector runs on whichever thread happens to allocate; if that is
    a worker, it may destroy a Qt widget off the GUI thread and crash the process. So automatic
    collection is switched off and done here, on the GUI thread, whenever the counts say it is due
    (the same thresholds Python would use)."""

    def __init__(self, parent: QObject, interval_ms: int = 500) -> None:
        super().__init__(parent)
        gc.disable()
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.collect_if_due)
        self.timer.start()

    @Slot()
    def collect_if_due(self) -> None:
        counts, thresholds = gc.get_count(), gc.get_threshold()
        for generation in (2, 1, 0):
            if counts[generation] > thresholds[generation]:
                gc.collect(generation)
                return
