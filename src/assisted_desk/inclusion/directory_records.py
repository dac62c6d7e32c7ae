"""How partner organisations and services are stored and read back: the frozen read models
(OrganisationRecord, ServiceRecord with its places and schedules), the columns written from a cleaned
input, and loading services in a fixed number of queries.

Kept apart from the PartnerDirectory service because the ORUK import and export and the matcher
read and write the same rows without going through it (they run their own unit of work); this is
the one place that knows how a row maps to a record and back."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .directory_input import OrganisationInput, ServiceInput
from .partner_models import PartnerLocation, PartnerOrganisation, PartnerSchedule, PartnerService
from .referral_vocab import Accessibility, Delivery, ReferralMethod, ServiceOffer


# ---- what is read back ------------------------------------------------------------------------

@dataclass(frozen=True)
class LocationRecord:
    name: str
    address: str
    postcode: str
    latitude: float | None
    longitude: float | None
    accessibility: tuple[Accessibility, ...]
    external_id: str = ""


_DAY_NAMES = {"MO": "Monday", "TU": "Tuesday", "WE": "Wednesday", "TH": "Thursday", "FR": "Friday",
              "SA": "Saturday", "SU": "Sunday"}
_WEEK = tuple(_DAY_NAMES)
_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last", -2: "second to last",
             -3: "third to last", -4: "fourth to last", -5: "fifth to last"}
_DAY_CODE = re.compile(r"^([+-]?[1-5])?(MO|TU|WE|TH|FR|SA|SU)$")


def _and_list(parts: list[str]) -> str:
    """["a"] → "a"; ["a", "b"] → "a and b"; ["a", "b", "c"] → "a, b and c"."""
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def days_in_words(byday: str) -> str:
    """RFC 5545 BYDAY codes in words: "TU,TH" → "Tuesdays and Thursdays", "MO,TU,WE,TH,FR" →
    "Weekdays", "1TU" → "The first Tuesday of the month". A code it does not know is shown as given."""
    weekly, monthly, unknown = [], [], []
    for code in (c.strip().upper() for c in (byday or "").split(",") if c.strip()):
        match = _DAY_CODE.match(code)
        if match is None:
            unknown.append(code)
        elif match.group(1):
            monthly.append(f"the {_ORDINALS[int(match.group(1))]} {_DAY_NAMES[match.group(2)]}")
        elif match.group(2) not in weekly:
            weekly.append(match.group(2))
    weekly.sort(key=_WEEK.index)
    if len(weekly) == 7:
        parts = ["every day"]
    elif weekly == list(_WEEK[:5]):
        parts = ["weekdays"]
    elif weekly == list(_WEEK[5:]):
        parts = ["weekends"]
    else:
        parts = [_DAY_NAMES[code] + "s" for code in weekly]
    if monthly:
        parts.append(_and_list(monthly) + " of the month")
    parts += unknown
    if not parts:
        return ""
    text = _and_list(parts)
    return text[0].upper() + text[1:]


@dataclass(frozen=True)
class ScheduleRecord:
    byday: str
    opens_at: str
    closes_at: str
    description: str

    def in_words(self) -> str:
        """When it runs, for a person: "Tuesdays and Thursdays, 10:00 to 12:30", then the
        directory's own words ("; term time only"). Never the raw RFC 5545 codes."""
        days = days_in_words(self.byday)
        if self.opens_at and self.closes_at:
            hours = f"{self.opens_at} to {self.closes_at}"
        elif self.opens_at:
            hours = f"from {self.opens_at}"
        elif self.closes_at:
            hours = f"until {self.closes_at}"
        else:
            hours = ""
        text = ", ".join(p for p in (days, hours) if p)
        text = text[:1].upper() + text[1:]
        return "; ".join(p for p in (text, self.description.strip()) if p)


@dataclass(frozen=True)
class OrganisationRecord:
    id: int
    source: str
    external_id: str | None
    name: str
    description: str
    email: str
    phone: str
    url: str
    local_notes: str
    gone_at: datetime | None
    version: int
    updated_at: datetime
    updated_by: str

    @property
    def imported(self) -> bool:
        return bool(self.source)


