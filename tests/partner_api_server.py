"""A real partner referral API for the tests: an HTTP(S) server on 127.0.0.1 that implements
resources/partner_api/referral-api-v1.yaml (every referral it is sent is validated against the
document's schema with jsonschema, and so is every answer it gives), and can be told to misbehave.

    partner = PartnerApi()            # plain http on 127.0.0.1; PartnerApi(tls=True) with a trustme CA
    partner.start(); partner.url      # "http://127.0.0.1:PORT/api/v1": a service's referral_api_url
    partner.fail(503, retry_after="120", times=1)   # the next answer(s); times=None: until normal()
    partner.drop(times=1)             # store the referral, then close the connection unanswered
    partner.slow(0.3)                 # sleep before answering every request
    partner.refuse("The course is full until March.")   # 422 for every new referral
    partner.down() / partner.up()     # stop listening (connections refused) / listen again
    partner.accept(reference) ; partner.decline(reference, "Outside our area")
    partner.report(reference, "attended") ; partner.add_update({...})   # anything, for the feed
    partner.stop()

What it saw: `created_per_key` / `created_per_reference` (Counters: exactly once means every value
is 1), `posts_per_key`, `stored` (reference -> StoredReferral), `hits`, `authorisations` (every
Authorization header received), `answer_errors` (answers that broke the document: must stay [])."""

from __future__ import annotations

import itertools
import json
import re
import socket
import ssl
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jsonschema
import trustme
import yaml

from .backoffice_server import schema_validator

DOC_PATH = Path(__file__).resolve().parent.parent / "resources" / "partner_api" / "referral-api-v1.yaml"
TOKEN = "partner-test-token-4b9e1d"
BASE = "/api/v1"
REASONS = {200: "OK", 201: "Created", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
           405: "Method Not Allowed", 422: "Unprocessable Content", 429: "Too Many Requests",
           500: "Internal Server Error", 503: "Service Unavailable"}


def load_document() -> dict:
    with DOC_PATH.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@dataclass
class StoredReferral:
    partner_id: str
    key: str
    body: dict
    received_at: datetime


