"""Delivering referrals through partners' APIs, and reading what the partners say back.

The same outbox as back-office requests (desk/outbox_sender.py), on the referral's own columns:
a sender claims a due referral with one conditional UPDATE and a lease (so two desks never hold
it together), sends it outside any transaction under the referral's idempotency key, and records
the answer only while it still holds the claim. A desk killed mid-send leaves its claim to run
out; the next one sends again under the same key and the partner answers with the referral it
already has. The retry schedule is the row's `next_attempt_at`, so nothing is lost offline.

Each partner API is its own queue: one partner down or refusing the token stops only its own
referrals for this run. After delivering, each partner's updates feed is read from a cursor kept
in the shared settings (one per API address), and every update goes through
`referral_flow.apply_transition`. An update the closed loop does not allow, or for a referral
that is not this partner's, is reported and audited but never applied, and never holds the
cursor back; one already recorded is skipped, so reading the feed again is harmless."""

from __future__ import annotations

import hashlib
import logging
import random
import threading
from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..core.audit import record_audit
from ..core.clock import Clock, as_utc, local_text
from ..core.db import Database
from ..core.errors import ValidationError
from ..core.models import AppSetting
from ..core.secrets import SecretStore
from ..core.security import Actor
from ..desk.outbox_sender import Backoff, default_sender_name
from .partner_api import (
    Accepted,
    Outcome,
    PartnerApiClient,
    PartnerApiConfig,
    PartnerApiError,
    PartnerApiTokens,
    PartnerUpdate,
    Refused,
    TryLater,
)
from .partner_models import PartnerOrganisation, PartnerService
from .referral_flow import apply_transition
from .referral_models import Referral, ReferralEvent
from .referral_sharing import consent_problem, referral_payload, shared_contact
from .referral_vocab import DeliveryState, ReferralStatus, UpdateSource

log = logging.getLogger(__name__)

CURSOR_PREFIX = "partner_updates_cursor:"  # + a digest of the API address: the key column is short
_QUEUED = DeliveryState.QUEUED.value
_SENDING = DeliveryState.SENDING.value
_OPEN = (ReferralStatus.SENT.value, ReferralStatus.ACCEPTED.value, ReferralStatus.ATTENDED_FIRST_SESSION.value,
         ReferralStatus.DID_NOT_ATTEND.value)
MAX_PAGES = 200


def normal_url(url: str) -> str:
    return (url or "").strip().rstrip("/")


def cursor_key(api_url: str) -> str:
    """The setting that keeps how far this partner's updates feed has been read."""
    return CURSOR_PREFIX + hashlib.sha256(normal_url(api_url).encode("utf-8")).hexdigest()[:32]


@dataclass
class ReferralSyncSummary:
    attempted: int = 0
    sent: int = 0  # acknowledged by the partner's system
    refused: int = 0  # refused for good (or not sent: consent gone); staff must act
    cancelled: int = 0  # withdrawn or re-routed while being sent, and not taken: out of the outbox
    retry_later: int = 0
    updates_applied: int = 0
    updates_skipped: int = 0  # already recorded: the feed read again
    updates_not_applied: int = 0
    problems: list[str] = field(default_factory=list)
    sent_references: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def text(self) -> str:
        parts = [f"Referrals sent to partners: {self.sent}; {self.refused} need attention, "
                 f"{self.retry_later} will be tried again.",
                 f"{self.updates_applied} partner update{'s' if self.updates_applied != 1 else ''} recorded."]
        return " ".join(parts + self.problems)


@dataclass(frozen=True)
class _Claim:
    referral_id: int
    reference: str
    key: str
    attempts: int
    payload: dict | None  # None when it must not go (see `not_sent`)
    shared: tuple[str, ...]  # what the payload shares, for the audit
    not_sent: str = ""


@dataclass(frozen=True)
class _Partner:
    url: str  # as stored on the service(s): the queue's key
    name: str


