"""The borough in a throwaway PostgreSQL server, for timing the reports there too.

The server is the tests' own (`tests/pg.py`: initdb into a temp dir, its own port, fsync off).
The schema is made by the application's migrations, then every table the reports can read is
copied from the cached SQLite borough with COPY (psycopg's copy API, rows streamed as read),
foreign-key triggers off while loading, sequences moved past the copied ids, then ANALYZE.
Nothing is kept after the run: loading takes a few minutes, about what generating takes."""

from __future__ import annotations

import sqlite3
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from harness import BENCHMARKS_DIR, ScenarioError

# The desk's search index: millions of rows no report reads (the search scenario measures them).
NOT_COPIED = ("resident_name_word", "resident_name_variant", "alembic_version")


@contextmanager
def throwaway_server():
    """A started ThrowawayPostgres, stopped (and its files removed) afterwards; None when no
    PostgreSQL server binaries are installed."""
    sys.path.insert(0, str(BENCHMARKS_DIR.parent))
    from tests.pg import ThrowawayPostgres, find_bin_dir

    bin_dir = find_bin_dir()
    if bin_dir is None:
        yield None
        return
    server = ThrowawayPostgres(bin_dir)
    server.start()
    try:
        # What a shared server would be given for reports (memory to group in; most of it cached).
        server.execute("ALTER SYSTEM SET work_mem = '64MB'")
        server.execute("ALTER SYSTEM SET effective_cache_size = '4GB'")
        server.execute("SELECT pg_reload_conf()")
        yield server
    finally:
        server.stop()


def load_borough(server, sqlite_path: Path, database: str, progress: Callable[[str], None]) -> dict[str, object]:
    """Make `database` on `server`, migrate it, copy the borough into it; returns figures (seconds
    and rows per table). Raises ScenarioError when a table's columns differ between the two."""
    import psycopg

    from assisted_desk.core.config import parse_database_url
    from assisted_desk.core.db import Database
    from assisted_desk.core.migrate import upgrade

    started = time.perf_counter()
    server.execute(f'CREATE DATABASE "{database}" TEMPLATE template0')
    db = Database(parse_database_url(server.url(database)))
    try:
        upgrade(db)
    finally:
        db.dispose()
    migrated = time.perf_counter() - started
    source = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    rows_copied: dict[str, int] = {}
    try:
        tables = [name for (name,) in source.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            if name not in NOT_COPIED]
        with psycopg.connect(f"host=127.0.0.1 port={server.port} user=postgres dbname={database}") as target:
            target.execute("SET TimeZone = 'UTC'")  # SQLite holds UTC times without a zone
            target.execute("SET session_replication_role = replica")  # no FK triggers while loading
            pg_columns = _pg_columns(target)
            # The migrations seed some tables (case types, bank holidays): the borough's copy wins.
            target.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables if t in pg_columns) + " CASCADE")
            for table in tables:
                columns = [row[1] for row in source.execute(f'PRAGMA table_info("{table}")')]
                if table not in pg_columns or set(columns) != set(pg_columns[table]):
                    raise ScenarioError(f"table {table} differs between the SQLite borough and the migrated "
                                        f"PostgreSQL schema ({sorted(set(columns) ^ set(pg_columns.get(table, [])))}); "
                                        "the borough was made by another schema: regenerate it")
                rows_copied[table] = _copy_table(source, target, table, columns, pg_columns[table])
                if rows_copied[table] >= 100_000:
                    progress(f"report[postgresql]: copied {rows_copied[table]:,} rows of {table}")
            target.execute("SET session_replication_role = origin")
            for table in tables:
                if "id" in pg_columns[table]:
                    target.execute(
                        f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), max(id)) FROM \"{table}\" "
                        f"WHERE pg_get_serial_sequence('\"{table}\"', 'id') IS NOT NULL HAVING max(id) IS NOT NULL")
            target.commit()
        copied = time.perf_counter() - started - migrated
        with psycopg.connect(f"host=127.0.0.1 port={server.port} user=postgres dbname={database}",
                             autocommit=True) as target:
            began = time.perf_counter()
            target.execute("VACUUM ANALYZE")  # visibility map too, so index-only scans are possible
            analysed = time.perf_counter() - began
    finally:
        source.close()
    return {"postgresql_migrate_s": round(migrated, 1), "postgresql_copy_s": round(copied, 1),
            "postgresql_analyze_s": round(analysed, 1), "postgresql_rows_copied": sum(rows_copied.values()),
            "postgresql_tables_not_copied": [t for t in NOT_COPIED if t != "alembic_version"]}


def _pg_columns(target) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for table, column, kind in target.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'public' ORDER BY table_name, ordinal_position"):
        out.setdefault(table, {})[column] = kind
    return out


def _copy_table(source: sqlite3.Connection, target, table: str, columns: list[str], kinds: dict[str, str]) -> int:
    """Stream one table with COPY. SQLite's stored forms are PostgreSQL's text input forms
    (ISO dates, UTC times read in the UTC session), except booleans (0/1), converted here."""
    flags = [n for n, c in enumerate(columns) if kinds[c] == "boolean"]
    quoted = ", ".join(f'"{c}"' for c in columns)
    count = 0
    cursor = source.execute(f'SELECT {quoted} FROM "{table}"')
    with target.cursor().copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
        while batch := cursor.fetchmany(20_000):
            for row in batch:
                if flags:
                    row = list(row)
                    for n in flags:
                        if row[n] is not None:
                            row[n] = bool(row[n])
                copy.write_row(row)
            count += len(batch)
    return count