@dataclass(frozen=True)
class Hit:
    method: str
    path: str
    key: str
    action: str


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, partner: PartnerApi) -> None:
        self.partner = partner
        super().__init__(address, _Handler)

    def finish_request(self, request, client_address) -> None:
        connection = request
        request.settimeout(30)
        if self.partner.ssl_context is not None:
            try:
                connection = self.partner.ssl_context.wrap_socket(request, server_side=True)
            except (OSError, ssl.SSLError):
                self.partner.tls_failures += 1
                return
        try:
            super().finish_request(connection, client_address)
        except OSError:
            pass

    def handle_error(self, request, client_address) -> None:  # a dropped client is no news
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format, *args) -> None:  # noqa: A002 - quiet
        pass

    def do_GET(self) -> None:  # noqa: N802
        self.server.partner._serve(self, "GET")

    def do_POST(self) -> None:  # noqa: N802
        self.server.partner._serve(self, "POST")

    def answer(self, status: int, body: object, *, headers: dict[str, str] | None = None,
               content_type: str = "application/json") -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status, REASONS.get(status))
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def problem(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        self.answer(status, {"type": "about:blank", "title": REASONS.get(status, "Problem"), "status": status,
                             "detail": detail}, headers=headers, content_type="application/problem+json")

    def drop(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class PartnerApi:
    """The test partner. Every mode method may be called while requests are in flight."""

    def __init__(self, *, tls: bool = False, token: str = TOKEN) -> None:
        self.token = token
        self.tls = tls
        self.document = load_document()
        self.request_validator = schema_validator("ReferralRequest", self.document)
        self.ack_validator = schema_validator("ReferralAcknowledgement", self.document)
        self.page_validator = schema_validator("UpdatesPage", self.document)
        self.ssl_context: ssl.SSLContext | None = None
        if tls:
            ca = trustme.CA(organization_name="Untrusted partner test CA")
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
            self.ssl_context = context
        self.port = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self.stored: dict[str, StoredReferral] = {}
        self.by_key: dict[str, StoredReferral] = {}
        self.created_per_key: Counter[str] = Counter()
        self.created_per_reference: Counter[str] = Counter()
        self.posts_per_key: Counter[str] = Counter()
        self.hits: list[Hit] = []
        self.authorisations: list[str] = []
        self.updates: list[dict] = []
        self.answer_errors: list[str] = []
        self.invalid_requests: list[str] = []
        self.tls_failures = 0
        self._actions: list[tuple[str, dict]] = []
        self._mode: tuple[str, dict] = ("ok", {})
        self._refusal = ""

    # ---- life --------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}{BASE}"

    def start(self) -> PartnerApi:
        server = _Server(("127.0.0.1", self.port), self)
        self.port = server.server_address[1]
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True,
                                  name=f"partner-api:{self.port}")
        self._server, self._thread = server, thread
        thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def down(self) -> None:
        """Stop listening: connections are refused until up()."""
        self.stop()

    def up(self) -> None:
        if self._server is None:
            self.start()

    # ---- modes --------------------------------------------------------------------------------

    def normal(self) -> None:
        with self._lock:
            self._actions.clear()
            self._mode = ("ok", {})
            self._refusal = ""

    def _set(self, action: tuple[str, dict], times: int | None) -> None:
        with self._lock:
            if times is None:
                self._mode = action
            else:
                self._actions.extend([action] * times)

    def fail(self, status: int, *, retry_after: str | None = None, times: int | None = None) -> None:
        self._set(("status", {"status": status, "retry_after": retry_after}), times)

    def drop(self, *, times: int | None = 1) -> None:
        """Store the referral, then close the connection without answering."""
        self._set(("drop_after", {}), times)

    def slow(self, seconds: float, *, times: int | None = None) -> None:
        self._set(("slow", {"seconds": seconds}), times)

    def refuse(self, detail: str) -> None:
        """Refuse (422) every new referral with this detail, until normal()."""
        with self._lock:
            self._refusal = detail

    def _next(self) -> tuple[str, dict]:
        with self._lock:
            return self._actions.pop(0) if self._actions else self._mode

    # ---- the updates feed ----------------------------------------------------------------------

    def add_update(self, update: dict) -> None:
        with self._lock:
            self.updates.append(dict(update))

    def report(self, reference: str, status: str, reason: str = "", at: datetime | None = None) -> None:
        """An update about a referral this partner holds (accepted, declined, attended, ...)."""
        with self._lock:
            stored = next(s for s in self.stored.values() if s.body["reference"] == reference)
        update = {"reference": reference, "partner_id": stored.partner_id, "status": status,
                  "happened_at": _iso(at or datetime.now(timezone.utc))}
        if reason:
            update["reason"] = reason
        self.add_update(update)

    def accept(self, reference: str, at: datetime | None = None) -> None:
        self.report(reference, "accepted", at=at)

    def decline(self, reference: str, reason: str, at: datetime | None = None) -> None:
        self.report(reference, "declined", reason, at=at)

    def referral(self, reference: str) -> StoredReferral | None:
        with self._lock:
            return next((s for s in self.stored.values() if s.body["reference"] == reference), None)

    # ---- serving --------------------------------------------------------------------------------

    def _serve(self, handler: _Handler, method: str) -> None:
        url = urlsplit(handler.path)
        key = handler.headers.get("Idempotency-Key", "")
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        kind, options = self._next()
        with self._lock:
            self.hits.append(Hit(method, url.path, key, kind))
            self.authorisations.append(handler.headers.get("Authorization", ""))
            if method == "POST":
                self.posts_per_key[key] += 1
        if kind == "slow":
            time.sleep(options["seconds"])
        if kind == "status":
            headers = {"Retry-After": options["retry_after"]} if options["retry_after"] else None
            handler.problem(options["status"], f"The partner's system is not well ({options['status']}).", headers)
            return
        if handler.headers.get("Authorization") != f"Bearer {self.token}":
            handler.problem(401, "The token is missing or not one this partner issued.")
            return
        if method == "POST" and url.path == BASE + "/referrals":
            self._create(handler, key, raw, drop=kind == "drop_after")
        elif method == "GET" and url.path == BASE + "/referrals/updates":
            self._page(handler, parse_qs(url.query))
        else:
            handler.problem(404 if url.path not in (BASE + "/referrals", BASE + "/referrals/updates") else 405,
                            f"Nothing at {method} {url.path}.")

    def _checked(self, validator: jsonschema.protocols.Validator, body: object, what: str) -> None:
        errors = [e.message for e in validator.iter_errors(body)]
        if errors:
            self.answer_errors.append(f"{what}: {errors[:3]}")

    def _create(self, handler: _Handler, key: str, raw: bytes, *, drop: bool) -> None:
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            handler.problem(400, "The body is not JSON.")
            return
        if not re.search(self.document["components"]["schemas"]["IdempotencyKey"]["pattern"], key):
            handler.problem(400, "An Idempotency-Key header (16 to 64 letters, digits or dashes) is required.")
            return
        with self._lock:
            known = self.by_key.get(key)
        if known is None:
            errors = sorted(self.request_validator.iter_errors(body), key=lambda e: list(e.absolute_path))
            if errors:
                detail = "; ".join(f"{'.'.join(map(str, e.absolute_path)) or '(body)'}: {e.message[:200]}"
                                   for e in errors[:3])
                with self._lock:
                    self.invalid_requests.append(detail)
                handler.problem(422, "The referral does not follow the interface: " + detail)
                return
            if self._refusal:
                handler.problem(422, self._refusal)
                return
        with self._lock:
            known = self.by_key.get(key)  # another thread may have stored it meanwhile
            if known is None:
                stored = StoredReferral(f"P-{next(self._ids):05d}", key, body, datetime.now(timezone.utc))
                self.stored[stored.partner_id] = stored
                self.by_key[key] = stored
                self.created_per_key[key] += 1
                self.created_per_reference[body["reference"]] += 1
                status = 201
            else:
                stored, status = known, 200
        if drop:
            handler.drop()
            return
        ack = {"partner_id": stored.partner_id, "reference": stored.body["reference"], "status": "received"}
        self._checked(self.ack_validator, ack, "acknowledgement")
        handler.answer(status, ack)

    def _page(self, handler: _Handler, query: dict[str, list[str]]) -> None:
        since_text = (query.get("since") or ["0"])[0]
        limit_text = (query.get("limit") or ["100"])[0]
        if not since_text.isdigit() or not limit_text.isdigit() or not 1 <= int(limit_text) <= 500:
            handler.problem(400, "since must be a cursor this partner gave; limit 1 to 500.")
            return
        since, limit = int(since_text), int(limit_text)
        with self._lock:
            page = [dict(u) for u in self.updates[since:since + limit]]
        body = {"updates": page, "next_cursor": str(since + len(page))}
        if all(u.get("status") in ("accepted", "declined", "attended", "did_not_attend", "completed", "stopped")
               for u in page):  # a deliberately broken entry is the test's own doing
            self._checked(self.page_validator, body, "updates page")
        handler.answer(200, body)


def _iso(at: datetime) -> str:
    return at.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


__all__ = ["TOKEN", "PartnerApi", "StoredReferral", "load_document"]
