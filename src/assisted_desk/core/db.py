"""The database: engine, declarative base, units of work, and faults a person can act on."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

from sqlalchemy import DateTime, MetaData, TypeDecorator, create_engine, event, text
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import DatabaseError, IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from .config import describe_url
from .errors import ConflictError, EnvironmentFault

log = logging.getLogger(__name__)

# Every constraint gets a name: SQLite batch migrations can only alter what they can name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UtcDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
        if mode.lower() != "wal":
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # 32 MB of page cache rather than SQLite's 2 MB: a borough's indexes are read on every
        # contact logged, and re-reading them from disk is most of a write's time.
        cursor.execute("PRAGMA cache_size=-32000")
    finally:
        cursor.close()


def make_engine(url: URL) -> Engine:
    if url.get_backend_name() == "sqlite":
        if url.database and not url.database.startswith("file:"):  # a URI names its own path
            from pathlib import Path

            try:
                Path(url.database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise EnvironmentFault(
                    f"The folder for the database {url.database} cannot be created ({exc.strerror})."
                ) from exc
        engine = create_engine(url, connect_args={"timeout": 5})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5})


# What the drivers say (lower case, any of the words) -> what happened and what to do.
# Checked in order: "locked" must win over "unable to open" and the like.
_KNOWN_FAULTS = (
    (("locked", "busy"),
     "The database {where} is busy: another program is holding it.",
     "Wait a moment and try again; if it persists, close other copies of Assisted Desk."),
    (("readonly", "read-only", "read only"),
     "The database {where} is read-only, so nothing can be saved.",
     "Ask IT to give this account write access to the file and its folder."),
    (("disk is full", "no space", "disk full"),
     "The disk holding the database {where} is full; the last change was not saved.",
     "Free some disk space, then try again."),
    (("not a database", "malformed", "corrupt"),
     "The database {where} is damaged and cannot be read.",
     "Restore it from the copy in the backups folder, or ask IT for help. The file was not changed."),
    (("unable to open",),
     "The database {where} cannot be opened.",
     "Check that the folder exists and that this account may write to it."),
)
_PASSWORD_REFUSED = ("password authentication failed", "no password supplied")


def fault_from(exc: Exception, url: URL) -> EnvironmentFault | None:
    """Turn a driver error that comes from the environment into a fault a person can act on.

    Returns None for errors that are bugs (bad SQL, broken constraints): those must crash.
    """
    if isinstance(exc, (IntegrityError, ProgrammingError)) or not isinstance(exc, DatabaseError):
        return None
    where = describe_url(url)
    said = str(getattr(exc, "orig", exc)).lower()
    for words, message, advice in _KNOWN_FAULTS:
        if any(word in said for word in words):
            return EnvironmentFault(message.format(where=where), advice)
    if any(word in said for word in _PASSWORD_REFUSED):
        return EnvironmentFault(
            f"The database server {where} refused the user name or password.",
            "Set the password again with 'assisted-desk db set-password'.",
            needs_password=True,
        )
    if isinstance(exc, OperationalError):
        return EnvironmentFault(
            f"The database {where} cannot be reached.",
            "Check the network and that the database server is running, then try again.",
        )
    return None


class SavedAtTheSameMoment(ConflictError, StaleDataError):
    """A version-checked UPDATE matched no row: another desk saved the record between our reading
    and our writing it. A ConflictError for whoever shows it; still a StaleDataError, so a service
    that says more about it (which ticket, taking the next one) keeps catching it."""

    def __init__(self) -> None:
        super().__init__("Someone else saved this record at the same moment; your change was not saved. "
                         "Look at it again and apply your change if it is still needed.")


class Database:
    """One database: hands out short units of work and turns environment errors into faults."""

    def __init__(self, url: URL, engine: Engine | None = None) -> None:
        self.url = url
        self.engine = engine or make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def description(self) -> str:
        return describe_url(self.url)

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One session, one transaction: commits when the block ends, rolls back on error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except StaleDataError:
            # Another desk saved the same record between our reading it and writing it back: the
            # version check on the UPDATE matched no row. Nothing of ours was written.
            session.rollback()
            raise SavedAtTheSameMoment() from None
        except DatabaseError as exc:
            session.rollback()
            fault = fault_from(exc, self.url)
            if fault is None:
                raise
            log.error("database fault: %s", exc)
            raise fault from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def ping(self) -> None:
        """Raise EnvironmentFault if the database cannot answer."""
        with self.unit_of_work() as session:
            session.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()
