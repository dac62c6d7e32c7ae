"""The partner directory by hand: add, edit, our own notes and capacity, gone and back, search,
refusals and bad input, and the one-batch read matching uses. On SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import event, select

from assisted_desk.core.audit import AuditFilter
from assisted_desk.core.errors import ConflictError, PermissionDenied, ValidationError
from assisted_desk.core.security import Role
from assisted_desk.inclusion.directory import (LocationInput, OrganisationInput, PartnerDirectory, ScheduleInput,
                                               ServiceInput, load_match_candidates)
from assisted_desk.inclusion.partner_models import PartnerLocation
from assisted_desk.inclusion.referral_vocab import Accessibility, Delivery, ReferralMethod, ServiceOffer
from tests.conftest import make_actor

PLACE = LocationInput(name="Biblioteka", address="12 Brick Lane\nLondon", postcode="e1 6rf", latitude=51.52,
                      longitude=-0.07, accessibility=["wheelchair", "hearing_loop"])


def full_service(name: str = "Komputery dla każdego — Łukasz") -> ServiceInput:
    return ServiceInput(
        name=name, description="Pomoc z komputerem; مساعدة; મદદ", url="https://fundacja.example.org/kursy",
        email="kursy@fundacja.example.org", phone="020 7946 0000", skill_areas=["transacting", "communicating"],
        offers=["skills_training", "device_lending"], delivery="group", languages=["pl", "ar", "gu", "en"],
        accessibility=["large_print"], is_free=False, cost_note="£2 a session", min_age=16, max_age=99,
        residency_area="e1 E2", benefits_required=True, eligibility_note="Tower Hamlets residents",
        referral_method="phone", referral_phone="07400 123456", capacity_note="Room for 6",
        locations=[PLACE], schedules=[ScheduleInput("TU,TH", "10:00", "12:30", ""),
                                      ScheduleInput("", "", "", "Pierwszy wtorek miesiąca")])


@pytest.fixture
def directory(services):
    return PartnerDirectory(services.db, services.clock)


@pytest.fixture
def org(directory, coordinator):
    return directory.add_organisation(coordinator, OrganisationInput(
        "Fundacja Łukasza Nowaka", "Polish community charity", "info@fundacja.example.org", "020 7946 0001",
        "https://fundacja.example.org"))


def test_add_and_read_back_everything_in_many_scripts(services, directory, coordinator, org):
    record = directory.add_service(coordinator, org.id, full_service())
    again = directory.get_service(coordinator, record.id)
    assert again == record
    assert record.name == "Komputery dla każdego — Łukasz" and record.organisation_name == "Fundacja Łukasza Nowaka"
    assert record.organisation_phone == "+442079460001" and record.phone == "+442079460000"
    assert record.skill_areas == ("communicating", "transacting")  # framework order, not typing order
    assert record.offers == (ServiceOffer.SKILLS_TRAINING, ServiceOffer.DEVICE_LENDING)
    assert record.delivery is Delivery.GROUP and record.languages == ("pl", "ar", "gu", "en")
    assert record.referral_method is ReferralMethod.PHONE and record.referral_phone == "+447400123456"
    assert record.residency_area == "E1 E2" and (record.min_age, record.max_age) == (16, 99)
    place = record.locations[0]
    assert (place.postcode, place.address, place.latitude) == ("E1 6RF", "12 Brick Lane\nLondon", 51.52)
    assert place.accessibility == (Accessibility.WHEELCHAIR, Accessibility.HEARING_LOOP)
    assert [s.byday for s in record.schedules] == ["TU,TH", ""]
    assert record.takes_referrals and not record.imported and record.version == 1

    arabic = directory.add_organisation(coordinator, OrganisationInput("مركز محمد الرقمي"))
    directory.add_service(coordinator, arabic.id, ServiceInput("دروس الحاسوب", referral_method="slip"))
    gujarati = directory.add_organisation(coordinator, OrganisationInput("પ્રિયા ડિજિટલ સહાય"))
    directory.add_service(coordinator, gujarati.id, ServiceInput("પ્રિયા સાથે ફોન", referral_method="slip"))
    assert [s.name for s in directory.list_services(coordinator, "ŁUKASZA")] == [record.name]
    assert [s.organisation_name for s in directory.list_services(coordinator, "محمد")] == ["مركز محمد الرقمي"]
    assert [o.name for o in directory.list_organisations(coordinator, "પ્રિયા")] == ["પ્રિયા ડિજિટલ સહાય"]
    assert len(directory.list_services(coordinator)) == 3
    actions = [e.action for e in services.audit.browse(services_admin(services), AuditFilter(action="partner.")).entries]
    assert actions.count("partner.organisation_added") == 3 and actions.count("partner.service_added") == 3


def services_admin(services):
    from assisted_desk.core.security import Actor

    return Actor.command_line()


BAD = [
    (dict(name=" "), "name", "required"),
    (dict(name="x" * 201), "name", "at most 200"),
    (dict(email="not an email"), "email", "not an email"),
    (dict(phone="12345"), "phone", "not a phone number"),
    (dict(url="ftp://files.example.org"), "url", "https://"),
    (dict(status="open"), "status", "active"),
    (dict(min_age=130), "min_age", "0 to 120"),
    (dict(min_age=40, max_age=30), "min_age", "above the maximum"),
    (dict(max_age=12.5), "max_age", "whole number"),
    (dict(referral_method="api", referral_api_url=""), "referral_api_url", "referral API"),
    (dict(referral_method="email", referral_email=""), "referral_email", "email address"),
    (dict(referral_method="phone", referral_phone=""), "referral_phone", "phone number to ring"),
    (dict(referral_method="pigeon"), "referral_method", "not one of"),
    (dict(skill_areas=["coding"]), "skill_areas", "not in the skills framework"),
    (dict(offers=["free_pizza"]), "offers", "not one of"),
    (dict(delivery="telepathy"), "delivery", "not one of"),
    (dict(accessibility=["lift"]), "accessibility", "not one of"),
    (dict(languages=["english"]), "languages", "ISO 639-1"),
    (dict(residency_area="Tower Hamlets"), "residency_area", "postcode district"),
    (dict(locations=[LocationInput(postcode="XYZ")]), "locations[0].postcode", "not a UK postcode"),
    (dict(locations=[LocationInput(name="A", latitude=51.5)]), "locations[0].latitude", "both"),
    (dict(locations=[LocationInput(name="A", latitude=95.0, longitude=0.0)]), "locations[0].latitude", "-90 to 90"),
    (dict(locations=[LocationInput()]), "locations[0].name", "needs a name"),
    (dict(schedules=[ScheduleInput("MONDAY")]), "schedules[0].byday", "not a day"),
    (dict(schedules=[ScheduleInput("MO", "14:00", "09:00")]), "schedules[0].closes_at", "before it opens"),
    (dict(schedules=[ScheduleInput("MO", "25:00")]), "schedules[0].opens_at", "HH:MM"),
    (dict(schedules=[ScheduleInput()]), "schedules[0].byday", "needs the days"),
    (dict(description="bad\x07bell"), "description", "control characters"),
]


def test_bad_input_is_refused_naming_the_field(services, directory, coordinator, org):
    base = ServiceInput("Drop-in", referral_method="email", referral_email="drop@example.org")
    for change, field, words in BAD:
        with pytest.raises(ValidationError) as refused:
            directory.add_service(coordinator, org.id, replace(base, **change))
        assert refused.value.field == field, change
        assert words in refused.value.message, (change, refused.value.message)
    with pytest.raises(ValidationError) as refused:
        directory.add_organisation(coordinator, OrganisationInput("  "))
    assert refused.value.field == "name"
    with pytest.raises(ValidationError):
        directory.add_organisation(coordinator, OrganisationInput("Ok", url="javascript:alert(1)"))
    assert directory.list_services(coordinator, include_gone=True) == ()


def test_edit_replaces_places_and_refuses_a_stale_version(services, directory, coordinator, org):
    record = directory.add_service(coordinator, org.id, full_service())
    new_place = LocationInput(name="Idea Store", postcode="E1 1BU", accessibility=["quiet_space"])
    edited = directory.edit_service(coordinator, record.id, replace(full_service("Nowa nazwa"), locations=[new_place],
                                                                   schedules=[]), record.version)
    assert edited.name == "Nowa nazwa" and edited.version == record.version + 1
    assert [p.name for p in edited.locations] == ["Idea Store"] and edited.schedules == ()
    with services.db.unit_of_work() as session:
        assert session.scalars(select(PartnerLocation.name)).all() == ["Idea Store"]
    with pytest.raises(ConflictError):
        directory.edit_service(coordinator, record.id, full_service("Stale"), record.version)
    assert directory.get_service(coordinator, record.id).name == "Nowa nazwa"
    changed = directory.edit_organisation(coordinator, org.id, OrganisationInput("Fundacja Żółć"), org.version)
    assert changed.name == "Fundacja Żółć"
    with pytest.raises(ConflictError):
        directory.edit_organisation(coordinator, org.id, OrganisationInput("Again"), org.version)
    entries = services.audit.browse(services_admin(services), AuditFilter(action="partner.service_changed")).entries
    assert "name" in entries[0].summary and "places and times" in entries[0].summary


def test_our_notes_and_capacity_decide_whether_it_takes_referrals(services, directory, coordinator, org):
    record = directory.add_service(coordinator, org.id, full_service())
    full = directory.set_service_capacity(coordinator, record.id, False, "Full until January", record.version)
    assert not full.takes_referrals and full.local_capacity_note == "Full until January"
    assert full.accepting_referrals  # the directory's own word is kept
    follows = directory.set_service_capacity(coordinator, record.id, None, "", full.version)
    assert follows.takes_referrals
    noted = directory.set_service_notes(coordinator, record.id, "Ask for Ewa;\nshe speaks Polish")
    assert noted.local_notes == "Ask for Ewa;\nshe speaks Polish"
    assert directory.set_organisation_notes(coordinator, org.id, "Good partner").local_notes == "Good partner"
    closed = directory.edit_service(coordinator, record.id, replace(full_service(), status="temporarily closed"),
                                    noted.version)
    assert not closed.takes_referrals
    overridden = directory.set_service_capacity(coordinator, record.id, True, "", closed.version)
    assert not overridden.takes_referrals  # our "yes" does not reopen a closed service
    with pytest.raises(ValidationError):
        directory.set_service_capacity(coordinator, record.id, "yes", "")


def test_gone_and_back(services, directory, coordinator, org):
    record = directory.add_service(coordinator, org.id, full_service())
    gone = directory.set_service_gone(coordinator, record.id, True, record.version)
    assert gone.gone and not gone.takes_referrals
    assert directory.list_services(coordinator) == ()
    assert [s.id for s in directory.list_services(coordinator, include_gone=True)] == [record.id]
    back = directory.set_service_gone(coordinator, record.id, False, gone.version)
    assert back.takes_referrals
    org_gone = directory.set_organisation_gone(coordinator, org.id, True, org.version)
    assert directory.get_service(coordinator, record.id).gone
    assert directory.list_organisations(coordinator) == ()
    with pytest.raises(ValidationError, match="Bring it back"):
        directory.add_service(coordinator, org.id, full_service())
    directory.set_organisation_gone(coordinator, org.id, False, org_gone.version)
    assert directory.get_service(coordinator, record.id).takes_referrals


@pytest.mark.parametrize("role", [Role.DESK, Role.ADVOCATE])
def test_desk_staff_and_advocates_may_neither_read_nor_change(services, admin, directory, coordinator, org, role):
    record = directory.add_service(coordinator, org.id, full_service())
    someone = make_actor(services, admin, "someone", role)
    for call in (lambda: directory.list_services(someone), lambda: directory.list_organisations(someone),
                 lambda: directory.get_service(someone, record.id),
                 lambda: directory.add_organisation(someone, OrganisationInput("X")),
                 lambda: directory.add_service(someone, org.id, full_service()),
                 lambda: directory.edit_service(someone, record.id, full_service(), record.version),
                 lambda: directory.set_service_notes(someone, record.id, "x"),
                 lambda: directory.set_service_capacity(someone, record.id, False),
                 lambda: directory.set_service_gone(someone, record.id, True, record.version)):
        with pytest.raises(PermissionDenied):
            call()
    assert directory.get_service(coordinator, record.id).version == record.version


def test_match_candidates_come_in_a_fixed_number_of_queries(services, directory, coordinator, org):
    ids = [directory.add_service(coordinator, org.id, full_service(f"Usługa {n}")).id for n in range(12)]
    gone = directory.get_service(coordinator, ids[0])
    directory.set_service_gone(coordinator, ids[0], True, gone.version)
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(services.db.engine, "before_cursor_execute", listener)
    try:
        with services.db.unit_of_work() as session:
            candidates = load_match_candidates(session)
    finally:
        event.remove(services.db.engine, "before_cursor_execute", listener)
    assert sorted(c.id for c in candidates) == sorted(ids[1:])
    assert all(len(c.locations) == 1 and len(c.schedules) == 2 for c in candidates)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) <= 3
