"""Opening the caseload: 5,000 open cases, 200,000 activities.

`Caseload.for_actor` as the cases page calls it when it opens: "all cases" for a service manager
(every open case, no filter) and "my cases" for one advocate (about 250: owned, or on the team).
Also timed: all cases narrowed by a resident's name as typed, and by "due this week". Target:
p95 under 300 ms for both openings, on SQLite.

Its own database (not the borough): migrated by the application, then filled with Core inserts
(seeded, the same every run) and cached in benchmarks/.cache/ under a key of this file's
GENERATOR_VERSION, its counts and the schema head; each run works on a copy. The statements the
caseload runs are captured and their EXPLAIN QUERY PLAN goes to stderr: `full_scans` lists any
table read without an index, `activity_read` says whether the timeline table was touched at all."""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
import timeit
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from harness import BENCHMARKS_DIR, Context, ScenarioError, log, summary_ms
from scenarios import scenario

TARGET_MS = 300.0
DEFAULT_RUNS = 40
WARM_UP = 3
SEED = 20261123
GENERATOR_VERSION = 1
OPEN_CASES = 5_000
CLOSED_CASES = 1_500
RESIDENTS = 20_000
ADVOCATES = 40
ACTIVITIES = 200_000
MAIN_OWNED = 220  # the advocate timed for "my cases" owns this many open cases...
MAIN_MEMBER = 35  # ...and is on the team of this many more
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
TODAY = date(2026, 11, 23)
BATCH = 10_000


def _key() -> str:
    sys.path.insert(0, str(BENCHMARKS_DIR))
    from generate import schema_head

    described = {"version": GENERATOR_VERSION, "seed": SEED, "open": OPEN_CASES, "closed": CLOSED_CASES,
                 "residents": RESIDENTS, "advocates": ADVOCATES, "activities": ACTIVITIES, "head": schema_head()}
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()[:16]


def _insert(connection, table, rows: list[dict]) -> None:
    from sqlalchemy import insert

    for start in range(0, len(rows), BATCH):
        connection.execute(insert(table), rows[start:start + BATCH])


