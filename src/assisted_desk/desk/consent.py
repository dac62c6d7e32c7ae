"""Consent and authority to act: what a resident agreed to, who may act for them, and the one
check every on-behalf action goes through.

A consent is for one purpose and scope (act with a service, share with a partner, contact by a
method). It is never deleted or edited: withdrawal stops its use at once, a new consent for the
same purpose and scope replaces the old one, and expiry ends it at the close of its last day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..core.audit import record_audit
from ..core.clock import Clock
from ..core.db import Database
from ..core.errors import DeskError, NotFound, ValidationError
from ..core.models import Staff
from ..core.security import Actor, Permission, require
from ..core.staff import check_version
from ..core.validation import clean_text
from .catalogue import ALL_SERVICES, ServiceCatalogue, active_service, describe_scope
from .models import Consent, Representative, ServiceEntry
from .representatives import (
    RepresentativeInput,
    RepresentativeRecord,
    RepresentativeRegister,
    end_of_london_day,
    full_name,
    last_london_day,
    london_today,
    long_date,
    open_resident,
    representative_is_current,
    representative_problem,
)
from .vocab import ConsentMethod, ConsentPurpose, ContactMethod, RepresentativeKind

__all__ = [
    "Authority", "AuthorityMissing", "ConsentInput", "ConsentRecord", "ConsentService", "RepresentativeInput",
    "RepresentativeRecord",
]


class AuthorityMissing(DeskError):
    """An action on a resident's behalf that no current consent or authority covers. The message
    says what is missing and how to put it right; `service_code` lets a screen offer to record it."""

    def __init__(self, message: str, *, resident_id: int, service_code: str) -> None:
        super().__init__(message)
        self.resident_id = resident_id
        self.service_code = service_code


@dataclass(frozen=True)
class ConsentInput:
    purpose: ConsentPurpose | str
    # ACT_ON_BEHALF: a service code or "*"; SHARE_WITH_PARTNER: the partner's name;
    # CONTACT: a ContactMethod value.
    scope: str
    method: ConsentMethod | str
    representative_id: int | None = None  # given by this representative, not the resident
    valid_until: date | None = None  # the last day it may be used; None: until withdrawn
    note: str = ""


@dataclass(frozen=True)
class ConsentRecord:
    id: int
    resident_id: int
    purpose: ConsentPurpose
    scope: str
    scope_label: str  # "Parking", "all council services", "Age UK", "SMS"
    method: ConsentMethod
    representative_id: int | None
    given_by: str  # "the resident" or "Anna Żółć (Family member)"
    given_at: datetime
    valid_until: date | None
    expires_at: datetime | None
    recorded_by: str
    note: str
    withdrawn_at: datetime | None
    withdrawn_by: str
    withdrawal_note: str
    current: bool
    version: int

    @property
    def summary(self) -> str:
        """"Act on their behalf with a service: Parking" and so on, for lists."""
        return f"{self.purpose.label}: {self.scope_label}"


@dataclass(frozen=True)
class Authority:
    """What allows an on-behalf action: a consent, or a representative's authority."""

    consent_id: int | None
    representative_id: int | None
    description: str


REPLACED = "Replaced by a newer consent for the same purpose."


def consent_is_current(consent: Consent, now: datetime) -> bool:
    return consent.withdrawn_at is None and (consent.expires_at is None or consent.expires_at > now)


