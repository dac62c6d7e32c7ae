"""Backing up and restoring the embedded (SQLite) database. No Qt.

A backup is SQLite's own online copy (consistent while other desks write), made self-contained
(no -wal beside it), checked, and only then put in place under its name. A restore checks the
backup the same way on a copy beside the database, brings an older schema up to date on that
copy, keeps the database it replaces in the backups folder, and swaps the files in one rename.
"""

from __future__ import annotations

import errno
import functools
import logging
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .clock import Clock
from .errors import EnvironmentFault, ValidationError
from . import sqlite_files as files

log = logging.getLogger(__name__)

# Tables the very first migration made: a database without them is not an Assisted Desk one.
FOUNDATION_TABLES = frozenset({"alembic_version", "site", "staff", "audit_event", "app_setting"})


@dataclass(frozen=True)
class BackupFacts:
    """What a checked backup holds: its schema (Alembic revision) against this application's."""

    path: Path
    schema: str
    head: str
    size_bytes: int

    @property
    def older(self) -> bool:
        return self.schema != self.head


@dataclass(frozen=True)
class RestoreResult:
    database: Path
    restored_from: Path
    schema_was: str  # the backup's schema
    schema_now: str  # after bringing it up to date (the application's head)
    kept_copy: Path | None  # the database it replaced, in the backups folder
    # Residents erased (at their request, or by retention) in the database replaced but not in the
    # backup: the restore brought their details back, and they must be erased again.
    erased_again_needed: tuple[int, ...] = ()

    @property
    def upgraded(self) -> bool:
        return self.schema_was != self.schema_now


def sqlite_file(url) -> Path:
    """The SQLite file behind a database address; PostgreSQL is refused with what to use instead."""
    from .config import describe_url

    if url.get_backend_name() == "postgresql":
        raise ValidationError(
            f"The database is the shared server {describe_url(url)}: back it up with pg_dump and restore it "
            "with pg_restore (its administrators keep its backups). 'backup' and 'restore' work on a desk's "
            "own SQLite file.")
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise ValidationError("Backup and restore need a SQLite database given as a file (sqlite:///PATH).")
    return Path(url.database).expanduser().resolve()


