"""Representatives: someone acting for a resident (family member, carer, advocate, attorney under
a lasting power of attorney), how to reach them, and which services their authority covers.

Shared with consent.py: finding the resident a change is about, and how dates are said."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.audit import record_audit
from ..core.clock import LONDON, Clock, as_utc
from ..core.db import Database
from ..core.errors import NotFound, ValidationError
from ..core.security import Actor, Permission, require
from ..core.staff import check_version
from ..core.validation import clean_text
from .catalogue import ALL_SERVICES, ServiceCatalogue, check_service_codes, describe_scope
from .contact_details import check_email, check_phone, show_phone
from .models import Representative, Resident
from .vocab import RepresentativeKind

# ---- shared by the consent, contact and timeline services -----------------------------------


def open_resident(session: Session, resident_id: int | None) -> Resident:
    """The resident a request is about; refuses one that does not exist, was merged away, or was
    erased at their request (privacy/erasure.py: nothing new may be added to an erased stub)."""
    resident = session.get(Resident, resident_id) if resident_id is not None else None
    if resident is None:
        raise NotFound("That resident's record no longer exists.")
    if resident.erased_at is not None:
        raise NotFound(ERASED)
    if resident.merged_into_id is not None:
        raise NotFound(f"{full_name(resident)}'s record was merged into another one; open that record instead.")
    return resident


ERASED = ("This record was erased at the resident's request, so nothing can be added to it. If they are here "
          "again, register them as new.")


def full_name(resident: Resident) -> str:
    return f"{resident.given_name} {resident.family_name}".strip()


def london_today(clock: Clock) -> date:
    return clock.now().astimezone(LONDON).date()


def long_date(value: date | datetime) -> str:
    """How a date is said to a resident: 3 May 2026 (times are read in London)."""
    if isinstance(value, datetime):
        value = as_utc(value).astimezone(LONDON).date()
    return f"{value.day} {value:%B %Y}"


def end_of_london_day(day: date) -> datetime:
    """The moment a date-limited permission stops: midnight in London after its last day."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=LONDON).astimezone(timezone.utc)


def last_london_day(moment: datetime) -> date:
    return (as_utc(moment).astimezone(LONDON) - timedelta(microseconds=1)).date()


def split_scope(text: str) -> tuple[str, ...]:
    return tuple(code for code in (text or "").split(",") if code)


# ---- representatives ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RepresentativeInput:
    name: str
    relationship: RepresentativeKind | str
    phone: str = ""
    email: str = ""
    address: str = ""
    # Service codes their authority covers; ("*",) is every council service; () is none
    # (someone the desk may talk to, who may not act).
    scope: tuple[str, ...] = ()
    evidence: str = ""  # e.g. the LPA registration number
    valid_until: date | None = None


@dataclass(frozen=True)
class RepresentativeRecord:
    id: int
    resident_id: int
    name: str
    relationship: RepresentativeKind
    phone: str  # E.164
    phone_display: str
    email: str
    address: str
    scope: tuple[str, ...]
    scope_label: str
    evidence: str
    valid_until: date | None
    ended_at: datetime | None
    current: bool
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
    version: int

    @property
    def label(self) -> str:
        return f"{self.name} ({self.relationship.label})"


def representative_is_current(rep: Representative, today: date) -> bool:
    return rep.ended_at is None and (rep.valid_until is None or rep.valid_until >= today)


def authority_covers(rep: Representative, service_code: str) -> bool:
    scope = split_scope(rep.authority_scope)
    return ALL_SERVICES in scope or service_code in scope


def representative_problem(session: Session, rep: Representative, service_code: str, service_name: str,
                           today: date) -> str | None:
    """Why a representative may not act on a service now, in a sentence; None when they may."""
    who = f"{rep.name} ({RepresentativeKind(rep.relationship).label})"
    if rep.ended_at is not None:
        return f"{who} stopped representing them on {long_date(rep.ended_at)}."
    if rep.valid_until is not None and rep.valid_until < today:
        return f"{who}'s authority ran out at the end of {long_date(rep.valid_until)}."
    if not authority_covers(rep, service_code):
        scope = split_scope(rep.authority_scope)
        if not scope:
            return f"{who} may speak for them but has no authority to act on any service."
        return f"{who} may act only for {describe_scope(session, list(scope))}, not {service_name}."
    return None


def representative_record(session: Session, rep: Representative, today: date) -> RepresentativeRecord:
    scope = split_scope(rep.authority_scope)
    return RepresentativeRecord(
        rep.id, rep.resident_id, rep.name, RepresentativeKind(rep.relationship), rep.phone, show_phone(rep.phone),
        rep.email, rep.address, scope, describe_scope(session, list(scope)), rep.evidence, rep.valid_until,
        rep.ended_at, representative_is_current(rep, today), rep.created_at, rep.created_by, rep.updated_at,
        rep.updated_by, rep.version,
    )


