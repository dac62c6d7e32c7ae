"""`assisted-desk backup` and `restore`: the embedded (SQLite) database copied online and
checked, and put back. They work on the file itself, before any services are opened: a restore
must not have the database open while it replaces it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_commands(commands) -> None:
    backup = commands.add_parser("backup", help="copy this desk's SQLite database to a file, safely while "
                                 "it is in use, and check the copy")
    backup.add_argument("--out", required=True, metavar="FILE", help="the backup file to write")
    restore = commands.add_parser("restore", help="put a backup in place of this desk's SQLite database "
                                  "(the one replaced is kept in the backups folder)")
    restore.add_argument("file", metavar="FILE", help="a backup written by 'assisted-desk backup'")
    restore.add_argument("--yes", action="store_true", help="do not ask before replacing the database")


def run_backup_command(args: argparse.Namespace, paths, url) -> int:
    from .core.backup import sqlite_file

    database = sqlite_file(url)  # refuses PostgreSQL, naming pg_dump and pg_restore
    if args.command == "backup":
        return _backup(args, database)
    return _restore(args, paths, database)


def _backup(args: argparse.Namespace, database: Path) -> int:
    from .core.backup import backup_sqlite, record_backup
    from .core.clock import Clock
    from .core.errors import EnvironmentFault
    from .core.security import Actor

    facts = backup_sqlite(database, Path(args.out))
    print(f"Backed up {database} to {facts.path} ({_size(facts.size_bytes)}, schema {facts.schema}); "
          "the copy passed SQLite's integrity check.")
    try:
        record_backup(database, Clock(), Actor.command_line(), facts)
    except EnvironmentFault as exc:  # the copy is good; say plainly that the log does not show it
        print(f"assisted-desk: the backup was written, but it could not be recorded in the audit log: {exc}",
              file=sys.stderr)
    return 0


def _restore(args: argparse.Namespace, paths, database: Path) -> int:
    from .core.backup import inspect_backup, restore_sqlite
    from .core.clock import Clock
    from .core.errors import ValidationError
    from .core.security import Actor

    facts = inspect_backup(Path(args.file))
    upgrade = (f" It is from an older version (schema {facts.schema}) and will be brought up to date "
               f"(schema {facts.head})." if facts.older else "")
    replaces = (f"This replaces the database {database}; it will be kept in {paths.backup_dir}."
                if database.exists() else f"There is no database at {database} yet; this creates it.")
    if not args.yes:
        if not sys.stdin.isatty():
            raise ValidationError("No terminal to ask before replacing the database: add --yes to restore "
                                  "without asking.")
        print(f"The backup {facts.path} ({_size(facts.size_bytes)}, schema {facts.schema}) passed SQLite's "
              f"integrity check.{upgrade}")
        print(replaces)
        answer = input("Restore it? Type yes to go on: ")
        if answer.strip().lower() not in ("yes", "y"):
            print("Nothing was changed.")
            return 1
    done = restore_sqlite(facts.path, database, paths.backup_dir, Clock(), actor=Actor.command_line())
    if done.kept_copy:
        print(f"Kept the database it replaced at {done.kept_copy}.")
    if done.upgraded:
        print(f"The backup was from schema {done.schema_was}; brought it up to date (schema {done.schema_now}).")
    print(f"Restored {done.database} from {done.restored_from} (schema {done.schema_now}, integrity checked).")
    if done.erased_again_needed:
        ids = done.erased_again_needed
        records = ", ".join(str(i) for i in ids[:20]) + (f" and {len(ids) - 20} more" if len(ids) > 20 else "")
        print(f"assisted-desk: {len(ids)} resident{'s' if len(ids) != 1 else ''} erased after this backup was "
              f"taken {'are' if len(ids) != 1 else 'is'} back in full (record{'s' if len(ids) != 1 else ''} "
              f"{records}). Erase them again now: assisted-desk erase resident RECORD --reason TEXT. The copy kept "
              "in the backups folder still holds the erasures' audit.", file=sys.stderr)
    return 0


def _size(size: int) -> str:
    return f"{size / 1_048_576:.1f} MB" if size >= 1_048_576 else f"{max(1, round(size / 1024))} KB"
