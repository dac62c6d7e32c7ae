"""Referrals: a resident referred to a partner's service, sent by the partner's own method, and
followed through the closed loop until the outcome is known.

Every status change goes through `referral_flow.apply_transition`, so the history row, the
timestamps and the audit are written the same way whoever reports the change. A referral is only
sent under a current consent to share with that organisation, and what is sent holds only what
the resident agreed to share (referral_sharing.py, the one rule for every method). What staff are
given to send it is built in referral_content.py; follow-ups and partners' responsiveness are
measured in referral_measures.py. Only staff who may refer to partners (coordinators,
administrators) can make, read or follow referrals."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.audit import record_audit
from ..core.clock import Clock, as_utc
from ..core.db import Database
from ..core.errors import NotFound, ValidationError
from ..core.models import AppSetting
from ..core.security import Actor, Permission, require
from ..core.settings import SettingsService
from ..core.staff import check_version
from ..core.validation import clean_text
from ..desk.consent import ConsentService
from ..desk.models import Resident
from ..desk.references import issue_reference, unused_reference
from ..desk.representatives import full_name, long_date, open_resident
from .framework import shipped_frameworks
from .models import SkillsAssessment
from .partner_models import PartnerOrganisation, PartnerService
from .referral_content import (
    EmailDraft,
    PhoneCall,
    SharedDetails,
    SlipContent,
    check_method_address,
    details_to_share,
    need_label,
    sending_content,
)
from .referral_flow import allowed_next, apply_transition, check_transition, first_event
from .referral_measures import (
    AWAITING,
    DEFAULT_FOLLOW_UP_DAYS,
    FOLLOW_UP_DAYS,
    MAX_FOLLOW_UP_DAYS,
    FollowUp,
    Responsiveness,
    follow_up_days,
    follow_ups,
    grouped_responsiveness,
    measure,
    measured_rows,
)
from .referral_models import Referral, ReferralEvent
from .referral_sender import take_out_of_outbox
from .referral_sharing import ConsentToShareMissing, consent_to_share
from .referral_timeline import OPEN_REFERRAL  # importing it puts referrals on the resident's timeline
from .referral_vocab import REFERRAL_PREFIX, DeliveryState, ReferralMethod, ReferralStatus, ServiceOffer, UpdateSource

RECORD = "referral"
# The audited changes that move a referral's version: each step of the loop, and sending it.
STEPS = tuple(f"referral.{status.value}" for status in ReferralStatus) + ("referral.queued", "referral.shared")
MAX_NEED_TEXT = 2000
DEFAULT_LIST_LIMIT = 500

__all__ = [
    "AWAITING", "ConsentToShareMissing", "EmailDraft", "FollowUp", "PhoneCall", "ReferralEventRecord", "ReferralRecord",
    "ReferralService", "Responsiveness", "SentReferral", "SharedDetails", "SlipContent", "details_to_share",
    "OPEN_REFERRAL", "need_label", "takes_referrals",
    # kept importable from here for the screens and tests written against the first version
    "DEFAULT_FOLLOW_UP_DAYS", "FOLLOW_UP_DAYS", "MAX_FOLLOW_UP_DAYS",
]


@dataclass(frozen=True)
class ReferralEventRecord:
    id: int
    referral_id: int
    reference: str
    from_status: ReferralStatus | None  # None for the first event
    to_status: ReferralStatus
    reason: str
    note: str
    source: UpdateSource
    happened_at: datetime
    recorded_at: datetime
    recorded_by: str


@dataclass(frozen=True)
class ReferralRecord:
    id: int
    reference: str
    resident_id: int
    resident_name: str
    service_id: int
    service_name: str
    organisation_id: int
    organisation_name: str
    method: ReferralMethod
    status: ReferralStatus
    status_reason: str
    need_areas: tuple[str, ...]  # skill area codes and ServiceOffer values
    need_labels: tuple[str, ...]  # the same, in words
    need_text: str
    assessment_id: int | None
    consent_id: int | None
    created_at: datetime
    created_by: str
    sent_at: datetime | None
    accepted_at: datetime | None
    declined_at: datetime | None
    first_session_at: datetime | None
    closed_at: datetime | None
    last_update_at: datetime
    delivery_state: DeliveryState
    last_error: str
    partner_reference: str
    events: tuple[ReferralEventRecord, ...]  # this referral's own history, oldest first
    allowed_next: tuple[ReferralStatus, ...]
    rerouted_from: str  # reference of the referral this one replaced, or ""
    rerouted_to: str  # reference of the one that replaced it, or ""
    version: int

    @property
    def is_open(self) -> bool:
        return not self.status.is_closed

@dataclass(frozen=True)
class SentReferral:
    """The result of sending: the referral as it now is, and what staff do next by its method."""

    referral: ReferralRecord
    method: ReferralMethod
    shared: SharedDetails
    email: EmailDraft | None = None  # EMAIL: the message for staff to send
    phone_call: PhoneCall | None = None  # PHONE: the number and what to say
    slip: SlipContent | None = None  # SLIP: what to print for the resident

    @property
    def queued(self) -> bool:
        """API: waiting in the outbox for the sender to deliver it."""
        return self.referral.delivery_state == DeliveryState.QUEUED


# ---- shared helpers -----------------------------------------------------------------------------


def _need_codes(values: Iterable[str | ServiceOffer]) -> tuple[str, ...]:
    areas = {area.code for area in shipped_frameworks().current().areas}
    offers = {offer.value for offer in ServiceOffer}
    codes: list[str] = []
    for value in values or ():
        code = (value.value if isinstance(value, ServiceOffer) else str(value or "")).strip()
        if code not in areas and code not in offers:
            allowed = ", ".join([a.title for a in shipped_frameworks().current().areas] +
                                [o.label for o in ServiceOffer])
            raise ValidationError(f"Need '{value}' is not a skill area or something partners offer. Choose from: "
                                  f"{allowed}.", field="need_areas")
        if code not in codes:
            codes.append(code)
    return tuple(codes)


def takes_referrals(service: PartnerService, organisation: PartnerOrganisation) -> bool:
    """Our own override first, else what the directory says; never a service that is gone or not active."""
    if service.gone_at is not None or organisation.gone_at is not None or service.status != "active":
        return False
    return service.local_accepting if service.local_accepting is not None else service.accepting_referrals


def _check_takes_referrals(service: PartnerService, organisation: PartnerOrganisation) -> None:
    name = f"{service.name} ({organisation.name})"
    if service.gone_at is not None or organisation.gone_at is not None:
        raise ValidationError(f"{name} is no longer in the partner directory. Choose another service.",
                              field="service")
    if service.status != "active":
        raise ValidationError(f"{name} is {service.status}, so it cannot take referrals. Choose another service.",
                              field="service")
    if not takes_referrals(service, organisation):
        note = service.local_capacity_note or service.capacity_note
        raise ValidationError(f"{name} is not taking referrals at the moment{f' ({note})' if note else ''}. "
                              "Choose another service.", field="service")


def _service_and_organisation(session: Session, service_id: int) -> tuple[PartnerService, PartnerOrganisation]:
    service = session.get(PartnerService, service_id) if service_id is not None else None
    if service is None:
        raise NotFound("That partner service is not in the directory.")
    return service, session.get(PartnerOrganisation, service.organisation_id)


# ---- the service --------------------------------------------------------------------------------


class ReferralService:
    def __init__(self, db: Database, clock: Clock, consent: ConsentService, settings: SettingsService) -> None:
        self.db, self.clock, self.consent, self.settings = db, clock, consent, settings

    # ---- making and sending -----------------------------------------------------------------

    def draft(self, actor: Actor, resident_id: int, service_id: int, *, need_areas: Sequence[str] = (),
              need_text: str = "", assessment_id: int | None = None) -> ReferralRecord:
        """Make a draft referral of the resident to a partner's service, with the need as skill
        areas / offers and or in words; the method is copied from the service. Refuses without
        refer-to-partners, a resident who does not exist or was merged away, a service that is gone,
        not active or not taking referrals now, an assessment of another resident, an unknown need
        code, and a need given neither as areas nor in words."""
        require(actor, Permission.REFER_TO_PARTNERS)
        codes = _need_codes(need_areas)
        text = clean_text((need_text or "").replace("\r\n", "\n"), field="need_text", label="The need in words",
                          max_length=MAX_NEED_TEXT, required=False)
        if not codes and not text:
            raise ValidationError("Say what the resident needs help with: choose a skill area or an offer, or "
                                  "describe it in words.", field="need_areas")
        with self.db.unit_of_work() as session:
            resident = open_resident(session, resident_id)
            service, organisation = _service_and_organisation(session, service_id)
            _check_takes_referrals(service, organisation)
            if assessment_id is not None:
                assessment = session.get(SkillsAssessment, assessment_id)
                if assessment is None or assessment.resident_id != resident.id:
                    raise ValidationError("That assessment is not this resident's. Choose one of their own "
                                          "assessments, or none.", field="assessment")
            row = self._new_referral(session, actor, resident.id, service, codes, text, assessment_id)
            return self._record(session, row)

    def send(self, actor: Actor, referral_id: int, expected_version: int | None) -> SentReferral:
        """Send a draft referral by the partner's method. API: queued in the outbox for the
        sender. Email: a drafted message for staff to send. Phone: the number to call and what to
        say. Slip: what to print for the resident to take. Each holds only what the resident agreed
        to share. Refuses without refer-to-partners, a stale version, a referral that is not a
        draft, a service that no longer takes referrals, a partner with no address for its method,
        and (ConsentToShareMissing, saying why) when no current consent to share with the
        organisation exists."""
        require(actor, Permission.REFER_TO_PARTNERS)
        with self.db.unit_of_work() as session:
            row = self._row(session, referral_id)
            check_version("referral", row, expected_version, "referral", STEPS)
            if row.status == ReferralStatus.SENT.value:
                when = f" on {long_date(row.sent_at)}" if row.sent_at else ""
                raise ValidationError(f"Referral {row.reference} was already sent{when}.", field="status")
            check_transition(row.status, ReferralStatus.SENT)
            resident = open_resident(session, row.resident_id)
            service, organisation = _service_and_organisation(session, row.service_id)
            _check_takes_referrals(service, organisation)
            method = ReferralMethod(row.method)
            check_method_address(method, service, organisation)
            consent = consent_to_share(session, self.clock.now(), resident, organisation)
            row.consent_id = consent.id
            now = self.clock.now()
            apply_transition(session, self.clock, row, ReferralStatus.SENT, source=UpdateSource.STAFF, actor=actor,
                             note=method.label)
            if method == ReferralMethod.API:
                row.delivery_state = DeliveryState.QUEUED.value
                row.idempotency_key = uuid.uuid4().hex
                row.next_attempt_at = now
                row.attempts, row.last_error = 0, ""
            shared = details_to_share(session, self.clock, row, site_name=actor.site_name,
                                      staff_name=actor.display_name)
            sent = [what for what, value in (("name", True), ("preferred name", shared.preferred_name),
                                             ("phone", shared.phone), ("email", shared.email),
                                             ("address", shared.address)) if value]
            if method == ReferralMethod.API:
                # Nothing has gone yet: the sender audits what it actually delivers (referral.delivered),
                # and a referral withdrawn before then is never shared at all.
                record_audit(session, self.clock, actor, "referral.queued", RECORD, row.id,
                             f"{row.reference}: queued for {organisation.name}'s system under consent {consent.id}; "
                             f"{', '.join(sent)} and the need go when it is delivered")
            else:
                record_audit(session, self.clock, actor, "referral.shared", RECORD, row.id,
                             f"{row.reference}: {', '.join(sent)} and the need shared with {organisation.name} "
                             f"by {method.value} under consent {consent.id}")
            session.flush()
            record = self._record(session, row)
            email, call, slip = sending_content(session, method, shared, service, organisation)
            return SentReferral(record, method, shared, email, call, slip)

    def sending_content(self, actor: Actor, referral_id: int) -> SentReferral:
        """What staff were given to send an email, phone or slip referral (the email, the number and
        what to say, the slip), built again for one that was sent and is still open, from the
        resident's details as they are now by the same sharing rule as sending; the viewing is
        audited. Refuses without refer-to-partners, a draft (send it first), a closed referral, an
        API referral (the partner's system has it), and a resident whose consent to share with the
        partner is no longer current (their details are not shown again)."""
        require(actor, Permission.REFER_TO_PARTNERS)
        with self.db.unit_of_work() as session:
            row = self._row(session, referral_id)
            status, method = ReferralStatus(row.status), ReferralMethod(row.method)
            if status is ReferralStatus.DRAFT:
                raise ValidationError(f"Referral {row.reference} has not been sent yet: send it first.",
                                      field="status")
            if status.is_closed:
                raise ValidationError(f"Referral {row.reference} is closed ({status.label.lower()}): there is "
                                      "nothing more to send.", field="status")
            if method is ReferralMethod.API:
                raise ValidationError(f"Referral {row.reference} goes through the partner's system: there is no "
                                      "wording to send.", field="method")
            resident = open_resident(session, row.resident_id)
            service, organisation = _service_and_organisation(session, row.service_id)
            try:
                consent = consent_to_share(session, self.clock.now(), resident, organisation)
            except ConsentToShareMissing as error:
                raise ValidationError(f"The resident's details for {row.reference} cannot be shown again: their "
                                      f"consent to share with {organisation.name} is no longer current. "
                                      f"({error.message})", field="consent") from error
            shared = details_to_share(session, self.clock, row)
            record_audit(session, self.clock, actor, "referral.content_viewed", RECORD, row.id,
                         f"{row.reference}: the {method.value} wording for {organisation.name} shown again under "
                         f"consent {consent.id}")
            record = self._record(session, row)
            email, call, slip = sending_content(session, method, shared, service, organisation)
            return SentReferral(record, method, shared, email, call, slip)

    # ---- following ----------------------------------------------------------------------------

    def record_update(self, actor: Actor, referral_id: int, to_status: ReferralStatus | str, *,
                      expected_version: int | None, reason: str = "", note: str = "",
                      happened_at: datetime | None = None,
                      source: UpdateSource | str = UpdateSource.STAFF) -> ReferralRecord:
        """Record what happened (accepted, declined, attended, did not attend, completed, stopped,
        withdrawn), as staff know it or as the partner said on the phone. Refuses without
        refer-to-partners, a stale version, a step the closed loop does not allow from where the
        referral is, a decline / stop / withdrawal without a reason, a date in the future or on a day
        before its latest step (one on that same day is recorded just after it), "sent" (use send, which checks consent) and "re-routed" (use
        reroute, which names the new service). Any step out of "sent" while the referral still waits in the
        API outbox (queued, or refused by the partner's system) takes it out of the outbox: the
        partner has it another way, or it is over (`referral_sender.take_out_of_outbox`)."""
        require(actor, Permission.REFER_TO_PARTNERS)
        target = ReferralStatus.parse(to_status, field="status", what="Status")
        source = UpdateSource.parse(source, field="source", what="Where the update came from")
        if source not in (UpdateSource.STAFF, UpdateSource.CALL):
            raise ValidationError("At the desk an update is recorded by staff or from a partner's phone call; "
                                  "partners' systems and spreadsheets have their own import.", field="source")
        if target == ReferralStatus.SENT:
            raise ValidationError("Use Send to send a referral: it checks the resident's consent to share first.",
                                  field="status")
        if target == ReferralStatus.REROUTED:
            raise ValidationError("Use Re-route to send the resident to another service instead.", field="status")
        with self.db.unit_of_work() as session:
            row = self._row(session, referral_id)
            check_version("referral", row, expected_version, "referral", STEPS)
            when = as_utc(happened_at) if happened_at is not None else None
            # apply_transition refuses a day before the latest step (the day it was made, at the
            # earliest) and puts one on that same day just after it.
            apply_transition(session, self.clock, row, target, source=source, actor=actor, happened_at=when,
                             reason=reason, note=note)
            take_out_of_outbox(session, self.clock, row, actor)
            session.flush()
            return self._record(session, row)

    def withdraw(self, actor: Actor, referral_id: int, *, reason: str, expected_version: int | None,
                 note: str = "") -> ReferralRecord:
        """Withdraw an open referral (the resident changed their mind, moved away...). One still
        waiting in the API outbox (queued, or refused by the partner's system) leaves it: it is
        marked "Not sent: withdrawn" and never goes. One being sent at this moment is withdrawn
        here at once; the sender still records the partner's answer (see referral_sender.py).
        Refuses without a reason, a closed referral, and a stale version."""
        return self.record_update(actor, referral_id, ReferralStatus.WITHDRAWN, expected_version=expected_version,
                                  reason=reason, note=note)

    def reroute(self, actor: Actor, referral_id: int, new_service_id: int, *, reason: str,
                expected_version: int | None) -> ReferralRecord:
        """Close the referral as re-routed and make a new draft to another service, with the same
        need and assessment, that remembers where it came from; returns the new draft. Refuses
        without a reason, a referral the loop does not let re-route (a draft is withdrawn instead;
        a closed one stays closed), the same service again, a service not taking referrals, and a
        stale version. The old referral leaves the API outbox as a withdrawal does."""
        require(actor, Permission.REFER_TO_PARTNERS)
        with self.db.unit_of_work() as session:
            old = self._row(session, referral_id)
            check_version("referral", old, expected_version, "referral", STEPS)
            check_transition(old.status, ReferralStatus.REROUTED)
            if new_service_id == old.service_id:
                raise ValidationError("Choose a different service to re-route to.", field="service")
            open_resident(session, old.resident_id)
            service, organisation = _service_and_organisation(session, new_service_id)
            _check_takes_referrals(service, organisation)
            new = self._new_referral(session, actor, old.resident_id, service, tuple(json.loads(old.need_areas)),
                                     old.need_text, old.assessment_id, rerouted_from=old)
            apply_transition(session, self.clock, old, ReferralStatus.REROUTED, source=UpdateSource.STAFF,
                             actor=actor, reason=reason,
                             note=f"Re-routed to {new.reference}: {service.name} ({organisation.name})")
            take_out_of_outbox(session, self.clock, old, actor)
            session.flush()
            return self._record(session, new)

    # ---- reading ------------------------------------------------------------------------------

    def get(self, actor: Actor, referral_id: int) -> ReferralRecord:
        """One referral with its history. Refuses without refer-to-partners."""
        require(actor, Permission.REFER_TO_PARTNERS)
        with self.db.unit_of_work() as session:
            return self._record(session, self._row(session, referral_id))

    def for_resident(self, actor: Actor, resident_id: int) -> tuple[ReferralRecord, ...]:
        """The resident's referrals, newest first. Refuses a resident who does not exist or was
        merged away (their referrals moved to the record they were merged into)."""
        require(actor, Permission.REFER_TO_PARTNERS)
        with self.db.unit_of_work() as session:
            open_resident(session, resident_id)
            rows = session.scalars(select(Referral).where(Referral.resident_id == resident_id)
                                   .order_by(Referral.created_at.desc(), Referral.id.desc())).all()
            return self._records(session, rows)

    def list(self, actor: Actor, *, status: ReferralStatus | str | None = None, service_id: int | None = None,
             open_only: bool = False, limit: int = DEFAULT_LIST_LIMIT) -> tuple[ReferralRecord, ...]:
        """Referrals, newest first, optionally of one status, to one service, or only open ones."""
        require(actor, Permission.REFER_TO_PARTNERS)
        query = select(Referral)
        if status is not None:
            query = query.where(Referral.status == ReferralStatus.parse(status, field="status", what="Status").value)
        if service_id is not None:
            query = query.where(Referral.service_id == service_id)
        if open_only:
            query = query.where(Referral.status.in_([s.value for s in ReferralStatus if not s.is_closed]))
        with self.db.unit_of_work() as session:
            rows = session.scalars(query.order_by(Referral.created_at.desc(), Referral.id.desc())
                                   .limit(max(1, int(limit)))).all()
            return self._records(session, rows)

    def history(self, actor: Actor, referral_id: int) -> tuple[ReferralEventRecord, ...]:
        """Every event of the chain the referral belongs to (re-routed from, and to), in order:
        each referral's events oldest first, the chain from the first referral to the last."""
        require(actor, Permission.REFER_TO_PARTNERS)
        with self.db.unit_of_work() as session:
            row = self._row(session, referral_id)
            while row.rerouted_from_id is not None:
                row = session.get(Referral, row.rerouted_from_id)
            chain, seen = [row], {row.id}
            while True:
                nxt = session.scalar(select(Referral).where(Referral.rerouted_from_id == chain[-1].id)
                                     .order_by(Referral.id).limit(1))
                if nxt is None or nxt.id in seen:
                    break
                chain.append(nxt)
                seen.add(nxt.id)
            events = self._events(session, chain)
            return tuple(e for r in chain for e in events.get(r.id, ()))

    # ---- follow-ups and responsiveness ---------------------------------------------------------

    def follow_up_days(self) -> int:
        """Days without news after which an open referral appears on the follow-up list (default 14)."""
        return follow_up_days(self.settings)

    def set_follow_up_days(self, actor: Actor, days: int) -> int:
        """Set the days without news before a referral is chased, for every desk. Refuses without
        manage-partners, and anything but a whole number from 1 to 180."""
        require(actor, Permission.MANAGE_PARTNERS)
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_FOLLOW_UP_DAYS:
            raise ValidationError(f"Follow up after a whole number of days from 1 to {MAX_FOLLOW_UP_DAYS} "
                                  f"(the usual is {DEFAULT_FOLLOW_UP_DAYS}).", field=FOLLOW_UP_DAYS)
        old = self.follow_up_days()
        now = self.clock.now()
        with self.db.unit_of_work() as session:
            row = session.get(AppSetting, FOLLOW_UP_DAYS)
            if row is None:
                session.add(AppSetting(key=FOLLOW_UP_DAYS, value=str(days), updated_at=now, updated_by=actor.username))
            else:
                row.value, row.updated_at, row.updated_by = str(days), now, actor.username
            record_audit(session, self.clock, actor, "setting.changed", "setting", FOLLOW_UP_DAYS,
                         f"{old} -> {days} days")
        return days

    def follow_ups(self, actor: Actor) -> tuple[FollowUp, ...]:
        """The coordinator's list: open referrals with no update for more than the follow-up days,
        and referrals the partner's system refused, longest waiting first, each saying what is awaited."""
        require(actor, Permission.REFER_TO_PARTNERS)
        days = self.follow_up_days()
        with self.db.unit_of_work() as session:
            return follow_ups(session, self.clock.now(), days, self._records)

    def responsiveness(self, actor: Actor, *, service_id: int | None = None,
                       organisation_id: int | None = None) -> Responsiveness:
        """A partner's measured responsiveness: median days from sent to accepted, acceptance rate
        (accepted / accepted + declined) and attendance rate (attended a first session / attended +
        did not attend), with the counts behind each — of one service, one organisation, or all."""
        require(actor, Permission.REFER_TO_PARTNERS)
        with self.db.unit_of_work() as session:
            return measure(measured_rows(session, service_id=service_id, organisation_id=organisation_id))

    def responsiveness_by_service(self, actor: Actor) -> Mapping[int, Responsiveness]:
        """Responsiveness of every service referrals were sent to, by service id (for the directory list)."""
        require(actor, Permission.REFER_TO_PARTNERS)
        with self.db.unit_of_work() as session:
            return grouped_responsiveness(measured_rows(session), 1)

    def responsiveness_by_organisation(self, actor: Actor) -> Mapping[int, Responsiveness]:
        """Responsiveness of every organisation referrals were sent to, by organisation id."""
        require(actor, Permission.REFER_TO_PARTNERS)
        with self.db.unit_of_work() as session:
            return grouped_responsiveness(measured_rows(session), 2)

    # ---- inside ---------------------------------------------------------------------------------

    def _new_referral(self, session: Session, actor: Actor, resident_id: int, service: PartnerService,
                      codes: tuple[str, ...], text: str, assessment_id: int | None, *,
                      rerouted_from: Referral | None = None) -> Referral:
        now = self.clock.now()
        reference = unused_reference(session, REFERRAL_PREFIX)
        row = Referral(reference=reference, resident_id=resident_id, service_id=service.id,
                       assessment_id=assessment_id, need_areas=json.dumps(list(codes)), need_text=text,
                       method=ReferralMethod(service.referral_method).value, status=ReferralStatus.DRAFT.value,
                       status_reason="", rerouted_from_id=rerouted_from.id if rerouted_from else None,
                       site_id=actor.site_id, staff_id=actor.staff_id, created_at=now, created_by=actor.display_name,
                       last_update_at=now, delivery_state=DeliveryState.NOT_BY_API.value, idempotency_key="",
                       attempts=0, last_error="", partner_reference="", lease_owner="", updated_at=now,
                       updated_by=actor.display_name)
        session.add(row)
        session.flush()
        issue_reference(session, self.clock, REFERRAL_PREFIX, RECORD, row.id, resident_id, reference)
        first_event(session, self.clock, row, actor,
                    note=f"Re-routed from {rerouted_from.reference}" if rerouted_from else "")
        came = f", re-routed from {rerouted_from.reference}" if rerouted_from else ""
        record_audit(session, self.clock, actor, "referral.drafted", RECORD, row.id,
                     f"{reference}: resident {resident_id} to service {service.id} ({service.name}){came}")
        return row

    @staticmethod
    def _row(session: Session, referral_id: int) -> Referral:
        row = session.get(Referral, referral_id) if referral_id is not None else None
        if row is None:
            raise NotFound("That referral no longer exists.")
        return row

    @staticmethod
    def _events(session: Session, rows: Sequence[Referral]) -> dict[int, list[ReferralEventRecord]]:
        if not rows:
            return {}
        references = {r.id: r.reference for r in rows}
        events: dict[int, list[ReferralEventRecord]] = {}
        for e in session.scalars(select(ReferralEvent).where(ReferralEvent.referral_id.in_(list(references)))
                                 .order_by(ReferralEvent.recorded_at, ReferralEvent.id)):
            events.setdefault(e.referral_id, []).append(ReferralEventRecord(
                e.id, e.referral_id, references[e.referral_id],
                ReferralStatus(e.from_status) if e.from_status else None, ReferralStatus(e.to_status), e.reason,
                e.note, UpdateSource(e.source), e.happened_at, e.recorded_at, e.recorded_by))
        return events

    def _record(self, session: Session, row: Referral) -> ReferralRecord:
        return self._records(session, [row])[0]

    def _records(self, session: Session, rows: Sequence[Referral]) -> tuple[ReferralRecord, ...]:
        if not rows:
            return ()
        residents = {r.id: r for r in session.scalars(select(Resident).where(
            Resident.id.in_({row.resident_id for row in rows})))}
        services = {s.id: s for s in session.scalars(select(PartnerService).where(
            PartnerService.id.in_({row.service_id for row in rows})))}
        organisations = {o.id: o for o in session.scalars(select(PartnerOrganisation).where(
            PartnerOrganisation.id.in_({s.organisation_id for s in services.values()})))}
        ids = [row.id for row in rows]
        came_from = {row.rerouted_from_id for row in rows if row.rerouted_from_id is not None}
        from_refs = dict(session.execute(select(Referral.id, Referral.reference)
                                         .where(Referral.id.in_(came_from))).all()) if came_from else {}
        to_refs = dict(session.execute(select(Referral.rerouted_from_id, Referral.reference)
                                       .where(Referral.rerouted_from_id.in_(ids))).all())
        events = self._events(session, rows)
        out = []
        for row in rows:
            service = services[row.service_id]
            organisation = organisations[service.organisation_id]
            codes = tuple(json.loads(row.need_areas or "[]"))
            status = ReferralStatus(row.status)
            out.append(ReferralRecord(
                row.id, row.reference, row.resident_id, full_name(residents[row.resident_id]), service.id, service.name,
                organisation.id, organisation.name, ReferralMethod(row.method), status, row.status_reason, codes,
                tuple(need_label(c) for c in codes), row.need_text, row.assessment_id, row.consent_id,
                row.created_at, row.created_by, row.sent_at, row.accepted_at, row.declined_at, row.first_session_at,
                row.closed_at, row.last_update_at, DeliveryState(row.delivery_state), row.last_error,
                row.partner_reference, tuple(events.get(row.id, ())), allowed_next(status),
                from_refs.get(row.rerouted_from_id, ""), to_refs.get(row.id, ""), row.version))
        return tuple(out)