def _fill(path: Path) -> dict[str, int]:
    """A council's advocacy service: sites, a manager and 40 advocates, residents, cases in every
    state (seeded), their teams, and a timeline of activities behind them."""
    from sqlalchemy import select

    from assisted_desk.casework.calendar import WorkingCalendar
    from assisted_desk.casework.case_types import type_record
    from assisted_desk.casework.models import BankHoliday, Case, CaseActivity, CaseMember, CaseType
    from assisted_desk.core.config import sqlite_url
    from assisted_desk.core.db import Database
    from assisted_desk.core.migrate import upgrade
    from assisted_desk.core.models import Site, Staff
    from assisted_desk.desk.models import Resident
    from assisted_desk.desk.names import sort_name
    from desk_borough import resident_name
    from names import person_name, username_for

    rng = random.Random(SEED)
    db = Database(sqlite_url(path))
    try:
        upgrade(db)
        with db.engine.begin() as connection:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            types = [type_record(row) for row in connection.execute(select(CaseType.__table__)).all()]
            calendar = WorkingCalendar(connection.scalars(select(BankHoliday.day)))
            stamp = {"updated_at": NOW, "updated_by": "bench"}
            _insert(connection, Site.__table__, [{"id": 1, "name": "Central Library", "kind": "library",
                                                  "active": True, "created_at": NOW, **stamp}])
            taken: set[str] = set()
            staff = []
            for staff_id in range(1, ADVOCATES + 3):
                name = person_name(rng)
                role = "admin" if staff_id == 1 else "manager" if staff_id == 2 else "advocate"
                staff.append({"id": staff_id, "username": username_for(name, taken), "display_name": name.display,
                              "role": role, "site_id": 1, "active": True, "password_hash": "x",
                              "must_change_password": False, "failed_sign_ins": 0, "created_at": NOW, **stamp})
            _insert(connection, Staff.__table__, staff)
            residents = []
            for resident_id in range(1, RESIDENTS + 1):
                given, family, *_ = resident_name(rng)
                residents.append({"id": resident_id, "given_name": given, "family_name": family,
                                  "sort_name": sort_name(given, family), "created_at": NOW, "created_by": "bench",
                                  **stamp})
            _insert(connection, Resident.__table__, residents)
            advocates = list(range(3, ADVOCATES + 3))
            main = advocates[0]
            cases, members, activities = [], [], []
            for case_id in range(1, OPEN_CASES + CLOSED_CASES + 1):
                closed = case_id > OPEN_CASES
                kind = rng.choice(types)
                if not closed and case_id <= MAIN_OWNED:
                    owner = main
                else:
                    owner = rng.choice(advocates[1:] + [2])  # the manager carries a few too
                opened = NOW - timedelta(days=rng.uniform(0, 160 if closed else 90), hours=rng.uniform(0, 8))
                opened_day = opened.date()
                first_due = calendar.add_working_days(opened_day, kind.first_response_days)
                resolution_due = calendar.add_working_days(opened_day, kind.resolution_days)
                answered = rng.random() < 0.85 or closed
                first_at = opened + timedelta(hours=rng.uniform(1, 96)) if answered else None
                closed_at = min(NOW, opened + timedelta(days=rng.uniform(3, 60))) if closed else None
                count = max(3, int(rng.expovariate(1 / (ACTIVITIES / (OPEN_CASES + CLOSED_CASES)))))
                last = opened
                task_due = None
                for n in range(count):
                    at = opened + timedelta(hours=rng.uniform(0, max(1.0, ((closed_at or NOW) - opened)
                                                                     .total_seconds() / 3600)))
                    last = max(last, at)
                    kind_of = "opened" if n == 0 else rng.choice(["call", "call", "note", "note", "letter", "email",
                                                                  "meeting", "task", "status"])
                    due_on = done_at = None
                    if kind_of == "task":
                        due_on = TODAY + timedelta(days=rng.randint(-5, 20))
                        if closed or rng.random() < 0.6:
                            done_at = at
                        else:
                            task_due = min(task_due or due_on, due_on)
                    activities.append({
                        "case_id": case_id, "kind": kind_of, "text": f"Activity {n} on case {case_id}",
                        "internal": rng.random() < 0.1, "happened_at": at, "recorded_at": at, "recorded_by": "bench",
                        "staff_id": owner, "from_status": "", "to_status": "", "due_on": due_on,
                        "assignee_id": owner if due_on else None, "done_at": done_at, "done_by": "bench" if done_at else "",
                        "version": 1})
                status = "closed" if closed else rng.choice([s.code for s in kind.statuses])
                cases.append({
                    "id": case_id, "reference": f"CS-{case_id:04d}-{rng.choice('ABCDEFGH')}{rng.randint(0, 9)}",
                    "resident_id": rng.randint(1, RESIDENTS), "case_type_id": kind.id,
                    "summary": "Needs help with a council service", "priority": rng.choices(
                        ["low", "normal", "high", "urgent"], [15, 60, 20, 5])[0],
                    "services": "[]", "status": status, "owner_id": owner, "site_id": 1,
                    "restricted": rng.random() < 0.03, "restricted_reason": "",
                    "escalation_level": rng.choices([0, 1, 2, 3], [90, 6, 3, 1])[0],
                    "opened_at": opened, "opened_by": "bench", "first_response_due_on": first_due,
                    "first_response_at": first_at, "resolution_due_on": resolution_due,
                    "next_task_due_on": task_due, "last_activity_at": last, "closed_at": closed_at,
                    "outcome": rng.choice(["resolved", "partly_resolved", "not_resolved", "withdrawn"]) if closed else "",
                    "outcome_reason": "", "reopen_count": 1 if rng.random() < 0.02 else 0, "version": 1, **stamp})
            others = [c["id"] for c in cases if c["owner_id"] != main and c["closed_at"] is None]
            for case_id in rng.sample(others, MAIN_MEMBER):
                members.append({"case_id": case_id, "staff_id": main, "added_at": NOW, "added_by": "bench"})
            for case_id in rng.sample(others, 600):
                member = rng.choice(advocates[1:])
                if not any(m["case_id"] == case_id and m["staff_id"] == member for m in members):
                    members.append({"case_id": case_id, "staff_id": member, "added_at": NOW, "added_by": "bench"})
            _insert(connection, Case.__table__, cases)
            _insert(connection, CaseMember.__table__, members)
            _insert(connection, CaseActivity.__table__, activities)
            connection.exec_driver_sql("ANALYZE")
        return {"open_cases": OPEN_CASES, "closed_cases": CLOSED_CASES, "activities": len(activities),
                "residents": RESIDENTS, "advocates": ADVOCATES, "team_members": len(members)}
    finally:
        db.dispose()


