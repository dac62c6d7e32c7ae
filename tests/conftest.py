"""Fixtures shared by every test: real SQLite files, a real throwaway PostgreSQL, no real keyring."""

from __future__ import annotations

import itertools
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt

import keyring
import keyring.backend
import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from assisted_desk.core.clock import FixedClock
from assisted_desk.core.config import Paths, parse_database_url
from assisted_desk.core.db import Database
from assisted_desk.core.migrate import upgrade
from assisted_desk.core.security import Actor, PasswordHashing, Role
from assisted_desk.services import Services, open_services

from .pg import ThrowawayPostgres, find_bin_dir

REQUIRE_POSTGRES = os.environ.get("ASSISTED_DESK_REQUIRE_POSTGRES") == "1"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring that forgets everything at the end of a test."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.secrets.pop((service, username), None)


@pytest.fixture(autouse=True)
def memory_keyring(monkeypatch):
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """Tests never touch the developer's own desk: no inherited home or database."""
    monkeypatch.delenv("ASSISTED_DESK_HOME", raising=False)
    monkeypatch.delenv("ASSISTED_DESK_DATABASE_URL", raising=False)


@pytest.fixture(scope="session")
def postgres():
    bin_dir = find_bin_dir()
    if bin_dir is None:
        if REQUIRE_POSTGRES:
            pytest.fail("PostgreSQL server binaries (initdb, pg_ctl) are not installed, and CI requires them.")
        pytest.skip("PostgreSQL server binaries are not installed")
    server = ThrowawayPostgres(bin_dir)
    server.start()
    yield server
    server.stop()


_names = itertools.count(1)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path) -> str:
    """A new, empty database on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'desk.sqlite'}"
    server = request.getfixturevalue("postgres")
    name = f"test_{os.getpid()}_{next(_names)}"
    server.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    return server.url(name)


@pytest.fixture(scope="session")
def _migrated_templates(tmp_path_factory):
    """Migrating once per session and copying is much faster than migrating per test."""
    return {}


def migrated_database_url(kind: str, request, folder: Path, tmp_path_factory, templates) -> str:
    """A new database on `kind` ("sqlite" in `folder`, or "postgresql"), already at the newest
    schema: a copy of the session's migrated template. Also for module-scoped fixtures."""
    if kind == "sqlite":
        template = templates.get("sqlite")
        if template is None:
            template = tmp_path_factory.mktemp("template") / "template.sqlite"
            db = Database(parse_database_url(f"sqlite:///{template}"))
            upgrade(db)
            db.dispose()
            templates["sqlite"] = template
        target = folder / "desk.sqlite"
        shutil.copyfile(template, target)
        return f"sqlite:///{target}"
    server = request.getfixturevalue("postgres")
    if "postgresql" not in templates:
        server.execute('CREATE DATABASE "migrated_template" TEMPLATE template0')
        db = Database(parse_database_url(server.url("migrated_template")))
        upgrade(db)
        db.dispose()
        templates["postgresql"] = True
    name = f"test_{os.getpid()}_{next(_names)}"
    server.execute(f'CREATE DATABASE "{name}" TEMPLATE migrated_template')
    return server.url(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path, tmp_path_factory, _migrated_templates) -> str:
    """A new database on each backend, already at the newest schema."""
    return migrated_database_url(request.param, request, tmp_path, tmp_path_factory, _migrated_templates)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc))


@pytest.fixture
def hashing() -> PasswordHashing:
    # Real Argon2id, at the cheapest cost so hundreds of sign-ins stay fast in tests.
    return PasswordHashing(PasswordHasher.from_parameters(CHEAPEST))


@pytest.fixture
def paths(tmp_path) -> Paths:
    home = tmp_path / "home"
    return Paths.for_home(home)


@pytest.fixture
def services(paths, database_url, clock, hashing) -> Services:
    built = open_services(paths, parse_database_url(database_url), clock=clock, hashing=hashing)
    yield built
    built.close()


PASSWORD = "correct horse battery"


@pytest.fixture
def admin(services) -> Actor:
    record = services.staff.set_up_desk("Central Library", "library", "admin", "Amara Okafor", PASSWORD)
    return Actor(record.id, record.username, record.display_name, Role.ADMIN, record.site_id, record.site_name)


def make_actor(services: Services, admin: Actor, username: str, role: Role) -> Actor:
    record = services.staff.add_staff(admin, username, username.title(), role, admin.site_id, PASSWORD,
                                      must_change_password=False)
    return Actor(record.id, record.username, record.display_name, role, record.site_id, record.site_name)


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


# The slowest tests are collected last (the widgets, the demo, the command line), so with one
# worker per CPU the run ended on one worker for minutes. Scheduling them first, and the many
# quick service tests after, lets the quick ones fill in while the last long one finishes.
LONGEST_FIRST = ("tests/desk/test_outbox_delivery.py", "tests/test_demo.py", "tests/cli/", "tests/ui/",
                 "tests/printing/")


def pytest_collection_modifyitems(config, items) -> None:
    def rank(item) -> int:
        return next((n for n, prefix in enumerate(LONGEST_FIRST) if item.nodeid.startswith(prefix)),
                    len(LONGEST_FIRST))

    items.sort(key=rank)  # stable: within a rank, the collection's own order
