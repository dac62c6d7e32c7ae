"""A locked or read-only SQLite database is a fault a person can act on, not a traceback."""

from __future__ import annotations

import sqlite3

import pytest

from assisted_desk.core.clock import FixedClock
from assisted_desk.core.config import parse_database_url
from assisted_desk.core.db import Database
from assisted_desk.core.errors import EnvironmentFault
from assisted_desk.core.migrate import upgrade
from assisted_desk.core.security import Actor, Role
from assisted_desk.core.staff import StaffService

ADMIN = Actor(None, "cli:test", "Test", Role.ADMIN, None)


@pytest.fixture
def sqlite_file(tmp_path):
    path = tmp_path / "desk.sqlite"
    db = Database(parse_database_url(f"sqlite:///{path}"))
    upgrade(db)
    db.dispose()
    return path


def test_a_locked_database_says_it_is_busy(sqlite_file, clock, hashing):
    holder = sqlite3.connect(sqlite_file)
    holder.execute("BEGIN EXCLUSIVE")
    db = Database(parse_database_url(f"sqlite:///{sqlite_file}"))
    try:
        with pytest.raises(EnvironmentFault, match="busy") as caught:
            StaffService(db, clock, hashing).add_site(ADMIN, "Central Library", "library")
        assert "close other copies" in caught.value.advice
    finally:
        holder.rollback()
        holder.close()
        db.dispose()
    # Once the lock is gone the same call goes through: nothing was half-written.
    db = Database(parse_database_url(f"sqlite:///{sqlite_file}"))
    assert StaffService(db, clock, hashing).add_site(ADMIN, "Central Library", "library").name == "Central Library"
    db.dispose()


def test_a_read_only_database_says_nothing_can_be_saved(sqlite_file, clock: FixedClock, hashing):
    db = Database(parse_database_url(f"sqlite:///file:{sqlite_file}?mode=ro&uri=true"))
    try:
        with pytest.raises(EnvironmentFault, match="read-only") as caught:
            StaffService(db, clock, hashing).add_site(ADMIN, "Central Library", "library")
        assert "write access" in caught.value.advice
        assert StaffService(db, clock, hashing).list_sites() == []  # reading still works
    finally:
        db.dispose()


@pytest.mark.parametrize(
    "driver_says, expected",
    [
        ("database or disk is full", "disk holding the database"),
        ("file is not a database", "damaged"),
        ("unable to open database file", "cannot be opened"),
        ("FATAL: password authentication failed for user", "refused the user name or password"),
        ("connection refused", "cannot be reached"),
    ],
)
def test_driver_messages_become_faults_a_person_can_act_on(driver_says, expected):
    from sqlalchemy.exc import OperationalError

    from assisted_desk.core.db import fault_from

    url = parse_database_url("sqlite:////srv/desk.sqlite")
    fault = fault_from(OperationalError("SELECT 1", {}, Exception(driver_says)), url)
    assert expected in fault.message and "/srv/desk.sqlite" in fault.message
    assert fault.advice
    assert fault.needs_password == ("password" in driver_says)


def test_bugs_are_not_disguised_as_faults():
    from sqlalchemy.exc import IntegrityError, ProgrammingError

    from assisted_desk.core.db import fault_from

    url = parse_database_url("sqlite:////srv/desk.sqlite")
    for bug in (IntegrityError("x", {}, Exception("UNIQUE constraint failed")),
                ProgrammingError("x", {}, Exception("syntax error"))):
        assert fault_from(bug, url) is None
