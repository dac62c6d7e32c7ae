"""Killing the desk at random moments while it writes: the SQLite file passes its integrity
check and keeps everything that was shown as saved, once each; and a backup taken while a desk
writes is a consistent copy.

The desk runs in a child process (tests/core/crash_writer.py) that is killed with SIGKILL: no
clean-up, no rollback, no checkpoint, as when the power button or the task manager ends it.
"""

from __future__ import annotations

import os
import queue
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import text

from assisted_desk.core.backup import backup_sqlite
from assisted_desk.core.config import Paths, parse_database_url
from assisted_desk.services import open_services

from ..conftest import PASSWORD

WRITER = Path(__file__).with_name("crash_writer.py")
KILLS = 20

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the writer forks a desk per kill (POSIX only)")


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> tuple[Path, int, int]:
    """A migrated database with a site and its administrator, made once and copied per test."""
    from argon2 import PasswordHasher
    from argon2.profiles import CHEAPEST

    from assisted_desk.core.security import PasswordHashing

    folder = tmp_path_factory.mktemp("crash-template")
    path = folder / "desk.sqlite"
    services = open_services(Paths.for_home(folder / "home"), parse_database_url(f"sqlite:///{path}"),
                             hashing=PasswordHashing(PasswordHasher.from_parameters(CHEAPEST)))
    admin = services.staff.set_up_desk("Central Library", "library", "admin", "Amara Okafor", PASSWORD)
    services.close()
    return path, admin.id, admin.site_id


class Writer:
    """The writer process, and the lines it prints, read on a thread so waits can time out."""

    def __init__(self, home: Path, database: Path, staff_id: int, site_id: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(WRITER), str(home), f"sqlite:///{database}", str(staff_id), str(site_id)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8", bufsize=1)
        self.lines: queue.Queue[str] = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put("")

    def next_line(self, timeout: float) -> str | None:
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            return None
        assert line, "the writer process ended unexpectedly"
        return line

    def start(self, seed: int, database: Path) -> int:
        self.process.stdin.write(f"write {seed} sqlite:///{database}\n")
        self.process.stdin.flush()
        line = self.next_line(timeout=60)  # the first start imports the application
        assert line and line.startswith("started "), line
        return int(line.split()[1])

    def until_ready(self) -> list[str]:
        line = self.next_line(timeout=30)
        assert line == "ready", line
        return []

    def contacts_saved(self, count: int) -> list[str]:
        """Lines printed until `count` more contacts were shown as saved."""
        seen = []
        while sum(line.startswith("contact ") for line in seen) < count:
            line = self.next_line(timeout=30)
            assert line is not None and not line.startswith("ended "), line
            seen.append(line)
        return seen

    def saved_until(self, deadline: float) -> list[str]:
        """Lines printed until the deadline (or until the child stopped on its own)."""
        seen = []
        while (left := deadline - time.monotonic()) > 0:
            line = self.next_line(timeout=left)
            if line is None:
                break
            assert not line.startswith("ended "), f"the desk stopped before it was killed: {line}"
            seen.append(line)
        return seen

    def kill(self, pid: int) -> list[str]:
        """SIGKILL the child; the lines it printed before it died."""
        os.kill(pid, signal.SIGKILL)
        seen = []
        while True:
            line = self.next_line(timeout=30)
            assert line is not None, "the writer did not report the child's end"
            if line.startswith("ended "):
                assert line.split()[1] == str(pid)
                return seen
            seen.append(line)

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)
        self.reader.join(timeout=30)
        self.process.stdout.close()


@pytest.fixture(scope="module")
def writer(template, tmp_path_factory):
    """One writer process for the module: it imports the application once and forks each desk."""
    path, staff_id, site_id = template
    started = Writer(tmp_path_factory.mktemp("crash-home"), path, staff_id, site_id)
    yield started
    started.close()


@pytest.fixture
def desk(writer, template, tmp_path):
    database = tmp_path / "desk.sqlite"
    shutil.copyfile(template[0], database)
    return writer, database


def integrity(database: Path) -> list[str]:
    with closing(sqlite3.connect(database)) as connection:
        return [row[0] for row in connection.execute("PRAGMA integrity_check")]