class ReferralSender:
    """Delivers due API referrals and records partners' updates. One run at a time per sender;
    any number of senders (desks) may run against one database."""

    def __init__(self, db: Database, clock: Clock, secrets: SecretStore, *, name: str | None = None,
                 backoff: Backoff | None = None, lease_seconds: float = 300.0, batch: int = 50,
                 rng: random.Random | None = None, connect_timeout: float = 5.0,
                 read_timeout: float = 20.0) -> None:
        self.db = db
        self.clock = clock
        self.tokens = PartnerApiTokens(db, clock, secrets)
        self.name = (name or default_sender_name())[:100]
        self.backoff = backoff or Backoff()
        self.lease = timedelta(seconds=lease_seconds)
        self.batch = batch
        self.timeouts = (connect_timeout, read_timeout)
        self._rng = rng or random.Random()
        self._lock = threading.Lock()

    # ---- running ---------------------------------------------------------------------------

    def run_once(self) -> Generator[str, None, ReferralSyncSummary]:
        """Send what is due to each partner's API, then read each partner's updates. Yields
        progress lines; returns the summary. A second call while one runs returns at once."""
        summary = ReferralSyncSummary()
        if not self._lock.acquire(blocking=False):
            summary.problems.append("Another delivery of referrals is already running.")
            return summary
        clients: dict[str, PartnerApiClient | None] = {}
        try:
            stopped: set[str] = set()  # partners that failed this run: left alone until the next
            yield from self._deliver(summary, clients, stopped)
            for partner in self._feeds():
                if normal_url(partner.url) in stopped:
                    continue
                client = self._client(partner, clients)
                if client is None:
                    summary.problems.append(self._no_token(partner))
                    continue
                yield from self._poll(partner, client, summary)
            return summary
        finally:
            for client in clients.values():
                if client is not None:
                    client.close()
            self._lock.release()

    def _client(self, partner: _Partner, clients: dict[str, PartnerApiClient | None]) -> PartnerApiClient | None:
        url = normal_url(partner.url)
        if url not in clients:
            token = self.tokens.token_for(url)
            clients[url] = None if not token else PartnerApiClient(
                PartnerApiConfig(url, token, partner.name, *self.timeouts), self.clock)
        return clients[url]

    @staticmethod
    def _no_token(partner: _Partner) -> str:
        if not normal_url(partner.url):
            return (f"Nothing was sent to {partner.name}: the service takes referrals by API but has no API "
                    "address. A coordinator can give it in Partners, or change how it takes referrals.")
        return (f"Nothing was sent to {partner.name}: this computer has no token for their referral system "
                f"({normal_url(partner.url)}). A coordinator can set it in Partners. Referrals wait.")

    # ---- delivering ------------------------------------------------------------------------

    def _deliver(self, summary: ReferralSyncSummary, clients: dict, stopped: set[str]) -> Generator[str, None, None]:
        stopped_raw: set[str] = set()
        position = 0
        for _round in range(1000):  # a bound, should referrals keep falling due
            due = self._due_referrals(self.clock.now(), stopped_raw)
            if not due:
                return
            for referral_id, partner in due:
                if partner.url in stopped_raw:
                    continue
                client = self._client(partner, clients)
                if client is None:
                    message = self._no_token(partner)
                    summary.problems.append(message)
                    self._note_waiting(partner.url, message)
                    stopped_raw.add(partner.url)
                    stopped.add(normal_url(partner.url))
                    continue
                position += 1
                yield f"Sending referral {position} to {partner.name}…"
                claim = self._claim(referral_id)
                if claim is None:
                    continue  # another desk took it, or staff withdrew it
                summary.attempted += 1
                if claim.not_sent:
                    outcome: Outcome = Refused(0, claim.not_sent)
                else:
                    outcome = client.send_referral(claim.payload, claim.key)
                stop = self._record(claim, partner, outcome, summary)
                if stop:
                    summary.problems.append(stop)
                    stopped_raw.add(partner.url)
                    stopped.add(normal_url(partner.url))

    @staticmethod
    def _due(now: datetime):
        return and_(Referral.status == ReferralStatus.SENT.value, or_(
            and_(Referral.delivery_state == _QUEUED,
                 or_(Referral.next_attempt_at.is_(None), Referral.next_attempt_at <= now)),
            and_(Referral.delivery_state == _SENDING, Referral.lease_until < now)))

    def _due_referrals(self, now: datetime, stopped: set[str]) -> list[tuple[int, _Partner]]:
        query = (select(Referral.id, PartnerService.referral_api_url, PartnerOrganisation.name)
                 .join(PartnerService, PartnerService.id == Referral.service_id)
                 .join(PartnerOrganisation, PartnerOrganisation.id == PartnerService.organisation_id)
                 .where(self._due(now)))
        if stopped:
            query = query.where(PartnerService.referral_api_url.not_in(stopped))
        with self.db.unit_of_work() as session:
            rows = session.execute(query.order_by(Referral.next_attempt_at, Referral.id).limit(self.batch)).all()
        return [(rid, _Partner(url, name)) for rid, url, name in rows]

    def _note_waiting(self, api_url: str, message: str) -> None:
        """Say on each waiting referral why it has not gone (once: the row's version moves only
        when the message changes)."""
        now = self.clock.now()
        services = select(PartnerService.id).where(PartnerService.referral_api_url == api_url)
        with self.db.unit_of_work() as session:
            session.execute(update(Referral).where(
                Referral.service_id.in_(services), Referral.delivery_state == _QUEUED,
                Referral.status == ReferralStatus.SENT.value, Referral.last_error != message)
                .values(last_error=message, updated_at=now, updated_by=self.name, version=Referral.version + 1)
                .execution_options(synchronize_session=False))

    def _claim(self, referral_id: int) -> _Claim | None:
        now = self.clock.now()
        with self.db.unit_of_work() as session:
            taken = session.execute(
                update(Referral).where(Referral.id == referral_id, self._due(now))
                .values(delivery_state=_SENDING, lease_owner=self.name, lease_until=now + self.lease,
                        attempts=Referral.attempts + 1, version=Referral.version + 1)
                .execution_options(synchronize_session=False))
            if taken.rowcount != 1:
                return None
            row = session.get(Referral, referral_id)
            refusal = consent_problem(session, row, now)
            if refusal:
                return _Claim(row.id, row.reference, row.idempotency_key, row.attempts, None, (), refusal)
            payload, shared = referral_payload(session, row, now)
            return _Claim(row.id, row.reference, row.idempotency_key, row.attempts, payload, shared)

    def _record_closed(self, session: Session, claim: _Claim, partner: _Partner, outcome: Outcome, mine,
                       closed: list[str], values: dict, summary: ReferralSyncSummary) -> tuple[str, str] | None:
        """Record the answer for a referral closed (or, unless delivered, moved on from "sent")
        while this sender held it; None if it no longer holds it."""
        if not isinstance(outcome, Accepted):
            values = {**values, "delivery_state": DeliveryState.CANCELLED.value, "next_attempt_at": None,
                      "last_error": ""}
        done = session.execute(update(Referral).where(mine, Referral.status.in_(closed)).values(**values)
                               .execution_options(synchronize_session=False))
        if done.rowcount != 1:
            return None
        status = ReferralStatus(session.scalar(select(Referral.status).where(Referral.id == claim.referral_id)))
        if isinstance(outcome, Accepted):
            message = (f"{claim.reference} reached {partner.name}'s system (their id {outcome.reference}) just as it "
                       f"was {status.label.lower()} here: let {partner.name} know it is {status.label.lower()}.")
            summary.problems.append(message)
            return "referral.delivered_after_closing", f"{message} Shared: {', '.join(claim.shared)}"
        return ("referral.delivery_cancelled", f"{claim.reference}: {status.label.lower()} while it was being sent; "
                f"{partner.name}'s system did not take it, so it leaves the outbox")

    def _record(self, claim: _Claim, partner: _Partner, outcome: Outcome, summary: ReferralSyncSummary) -> str:
        """Write what the partner said while this sender still holds the referral; returns why
        the rest of this partner's referrals should wait for the next run, or ""."""
        now = self.clock.now()
        mine = and_(Referral.id == claim.referral_id, Referral.delivery_state == _SENDING,
                    Referral.lease_owner == self.name)
        values: dict = {"lease_owner": "", "lease_until": None, "updated_at": now, "updated_by": self.name,
                        "version": Referral.version + 1}
        stop, audit = "", None
        if isinstance(outcome, Accepted):
            values.update(delivery_state=DeliveryState.DELIVERED.value, partner_reference=outcome.reference,
                          last_error="")
            audit = ("referral.delivered", f"{claim.reference}: delivered to {partner.name}'s system (their id "
                     f"{outcome.reference}); shared: {', '.join(claim.shared)}")
        elif isinstance(outcome, Refused):
            error = claim.not_sent or (f"Refused by {partner.name}'s system (HTTP {outcome.http_status}): "
                                       f"{outcome.message}")
            values.update(delivery_state=DeliveryState.REFUSED.value, last_error=error)
            audit = ("referral.delivery_refused", f"{claim.reference}: {error}")
        else:
            wait = self.backoff.delay(claim.attempts, self._rng)
            if isinstance(outcome, TryLater) and outcome.retry_after is not None:
                wait = max(wait, outcome.retry_after)
            retry_at = now + timedelta(seconds=wait)
            # One failure says this partner is struggling (or the set-up is wrong): its other
            # referrals wait for the next run rather than pile on.
            stop = outcome.message
            values.update(delivery_state=_QUEUED, next_attempt_at=retry_at,
                          last_error=f"{outcome.message} Next try after {local_text(retry_at)}.")
        # Staff may have withdrawn or re-routed it while it was on its way (only the lease stopped
        # them taking it out of the outbox): then a partner that has it must be told, and anything
        # else leaves it cancelled. A status only moves from open to closed, so trying the open
        # case first and the closed case second misses nothing.
        # The same holds for one staff moved on from "sent" meanwhile (accepted on the phone): a
        # delivery stands, but it is not put back in the outbox, which only sends "sent" referrals.
        closed = [s.value for s in ReferralStatus if s.is_closed]
        moved_on = [s.value for s in ReferralStatus if s not in (ReferralStatus.DRAFT, ReferralStatus.SENT)]
        if isinstance(outcome, Accepted):
            still_ours, otherwise = Referral.status.not_in(closed), closed
        else:
            still_ours, otherwise = Referral.status == ReferralStatus.SENT.value, moved_on
        with self.db.unit_of_work() as session:
            done = session.execute(update(Referral).where(mine, still_ours).values(**values)
                                   .execution_options(synchronize_session=False))
            if done.rowcount != 1:
                audit = self._record_closed(session, claim, partner, outcome, mine, otherwise, values, summary)
                if audit is None:
                    log.info("referral %s was taken over by another sender", claim.referral_id)
                    return stop  # our claim ran out and another sender took it: its answer counts
            if audit is not None:
                record_audit(session, self.clock, None, audit[0], "referral", claim.referral_id, audit[1],
                             username=f"sender {self.name}")
        if audit is not None and audit[0] == "referral.delivery_cancelled":
            summary.cancelled += 1
            return stop
        if isinstance(outcome, Accepted):
            summary.sent += 1
            summary.sent_references.append(claim.reference)
        elif isinstance(outcome, Refused):
            summary.refused += 1
        else:
            summary.retry_later += 1
        return stop

    # ---- partners' updates -----------------------------------------------------------------

    def _feeds(self) -> list[_Partner]:
        """Each partner API with a delivered referral still open: the feeds worth reading."""
        query = (select(PartnerService.referral_api_url, PartnerOrganisation.name)
                 .join(Referral, Referral.service_id == PartnerService.id)
                 .join(PartnerOrganisation, PartnerOrganisation.id == PartnerService.organisation_id)
                 .where(Referral.delivery_state == DeliveryState.DELIVERED.value, Referral.status.in_(_OPEN),
                        PartnerService.referral_api_url != "")
                 .distinct())
        with self.db.unit_of_work() as session:
            rows = session.execute(query).all()
        feeds: dict[str, _Partner] = {}
        for url, name in sorted(rows):
            feeds.setdefault(normal_url(url), _Partner(url, name))
        return list(feeds.values())

    def _poll(self, partner: _Partner, client: PartnerApiClient,
              summary: ReferralSyncSummary) -> Generator[str, None, None]:
        key = cursor_key(partner.url)
        cursor = self._cursor(key)
        for page in range(1, MAX_PAGES + 1):
            yield f"Reading updates from {partner.name} (page {page})…"
            try:
                updates, next_cursor = client.updates(cursor)
            except PartnerApiError as error:
                summary.problems.append(f"Updates from {partner.name} could not be read: {error.outcome.message}")
                return
            self._apply_page(partner, updates, key, next_cursor, summary)
            if not updates or next_cursor == cursor:
                return
            cursor = next_cursor

    def _cursor(self, key: str) -> str | None:
        with self.db.unit_of_work() as session:
            row = session.get(AppSetting, key)
            return row.value if row and row.value else None

    def _apply_page(self, partner: _Partner, updates: list[PartnerUpdate], key: str, next_cursor: str,
                    summary: ReferralSyncSummary) -> None:
        # Two desks reading together, or staff recording a step meanwhile, make one of the
        # writers find a row changed under it; it reads the page again, now finding it recorded.
        for _try in range(3):
            tally = ReferralSyncSummary()
            try:
                with self.db.unit_of_work() as session:
                    for item in updates:
                        self._apply_update(session, partner, item, tally)
                    self._store_cursor(session, key, next_cursor)
            except (IntegrityError, StaleDataError):
                continue
            summary.updates_applied += tally.updates_applied
            summary.updates_skipped += tally.updates_skipped
            summary.updates_not_applied += tally.updates_not_applied
            summary.problems.extend(tally.problems)
            return
        summary.problems.append(f"Updates from {partner.name} kept changing under this desk; they will be read "
                                "again next time.")

    def _apply_update(self, session: Session, partner: _Partner, item: PartnerUpdate,
                      tally: ReferralSyncSummary) -> None:
        recorded_by = f"partner: {partner.name}"[:120]
        row = session.scalar(select(Referral).where(Referral.reference == item.reference)) if item.reference \
            else None
        what = f"{item.status.label.lower()} " if item.status is not None else ""

        def refuse(why: str) -> None:
            message = f"An update from {partner.name} ({what}for {item.reference or 'no reference'}) was not " \
                      f"recorded: {why}"
            tally.updates_not_applied += 1
            tally.problems.append(message)
            record_audit(session, self.clock, None, "referral.partner_update_refused", "referral",
                         row.id if row is not None else item.reference or "?", message, username=recorded_by)

        if item.problem:
            return refuse(f"{item.problem}.")
        if row is None:
            return refuse("there is no referral with that reference here.")
        service = session.get(PartnerService, row.service_id)
        if normal_url(service.referral_api_url) != normal_url(partner.url):
            return refuse("that referral was not sent to them.")
        if row.partner_reference and item.partner_id and item.partner_id != row.partner_reference:
            return refuse(f"their id {item.partner_id} is not the one they gave for it ({row.partner_reference}).")
        target = item.status
        if row.status == target.value or session.scalar(select(ReferralEvent.id).where(
                ReferralEvent.referral_id == row.id, ReferralEvent.to_status == target.value).limit(1)):
            tally.updates_skipped += 1  # the loop has no cycles: a status once reached is this update
            return None
        now = self.clock.now()
        reason = item.reason or (f"No reason given by {partner.name}." if target.needs_reason else "")
        try:
            # A partner's clock a little ahead of ours must not lose the update.
            apply_transition(session, self.clock, row, target, source=UpdateSource.PARTNER_API, actor=None,
                             recorded_by=recorded_by, happened_at=min(item.happened_at, now), reason=reason)
            take_out_of_outbox(session, self.clock, row, None, recorded_by)  # declined before its answer came
        except ValidationError as error:  # apply_transition checks everything before it changes anything
            return refuse(str(error))
        tally.updates_applied += 1
        return None

    def _store_cursor(self, session: Session, key: str, cursor: str) -> None:
        row = session.get(AppSetting, key)
        now = self.clock.now()
        if row is None:
            session.add(AppSetting(key=key, value=cursor, updated_at=now, updated_by=self.name))
        elif row.value != cursor:
            row.value, row.updated_at, row.updated_by = cursor, now, self.name


