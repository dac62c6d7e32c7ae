"""One service set per module and database: hostile strings go through in batches, not one
database per string (the whole suite must stay fast)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from assisted_desk.core.clock import FixedClock
from assisted_desk.core.config import Paths, parse_database_url
from assisted_desk.core.security import Actor, PasswordHashing, Role
from assisted_desk.services import open_services

from ..conftest import PASSWORD, migrated_database_url



@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def desk_services(request, tmp_path_factory, _migrated_templates):
    """(services, admin) on a fresh migrated database, shared by the tests of one module."""
    url = migrated_database_url(request.param, request, tmp_path_factory.mktemp("hostile"), tmp_path_factory,
                                _migrated_templates)
    paths = Paths.for_home(tmp_path_factory.mktemp("home"))
    clock = FixedClock(datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc))
    hashing = PasswordHashing(PasswordHasher.from_parameters(CHEAPEST))
    built = open_services(paths, parse_database_url(url), clock=clock, hashing=hashing)
    record = built.staff.set_up_desk("Central Library", "library", "admin", "Amara Okafor", PASSWORD)
    admin = Actor(record.id, record.username, record.display_name, Role.ADMIN, record.site_id, record.site_name)
    yield built, admin
    built.close()