@dataclass(frozen=True)
class ServiceRecord:
    id: int
    organisation_id: int
    organisation_name: str
    organisation_description: str
    organisation_external_id: str | None
    organisation_email: str
    organisation_phone: str
    organisation_url: str
    organisation_gone_at: datetime | None
    source: str
    external_id: str | None
    name: str
    description: str
    url: str
    email: str
    phone: str
    status: str
    skill_areas: tuple[str, ...]
    offers: tuple[ServiceOffer, ...]
    delivery: Delivery
    languages: tuple[str, ...]
    accessibility: tuple[Accessibility, ...]
    taxonomy_terms: tuple[dict, ...]
    is_free: bool
    cost_note: str
    min_age: int | None
    max_age: int | None
    residency_area: str
    benefits_required: bool
    eligibility_note: str
    referral_method: ReferralMethod
    referral_email: str
    referral_phone: str
    referral_api_url: str
    accepting_referrals: bool  # as the directory (or whoever added it) says
    capacity_note: str
    local_accepting: bool | None  # ours: None follows the directory
    local_capacity_note: str
    local_notes: str
    gone_at: datetime | None
    locations: tuple[LocationRecord, ...]
    schedules: tuple[ScheduleRecord, ...]
    version: int
    updated_at: datetime
    updated_by: str

    @property
    def imported(self) -> bool:
        return bool(self.source)

    @property
    def gone(self) -> bool:
        return self.gone_at is not None or self.organisation_gone_at is not None

    @property
    def takes_referrals(self) -> bool:
        """Our override when we have one, else what the directory says; never when the service is
        not active or has gone."""
        accepting = self.local_accepting if self.local_accepting is not None else self.accepting_referrals
        return accepting and self.status == "active" and not self.gone


# ---- writing rows (shared with the import) --------------------------------------------------------

def organisation_values(data: OrganisationInput) -> dict:
    return {"name": data.name, "description": data.description, "email": data.email, "phone": data.phone,
            "url": data.url}


def service_values(data: ServiceInput) -> dict:
    """The directory columns of a service (never the local_* ones) from a cleaned input."""
    return {
        "name": data.name, "description": data.description, "url": data.url, "email": data.email,
        "phone": data.phone, "status": data.status, "skill_areas": json.dumps(list(data.skill_areas)),
        "offers": json.dumps([o.value for o in data.offers]), "delivery": Delivery(data.delivery).value,
        "languages": json.dumps(list(data.languages)),
        "accessibility": json.dumps([a.value for a in data.accessibility]),
        "taxonomy_terms": json.dumps(list(data.taxonomy_terms), ensure_ascii=False, sort_keys=True),
        "is_free": data.is_free, "cost_note": data.cost_note, "min_age": data.min_age, "max_age": data.max_age,
        "residency_area": data.residency_area, "benefits_required": data.benefits_required,
        "eligibility_note": data.eligibility_note, "referral_method": ReferralMethod(data.referral_method).value,
        "referral_email": data.referral_email, "referral_phone": data.referral_phone,
        "referral_api_url": data.referral_api_url, "accepting_referrals": data.accepting_referrals,
        "capacity_note": data.capacity_note,
    }


def places_of(data: ServiceInput) -> tuple[tuple, tuple]:
    """Locations and schedules as comparable tuples (to tell whether a refresh changed them)."""
    locations = tuple((loc.external_id, loc.name, loc.address, loc.postcode, loc.latitude, loc.longitude,
                       json.dumps([a.value for a in loc.accessibility])) for loc in data.locations)
    schedules = tuple((s.byday, s.opens_at, s.closes_at, s.description) for s in data.schedules)
    return locations, schedules


def stored_places(session: Session, service_id: int) -> tuple[tuple, tuple]:
    locations = tuple((loc.external_id, loc.name, loc.address, loc.postcode, loc.latitude, loc.longitude,
                       loc.accessibility) for loc in session.scalars(
        select(PartnerLocation).where(PartnerLocation.service_id == service_id).order_by(PartnerLocation.id)))
    schedules = tuple((s.byday, s.opens_at, s.closes_at, s.description) for s in session.scalars(
        select(PartnerSchedule).where(PartnerSchedule.service_id == service_id).order_by(PartnerSchedule.id)))
    return locations, schedules


def replace_places(session: Session, service: PartnerService, data: ServiceInput) -> None:
    for old in session.scalars(select(PartnerLocation).where(PartnerLocation.service_id == service.id)):
        session.delete(old)
    for old in session.scalars(select(PartnerSchedule).where(PartnerSchedule.service_id == service.id)):
        session.delete(old)
    session.flush()
    for loc in data.locations:
        session.add(PartnerLocation(service_id=service.id, external_id=loc.external_id, name=loc.name,
                                    address=loc.address, postcode=loc.postcode, latitude=loc.latitude,
                                    longitude=loc.longitude,
                                    accessibility=json.dumps([a.value for a in loc.accessibility])))
    for s in data.schedules:
        session.add(PartnerSchedule(service_id=service.id, byday=s.byday, opens_at=s.opens_at,
                                    closes_at=s.closes_at, description=s.description))


