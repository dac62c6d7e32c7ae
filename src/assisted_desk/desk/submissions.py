"""Doing it on the resident's behalf: council requests made at the desk and sent to the back
office through the outbox.

`submit` writes the contact, the request and its evidence in one transaction and returns at once;
`outbox_sender.OutboxSender` delivers later. Staff follow every request here: what state it is
in, what the back office said, and they fix and resend or cancel the ones not yet accepted."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from ..core.audit import record_audit
from ..core.clock import Clock
from ..core.db import Database
from ..core.errors import NotFound, ValidationError
from ..core.models import Site
from ..core.security import Actor, Permission, require
from ..core.staff import check_version
from ..core.validation import clean_text
from .attachment_models import Attachment, AttachmentContent
from .attachments import AttachmentInput, AttachmentRecord, AttachmentService, store_attachments
from .interactions import ContactInput, InteractionService
from .models import Interaction, Representative, Resident, ServiceEntry
from .references import SUBMISSION_PREFIX, issue_reference, unused_reference
from .representatives import full_name, london_today
from .request_forms import FieldValue, RequestDeclarations, RequestType, check_request_fields, shipped_declarations
from .submission_models import Submission, SubmissionEvent
from . import submission_timeline as _timeline  # noqa: F401  (puts requests on the timeline)
from .vocab import BackOfficeStatus, HelpType, SubmissionEventKind, SubmissionState

MAX_ATTACHMENTS = 20
WAITING = (SubmissionState.QUEUED.value, SubmissionState.SENDING.value)
DETAIL_LABELS = {
    "given_name": "Given name", "family_name": "Family name", "date_of_birth": "Date of birth",
    "address": "Address", "postcode": "Postcode", "phone": "Phone", "email": "Email",
    "preferred_language": "Preferred language",
}


@dataclass(frozen=True)
class RequestInput:
    request_type: str  # a code declared in resources/service_requests.json
    fields: Mapping[str, object]
    attachments: Sequence[AttachmentInput] = ()


@dataclass(frozen=True)
class SubmissionReceipt:
    interaction_reference: str
    submission_id: int
    submission_reference: str


@dataclass(frozen=True)
class SubmissionSummary:
    id: int
    reference: str
    resident_id: int
    resident_name: str
    request_type: str
    request_name: str
    service_name: str
    state: SubmissionState
    back_office_reference: str
    back_office_status: BackOfficeStatus | None
    back_office_message: str
    created_at: datetime
    created_by: str
    site_name: str
    attempts: int
    next_attempt_at: datetime
    last_attempt_at: datetime | None
    last_error: str
    may_have_arrived: bool
    version: int

    @property
    def state_text(self) -> str:
        """What staff read in the list: the desk's state, or the council's status once accepted."""
        if self.state == SubmissionState.ACCEPTED:
            status = self.back_office_status.label if self.back_office_status else "Accepted"
            return f"{status} ({self.back_office_reference})"
        return self.state.label


@dataclass(frozen=True)
class SubmissionEventRecord:
    at: datetime
    kind: SubmissionEventKind
    status: BackOfficeStatus | None
    message: str
    by: str

    @property
    def title(self) -> str:
        if self.kind == SubmissionEventKind.STATUS_CHANGED and self.status:
            return f"Back office: {self.status.label.lower()}"
        return self.kind.label


@dataclass(frozen=True)
class SubmissionDetail:
    summary: SubmissionSummary
    fields: tuple[tuple[str, str], ...]  # (label, value) as a person reads them
    raw_fields: Mapping[str, FieldValue]  # as stored, to fill the form for a fix
    resident_details: tuple[tuple[str, str], ...]  # what was (or will be) sent about the resident
    events: tuple[SubmissionEventRecord, ...]  # oldest first
    attachments: tuple[AttachmentRecord, ...]
    interaction_id: int
    interaction_reference: str
    representative_name: str
    cancelled_at: datetime | None
    cancel_reason: str


@dataclass(frozen=True)
class SubmissionFilter:
    states: frozenset[SubmissionState] = field(default_factory=frozenset)  # empty: every state
    resident_id: int | None = None
    site_id: int | None = None
    text: str = ""  # a desk reference, a back-office reference, or part of a resident's name
    limit: int = 500


@dataclass(frozen=True)
class OutboxCounts:
    waiting: int  # queued or being sent
    needs_attention: int
    oldest_waiting_at: datetime | None


def resident_details(resident: Resident, request: RequestType) -> dict[str, str]:
    """The details this request's service needs, and nothing more. Refuses (naming them) when
    the record lacks one the service requires."""
    address = ", ".join(p for p in (resident.address_line1, resident.address_line2, resident.town) if p)
    available = {
        "date_of_birth": resident.date_of_birth.isoformat() if resident.date_of_birth else "",
        "address": address, "postcode": resident.postcode, "phone": resident.phone, "email": resident.email,
        "preferred_language": resident.preferred_language,
    }
    missing = [DETAIL_LABELS[d].lower() for d in request.required_details if not available.get(d)]
    if missing:
        listed = " and ".join(missing) if len(missing) < 3 else ", ".join(missing[:-1]) + " and " + missing[-1]
        raise ValidationError(
            f"The back office needs the resident's {listed} for '{request.name}'. Add "
            f"{'it' if len(missing) == 1 else 'them'} to {full_name(resident)}'s record, then submit again: "
            "what you typed in the request is kept.", field="resident_details")
    details = {"given_name": resident.given_name, "family_name": resident.family_name}
    for detail in request.required_details + request.optional_details:
        if available.get(detail):
            details[detail] = available[detail]
    return details


def add_event(session: Session, submission_id: int, at: datetime, kind: SubmissionEventKind, by: str,
              message: str = "", status: str = "", change_id: str | None = None) -> None:
    session.add(SubmissionEvent(submission_id=submission_id, at=at, kind=kind.value, status=status,
                                message=message, by=by, change_id=change_id))


class SubmissionService:
    def __init__(self, db: Database, clock: Clock, interactions: InteractionService, attachments: AttachmentService,
                 declarations: RequestDeclarations | None = None) -> None:
        self.db = db
        self.clock = clock
        self.interactions = interactions
        self.attachments = attachments
        self._declarations = declarations

    @property
    def declarations(self) -> RequestDeclarations:
        return self._declarations or shipped_declarations()

    def request_types(self, service_code: str | None = None) -> tuple[RequestType, ...]:
        """The requests the desk can send, for one catalogue service or all of them."""
        if service_code is None:
            return self.declarations.types
        return self.declarations.for_service(service_code)

    # ---- submitting ----------------------------------------------------------------------

    def submit(self, actor: Actor, contact: ContactInput, request: RequestInput) -> SubmissionReceipt:
        """Log the contact and queue its request for the back office, with its evidence, in one
        transaction, and return at once (the desk never waits on the network). Refuses what
        log_interaction refuses, and: help other than on the resident's behalf, a request type the
        desk cannot send or that belongs to another service, fields the declaration does not allow
        (naming the field), a resident record without a detail the service needs, more than 20
        attachments."""
        require(actor, Permission.LOG_CONTACTS)
        kind = self.declarations.get(request.request_type)
        if contact.resident_id is None:
            raise ValidationError("A request is made for a known resident: find or register them first.",
                                  field="resident")
        if HelpType.parse(contact.help_type, field="help_type", what="Type of help") != HelpType.ON_BEHALF:
            raise ValidationError("A request the desk sends to the back office is done on the resident's behalf: "
                                  f"choose '{HelpType.ON_BEHALF.label}' as the type of help.", field="help_type")
        if contact.service_code != kind.service_code:
            raise ValidationError(f"'{kind.name}' belongs to another council service than the one this contact is "
                                  "about: choose the matching service.", field="request_type")
        values = self.interactions.checked_contact(actor, contact)
        fields = check_request_fields(kind, request.fields, today=london_today(self.clock))
        checked = self._checked_attachments(request.attachments)
        with self.db.unit_of_work() as session:
            contact_row = self.interactions.write_contact(session, actor, contact, values)
            resident = session.get(Resident, contact_row.resident_id)
            details = resident_details(resident, kind)
            now = self.clock.now()
            reference = unused_reference(session, SUBMISSION_PREFIX)
            rep = session.get(Representative, contact_row.representative_id) if contact_row.representative_id else None
            envelope = {
                "submitted_at": now.astimezone(timezone.utc).isoformat().replace("+00:00", "Z"),
                "submitted_by": {"staff_id": actor.staff_id, "staff_name": actor.display_name,
                                 "site_name": actor.site_name},
                "on_behalf": {"basis": "representative", "representative_name": rep.name} if rep else
                {"basis": "resident_consent"},
            }
            row = Submission(
                reference=reference, resident_id=resident.id, interaction_id=contact_row.id,
                representative_id=contact_row.representative_id, request_type=kind.code,
                service_code=kind.service_code, site_id=actor.site_id, staff_id=actor.staff_id,
                fields_json=json.dumps(fields, ensure_ascii=False), resident_json=json.dumps(details, ensure_ascii=False),
                envelope_json=json.dumps(envelope, ensure_ascii=False),
                state=SubmissionState.QUEUED.value, idempotency_key=str(uuid.uuid4()), attempts=0,
                next_attempt_at=now, created_at=now, created_by=actor.username, updated_at=now,
                updated_by=actor.username,
            )
            session.add(row)
            session.flush()
            issue_reference(session, self.clock, SUBMISSION_PREFIX, "submission", row.id, resident.id, reference)
            if checked:
                store_attachments(session, self.clock, actor, checked, resident_id=resident.id,
                                  interaction_id=contact_row.id, submission_id=row.id)
            add_event(session, row.id, now, SubmissionEventKind.QUEUED, actor.username,
                      f"{len(checked)} attachment{'s' if len(checked) != 1 else ''}" if checked else "")
            record_audit(session, self.clock, actor, "submission.queued", "submission", row.id,
                         f"{reference} for resident {resident.id}: {kind.code} (contact {contact_row.reference})")
            return SubmissionReceipt(contact_row.reference, row.id, reference)

    def _checked_attachments(self, items: Sequence[AttachmentInput]) -> list:
        if len(items) > MAX_ATTACHMENTS:
            raise ValidationError(f"A request can carry at most {MAX_ATTACHMENTS} files; this one has {len(items)}.",
                                  field="attachments")
        return [self.attachments.check(item) for item in items]

    # ---- following up --------------------------------------------------------------------

    def fix_and_resend(self, actor: Actor, submission_id: int, version: int, fields: Mapping[str, object],
                       add: Sequence[AttachmentInput] = (), remove: Sequence[int] = ()) -> None:
        """Correct a request the back office refused and queue it again, under a new idempotency
        key (the refused one was never created there). The resident's details are read again from
        their record, so a fix made there goes too. Refuses without log-contacts, a request not
        needing attention, a stale version, and fields or files that `submit` would refuse."""
        require(actor, Permission.LOG_CONTACTS)
        checked = self._checked_attachments(add)
        with self.db.unit_of_work() as session:
            row = self._row(session, submission_id)
            check_version("request", row, version)
            if row.state != SubmissionState.NEEDS_ATTENTION.value:
                raise ValidationError(f"Request {row.reference} is {SubmissionState(row.state).label.lower()}: only a "
                                      "request that needs attention can be corrected and sent again.")
            kind = self.declarations.get(row.request_type)
            values = check_request_fields(kind, fields, today=london_today(self.clock))
            details = resident_details(session.get(Resident, row.resident_id), kind)
            old = json.loads(row.fields_json)
            changed = [item.label for item in kind.fields if old.get(item.name) != values.get(item.name)]
            if remove:
                self._remove_files(session, actor, row, remove)
            if checked:
                store_attachments(session, self.clock, actor, checked, resident_id=row.resident_id,
                                  interaction_id=row.interaction_id, submission_id=row.id)
            now = self.clock.now()
            row.fields_json = json.dumps(values, ensure_ascii=False)
            row.resident_json = json.dumps(details, ensure_ascii=False)
            row.idempotency_key = str(uuid.uuid4())
            row.state = SubmissionState.QUEUED.value
            row.next_attempt_at, row.last_error, row.may_have_arrived = now, "", False
            row.updated_at, row.updated_by = now, actor.username
            what = "changed: " + ", ".join(changed) if changed else "sent again unchanged"
            files = f"; {len(checked)} file(s) added" if checked else ""
            files += f"; {len(remove)} file(s) removed" if remove else ""
            add_event(session, row.id, now, SubmissionEventKind.FIXED, actor.username, what + files)
            record_audit(session, self.clock, actor, "submission.fixed", "submission", row.id,
                         f"{row.reference}: {what}{files}")

    def send_now(self, actor: Actor, submission_id: int) -> None:
        """Ask for a waiting request to go at the next delivery rather than after its back-off
        (for when staff know the back office is back). Refuses a request not waiting to send."""
        require(actor, Permission.LOG_CONTACTS)
        with self.db.unit_of_work() as session:
            row = self._row(session, submission_id)
            if row.state != SubmissionState.QUEUED.value:
                raise ValidationError(f"Request {row.reference} is {SubmissionState(row.state).label.lower()}, not "
                                      "waiting to send.")
            now = self.clock.now()
            row.next_attempt_at, row.updated_at, row.updated_by = now, now, actor.username
            add_event(session, row.id, now, SubmissionEventKind.RESENT, actor.username)

    def cancel(self, actor: Actor, submission_id: int, reason: str) -> None:
        """Cancel a request the back office has not accepted. Refuses without log-contacts, no
        reason, a request being sent this moment, one an earlier try may have delivered (it goes
        on being sent until the back office answers), and one already accepted or cancelled.

        No version is asked for: a delivery attempt changes the row without changing what
        cancelling means, and the state is checked in the same UPDATE that cancels, so a sender
        claiming the request at that moment wins cleanly."""
        require(actor, Permission.LOG_CONTACTS)
        reason = clean_text(reason, field="reason", label="Reason for cancelling", max_length=500)
        with self.db.unit_of_work() as session:
            now = self.clock.now()
            # A request tried without an answer may be in the back office already: cancelling it
            # here would leave it there unknown to the desk, so it goes on being sent until answered.
            cancellable = or_(Submission.state == SubmissionState.NEEDS_ATTENTION.value,
                              and_(Submission.state == SubmissionState.QUEUED.value,
                                   Submission.may_have_arrived.is_(False)))
            done = session.execute(
                update(Submission).where(Submission.id == submission_id, cancellable)
                .values(state=SubmissionState.CANCELLED.value, cancelled_at=now, cancel_reason=reason,
                        updated_at=now, updated_by=actor.username, version=Submission.version + 1)
                .execution_options(synchronize_session=False))
            row = self._row(session, submission_id)
            if done.rowcount != 1:
                if row.state == SubmissionState.SENDING.value:
                    raise ValidationError(f"Request {row.reference} is being sent this moment. Wait a few seconds: "
                                          "if the back office does not accept it, you can cancel it then.")
                if row.state == SubmissionState.QUEUED.value:
                    raise ValidationError(f"Request {row.reference} may already have reached the back office: an "
                                          "earlier try got no answer. The desk keeps sending it until the back office "
                                          "answers; then it can be cancelled here if refused, or the service asked to "
                                          "stop it if accepted.")
                if row.state == SubmissionState.ACCEPTED.value:
                    raise ValidationError(f"Request {row.reference} was accepted by the back office as "
                                          f"{row.back_office_reference}: the service itself must be asked to stop "
                                          "it.")
                raise ValidationError(f"Request {row.reference} is already cancelled.")
            add_event(session, row.id, now, SubmissionEventKind.CANCELLED, actor.username, reason)
            record_audit(session, self.clock, actor, "submission.cancelled", "submission", row.id, row.reference)

    # ---- reading -------------------------------------------------------------------------

    def browse(self, actor: Actor, wanted: SubmissionFilter = SubmissionFilter()) -> tuple[SubmissionSummary, ...]:
        """Requests, newest first, as the filter asks. Refuses without view-residents."""
        require(actor, Permission.VIEW_RESIDENTS)
        query = select(Submission).order_by(Submission.created_at.desc(), Submission.id.desc())
        if wanted.states:
            query = query.where(Submission.state.in_([s.value for s in wanted.states]))
        if wanted.resident_id is not None:
            query = query.where(Submission.resident_id == wanted.resident_id)
        if wanted.site_id is not None:
            query = query.where(Submission.site_id == wanted.site_id)
        text = (wanted.text or "").strip()
        with self.db.unit_of_work() as session:
            if text:
                like = f"%{text.casefold()}%"
                names = select(Resident.id).where(or_(
                    func.lower(Resident.given_name + " " + Resident.family_name).like(like),
                    func.lower(Resident.family_name + " " + Resident.given_name).like(like)))
                query = query.where(or_(func.lower(Submission.reference).like(like),
                                        func.lower(Submission.back_office_reference).like(like),
                                        Submission.resident_id.in_(names)))
            rows = session.scalars(query.limit(max(1, min(wanted.limit, 5000)))).all()
            return tuple(self._summaries(session, rows))

    def get(self, actor: Actor, submission_id: int) -> SubmissionDetail:
        """One request with its fields, what is sent about the resident, its history and files.
        Refuses without view-residents, or an unknown id."""
        require(actor, Permission.VIEW_RESIDENTS)
        with self.db.unit_of_work() as session:
            row = self._row(session, submission_id)
            summary = self._summaries(session, [row])[0]
            raw = json.loads(row.fields_json)
            try:
                shown = tuple(self.declarations.get(row.request_type).describe(raw))
            except ValidationError:  # a request type since removed from the declarations
                shown = tuple((name, str(value)) for name, value in raw.items())
            details = tuple((DETAIL_LABELS.get(k, k), v) for k, v in json.loads(row.resident_json).items())
            events = tuple(
                SubmissionEventRecord(e.at, SubmissionEventKind(e.kind),
                                      BackOfficeStatus(e.status) if e.status else None, e.message, e.by)
                for e in session.scalars(select(SubmissionEvent).where(SubmissionEvent.submission_id == row.id)
                                         .order_by(SubmissionEvent.at, SubmissionEvent.id)))
            interaction = session.get(Interaction, row.interaction_id)
            rep = session.get(Representative, row.representative_id) if row.representative_id else None
        return SubmissionDetail(summary, shown, raw, details, events,
                                self.attachments.for_submission(actor, submission_id), row.interaction_id,
                                interaction.reference if interaction else "", rep.name if rep else "",
                                row.cancelled_at, row.cancel_reason)

    def counts(self, actor: Actor) -> OutboxCounts:
        """How many requests wait to be sent and how many need attention, for the status bar."""
        require(actor, Permission.USE_DESK)
        with self.db.unit_of_work() as session:
            waiting, oldest = session.execute(
                select(func.count(Submission.id), func.min(Submission.created_at))
                .where(Submission.state.in_(WAITING))).one()
            attention = session.scalar(select(func.count(Submission.id))
                                       .where(Submission.state == SubmissionState.NEEDS_ATTENTION.value))
        return OutboxCounts(waiting, attention or 0, oldest)

    # ---- helpers -------------------------------------------------------------------------

    def _remove_files(self, session: Session, actor: Actor, row: Submission, ids: Sequence[int]) -> None:
        now = self.clock.now()
        for attachment_id in ids:
            item = session.get(Attachment, attachment_id)
            if item is None or item.submission_id != row.id:
                raise ValidationError(f"That file is not attached to request {row.reference}.", field="attachments")
            if item.removed_at is not None:
                continue
            item.removed_at, item.removed_by = now, actor.username
            session.execute(delete(AttachmentContent).where(AttachmentContent.attachment_id == item.id))
            record_audit(session, self.clock, actor, "attachment.removed", "attachment", item.id,
                         f"{item.filename} from {row.reference}")

    @staticmethod
    def _row(session: Session, submission_id: int) -> Submission:
        row = session.get(Submission, submission_id)
        if row is None:
            raise NotFound("That request no longer exists.")
        return row

    def _summaries(self, session: Session, rows: Sequence[Submission]) -> list[SubmissionSummary]:
        residents = {r.id: r for r in session.scalars(
            select(Resident).where(Resident.id.in_({row.resident_id for row in rows})))} if rows else {}
        sites = dict(session.execute(select(Site.id, Site.name)).all()) if rows else {}
        services = dict(session.execute(select(ServiceEntry.code, ServiceEntry.name)).all()) if rows else {}
        result = []
        for row in rows:
            try:
                name = self.declarations.get(row.request_type).name
            except ValidationError:
                name = row.request_type
            resident = residents.get(row.resident_id)
            result.append(SubmissionSummary(
                row.id, row.reference, row.resident_id, full_name(resident) if resident else "", row.request_type,
                name, services.get(row.service_code, row.service_code), SubmissionState(row.state),
                row.back_office_reference or "",
                BackOfficeStatus(row.back_office_status) if row.back_office_status else None,
                row.back_office_message, row.created_at, row.created_by, sites.get(row.site_id, ""), row.attempts,
                row.next_attempt_at, row.last_attempt_at, row.last_error, row.may_have_arrived, row.version))
        return result


__all__ = [
    "OutboxCounts", "RequestInput", "SubmissionDetail", "SubmissionEventRecord", "SubmissionFilter",
    "SubmissionReceipt", "SubmissionService", "SubmissionSummary", "resident_details",
]
