"""Erasing a resident at their request (UK GDPR article 17), and legal holds that stop it.

Erasure anonymises rather than deletes (the table-by-table rules are in `erasure_rules`): reports
keep their counts, the person is gone. It is refused, with the reason, while a legal hold is in
place, while an advocacy case is open (the work is not finished: close it first), while the person
is in today's walk-in queue or has a callback still to make (staff would call an "Erased record"),
while a request or referral is waiting in the outbox (it would go out empty), for a record merged into another
(erase the one kept: it holds everything) and for one already erased. Records merged into the
one erased are erased with it. The retention sweep (`retention`) erases through the same code."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..casework.models import Case
from ..casework.vocab import CLOSED
from ..core.audit import record_audit
from ..core.clock import Clock, local_text
from ..core.models import Site
from ..core.db import Database
from ..core.errors import ConflictError, NotFound, ValidationError
from ..core.security import Actor, Permission, require
from ..core.validation import clean_text
from ..desk.models import Callback, InteractionDraft, QueueTicket, Resident
from ..desk.queue_common import london_day
from ..desk.references import resident_by_reference
from ..desk.submission_models import Submission
from ..desk.vocab import CallbackStatus, SubmissionState, TicketStatus
from ..inclusion.referral_models import Referral
from ..inclusion.referral_vocab import DeliveryState
from .erasure_rules import erase_rows
from .models import LegalHold

REASON_MAX = 500
_WAITING = (SubmissionState.QUEUED.value, SubmissionState.SENDING.value)
_REFERRAL_WAITING = (DeliveryState.QUEUED.value, DeliveryState.SENDING.value)
_IN_QUEUE = (TicketStatus.WAITING.value, TicketStatus.CALLED.value, TicketStatus.SERVING.value)


@dataclass(frozen=True)
class HoldRecord:
    id: int
    resident_id: int
    reason: str
    placed_at: datetime
    placed_by: str
    lifted_at: datetime | None
    lifted_by: str
    version: int

    @property
    def text(self) -> str:
        return f"placed by {self.placed_by} on {local_text(self.placed_at)}: {self.reason}"


@dataclass(frozen=True)
class ResidentStanding:
    """What erasure would make of one resident now: their name, and what stands in the way."""

    resident_id: int
    name: str
    erased_at: datetime | None
    erased_by: str
    merged_into_id: int | None
    hold: HoldRecord | None  # the legal hold in place, if any
    open_cases: tuple[str, ...]  # references of cases not closed
    refusal: str  # why erasure is refused now; "" when it may go ahead

    @property
    def erased(self) -> bool:
        return self.erased_at is not None


# What was done to each table's rows, in the words of a desk: (one, many); None when the count
# means nothing to a person (the name search entries) and the phrase is said without it.
_DONE_TO = {
    "attachment": ("file deleted", "files deleted"),
    "advocacy_case": ("case", "cases"),
    "consent": ("consent", "consents"),
    "interaction": ("contact", "contacts"),
    "submission": ("request", "requests"),
    "submission_event": ("line of request history", "lines of request history"),
    "representative.links": ("link to a representative cut", "links to representatives cut"),
    "representative": ("representative removed", "representatives removed"),
    "callback": ("callback", "callbacks"),
    "callback_attempt": ("callback attempt", "callback attempts"),
    "queue_ticket": ("queue ticket", "queue tickets"),
    "skills_assessment": ("assessment or referral", "assessments and referrals"),
    "print_record": ("print", "prints"),
    "interaction_draft": ("contact being typed", "contacts being typed"),
    "resident_name_word": None,
    "resident_name_variant": None,
}


@dataclass(frozen=True)
class ErasureResult:
    resident_id: int
    erased_ids: tuple[int, ...]  # the record and any merged into it
    erased_at: datetime
    rows: tuple[tuple[str, int], ...]  # (table, rows anonymised or deleted)

    @property
    def described(self) -> str:
        """What was anonymised or deleted, as a person says it: "1 contact, 2 consents, 3 files
        deleted and the name search entries"."""
        parts, search = [], False
        for table, count in self.rows:
            if table == "resident":
                continue
            words = _DONE_TO.get(table, (table.replace("_", " "), table.replace("_", " ")))
            if words is None:
                search = True
            else:
                parts.append(f"{count} {words[0] if count == 1 else words[1]}")
        if search:
            parts.append("the name search entries")
        if not parts:
            return "the record only"
        return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _hold(row: LegalHold) -> HoldRecord:
    return HoldRecord(row.id, row.resident_id, row.reason, row.placed_at, row.placed_by, row.lifted_at,
                      row.lifted_by, row.version)


def _name(row: Resident) -> str:
    return " ".join(part for part in (row.given_name, row.family_name) if part)


def erased_text(row: Resident) -> str:
    return f"This record was erased on {local_text(row.erased_at)} by {row.erased_by}."


def active_hold(session: Session, resident_id: int) -> LegalHold | None:
    return session.scalar(select(LegalHold).where(LegalHold.resident_id == resident_id,
                                                  LegalHold.lifted_at.is_(None)).order_by(LegalHold.id).limit(1))


