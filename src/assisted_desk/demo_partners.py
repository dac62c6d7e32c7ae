"""Demo partner directory and referrals: a handful of local inclusion partners (one of each way of
taking referrals), and referrals of assessed residents at every step of the closed loop, so the
follow-up list and each partner's responsiveness have something to show.

Everything goes through the services (every rule, consent check and audit applies); afterwards
only the dates are moved back, as a real history would have them. The positions are approximate
centres of East London postcode districts, good enough for demo distances, not for real use."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta

from sqlalchemy import select, update

from .core.security import Actor
from .desk.consent import ConsentInput
from .desk.models import Resident
from .desk.vocab import ConsentMethod, ConsentPurpose
from .inclusion.directory import LocationInput, OrganisationInput, ScheduleInput, ServiceInput
from .inclusion.models import SkillsAssessment
from .inclusion.partner_models import PostcodePoint
from .inclusion.referral_models import Referral, ReferralEvent
from .inclusion.referral_vocab import ReferralStatus, UpdateSource
from .services import Services

_POINTS = {
    "E1 6AN": (51.5203, -0.0750), "E2 8DY": (51.5305, -0.0707), "E5 0LH": (51.5600, -0.0560),
    "E8 1EJ": (51.5430, -0.0680), "E9 6DB": (51.5440, -0.0440), "N1 5QJ": (51.5430, -0.0850),
    "N16 7UX": (51.5620, -0.0740), "E10 5NP": (51.5660, -0.0120), "E17 4JD": (51.5850, -0.0150),
    "N4 2HA": (51.5700, -0.1050), "E3 4QX": (51.5280, -0.0270), "E14 7DD": (51.5080, -0.0150),
}

# (organisation, its email, service name, skill areas, offers, languages, accessibility, method,
#  place name, postcode, schedule (byday, opens, closes))
_PARTNERS = [
    ("Good Things Network — Eastfield", "hello@goodthings.example.org", "Learn My Way drop-in",
     ("communicating", "transacting", "being_safe"), ("skills_training", "confidence"), ("en",),
     ("wheelchair", "hearing_loop"), "email", "Eastfield Community Hub", "E9 6DB", ("TU,TH", "10:00", "12:30")),
    ("Polski Klub Cyfrowy", "zapisy@polskiklub.example.org", "Komputer bez stresu (Polish-language classes)",
     ("communicating", "handling_information", "transacting"), ("skills_training", "language_support"), ("pl", "en"),
     ("wheelchair",), "email", "St Anne's Church Hall", "E1 6AN", ("SA", "10:00", "13:00")),
    ("Riverside Digital Buddies", "", "One-to-one digital buddy",
     ("communicating", "problem_solving", "being_safe"), ("skills_training", "confidence"), ("en", "bn", "so"),
     ("wheelchair", "quiet_space"), "slip", "Riverside Library", "E14 7DD", ("WE", "14:00", "16:00")),
    ("National Databank partner: Hackney Food & Data Hub", "", "Free SIM cards with data",
     (), ("free_data",), ("en", "tr"), ("wheelchair",), "phone", "Mare Street Food Hub", "E8 1EJ",
     ("MO,FR", "09:30", "15:00")),
    ("Device Bank East", "", "Refurbished laptops and tablets",
     (), ("free_device", "device_lending"), ("en",), (), "api", "Device Bank warehouse", "E3 4QX",
     ("TU", "10:00", "16:00")),
    ("Sight Loss Tech Club", "club@sightlosstech.example.org", "Tech for people with sight loss",
     ("communicating", "handling_information"), ("skills_training", "accessibility_support"), ("en",),
     ("wheelchair", "large_print", "screen_reader"), "email", "Northgate Community Hub", "N16 7UX",
     ("TH", "13:30", "15:30")),
    ("مركز المجتمع العربي Arabic Community Centre", "info@arabic-centre.example.org",
     "Online services in Arabic", ("transacting", "being_safe"), ("skills_training", "language_support"),
     ("ar", "en"), ("wheelchair",), "email", "Community Centre", "E17 4JD", ("SU", "11:00", "14:00")),
    ("Adult Learning Service", "enrol@adultlearning.example.gov.uk", "Essential Digital Skills course (accredited)",
     ("communicating", "handling_information", "transacting", "problem_solving", "being_safe"), ("skills_training",),
     ("en",), ("wheelchair", "hearing_loop"), "email", "Central Library", "N1 5QJ", ("MO,WE", "18:00", "20:00")),
]

# How each demo referral's story goes: the steps after sending, and the days each took.
_STORIES = [
    (), (), ((ReferralStatus.ACCEPTED, 3, ""),),
    ((ReferralStatus.ACCEPTED, 2, ""), (ReferralStatus.ATTENDED_FIRST_SESSION, 9, "")),
    ((ReferralStatus.ACCEPTED, 4, ""), (ReferralStatus.ATTENDED_FIRST_SESSION, 7, ""),
     (ReferralStatus.COMPLETED, 35, "")),
    ((ReferralStatus.DECLINED, 5, "Course full until spring"),),
    ((ReferralStatus.ACCEPTED, 1, ""), (ReferralStatus.DID_NOT_ATTEND, 8, "")),
    ((ReferralStatus.ACCEPTED, 6, ""), (ReferralStatus.ATTENDED_FIRST_SESSION, 5, ""),
     (ReferralStatus.STOPPED, 20, "Moved away from the borough")),
]


def load_partners_demo(services: Services, coordinator: Actor, seed: int = 11) -> Iterator[str]:
    rng = random.Random(seed)
    now = services.clock.now()
    with services.db.unit_of_work() as session:
        for postcode, (lat, lon) in _POINTS.items():
            session.add(PostcodePoint(postcode=postcode, latitude=lat, longitude=lon, source="lookup",
                                      updated_at=now))
    service_ids = []
    for (org_name, email, name, areas, offers, languages, access, method, place, postcode,
         (byday, opens, closes)) in _PARTNERS:
        org = services.partners.add_organisation(coordinator, OrganisationInput(
            name=org_name, email=email, phone="020 7946 0000", description=f"{name}, for local residents."))
        lat, lon = _POINTS[postcode]
        service = services.partners.add_service(coordinator, org.id, ServiceInput(
            name=name, description=name, skill_areas=areas, offers=offers, languages=languages,
            accessibility=access, referral_method=method,
            referral_email=email if method == "email" else "",
            referral_phone="020 7946 0123" if method == "phone" else "",
            referral_api_url="https://devicebank.example.org/api/v1" if method == "api" else "",
            min_age=16 if "free_device" in offers else None,
            locations=(LocationInput(name=place, address=f"{place}\nLondon", postcode=postcode, latitude=lat,
                                     longitude=lon, accessibility=access),),
            schedules=(ScheduleInput(byday=byday, opens_at=opens, closes_at=closes),)))
        service_ids.append((service.id, org_name, areas or offers))
    yield f"{len(service_ids)} inclusion partners in the directory"

    with services.db.unit_of_work() as session:
        assessed = list(session.execute(
            select(SkillsAssessment.resident_id, SkillsAssessment.id)
            .join(Resident, Resident.id == SkillsAssessment.resident_id)
            .where(SkillsAssessment.state == "completed", Resident.merged_into_id.is_(None))
            .order_by(SkillsAssessment.id)))
    made = referred = 0
    seen: set[int] = set()
    for resident_id, assessment_id in assessed:
        if resident_id in seen or made >= 20:
            continue
        seen.add(resident_id)
        service_id, org_name, needs = service_ids[made % len(service_ids)]
        if made % len(service_ids) == 4:  # the API partner: leave it to the outbox, as a real one would wait
            made += 1
            continue
        services.consent.record_consent(coordinator, resident_id, ConsentInput(
            purpose=ConsentPurpose.SHARE_WITH_PARTNER, scope=org_name, method=ConsentMethod.VERBAL))
        draft = services.referrals.draft(coordinator, resident_id, service_id, need_areas=needs[:2],
                                         need_text=rng.choice(["Wants to book GP appointments online",
                                                               "Video calls with family abroad",
                                                               "Pay council tax and rent online",
                                                               "Get online safely at home"]),
                                         assessment_id=assessment_id)
        record = services.referrals.send(coordinator, draft.id, draft.version).referral
        story = _STORIES[referred % len(_STORIES)]
        for status, _days, reason in story:
            record = services.referrals.record_update(coordinator, record.id, status, expected_version=record.version,
                                                      reason=reason, source=UpdateSource.CALL)
        _spread_history(services, record.id, rng.randint(20, 70), story, now)
        made += 1
        referred += 1
    yield f"{referred} referrals to partners, at every step of the loop"


def _spread_history(services: Services, referral_id: int, days_ago: int, story, now: datetime) -> None:
    """Dates as they would have been: made and sent `days_ago`, each later step after its delay."""
    start = now - timedelta(days=days_ago, hours=3)
    with services.db.unit_of_work() as session:
        events = session.scalars(select(ReferralEvent).where(ReferralEvent.referral_id == referral_id)
                                 .order_by(ReferralEvent.id)).all()
        when = start
        delays = [0, 0] + [days for _status, days, _reason in story]  # draft, sent, then the story
        stamps: dict[str, datetime] = {}
        for event, delay in zip(events, delays):
            when = min(when + timedelta(days=delay), now)
            session.execute(update(ReferralEvent).where(ReferralEvent.id == event.id)
                            .values(happened_at=when, recorded_at=when))
            stamps[event.to_status] = when
        values = {"created_at": start, "last_update_at": when, "updated_at": when,
                  "sent_at": stamps.get("sent"), "accepted_at": stamps.get("accepted"),
                  "declined_at": stamps.get("declined"), "first_session_at": stamps.get("attended_first_session")}
        row = session.get(Referral, referral_id)
        if row.closed_at is not None:
            values["closed_at"] = when
        session.execute(update(Referral).where(Referral.id == referral_id).values(**values))
