"""Many desks at once: 20 desks working one PostgreSQL server for 2 minutes.

A throwaway PostgreSQL server (the tests' own, `tests/pg.py`, via `report_pg.throwaway_server`)
gets one database migrated to head and seeded through the application's own services: 4 sites,
5 desk staff and an inclusion coordinator at each, 3,000 residents, 6 partner organisations with
a service each, and 100 referrals per site sent and waiting for news. Then 20 worker processes
(multiprocessing, spawn: no shared GIL), each with its own `open_services` and connection pool,
each one desk (`load_desk.py`), work a mix for the duration: find residents, log contacts, run
the site's walk-in queue, make and ring callbacks, record referral updates. Afterwards the
database is checked against what every desk was told (`load_check.py`): nothing lost,
duplicated or made up. Target: no lost, duplicated or extra write and no error; latencies are
reported (no target was set for them).

ASSISTED_DESK_LOAD_SECONDS (default 120) and ASSISTED_DESK_LOAD_DESKS (default 20) change the run;
`--runs` does not apply."""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

from harness import Context, ScenarioError, log, percentile
from scenarios import scenario

SEED = 20261123
SITES = ("Central Library", "Riverside Hub", "Eastgate Library", "Northfield Community Hub")
DESKS_PER_SITE = 5
RESIDENTS = 3_000
PARTNERS = ("Good Things Learning", "Riverside Digital Club", "Silver Surfers", "Eastgate Adult Learning",
            "Northfield Job Club", "Library Tech Help")
REFERRALS_PER_SITE = 100
PASSWORD = "load-bench-2026"
DEFAULT_SECONDS = 120
RETRIED_INSIDE = ("call_next", "issue_ticket")


def _seconds() -> float:
    return float(os.environ.get("ASSISTED_DESK_LOAD_SECONDS", DEFAULT_SECONDS))


def _desks() -> int:
    return int(os.environ.get("ASSISTED_DESK_LOAD_DESKS", len(SITES) * DESKS_PER_SITE))


def _load_average() -> float:
    return round(os.getloadavg()[0], 2)


