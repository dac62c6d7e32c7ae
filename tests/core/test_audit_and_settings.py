from __future__ import annotations

from datetime import timedelta

import pytest

from assisted_desk.core.audit import AuditFilter
from assisted_desk.core.errors import PermissionDenied, ValidationError
from assisted_desk.core.security import PERMISSIONS, Actor, Permission, Role, require

from ..conftest import make_actor


def test_permission_table_gives_each_role_its_areas():
    assert Permission.USE_INCLUSION in PERMISSIONS[Role.COORDINATOR]
    assert Permission.USE_INCLUSION not in PERMISSIONS[Role.DESK]
    assert Permission.WORK_CASES in PERMISSIONS[Role.ADVOCATE]
    assert Permission.WORK_CASES not in PERMISSIONS[Role.DESK]
    # Administrators run the system, not casework: they may not read cases (safeguarding records).
    assert PERMISSIONS[Role.ADMIN] == frozenset(Permission) - {Permission.WORK_CASES, Permission.MANAGE_ALL_CASES}
    for role in Role:
        assert Permission.USE_DESK in PERMISSIONS[role]


def test_require_names_the_person_and_role():
    actor = Actor(1, "desk", "Łukasz Żółć", Role.DESK, 1)
    with pytest.raises(PermissionDenied, match="Łukasz Żółć \\(Desk staff\\) may not view audit"):
        require(actor, Permission.VIEW_AUDIT)


def test_audit_log_filters(services, admin, clock):
    make_actor(services, admin, "desk", Role.DESK)
    clock.advance(hours=2)
    services.staff.add_site(admin, "Northgate Hub", "hub")
    everything = services.audit.browse(admin, AuditFilter())
    assert everything.total == 4  # site + first admin + desk account + second site
    assert [e.action for e in everything.entries][0] == "site.created"  # newest first
    assert services.audit.browse(admin, AuditFilter(record_type="staff")).total == 2
    recent = services.audit.browse(admin, AuditFilter(since=clock.now() - timedelta(hours=1)))
    assert recent.total == 1
    assert services.audit.browse(admin, AuditFilter(actor="ADM")).total == 4
    assert services.audit.browse(admin, AuditFilter(actor="%")).total == 0  # no wildcard injection
    assert services.audit.browse(admin, AuditFilter(), limit=2, offset=2).entries[0].action == "staff.created"
    assert "staff.created" in services.audit.actions(admin)


def test_only_administrators_browse_the_audit_log(services, admin):
    desk = make_actor(services, admin, "desk", Role.DESK)
    with pytest.raises(PermissionDenied):
        services.audit.browse(desk, AuditFilter())


def test_idle_lock_defaults_to_five_minutes_and_is_bounded(services, admin):
    assert services.settings.idle_lock_minutes() == 5
    services.settings.set_idle_lock_minutes(admin, 12)
    assert services.settings.idle_lock_minutes() == 12
    for bad in (0, 61, -3):
        with pytest.raises(ValidationError, match="between 1 and 60"):
            services.settings.set_idle_lock_minutes(admin, bad)
    entry = services.audit.browse(admin, AuditFilter(action="setting.changed")).entries[0]
    assert entry.summary == "5 -> 12 minutes"
