"""What staff are given to send a referral by the partner's own method: an email to send, a
number to call and what to say, or a slip the resident takes. Every one is built from the same
`SharedDetails`, which comes from the one sharing rule (referral_sharing.py), so a partner learns
the same about the resident whichever way the referral goes."""

from __future__ import annotations

from dataclasses import dataclass
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.clock import Clock
from ..core.errors import ValidationError
from ..desk.contact_details import show_phone
from ..desk.models import Resident
from ..desk.vocab import ContactMethod
from .framework import shipped_frameworks
from .partner_models import PartnerLocation, PartnerOrganisation, PartnerSchedule, PartnerService
from .referral_models import Referral
from .referral_sharing import need_codes, partner_share, referred_by
from .referral_vocab import ReferralMethod, ServiceOffer

__all__ = [
    "EmailDraft", "PhoneCall", "SharedDetails", "SlipContent", "check_method_address", "details_to_share",
    "default_need_text", "need_label", "partner_address", "sending_content",
]

_WAYS = {ContactMethod.PHONE.value: "phone", ContactMethod.SMS.value: "text message",
         ContactMethod.EMAIL.value: "email", ContactMethod.POST.value: "post"}


@dataclass(frozen=True)
class SharedDetails:
    """What the resident agreed to share with the partner, and nothing else."""

    resident_name: str
    phone: str  # as shown ("07700 900123"), "" unless they allow contact by phone or SMS
    email: str  # "" unless they allow contact by email
    address: tuple[str, ...]  # () unless they allow contact by post
    need_labels: tuple[str, ...]
    need_text: str
    reference: str
    site_name: str
    staff_first_name: str
    preferred_name: str = ""  # the name they like to be called, when recorded
    preferred_contact: str = ""  # a ContactMethod value, only when that way's detail is shared

    @property
    def called(self) -> str:
        """The name, and the one they prefer when it differs: "Priya Patel (prefers Pri)"."""
        if self.preferred_name and self.preferred_name not in self.resident_name:
            return f"{self.resident_name} (prefers {self.preferred_name})"
        return self.resident_name

    @property
    def contact_lines(self) -> tuple[str, ...]:
        lines = []
        if self.phone:
            lines.append(f"Phone: {self.phone}")
        if self.email:
            lines.append(f"Email: {self.email}")
        if self.address:
            lines.append("Post: " + ", ".join(self.address))
        if self.preferred_contact and lines:
            lines.append(f"Best way to reach them: {_WAYS.get(self.preferred_contact, self.preferred_contact)}")
        return tuple(lines)

    @property
    def need_summary(self) -> str:
        parts = [", ".join(self.need_labels)] if self.need_labels else []
        if self.need_text:
            parts.append(self.need_text)
        return "; ".join(parts)


@dataclass(frozen=True)
class EmailDraft:
    to: str
    subject: str
    body: str


@dataclass(frozen=True)
class PhoneCall:
    number: str
    script: str


@dataclass(frozen=True)
class SlipContent:
    """What the printed slip the resident takes says (the printing issue lays it out)."""

    resident_name: str
    resident_contact: tuple[str, ...]  # only what they agreed to share
    partner_name: str
    service_name: str
    where: tuple[str, ...]  # one line per place
    when: tuple[str, ...]  # one line per schedule
    partner_contact: tuple[str, ...]
    need: str
    reference: str
    site_name: str
    staff_first_name: str


def need_label(code: str) -> str:
    """A need code in words: a skill area's title or an offer's label."""
    for area in shipped_frameworks().current().areas:
        if area.code == code:
            return area.title
    try:
        return ServiceOffer(code).label
    except ValueError:
        return code


def default_need_text(need_codes: "tuple[str, ...] | list[str]") -> str:
    """The need in words a new referral starts with, made only from the skill areas and offers the
    chosen service covers (`Suggestion.covered_needs`): never from the resident's record, whose
    accessibility needs, language or age are theirs to share, not the default's."""
    labels = [need_label(code) for code in dict.fromkeys(need_codes)]
    return f"Would like help with: {'; '.join(labels)}." if labels else ""


def details_to_share(session: Session, clock: Clock, referral: Referral, *, site_name: str = "",
                     staff_name: str = "") -> SharedDetails:
    """What may go to the partner for this referral, inside the caller's unit of work, by the one
    rule of referral_sharing.py (the API payload follows the same rule). The sending staff
    member's site and name, when given, replace the referral's."""
    resident = session.get(Resident, referral.resident_id)
    share = partner_share(session, resident, clock.now())
    by = referred_by(session, referral, site_name=site_name, staff_name=staff_name)
    return SharedDetails(share.name, show_phone(share.phone), share.email, share.address,
                         tuple(need_label(c) for c in need_codes(referral)), referral.need_text, referral.reference,
                         by.site_name, by.staff_first_name, share.preferred_name, share.preferred_contact)


# ---- the partner's side ---------------------------------------------------------------------------


def partner_address(method: ReferralMethod, service: PartnerService, organisation: PartnerOrganisation) -> str:
    """Where a referral by `method` goes: the API address, email address or phone number the
    directory has for it (the service's referral one first), "slip" for a slip, or ""."""
    return {
        ReferralMethod.API: service.referral_api_url,
        ReferralMethod.EMAIL: service.referral_email or service.email or organisation.email,
        ReferralMethod.PHONE: service.referral_phone or service.phone or organisation.phone,
        ReferralMethod.SLIP: "slip",
    }[method] or ""


