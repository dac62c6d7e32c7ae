"""SQLite files on disk, handled so that a crash or a full disk leaves nothing half-done: opened
without ever creating one, copied whole with SQLite's backup API, synced before a rename, and
their -wal, -shm and -journal side files kept with them. No Qt."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
from pathlib import Path
from urllib.parse import quote

log = logging.getLogger(__name__)

SQLITE_HEADER = b"SQLite format 3\x00"
SIDE_FILES = ("-wal", "-shm", "-journal")


def copy_pages(source: sqlite3.Connection, dest: sqlite3.Connection) -> None:
    """All pages in one step: the copy is one snapshot even while other desks write (WAL)."""
    source.backup(dest, pages=-1)


def connect(path: Path, mode: str, timeout: float = 10) -> sqlite3.Connection:
    """Open without ever creating a file; autocommit, so PRAGMAs and BEGIN mean what they say."""
    return sqlite3.connect(f"file:{quote(str(path))}?mode={mode}", uri=True, timeout=timeout,
                           isolation_level=None)


def has_sqlite_header(path: Path) -> bool:
    try:
        with path.open("rb") as file:
            return file.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def raw_copy(database: Path, kept: Path) -> None:
    shutil.copyfile(database, kept)
    wal = Path(f"{database}-wal")
    if wal.exists():
        shutil.copyfile(wal, Path(f"{kept}-wal"))


def remove_side_files(database: Path) -> None:
    for suffix in SIDE_FILES:
        Path(f"{database}{suffix}").unlink(missing_ok=True)


def remove_with_side_files(path: Path) -> None:
    for name in (str(path), *(f"{path}{suffix}" for suffix in SIDE_FILES)):
        try:
            Path(name).unlink(missing_ok=True)
        except OSError:
            log.warning("could not remove the unfinished file %s", name)


def sync_file(path: Path) -> None:
    with open(path, "rb+") as file:
        os.fsync(file.fileno())


def sync_folder(folder: Path) -> None:
    """The rename itself survives a power cut only once the folder is synced."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass  # some filesystems cannot sync a folder; the rename has happened all the same
    finally:
        os.close(handle)


class closing:
    """sqlite3's own context manager commits but does not close."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def __enter__(self) -> sqlite3.Connection:
        return self.connection

    def __exit__(self, *exc) -> None:
        self.connection.close()