def test_killing_the_desk_while_it_writes_loses_nothing_shown_as_saved(desk):
    writer, database = desk
    chance = random.Random(20261123)
    shown: list[str] = []
    for kill in range(KILLS):
        pid = writer.start(kill, database)
        # Some kills fall while the desk is still opening the database (recovering the last
        # kill's log), most in the middle of writes.
        # Counting lines rather than waiting a set time keeps the kills among the writes however
        # busy the machine; the random wait after that places each inside a write.
        if kill % 4 == 0:
            shown += writer.saved_until(time.monotonic() + chance.uniform(0.0, 0.1))
        else:
            shown += writer.until_ready() + writer.contacts_saved(chance.randint(0, 4))
            shown += writer.saved_until(time.monotonic() + chance.uniform(0.0, 0.05))
        shown += writer.kill(pid)
        assert integrity(database) == ["ok"], f"after kill {kill + 1}"
    shown = [line for line in shown if line != "ready"]
    residents = {int(line.split()[1]): line.split(" ", 2)[2] for line in shown if line.startswith("resident ")}
    contacts = {line.split()[1]: line.split(" ", 3)[2:] for line in shown if line.startswith("contact ")}
    assert len(residents) > KILLS and len(contacts) > KILLS // 2, "the kills should fall among the writes"

    with closing(sqlite3.connect(database)) as connection:
        stored = {row[0]: f"{row[1]}|{row[2]}|{row[3]}" for row in connection.execute(
            "SELECT id, given_name, family_name, postcode FROM resident WHERE family_name LIKE 'Kill-%'")}
        logged = {row[0]: [str(row[1]), row[2]] for row in connection.execute(
            "SELECT reference, resident_id, notes FROM interaction")}
        names = Counter(connection.execute("SELECT family_name FROM resident").fetchall())
        counted = connection.execute("SELECT SUM(contacts) FROM interaction_day").fetchone()[0]
        referenced = connection.execute("SELECT COUNT(*) FROM interaction JOIN record_reference "
                                        "USING (reference)").fetchone()[0]
    assert {key: stored.get(key) for key in residents} == residents  # every one shown as saved, as written
    assert {key: logged.get(key) for key in contacts} == contacts
    assert max(names.values()) == 1  # nothing written twice
    # At most the one write in flight at each kill was saved without being shown.
    assert len(stored) - len(residents) + len(logged) - len(contacts) <= KILLS
    assert counted == len(logged) == referenced  # no contact without its counts and reference


def test_a_backup_taken_while_a_desk_writes_is_consistent(desk, tmp_path):
    writer, database = desk
    pid = writer.start(1000, database)
    shown = writer.until_ready() + writer.contacts_saved(3)
    copies = []
    for n in range(3):
        copies.append(backup_sqlite(database, tmp_path / f"while-writing-{n}.sqlite"))
        shown += writer.contacts_saved(2)
    shown += writer.kill(pid)
    contacts_then = []
    for facts in copies:
        with closing(sqlite3.connect(facts.path)) as copy:
            contacts = copy.execute("SELECT COUNT(*) FROM interaction").fetchone()[0]
            assert copy.execute("SELECT COALESCE(SUM(contacts), 0) FROM interaction_day").fetchone()[0] == contacts
            assert copy.execute("SELECT COUNT(*) FROM interaction JOIN record_reference USING (reference)"
                                ).fetchone()[0] == contacts
            assert copy.execute("SELECT COUNT(*) FROM interaction WHERE resident_id NOT IN "
                                "(SELECT id FROM resident)").fetchone()[0] == 0
            contacts_then.append(contacts)
        assert integrity(facts.path) == ["ok"]
        assert not Path(f"{facts.path}-wal").exists()
    assert contacts_then == sorted(contacts_then) and contacts_then[-1] > contacts_then[0] > 0, contacts_then
    assert any(line.startswith("contact ") for line in shown)
    # The desk's own copy is still fine, and opens with the application.
    services = open_services(Paths.for_home(tmp_path / "home"), parse_database_url(f"sqlite:///{database}"))
    with services.db.unit_of_work() as session:
        assert session.execute(text("SELECT COUNT(*) FROM interaction")).scalar() >= contacts_then[-1]
    services.close()
