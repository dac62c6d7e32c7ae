"""Backing up and restoring the SQLite database: online copies checked, bad backups refused with
the reason, the replaced database kept, and nothing half-written left behind."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from contextlib import closing
from pathlib import Path

import pytest
from alembic import command

from assisted_desk.core.backup import backup_sqlite, inspect_backup, restore_sqlite, sqlite_file
from assisted_desk.core.config import parse_database_url
from assisted_desk.core.db import Database
from assisted_desk.core.errors import EnvironmentFault, ValidationError
from assisted_desk.core.migrate import _script, alembic_config, schema_state

HEAD = _script().get_current_head()

# The migrated template the suite copies for each test, on SQLite (PostgreSQL has its own tools).
SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def live(database_url) -> Path:
    """A migrated desk database in WAL mode, with a word in it, as a running desk leaves it."""
    path = Path(parse_database_url(database_url).database)
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE kept (word TEXT)")
        connection.execute("INSERT INTO kept VALUES ('Łukasz Żółć')")
    return path


def words(path: Path) -> list[str]:
    connection = sqlite3.connect(path)
    try:
        return [row[0] for row in connection.execute("SELECT word FROM kept ORDER BY rowid")]
    finally:
        connection.close()


def put(path: Path, word: str) -> None:
    connection = sqlite3.connect(path)
    with connection:
        connection.execute("INSERT INTO kept VALUES (?)", (word,))
    connection.close()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if "partial" in p.name)


@SQLITE
def test_backup_is_one_checked_self_contained_file_that_knows_its_schema(live, tmp_path):
    held_open = sqlite3.connect(live)  # a desk with the database open, mid-shift
    held_open.execute("INSERT INTO kept VALUES ('not yet committed')")
    out = tmp_path / "out" / "desk-backup.sqlite"
    out.parent.mkdir()
    facts = backup_sqlite(live, out)
    held_open.rollback()
    held_open.close()
    assert facts.schema == HEAD and not facts.older and facts.size_bytes == out.stat().st_size
    assert sorted(p.name for p in out.parent.iterdir()) == ["desk-backup.sqlite"]  # no -wal, no partial file
    assert out.stat().st_mode & 0o777 == 0o600  # a copy of everyone's records: this account's alone
    with open(out, "rb") as file:
        header = file.read(20)
    assert header[18:20] == b"\x01\x01"  # rollback journal, not WAL: readable on its own
    assert words(out) == ["Łukasz Żółć"]
    assert inspect_backup(out).schema == HEAD


@SQLITE
def test_restore_keeps_the_replaced_database_and_swaps_atomically(live, paths, clock):
    backup = backup_sqlite(live, live.parent / "backup.sqlite").path
    put(live, "written after the backup")
    Path(f"{live}-wal").write_bytes(b"")  # whatever -wal is there must not survive the swap
    mode = 0o640
    live.chmod(mode)
    done = restore_sqlite(backup, live, paths.backup_dir, clock)
    assert words(live) == ["Łukasz Żółć"]
    assert done.kept_copy.parent == paths.backup_dir and "before-restore" in done.kept_copy.name
    assert words(done.kept_copy) == ["Łukasz Żółć", "written after the backup"]
    assert not done.upgraded and done.schema_now == HEAD
    assert not Path(f"{live}-wal").exists() and not Path(f"{live}-shm").exists()
    assert live.stat().st_mode & 0o777 == mode
    assert done.kept_copy.stat().st_mode & 0o777 == mode  # the copy kept is as private as the database
    assert leftovers(live.parent) == []
    with closing(sqlite3.connect(live)) as connection:
        action, summary = connection.execute("SELECT action, summary FROM audit_event").fetchone()
    assert action == "restore" and str(done.kept_copy) in summary
    again = restore_sqlite(backup, live, paths.backup_dir, clock)  # same second: a second kept copy
    assert again.kept_copy != done.kept_copy and again.kept_copy.exists()


@SQLITE
def test_restore_refuses_while_another_program_has_the_database_open(live, paths, clock):
    backup = backup_sqlite(live, live.parent / "backup.sqlite").path
    put(live, "today's work")
    desk = Database(parse_database_url(f"sqlite:///{live}"))  # a running desk: its pool holds a connection
    schema_state(desk)
    try:
        with pytest.raises(EnvironmentFault, match="in use") as caught:
            restore_sqlite(backup, live, paths.backup_dir, clock)
        assert "Close every Assisted Desk window" in caught.value.advice
    finally:
        desk.dispose()
    assert words(live) == ["Łukasz Żółć", "today's work"]
    assert leftovers(live.parent) == [] and list(paths.backup_dir.glob("*")) == []


def test_an_older_backup_is_restored_and_brought_up_to_date(tmp_path, paths, clock):
    older = _script().get_revision(HEAD).down_revision
    path = tmp_path / "old.sqlite"
    db = Database(parse_database_url(f"sqlite:///{path}"))
    command.upgrade(alembic_config(db), older)
    db.dispose()
    backup = backup_sqlite(path, tmp_path / "old-backup.sqlite")
    assert backup.older and backup.schema == older
    target = tmp_path / "new-machine" / "desk.sqlite"  # nothing there yet: restore creates it
    done = restore_sqlite(backup.path, target, paths.backup_dir, clock)
    assert done.upgraded and (done.schema_was, done.schema_now) == (older, HEAD) and done.kept_copy is None
    db = Database(parse_database_url(f"sqlite:///{target}"))
    assert schema_state(db).up_to_date
    db.dispose()
    assert inspect_backup(backup.path).schema == older  # the backup itself is never changed


def _newer(path: Path) -> None:
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("UPDATE alembic_version SET version_num = 'f00dfeed9999'")


def _not_assisted_desk(path: Path) -> None:
    path.unlink()
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("CREATE TABLE recipes (name TEXT)")


def _damaged(path: Path) -> None:
    """Change one key in an index page, as a bad sector might: the file still opens and reads,
    but the index no longer matches its table and the integrity check says so."""
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("CREATE TABLE names (name TEXT)")
        connection.execute("CREATE INDEX names_by_name ON names (name)")
        connection.executemany("INSERT INTO names VALUES (?)", [(f"name {n:03}",) for n in range(150)])
        page = connection.execute("SELECT rootpage FROM sqlite_master WHERE name = 'names_by_name'").fetchone()[0]
        size = connection.execute("PRAGMA page_size").fetchone()[0]
    data = bytearray(path.read_bytes())
    at = data.index(b"name 077", (page - 1) * size, page * size)
    data[at:at + 8] = b"nome 077"
    path.write_bytes(bytes(data))


def _not_sqlite(path: Path) -> None:
    path.write_bytes(b"PK\x03\x04 a zip file, say" * 200)


@SQLITE
@pytest.mark.parametrize(("spoil", "reason"), [
    (_newer, "newer version of Assisted Desk"),
    (_not_assisted_desk, "not an Assisted Desk one"),
    (_damaged, "damaged: it fails SQLite's integrity check"),
    (_not_sqlite, "not a SQLite database"),
])
def test_a_bad_backup_is_refused_with_the_reason_and_nothing_changes(live, paths, clock, spoil, reason):
    backup = live.parent / "spoilt.sqlite"
    backup_sqlite(live, backup)
    spoil(backup)
    before = backup.read_bytes()
    put(live, "today's work")
    with pytest.raises(ValidationError, match=reason):
        inspect_backup(backup)
    with pytest.raises(ValidationError, match=reason):
        restore_sqlite(backup, live, paths.backup_dir, clock)
    assert words(live) == ["Łukasz Żółć", "today's work"]
    assert backup.read_bytes() == before
    assert leftovers(live.parent) == [] and not paths.backup_dir.exists()


@SQLITE
def test_restore_over_a_damaged_database_keeps_what_was_there(live, paths, clock):
    backup = backup_sqlite(live, live.parent / "backup.sqlite").path
    writer = sqlite3.connect(live)  # a desk's log, not yet folded into the file, when the disk failed
    writer.execute("PRAGMA wal_autocheckpoint=0")
    with writer:
        writer.execute("INSERT INTO kept VALUES ('from the old log')")
    stale_log = Path(f"{live}-wal").read_bytes()
    writer.close()
    live.write_bytes(b"\x00garbage after a disk fault" * 500)
    Path(f"{live}-wal").write_bytes(stale_log)
    done = restore_sqlite(backup, live, paths.backup_dir, clock)
    assert done.kept_copy.read_bytes().startswith(b"\x00garbage")
    assert Path(f"{done.kept_copy}-wal").read_bytes() == stale_log
    assert not Path(f"{live}-wal").exists()
    with closing(sqlite3.connect(live)) as desk:  # as the desk opens it: the old log must not be replayed
        desk.execute("PRAGMA journal_mode=WAL")
        assert [row[0] for row in desk.execute("SELECT word FROM kept")] == ["Łukasz Żółć"]
        assert desk.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@SQLITE
def test_backup_refusals(live, tmp_path):
    with pytest.raises(ValidationError, match="database itself"):
        backup_sqlite(live, live)
    with pytest.raises(ValidationError, match="is a folder"):
        backup_sqlite(live, tmp_path)
    with pytest.raises(ValidationError, match="no database"):
        backup_sqlite(tmp_path / "missing.sqlite", tmp_path / "b.sqlite")
    a_file = tmp_path / "notes.txt"
    a_file.write_text("a file, not a folder")
    with pytest.raises(EnvironmentFault, match="does not exist"):  # root may write anywhere: not a chmod test
        backup_sqlite(live, a_file / "backup.sqlite")
    assert a_file.read_text() == "a file, not a folder"


def test_postgresql_is_refused_naming_its_own_tools():
    with pytest.raises(ValidationError, match="pg_dump.*pg_restore"):
        sqlite_file(parse_database_url("postgresql://desk@db.example/borough"))
    with pytest.raises(ValidationError, match="as a file"):
        sqlite_file(parse_database_url("sqlite://"))


FULL_DISK = textwrap.dedent("""
    import json, os, resource, signal, sqlite3, sys
    from pathlib import Path
    from assisted_desk.core.backup import backup_sqlite, restore_sqlite
    from assisted_desk.core.clock import Clock
    from assisted_desk.core.errors import EnvironmentFault
    live, out, backup, backups, limit = *map(Path, sys.argv[1:5]), int(sys.argv[5])
    if limit:  # files may grow to `limit` bytes, no further (where no small disk can be mounted)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    said = []
    for attempt in (lambda: backup_sqlite(live, out), lambda: restore_sqlite(backup, live, backups, Clock())):
        try:
            attempt()
            said.append("written")
        except EnvironmentFault as exc:
            said.append(str(exc))
    reader = sqlite3.connect(live)
    words = [row[0] for row in reader.execute("SELECT word FROM kept")]
    reader.close()
    print(json.dumps({"said": said, "files": sorted(os.listdir(live.parent)), "out": out.read_text(),
                      "words": words, "kept": sorted(os.listdir(backups)) if backups.exists() else []}))