def check_method_address(method: ReferralMethod, service: PartnerService, organisation: PartnerOrganisation) -> None:
    """Refuses a partner whose directory entry has no address for the way it takes referrals."""
    if partner_address(method, service, organisation).strip():
        return
    missing = {ReferralMethod.API: "address for its referral system", ReferralMethod.EMAIL: "email address",
               ReferralMethod.PHONE: "phone number"}[method]
    raise ValidationError(f"{service.name} ({organisation.name}) takes referrals by {method.label.lower()}, but the "
                          f"directory has no {missing} for it. Add it in the partner directory first.", field="method")


_DAYS = {"MO": "Mondays", "TU": "Tuesdays", "WE": "Wednesdays", "TH": "Thursdays", "FR": "Fridays",
         "SA": "Saturdays", "SU": "Sundays"}


def _schedule_text(row: PartnerSchedule) -> str:
    days = [_DAYS.get(d.strip().upper(), d.strip()) for d in row.byday.split(",") if d.strip()]
    text = " and ".join([", ".join(days[:-1]), days[-1]] if len(days) > 1 else days)
    if row.opens_at:
        text = f"{text} {row.opens_at}–{row.closes_at}".strip() if row.closes_at else f"{text} from {row.opens_at}"
    return "; ".join(p for p in (text.strip(), row.description) if p)


def _partner_contact(service: PartnerService, organisation: PartnerOrganisation) -> tuple[str, ...]:
    phone = show_phone(partner_address(ReferralMethod.PHONE, service, organisation))
    email = partner_address(ReferralMethod.EMAIL, service, organisation)
    url = service.url or organisation.url
    return tuple(x for x in (f"Phone: {phone}" if phone else "", f"Email: {email}" if email else "", url) if x)


def _intro(shared: SharedDetails) -> list[str]:
    lines = [f"Our reference: {shared.reference} (please quote it when you reply)"]
    if shared.need_labels:
        lines.append(f"What they would like help with: {', '.join(shared.need_labels)}")
    if shared.need_text:
        lines.append(f"In their words: {shared.need_text}")
    return lines


def email_draft(shared: SharedDetails, service: PartnerService, organisation: PartnerOrganisation) -> EmailDraft:
    contact = (["How to contact them:", *shared.contact_lines] if shared.contact_lines else
               ["They have not agreed to share their contact details: please reply to us and we will pass your "
                "message on."])
    body = "\n".join([
        f"Hello {organisation.name} team,", "",
        f"We would like to refer {shared.called} to {service.name}.", "",
        *_intro(shared), "", *contact, "",
        f"{shared.resident_name} has agreed that we share these details with {organisation.name}.",
        "Please let us know when you accept the referral, and whether they attend their first session.", "",
        "Thank you,", shared.staff_first_name, shared.site_name,
    ]).rstrip() + "\n"
    return EmailDraft(partner_address(ReferralMethod.EMAIL, service, organisation),
                      f"Referral {shared.reference}: {service.name}", body)


def phone_call(shared: SharedDetails, service: PartnerService, organisation: PartnerOrganisation) -> PhoneCall:
    where = f" at {shared.site_name}" if shared.site_name else ""
    contact = ("They are happy for you to contact them: " + "; ".join(shared.contact_lines) + "."
               if shared.contact_lines else "They would like you to contact them through us.")
    script = "\n".join([
        f"Hello, this is {shared.staff_first_name}{where}. I'd like to refer {shared.called} to "
        f"{service.name}.", *_intro(shared), contact,
        "Could you tell us when you accept the referral, and whether they attend their first session?",
    ])
    return PhoneCall(show_phone(partner_address(ReferralMethod.PHONE, service, organisation)), script)


def slip_content(session: Session, shared: SharedDetails, service: PartnerService,
                 organisation: PartnerOrganisation) -> SlipContent:
    locations = session.scalars(select(PartnerLocation).where(PartnerLocation.service_id == service.id)
                                .order_by(PartnerLocation.id)).all()
    schedules = session.scalars(select(PartnerSchedule).where(PartnerSchedule.service_id == service.id)
                                .order_by(PartnerSchedule.id)).all()
    where = tuple(", ".join(p for p in (loc.name, *loc.address.splitlines(), loc.postcode) if p.strip())
                  for loc in locations)
    return SlipContent(shared.called, shared.contact_lines, organisation.name, service.name, where,
                       tuple(t for t in (_schedule_text(s) for s in schedules) if t),
                       _partner_contact(service, organisation), shared.need_summary, shared.reference,
                       shared.site_name, shared.staff_first_name)


def sending_content(session: Session, method: ReferralMethod, shared: SharedDetails, service: PartnerService,
                    organisation: PartnerOrganisation) -> tuple[EmailDraft | None, PhoneCall | None,
                                                                SlipContent | None]:
    """What staff are given for `method`: (email, phone call, slip), the one that applies set."""
    return (email_draft(shared, service, organisation) if method == ReferralMethod.EMAIL else None,
            phone_call(shared, service, organisation) if method == ReferralMethod.PHONE else None,
            slip_content(session, shared, service, organisation) if method == ReferralMethod.SLIP else None)
