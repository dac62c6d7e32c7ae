"""Submitting a council request at the desk while the back office hangs.

`services.submissions.submit` logs the contact and writes the request to the outbox in one
transaction and returns: the desk never waits on the network. This measures that, on a copy of
the borough (400,000 residents, 2,000,000 contacts), while this desk's own sender runs in a
background thread against a back office that accepts connections and never answers (so the
sender keeps claiming requests, waiting out its read timeout and writing the failed attempt back,
beside the submissions). Target: p95 under 20 ms."""

from __future__ import annotations

import random
import shutil
import socket
import sqlite3
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

from harness import Context, ScenarioError, log, summary_ms
from scenarios import scenario

TARGET_MS = 20.0
DEFAULT_RUNS = 300
WARM_UP = 10
SEED = 20261123
SENDER_READ_TIMEOUT_S = 1.0  # short, so the sender comes back to the database often


class HangingBackOffice:
    """Accepts every connection on 127.0.0.1 and never answers (plain http: the desk allows it
    to this computer only)."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.port = self.listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="hanging back office", daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        self.listener.settimeout(0.2)
        while not self._stop.is_set():
            try:
                connection, _address = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted.append(connection)  # held open, never read from or written to

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for connection in self.accepted:
            connection.close()
        self.listener.close()


def _memory_keyring() -> None:
    """Keep the token in memory: a benchmark must not write to this computer's real keyring."""
    import keyring
    import keyring.backend

    class Memory(keyring.backend.KeyringBackend):
        priority = 1
        secrets: dict[tuple[str, str], str] = {}

        def get_password(self, service, username):
            return self.secrets.get((service, username))

        def set_password(self, service, username, password):
            self.secrets[(service, username)] = password

        def delete_password(self, service, username):
            self.secrets.pop((service, username), None)

    keyring.set_keyring(Memory())


def _pick_residents(database: Path, count: int, rng: random.Random) -> list[int]:
    raw = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        top = raw.execute("SELECT max(id) FROM resident").fetchone()[0]
        chosen: set[int] = set()
        while len(chosen) < count:
            candidate = rng.randrange(1, top + 1)
            found = raw.execute("SELECT 1 FROM resident WHERE id = ? AND merged_into_id IS NULL AND "
                                "address_line1 != '' AND postcode != ''", (candidate,)).fetchone()
            if found:
                chosen.add(candidate)
        return sorted(chosen)
    finally:
        raw.close()


def _site_of_admin(database: Path) -> int:
    raw = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return raw.execute("SELECT site_id FROM staff WHERE id = 1").fetchone()[0]
    finally:
        raw.close()


def _png() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rows = b"".join(b"\x00" + bytes((90, 120, 60)) * 64 for _ in range(48))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 64, 48, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


@scenario("submit", "queueing a back-office request at the desk (the outbox write) while the back office hangs")
def run(ctx: Context) -> dict[str, object]:
    from assisted_desk.core.clock import Clock
    from assisted_desk.core.config import Paths, sqlite_url
    from assisted_desk.core.security import Actor, Role
    from assisted_desk.desk.attachments import AttachmentInput
    from assisted_desk.desk.backoffice_settings import BackOfficeConfig
    from assisted_desk.desk.consent import ConsentInput
    from assisted_desk.desk.interactions import ContactInput
    from assisted_desk.desk.outbox_sender import OutboxSender
    from assisted_desk.desk.representatives import london_today
    from assisted_desk.desk.submissions import RequestInput
    from assisted_desk.desk.vocab import Channel, ConsentPurpose, HelpType, Outcome
    from assisted_desk.services import open_services

    borough = ctx.borough()
    runs = ctx.runs_or(DEFAULT_RUNS)
    _memory_keyring()
    rng = random.Random(SEED)
    with tempfile.TemporaryDirectory(prefix="assisted-desk-bench-submit-") as tmp:
        database = Path(tmp) / "borough.sqlite"
        log("submit: copying the borough")
        shutil.copyfile(borough, database)
        residents = _pick_residents(database, runs + WARM_UP, rng)
        actor = Actor(1, "admin", "Benchmark", Role.ADMIN, _site_of_admin(database))
        services = open_services(Paths.for_home(Path(tmp) / "home"), sqlite_url(database), clock=Clock())
        office = HangingBackOffice()
        stop = threading.Event()
        sender_runs = [0]
        sender_errors: list[BaseException] = []
        try:
            url = f"http://127.0.0.1:{office.port}"
            services.backoffice.set_url(actor, url)
            services.backoffice.set_token(actor, "benchmark-token")
            log(f"submit: recording consent for {len(residents)} residents")
            for resident_id in residents:
                services.consent.record_consent(actor, resident_id, ConsentInput(
                    ConsentPurpose.ACT_ON_BEHALF, "waste_recycling", "verbal"))
            sender = OutboxSender(services.db, services.clock, services.backoffice, name="benchmark-sender",
                                  config_override=lambda: BackOfficeConfig(url, "benchmark-token", "", 2.0,
                                                                          SENDER_READ_TIMEOUT_S))

            def deliver() -> None:
                try:
                    while not stop.is_set():
                        runner = sender.run_once(ignore_pause=True)
                        for _line in runner:
                            pass
                        sender_runs[0] += 1
                        stop.wait(0.05)
                except BaseException as error:  # noqa: BLE001 - reported below
                    sender_errors.append(error)

            background = threading.Thread(target=deliver, name="outbox sender", daemon=True)
            photo = _png()
            day = (london_today(services.clock) - timedelta(days=1)).isoformat()
            timings: list[float] = []
            file_timings: list[float] = []
            for number, resident_id in enumerate(residents):
                if number == WARM_UP:
                    background.start()
                    time.sleep(0.5)  # the sender is now waiting on the back office
                files = [AttachmentInput("bin.png", photo)] if number % 10 == 0 else []
                contact = ContactInput(resident_id, Channel.FACE_TO_FACE, "waste_recycling", HelpType.ON_BEHALF,
                                       Outcome.RESOLVED, minutes=5)
                request = RequestInput("missed_bin", {"bin_type": rng.choice(["general", "recycling", "food"]),
                                                      "collection_date": day, "bin_left_at": "kerbside",
                                                      "notes": f"Left out by 7am ({number})"}, files)
                started = time.perf_counter()
                services.submissions.submit(actor, contact, request)
                took = time.perf_counter() - started
                if number >= WARM_UP:
                    timings.append(took)
                    if files:
                        file_timings.append(took)
            stop.set()
            background.join(timeout=SENDER_READ_TIMEOUT_S * 5 + 10)
            if sender_errors:
                raise ScenarioError(f"the background sender failed: {sender_errors[0]!r}")
            counts = services.submissions.counts(actor)
            figures = summary_ms(timings)
            log(f"submit: {len(timings)} timed submissions, p50 {figures['median_ms']} ms, p95 {figures['p95_ms']} "
                f"ms; the sender ran {sender_runs[0]} times, the back office held {len(office.accepted)} "
                f"connections; {counts.waiting} requests waiting")
            if counts.waiting < runs:
                raise ScenarioError("requests left the outbox although the back office never answered", **figures)
        finally:
            stop.set()
            if "sender" in locals():
                sender.close()
            services.close()
            office.close()
    return {"runs": len(timings), **figures, "with_attachment": len(file_timings),
            **{k: v for k, v in summary_ms(file_timings, "attachment_").items() if k.endswith(("median_ms", "p95_ms"))},
            "sender_runs": sender_runs[0],
            "backoffice_connections": len(office.accepted), "target_p95_ms": TARGET_MS,
            "meets_target": figures["p95_ms"] < TARGET_MS}
