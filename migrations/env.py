"""Alembic environment: batch mode on SQLite, every model module imported for autogenerate."""

from __future__ import annotations

import os

from alembic import context

from assisted_desk.core import models as _core_models  # noqa: F401  (registers the tables)
from assisted_desk.desk import models as _desk_models  # noqa: F401
from assisted_desk.desk import attachment_models as _attachment_models  # noqa: F401
from assisted_desk.desk import submission_models as _submission_models  # noqa: F401
from assisted_desk.inclusion import models as _inclusion_models  # noqa: F401
from assisted_desk.inclusion import partner_models as _partner_models  # noqa: F401
from assisted_desk.inclusion import referral_models as _referral_models  # noqa: F401
from assisted_desk.printing import print_models as _print_models  # noqa: F401
from assisted_desk.casework import models as _case_models  # noqa: F401
from assisted_desk.privacy import models as _privacy_models  # noqa: F401
from assisted_desk.core.config import Paths, resolve_database_url
from assisted_desk.core.db import Base, Database, UtcDateTime

target_metadata = Base.metadata


def _render_item(type_, obj, autogen_context):
    """Migrations must not import application types: UtcDateTime is a timezone-aware DateTime."""
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _database() -> Database:
    db = context.config.attributes.get("database")
    if db is not None:
        return db
    return Database(resolve_database_url(Paths.for_home(), os.environ.get("ASSISTED_DESK_DATABASE_URL")))


def run_migrations_online() -> None:
    db = _database()
    with db.engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            render_item=_render_item,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("Offline (SQL script) migrations are not supported; run against a database.")
run_migrations_online()
