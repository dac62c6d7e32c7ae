"""Delivering the outbox: the background sender and the status poll.

Each desk runs a sender (the GUI every few seconds, `assisted-desk sync` from a scheduled task);
on a shared server many run at once. A sender claims a due request with one conditional UPDATE
(so two never hold it together), sends it outside any transaction, and records the answer only
while it still holds the claim. A sender killed mid-delivery leaves its claim to run out; the
next one sends again under the same idempotency key, and the back office answers with the
request it already created. A request leaves the outbox only when acknowledged with the back
office's reference, refused for good, or cancelled by staff.

The retry schedule is kept in each request's row (`next_attempt_at`), not in a retry loop in
memory, so it survives restarts and is shared by every desk: that is why this is not a retry
library's loop. Delays grow exponentially with jitter, never sooner than a `Retry-After`."""

from __future__ import annotations

import base64
import json
import logging
import random
import socket
import threading
import uuid
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..core.clock import Clock, as_utc, local_text
from ..core.db import Database
from ..core.models import AppSetting
from .attachments import submission_attachments
from .backoffice_client import (
    Accepted,
    BackOfficeClient,
    BackOfficeError,
    Outcome,
    Refused,
    SetupProblem,
    StatusChange,
    TryLater,
)
from .backoffice_settings import BackOfficeConfig, BackOfficeSettings
from .submission_models import Submission, SubmissionEvent
from .submissions import add_event
from .vocab import BackOfficeStatus, SubmissionEventKind, SubmissionState

log = logging.getLogger(__name__)

CURSOR_SETTING = "backoffice_status_cursor"
BACK_OFFICE = "back office"
_QUEUED = SubmissionState.QUEUED.value
_SENDING = SubmissionState.SENDING.value


@dataclass(frozen=True)
class Backoff:
    """Exponential back-off with jitter: the n-th failed attempt waits between half and all of
    base × 2^(n-1) seconds, capped; desks that failed together do not retry together."""

    base_seconds: float = 10.0
    cap_seconds: float = 900.0

    def delay(self, attempts: int, rng: random.Random) -> float:
        ceiling = min(self.cap_seconds, self.base_seconds * 2 ** max(0, attempts - 1))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


@dataclass
class BackOfficeHealth:
    """What the status bar says about the back office."""

    state: str = "unknown"  # unknown, reachable, busy (answering, but not taking requests), unreachable, setup
    message: str = ""
    checked_at: datetime | None = None
    paused_until: datetime | None = None  # the back office asked every desk to wait
    reason: str = ""  # for "setup": "token", "address", "certificate", or "" when not set up at all

    @property
    def text(self) -> str:
        if self.state == "reachable":
            return "reachable"
        if self.state == "busy":
            if self.paused_until is not None:
                return f"busy (asked to wait until {local_text(self.paused_until)[-5:]})"
            return "having problems (will try again)"
        if self.state == "unreachable":
            since = f" (checked {local_text(self.checked_at)[-5:]})" if self.checked_at else ""
            return f"not reachable{since}"
        if self.state == "setup":
            return "not set up"
        return "not checked yet"


@dataclass
class SyncSummary:
    attempted: int = 0
    accepted: int = 0
    refused: int = 0
    retry_later: int = 0
    status_updates: int = 0
    problem: str = ""  # why delivery stopped early, or ""
    health: str = "unknown"
    accepted_references: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.health in ("reachable", "unknown") and not self.problem

    def text(self) -> str:
        parts = [f"Sent {self.attempted} request{'s' if self.attempted != 1 else ''}: {self.accepted} accepted, "
                 f"{self.refused} need attention, {self.retry_later} will be tried again.",
                 f"{self.status_updates} status update{'s' if self.status_updates != 1 else ''} recorded."]
        if self.problem:
            parts.append(self.problem)
        return " ".join(parts)


def default_sender_name() -> str:
    return f"{socket.gethostname()[:40]}/{uuid.uuid4().hex[:8]}"