def _cached(ctx: Context) -> tuple[Path, dict[str, int]]:
    stem = f"caseload-{_key()}"
    path, manifest = ctx.cache_dir / f"{stem}.sqlite", ctx.cache_dir / f"{stem}.json"
    if path.exists() and manifest.exists():
        log(f"caseload: using the cached database {path}")
        return path, json.loads(manifest.read_text(encoding="utf-8"))
    ctx.cache_dir.mkdir(parents=True, exist_ok=True)
    for stale in ctx.cache_dir.glob("caseload-*"):
        stale.unlink()
    partial = ctx.cache_dir / f"{stem}.partial.sqlite"
    partial.unlink(missing_ok=True)
    log(f"caseload: making {OPEN_CASES:,} open cases and {ACTIVITIES:,} activities into {path}")
    started = time.perf_counter()
    counts = _fill(partial)
    raw = sqlite3.connect(partial)
    try:
        raw.execute("PRAGMA journal_mode=DELETE")
    finally:
        raw.close()
    partial.replace(path)
    manifest.write_text(json.dumps(counts, indent=2), encoding="utf-8")
    log(f"caseload: made in {time.perf_counter() - started:.1f} s")
    return path, counts


def _plans(db, run) -> tuple[list[str], bool]:
    """Run `run` once, capturing its SELECTs, and return (full scans, whether case_activity was read)."""
    from sqlalchemy import event

    statements: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        run()
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    scans, activity = [], False
    with db.engine.connect() as connection:
        raw = connection.connection.driver_connection
        for statement, parameters in statements:
            plan = raw.execute(f"EXPLAIN QUERY PLAN {statement}", parameters).fetchall()
            log("caseload: " + " ".join(statement.split())[:160] + " ...")
            for row in plan:
                detail = row[-1]
                log(f"caseload:     {detail}")
                if "case_activity" in statement or "case_activity" in detail:
                    activity = True
                if detail.startswith("SCAN") and "USING" not in detail and "case_type" not in detail:
                    scans.append(detail)
    return scans, activity