class RepresentativeRegister:
    """The representative half of ConsentService (services.consent)."""

    db: Database
    clock: Clock
    catalogue: ServiceCatalogue

    def representatives(self, actor: Actor, resident_id: int, include_ended: bool = True
                        ) -> tuple[RepresentativeRecord, ...]:
        """A resident's representatives, current ones first, then by name. Refuses without
        view-residents, or a resident who does not exist or was merged away."""
        require(actor, Permission.VIEW_RESIDENTS)
        today = london_today(self.clock)
        with self.db.unit_of_work() as session:
            open_resident(session, resident_id)
            rows = session.scalars(select(Representative).where(Representative.resident_id == resident_id)
                                   .order_by(Representative.name, Representative.id)).all()
            records = [representative_record(session, r, today) for r in rows]
        if not include_ended:
            records = [r for r in records if r.current]
        return tuple(sorted(records, key=lambda r: not r.current))

    def representative(self, actor: Actor, representative_id: int) -> RepresentativeRecord:
        """One representative. Refuses without view-residents, or one that does not exist."""
        require(actor, Permission.VIEW_RESIDENTS)
        with self.db.unit_of_work() as session:
            return representative_record(session, self._representative(session, representative_id),
                                         london_today(self.clock))

    def add_representative(self, actor: Actor, resident_id: int, details: RepresentativeInput
                           ) -> RepresentativeRecord:
        """Record someone who acts for the resident. Refuses without edit-residents, a missing
        name, an unknown relationship, a phone number or email that cannot be used, services not
        in the catalogue, an attorney without their LPA reference, or a valid-until date in the past."""
        require(actor, Permission.EDIT_RESIDENTS)
        self.catalogue.ensure_seeded()
        today = london_today(self.clock)
        with self.db.unit_of_work() as session:
            resident = open_resident(session, resident_id)
            values = self._checked(session, details, today, None)
            now = self.clock.now()
            rep = Representative(resident_id=resident.id, created_at=now, created_by=actor.username,
                                 updated_at=now, updated_by=actor.username, **values)
            session.add(rep)
            session.flush()
            record_audit(session, self.clock, actor, "representative.added", "representative", rep.id,
                         f"for resident {resident.id}: {values['relationship']}, scope {values['authority_scope'] or 'none'}")
            return representative_record(session, rep, today)

    def update_representative(self, actor: Actor, representative_id: int, details: RepresentativeInput,
                              expected_version: int) -> RepresentativeRecord:
        """Change a representative's details or authority. Refuses what adding refuses, a
        representative who has been ended, and a stale version (someone else saved first)."""
        require(actor, Permission.EDIT_RESIDENTS)
        self.catalogue.ensure_seeded()
        today = london_today(self.clock)
        with self.db.unit_of_work() as session:
            rep = self._representative(session, representative_id)
            check_version("representative", rep, expected_version)
            open_resident(session, rep.resident_id)
            if rep.ended_at is not None:
                raise ValidationError(f"{rep.name} stopped representing this resident on {long_date(rep.ended_at)}; "
                                      "add them again if they act for them once more.")
            values = self._checked(session, details, today, rep)
            changed = [key for key, value in values.items() if getattr(rep, key) != value]
            for key, value in values.items():
                setattr(rep, key, value)
            if changed:
                rep.updated_at, rep.updated_by = self.clock.now(), actor.username
                session.flush()
                record_audit(session, self.clock, actor, "representative.updated", "representative", rep.id,
                             "changed: " + ", ".join(changed))
            return representative_record(session, rep, today)

    def end_representative(self, actor: Actor, representative_id: int, expected_version: int | None = None
                           ) -> RepresentativeRecord:
        """Stop someone representing the resident, from now. Consents they gave stay as given
        (withdraw those separately). Refuses without edit-residents, one already ended, or a
        stale version."""
        require(actor, Permission.EDIT_RESIDENTS)
        today = london_today(self.clock)
        with self.db.unit_of_work() as session:
            rep = self._representative(session, representative_id)
            check_version("representative", rep, expected_version)
            if rep.ended_at is not None:
                raise ValidationError(f"{rep.name} already stopped representing this resident on "
                                      f"{long_date(rep.ended_at)}.")
            now = self.clock.now()
            rep.ended_at = now
            rep.updated_at, rep.updated_by = now, actor.username
            session.flush()
            record_audit(session, self.clock, actor, "representative.ended", "representative", rep.id,
                         f"for resident {rep.resident_id}")
            return representative_record(session, rep, today)

    # ---- checks ---------------------------------------------------------------------------

    @staticmethod
    def _representative(session: Session, representative_id: int) -> Representative:
        rep = session.get(Representative, representative_id)
        if rep is None:
            raise NotFound("That representative no longer exists.")
        return rep

    @staticmethod
    def _checked(session: Session, details: RepresentativeInput, today: date, existing: Representative | None
                 ) -> dict[str, object]:
        name = clean_text(details.name, field="name", label="Representative's name", max_length=120)
        kind = RepresentativeKind.parse(details.relationship, field="relationship", what="Relationship")
        phone = check_phone(details.phone, field="phone", label="Representative's phone number")
        email = check_email(details.email, field="email")
        address = clean_text(details.address.replace("\r\n", "\n"), field="address", label="Address",
                             max_length=500, required=False)
        scope = check_service_codes(session, details.scope, field="scope", label="Authority",
                                    already=split_scope(existing.authority_scope) if existing else ())
        evidence = clean_text(details.evidence, field="evidence", label="Evidence", max_length=200, required=False)
        if kind == RepresentativeKind.ATTORNEY and not evidence:
            raise ValidationError(
                "An attorney acts under a lasting power of attorney: give its registration reference (on the LPA "
                "or from the Office of the Public Guardian) as evidence.", field="evidence")
        unchanged = existing is not None and existing.valid_until == details.valid_until
        if details.valid_until is not None and details.valid_until < today and not unchanged:
            raise ValidationError(
                f"Valid until {details.valid_until:%d/%m/%Y} is in the past. Give today or a later date, or leave it "
                "empty if their authority has no end date.", field="valid_until")
        return {"name": name, "relationship": kind.value, "phone": phone, "email": email, "address": address,
                "authority_scope": ",".join(scope), "evidence": evidence, "valid_until": details.valid_until}
