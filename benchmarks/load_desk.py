"""One simulated desk for the `load` scenario, run in its own process (multiprocessing, spawn).

It opens its own services (its own connection pool) on the shared PostgreSQL database, waits for
the others at a barrier, then works a mix of the desk's day until the end time: finding residents,
logging contacts, running its site's walk-in queue, callbacks, and (as its site's inclusion
coordinator, who holds the referral permission desk staff lack) recording referral updates.

Every service call is one operation, written to this desk's results file as a JSON line:
`[op, start_s, took_s, outcome, written, token, cpu_s]`, where outcome is ok / conflict / error, start_s
is seconds since the shared start, `written` is what the service returned for a write (a
contact's reference, a ticket, callback, attempt or referral id) and `token` the unique text
("load-<desk>-<n>") this desk put in the written record (cpu_s: this process's CPU time for
the call, the client side of the work), so the parent can count each write in
the database. A ConflictError (another desk saved the same record first) is an expected outcome:
the desk reads the record again and retries once."""

from __future__ import annotations

import json
import random
import time
import traceback
from datetime import timedelta
from pathlib import Path

# name, weight: the share of a desk's operations (a queue step may be an issue, call, start or end)
MIX = (("search", 30), ("log_interaction", 25), ("queue", 25), ("callback", 10), ("referral", 10))
FORWARD = {"sent": ("accepted",) * 8 + ("declined", "withdrawn"),
           "accepted": ("attended_first_session",) * 6 + ("did_not_attend", "withdrawn"),
           "did_not_attend": ("attended_first_session", "stopped"),
           "attended_first_session": ("completed",) * 4 + ("stopped",)}
REASONS = {"declined": "The course is full this term", "withdrawn": "The resident changed their mind",
           "stopped": "The resident moved away"}


def run_desk(config: dict, barrier, results_path: str) -> None:
    """The process's entry point. Everything it did is in `results_path`; a failure to start is
    written there too (as a `start_error` line), so the parent can say why."""
    out = open(results_path, "w", encoding="utf-8")
    try:
        desk = Desk(config, out)
    except BaseException:
        out.write(json.dumps({"start_error": traceback.format_exc()}) + "\n")
        out.close()
        barrier.abort()
        raise
    try:
        desk.warm_up()
        barrier.wait(timeout=300)
        desk.work()
    finally:
        desk.close()
        out.close()