def backup_sqlite(source: Path, out: Path) -> BackupFacts:
    """Copy the live database `source` to `out` online and check the copy.

    Refuses a missing or un-set-up database and an `out` that is the database or a folder; a
    folder that cannot be written or a full disk is an EnvironmentFault, and then nothing is
    left at `out` (an existing file there is only replaced once the new copy is whole)."""
    source, out = Path(source).resolve(), Path(out).expanduser().absolute()
    if not source.is_file():
        raise ValidationError(f"There is no database at {source} to back up.")
    if out.is_dir():
        raise ValidationError(f"{out} is a folder: give the name of the backup file to write.", field="out")
    if not out.parent.is_dir():
        raise EnvironmentFault(f"The folder {out.parent} does not exist, so the backup cannot be written there.",
                               "Create it, or choose another place for the backup.")
    if out.resolve() == source or (out.parent.resolve() == source.parent and out.name.startswith(source.name + "-")):
        raise ValidationError(f"{out} is the database itself (or one of its files): write the backup "
                              "somewhere else.", field="out")
    staged = _staging_file(out, "backup")
    try:
        with files.closing(files.connect(source, "rw")) as live, files.closing(sqlite3.connect(staged)) as copy:
            files.copy_pages(live, copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            schema = _check(copy, source, what="database")
        files.sync_file(staged)
        os.replace(staged, out)
        files.sync_folder(out.parent)
    except BaseException as exc:
        files.remove_with_side_files(staged)
        raise _translated(exc, written=out, read=source) from exc
    log.info("database %s backed up to %s (schema %s)", source, out, schema)
    return BackupFacts(out, schema, _head(), out.stat().st_size)


def inspect_backup(path: Path) -> BackupFacts:
    """Check a backup without changing it: refuses a file that is not SQLite, is damaged, is not
    an Assisted Desk database or comes from a newer version of the application."""
    path = Path(path).expanduser().absolute()
    _looks_like_sqlite(path)
    with tempfile.TemporaryDirectory(prefix="assisted-desk-check-") as folder:
        staged = Path(folder) / "backup.sqlite"
        try:
            schema = _stage(path, staged)
        except BaseException as exc:  # what fills up here is the temporary folder, not the backup's
            raise _translated(exc, written=staged, read=path, writing=False) from exc
    return BackupFacts(path, schema, _head(), path.stat().st_size)


def restore_sqlite(backup: Path, database: Path, backup_dir: Path, clock: Clock, *,
                   actor=None) -> RestoreResult:
    """Put `backup` in place of `database`. Checks it as `inspect_backup` does; an older schema
    is brought up to date before anything is replaced. The database it replaces is kept in
    `backup_dir`. Refuses while another program has the database open."""
    backup = Path(backup).expanduser().absolute()
    database = Path(database).resolve()
    _looks_like_sqlite(backup)
    if database.exists() and backup.resolve() == database:
        raise ValidationError(f"{backup} is the database in use: choose a backup file to restore.")
    try:
        database.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _translated(exc, written=database, read=backup) from exc
    staged = _staging_file(database, "restore")
    kept: Path | None = None
    try:
        schema_was = _stage(backup, staged)
    except BaseException as exc:
        files.remove_with_side_files(staged)
        raise _translated(exc, written=database, read=backup) from exc
    try:
        if schema_was != _head():
            _bring_up_to_date(staged)
        kept = _kept_copy_name(database, backup_dir, clock) if database.exists() else None
        back_again = _erased_only_in(database, staged) if database.exists() else ()
        _audit_restore(staged, clock, actor, backup, schema_was, kept)
        if database.exists():  # the restored file is as private as the one it replaces
            os.chmod(staged, database.stat().st_mode & 0o777)
        files.sync_file(staged)
        _swap_in(staged, database, kept)
    except BaseException as exc:
        files.remove_with_side_files(staged)
        raise _translated(exc, written=database, read=database) from exc
    with files.closing(files.connect(database, "rw")) as restored:
        schema_now = _check(restored, database, what="restored database", quick=True)
    log.info("database %s restored from %s (schema %s -> %s), previous kept at %s",
             database, backup, schema_was, schema_now, kept)
    return RestoreResult(database, backup, schema_was, schema_now, kept, back_again)


def record_backup(database: Path, clock: Clock, actor, facts: BackupFacts) -> None:
    """The audit log of the database backed up says who took a copy of everything, and where to."""
    from .audit import record_audit
    from .config import sqlite_url
    from .db import Database

    db = Database(sqlite_url(database))
    try:
        with db.unit_of_work() as session:
            record_audit(session, clock, actor, "backup", "database", facts.path.name,
                         f"Backup of the whole database written to {facts.path} (schema {facts.schema})",
                         username="backup")
    finally:
        db.dispose()


# --- the steps ---------------------------------------------------------------------------------

def _stage(backup: Path, staged: Path) -> str:
    """Copy the backup to `staged` with SQLite's backup API and check the copy; its schema."""
    with files.closing(files.connect(backup, "ro")) as source, files.closing(sqlite3.connect(staged)) as copy:
        files.copy_pages(source, copy)
        copy.execute("PRAGMA journal_mode=DELETE")
        return _check(copy, backup, what="backup")


def _bring_up_to_date(staged: Path) -> None:
    from .config import sqlite_url
    from .db import Database
    from .migrate import upgrade

    db = Database(sqlite_url(staged))
    try:
        upgrade(db)  # no copy aside: this is a copy already
    finally:
        db.dispose()
    with files.closing(sqlite3.connect(staged)) as copy:
        copy.execute("PRAGMA journal_mode=DELETE")


def _audit_restore(staged: Path, clock: Clock, actor, backup: Path, schema: str, kept: Path | None) -> None:
    """The restored database's own audit log says it was restored, from what, and where the one
    it replaced went: written into the copy before the swap, so it lands with it or not at all."""
    from .audit import record_audit
    from .config import sqlite_url
    from .db import Database

    upgraded = f", brought up to date from schema {schema}" if schema != _head() else ""
    summary = (f"Database restored from the backup {backup}{upgraded}; the database it replaced was kept at "
               f"{kept}" if kept else f"Database restored from the backup {backup}{upgraded}")
    db = Database(sqlite_url(staged))
    try:
        with db.unit_of_work() as session:
            record_audit(session, clock, actor, "restore", "database", backup.name, summary, username="restore")
    finally:
        db.dispose()
    with files.closing(sqlite3.connect(staged)) as copy:
        copy.execute("PRAGMA journal_mode=DELETE")


def _swap_in(staged: Path, database: Path, kept: Path | None) -> None:
    """Keep the current database aside, then rename the checked copy over it.

    Leaving WAL mode only succeeds when no other connection is open, which is how a running
    desk is detected; the exclusive lock then holds everyone off until the rename is done."""
    if kept is None:
        files.remove_side_files(database)
        os.replace(staged, database)
        files.sync_folder(database.parent)
        return
    lock = None
    if files.has_sqlite_header(database):  # a garbled file is copied aside as it is, -wal and all
        try:
            lock = files.connect(database, "rw", timeout=1)
        except sqlite3.Error:
            lock = None
    try:
        if lock is not None:
            try:
                lock.execute("PRAGMA journal_mode=DELETE")
                before = lock.execute("PRAGMA data_version").fetchone()[0]
            except sqlite3.OperationalError as exc:
                if _is_busy(exc):
                    raise _in_use(database) from exc
                raise
            except sqlite3.DatabaseError:  # damaged: nothing to keep consistent, copy what is there
                lock.close()
                lock = None
        # The copy kept is as private as the database it is a copy of (a folder only this account
        # opens, a file with the database's own permissions), whatever the umask says.
        try:
            kept.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            private = database.stat().st_mode & 0o777
            os.close(os.open(kept, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except OSError as exc:  # the folder that cannot take the copy is the backups folder
            raise _translated(exc, written=kept, read=database) from exc
        if lock is not None:
            try:
                with files.closing(files.connect(database, "ro")) as live, files.closing(sqlite3.connect(kept)) as copy:
                    files.copy_pages(live, copy)
            except sqlite3.DatabaseError as exc:
                if _is_busy(exc):
                    raise
                if _is_full(exc):
                    raise _translated(exc, written=kept, read=database) from exc
                files.remove_with_side_files(kept)
                _copy_kept(database, kept)  # damaged inside; out of WAL mode, the file is all there is
            try:
                lock.execute("BEGIN EXCLUSIVE")
            except sqlite3.OperationalError as exc:
                raise _in_use(database) from exc
            if lock.execute("PRAGMA data_version").fetchone()[0] != before:
                raise _in_use(database)
        else:
            _copy_kept(database, kept)
        for copied in (kept, Path(f"{kept}-wal")):
            if copied.exists():
                os.chmod(copied, private)
        files.sync_file(kept)
        files.remove_side_files(database)  # a stale -wal would be replayed onto the restored file
        os.replace(staged, database)
        files.sync_folder(database.parent)
    except BaseException:
        if staged.exists():  # not replaced: the copy of what is still in place is not needed
            files.remove_with_side_files(kept)
        raise
    finally:
        if lock is not None:
            lock.close()


def _check(connection: sqlite3.Connection, path: Path, *, what: str, quick: bool = False) -> str:
    """Integrity, then that it is an Assisted Desk database this version can use; its schema."""
    rows = connection.execute("PRAGMA quick_check" if quick else "PRAGMA integrity_check").fetchall()
    if [row[0] for row in rows] != ["ok"]:
        raise ValidationError(f"The {what} {path} is damaged: it fails SQLite's integrity check ({rows[0][0]}), "
                              "so it was not used.")
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not FOUNDATION_TABLES <= tables:
        raise ValidationError(f"The {what} {path} is a SQLite database but not an Assisted Desk one "
                              "(it has no desk staff, sites or schema version).")
    revisions = [row[0] for row in connection.execute("SELECT version_num FROM alembic_version")]
    if len(revisions) != 1:
        raise ValidationError(f"The {what} {path} has no single schema version: it was not fully set up.")
    if not _known(revisions[0]):
        raise ValidationError(
            f"The {what} {path} comes from a newer version of Assisted Desk (schema {revisions[0]}; this "
            f"version knows up to {_head()}). Restore it with that version or a newer one.")
    return revisions[0]


def _looks_like_sqlite(path: Path) -> None:
    try:
        with path.open("rb") as file:
            header = file.read(len(files.SQLITE_HEADER))
    except FileNotFoundError:
        raise ValidationError(f"There is no backup file at {path}.") from None
    except IsADirectoryError:
        raise ValidationError(f"{path} is a folder: give the backup file itself.") from None
    except OSError as exc:
        raise EnvironmentFault(f"The backup {path} cannot be read ({exc.strerror}).",
                               "Check the file's permissions.") from exc
    if header != files.SQLITE_HEADER:
        raise ValidationError(f"{path} is not a SQLite database, so it is not an Assisted Desk backup.")


def _translated(exc: BaseException, *, written: Path, read: Path, writing: bool = True) -> BaseException:
    """OS and SQLite errors as faults a person can act on (a damaged file is the one `read`, a
    full or unwritable folder the one `written` to); our own refusals pass through."""
    if not isinstance(exc, (OSError, sqlite3.Error)):
        return exc
    said = str(exc).lower()
    where, folder = written, written.parent
    if isinstance(exc, sqlite3.DatabaseError) and any(w in said for w in ("not a database", "malformed")):
        return ValidationError(f"{read} is damaged: it fails SQLite's integrity check ({exc}), so it was not used.")
    if _is_full(exc):
        return EnvironmentFault(f"The disk holding {folder} is full: nothing was written there.",
                                "Free some disk space or choose another place, then try again.")
    if isinstance(exc, sqlite3.OperationalError) and _is_busy(exc):
        return EnvironmentFault(f"The database {read} is busy: another program is holding it.",
                                "Wait a moment and try again; if it persists, close other copies of Assisted Desk.")
    reason = getattr(exc, "strerror", None) or str(exc)
    if writing:
        return EnvironmentFault(f"{where} cannot be written ({reason}); nothing was changed there.",
                                "Check the disk has free space and this account may write to the folder.")
    return EnvironmentFault(f"{where} cannot be read ({reason}).", "Check the file and its permissions.")


def _erased_only_in(database: Path, staged: Path) -> tuple[int, ...]:
    """Residents erased in `database` whom the backup (`staged`, up to date) still holds in full."""
    def erased(path: Path) -> set[int]:
        try:
            with files.closing(files.connect(path, "ro")) as connection:
                return {row[0] for row in connection.execute("SELECT id FROM resident WHERE erased_at IS NOT NULL")}
        except sqlite3.DatabaseError:  # older than erasure, or damaged: nothing erased to know of
            return set()
    return tuple(sorted(erased(database) - erased(staged)))


def _copy_kept(database: Path, kept: Path) -> None:
    try:
        files.raw_copy(database, kept)
    except OSError as exc:  # the folder that cannot take the copy is the backups folder
        raise _translated(exc, written=kept, read=database) from exc


def _is_full(exc: BaseException) -> bool:
    return "full" in str(exc).lower() or getattr(exc, "errno", None) in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def _in_use(database: Path) -> EnvironmentFault:
    return EnvironmentFault(f"The database {database} is in use by another program, so it was not replaced.",
                            "Close every Assisted Desk window (and any sync task) using it, then restore again.")


def _is_busy(exc: Exception) -> bool:
    said = str(exc).lower()
    return "locked" in said or "busy" in said


def _staging_file(beside: Path, purpose: str) -> Path:
    try:
        handle, name = tempfile.mkstemp(dir=beside.parent, prefix=f".{beside.name}.", suffix=f".{purpose}-partial")
    except OSError as exc:
        raise _translated(exc, written=beside, read=beside) from exc
    os.close(handle)
    return Path(name)


def _kept_copy_name(database: Path, backup_dir: Path, clock: Clock) -> Path:
    stamp = clock.now().strftime("%Y%m%d-%H%M%S")
    kept = backup_dir / f"{database.stem}-{stamp}-before-restore.sqlite"
    n = 1
    while kept.exists():
        n += 1
        kept = backup_dir / f"{database.stem}-{stamp}-before-restore-{n}.sqlite"
    return kept


@functools.cache
def _script():
    from .migrate import _script

    return _script()


def _head() -> str:
    return _script().get_current_head()


def _known(revision: str) -> bool:
    try:
        return _script().get_revision(revision) is not None
    except Exception:  # alembic raises several kinds for an unknown id
        return False