def open_cases(session: Session, resident_id: int) -> list[str]:
    return list(session.scalars(select(Case.reference).where(Case.resident_id == resident_id, Case.status != CLOSED)
                                .order_by(Case.reference)))


def merged_family(session: Session, resident_id: int) -> list[int]:
    """The record and every record merged into it (and into those), for erasing together."""
    ids, frontier = [resident_id], [resident_id]
    while frontier:
        frontier = list(session.scalars(select(Resident.id).where(Resident.merged_into_id.in_(frontier))))
        ids.extend(frontier)
    return ids


def in_queue_or_awaiting_callback(session: Session, ids, today: date) -> dict[int, str]:
    """For residents (of `ids`) in today's walk-in queue or with a callback still open, what a
    person must do first, as "is waiting in ... first" / "has an open callback ... first"."""
    found: dict[int, str] = {}
    for rid, site, number in session.execute(
            select(QueueTicket.resident_id, Site.name, QueueTicket.number).join(Site, Site.id == QueueTicket.site_id)
            .where(QueueTicket.resident_id.in_(ids), QueueTicket.day == today, QueueTicket.status.in_(_IN_QUEUE))
            .order_by(QueueTicket.number)):
        found.setdefault(rid, f"is waiting in today's queue at {site} (ticket {number}): serve them or remove the "
                              "ticket first")
    for rid, due in session.execute(select(Callback.resident_id, Callback.due_by).where(
            Callback.resident_id.in_(ids), Callback.status == CallbackStatus.OPEN.value).order_by(Callback.due_by)):
        found.setdefault(rid, f"has an open callback due {local_text(due)}: make it or cancel it first")
    return found


def refusal(session: Session, row: Resident, now: datetime) -> str:
    """Why this resident may not be erased now, in words a person can act on; "" if they may."""
    if row.erased_at is not None:
        return erased_text(row)
    if row.merged_into_id is not None:
        return (f"Record {row.id} was merged into record {row.merged_into_id}, which holds everything now: "
                f"erase record {row.merged_into_id} instead.")
    hold = active_hold(session, row.id)
    if hold is not None:
        return (f"Record {row.id} is under a legal hold placed by {hold.placed_by} on {local_text(hold.placed_at)}: "
                f"{hold.reason}. It cannot be erased until the hold is lifted.")
    cases = open_cases(session, row.id)
    if cases:
        return (f"Record {row.id} has an open advocacy case ({', '.join(cases)}). Close the case first; "
                "its record is kept while the work goes on.")
    family = merged_family(session, row.id)
    busy = in_queue_or_awaiting_callback(session, family, london_day(now))
    if busy:
        return f"Record {row.id} {next(iter(busy.values()))}."
    waiting = session.scalar(select(Submission.reference).where(Submission.resident_id.in_(family),
                                                                Submission.state.in_(_WAITING)).limit(1))
    if waiting:
        return (f"Request {waiting} is waiting to be sent to the back office. Let it go (or cancel it) "
                "first: erasing now would send it empty.")
    waiting = session.scalar(select(Referral.reference).where(Referral.resident_id.in_(family),
                                                              Referral.delivery_state.in_(_REFERRAL_WAITING)).limit(1))
    if waiting:
        return (f"Referral {waiting} is waiting to be sent to the partner. Let it go (or cancel it) first: "
                "erasing now would send it empty.")
    return ""


def erase_in_session(session: Session, clock: Clock, actor: Actor, row: Resident, reason: str, action: str
                     ) -> ErasureResult:
    """Erase `row` (already checked: `refusal` is "") and the records merged into it; audited on
    each record with the reason and the rows touched per table, never anything erased."""
    now = clock.now()
    ids = merged_family(session, row.id)
    counts = erase_rows(session, ids, now, actor.username)
    counts["interaction_draft"] = _drop_drafts_about(session, ids)
    session.expire(row)
    rows = tuple((table, count) for table, count in counts.items() if count)
    touched = ", ".join(f"{count} {table}" for table, count in rows if table != "resident")  # the audit: exact
    for resident_id in ids:
        summary = f"{reason}; anonymised: {touched or 'the record only'}" if resident_id == row.id else \
            f"{reason}; erased with record {row.id}, into which it was merged"
        record_audit(session, clock, actor, action, "resident", resident_id, summary)
    return ErasureResult(row.id, tuple(ids), now, rows)


def _drop_drafts_about(session: Session, ids) -> int:
    """A contact someone was typing for this resident (kept per staff member so a crash loses
    nothing) holds what was typed about them: it goes too. There is one draft per staff member."""
    wanted, dropped = set(ids), 0
    for draft in session.scalars(select(InteractionDraft)):
        try:
            about = json.loads(draft.payload).get("resident_id")
        except (ValueError, AttributeError):
            continue
        if about in wanted:
            session.delete(draft)
            dropped += 1
    return dropped


def _reason(reason: str, what_for: str) -> str:
    if not (reason or "").strip():
        raise ValidationError(f"Reason is required: {what_for}. It is kept in the audit.", field="reason")
    return clean_text(reason, field="reason", label="Reason", max_length=REASON_MAX, required=True)


