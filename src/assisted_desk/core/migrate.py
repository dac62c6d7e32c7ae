"""Bringing a database's schema up to this version of the application, safely.

Alembic owns the schema. Before migrating a SQLite file that already holds data, a copy is set
aside in the backups folder; a database newer than this application is refused untouched.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import DatabaseError

from .clock import Clock
from .db import Database, fault_from
from .errors import EnvironmentFault
from .paths import migrations_dir

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SchemaState:
    current: str | None
    head: str

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def alembic_config(db: Database) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["database"] = db
    return config


def _script() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    return ScriptDirectory.from_config(config)


def schema_state(db: Database) -> SchemaState:
    """Where the database is and where this application expects it to be. Refuses a database
    whose schema this application does not know (made by a newer version)."""
    script = _script()
    head = script.get_current_head()
    try:
        with db.engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except DatabaseError as exc:
        fault = fault_from(exc, db.url)
        if fault is None:
            raise
        raise fault from exc
    if current is not None:
        try:
            known = script.get_revision(current)
        except Exception:  # alembic raises several kinds for an unknown id
            known = None
        if known is None:
            raise EnvironmentFault(
                f"The database {db.description} was set up by a newer version of Assisted Desk "
                f"(schema {current}); this version cannot use it.",
                "Install the newer version of Assisted Desk. The database was not changed.",
            )
    return SchemaState(current, head)


def backup_sqlite(db: Database, backup_dir: Path, clock: Clock, label: str) -> Path | None:
    """Copy a SQLite database aside with SQLite's own backup (safe while WAL is in use)."""
    if not db.is_sqlite or not db.url.database or not Path(db.url.database).exists():
        return None
    stamp = clock.now().strftime("%Y%m%d-%H%M%S")
    target = backup_dir / f"{Path(db.url.database).stem}-{stamp}-before-{label}.sqlite"
    try:
        backup_dir.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(db.url.database)
        try:
            dest = sqlite3.connect(target)
            try:
                source.backup(dest)
            finally:
                dest.close()
        finally:
            source.close()
    except (OSError, sqlite3.Error) as exc:
        target.unlink(missing_ok=True)
        raise EnvironmentFault(
            f"Before upgrading, a copy of the database could not be saved in {backup_dir} ({exc}).",
            "Free some disk space or fix the folder's permissions. The database was not changed.",
        ) from exc
    log.info("database copied to %s before migrating", target)
    return target


def upgrade(db: Database, backup_dir: Path | None = None, clock: Clock | None = None) -> Path | None:
    """Migrate to head. Returns the path of the copy set aside first, if one was made."""
    state = schema_state(db)
    if state.up_to_date:
        return None
    backup = None
    if state.current is not None and backup_dir is not None:
        backup = backup_sqlite(db, backup_dir, clock or Clock(), f"upgrade-from-{state.current}")
    try:
        command.upgrade(alembic_config(db), "head")
    except DatabaseError as exc:
        fault = fault_from(exc, db.url)
        if fault is None:
            raise
        raise fault from exc
    return backup


def downgrade(db: Database, revision: str) -> None:
    command.downgrade(alembic_config(db), revision)
