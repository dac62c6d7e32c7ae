"""A synthetic borough at full scale, in a SQLite database migrated by the application itself.

    python benchmarks/generate.py            # make (or reuse) the cached borough, print its path
    python benchmarks/generate.py --scale 0.01 --force

The borough is a list of steps, each making one kind of record in a given number; later issues
add steps (residents, interactions, ...) to STEPS. Every step has its own random generator,
seeded from SEED and the step's name, so the same code always makes the same borough, and a
new step does not change the records of the steps before it.

The result is cached in benchmarks/.cache/ under a key made of GENERATOR_VERSION, the seed, the
steps and their counts, the scale, the schema's Alembic head and what the application's name index
makes of the borough's names: change any of them and the next run generates afresh. Bump
GENERATOR_VERSION whenever a step makes different records.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from itertools import islice
from pathlib import Path

from sqlalchemy import Connection, Table, insert

sys.path.insert(0, str(Path(__file__).resolve().parent))

from names import person_name, username_for  # noqa: E402

# 5: the migrated schema has ix_resident_search_order (same revision id, so the head alone does not tell).
# 7: the reports' steps (partners, assessments, referrals, equality, queue, callbacks, cases, prints).
GENERATOR_VERSION = 7
SEED = 20261123
# Every generated staff member signs in with this password (for sign-in scenarios).
BENCH_PASSWORD = "borough-bench-2026"
# "Now" in the borough: every generated time is before it, so the data never depends on the day.
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
BATCH = 10_000

Progress = Callable[[str], None]


@dataclass
class Borough:
    """What the steps share while generating: the connection, and the ids each step made."""

    connection: Connection
    ids: dict[str, list[int]] = field(default_factory=dict)
    facts: dict[str, object] = field(default_factory=dict)  # anything a later step needs to know


@dataclass(frozen=True)
class Step:
    name: str
    count: int  # at scale 1
    make: Callable[[Borough, random.Random, int], None]


# ---- helpers for steps ---------------------------------------------------------------------


def insert_rows(connection: Connection, table: Table, rows: Iterable[dict]) -> int:
    """Bulk insert through SQLAlchemy Core in batches (the application's column types apply)."""
    total = 0
    iterator: Iterator[dict] = iter(rows)
    while batch := list(islice(iterator, BATCH)):
        connection.execute(insert(table), batch)
        total += len(batch)
    return total


def moment_between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    return start + timedelta(seconds=rng.uniform(0, (end - start).total_seconds()))


def fixed_password_hash(password: str) -> str:
    """An Argon2id hash the application verifies, with a salt from SEED so the file is the same
    every time (and 600 staff do not cost 600 slow hashes)."""
    from argon2 import PasswordHasher
    from argon2.low_level import Type, hash_secret

    params = PasswordHasher()
    salt = hashlib.sha256(f"{SEED}:password".encode()).digest()[: params.salt_len]
    return hash_secret(password.encode(), salt, time_cost=params.time_cost, memory_cost=params.memory_cost,
                       parallelism=params.parallelism, hash_len=params.hash_len, type=Type.ID).decode()


# ---- the steps -----------------------------------------------------------------------------

PLACES = (
    "Northgate", "Riverside", "Eastfield", "Westbrook", "Southmere", "Kingsbury", "Hillside", "Marsh Lane",
    "Abbey Wood", "Thornton Heath", "Highcross", "Millbank", "Ashford Green", "Beacon Hill", "Canal Side",
    "Denmark Park", "Elm Grove", "Fairlop", "Gallions Reach", "Harrow Road", "Ivy Bridge", "Jubilee Square",
    "Larkhall", "Manor Park", "Nightingale", "Old Kent Road", "Park Royal", "Queens Market", "Ropemakers",
    "St Ann's", "Tower Gardens", "Upton", "Victoria Dock", "Waterloo Place", "Yew Tree", "Bow Common",
    "Cranbrook", "Dalston Junction", "Forest Gate", "Green Street", "Hackbridge", "Lea Bridge",
)


def make_sites(borough: Borough, rng: random.Random, count: int) -> None:
    """Libraries and community hubs; one in twenty closed (and so without active staff)."""
    from assisted_desk.core.models import Site

    places = list(PLACES)
    rng.shuffle(places)
    names, rows = set(), []
    for i in range(count):
        kind = "library" if i == 0 or rng.random() < 0.6 else "hub"
        place = places[i % len(places)] if i < len(places) else f"{places[i % len(places)]} {i // len(places) + 1}"
        name = f"{'Central' if i == 0 else place} {'Library' if kind == 'library' else 'Community Hub'}"
        while name in names:  # a place can have a library and a hub, never two of one kind
            name += " Annexe"
        names.add(name)
        created = moment_between(rng, NOW - timedelta(days=10 * 365), NOW - timedelta(days=365))
        rows.append(dict(id=i + 1, name=name, kind=kind, active=True, created_at=created, updated_at=created,
                         updated_by="admin", version=1))
    closed = max(0, count // 20)
    for row in rows[len(rows) - closed:]:
        row.update(active=False, updated_at=moment_between(rng, row["created_at"], NOW), version=2)
    insert_rows(borough.connection, Site.__table__, rows)
    borough.ids["sites"] = [r["id"] for r in rows]
    borough.ids["open_sites"] = [r["id"] for r in rows if r["active"]]


# Shares of each role among a borough's staff; every role appears at least once.
ROLE_SHARES = {"desk": 0.66, "advocate": 0.14, "coordinator": 0.14, "admin": 0.06}


def role_quota(n: int, rng: random.Random) -> list[str]:
    """n roles in ROLE_SHARES proportions, in random order, each role at least once (n >= 4)."""
    roles = [role for role, share in ROLE_SHARES.items() for _ in range(max(1, round(share * n)))]
    while len(roles) > n and roles.count("desk") > 1:
        roles.remove("desk")
    roles = roles[:n] + ["desk"] * (n - len(roles))
    rng.shuffle(roles)
    return roles


def make_staff(borough: Borough, rng: random.Random, count: int) -> None:
    """Staff in every role across the open sites; staff 1 is 'admin' (an administrator at the
    central library). Most are active and signed in recently; some are disabled, some must
    change their password, a few are locked out after failed sign-ins."""
    from assisted_desk.core.models import Staff

    roles = ["admin", *role_quota(count - 1, rng)]
    sites = borough.ids["open_sites"]
    site_weights = [4 if i == 0 else 1 for i in range(len(sites))]  # the central library is the largest
    password_hash = fixed_password_hash(BENCH_PASSWORD)
    taken = {"admin"}
    rows = []
    for i in range(count):
        name = person_name(rng)
        created = moment_between(rng, NOW - timedelta(days=8 * 365), NOW - timedelta(days=7))
        state = rng.random()
        active = i == 0 or state >= 0.05
        must_change = active and i != 0 and state < 0.08
        locked = active and not must_change and 0.08 <= state < 0.085
        last_sign_in = None if must_change else moment_between(rng, max(created, NOW - timedelta(days=30)), NOW)
        rows.append(dict(
            id=i + 1,
            username="admin" if i == 0 else username_for(name, taken),
            display_name=name.display,
            role=roles[i],
            site_id=sites[0] if i == 0 else rng.choices(sites, site_weights)[0],
            active=active,
            password_hash=password_hash,
            must_change_password=must_change,
            failed_sign_ins=5 if locked else 0,
            locked_until=NOW + timedelta(minutes=15) if locked else None,
            last_sign_in_at=last_sign_in,
            created_at=created,
            updated_at=created if active else moment_between(rng, created, NOW),
            updated_by="admin",
            version=1 if active else 2,
        ))
    insert_rows(borough.connection, Staff.__table__, rows)
    borough.ids["staff"] = [r["id"] for r in rows]


def make_residents(borough: Borough, rng: random.Random, count: int) -> None:
    from desk_borough import make_residents as make

    make(borough, rng, count)


def make_interactions(borough: Borough, rng: random.Random, count: int) -> None:
    from desk_borough import make_interactions as make

    make(borough, rng, count)


def _report_step(module: str, name: str) -> Callable[[Borough, random.Random, int], None]:
    """A step written in report_borough.py or report_borough_desk.py, imported when it runs."""
    def make(borough: Borough, rng: random.Random, count: int) -> None:
        import importlib

        getattr(importlib.import_module(module), name)(borough, rng, count)

    return make


STEPS: tuple[Step, ...] = (
    Step("sites", 40, make_sites),
    Step("staff", 600, make_staff),
    Step("residents", 400_000, make_residents),  # with their search words and typo variants
    Step("interactions", 2_000_000, make_interactions),  # with record_reference rows
    # For the reports (report_borough.py, report_borough_desk.py):
    Step("partner_services", 120, _report_step("report_borough", "make_partners")),  # and 40 organisations
    Step("assessments", 60_000, _report_step("report_borough", "make_assessments")),  # completed; +5% not
    Step("referrals", 40_000, _report_step("report_borough", "make_referrals")),  # with referral_event rows
    Step("equality", 160_000, _report_step("report_borough", "make_equality")),  # 40% of residents
    Step("queue_tickets", 300_000, _report_step("report_borough_desk", "make_queue")),
    Step("callbacks", 50_000, _report_step("report_borough_desk", "make_callbacks")),
    Step("cases", 6_000, _report_step("report_borough_desk", "make_cases")),  # with activities, references
    Step("print_records", 100_000, _report_step("report_borough_desk", "make_prints")),
)


# ---- the cache -----------------------------------------------------------------------------


def scaled(count: int, scale: float) -> int:
    return max(1, round(count * scale))


def schema_head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from assisted_desk.core.paths import migrations_dir

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    return ScriptDirectory.from_config(config).get_current_head() or "empty"


def migrations_fingerprint() -> str:
    """The migrations' own text: an index added to a revision not yet released keeps the head's
    id, and a borough made before it would silently lack the index (reports are timed with it)."""
    from assisted_desk.core.paths import migrations_dir

    digest = hashlib.sha256()
    for path in sorted((migrations_dir() / "versions").glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def describe(scale: float = 1.0) -> dict[str, object]:
    """Everything the generated file depends on; its hash names the cached file."""
    return {
        "generator_version": GENERATOR_VERSION,
        "seed": SEED,
        "scale": scale,
        "schema_head": schema_head(),
        "migrations": migrations_fingerprint(),
        "name_index": name_index_fingerprint(),
        "counts": {step.name: scaled(step.count, scale) for step in STEPS},
    }


def name_index_fingerprint() -> str:
    """What the application's name index makes of every name the borough uses: when the
    application changes how names are folded or split, the cached borough is stale."""
    from desk_borough import PREFERRED
    from names import ORIGINS

    from assisted_desk.desk.search import name_index_rows

    made = []
    for origin in ORIGINS:
        for native, latin in origin.given + origin.family:
            made.append(name_index_rows(0, native, latin, ""))
    made.extend(name_index_rows(0, name, "", "") for name in PREFERRED)
    return hashlib.sha256(repr(made).encode()).hexdigest()[:16]


def cache_key(description: dict[str, object]) -> str:
    return hashlib.sha256(json.dumps(description, sort_keys=True).encode()).hexdigest()[:16]


def generate(path: Path, scale: float = 1.0, progress: Progress = lambda _m: None) -> dict[str, float]:
    """Make the borough in a new SQLite file at `path`; returns seconds taken by each step."""
    from assisted_desk.core.config import sqlite_url
    from assisted_desk.core.db import Database
    from assisted_desk.core.migrate import upgrade

    db = Database(sqlite_url(path))
    try:
        started = time.perf_counter()
        upgrade(db)
        seconds = {"migrate": time.perf_counter() - started}
        with db.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA synchronous=OFF")  # a cache: a crash just means generate again
            # No journal either, for the same reason (the file is made whole below).
            connection.exec_driver_sql("PRAGMA journal_mode=OFF")
            # Steps make their references consistent by construction (a full-size borough passed
            # PRAGMA foreign_key_check); checking each of millions of rows would double the time.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            borough = Borough(connection)
            for step in STEPS:
                count = scaled(step.count, scale)
                progress(f"generate: {step.name}: {count:,}")
                started = time.perf_counter()
                step.make(borough, random.Random(f"{SEED}:{step.name}"), count)
                connection.commit()
                seconds[step.name] = time.perf_counter() - started
    finally:
        db.dispose()
    # One self-contained file (no -wal beside it), so it can be renamed and copied safely.
    raw = sqlite3.connect(path)
    try:
        raw.execute("PRAGMA journal_mode=DELETE")
    finally:
        raw.close()
    return seconds


def ensure_borough(cache_dir: Path, scale: float = 1.0, *, force: bool = False,
                   progress: Progress = lambda _m: None) -> Path:
    """The cached borough for this generator, schema and scale; generated first if missing."""
    description = describe(scale)
    stem = f"borough-x{scale:g}-{cache_key(description)}"
    path = cache_dir / f"{stem}.sqlite"
    manifest = cache_dir / f"{stem}.json"
    if path.exists() and manifest.exists() and not force:
        progress(f"generate: using the cached borough {path}")
        return path
    cache_dir.mkdir(parents=True, exist_ok=True)
    for stale in cache_dir.glob(f"borough-x{scale:g}-*"):  # other versions of this scale
        stale.unlink()
    partial = cache_dir / f"{stem}.partial.sqlite"
    for leftover in cache_dir.glob(f"{partial.name}*"):
        leftover.unlink()
    progress(f"generate: a new borough at scale {scale:g} into {path}")
    started = time.perf_counter()
    seconds = generate(partial, scale, progress)
    os.replace(partial, path)
    manifest.write_text(json.dumps({
        **description,
        "password": BENCH_PASSWORD,
        "now": NOW.isoformat(),
        "step_seconds": {name: round(s, 2) for name, s in seconds.items()},
        "size_bytes": path.stat().st_size,
    }, indent=2), encoding="utf-8")
    progress(f"generate: done in {time.perf_counter() - started:.1f} s")
    return path


def main(argv: list[str] | None = None) -> int:
    from harness import CACHE_DIR, log

    parser = argparse.ArgumentParser(prog="benchmarks/generate.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every step's count (default 1)")
    parser.add_argument("--force", action="store_true", help="generate again even if the cache holds this borough")
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be more than 0")
    print(ensure_borough(CACHE_DIR, args.scale, force=args.force, progress=log))
    return 0


if __name__ == "__main__":
    sys.exit(main())