class ConsentService(RepresentativeRegister):
    def __init__(self, db: Database, clock: Clock, catalogue: ServiceCatalogue | None = None) -> None:
        self.db = db
        self.clock = clock
        self.catalogue = catalogue or ServiceCatalogue(db, clock)

    # ---- recording and withdrawing --------------------------------------------------------

    def record_consent(self, actor: Actor, resident_id: int, consent: ConsentInput) -> ConsentRecord:
        """Record a consent given now by the resident or by one of their representatives. A current
        consent for the same purpose and scope is replaced (and shows as such in the history).
        Refuses without edit-residents, an unknown purpose or method, a scope that does not fit the
        purpose (a service in the catalogue or "*", a partner's name, a contact method), a valid-until
        date in the past, or a representative who is not this resident's, is no longer current, or
        has no authority over the service."""
        require(actor, Permission.EDIT_RESIDENTS)
        purpose = ConsentPurpose.parse(consent.purpose, field="purpose", what="Purpose")
        method = ConsentMethod.parse(consent.method, field="method", what="How consent was given")
        note = clean_text(consent.note.replace("\r\n", "\n"), field="note", label="Note", max_length=2000,
                          required=False)
        today = london_today(self.clock)
        if consent.valid_until is not None and consent.valid_until < today:
            raise ValidationError(
                f"Valid until {consent.valid_until:%d/%m/%Y} is in the past. Give today or a later date, or leave it "
                "empty for consent that lasts until it is withdrawn.", field="valid_until")
        self.catalogue.ensure_seeded()
        with self.db.unit_of_work() as session:
            resident = open_resident(session, resident_id)
            scope = self._checked_scope(session, purpose, consent.scope)
            rep = self._giving_representative(session, resident.id, consent.representative_id, purpose, scope, today)
            now = self.clock.now()
            replaced = session.scalars(select(Consent).where(
                Consent.resident_id == resident.id, Consent.purpose == purpose.value, Consent.scope == scope,
                Consent.withdrawn_at.is_(None), or_(Consent.expires_at.is_(None), Consent.expires_at > now))).all()
            for old in replaced:
                old.withdrawn_at, old.withdrawn_by, old.withdrawal_note = now, actor.username, REPLACED
                old.updated_at, old.updated_by = now, actor.username
            row = Consent(
                resident_id=resident.id, purpose=purpose.value, scope=scope, method=method.value,
                representative_id=rep.id if rep else None, given_at=now,
                expires_at=end_of_london_day(consent.valid_until) if consent.valid_until else None,
                recorded_by_id=actor.staff_id, note=note, created_at=now, updated_at=now, updated_by=actor.username,
            )
            session.add(row)
            session.flush()
            for old in replaced:
                record_audit(session, self.clock, actor, "consent.replaced", "consent", old.id, f"by consent {row.id}")
            given = f"by representative {rep.id}" if rep else "by the resident"
            record_audit(session, self.clock, actor, "consent.recorded", "consent", row.id,
                         f"resident {resident.id}: {purpose.value} {scope}, {method.value}, {given}")
            return self._record(session, row)

    def withdraw_consent(self, actor: Actor, consent_id: int, note: str = "",
                         expected_version: int | None = None) -> ConsentRecord:
        """Withdraw a consent from now: nothing may rely on it after this call. Refuses without
        edit-residents, a consent already withdrawn, or a stale version."""
        require(actor, Permission.EDIT_RESIDENTS)
        text = clean_text(note.replace("\r\n", "\n"), field="note", label="Reason for withdrawal", max_length=2000,
                          required=False)
        with self.db.unit_of_work() as session:
            row = session.get(Consent, consent_id)
            if row is None:
                raise NotFound("That consent no longer exists.")
            check_version("consent", row, expected_version)
            if row.withdrawn_at is not None:
                raise ValidationError(f"This consent was already withdrawn on {long_date(row.withdrawn_at)}.")
            now = self.clock.now()
            row.withdrawn_at, row.withdrawn_by, row.withdrawal_note = now, actor.username, text
            row.updated_at, row.updated_by = now, actor.username
            session.flush()
            record_audit(session, self.clock, actor, "consent.withdrawn", "consent", row.id,
                         f"resident {row.resident_id}: {row.purpose} {row.scope}")
            return self._record(session, row)

    # ---- reading --------------------------------------------------------------------------

    def consents(self, actor: Actor, resident_id: int) -> tuple[ConsentRecord, ...]:
        """Every consent the resident gave, current or not, newest first. Refuses without
        view-residents, or a resident who does not exist or was merged away."""
        require(actor, Permission.VIEW_RESIDENTS)
        with self.db.unit_of_work() as session:
            open_resident(session, resident_id)
            rows = session.scalars(select(Consent).where(Consent.resident_id == resident_id)
                                   .order_by(Consent.given_at.desc(), Consent.id.desc())).all()
            return tuple(self._record(session, row) for row in rows)

    def current_consents(self, actor: Actor, resident_id: int) -> tuple[ConsentRecord, ...]:
        """The consents that may be relied on now (not withdrawn, not expired), newest first."""
        return tuple(c for c in self.consents(actor, resident_id) if c.current)

    def consent(self, actor: Actor, consent_id: int) -> ConsentRecord:
        """One consent. Refuses without view-residents, or one that does not exist."""
        require(actor, Permission.VIEW_RESIDENTS)
        with self.db.unit_of_work() as session:
            row = session.get(Consent, consent_id)
            if row is None:
                raise NotFound("That consent no longer exists.")
            return self._record(session, row)

    def may_contact(self, actor: Actor, resident_id: int, method: ContactMethod | str) -> bool:
        """True when a current consent allows contacting the resident this way."""
        require(actor, Permission.VIEW_RESIDENTS)
        wanted = ContactMethod.parse(method, field="method", what="Contact method")
        now = self.clock.now()
        with self.db.unit_of_work() as session:
            open_resident(session, resident_id)
            rows = session.scalars(select(Consent).where(
                Consent.resident_id == resident_id, Consent.purpose == ConsentPurpose.CONTACT.value,
                Consent.scope == wanted.value)).all()
            return any(consent_is_current(row, now) for row in rows)

    # ---- the authority check --------------------------------------------------------------

    def check_authority(self, actor: Actor, resident_id: int, service_code: str,
                        representative_id: int | None = None) -> Authority:
        """Say what allows acting for the resident with a service: a current act-on-behalf consent
        covering it, or (when the contact is with a representative) that representative's current
        authority. Raises AuthorityMissing, saying what is missing and how to record it, when
        neither does; refuses a service not in the catalogue or a representative not the resident's."""
        require(actor, Permission.VIEW_RESIDENTS)
        self.catalogue.ensure_seeded()
        with self.db.unit_of_work() as session:
            return authority_for(session, self.clock, resident_id, service_code, representative_id)

    # ---- checks ---------------------------------------------------------------------------

    @staticmethod
    def _checked_scope(session: Session, purpose: ConsentPurpose, scope: str) -> str:
        text = (scope or "").strip()
        if purpose == ConsentPurpose.ACT_ON_BEHALF:
            if text == ALL_SERVICES:
                return ALL_SERVICES
            if not text:
                raise ValidationError("Choose the service this consent is for, or all council services.",
                                      field="scope")
            return active_service(session, text, field="scope").code
        if purpose == ConsentPurpose.SHARE_WITH_PARTNER:
            return clean_text(text, field="scope", label="Partner organisation", max_length=120)
        return ContactMethod.parse(text, field="scope", what="Contact method").value

    @staticmethod
    def _giving_representative(session: Session, resident_id: int, representative_id: int | None,
                               purpose: ConsentPurpose, scope: str, today: date) -> Representative | None:
        if representative_id is None:
            return None
        rep = session.get(Representative, representative_id)
        if rep is None or rep.resident_id != resident_id:
            raise ValidationError("That representative is not recorded for this resident.", field="representative")
        if not representative_is_current(rep, today):
            raise ValidationError(
                f"{rep.name} no longer represents this resident, so cannot give consent for them.",
                field="representative")
        if purpose == ConsentPurpose.ACT_ON_BEHALF:
            if scope == ALL_SERVICES:
                name, covered = "all council services", rep.authority_scope == ALL_SERVICES
            else:
                name = session.get(ServiceEntry, scope).name
                covered = representative_problem(session, rep, scope, name, today) is None
            if not covered:
                raise ValidationError(
                    f"{rep.name} ({RepresentativeKind(rep.relationship).label}) has no authority over {name}, so "
                    "cannot consent to it for the resident. Widen their authority first, or take consent from "
                    "the resident.", field="representative")
        return rep

    def _record(self, session: Session, row: Consent) -> ConsentRecord:
        now = self.clock.now()
        purpose = ConsentPurpose(row.purpose)
        if purpose == ConsentPurpose.ACT_ON_BEHALF:
            scope_label = describe_scope(session, [row.scope])
        elif purpose == ConsentPurpose.CONTACT:
            scope_label = ContactMethod(row.scope).label
        else:
            scope_label = row.scope
        rep = session.get(Representative, row.representative_id) if row.representative_id else None
        given_by = f"{rep.name} ({RepresentativeKind(rep.relationship).label})" if rep else "the resident"
        staff = session.get(Staff, row.recorded_by_id) if row.recorded_by_id else None
        return ConsentRecord(
            row.id, row.resident_id, purpose, row.scope, scope_label, ConsentMethod(row.method),
            row.representative_id, given_by, row.given_at,
            last_london_day(row.expires_at) if row.expires_at else None, row.expires_at,
            staff.display_name if staff else row.updated_by, row.note, row.withdrawn_at, row.withdrawn_by,
            row.withdrawal_note, consent_is_current(row, now), row.version,
        )


