"""Importing and refreshing the directory from a real Open Referral UK server on 127.0.0.1:
several pages, bad records skipped one by one, refresh (added, changed, gone, back), local edits
surviving, postcode points learned, and failures that change nothing. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from assisted_desk.core.audit import AuditFilter
from assisted_desk.core.errors import PermissionDenied, ValidationError
from assisted_desk.core.models import AuditEvent
from assisted_desk.core.security import Actor, Role
from assisted_desk.inclusion.directory import OrganisationInput, PartnerDirectory, ServiceInput
from assisted_desk.inclusion.oruk import TAXONOMY
from assisted_desk.inclusion.oruk_import import ImportFailed, import_oruk
from assisted_desk.inclusion.partner_models import PartnerOrganisation, PartnerService, PostcodePoint
from tests.conftest import make_actor
from tests.oruk_server import OrukServer, service


def run(services, actor, url, **options):
    """Every progress step and the summary."""
    steps = []
    runner = import_oruk(services.db, services.clock, actor, url, **options)
    while True:
        try:
            steps.append(next(runner))
        except StopIteration as finished:
            return steps, finished.value


def ours(code: str, value: str = "") -> dict:
    term = {"taxonomy_term": {"id": code, "taxonomy": TAXONOMY, "code": code, "term": code}}
    return {**term, "value": value} if value else term


@pytest.fixture
def directory_server():
    server = OrukServer().start()
    yield server
    server.stop()


def fill(server: OrukServer, count: int = 7) -> None:
    names = ["Komputery — Łukasz", "دروس محمد", "પ્રિયા ફોન ક્લબ", "Digital Buddies", "Silver Surfers",
             "Get Online Week", "Job Club"]
    for n in range(count):
        server.put(service(f"svc-{n}", names[n % len(names)], org_id=f"org-{n % 3}", org_name=f"Charity {n % 3}"))


def count(services, model, *conditions) -> int:
    with services.db.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(model).where(*conditions))


def test_import_several_pages_and_report_each_bad_record(services, coordinator, directory_server):
    fill(directory_server)
    rich = service("svc-rich", "Polski klub komputerowy", org_id="org-0", org_name="Charity 0",
                   minimum_age=18, maximum_age=120.0, phones=[{"id": "p", "number": "020 7946 0000"}],
                   languages=[{"id": "l1", "name": "Polish"}, {"id": "l2", "code": "ar"}, {"id": "l3", "name": "Klingon"}],
                   cost_options=[{"id": "c", "option": "£1 a week", "amount": 1}],
                   attributes=[ours("skill_area:transacting"), ours("offer:device_lending"), ours("delivery:group"),
                               ours("referral_method:api", "https://partner.example.org/referrals"),
                               ours("accepting_referrals:no", "Full until March"), ours("residency_area", "E1 E2"),
                               {"taxonomy_term": {"id": "t-42", "taxonomy": "esd", "term": "Digital skills"}}])
    directory_server.put(rich)
    directory_server.put({**service("svc-noname", ""), "name": None})
    directory_server.put(service("svc-types", "Wrong types", minimum_age="sixteen"))
    directory_server.put({k: v for k, v in service("svc-noorg", "Orphan").items() if k != "organization"})
    directory_server.put(service("svc-postcode", "Bad postcode", service_at_locations=[
        {"id": "x", "location": {"id": "y", "name": "Hall", "addresses": [{"postal_code": "NOT A CODE"}]}}]))
    directory_server.put(service("svc-latin1", "Latin-1"))
    directory_server.detail_bytes("svc-latin1", '{"id": "svc-latin1", "name": "Caf\u00e9"}'.encode("latin-1"))
    directory_server.list_also({"id": None, "name": "No id"})
    directory_server.list_also({"id": "has space/slash", "name": "Bad id"})
    directory_server.list_also({"id": "ghost", "name": "Listed but missing"})

    steps, summary = run(services, coordinator, directory_server.url, per_page=4)

    assert sum(1 for hit in directory_server.hits if hit.startswith("/api/services?")) == 4  # 16 items, 4 a page
    assert summary.added == 8 and summary.changed == summary.unchanged == summary.gone == 0
    problems = {s.id: s.problem for s in summary.skipped}
    assert problems == {
        "svc-noname": "it has no name",
        "svc-types": "its minimum age is not a number",
        "svc-noorg": "it names no organisation that runs it",
        "svc-postcode": problems["svc-postcode"],
        "svc-latin1": "its record is not UTF-8 text",
        "page 4, item 2": "its service id is missing or not text",
        "page 4, item 3": problems["page 4, item 3"],
        "ghost": "the directory lists it, but has no record at /services/ghost",
    }
    assert "not a UK postcode" in problems["svc-postcode"] and "web address" in problems["page 4, item 3"]
    assert steps[-1] == (14, 14, "Saving the directory") and [s[0] for s in steps] == sorted(s[0] for s in steps)
    assert count(services, PartnerOrganisation) == 3 and count(services, PartnerService) == 8

    record = next(s for s in PartnerDirectory(services.db, services.clock).list_services(coordinator)
                  if s.external_id == "svc-rich")
    assert record.skill_areas == ("transacting",) and record.delivery.value == "group"
    assert record.referral_method.value == "api" and record.referral_api_url == "https://partner.example.org/referrals"
    assert not record.accepting_referrals and record.capacity_note == "Full until March" and not record.takes_referrals
    assert record.languages == ("pl", "ar") and (record.min_age, record.max_age) == (18, 120)
    assert not record.is_free and record.cost_note == "£1 a week" and record.phone == "+442079460000"
    assert record.taxonomy_terms == ({"vocabulary": "esd", "id": "t-42", "name": "Digital skills"},)
    assert record.residency_area == "E1 E2"
    audit = services.audit.browse(Actor.command_line(), AuditFilter(action="partner.imported")).entries
    assert len(audit) == 1 and "8 added" in audit[0].summary and "skipped ghost" in audit[0].summary


def test_numbers_that_are_not_finite_skip_only_their_record(services, coordinator, directory_server):
    """Python's JSON reader accepts Infinity and NaN (json.dumps writes them): each is reported on
    its own record and the rest of the directory is imported."""
    directory_server.put(service("svc-good", "Komputery — Łukasz"))
    directory_server.put(service("svc-inf-age", "دروس محمد", minimum_age=float("inf")))
    directory_server.put(service("svc-nan-age", "પ્રિયા ફોન ક્લબ", maximum_age=float("nan")))
    directory_server.put(service("svc-huge-age", "Huge", minimum_age=10 ** 400))
    directory_server.put(service("svc-inf-cost", "Costly", cost_options=[{"id": "c", "amount": float("-inf")}]))
    bad_place = service("svc-nan-place", "Nowhere")
    bad_place["service_at_locations"][0]["location"]["latitude"] = float("nan")
    directory_server.put(bad_place)

    _steps, summary = run(services, coordinator, directory_server.url)

    assert summary.added == 1 and count(services, PartnerService) == 1
    problems = {s.id: s.problem for s in summary.skipped}
    assert set(problems) == {"svc-inf-age", "svc-nan-age", "svc-huge-age", "svc-inf-cost", "svc-nan-place"}
    assert problems["svc-inf-age"] == "its minimum age (inf) is not a number we can use"
    assert problems["svc-nan-age"] == "its maximum age (nan) is not a number we can use"
    assert problems["svc-huge-age"].startswith("its minimum age (") and "not a number we can use" in \
        problems["svc-huge-age"]
    assert "cost" in problems["svc-inf-cost"] and "place 1 latitude" in problems["svc-nan-place"]


def test_the_first_standard_is_read_too(services, coordinator):
    server = OrukServer(shape="v1").start()
    try:
        old = {"id": "v1-svc", "name": "Silver Surfers", "status": "active", "email": "hello@silver.example.org",
               "organization": {"id": "v1-org", "name": "Age Friendly Ltd", "url": "https://silver.example.org"},
               "languages": [{"id": "l", "language": "Polish"}],
               "eligibilitys": [{"id": "e", "minimum_age": 55}],
               "regular_schedules": [{"id": "r", "weekday": "Wednesday", "opens_at": "14:00", "closes_at": "16:00"}],
               "service_at_locations": [{"id": "s", "location": {
                   "id": "loc", "name": "Bow Library", "latitude": 51.53, "longitude": -0.02,
                   "physical_addresses": [{"id": "a", "address_1": "1 Bow Road", "postal_code": "E3 2SE"}],
                   "accessibility_for_disabilities": [{"id": "x", "accessibility": "Hearing loop"}]}}]}
        server.put(old)
        for n in range(3):
            server.put(service(f"v1-{n}", f"Club {n}"))
        steps, summary = run(services, coordinator, server.url + "/services/", per_page=2)
    finally:
        server.stop()
    assert summary.added == 4 and not summary.skipped and "page 2 of 2" in " ".join(s[2] for s in steps)
    record = next(s for s in PartnerDirectory(services.db, services.clock).list_services(coordinator)
                  if s.external_id == "v1-svc")
    assert record.min_age == 55 and record.languages == ("pl",) and record.organisation_url == "https://silver.example.org"
    assert record.schedules[0].byday == "WE" and record.locations[0].postcode == "E3 2SE"
    assert record.locations[0].accessibility[0].value == "hearing_loop"
    assert record.referral_method.value == "email" and record.referral_email == "hello@silver.example.org"


def test_refresh_adds_changes_marks_gone_and_keeps_our_notes(services, coordinator, directory_server, clock):
    fill(directory_server, 5)
    _, first = run(services, coordinator, directory_server.url, per_page=2)
    assert first.added == 5 and first.organisations_added == 3
    directory = PartnerDirectory(services.db, services.clock)
    by_id = {s.external_id: s for s in directory.list_services(coordinator)}
    directory.set_service_notes(coordinator, by_id["svc-1"].id, "Ewa runs it; call before 10")
    directory.set_service_capacity(coordinator, by_id["svc-1"].id, False, "Full this term")
    org_1 = by_id["svc-1"].organisation_id
    directory.set_organisation_notes(coordinator, org_1, "Our best partner")
    with pytest.raises(ValidationError, match="comes from the directory"):
        directory.edit_service(coordinator, by_id["svc-1"].id, ServiceInput("Mine now", referral_method="slip"), None)
    with pytest.raises(ValidationError, match="comes from the directory"):
        directory.set_service_gone(coordinator, by_id["svc-1"].id, True, None)

    clock.advance(days=1)
    directory_server.put(service("svc-1", "Renamed club", org_id="org-1", org_name="Charity 1 (renamed)"))
    directory_server.remove("svc-3")
    directory_server.put(service("svc-new", "Brand new", org_id="org-9", org_name="New charity"))
    _, second = run(services, coordinator, directory_server.url, per_page=2)
    assert (second.added, second.changed, second.unchanged, second.gone) == (1, 1, 3, 1)
    assert count(services, PartnerOrganisation) == 4 and count(services, PartnerService) == 6  # no duplicates

    everything = {s.external_id: s for s in directory.list_services(coordinator, include_gone=True)}
    renamed = everything["svc-1"]
    assert renamed.name == "Renamed club" and renamed.organisation_name == "Charity 1 (renamed)"
    assert renamed.local_notes == "Ewa runs it; call before 10" and renamed.local_accepting is False
    assert renamed.local_capacity_note == "Full this term" and not renamed.takes_referrals
    assert directory.get_organisation(coordinator, org_1).local_notes == "Our best partner"
    assert everything["svc-3"].gone and everything["svc-3"].gone_at == clock.now()
    assert "svc-3" not in {s.external_id for s in directory.list_services(coordinator)}

    directory_server.put(service("svc-3", "Club back", org_id="org-0", org_name="Charity 0"))
    _, third = run(services, coordinator, directory_server.url, per_page=10)
    assert (third.added, third.changed, third.gone) == (0, 1, 0)
    assert not directory.get_service(coordinator, everything["svc-3"].id).gone
    with services.db.unit_of_work() as session:
        point = session.get(PostcodePoint, "E1 1BU")
        assert (point.latitude, point.longitude, point.source) == (51.5186, -0.0621, "directory")


def test_a_directory_failing_midway_changes_nothing(services, coordinator, directory_server):
    fill(directory_server, 6)
    directory_server.fail(500, after=4)  # the list pages answer, then service records start failing
    with pytest.raises(ImportFailed) as failed:
        run(services, coordinator, directory_server.url, per_page=3)
    assert "answered 500" in str(failed.value) and "Nothing was changed" in str(failed.value)
    assert count(services, PartnerService) == 0 and count(services, PartnerOrganisation) == 0
    assert count(services, AuditEvent, AuditEvent.action == "partner.imported") == 0

    directory_server.normal()
    _, summary = run(services, coordinator, directory_server.url, per_page=3)
    assert summary.added == 6
    directory_server.remove("svc-0")
    directory_server.page_bytes(2, b"<html>Service unavailable</html>")
    with pytest.raises(ImportFailed, match="not JSON for /services"):
        run(services, coordinator, directory_server.url, per_page=3)
    directory_server.raw_pages.clear()
    directory_server.page_bytes(1, b'{"items": []}')
    with pytest.raises(ImportFailed, match="not an Open Referral UK list"):
        run(services, coordinator, directory_server.url, per_page=3)
    directory_server.raw_pages.clear()
    directory_server.down()
    with pytest.raises(ImportFailed, match="could not be reached"):
        run(services, coordinator, directory_server.url, per_page=3)
    assert count(services, PartnerService, PartnerService.gone_at.is_(None)) == 6  # svc-0 never marked gone


@pytest.mark.parametrize("role", [Role.DESK, Role.ADVOCATE])
def test_only_directory_managers_import(services, admin, directory_server, role):
    someone = make_actor(services, admin, "someone", role)
    with pytest.raises(PermissionDenied):
        import_oruk(services.db, services.clock, someone, directory_server.url)
    assert directory_server.hits == []


def test_bad_addresses_are_refused_before_anything_is_asked(services, coordinator):
    for url in ("", "ftp://directory.example.org", "directory.example.org/api", "https://x y.org"):
        with pytest.raises(ValidationError, match="not the address of a directory"):
            import_oruk(services.db, services.clock, coordinator, url)
    with pytest.raises(ValidationError, match="per page"):
        import_oruk(services.db, services.clock, coordinator, "https://directory.example.org", per_page=0)


def test_hand_added_partners_are_left_alone_by_an_import(services, coordinator, directory_server):
    directory = PartnerDirectory(services.db, services.clock)
    org = directory.add_organisation(coordinator, OrganisationInput("Fundacja Łukasza"))
    mine = directory.add_service(coordinator, org.id, ServiceInput("Nasz kurs", referral_method="slip"))
    fill(directory_server, 2)
    run(services, coordinator, directory_server.url)
    directory_server.remove("svc-0")
    directory_server.remove("svc-1")
    _, summary = run(services, coordinator, directory_server.url)
    assert summary.gone == 2
    assert not directory.get_service(coordinator, mine.id).gone