class OutboxSender:
    """Delivers due requests and records status changes. One run at a time per sender; any
    number of senders (desks) may run against one database."""

    def __init__(self, db: Database, clock: Clock, settings: BackOfficeSettings, *, name: str | None = None,
                 backoff: Backoff | None = None, lease_seconds: float = 300.0, batch: int = 50,
                 config_override: Callable[[], BackOfficeConfig | None] | None = None,
                 rng: random.Random | None = None) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.name = name or default_sender_name()
        self.backoff = backoff or Backoff()
        self.lease = timedelta(seconds=lease_seconds)
        self.batch = batch
        self.health = BackOfficeHealth()
        self._config = config_override or settings.config
        self._rng = rng or random.Random()
        self._client: BackOfficeClient | None = None
        self._lock = threading.Lock()

    # ---- running ---------------------------------------------------------------------------

    def run_once(self, *, ignore_pause: bool = False) -> Generator[str, None, SyncSummary]:
        """Deliver what is due, then record status changes. Yields progress lines; returns the
        summary. A second call while one runs returns at once with nothing done."""
        summary = SyncSummary()
        if not self._lock.acquire(blocking=False):
            summary.problem = "Another delivery is already running."
            summary.health = self.health.state
            return summary
        try:
            client = self._client_for_config()
            if client is None:
                self.health = BackOfficeHealth("setup", self.settings.missing() or "not set up", self.clock.now())
                summary.problem = f"Nothing was sent: {self.health.message}."
                summary.health = "setup"
                return summary
            yield from self._deliver(client, summary, ignore_pause)
            if not summary.problem:
                yield from self._poll(client, summary)
            summary.health = self.health.state
            return summary
        finally:
            self._lock.release()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _client_for_config(self) -> BackOfficeClient | None:
        config = self._config()
        if config is None:
            self.close()
            return None
        if self._client is None or self._client.config != config:
            self.close()
            self._client = BackOfficeClient(config, self.clock)
        return self._client

    # ---- delivering ------------------------------------------------------------------------

    def _deliver(self, client: BackOfficeClient, summary: SyncSummary,
                 ignore_pause: bool) -> Generator[str, None, None]:
        now = self.clock.now()
        paused = self.health.paused_until
        if paused is not None and now < paused and not ignore_pause:
            summary.problem = f"The back office asked the desk to wait until {local_text(paused)[-5:]}."
            return
        total = self._due_count(now)
        position = 0
        while position < max(total, self.batch) * 2:  # a bound, should requests keep falling due
            due = self._due_ids(self.clock.now())
            if not due:
                return
            for submission_id in due:
                position += 1
                yield f"Sending request {min(position, total) if total else position} of {max(total, position)}…"
                claimed = self._claim(submission_id)
                if claimed is None:
                    continue  # another desk took it, or staff cancelled it
                summary.attempted += 1
                payload, key, attempts = claimed
                outcome = client.create_request(payload, key)
                stop = self._record(submission_id, attempts, outcome, summary)
                if stop:
                    summary.problem = stop
                    return

    def _due_count(self, now: datetime) -> int:
        with self.db.unit_of_work() as session:
            return session.scalar(select(func.count(Submission.id)).where(self._due(now))) or 0

    def _due_ids(self, now: datetime) -> list[int]:
        with self.db.unit_of_work() as session:
            return list(session.scalars(
                select(Submission.id).where(self._due(now))
                .order_by(Submission.next_attempt_at, Submission.id).limit(self.batch)))

    @staticmethod
    def _due(now: datetime):
        return or_(and_(Submission.state == _QUEUED, Submission.next_attempt_at <= now),
                   and_(Submission.state == _SENDING, Submission.lease_until < now))

    def _claim(self, submission_id: int) -> tuple[dict, str, int] | None:
        now = self.clock.now()
        with self.db.unit_of_work() as session:
            taken = session.execute(
                update(Submission).where(Submission.id == submission_id, self._due(now))
                .values(state=_SENDING, lease_owner=self.name, lease_until=now + self.lease,
                        attempts=Submission.attempts + 1, last_attempt_at=now, version=Submission.version + 1)
                .execution_options(synchronize_session=False))
            if taken.rowcount != 1:
                return None
            row = session.get(Submission, submission_id)
            return self._payload(session, row), row.idempotency_key, row.attempts

    def _payload(self, session: Session, row: Submission) -> dict:
        """The body, the same on every attempt: everything but the files was frozen when the
        request was made (or last fixed), and files cannot change while a retry might repeat it."""
        files = [{"filename": record.filename, "media_type": record.media_type, "size": record.size,
                  "sha256": record.sha256, "content_base64": base64.b64encode(data).decode("ascii")}
                 for record, data in submission_attachments(session, row.id)]
        return {
            "service_code": row.request_type,
            "desk_reference": row.reference,
            "resident": json.loads(row.resident_json),
            "fields": json.loads(row.fields_json),
            "attachments": files,
            **json.loads(row.envelope_json),
        }

    def _record(self, submission_id: int, attempts: int, outcome: Outcome, summary: SyncSummary) -> str:
        """Write what the back office said, while this sender still holds the request; returns
        why the rest of this run should stop, or ""."""
        try:
            return self._write_outcome(submission_id, attempts, outcome, summary)
        except IntegrityError:
            if not isinstance(outcome, Accepted):
                raise
            # The reference is another request's already: an answer meant for that one (a back
            # office that answered it twice on a reused connection). Ask again, afresh.
            log.warning("request %s was answered with %s, which another request holds", submission_id,
                        outcome.reference)
            self.close()
            return self._write_outcome(submission_id, attempts, TryLater(
                f"The back office answered with reference {outcome.reference}, which another request already "
                "has; it will be asked again.", may_have_arrived=True), summary)

    def _write_outcome(self, submission_id: int, attempts: int, outcome: Outcome, summary: SyncSummary) -> str:
        now = self.clock.now()
        mine = and_(Submission.id == submission_id, Submission.state == _SENDING,
                    Submission.lease_owner == self.name)
        common = {"lease_owner": "", "lease_until": None, "updated_at": now, "updated_by": self.name,
                  "version": Submission.version + 1}
        stop = ""
        with self.db.unit_of_work() as session:
            if isinstance(outcome, Accepted):
                self._reachable(now)
                values = {**common, "state": SubmissionState.ACCEPTED.value, "accepted_at": now,
                          "back_office_reference": outcome.reference, "back_office_status": outcome.status,
                          "back_office_status_at": now, "last_error": ""}
                kind, message = SubmissionEventKind.ACCEPTED, f"Back-office reference {outcome.reference}"
            elif isinstance(outcome, Refused):
                self._reachable(now)
                values = {**common, "state": SubmissionState.NEEDS_ATTENTION.value,
                          "last_error": f"Refused (HTTP {outcome.http_status}): {outcome.message}"}
                kind, message = SubmissionEventKind.REFUSED, values["last_error"]
            else:
                wait = self.backoff.delay(attempts, self._rng)
                if isinstance(outcome, TryLater):
                    if outcome.retry_after is not None:
                        wait = max(wait, outcome.retry_after)
                        self.health.paused_until = now + timedelta(seconds=outcome.retry_after)
                    self._struggling(now, outcome)
                    # One failure says the back office is struggling: the rest wait for the next
                    # run rather than pile on (the failed request goes behind them).
                    stop = outcome.message
                    retry_error = outcome.message
                else:  # SetupProblem: no attempt of this request was really made
                    self.health = BackOfficeHealth("setup", outcome.message, now, reason=outcome.reason)
                    stop, retry_error = outcome.message, outcome.message
                values = {**common, "state": _QUEUED, "next_attempt_at": now + timedelta(seconds=wait),
                          "last_error": retry_error}
                if isinstance(outcome, TryLater) and outcome.may_have_arrived:
                    values["may_have_arrived"] = True
                kind = SubmissionEventKind.ATTEMPT_FAILED
                message = f"{retry_error} Next try after {local_text(now + timedelta(seconds=wait))[-5:]}."
            done = session.execute(update(Submission).where(mine).values(**values)
                                   .execution_options(synchronize_session=False))
            if done.rowcount != 1:
                # Our claim ran out and another sender took the request over: its answer counts.
                log.info("request %s was taken over by another sender", submission_id)
                return stop
            add_event(session, submission_id, now, kind, self.name, message)
        if isinstance(outcome, Accepted):
            summary.accepted += 1
            summary.accepted_references.append(outcome.reference)
        elif isinstance(outcome, Refused):
            summary.refused += 1
        else:
            summary.retry_later += 1
        return stop

    def _reachable(self, now: datetime) -> None:
        self.health = BackOfficeHealth("reachable", "", now)

    def _struggling(self, now: datetime, outcome: TryLater | Refused) -> None:
        """An attempt or a read that did not work: busy when the back office answered (it is up),
        unreachable when it did not."""
        answered = isinstance(outcome, Refused) or getattr(outcome, "answered", False)
        self.health = BackOfficeHealth("busy" if answered else "unreachable", outcome.message, now,
                                       self.health.paused_until)

    # ---- status changes --------------------------------------------------------------------

    def _poll(self, client: BackOfficeClient, summary: SyncSummary) -> Generator[str, None, None]:
        cursor = self._cursor()
        for page in range(1, 1001):
            yield f"Reading status changes (page {page})…"
            try:
                changes, next_cursor = client.changes(cursor)
            except BackOfficeError as error:
                self._read_failed(error, summary)
                return
            self._reachable(self.clock.now())
            summary.status_updates += self._apply_changes(changes, next_cursor)
            if not changes or next_cursor == cursor:
                return
            cursor = next_cursor

    def _read_failed(self, error: BackOfficeError, summary: SyncSummary) -> None:
        now = self.clock.now()
        if isinstance(error.outcome, SetupProblem):
            self.health = BackOfficeHealth("setup", error.outcome.message, now, reason=error.outcome.reason)
        else:
            self._struggling(now, error.outcome)
        summary.problem = f"Status changes could not be read: {error.outcome.message}"

    def _cursor(self) -> str | None:
        with self.db.unit_of_work() as session:
            row = session.get(AppSetting, CURSOR_SETTING)
            return row.value if row and row.value else None

    def _apply_changes(self, changes: list[StatusChange], next_cursor: str) -> int:
        # Two desks polling together may record the same change; the unique key on
        # (request, change id) lets one win, and the loser simply tries the page again. They may
        # also both move the stored cursor: the loser's version-checked update finds it changed.
        for _try in range(3):
            try:
                with self.db.unit_of_work() as session:
                    recorded = sum(self._apply(session, change) for change in changes)
                    self._store_cursor(session, next_cursor)
                    return recorded
            except (IntegrityError, StaleDataError):
                continue
        return 0

    def _apply(self, session: Session, change: StatusChange) -> int:
        row = session.scalar(select(Submission).where(Submission.back_office_reference == change.reference))
        if row is None:
            return 0  # made through another channel, not this desk's
        if self._already_recorded(session, row.id, change.status, change.changed_at, change.change_id):
            return 0
        add_event(session, row.id, change.changed_at, SubmissionEventKind.STATUS_CHANGED, BACK_OFFICE,
                  change.message, change.status, change.change_id)
        self._set_status(session, row, change.status, change.changed_at, change.message)
        session.flush()
        return 1

    @staticmethod
    def _already_recorded(session: Session, submission_id: int, status: str, changed_at: datetime,
                          change_id: str | None) -> bool:
        """The same change read twice: by its id from the feed, or (read by "check status now",
        which has no id) by its status and time."""
        same = and_(SubmissionEvent.status == status, SubmissionEvent.at == changed_at)
        if change_id is not None:
            same = or_(SubmissionEvent.change_id == change_id, same)
        return session.scalar(select(SubmissionEvent.id).where(
            SubmissionEvent.submission_id == submission_id,
            SubmissionEvent.kind == SubmissionEventKind.STATUS_CHANGED.value, same).limit(1)) is not None

    def _set_status(self, session: Session, row: Submission, status: str, changed_at: datetime,
                    message: str) -> None:
        latest = as_utc(row.back_office_status_at) if row.back_office_status_at else None
        if latest is None or changed_at >= latest:
            session.execute(update(Submission).where(Submission.id == row.id).values(
                back_office_status=status, back_office_status_at=changed_at, back_office_message=message,
                version=Submission.version + 1).execution_options(synchronize_session=False))

    def _store_cursor(self, session: Session, cursor: str) -> None:
        row = session.get(AppSetting, CURSOR_SETTING)
        now = self.clock.now()
        if row is None:
            session.add(AppSetting(key=CURSOR_SETTING, value=cursor, updated_at=now, updated_by=self.name))
        else:
            row.value, row.updated_at, row.updated_by = cursor, now, self.name

    # ---- one request, now ------------------------------------------------------------------

    def check_status(self, submission_id: int) -> str:
        """Ask the back office for one accepted request's status now; returns what it said, in
        words. Raises BackOfficeError when it cannot be asked."""
        with self.db.unit_of_work() as session:
            row = session.get(Submission, submission_id)
            reference = row.back_office_reference if row else None
        if not reference:
            return "This request has not been accepted by the back office yet."
        config = self._config()
        if config is None:
            raise BackOfficeError(SetupProblem(self.settings.missing() or "The back office is not set up."))
        # Its own client: a delivery run may be using the sender's on another thread.
        client = BackOfficeClient(config, self.clock)
        try:
            status, changed_at, message = client.status(reference)
        except BackOfficeError as error:
            if isinstance(error.outcome, SetupProblem):
                self.health = BackOfficeHealth("setup", error.outcome.message, self.clock.now(),
                                               reason=error.outcome.reason)
            else:
                self._struggling(self.clock.now(), error.outcome)
            raise
        finally:
            client.close()
        self._reachable(self.clock.now())
        with self.db.unit_of_work() as session:
            row = session.get(Submission, submission_id)
            if not self._already_recorded(session, row.id, status, changed_at, None):
                add_event(session, row.id, changed_at, SubmissionEventKind.STATUS_CHANGED, BACK_OFFICE, message,
                          status)
                self._set_status(session, row, status, changed_at, message)
        return f"{BackOfficeStatus(status).label}" + (f": {message}" if message else "")


__all__ = ["Backoff", "BackOfficeHealth", "OutboxSender", "SyncSummary"]