""")


def _run_full_disk(live: Path, folder: Path, backup: Path, *, limit: int = 0, small_disk: int = 0) -> dict:
    args = [str(live), str(folder / "backup.sqlite"), str(backup), str(folder / "backups"), str(limit)]
    if small_disk:
        # A private mount namespace with a tmpfs just big enough for the database: a real full disk.
        command = ["unshare", "-rm", "sh", "-c", 'mount -t tmpfs -o size="$1"k none "$2" && cp "$3" "$2"/ && '
                   'cp "$4" "$2"/ && shift 4 && exec "$@"', "sh", str(small_disk), str(folder), str(live),
                   str(folder.parent / "yesterday" / "backup.sqlite"), sys.executable, "-c", FULL_DISK,
                   str(folder / live.name), *args[1:]]
    else:
        command = [sys.executable, "-c", FULL_DISK, *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def full_disk_setup(live, tmp_path):
    backup = backup_sqlite(live, tmp_path / "good.sqlite").path
    yesterday = tmp_path / "yesterday" / "backup.sqlite"
    yesterday.parent.mkdir()
    yesterday.write_text("yesterday's backup")  # replaced only by a whole, checked copy
    return backup, yesterday


@SQLITE
def test_a_disk_that_fills_up_leaves_nothing_half_written(live, tmp_path, full_disk_setup):
    backup, yesterday = full_disk_setup
    folder = yesterday.parent
    shutil.copyfile(live, folder / live.name)
    found = _run_full_disk(folder / live.name, folder, backup, limit=live.stat().st_size // 3 + 100)
    assert len(found["said"]) == 2 and all("nothing was" in said and "free space" in said
                                           for said in found["said"]), found
    assert found["files"] == ["backup.sqlite", live.name], found  # no partial file, no -journal
    assert found["out"] == "yesterday's backup" and found["words"] == ["Łukasz Żółć"] and found["kept"] == []


@SQLITE
def test_a_full_disk_is_named_as_such(live, tmp_path, full_disk_setup):
    if not shutil.which("unshare") or subprocess.run(
            ["unshare", "-rm", "true"], capture_output=True).returncode != 0:
        pytest.skip("no private mount namespace here to mount a small disk in")
    backup, _ = full_disk_setup
    folder = tmp_path / "small-disk"
    folder.mkdir()
    found = _run_full_disk(live, folder, backup, small_disk=live.stat().st_size // 1024 + 120)
    assert found["said"] == [f"The disk holding {folder} is full: nothing was written there. Free some disk "
                             "space or choose another place, then try again."] * 2, found
    assert found["files"] == ["backup.sqlite", live.name] and found["out"] == "yesterday's backup"
    assert found["words"] == ["Łukasz Żółć"] and found["kept"] == []


@SQLITE
def test_a_restore_names_the_residents_erased_since_the_backup(services, admin, paths, clock, database_url):
    """An older backup brings back in full anyone erased since: the restore says who, so they can be
    erased again (their erasure's audit stays in the copy kept)."""
    from tests.desk.contact_fixtures import register

    database = Path(parse_database_url(database_url).database)
    kept, erased = register(services, admin, "Anna", "Kept"), register(services, admin, "Łukasz", "Żółć")
    backup = backup_sqlite(database, database.parent / "before.sqlite").path
    services.erasure.erase(admin, erased, "Written request of 20/11/2026")
    services.close()
    done = restore_sqlite(backup, database, paths.backup_dir, clock)
    assert done.erased_again_needed == (erased,)
    assert kept not in done.erased_again_needed
    with closing(sqlite3.connect(database)) as connection:
        assert connection.execute("SELECT family_name FROM resident WHERE id = ?", (erased,)).fetchone() == ("Żółć",)