def authority_for(session: Session, clock: Clock, resident_id: int, service_code: str,
                  representative_id: int | None = None) -> Authority:
    """The authority check inside a caller's unit of work (so logging a contact checks and
    writes in one transaction). See ConsentService.check_authority."""
    resident = open_resident(session, resident_id)
    service = session.get(ServiceEntry, (service_code or "").strip())
    if service is None:
        raise ValidationError(f"Service '{service_code}' is not in the catalogue. Choose one from the list.",
                              field="service")
    now, today = clock.now(), london_today(clock)
    rows = session.scalars(select(Consent).where(
        Consent.resident_id == resident.id, Consent.purpose == ConsentPurpose.ACT_ON_BEHALF.value,
        Consent.scope.in_([service.code, ALL_SERVICES])).order_by(Consent.given_at.desc(), Consent.id.desc())).all()
    current = next((row for row in rows if consent_is_current(row, now)), None)
    if current is not None:
        until = f", valid until {long_date(last_london_day(current.expires_at))}" if current.expires_at else ""
        return Authority(current.id, None, f"Consent given on {long_date(current.given_at)}{until}")
    rep_problem = None
    if representative_id is not None:
        rep = session.get(Representative, representative_id)
        if rep is None or rep.resident_id != resident.id:
            raise ValidationError("That representative is not recorded for this resident.", field="representative")
        rep_problem = representative_problem(session, rep, service.code, service.name, today)
        if rep_problem is None:
            label = RepresentativeKind(rep.relationship).label
            return Authority(None, rep.id, f"{rep.name} ({label}) has authority for {service.name}")
    name = full_name(resident)
    latest = rows[0] if rows else None
    if latest is None:
        why = "record consent first"
    elif latest.expires_at is None or latest.withdrawn_at is not None and latest.withdrawal_note != REPLACED:
        why = (f"the consent given on {long_date(latest.given_at)} was withdrawn on "
               f"{long_date(latest.withdrawn_at)}; record new consent only if they agree again")
    else:
        why = (f"the consent given on {long_date(latest.given_at)} expired at the end of "
               f"{long_date(last_london_day(latest.expires_at))}; record consent again first")
    message = f"No current consent to act for {name} with {service.name}: {why}."
    if rep_problem:
        message += f" {rep_problem}"
    raise AuthorityMissing(message, resident_id=resident.id, service_code=service.code)
