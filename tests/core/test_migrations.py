from __future__ import annotations

import sqlite3

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from assisted_desk.core import models  # noqa: F401
from assisted_desk.core.config import parse_database_url
from assisted_desk.core.db import Base, Database
from assisted_desk.core.errors import EnvironmentFault
from assisted_desk.core.migrate import _script, alembic_config, backup_sqlite, downgrade, schema_state, upgrade


@pytest.fixture
def empty_db(empty_database_url):
    db = Database(parse_database_url(empty_database_url))
    yield db
    db.dispose()


def test_one_head():
    assert len(_script().get_heads()) == 1


def test_upgrade_to_head_matches_the_models(empty_db):
    assert schema_state(empty_db).current is None
    upgrade(empty_db)
    state = schema_state(empty_db)
    assert state.up_to_date
    with empty_db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_every_constraint_is_named(empty_db):
    upgrade(empty_db)
    inspector = inspect(empty_db.engine)
    for table in Base.metadata.tables:
        for fk in inspector.get_foreign_keys(table):
            assert fk["name"], f"unnamed foreign key on {table}"
        for uq in inspector.get_unique_constraints(table):
            assert uq["name"], f"unnamed unique constraint on {table}"


def test_downgrade_to_base_and_back(empty_db):
    upgrade(empty_db)
    downgrade(empty_db, "base")
    assert schema_state(empty_db).current is None
    tables = set(inspect(empty_db.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
    upgrade(empty_db)
    assert schema_state(empty_db).up_to_date


def test_a_newer_database_is_refused_untouched(empty_db):
    upgrade(empty_db)
    with empty_db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'f00dfeed9999'"))
    with pytest.raises(EnvironmentFault, match="newer version"):
        upgrade(empty_db)
    with empty_db.engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == "f00dfeed9999"


def test_backup_copies_a_live_sqlite_file(tmp_path, clock):
    path = tmp_path / "desk.sqlite"
    db = Database(parse_database_url(f"sqlite:///{path}"))
    upgrade(db)
    with db.engine.begin() as connection:
        connection.execute(text("CREATE TABLE kept (word TEXT)"))
        connection.execute(text("INSERT INTO kept VALUES ('Łukasz')"))
    backup = backup_sqlite(db, tmp_path / "backups", clock, "test")
    db.dispose()
    with sqlite3.connect(backup) as copy:
        assert copy.execute("SELECT word FROM kept").fetchone()[0] == "Łukasz"
    assert "20261123-100000" in backup.name


def test_upgrading_from_an_older_revision_copies_the_file_first(tmp_path, clock):
    revisions = [r.revision for r in _script().walk_revisions()]  # newest first
    if len(revisions) < 2:
        pytest.skip("only one migration exists: there is no older schema to upgrade from yet")
    path = tmp_path / "desk.sqlite"
    db = Database(parse_database_url(f"sqlite:///{path}"))
    command.upgrade(alembic_config(db), revisions[1])
    backup = upgrade(db, tmp_path / "backups", clock)
    assert schema_state(db).up_to_date
    db.dispose()
    assert backup is not None
    with sqlite3.connect(backup) as copy:
        assert copy.execute("SELECT version_num FROM alembic_version").fetchone()[0] == revisions[1]


def test_an_up_to_date_database_is_not_copied(tmp_path, clock):
    db = Database(parse_database_url(f"sqlite:///{tmp_path / 'desk.sqlite'}"))
    upgrade(db, tmp_path / "backups", clock)
    assert upgrade(db, tmp_path / "backups", clock) is None
    db.dispose()
    assert not (tmp_path / "backups").exists()


def test_a_damaged_sqlite_file_gets_a_clear_fault(tmp_path):
    path = tmp_path / "desk.sqlite"
    path.write_bytes(b"this is not a database at all" * 100)
    db = Database(parse_database_url(f"sqlite:///{path}"))
    with pytest.raises(EnvironmentFault, match="damaged") as caught:
        upgrade(db, tmp_path / "backups")
    db.dispose()
    assert "backups folder" in caught.value.advice
    assert path.read_bytes().startswith(b"this is not a database")