def seed(url, home: Path, desks: int, progress=log) -> dict:
    """Migrate and fill the database through the services; returns what the desks need."""
    from argon2 import PasswordHasher
    from argon2.profiles import CHEAPEST

    from assisted_desk.core.clock import Clock
    from assisted_desk.core.config import Paths
    from assisted_desk.core.security import Actor, PasswordHashing, Role
    from assisted_desk.desk.consent import ConsentInput
    from assisted_desk.desk.resident_input import ResidentInput
    from assisted_desk.desk.vocab import ConsentPurpose
    from assisted_desk.inclusion.directory_input import OrganisationInput, ServiceInput
    from assisted_desk.services import open_services
    from desk_borough import postcode, resident_name

    rng = random.Random(SEED)
    # The cheapest Argon2 cost: nobody signs in here, and 25 real hashes would only slow the seeding.
    services = open_services(Paths.for_home(home), url, clock=Clock(),
                             hashing=PasswordHashing(PasswordHasher.from_parameters(CHEAPEST)))
    try:
        record = services.staff.set_up_desk(SITES[0], "library", "admin", "Load Administrator", PASSWORD)
        admin = Actor(record.id, record.username, record.display_name, Role.ADMIN, record.site_id, record.site_name)
        sites = [(record.site_id, record.site_name)]
        for name in SITES[1:]:
            site = services.staff.add_site(admin, name, "hub" if "Hub" in name else "library")
            sites.append((site.id, site.name))
        staff: dict[int, list] = {site_id: [] for site_id, _ in sites}
        coordinators: dict[int, Actor] = {}
        for n in range(desks):
            site_id, _name = sites[n % len(sites)]
            made = services.staff.add_staff(admin, f"desk{n + 1:02d}", f"Desk {n + 1:02d}", Role.DESK, site_id,
                                            PASSWORD, must_change_password=False)
            staff[site_id].append(made)
        for site_id, site_name in sites:
            made = services.staff.add_staff(admin, f"coordinator{site_id}", f"Coordinator {site_name}",
                                            Role.COORDINATOR, site_id, PASSWORD, must_change_password=False)
            coordinators[site_id] = Actor(made.id, made.username, made.display_name, Role.COORDINATOR, site_id,
                                          site_name)
        began = time.perf_counter()
        residents = []
        for n in range(RESIDENTS):
            given, family, *_ = resident_name(rng)
            born = date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 65))
            phone = f"07400 {100000 + n}"
            made = services.residents.register(admin, ResidentInput(
                given_name=given, family_name=family, date_of_birth=born, address_line1=f"{rng.randint(1, 200)} "
                "High Street", postcode=postcode(rng)[0], phone=phone), confirm_not_duplicate=True)
            residents.append([made.id, given, family, phone])
            if (n + 1) % 1000 == 0:
                progress(f"load: {n + 1} residents registered ({time.perf_counter() - began:.0f} s)")
        partner_services = []
        for name in PARTNERS:
            org = services.partners.add_organisation(admin, OrganisationInput(
                name, email="hello@example.org", phone="020 7946 0001"))
            made = services.partners.add_service(admin, org.id, ServiceInput(
                f"{name}: digital skills", referral_method="email", referral_email="referrals@example.org",
                skill_areas=("transacting",)))
            partner_services.append((made.id, name))
        referrals: dict[int, list[int]] = {site_id: [] for site_id, _ in sites}
        versions: dict[int, int] = {}
        chosen = rng.sample(residents, REFERRALS_PER_SITE * len(sites))
        for n, (resident_id, *_rest) in enumerate(chosen):
            site_id = sites[n % len(sites)][0]
            coordinator = coordinators[site_id]
            service_id, organisation = rng.choice(partner_services)
            services.consent.record_consent(coordinator, resident_id, ConsentInput(
                ConsentPurpose.SHARE_WITH_PARTNER, organisation, "verbal"))
            draft = services.referrals.draft(coordinator, resident_id, service_id,
                                             need_text="Wants to learn to use email and book appointments online")
            sent = services.referrals.send(coordinator, draft.id, draft.version)
            referrals[site_id].append(sent.referral.id)
            versions[sent.referral.id] = sent.referral.version
        codes = [entry.code for entry in services.catalogue.entries(admin) if entry.active]
    finally:
        services.close()
    desk_configs = []
    for n in range(desks):
        site_id, site_name = sites[n % len(sites)]
        member = staff[site_id][n // len(sites)]
        coordinator = coordinators[site_id]
        desk_configs.append({
            "desk": n + 1, "staff_id": member.id, "username": member.username, "display_name": member.display_name,
            "site_id": site_id, "site_name": site_name, "coordinator_id": coordinator.staff_id,
            "coordinator_username": coordinator.username, "coordinator_name": coordinator.display_name,
            "referrals": referrals[site_id], "service_codes": codes, "residents": residents,
        })
    return {"desks": desk_configs, "referral_versions": versions, "residents": len(residents),
            "referrals": sum(len(v) for v in referrals.values()), "sites": len(sites)}


def run_desks(url: str, tmp: Path, seeded: dict, duration_s: float) -> tuple[list[list], list[str]]:
    """Start one process per desk, let them all begin at once, wait for them; returns every
    operation ([desk, op, start_s, took_s, outcome, written, token, cpu_s, detail?]) and any start
    errors."""
    from load_desk import run_desk

    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(seeded["desks"]) + 1)
    workers, files = [], []
    for config in seeded["desks"]:
        path = tmp / f"desk-{config['desk']:02d}.jsonl"
        files.append((config["desk"], path))
        config = {**config, "url": url, "home": str(tmp / f"home-{config['desk']:02d}"), "seed": SEED,
                  "duration_s": duration_s}
        worker = context.Process(target=run_desk, args=(config, barrier, str(path)), name=f"desk-{config['desk']}")
        worker.start()
        workers.append(worker)
    began = time.perf_counter()
    # Each desk imports the application, opens its services and warms up, then waits at the
    # barrier; a desk that died on the way breaks it for the rest (its file says why).
    while barrier.n_waiting < len(workers) and all(w.is_alive() for w in workers):
        time.sleep(0.2)
    try:
        barrier.wait(timeout=30)
    except threading.BrokenBarrierError:
        barrier.abort()
    log(f"load: {len(workers)} desks started in {time.perf_counter() - began:.0f} s; working for {duration_s:g} s")
    deadline = time.time() + duration_s + 120
    for worker in workers:
        worker.join(timeout=max(0.0, deadline - time.time()))
        if worker.is_alive():
            worker.kill()
            worker.join()
    operations, start_errors = [], []
    for desk, path in files:
        if not path.exists():
            start_errors.append(f"desk {desk}: no results file")
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            if isinstance(item, dict):
                start_errors.append(f"desk {desk}: {item['start_error']}")
            else:
                operations.append([desk, *item])
    exits = [w.exitcode for w in workers]
    if any(code != 0 for code in exits):
        start_errors.append(f"desk exit codes: {exits}")
    return operations, start_errors


