from __future__ import annotations

import pytest

from assisted_desk.core.audit import AuditFilter
from assisted_desk.core.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from assisted_desk.core.security import Role

from ..conftest import PASSWORD, make_actor

NAMES = ["Łukasz Żółć", "Ștefan Popescu", "محمد الحسن", "પ્રિયા પટેલ", "Siobhán O'Connor"]


def test_first_setup_creates_site_and_administrator_once(services, admin):
    assert not services.staff.needs_setup()
    with pytest.raises(ValidationError, match="already set up"):
        services.staff.set_up_desk("Other", "hub", "other", "Other Person", PASSWORD)


def test_setup_refuses_bad_input_and_keeps_database_empty(services):
    with pytest.raises(ValidationError, match="library or a hub"):
        services.staff.set_up_desk("Central", "castle", "admin", "A", PASSWORD)
    with pytest.raises(ValidationError, match="at least 10"):
        services.staff.set_up_desk("Central", "hub", "admin", "A", "short")
    with pytest.raises(ValidationError, match="Site name is required"):
        services.staff.set_up_desk("   ", "hub", "admin", "A", PASSWORD)
    assert services.staff.needs_setup()


@pytest.mark.parametrize("name", NAMES)
def test_names_in_any_script_are_kept_exactly(services, admin, name):
    record = services.staff.add_staff(admin, "person", name, "desk", admin.site_id, PASSWORD)
    assert services.staff.find_by_username(admin, "PERSON").display_name == name
    assert record.must_change_password


@pytest.mark.parametrize(
    "username, name, match",
    [
        ("ab", "A Name", "3 to 64"),
        ("has space", "A Name", "no spaces"),
        ("", "A Name", "User name is required"),
        ("okname", "", "Full name is required"),
        ("okname", "x" * 121, "121 characters"),
        ("okname", "bell\x07name", "control characters"),
    ],
)
def test_bad_staff_input_is_named(services, admin, username, name, match):
    with pytest.raises(ValidationError, match=match):
        services.staff.add_staff(admin, username, name, "desk", admin.site_id, PASSWORD)


def test_user_names_are_unique_whatever_the_case(services, admin):
    services.staff.add_staff(admin, "Desk1", "One", "desk", admin.site_id, PASSWORD)
    with pytest.raises(ValidationError, match="already taken"):
        services.staff.add_staff(admin, "DESK1", "Two", "desk", admin.site_id, PASSWORD)


@pytest.mark.parametrize("role", [Role.DESK, Role.ADVOCATE, Role.COORDINATOR])
def test_only_administrators_manage_staff_and_sites(services, admin, role):
    actor = make_actor(services, admin, f"user-{role.value}", role)
    with pytest.raises(PermissionDenied, match="may not manage staff"):
        services.staff.add_staff(actor, "sneaky", "Sneaky", "admin", admin.site_id, PASSWORD)
    with pytest.raises(PermissionDenied):
        services.staff.list_staff(actor)
    with pytest.raises(PermissionDenied):
        services.staff.reset_password(actor, admin.staff_id, "taken over password")
    with pytest.raises(PermissionDenied):
        services.staff.set_active(actor, admin.staff_id, False)
    with pytest.raises(PermissionDenied):
        services.staff.add_site(actor, "Pirate Hub", "hub")
    with pytest.raises(PermissionDenied):
        services.settings.set_idle_lock_minutes(actor, 30)


def test_edit_staff_is_audited_with_what_changed(services, admin):
    desk = make_actor(services, admin, "desk", Role.DESK)
    hub = services.staff.add_site(admin, "Northgate Hub", "hub")
    before = services.staff.find_by_username(admin, "desk")
    after = services.staff.update_staff(admin, desk.staff_id, before.version, "Ștefan Popescu", "advocate", hub.id)
    assert (after.display_name, after.role, after.site_name) == ("Ștefan Popescu", Role.ADVOCATE, "Northgate Hub")
    entry = services.audit.browse(admin, AuditFilter(action="staff.updated")).entries[0]
    assert entry.summary == "changed: full name, role, site" and entry.record_id == str(desk.staff_id)


def test_a_stale_edit_is_refused_not_overwritten(services, admin):
    desk = make_actor(services, admin, "desk", Role.DESK)
    seen = services.staff.find_by_username(admin, "desk")
    services.staff.update_staff(admin, desk.staff_id, seen.version, "First Edit", "desk", admin.site_id)
    with pytest.raises(ConflictError, match="changed by admin"):
        services.staff.update_staff(admin, desk.staff_id, seen.version, "Second Edit", "desk", admin.site_id)
    assert services.staff.find_by_username(admin, "desk").display_name == "First Edit"


def test_the_last_administrator_cannot_be_disabled_or_demoted(services, admin):
    other = make_actor(services, admin, "second", Role.ADMIN)
    with pytest.raises(ValidationError, match="your own account"):
        services.staff.set_active(admin, admin.staff_id, False)
    services.staff.set_active(admin, other.staff_id, False)
    me = services.staff.find_by_username(admin, "admin")
    with pytest.raises(ValidationError, match="only active administrator"):
        services.staff.update_staff(admin, admin.staff_id, me.version, me.display_name, "desk", me.site_id)
    with pytest.raises(ValidationError, match="only active administrator"):
        services.staff.set_active(other, admin.staff_id, False)


def test_sites_are_managed_and_closing_one_with_staff_is_refused(services, admin):
    hub = services.staff.add_site(admin, "Eastfield Hub", "hub")
    with pytest.raises(ValidationError, match="already a site"):
        services.staff.add_site(admin, "eastfield hub", "library")
    make_actor(services, admin, "desk", Role.DESK)
    central = next(s for s in services.staff.list_sites() if s.name == "Central Library")
    with pytest.raises(ValidationError, match="active staff"):
        services.staff.update_site(admin, central.id, central.version, central.name, "library", False)
    closed = services.staff.update_site(admin, hub.id, hub.version, "Eastfield Community Hub", "hub", False)
    assert not closed.active and closed.name == "Eastfield Community Hub"
    with pytest.raises(ValidationError, match="open site"):
        services.staff.add_staff(admin, "newbie", "New", "desk", hub.id, PASSWORD)
    with pytest.raises(ConflictError):
        services.staff.update_site(admin, hub.id, hub.version, "Again", "hub", True)


def test_each_site_has_a_target_wait_for_walk_ins(services, admin):
    central = next(s for s in services.staff.list_sites() if s.name == "Central Library")
    assert central.target_wait_minutes == 5  # the contract's target, by default
    hub = services.staff.add_site(admin, "Eastfield Hub", "hub", 10)
    assert hub.target_wait_minutes == 10
    for wrong in (0, 121, -5):
        with pytest.raises(ValidationError, match="from 1 to 120") as refused:
            services.staff.update_site(admin, hub.id, hub.version, hub.name, "hub", True, wrong)
        assert refused.value.field == "target_wait_minutes"
    renamed = services.staff.update_site(admin, hub.id, hub.version, "Eastfield Community Hub", "hub", True)
    assert renamed.target_wait_minutes == 10  # not given: kept
    faster = services.staff.update_site(admin, hub.id, renamed.version, renamed.name, "hub", True, 3)
    assert faster.target_wait_minutes == 3
    latest = services.audit.browse(admin, AuditFilter(record_type="site", record_id=str(hub.id))).entries[0]
    assert "target wait" in latest.summary


def test_missing_records_are_reported(services, admin):
    with pytest.raises(NotFound):
        services.staff.set_active(admin, 99999, False)
    with pytest.raises(NotFound, match="no staff member"):
        services.staff.find_by_username(admin, "ghost")
