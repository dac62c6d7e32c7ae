"""Exporting the directory as Open Referral UK JSON: it validates against the shipped published
schema, and reads back through the import with every field intact. SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import asdict

import pytest

from assisted_desk.core.errors import PermissionDenied
from assisted_desk.core.security import Role
from assisted_desk.inclusion.directory import LocationInput, OrganisationInput, PartnerDirectory, ScheduleInput, ServiceInput
from assisted_desk.inclusion.oruk_export import export_directory, export_document, schema_path, schema_problems
from assisted_desk.inclusion.oruk_import import import_oruk
from tests.conftest import make_actor
from tests.oruk_server import OrukServer

PUBLISHED_SHA256 = "147369857ee8178c7ed236f8dc8d1bffcf8a4b89c5b0c5c006d43dcdc9809164"  # see resources/oruk/SOURCES.md

SERVICES = [
    ("Fundacja Łukasza", ServiceInput(
        "Komputery dla seniorów", "Kurs po polsku", url="https://fundacja.example.org", email="kurs@fundacja.example.org",
        phone="020 7946 0000", skill_areas=["transacting", "being_safe"], offers=["skills_training", "free_data"],
        delivery="group", languages=["pl", "en"], accessibility=["large_print"], is_free=False,
        cost_note="£2 a session", min_age=60, residency_area="E1 E2", benefits_required=True,
        eligibility_note="Pensioners", referral_method="api", referral_api_url="https://fundacja.example.org/api",
        accepting_referrals=False, capacity_note="Full until March",
        locations=[LocationInput("Biblioteka", "12 Brick Lane\nSpitalfields\nLondon", "E1 6RF", 51.52, -0.07,
                                 ["wheelchair"])],
        schedules=[ScheduleInput("TU,TH", "10:00", "12:30"), ScheduleInput("", "", "", "Pierwszy wtorek")])),
    ("مركز محمد الرقمي", ServiceInput("دروس الحاسوب", referral_method="email", referral_email="a@markaz.example.org",
                                      languages=["ar"], max_age=25)),
    ("પ્રિયા ડિજિટલ સહાય", ServiceInput("પ્રિયા ફોન ક્લબ", referral_method="phone", referral_phone="07400 123456",
                                         status="temporarily closed", locations=[LocationInput(postcode="E3 2SE")])),
]

DIRECTORY_FIELDS = {"name", "description", "url", "email", "phone", "status", "skill_areas", "offers", "delivery",
                    "languages", "accessibility", "taxonomy_terms", "is_free", "cost_note", "min_age", "max_age",
                    "residency_area", "benefits_required", "eligibility_note", "referral_method", "referral_email",
                    "referral_phone", "referral_api_url", "accepting_referrals", "capacity_note", "locations",
                    "schedules", "organisation_name", "organisation_description", "organisation_email",
                    "organisation_phone", "organisation_url"}


@pytest.fixture
def filled(services, coordinator):
    directory = PartnerDirectory(services.db, services.clock)
    for org_name, data in SERVICES:
        org = directory.add_organisation(coordinator, OrganisationInput(
            org_name, "A community group", "hello@group.example.org", "020 7946 0001", "https://group.example.org"))
        directory.add_service(coordinator, org.id, data)
    return directory


def test_the_shipped_schema_is_the_published_file():
    assert hashlib.sha256(schema_path().read_bytes()).hexdigest() == PUBLISHED_SHA256
    schema = json.loads(schema_path().read_text(encoding="utf-8"))
    assert schema["name"] == "service" and schema["required"] == ["id", "name", "status"]


def test_export_validates_and_round_trips_through_the_import(services, coordinator, filled, tmp_path):
    done = export_directory(services.db, services.clock, coordinator, tmp_path / "directory.json")
    document = json.loads(done.path.read_text(encoding="utf-8"))
    assert done.services == 3 and document["total_items"] == 3 and document["last_page"] is True
    assert schema_problems(document) == []
    assert "Full until March" in done.path.read_text(encoding="utf-8")
    assert "local_notes" not in done.path.read_text(encoding="utf-8")

    server = OrukServer().start()
    try:
        for item in document["contents"]:
            server.put(item)
        runner = import_oruk(services.db, services.clock, coordinator, server.url, per_page=2)
        try:
            while True:
                next(runner)
        except StopIteration as finished:
            summary = finished.value
    finally:
        server.stop()
    assert summary.added == 3 and not summary.skipped

    records = filled.list_services(coordinator)
    originals = {r.name: r for r in records if not r.imported}
    copies = {r.name: r for r in records if r.imported}
    assert originals.keys() == copies.keys() == {data.name for _, data in SERVICES}
    for name, original in originals.items():
        mine, theirs = asdict(original), asdict(copies[name])
        for place in mine["locations"] + theirs["locations"]:
            place.pop("external_id")
        assert {k: theirs[k] for k in DIRECTORY_FIELDS} == {k: mine[k] for k in DIRECTORY_FIELDS}, name


def test_the_schema_check_names_what_is_wrong(services, coordinator, filled):
    document = export_document(services.db, coordinator)
    broken = copy.deepcopy(document)
    broken["contents"][0]["status"] = "open"
    broken["contents"][1]["id"] = "not-a-uuid"
    del broken["contents"][2]["name"]
    problems = schema_problems(broken)
    assert any("status: 'open' is not one of" in p for p in problems)
    assert any("id: 'not-a-uuid' is not a 'uuid'" in p for p in problems)
    assert any("'name' is a required property" in p for p in problems)
    assert schema_problems({"services": []}) == ["the document has no 'contents' list of services"]


@pytest.mark.parametrize("role", [Role.DESK, Role.ADVOCATE])
def test_only_directory_managers_export(services, admin, filled, role, tmp_path):
    someone = make_actor(services, admin, "someone", role)
    with pytest.raises(PermissionDenied):
        export_directory(services.db, services.clock, someone, tmp_path / "x.json")
    assert not (tmp_path / "x.json").exists()