def figures_of(operations: list[list], duration_s: float) -> dict:
    """Throughput and latency per operation, and the outcomes."""
    by_op: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    outcomes = {"ok": 0, "conflict": 0, "error": 0}
    conflicts: dict[str, int] = {}
    said: dict[str, str] = {}
    for _desk, op, _start, took, outcome, *rest in operations:
        by_op.setdefault(op, []).append(took)
        cpu.setdefault(op, []).append(rest[2])
        outcomes[outcome] += 1
        if outcome == "conflict":
            conflicts[op] = conflicts.get(op, 0) + 1
            said.setdefault(op, rest[3] if len(rest) > 3 else "")
    out: dict[str, object] = {
        "operations": len(operations), "throughput_ops_per_s": round(len(operations) / duration_s, 1),
        "ok": outcomes["ok"], "conflicts": outcomes["conflict"], "errors": outcomes["error"],
        "conflicts_by_operation": conflicts, "conflict_messages": said,
        # Calling next and issuing a ticket promise to take the next ticket or number when another
        # desk was quicker: a ConflictError from them reaches the person at the desk as a failure.
        "unexpected_conflicts": sum(conflicts.get(op, 0) for op in RETRIED_INSIDE),
    }
    everything = [t for ts in by_op.values() for t in ts]
    if everything:
        out.update({"all_median_ms": round(percentile(everything, 0.5) * 1000, 1),
                    "all_p95_ms": round(percentile(everything, 0.95) * 1000, 1)})
    per_op = {}
    for op, timings in sorted(by_op.items()):
        ms = [t * 1000 for t in timings]
        per_op[op] = {"count": len(ms), "per_s": round(len(ms) / duration_s, 2),
                      "median_ms": round(percentile(ms, 0.5), 1), "p95_ms": round(percentile(ms, 0.95), 1),
                      "max_ms": round(max(ms), 1),
                      "client_cpu_median_ms": round(percentile(cpu[op], 0.5) * 1000, 1)}
    out["by_operation"] = per_op
    return out


@scenario("load", "20 desks (processes) logging contacts, running queues and updating referrals on one PostgreSQL")
def run(ctx: Context) -> dict[str, object]:
    from assisted_desk.core.config import parse_database_url
    from load_check import check_database
    from report_pg import throwaway_server

    duration_s, desks = _seconds(), _desks()
    if duration_s <= 0 or desks < 1:
        raise ScenarioError("ASSISTED_DESK_LOAD_SECONDS and ASSISTED_DESK_LOAD_DESKS must be positive")
    figures: dict[str, object] = {"desks": desks, "duration_s": duration_s, "load_average": _load_average()}
    with throwaway_server() as server, tempfile.TemporaryDirectory(prefix="assisted-desk-bench-load-") as tmp:
        if server is None:
            raise ScenarioError("PostgreSQL server binaries (initdb, pg_ctl) are not installed: "
                                "sudo apt-get install postgresql")
        server.execute('CREATE DATABASE "load" TEMPLATE template0')
        url = server.url("load")
        began = time.perf_counter()
        seeded = seed(parse_database_url(url), Path(tmp) / "home-seed", desks)
        figures.update(seed_s=round(time.perf_counter() - began, 1), sites=seeded["sites"],
                       residents=seeded["residents"], open_referrals=seeded["referrals"])
        log(f"load: seeded in {figures['seed_s']} s; starting {desks} desks")
        operations, start_errors = run_desks(url, Path(tmp), seeded, duration_s)
        figures["load_average_after"] = _load_average()
        if start_errors:
            raise ScenarioError("some desks did not run: " + " | ".join(start_errors)[:4000], **figures)
        figures.update(figures_of(operations, duration_s))
        checked = check_database(parse_database_url(url), operations, seeded["referral_versions"])
        figures.update(checked)
        samples = [op[8] for op in operations if op[4] == "error" and len(op) > 8][:3]
        if samples:
            figures["error_samples"] = samples
            for sample in samples:
                log(f"load: error: {sample}")
    figures["meets_target"] = (figures["errors"] == 0 and figures["unexpected_conflicts"] == 0
                               and figures["lost_writes"] == 0 and figures["duplicated_writes"] == 0 and figures["extra_writes"] == 0
                               and not figures["consistency_problems"])
    return figures