def erasure_reason(reason: str) -> str:
    """The reason for an erasure, checked (the command line checks it before asking to confirm)."""
    return _reason(reason, _WHY_ERASED)


_WHY_ERASED = "say why the record is erased, e.g. 'Written request of 20/11/2026'"
_WHY_HELD = "name the claim, complaint or investigation, e.g. 'County court claim K00EC123'"


class ErasureService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def standing(self, actor: Actor, reference: str) -> ResidentStanding:
        """Find a resident by record number or quoted reference and say what erasure would make of
        them now (hold, open cases, the refusal if any). Refuses without erase-residents or
        place-legal-holds, and a reference that finds nobody (saying why)."""
        if not actor.may(Permission.PLACE_LEGAL_HOLDS):
            require(actor, Permission.ERASE_RESIDENTS)
        with self.db.unit_of_work() as session:
            row = resident_by_reference(session, reference)
            hold = active_hold(session, row.id)
            return ResidentStanding(row.id, _name(row), row.erased_at, row.erased_by, row.merged_into_id,
                                    _hold(hold) if hold else None, tuple(open_cases(session, row.id)),
                                    refusal(session, row, self.clock.now()))

    def erase(self, actor: Actor, resident_id: int, reason: str) -> ErasureResult:
        """Erase a resident at their request: every personal detail removed or anonymised
        everywhere, files deleted, counts kept (see erasure_rules). Audited with the reason.

        Refuses without erase-residents, an empty reason, an unknown record, and — with the
        reason — a legal hold, an open case, a place in today's queue, an open callback, a
        request or referral waiting to be sent, a record
        merged into another, and one already erased."""
        require(actor, Permission.ERASE_RESIDENTS)
        reason = _reason(reason, _WHY_ERASED)
        with self.db.unit_of_work() as session:
            row = session.get(Resident, resident_id, with_for_update=True)
            if row is None:
                raise NotFound("That resident's record does not exist.")
            why = refusal(session, row, self.clock.now())
            if why:
                raise ValidationError(why)
            return erase_in_session(session, self.clock, actor, row, reason, "resident.erased")

    # ---- legal holds ---------------------------------------------------------------------------

    def place_legal_hold(self, actor: Actor, resident_id: int, reason: str) -> HoldRecord:
        """Keep a resident's records from erasure and the retention sweep. Audited with the reason.
        Refuses without place-legal-holds, an empty reason, an unknown, erased or merged-away
        record, and one already held (saying by whom, since when, why)."""
        require(actor, Permission.PLACE_LEGAL_HOLDS)
        reason = _reason(reason, _WHY_HELD)
        with self.db.unit_of_work() as session:
            row = session.get(Resident, resident_id, with_for_update=True)
            if row is None:
                raise NotFound("That resident's record does not exist.")
            if row.erased_at is not None:
                raise ValidationError(erased_text(row) + " There is nothing left to hold.")
            if row.merged_into_id is not None:
                raise ValidationError(f"Record {row.id} was merged into record {row.merged_into_id}: place the hold "
                                      "on that record, which holds everything now.")
            held = active_hold(session, row.id)
            if held is not None:
                raise ConflictError(f"Record {row.id} is already under a legal hold, {_hold(held).text}.")
            hold = LegalHold(resident_id=row.id, reason=reason, placed_at=self.clock.now(), placed_by=actor.username)
            session.add(hold)
            session.flush()
            record_audit(session, self.clock, actor, "resident.legal_hold_placed", "resident", row.id,
                         f"legal hold {hold.id} placed: {reason}")
            return _hold(hold)

    def lift_legal_hold(self, actor: Actor, resident_id: int) -> HoldRecord:
        """Lift the hold in place: erasure and retention apply again. Audited.
        Refuses without place-legal-holds and a record with no hold in place."""
        require(actor, Permission.PLACE_LEGAL_HOLDS)
        with self.db.unit_of_work() as session:
            if session.get(Resident, resident_id) is None:
                raise NotFound("That resident's record does not exist.")
            hold = active_hold(session, resident_id)
            if hold is None:
                raise ValidationError(f"Record {resident_id} has no legal hold in place: there is nothing to lift.")
            hold.lifted_at, hold.lifted_by = self.clock.now(), actor.username
            session.flush()
            record_audit(session, self.clock, actor, "resident.legal_hold_lifted", "resident", resident_id,
                         f"legal hold {hold.id} lifted (placed by {hold.placed_by} on {local_text(hold.placed_at)})")
            return _hold(hold)

    def legal_holds(self, actor: Actor, resident_id: int) -> tuple[HoldRecord, ...]:
        """Every hold placed on the record, newest first. Refuses without place-legal-holds."""
        require(actor, Permission.PLACE_LEGAL_HOLDS)
        with self.db.unit_of_work() as session:
            rows = session.scalars(select(LegalHold).where(LegalHold.resident_id == resident_id)
                                   .order_by(LegalHold.id.desc()))
            return tuple(_hold(row) for row in rows)