class Desk:
    def __init__(self, config: dict, out) -> None:
        from assisted_desk.core.clock import Clock
        from assisted_desk.core.config import Paths, parse_database_url
        from assisted_desk.core.security import Actor, Role
        from assisted_desk.services import open_services

        self.config, self.out = config, out
        self.number = config["desk"]
        self.rng = random.Random(config["seed"] * 1000 + self.number)
        self.desk = Actor(config["staff_id"], config["username"], config["display_name"], Role.DESK,
                          config["site_id"], config["site_name"])
        self.coordinator = Actor(config["coordinator_id"], config["coordinator_username"],
                                 config["coordinator_name"], Role.COORDINATOR, config["site_id"], config["site_name"])
        self.services = open_services(Paths.for_home(Path(config["home"])), parse_database_url(config["url"]),
                                      clock=Clock(), migrate=False)
        self.residents = config["residents"]  # [id, given, family, phone]
        self.referrals = list(config["referrals"])
        self.service_codes = config["service_codes"]
        self.ticket = None  # the TicketView this desk holds (called or in service)
        self.serving_resident: int | None = None  # the walk-in now at the desk, for the next contact
        self.serving_ticket: int | None = None
        self.written = 0
        self.errors = 0

    def close(self) -> None:
        self.services.close()

    # ---- the loop -----------------------------------------------------------------------------

    def warm_up(self) -> None:
        """What a desk that has been open a while has done already: the first query of each kind
        (mapper set-up, statement compilation, the catalogue cache) is not what is measured. Reads only."""
        services = self.services
        services.search.find(self.desk, self.residents[0][2])
        services.queue.waiting(self.desk)
        services.callbacks.open_callbacks(self.desk)
        services.catalogue.entries(self.desk)
        services.referrals.get(self.coordinator, self.referrals[0])

    def work(self) -> None:
        # Every desk passed the barrier at the same moment: that is the start.
        self.start_at = time.time()
        stop = self.start_at + self.config["duration_s"]
        names, weights = zip(*MIX)
        while time.time() < stop:
            getattr(self, "_" + self.rng.choices(names, weights)[0])()
        self.out.flush()

    def _token(self) -> str:
        self.written += 1
        return f"load-{self.number}-{self.written}"

    def _call(self, op: str, action, token: str = "", written=lambda result: None):
        """Run one service call and record it; returns (outcome, result)."""
        from assisted_desk.core.errors import ConflictError

        began_at = time.time() - self.start_at
        began, cpu = time.perf_counter(), time.process_time()
        try:
            result = action()
        except ConflictError as error:
            took = time.perf_counter() - began
            self._record(op, began_at, took, cpu, "conflict", None, token, str(error)[:160])
            return "conflict", None
        except Exception as error:  # noqa: BLE001 - every other failure is counted and its text kept
            took = time.perf_counter() - began
            self.errors += 1
            detail = f"{type(error).__name__}: {error}"
            if self.errors <= 3:
                detail += "\n" + traceback.format_exc(limit=8)
            self._record(op, began_at, took, cpu, "error", None, token, detail)
            return "error", None
        took = time.perf_counter() - began
        self._record(op, began_at, took, cpu, "ok", written(result), token)
        return "ok", result

    def _record(self, op, began_at, took, cpu_began, outcome, written, token, detail: str = "") -> None:
        cpu = time.process_time() - cpu_began
        line = [op, round(began_at, 4), round(took, 6), outcome, written, token, round(cpu, 6)]
        if detail:
            line.append(detail)
        self.out.write(json.dumps(line) + "\n")

    # ---- the operations -----------------------------------------------------------------------

    def _search(self) -> None:
        _id, given, family, _phone = self.rng.choice(self.residents)
        text = self.rng.choice((f"{given} {family}", family, f"{family} {given}"))
        self._call("search", lambda: self.services.search.find(self.desk, text))

    def _log_interaction(self) -> None:
        from assisted_desk.desk.interactions import ContactInput
        from assisted_desk.desk.vocab import Channel, HelpType, Outcome, Satisfaction

        rng = self.rng
        if self.serving_resident is not None or self.serving_ticket is not None:
            resident, ticket, channel = self.serving_resident, self.serving_ticket, Channel.FACE_TO_FACE
            self.serving_resident = self.serving_ticket = None
        else:
            resident = None if rng.random() < 0.08 else rng.choice(self.residents)[0]
            ticket, channel = None, rng.choice((Channel.FACE_TO_FACE, Channel.PHONE, Channel.EMAIL))
        token = self._token()
        contact = ContactInput(
            resident, channel, rng.choice(self.service_codes),
            rng.choice((HelpType.INFORMATION, HelpType.ASSISTED_SELF_SERVICE)),
            rng.choice((Outcome.RESOLVED,) * 3 + (Outcome.FOLLOW_UP, Outcome.REFERRED)),
            minutes=rng.randint(2, 40), satisfaction=rng.choice((None, Satisfaction.GOOD, Satisfaction.AVERAGE)),
            notes=f"{token}: helped with the form", queue_ticket_id=ticket)
        self._call("log_interaction", lambda: self.services.interactions.log_interaction(self.desk, contact),
                   token, lambda reference: reference)

    def _queue(self) -> None:
        queue = self.services.queue
        if self.ticket is None:
            if self.rng.random() < 0.45:
                self._issue_ticket()
                return
            outcome, ticket = self._call("call_next", lambda: queue.call_next(self.desk),
                                         written=lambda view: view.id if view else None)
            if outcome == "ok" and ticket is None:
                self._issue_ticket()  # nobody waiting: someone walks in
            self.ticket = ticket
        elif self.ticket.status.value == "called":
            held = self.ticket
            outcome, view = self._call("start_service",
                                       lambda: queue.start_service(self.desk, held.id, held.version),
                                       written=lambda view: view.id)
            self.ticket = view if outcome == "ok" else self._reread(held.id)
            if outcome == "ok":
                self.serving_resident, self.serving_ticket = view.resident_id, view.id
        else:
            held = self.ticket
            outcome, _view = self._call("end_service", lambda: queue.end_service(self.desk, held.id, held.version),
                                        written=lambda view: view.id)
            self.ticket = None if outcome == "ok" else self._reread(held.id)

    def _reread(self, ticket_id: int):
        view = self.services.queue.get(self.desk, ticket_id)
        return view if view.status.value in ("called", "serving") and view.served_by_id == self.desk.staff_id else None

    def _issue_ticket(self) -> None:
        resident = None if self.rng.random() < 0.3 else self.rng.choice(self.residents)[0]
        token = self._token()
        self._call("issue_ticket", lambda: self.services.queue.issue_ticket(
            self.desk, resident_id=resident, reason=f"{token} council tax letter"), token, lambda view: view.id)

    def _callback(self) -> None:
        callbacks = self.services.callbacks
        if self.rng.random() < 0.5:
            resident_id, _given, _family, phone = self.rng.choice(self.residents)
            token = self._token()
            due = self.services.clock.now() + timedelta(hours=self.rng.randint(2, 48))
            self._call("create_callback", lambda: callbacks.create(
                self.desk, reason=f"{token} ring back about housing", due_by=due, phone=phone,
                resident_id=resident_id), token, lambda view: view.id)
            return
        outcome, listed = self._call("read_callbacks", lambda: callbacks.open_callbacks(self.desk))
        if outcome != "ok" or not listed:
            return
        chosen = self.rng.choice(listed)
        result = self.rng.choice(("reached", "no_answer", "voicemail"))
        for attempt in range(2):
            token = self._token()
            outcome, _view = self._call("log_callback_attempt", lambda: callbacks.log_attempt(
                self.desk, chosen.id, result, f"{token} rang", expected_version=chosen.version),
                token, lambda view: view.id)
            if outcome != "conflict" or attempt:
                return
            outcome, chosen = self._call("read_callback", lambda: callbacks.get(self.desk, chosen.id))
            if outcome != "ok" or chosen.status.value != "open":
                return

    def _referral(self) -> None:
        referrals = self.services.referrals
        while self.referrals:
            referral_id = self.rng.choice(self.referrals)
            outcome, record = self._call("read_referral", lambda: referrals.get(self.coordinator, referral_id))
            if outcome != "ok":
                return
            if record.status.value not in FORWARD:
                self.referrals.remove(referral_id)  # closed: nothing more to record on it
                continue
            for attempt in range(2):
                target = self.rng.choice(FORWARD[record.status.value])
                token = self._token()
                current = record
                outcome, _updated = self._call("record_referral_update", lambda: referrals.record_update(
                    self.coordinator, referral_id, target, expected_version=current.version,
                    reason=REASONS.get(target, ""), note=f"{token} partner rang"), token, lambda r: r.id)
                if outcome != "conflict" or attempt:
                    return
                outcome, record = self._call("read_referral", lambda: referrals.get(self.coordinator, referral_id))
                if outcome != "ok" or record.status.value not in FORWARD:
                    return
            return
