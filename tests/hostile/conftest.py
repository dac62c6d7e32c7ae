"""One service set per module and database: hostile strings go through in batches, not one
database per string (the whole suite must stay fast)."""

from __future__ import annotations

import itertools
import os
import shutil
from datetime import datetime, timezone

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from assisted_desk.core.clock import FixedClock
from assisted_desk.core.config import Paths, parse_database_url
from assisted_desk.core.db import Database
from assisted_desk.core.migrate import upgrade
from assisted_desk.core.security import Actor, PasswordHashing, Role
from assisted_desk.services import open_services

from ..conftest import PASSWORD

_names = itertools.count(1)


def _database(kind: str, request, tmp_path_factory, templates) -> str:
    """A migrated database copied from the session's template (see tests/conftest.py)."""
    if kind == "sqlite":
        template = templates.get("sqlite")
        if template is None:
            template = tmp_path_factory.mktemp("template") / "template.sqlite"
            db = Database(parse_database_url(f"sqlite:///{template}"))
            upgrade(db)
            db.dispose()
            templates["sqlite"] = template
        target = tmp_path_factory.mktemp("hostile") / "desk.sqlite"
        shutil.copyfile(template, target)
        return f"sqlite:///{target}"
    server = request.getfixturevalue("postgres")
    if "postgresql" not in templates:
        server.execute('CREATE DATABASE "migrated_template" TEMPLATE template0')
        db = Database(parse_database_url(server.url("migrated_template")))
        upgrade(db)
        db.dispose()
        templates["postgresql"] = True
    name = f"hostile_{os.getpid()}_{next(_names)}"
    server.execute(f'CREATE DATABASE "{name}" TEMPLATE migrated_template')
    return server.url(name)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def desk_services(request, tmp_path_factory, _migrated_templates):
    """(services, admin) on a fresh migrated database, shared by the tests of one module."""
    url = _database(request.param, request, tmp_path_factory, _migrated_templates)
    paths = Paths.for_home(tmp_path_factory.mktemp("home"))
    clock = FixedClock(datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc))
    hashing = PasswordHashing(PasswordHasher.from_parameters(CHEAPEST))
    built = open_services(paths, parse_database_url(url), clock=clock, hashing=hashing)
    record = built.staff.set_up_desk("Central Library", "library", "admin", "Amara Okafor", PASSWORD)
    admin = Actor(record.id, record.username, record.display_name, Role.ADMIN, record.site_id, record.site_name)
    yield built, admin
    built.close()