# ---- leaving the outbox ----------------------------------------------------------------------------


def take_out_of_outbox(session: Session, clock: Clock, row: Referral, actor: Actor | None,
                       recorded_by: str = "") -> bool:
    """Once a referral moves on from "sent" (accepted or declined as the partner told us on the
    phone, withdrawn, re-routed...) while it still waits in the API outbox — queued, or refused by
    the partner's system — there is nothing left to send: the partner has it another way, or it
    is over. It is marked "not sent through their system" and the sender never takes it (the
    sender only takes referrals that are still "sent", so one left in would wait for ever). One
    being sent at this moment is left to its sender while the lease holds (the sender records the
    partner's answer: see `_record`); a lease that ran out (its desk stopped) no longer holds it.
    Returns whether it was taken out."""
    if ReferralStatus(row.status) in (ReferralStatus.DRAFT, ReferralStatus.SENT):
        return False
    now = clock.now()
    sending_now = row.delivery_state == _SENDING and row.lease_until is not None and as_utc(row.lease_until) >= now
    if row.delivery_state not in (_QUEUED, _SENDING, DeliveryState.REFUSED.value) or sending_now:
        return False
    before = DeliveryState(row.delivery_state)
    row.delivery_state = DeliveryState.CANCELLED.value
    row.next_attempt_at, row.lease_owner, row.lease_until = None, "", None
    record_audit(session, clock, actor, "referral.delivery_cancelled", "referral", row.id,
                 f"{row.reference}: {ReferralStatus(row.status).label.lower()} while "
                 f"{before.label.lower()}; taken out of the outbox, never to be sent", username=recorded_by)
    return True


__all__ = ["ReferralSender", "ReferralSyncSummary", "consent_problem", "cursor_key", "referral_payload",
           "shared_contact", "take_out_of_outbox"]