@scenario("caseload", "opening the caseload (all cases; one advocate's) over 5,000 open cases")
def run(ctx: Context) -> dict[str, object]:
    from assisted_desk.casework.caseload import Caseload, CaseloadFilter, CaseloadScope, DueFilter
    from assisted_desk.core.clock import FixedClock
    from assisted_desk.core.config import Paths, sqlite_url
    from assisted_desk.core.security import Actor, Role
    from assisted_desk.services import open_services

    runs = ctx.runs_or(DEFAULT_RUNS)
    cached, counts = _cached(ctx)
    with tempfile.TemporaryDirectory(prefix="assisted-desk-bench-caseload-") as tmp:
        copy = Path(tmp) / "caseload.sqlite"
        shutil.copyfile(cached, copy)
        services = open_services(Paths.for_home(Path(tmp) / "home"), sqlite_url(copy), clock=FixedClock(NOW))
        try:
            caseload = Caseload(services.db, services.clock)
            manager = Actor(2, "manager", "Manager", Role.MANAGER, 1, "Central Library")
            advocate = Actor(3, "advocate", "Advocate", Role.ADVOCATE, 1, "Central Library")
            with services.db.unit_of_work() as session:
                from sqlalchemy import select
                from assisted_desk.desk.models import Resident
                family = session.scalar(select(Resident.family_name).where(Resident.id == 1))
            calls = {
                "team": lambda: caseload.for_actor(manager, CaseloadScope.TEAM),
                "mine": lambda: caseload.for_actor(advocate, CaseloadScope.MINE),
                "text": lambda: caseload.for_actor(manager, CaseloadScope.TEAM, CaseloadFilter(text=family)),
                "week": lambda: caseload.for_actor(manager, CaseloadScope.TEAM,
                                                   CaseloadFilter(due=DueFilter.THIS_WEEK)),
            }
            pages = {name: call() for name, call in calls.items()}
            for _ in range(WARM_UP - 1):
                for call in calls.values():
                    call()
            timings: dict[str, list[float]] = {name: [] for name in calls}
            cpu: dict[str, list[float]] = {name: [] for name in calls}
            for n in range(runs):
                order = list(calls.items())
                if n % 2:
                    order.reverse()
                for name, call in order:
                    started, used = time.perf_counter(), time.process_time()
                    call()
                    timings[name].append(time.perf_counter() - started)
                    cpu[name].append(time.process_time() - used)
            scans, activity = [], False
            for name in ("team", "mine"):
                found, touched = _plans(services.db, calls[name])
                scans += found
                activity = activity or touched
        finally:
            services.close()
    if len(pages["team"].rows) != OPEN_CASES:
        raise ScenarioError(f"all cases listed {len(pages['team'].rows)}, not the {OPEN_CASES} open ones")
    figures: dict[str, object] = {"runs": runs, **counts,
                                  "team_rows": len(pages["team"].rows), "mine_rows": len(pages["mine"].rows),
                                  "text_rows": len(pages["text"].rows), "week_rows": len(pages["week"].rows)}
    for name, prefix in (("team", ""), ("mine", "mine_"), ("text", "text_"), ("week", "week_")):
        figures.update(summary_ms(timings[name], prefix))
        # CPU time of this process: what the call costs, less what a busy machine adds by waiting.
        figures[f"{prefix}cpu_median_ms"] = summary_ms(cpu[name])["median_ms"]
    figures.update({
        "counts_team": vars(pages["team"].counts), "full_scans": sorted(set(scans)), "activity_read": activity,
        "target_p95_ms": TARGET_MS,
        "meets_target": figures["p95_ms"] < TARGET_MS and figures["mine_p95_ms"] < TARGET_MS})
    figures["load_average"] = round(os.getloadavg()[0], 1) if hasattr(os, "getloadavg") else None
    # How fast this machine runs plain Python right now (about 10 us on a quiet modern core), so
    # figures from a busy machine can be read for what they are.
    figures["python_sum_1000_us"] = round(min(timeit.repeat("sum(range(1000))", number=200, repeat=5)) / 200 * 1e6, 1)
    log(f"caseload: all cases ({figures['team_rows']}) p50 {figures['median_ms']} ms, p95 {figures['p95_ms']} ms; "
        f"my cases ({figures['mine_rows']}) p50 {figures['mine_median_ms']} ms, p95 {figures['mine_p95_ms']} ms; "
        f"CPU p50 {figures['cpu_median_ms']} / {figures['mine_cpu_median_ms']} ms; by name ({figures['text_rows']}) p95 {figures['text_p95_ms']} ms; "
        f"due this week ({figures['week_rows']}) p95 {figures['week_p95_ms']} ms")
    return figures
