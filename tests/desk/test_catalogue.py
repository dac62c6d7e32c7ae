"""The service catalogue: seeded from resources/, added to and retired by administrators."""

from __future__ import annotations

import json

import pytest

from assisted_desk.core.errors import NotFound, PermissionDenied, ValidationError
from assisted_desk.core.security import Role
from assisted_desk.desk.catalogue import ServiceCatalogue, code_for, read_seed

from ..conftest import make_actor
from .contact_fixtures import audit_actions, contact, register

SHIPPED = ["Council Tax", "Benefits", "Parking", "Waste and recycling", "Street issues", "Libraries", "Housing",
           "Adult social care", "Registrations", "Licensing", "Schools", "Digital help", "Other"]


def test_the_shipped_catalogue_is_seeded_in_order_on_first_use(services, admin):
    entries = services.catalogue.entries(admin)
    assert [e.name for e in entries] == SHIPPED
    assert entries[0].code == "council_tax" and entries[-1].code == "other"
    assert all(e.active and e.updated_by == "catalogue seed" for e in entries)
    assert audit_actions(services, "service_entry") == []  # opening a screen adds no audit events


def test_every_shipped_code_is_stable_and_unique():
    pairs = read_seed()
    codes = [code for code, _ in pairs]
    assert len(set(codes)) == len(codes) == 13
    assert ("council_tax", "Council Tax") in pairs and ("waste_recycling", "Waste and recycling") in pairs


def test_seeding_again_adds_only_missing_codes_and_never_restores_a_retired_one(services, admin, tmp_path):
    services.catalogue.entries(admin)
    services.catalogue.set_active(admin, "parking", False)
    services.catalogue.rename(admin, "libraries", "Libraries and archives")
    # A later release ships one more service.
    shipped = json.loads(read_seed.__globals__["resources_dir"]().joinpath("service_catalogue.json").read_text())
    shipped["services"].insert(3, {"code": "blue_badge", "name": "Blue Badge"})
    newer = tmp_path / "catalogue.json"
    newer.write_text(json.dumps(shipped), encoding="utf-8")

    restarted = ServiceCatalogue(services.db, services.clock, seed_file=newer)
    assert restarted.seed() == 1
    assert restarted.seed() == 0  # each start seeds; nothing twice
    every = {e.code: e for e in restarted.entries(admin, include_retired=True)}
    assert not every["parking"].active
    assert every["libraries"].name == "Libraries and archives"
    assert every["blue_badge"].active and every["blue_badge"].position > every["other"].position
    assert "parking" not in [e.code for e in restarted.entries(admin)]


def test_admin_adds_an_entry_with_a_code_made_from_its_name(services, admin):
    added = services.catalogue.add(admin, "Blue Badge & Freedom Pass")
    assert added.code == "blue_badge_freedom_pass" and added.active
    assert services.catalogue.entries(admin)[-1].code == "blue_badge_freedom_pass"
    arabic = services.catalogue.add(admin, "خدمة عربية", code="arabic_service")
    assert services.catalogue.get(admin, "arabic_service").name == "خدمة عربية" == arabic.name
    assert code_for("Żółć Łąka") == "zolc_laka"
    assert code_for("٣٤") == "service"
    assert ("catalogue.added", "blue_badge_freedom_pass", "Blue Badge & Freedom Pass") in audit_actions(services)


@pytest.mark.parametrize("name, code, field, says", [
    ("council tax", None, "name", "already a service called Council Tax"),
    ("Parking permits", "parking", "code", "already used by Parking"),
    ("Something", "Bad Code!", "code", "lower-case letters"),
    ("   ", None, "name", "Service name is required"),
    ("x" * 121, None, "name", "at most 120"),
])
def test_adding_refuses_duplicates_and_bad_codes(services, admin, name, code, field, says):
    with pytest.raises(ValidationError) as refused:
        services.catalogue.add(admin, name, code=code)
    assert refused.value.field == field and says in refused.value.message


def test_a_retired_name_cannot_be_added_again_but_can_be_restored(services, admin):
    retired = services.catalogue.set_active(admin, "schools", False)
    with pytest.raises(ValidationError, match=r"Schools \(retired: restore it instead\)"):
        services.catalogue.add(admin, "Schools")
    restored = services.catalogue.set_active(admin, "schools", True, expected_version=retired.version)
    assert restored.active
    actions = [a[0] for a in audit_actions(services, "service_entry")]
    assert actions[-2:] == ["catalogue.retired", "catalogue.restored"]


def test_retired_services_are_not_offered_for_new_contacts_but_old_ones_keep_their_label(services, admin):
    resident = register(services, admin)
    reference = services.interactions.log_interaction(admin, contact(resident, "parking"))
    services.catalogue.set_active(admin, "parking", False)
    with pytest.raises(ValidationError) as refused:
        services.interactions.log_interaction(admin, contact(resident, "parking"))
    assert refused.value.field == "service" and "Parking has been retired" in refused.value.message
    item = services.timeline.for_resident(admin, resident)[0]
    assert item.reference == reference and "Parking" in item.title
    assert services.catalogue.labels(admin)["parking"] == "Parking"


def test_stale_versions_and_unknown_codes_are_refused(services, admin):
    entry = services.catalogue.get(admin, "housing")
    services.catalogue.rename(admin, "housing", "Housing and homelessness", expected_version=entry.version)
    with pytest.raises(Exception) as stale:
        services.catalogue.set_active(admin, "housing", False, expected_version=entry.version)
    assert "changed by admin" in str(stale.value)
    with pytest.raises(NotFound, match="no service with the code 'nope'"):
        services.catalogue.set_active(admin, "nope", False)
    with pytest.raises(ValidationError, match="already a service called Parking"):
        services.catalogue.rename(admin, "housing", "PARKING")


def test_only_catalogue_managers_change_it_but_every_desk_role_reads_it(services, admin):
    desk = make_actor(services, admin, "desk1", Role.DESK)
    assert len(services.catalogue.entries(desk)) == 13
    for attempt in (lambda: services.catalogue.add(desk, "Blue Badge"),
                    lambda: services.catalogue.set_active(desk, "parking", False),
                    lambda: services.catalogue.rename(desk, "parking", "Cars")):
        with pytest.raises(PermissionDenied, match="may not manage catalogue"):
            attempt()
    assert services.catalogue.get(admin, "parking").active
