"""The one rule for what a partner may have about a resident, whatever way the referral goes
(an email staff send, a phone call, a slip the resident takes, or the partner's API), and the
consent to share that must cover it.

A partner gets the resident's name (and the name they prefer), the contact details the resident
allows, the need, the reference, the referring site and the staff member's first name. A contact
detail is allowed when there is a current consent to be contacted that way, or it is the
resident's preferred way: a phone number for phone or text, an email address for email, the postal
address for post. Never a date of birth, notes, accessibility or equality answers."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.clock import as_utc
from ..core.errors import ValidationError
from ..core.models import Site, Staff
from ..desk.consent import consent_is_current
from ..desk.models import Consent, Resident
from ..desk.representatives import full_name, last_london_day, long_date
from ..desk.vocab import ConsentPurpose, ContactMethod
from .partner_models import PartnerOrganisation, PartnerService
from .referral_models import Referral

__all__ = [
    "ConsentToShareMissing", "PartnerShare", "ReferredBy", "allowed_contact", "consent_problem", "consent_to_share",
    "partner_share", "referral_payload", "referred_by", "shared_contact",
]

_PHONE_WAYS = frozenset({ContactMethod.PHONE, ContactMethod.SMS})


class ConsentToShareMissing(ValidationError):
    """Sending was refused because no current consent covers sharing with this organisation. The
    screen offers to record it: `organisation_name` is the scope such a consent needs."""

    def __init__(self, message: str, *, organisation_name: str, resident_id: int) -> None:
        super().__init__(message, field="consent")
        self.organisation_name = organisation_name
        self.resident_id = resident_id


@dataclass(frozen=True)
class PartnerShare:
    """What a partner may have about the resident, as stored: every way of sending is built from it."""

    name: str
    preferred_name: str  # "" when none is recorded
    phone: str  # E.164, "" unless they allow contact by phone or text
    email: str  # "" unless they allow contact by email
    address: tuple[str, ...]  # address lines, town, postcode; () unless they allow contact by post
    postcode: str  # the last line of `address` when it has one, else ""
    preferred_contact: str  # a ContactMethod value, only when that way's detail is shared; else ""

    @property
    def what(self) -> tuple[str, ...]:
        """The names of what is shared, for the audit ("name", "phone", ...)."""
        present = (("name", True), ("preferred_name", self.preferred_name), ("phone", self.phone),
                   ("email", self.email), ("address", self.address))
        return tuple(name for name, value in present if value)


@dataclass(frozen=True)
class ReferredBy:
    site_name: str
    staff_first_name: str


def folded(text: str) -> str:
    """A name as compared: however its letters were composed, whatever its case."""
    return unicodedata.normalize("NFC", (text or "").strip()).casefold()


def allowed_contact(session: Session, resident: Resident, now: datetime) -> set[ContactMethod]:
    """The ways the resident may be contacted: current contact consents, and their preferred way."""
    allowed: set[ContactMethod] = set()
    for row in session.scalars(select(Consent).where(Consent.resident_id == resident.id,
                                                     Consent.purpose == ConsentPurpose.CONTACT.value)):
        if consent_is_current(row, now):
            try:
                allowed.add(ContactMethod(row.scope))
            except ValueError:  # a scope that is not a way of contact allows nothing
                continue
    if resident.preferred_contact:
        allowed.add(ContactMethod(resident.preferred_contact))
    return allowed


def partner_share(session: Session, resident: Resident, now: datetime) -> PartnerShare:
    """What a partner may have about `resident` at `now` (see the module's rule)."""
    allowed = allowed_contact(session, resident, now)
    phone = resident.phone if resident.phone and allowed & _PHONE_WAYS else ""
    email = resident.email if resident.email and ContactMethod.EMAIL in allowed else ""
    address: tuple[str, ...] = ()
    if ContactMethod.POST in allowed and resident.address_line1.strip():
        address = tuple(p.strip() for p in (resident.address_line1, resident.address_line2, resident.town,
                                            resident.postcode) if p and p.strip())
    postcode = resident.postcode.strip() if address else ""
    preferred = resident.preferred_contact or ""
    shown = {ContactMethod.PHONE.value: phone, ContactMethod.SMS.value: phone, ContactMethod.EMAIL.value: email,
             ContactMethod.POST.value: address}
    return PartnerShare(full_name(resident), (resident.preferred_name or "").strip(), phone, email, address,
                        postcode, preferred if shown.get(preferred) else "")


def shared_contact(session: Session, resident: Resident, now: datetime) -> dict:
    """The contact part of the API payload's `resident`: phone, email, address and the preferred
    way, each only when `partner_share` allows it."""
    share = partner_share(session, resident, now)
    contact: dict = {}
    if share.phone:
        contact["phone"] = share.phone
    if share.email:
        contact["email"] = share.email
    if share.address:
        lines = [p.strip() for p in (resident.address_line1, resident.address_line2) if p and p.strip()]
        contact["address"] = {"lines": lines, **({"town": resident.town.strip()} if resident.town.strip() else {}),
                              **({"postcode": share.postcode} if share.postcode else {})}
    if share.preferred_contact:
        contact["preferred_contact"] = share.preferred_contact
    return contact


def referred_by(session: Session, row: Referral, *, site_name: str = "", staff_name: str = "") -> ReferredBy:
    """Who the partner hears the referral came from: the site and the staff member's first name,
    from the referral unless the sending staff member is given."""
    if not site_name and row.site_id is not None:
        site = session.get(Site, row.site_id)
        site_name = site.name if site else ""
    if not staff_name:
        staff = session.get(Staff, row.staff_id) if row.staff_id is not None else None
        staff_name = staff.display_name if staff else row.created_by
    return ReferredBy(site_name, ((staff_name or "").split() or [""])[0])


def need_codes(row: Referral) -> tuple[str, ...]:
    try:
        return tuple(str(code) for code in json.loads(row.need_areas or "[]"))
    except ValueError:
        return ()


def referral_payload(session: Session, row: Referral, now: datetime) -> tuple[dict, tuple[str, ...]]:
    """The body for the partner (resources/partner_api/referral-api-v1.yaml), and the names of
    what it shares for the audit: exactly what `partner_share` allows, the need, the reference,
    the site and the staff member's first name."""
    resident = session.get(Resident, row.resident_id)
    service = session.get(PartnerService, row.service_id)
    share = partner_share(session, resident, now)
    person: dict = {"name": share.name}
    if share.preferred_name:
        person["preferred_name"] = share.preferred_name
    person.update(shared_contact(session, resident, now))
    described = {"name": service.name}
    if service.external_id:
        described["id"] = service.external_id
    by = referred_by(session, row)
    payload = {
        "reference": row.reference,
        "resident": person,
        "need": {"areas": list(need_codes(row)), "description": row.need_text or ""},
        "service": described,
        "referred_by": {"site": by.site_name, "staff_first_name": by.staff_first_name},
        "sent_at": as_utc(row.sent_at or row.created_at).isoformat().replace("+00:00", "Z"),
    }
    return payload, share.what


# ---- consent to share ----------------------------------------------------------------------------


def consent_to_share(session: Session, now: datetime, resident: Resident,
                     organisation: PartnerOrganisation) -> Consent:
    """The resident's current consent to share with the organisation (the newest), matched by
    name in any script however its letters were composed. Refuses (ConsentToShareMissing, saying
    why: withdrawn, expired, or given to others only) when there is none."""
    rows = session.scalars(select(Consent).where(
        Consent.resident_id == resident.id, Consent.purpose == ConsentPurpose.SHARE_WITH_PARTNER.value)
        .order_by(Consent.given_at.desc(), Consent.id.desc())).all()
    key = folded(organisation.name)
    mine = [row for row in rows if folded(row.scope) == key]
    current = next((row for row in mine if consent_is_current(row, now)), None)
    if current is not None:
        return current
    if mine and mine[0].withdrawn_at is not None:
        why = (f"the consent given on {long_date(mine[0].given_at)} was withdrawn on "
               f"{long_date(mine[0].withdrawn_at)}")
    elif mine:
        why = (f"the consent given on {long_date(mine[0].given_at)} expired at the end of "
               f"{long_date(last_london_day(mine[0].expires_at))}")
    else:
        others = sorted({row.scope for row in rows if consent_is_current(row, now)}, key=folded)
        why = (f"{full_name(resident)} has agreed to share with {', '.join(others)} only" if others
               else f"no consent to share with {organisation.name} is recorded")
    raise ConsentToShareMissing(
        f"Record the resident's consent to share their details with {organisation.name} before sending: {why}.",
        organisation_name=organisation.name, resident_id=resident.id)


def consent_problem(session: Session, row: Referral, now: datetime) -> str:
    """Why a referral must not go to the partner now, or "": the resident's consent to share with
    the partner must still be current at the moment of delivery (the one it was sent under, or a
    newer one for the same partner that replaced it)."""
    consent = session.get(Consent, row.consent_id) if row.consent_id else None
    service = session.get(PartnerService, row.service_id)
    partner = session.get(PartnerOrganisation, service.organisation_id).name
    share = ConsentPurpose.SHARE_WITH_PARTNER.value
    if consent is not None and consent.purpose == share and consent_is_current(consent, now):
        return ""
    scopes = {folded(partner)} | ({folded(consent.scope)} if consent is not None else set())
    for other in session.scalars(select(Consent).where(Consent.resident_id == row.resident_id,
                                                       Consent.purpose == share)):
        if folded(other.scope) in scopes and consent_is_current(other, now):
            return ""
    if consent is None or consent.purpose != share:
        state = "is not recorded"
    elif consent.withdrawn_at is not None:
        state = "was withdrawn"
    else:
        state = "has expired"
    return (f"Not sent: the resident's consent to share their details with {partner} {state} before it could go. "
            "Record their consent again if they agree, then make the referral again.")
