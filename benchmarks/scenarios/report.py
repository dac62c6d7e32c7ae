"""Running the reports for a year of a borough, on SQLite and on PostgreSQL.

`services.reports.run_now` as the reports page runs it (an administrator; disclosure control
on, as everyone sees them) for the last twelve full months: referral outcomes, skills progress,
desk performance by month and by quarter, and each report broken down by ethnicity. Beside each,
one hand-written aggregate statement (report_sql.py) that returns the report's headline figures
(the referral funnel by partner, residents assessed and levels reached, the desk indicators by
site), checked once against the report run with disclosure control off: they must agree.
Target: every report's p95 under 1 s on both databases, and its median under 2x the
hand-written statement's median.

The borough is the cached one (generate.py), worked on a copy; PostgreSQL is a throwaway server
loaded from it by COPY for this run (report_pg.py). The statements each report runs are captured,
replayed one by one (which costs most) and explained to stderr; `*_full_scans` lists the tables
read without an index."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import timeit
from datetime import date, datetime, timezone
from pathlib import Path

from harness import Context, ScenarioError, log, summary_ms
from scenarios import scenario

TARGET_MS = 1000.0
TARGET_RATIO = 2.0
DEFAULT_RUNS = 7
WARM_UP = 1  # besides the two untimed runs every report gets first (the check, the captured one)
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)  # the borough's "now" (generate.NOW)
SINCE, UNTIL = date(2025, 11, 1), date(2026, 10, 31)  # the last twelve full months


def _requests() -> dict[str, object]:
    from assisted_desk.reporting.model import Dimension, Grain, ReportKind, ReportRequest

    plain = {"referrals": ReportRequest(ReportKind.REFERRALS, SINCE, UNTIL),
             "skills": ReportRequest(ReportKind.SKILLS, SINCE, UNTIL),
             "desk": ReportRequest(ReportKind.DESK, SINCE, UNTIL, grain=Grain.MONTH),
             "desk_quarter": ReportRequest(ReportKind.DESK, SINCE, UNTIL, grain=Grain.QUARTER)}
    for kind in ("referrals", "skills", "desk"):
        request = plain[kind]
        plain[f"{kind}_by_ethnicity"] = type(request)(request.kind, SINCE, UNTIL, breakdown=Dimension.ETHNICITY)
    return plain


def _admin(services):
    from sqlalchemy import text

    from assisted_desk.core.security import Actor, Role

    with services.db.engine.connect() as connection:
        name, site_id, site = connection.execute(text(
            "SELECT s.display_name, s.site_id, t.name FROM staff s JOIN site t ON t.id = s.site_id "
            "WHERE s.username = 'admin'")).one()
    return Actor(1, "admin", name, Role.ADMIN, site_id, site)


def _captured(engine, run) -> list[tuple[str, object]]:
    from sqlalchemy import event

    statements: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    return statements


def _plans(engine, statements, label: str) -> tuple[list[str], list[tuple[float, str]]]:
    """Each statement replayed (timed) and explained to stderr: (large tables read whole, (ms, statement))."""
    import re

    from sqlalchemy import inspect

    scans, costs = set(), []
    postgres = engine.dialect.name == "postgresql"
    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        for statement, parameters in statements:
            short = " ".join(statement.split())
            began = time.perf_counter()
            cursor = raw.cursor()
            cursor.execute(statement, parameters)
            cursor.fetchall()
            spent = (time.perf_counter() - began) * 1000
            costs.append((spent, short))
            cursor = raw.cursor()
            cursor.execute(("EXPLAIN " if postgres else "EXPLAIN QUERY PLAN ") + statement, parameters)
            plan = [row[0] if postgres else row[-1] for row in cursor.fetchall()]
            log(f"report[{label}]: {spent:7.1f} ms  {short[:300]}{' ...' if len(short) > 300 else ''}")
            for line in plan:
                log(f"report[{label}]:     {line}")
                found = (re.search(r"Seq Scan on (\w+)", line) if postgres
                         else re.match(r"SCAN (\w+)(?! USING)", line) if "USING" not in line else None)
                if found:
                    scans.add(found.group(1))
        # Reading a small table whole is fine (sites, staff, settings...); and SQLite names its
        # own subqueries in plans ("SCAN ranked"): only tables of 10,000 rows or more are listed.
        tables = set(inspect(engine).get_table_names())
        scans = {t for t in scans if t in tables and
                 connection.exec_driver_sql(f'SELECT count(*) FROM "{t}"').scalar() >= 10_000}
        connection.rollback()
    return sorted(scans), sorted(costs, reverse=True)


class _DatabaseTime:
    """Seconds spent in the driver's execute while it listens. psycopg has the whole result by
    then; SQLite may still be grouping while the rows are fetched, so on SQLite it is a lower bound."""

    def __init__(self, engine) -> None:
        from sqlalchemy import event

        self.seconds = 0.0
        self._began: list[float] = []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        self._engine = engine

    def _before(self, *_args) -> None:
        self._began.append(time.perf_counter())

    def _after(self, *_args) -> None:
        self.seconds += time.perf_counter() - self._began.pop()

    def close(self) -> None:
        from sqlalchemy import event

        event.remove(self._engine, "before_cursor_execute", self._before)
        event.remove(self._engine, "after_cursor_execute", self._after)


# Indexes beyond those migration 0008 gives the reports, measured as the search scenario measures
# its proposed index: on the same copy, after the schema as migrated. One that the schema already
# has (by name) is skipped. What each is for: README, "report".
# Indexes to try beside the migrated schema (the first run's three are now in migration 0008:
# ix_interaction_report with resident_id, ix_skills_assessment_report, ix_callback_due_by).
PROPOSED_INDEXES: tuple[str, ...] = ()
PROPOSED_FOR = ("skills", "desk", "desk_by_ethnicity")  # measured again with the indexes


def _add_proposed_indexes(engine) -> float:
    began = time.perf_counter()
    with engine.begin() as connection:
        for statement in PROPOSED_INDEXES:
            connection.exec_driver_sql(statement)
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
    else:
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
    return round(time.perf_counter() - began, 1)


def _measure_both(services, label: str, runs: int) -> dict[str, object]:
    """The reports on the schema as migrated, then (`proposed_*`) with PROPOSED_INDEXES added."""
    out = _measure(services, label, runs)
    if not PROPOSED_INDEXES:
        return out
    log(f"report[{label}]: adding the proposed indexes: {'; '.join(PROPOSED_INDEXES)}")
    out["proposed_index_s"] = _add_proposed_indexes(services.db.engine)
    out.update({f"proposed_{k}": v for k, v in _measure(services, f"{label} proposed", runs, PROPOSED_FOR,
                                                          check=False).items()})
    return out


def _kept_counts_differ(engine, start: datetime, end: datetime) -> list[str]:
    """The counts kept per day (interaction_day, interaction_day_group) against the contacts
    themselves, for the year (untimed): the hand-written statements read the kept counts too,
    so only this shows a borough loaded without them kept (or a bug in keeping them)."""
    from sqlalchemy import bindparam, text

    from assisted_desk.core.db import UtcDateTime

    wrong = []
    with engine.connect() as connection:
        moments = [bindparam("start", type_=UtcDateTime()), bindparam("end", type_=UtcDateTime())]
        raw = dict(connection.execute(text(
            "SELECT COALESCE(NULLIF(e.ethnicity, ''), 'Not recorded'), COUNT(*) FROM interaction i "
            "LEFT JOIN resident_equality e ON e.resident_id = i.resident_id "
            "WHERE i.occurred_at >= :start AND i.occurred_at < :end GROUP BY 1").bindparams(*moments),
            {"start": start, "end": end}).all())
        kept = dict(connection.execute(text(
            "SELECT grp, SUM(contacts) FROM interaction_day_group WHERE dimension = 'ethnicity' "
            "AND day >= :first AND day <= :last GROUP BY grp"), {"first": SINCE, "last": UNTIL}).all())
        days = connection.execute(text("SELECT SUM(contacts) FROM interaction_day WHERE day >= :first "
                                       "AND day <= :last"), {"first": SINCE, "last": UNTIL}).scalar()
    if int(days or 0) != sum(raw.values()):
        wrong.append(f"interaction_day: {days} contacts kept, {sum(raw.values())} logged")
    wrong += [f"interaction_day_group ethnicity {group!r}: {kept.get(group)} kept, {n} logged"
              for group, n in sorted(raw.items()) if int(kept.get(group) or 0) != n]
    for line in wrong[:10]:
        log(f"report: MISMATCH {line}")
    return wrong


def _measure(services, label: str, runs: int, names: tuple[str, ...] = (), check: bool = True) -> dict[str, object]:
    from dataclasses import replace

    from report_sql import BASELINES, differences
    from assisted_desk.reporting.sql import london_midnight
    from datetime import timedelta

    actor = _admin(services)
    engine = services.db.engine
    start, end = london_midnight(SINCE), london_midnight(UNTIL + timedelta(days=1))
    out: dict[str, object] = {}
    if check:
        out["contact_days_mismatches"] = _kept_counts_differ(engine, start, end)
    for name, request in _requests().items():
        if names and name not in names:
            continue
        report = services.reports.run_now(actor, replace(request, protect=False))
        if not report.tables:
            out[f"{name}_error"] = "the report made no tables (its builder is still a scaffold)"
            log(f"report[{label}]: {name}: no tables: the builder is still a scaffold; not measured")
            continue
        baseline = BASELINES.get(name, BASELINES.get(request.kind.value))
        if check and baseline is not None and (request.breakdown is None or name in BASELINES):
            with engine.connect() as connection:
                wrong = differences(baseline.run(connection, start, end, NOW), baseline.from_report(report))
            out[f"{name}_mismatches"] = wrong
            for line in wrong[:20]:
                log(f"report[{label}]: {name}: MISMATCH {line}")
        statements = _captured(engine, lambda: services.reports.run_now(actor, request))
        for _ in range(WARM_UP - 1):
            services.reports.run_now(actor, request)
        timed, hand, in_database, cpu, hand_cpu = [], [], [], [], []
        for n in range(runs):
            order = ["report", "hand"] if n % 2 == 0 else ["hand", "report"]
            for which in order:
                if which == "report":
                    database = _DatabaseTime(engine)
                    began, used = time.perf_counter(), time.process_time()
                    try:
                        services.reports.run_now(actor, request)
                    finally:
                        timed.append(time.perf_counter() - began)
                        cpu.append(time.process_time() - used)
                        database.close()
                    in_database.append(database.seconds)
                elif baseline is not None:
                    began, used = time.perf_counter(), time.process_time()
                    with engine.connect() as connection:
                        baseline.run(connection, start, end, NOW)
                    hand.append(time.perf_counter() - began)
                    hand_cpu.append(time.process_time() - used)
        figures = summary_ms(timed, f"{name}_")
        out.update({k: v for k, v in figures.items()})
        # The rest of the time is Python: building the statements, compiling them, making the tables.
        out[f"{name}_execute_median_ms"] = summary_ms(in_database)["median_ms"]
        # CPU time of this process: on SQLite the database works in it, so this is the work done,
        # without the waiting a busy machine adds (on PostgreSQL the server's work is not in it).
        out[f"{name}_cpu_median_ms"] = summary_ms(cpu)["median_ms"]
        out[f"{name}_statements"] = len(statements)
        out[f"{name}_tables"] = len(report.tables)
        if hand:
            out.update({k: v for k, v in summary_ms(hand, f"{name}_hand_").items() if k.endswith(("median_ms", "p95_ms"))})
            out[f"{name}_ratio_to_hand"] = round(figures[f"{name}_median_ms"] / max(0.1, out[f"{name}_hand_median_ms"]), 2)
            out[f"{name}_hand_cpu_median_ms"] = summary_ms(hand_cpu)["median_ms"]
            out[f"{name}_cpu_ratio_to_hand"] = round(out[f"{name}_cpu_median_ms"] / max(0.1, out[f"{name}_hand_cpu_median_ms"]), 2)
        scans, costs = _plans(engine, statements, f"{label} {name}")
        out[f"{name}_full_scans"] = scans
        out[f"{name}_slowest_statement_ms"] = round(costs[0][0], 1) if costs else None
        log(f"report[{label}]: {name}: p50 {figures[f'{name}_median_ms']} ms (in execute "
            f"{out[f'{name}_execute_median_ms']} ms, CPU {out[f'{name}_cpu_median_ms']} ms), p95 {figures[f'{name}_p95_ms']} ms"
            + (f"; hand-written p50 {out[f'{name}_hand_median_ms']} ms, ratio {out[f'{name}_ratio_to_hand']}"
               if hand else "") + f"; {len(statements)} statements; full scans: {', '.join(scans) or 'none'}")
        for spent, short in costs[:3]:
            log(f"report[{label}]: {name}: costliest {spent:.1f} ms: {short[:200]}")
    return out


def _meets(figures: dict[str, object], prefix: str = "") -> bool:
    names = [k[len(prefix):-len("_p95_ms")] for k in figures if k.startswith(prefix) and k.endswith("_p95_ms")
             and "_hand_" not in k]
    if not names or any(k.startswith(prefix) and k.endswith("_error") for k in figures):
        return False
    return all(figures[f"{prefix}{n}_p95_ms"] < TARGET_MS
               and figures.get(f"{prefix}{n}_ratio_to_hand", 0) <= TARGET_RATIO
               and not figures.get(f"{prefix}{n}_mismatches") for n in names)


@scenario("report", "the three reports for a year of a borough, SQLite and PostgreSQL, beside hand-written SQL")
def run(ctx: Context) -> dict[str, object]:
    from assisted_desk.core.clock import FixedClock
    from assisted_desk.core.config import Paths, parse_database_url, sqlite_url
    from assisted_desk.services import open_services
    from report_pg import load_borough, throwaway_server

    runs = ctx.runs_or(DEFAULT_RUNS)
    borough = ctx.borough()
    manifest = json.loads(borough.with_suffix(".json").read_text(encoding="utf-8"))
    figures: dict[str, object] = {
        "runs": runs, "since": SINCE.isoformat(), "until": UNTIL.isoformat(), "counts": manifest["counts"],
        "generate_s": round(sum(manifest["step_seconds"].values()), 1),
        "load_average": round(os.getloadavg()[0], 1) if hasattr(os, "getloadavg") else None}
    with tempfile.TemporaryDirectory(prefix="assisted-desk-bench-report-") as tmp:
        copy = Path(tmp) / "borough.sqlite"
        shutil.copyfile(borough, copy)
        services = open_services(Paths.for_home(Path(tmp) / "home"), sqlite_url(copy), clock=FixedClock(NOW))
        try:
            figures.update(_measure_both(services, "sqlite", runs))
        finally:
            services.close()
        copy.unlink()
        with throwaway_server() as server:
            if server is None:
                log("report: PostgreSQL server binaries are not installed; measured on SQLite only")
                figures["postgresql"] = "not measured: no PostgreSQL server binaries"
            else:
                log("report[postgresql]: loading the borough into a throwaway server")
                began = time.perf_counter()
                figures.update(load_borough(server, borough, "bench_report", log))
                figures["postgresql_load_s"] = round(time.perf_counter() - began, 1)
                services = open_services(Paths.for_home(Path(tmp) / "home-pg"),
                                         parse_database_url(server.url("bench_report")), clock=FixedClock(NOW))
                try:
                    figures.update({f"postgresql_{k}": v for k, v in _measure_both(services, "postgresql", runs).items()})
                finally:
                    services.close()
    sqlite = {k: v for k, v in figures.items() if not k.startswith(("postgresql_", "proposed_"))}
    figures.update({"target_p95_ms": TARGET_MS, "target_ratio": TARGET_RATIO,
                    "sqlite_meets_target": _meets(sqlite),
                    "postgresql_meets_target": _meets({k: v for k, v in figures.items()
                                                       if not k.startswith("postgresql_proposed_")}, "postgresql_"),
                    "proposed_sqlite_meets_target": _meets(figures, "proposed_"),
                    "proposed_postgresql_meets_target": _meets(figures, "postgresql_proposed_")})
    figures["meets_target"] = figures["sqlite_meets_target"] and figures["postgresql_meets_target"]
    figures["load_average_after"] = round(os.getloadavg()[0], 1) if hasattr(os, "getloadavg") else None
    # How fast this machine runs plain Python right now (about 10 us on a quiet modern core).
    figures["python_sum_1000_us"] = round(min(timeit.repeat("sum(range(1000))", number=200, repeat=5)) / 200 * 1e6, 1)
    if any(k.endswith("_mismatches") and v for k, v in figures.items()):
        raise ScenarioError("a report and the hand-written SQL disagree (see *_mismatches)", **figures)
    return figures