# ---- reading in one batch -------------------------------------------------------------------------

def _organisation_record(row: PartnerOrganisation) -> OrganisationRecord:
    return OrganisationRecord(row.id, row.source, row.external_id, row.name, row.description, row.email, row.phone,
                              row.url, row.local_notes, row.gone_at, row.version, row.updated_at, row.updated_by)


def _service_record(row: PartnerService, org: PartnerOrganisation, locations: Sequence[PartnerLocation],
                    schedules: Sequence[PartnerSchedule]) -> ServiceRecord:
    return ServiceRecord(
        id=row.id, organisation_id=org.id, organisation_name=org.name,
        organisation_description=org.description, organisation_external_id=org.external_id, organisation_email=org.email,
        organisation_phone=org.phone, organisation_url=org.url, organisation_gone_at=org.gone_at,
        source=row.source, external_id=row.external_id, name=row.name, description=row.description, url=row.url,
        email=row.email, phone=row.phone, status=row.status, skill_areas=tuple(json.loads(row.skill_areas)),
        offers=tuple(ServiceOffer(v) for v in json.loads(row.offers)), delivery=Delivery(row.delivery),
        languages=tuple(json.loads(row.languages)),
        accessibility=tuple(Accessibility(v) for v in json.loads(row.accessibility)),
        taxonomy_terms=tuple(json.loads(row.taxonomy_terms)), is_free=row.is_free, cost_note=row.cost_note,
        min_age=row.min_age, max_age=row.max_age, residency_area=row.residency_area,
        benefits_required=row.benefits_required, eligibility_note=row.eligibility_note,
        referral_method=ReferralMethod(row.referral_method), referral_email=row.referral_email,
        referral_phone=row.referral_phone, referral_api_url=row.referral_api_url,
        accepting_referrals=row.accepting_referrals, capacity_note=row.capacity_note,
        local_accepting=row.local_accepting, local_capacity_note=row.local_capacity_note,
        local_notes=row.local_notes, gone_at=row.gone_at,
        locations=tuple(LocationRecord(loc.name, loc.address, loc.postcode, loc.latitude, loc.longitude,
                                       tuple(Accessibility(v) for v in json.loads(loc.accessibility)),
                                       loc.external_id) for loc in locations),
        schedules=tuple(ScheduleRecord(s.byday, s.opens_at, s.closes_at, s.description) for s in schedules),
        version=row.version, updated_at=row.updated_at, updated_by=row.updated_by)


def load_services(session: Session, *conditions) -> list[ServiceRecord]:
    """Services (with their organisation, places and schedules) in three queries, whatever their
    number: one for services and organisations, one for places, one for schedules."""
    pairs = session.execute(select(PartnerService, PartnerOrganisation)
                            .join(PartnerOrganisation, PartnerOrganisation.id == PartnerService.organisation_id)
                            .where(*conditions).order_by(PartnerService.name, PartnerService.id)).all()
    if not pairs:
        return []
    locations: dict[int, list[PartnerLocation]] = {}
    schedules: dict[int, list[PartnerSchedule]] = {}
    joined = (PartnerService, PartnerService.id == PartnerLocation.service_id)
    for loc in session.scalars(select(PartnerLocation).join(*joined)
                               .join(PartnerOrganisation, PartnerOrganisation.id == PartnerService.organisation_id)
                               .where(*conditions).order_by(PartnerLocation.id)):
        locations.setdefault(loc.service_id, []).append(loc)
    for sched in session.scalars(select(PartnerSchedule)
                                 .join(PartnerService, PartnerService.id == PartnerSchedule.service_id)
                                 .join(PartnerOrganisation, PartnerOrganisation.id == PartnerService.organisation_id)
                                 .where(*conditions).order_by(PartnerSchedule.id)):
        schedules.setdefault(sched.service_id, []).append(sched)
    return [_service_record(row, org, locations.get(row.id, ()), schedules.get(row.id, ())) for row, org in pairs]


def load_match_candidates(session: Session) -> list[ServiceRecord]:
    """Every service matching may suggest: not gone, from an organisation that is not gone, in a
    fixed number of queries. Whether each takes referrals now is `takes_referrals`: matching
    leaves out those that do not, and says why when asked."""
    return load_services(session, PartnerService.gone_at.is_(None), PartnerOrganisation.gone_at.is_(None))
