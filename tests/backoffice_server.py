"""A real back office for the tests: an HTTP(S) server on 127.0.0.1 that implements
resources/backoffice/openapi-v1.yaml, and can be told at any moment to misbehave.

    office = BackOffice()            # HTTPS with a trustme test CA; BackOffice(tls=False) for http
    office.start()
    config = office.config()         # a BackOfficeConfig for the desk's client (token, CA PEM)
    office.fail(503, retry_after="30")   # every answer, until office.normal()
    office.fail(500, times=2)            # the next two answers only
    office.down() / office.up()          # stop listening (connections refused) / listen again
    office.slow(2.0)                     # sleep before answering (after_storing=True: store first)
    office.hang()                        # accept, never answer (until office.normal() or stop())
    office.drop(after_storing=True)      # store the request, then close the socket unanswered
    office.twice()                       # write every answer twice on the connection
    office.refuse(service_code="missed_bin", detail="...")   # 422 for matching requests
    office.flap(seed=7)                  # a seeded random mix of all of the above
    office.add_change(reference, "completed", "Collected")   # for the changes feed
    office.stop()

What it saw: `created_per_key` and `created_per_desk_reference` (Counters: exactly once means
every value is 1), `posts_per_key`, `hits` (every request, with the time on `office.now()`),
`accepted_connections`, `stored` (reference -> StoredRequest)."""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import random
import socket
import ssl
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import jsonschema
import trustme
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

DOC_PATH = Path(__file__).resolve().parent.parent / "resources" / "backoffice" / "openapi-v1.yaml"
DOC_URI = "urn:assisted-desk:backoffice:v1"
TOKEN = "bo-test-token-7f3a9c"
REASONS = {200: "OK", 201: "Created", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
           405: "Method Not Allowed", 408: "Request Timeout", 409: "Conflict", 413: "Content Too Large",
           422: "Unprocessable Content", 429: "Too Many Requests", 500: "Internal Server Error",
           502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


def load_document() -> dict:
    with DOC_PATH.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def schema_validator(name: str, document: dict | None = None) -> jsonschema.protocols.Validator:
    """A JSON Schema 2020-12 validator for one of the document's components/schemas, with its
    $refs resolved inside the document and formats (date, date-time, uuid) checked."""
    document = document or load_document()
    registry = Registry().with_resource(DOC_URI, Resource(contents=document, specification=DRAFT202012))
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
              "$ref": f"{DOC_URI}#/components/schemas/{name}"}
    return jsonschema.Draft202012Validator(schema, registry=registry,
                                           format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def _field_path(error: jsonschema.ValidationError) -> str:
    return ".".join(str(p) for p in error.absolute_path) or "(body)"


@dataclass
class StoredRequest:
    reference: str
    key: str
    body: dict
    digest: str
    received_at: datetime
    status: str = "received"
    changed_at: datetime | None = None
    message: str = ""


@dataclass(frozen=True)
class Hit:
    """One request the server read (or began to read)."""

    method: str
    path: str
    key: str  # the Idempotency-Key, or ""
    at: datetime  # office.now() when it arrived
    action: str  # what the server did: ok, 500, drop_after, ...


@dataclass
class Action:
    kind: str  # ok, status, drop_before, drop_after, slow, hang, twice
    status: int = 0
    retry_after: str | None = None
    detail: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    seconds: float = 0.0
    after_storing: bool = False

    @property
    def label(self) -> str:
        if self.kind == "status":
            return str(self.status)
        return self.kind


@dataclass
class Refusal:
    service_code: str | None
    field: str | None
    value: object
    detail: str

    def matches(self, body: dict) -> bool:
        if self.service_code is not None and body.get("service_code") != self.service_code:
            return False
        if self.field is not None:
            fields = body.get("fields") or {}
            if self.field not in fields:
                return False
            if self.value is not None and fields[self.field] != self.value:
                return False
        return True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address, office: BackOffice) -> None:
        self.office = office
        super().__init__(address, _Handler)

    def finish_request(self, request, client_address) -> None:
        office = self.office
        office._opened(request)
        connection = request
        try:
            request.settimeout(60)
            if office.ssl_context is not None:
                try:
                    connection = office.ssl_context.wrap_socket(request, server_side=True)
                except (OSError, ssl.SSLError):
                    office._count("tls_failures")
                    return
                office._opened(connection)
            super().finish_request(connection, client_address)
        except OSError:
            pass
        finally:
            office._closed(request)
            if connection is not request:
                office._closed(connection)
                try:
                    connection.close()
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
        self.server.office._serve(self, "GET")

    def do_POST(self) -> None:  # noqa: N802
        self.server.office._serve(self, "POST")

    def do_PUT(self) -> None:  # noqa: N802
        self.server.office._serve(self, "PUT")

    # ---- writing answers -----------------------------------------------------------------

    def answer(self, status: int, body: object = None, *, headers: dict[str, str] | None = None,
               content_type: str = "application/json", twice: bool = False) -> None:
        data = b"" if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}", f"Content-Type: {content_type}",
                 f"Content-Length: {len(data)}", "Server: test-back-office"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        if self.close_connection:
            lines.append("Connection: close")
        payload = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + data
        self.wfile.write(payload)
        self.wfile.flush()
        if twice:
            self.wfile.write(payload)
            self.wfile.flush()

    def problem(self, status: int, detail: str, *, errors: list[dict] | None = None,
                headers: dict[str, str] | None = None, twice: bool = False) -> None:
        body: dict[str, object] = {"type": "about:blank", "title": REASONS.get(status, "Problem"), "status": status,
                                   "detail": detail}
        if errors:
            body["errors"] = errors
        self.answer(status, body, headers=headers, content_type="application/problem+json", twice=twice)

    def drop(self) -> None:
        """Close the connection without a word."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class BackOffice:
    """The test back office. Every `mode` method may be called while requests are in flight."""

    def __init__(self, *, tls: bool = True, token: str = TOKEN, now: Callable[[], datetime] | None = None,
                 document: dict | None = None, echo_desk_reference: bool = True,
                 hosts: tuple[str, ...] = ("127.0.0.1", "localhost")) -> None:
        self.tls = tls
        # The acknowledgement names the desk's reference back (so the desk can tell an answer
        # meant for another request, e.g. one written twice on a reused connection).
        self.echo_desk_reference = echo_desk_reference
        self.token = token
        self.now = now or (lambda: datetime.now(timezone.utc))
        self.document = document or load_document()
        self.validator = schema_validator("ServiceRequest", self.document)
        self.ca = trustme.CA(organization_name="Assisted Desk test CA")
        self.ca_pem = self.ca.cert_pem.bytes().decode("ascii")
        self.ssl_context: ssl.SSLContext | None = None
        if tls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self.ca.issue_cert(*hosts).configure_cert(context)  # hosts: the names the certificate is for
            self.ssl_context = context
        self.port = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.RLock()
        self._wake = threading.Event()  # set to end every sleep (slow, hang) at once
        self._connections: set[socket.socket] = set()
        self._references = itertools.count(1)
        self._change_ids = itertools.count(1)
        self.reset()

    # ---- life --------------------------------------------------------------------------------

    @property
    def scheme(self) -> str:
        return "https" if self.tls else "http"

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def config(self, *, token: str | None = None, ca_pem: str | None = None, connect_timeout: float = 2.0,
               read_timeout: float = 5.0):
        from assisted_desk.desk.backoffice_settings import BackOfficeConfig

        return BackOfficeConfig(self.base_url, self.token if token is None else token,
                                (self.ca_pem if self.tls else "") if ca_pem is None else ca_pem,
                                connect_timeout, read_timeout)

    def start(self) -> BackOffice:
        self._listen()
        return self

    def _listen(self) -> None:
        server = _Server(("127.0.0.1", self.port), self)
        self.port = server.server_address[1]
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                  name=f"back-office:{self.port}", daemon=True)
        with self._lock:
            self._server, self._thread = server, thread
        thread.start()

    def stop(self) -> None:
        self._wake.set()
        self._close_listener()

    def _close_listener(self) -> None:
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        with self._lock:
            open_now = list(self._connections)
        for sock in open_now:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def down(self) -> None:
        """Stop listening and cut every open connection: new connections are refused."""
        with self._lock:
            self.is_down = True
        self._wake.set()
        self._close_listener()

    def up(self) -> None:
        """Listen again on the same port, answering normally."""
        with self._lock:
            self.is_down = False
        self._wake = threading.Event()
        if self._server is None:
            self._listen()

    # ---- what it saw ----------------------------------------------------------------------

    def reset(self) -> None:
        """Forget every request and change, and answer normally."""
        with self._lock:
            self.stored: dict[str, StoredRequest] = {}
            self.by_key: dict[str, StoredRequest] = {}
            self.created_per_key: Counter[str] = Counter()
            self.created_per_desk_reference: Counter[str] = Counter()
            self.posts_per_key: Counter[str] = Counter()
            self.counts: Counter[str] = Counter()
            self.hits: list[Hit] = []
            self.changes: list[dict] = []
            self.accepted_connections = 0
            self.is_down = False
            self.stored_event = threading.Event()  # set whenever a request is stored
            self._actions: list[Action] = []  # one-shot actions, used first
            self._mode = Action("ok")
            self._flap: tuple[random.Random, list[tuple[Action, float]]] | None = None
            self._refusals: list[Refusal] = []
            self.repeat_changes = False
        self._wake = threading.Event()

    def _count(self, name: str) -> None:
        with self._lock:
            self.counts[name] += 1

    def _opened(self, sock: socket.socket) -> None:
        with self._lock:
            if sock not in self._connections:
                self._connections.add(sock)
                if not isinstance(sock, ssl.SSLSocket):
                    self.accepted_connections += 1

    def _closed(self, sock: socket.socket) -> None:
        with self._lock:
            self._connections.discard(sock)

    def request_for(self, desk_reference: str) -> StoredRequest | None:
        with self._lock:
            found = [r for r in self.stored.values() if r.body.get("desk_reference") == desk_reference]
        return found[0] if found else None

    def posts(self, key: str | None = None) -> list[Hit]:
        with self._lock:
            return [h for h in self.hits if h.method == "POST" and (key is None or h.key == key)]

    # ---- modes ----------------------------------------------------------------------------

    def normal(self) -> None:
        """Answer every request properly again (keeps what was stored and the refusals)."""
        with self._lock:
            self._actions.clear()
            self._mode = Action("ok")
            self._flap = None
            self.repeat_changes = False
        self._wake.set()
        self._wake = threading.Event()

    def _set(self, action: Action, times: int | None) -> None:
        with self._lock:
            if times is None:
                self._flap = None
                self._mode = action
            else:
                self._actions.extend([action] * times)

    def fail(self, status: int, *, retry_after: str | None = None, detail: str = "",
             headers: dict[str, str] | None = None, times: int | None = None) -> None:
        """Answer `status` (500, 503, 429, 403, 308...) with a problem document whose detail is
        `detail` and, if given, Retry-After (seconds as text, or "date:N" for an HTTP date N
        seconds after `now()`) and other headers."""
        self._set(Action("status", status=status, retry_after=retry_after, detail=detail,
                         headers=tuple((headers or {}).items())), times)

    def slow(self, seconds: float, *, after_storing: bool = False, times: int | None = None) -> None:
        self._set(Action("slow", seconds=seconds, after_storing=after_storing), times)

    def hang(self, *, after_storing: bool = False, times: int | None = None) -> None:
        """Accept the connection and the request, never answer (until normal(), down() or stop())."""
        self._set(Action("hang", after_storing=after_storing), times)

    def drop(self, *, after_storing: bool = True, times: int | None = None) -> None:
        """Close the connection without answering; with after_storing the request is stored first."""
        self._set(Action("drop_after" if after_storing else "drop_before"), times)

    def twice(self, *, times: int | None = None) -> None:
        """Write each answer twice on the connection; the changes feed repeats its entries."""
        self._set(Action("twice"), times)
        if times is None:
            with self._lock:
                self.repeat_changes = True

    def refuse(self, *, service_code: str | None = None, field: str | None = None, value: object = None,
               detail: str = "The back office cannot accept this request.") -> None:
        """Refuse (422) every request for that service, or with that field (and value)."""
        with self._lock:
            self._refusals.append(Refusal(service_code, field, value, detail))

    def stop_refusing(self) -> None:
        with self._lock:
            self._refusals.clear()

    def flap(self, seed: int, *, mix: dict[str, float] | None = None, slow_seconds: float = 0.0) -> None:
        """A seeded random mix per request: ok, 500, 503 with Retry-After in seconds, 429 with an
        HTTP-date Retry-After, dropped before or after storing, answered twice, and (if
        slow_seconds) slow after storing. The changes feed repeats its entries meanwhile."""
        weights = {"ok": 0.45, "500": 0.08, "503": 0.07, "429": 0.05, "drop_before": 0.07, "drop_after": 0.1,
                   "twice": 0.1, "slow_after": 0.08 if slow_seconds else 0.0}
        weights.update(mix or {})
        actions = {
            "ok": Action("ok"), "500": Action("status", status=500), "502": Action("status", status=502),
            "503": Action("status", status=503, retry_after="1"),
            "429": Action("status", status=429, retry_after="date:2"),
            "drop_before": Action("drop_before"), "drop_after": Action("drop_after"), "twice": Action("twice"),
            "slow_after": Action("slow", seconds=slow_seconds, after_storing=True),
        }
        with self._lock:
            self._flap = (random.Random(seed), [(actions[k], w) for k, w in weights.items() if w > 0])
            self.repeat_changes = True

    def _next_action(self) -> Action:
        with self._lock:
            if self._actions:
                return self._actions.pop(0)
            if self._flap is not None:
                rng, choices = self._flap
                return rng.choices([a for a, _ in choices], weights=[w for _, w in choices])[0]
            return self._mode

    # ---- the changes feed -------------------------------------------------------------------

    def add_change(self, reference: str, status: str, message: str = "", at: datetime | None = None) -> str:
        """Record a status change for a stored request; returns the change's id."""
        at = at or self.now()
        with self._lock:
            stored = self.stored[reference]
            change_id = f"chg-{next(self._change_ids)}"
            self.changes.append({"id": change_id, "reference": reference, "status": status,
                                 "changed_at": _iso(at), "message": message})
            stored.status, stored.changed_at, stored.message = status, at, message
        return change_id

    # ---- serving ------------------------------------------------------------------------------

    def _sleep(self, seconds: float | None) -> bool:
        """Sleep (None: until woken); False if woken early (normal(), down(), stop())."""
        wake = self._wake
        return not wake.wait(seconds)

    def _serve(self, handler: _Handler, method: str) -> None:
        url = urlsplit(handler.path)
        path = unquote(url.path)
        key = handler.headers.get("Idempotency-Key", "")
        length = int(handler.headers.get("Content-Length") or 0)
        action = self._next_action()
        with self._lock:
            self.hits.append(Hit(method, path, key, self.now(), action.label))
            if method == "POST":
                self.posts_per_key[key] += 1
        if action.kind == "drop_before":
            handler.drop()
            return
        raw = handler.rfile.read(length) if length else b""
        if action.kind == "status":
            headers = dict(action.headers)
            if action.retry_after:
                headers["Retry-After"] = self._retry_after(action.retry_after)
            handler.problem(action.status, action.detail or f"The back office is not well ({action.status}).",
                            headers=headers)
            return
        if (action.kind == "slow" and not action.after_storing) or (action.kind == "hang"
                                                                    and not action.after_storing):
            self._sleep(action.seconds if action.kind == "slow" else None)
            if self.is_down:
                handler.drop()
                return
        twice = action.kind == "twice"
        if handler.headers.get("Authorization") != f"Bearer {self.token}":
            handler.problem(401, "The token is missing or not one this back office issued.", twice=twice)
            return
        if method == "GET" and path == "/v1/health":
            handler.answer(200, {"status": "ok"}, twice=twice)
        elif method == "GET" and path == "/v1/service-requests/changes":
            self._changes(handler, parse_qs(url.query), twice)
        elif method == "GET" and path.startswith("/v1/service-requests/"):
            reference = path[len("/v1/service-requests/"):]
            with self._lock:
                stored = self.stored.get(reference)
            if stored is None:
                handler.problem(404, f"There is no request {reference}.", twice=twice)
            else:
                handler.answer(200, {"reference": reference, "status": stored.status,
                                     "changed_at": _iso(stored.changed_at or stored.received_at),
                                     "message": stored.message}, twice=twice)
        elif path == "/v1/service-requests":
            if method != "POST":
                handler.problem(405, "Use POST to create a request.", twice=twice)
            else:
                self._create(handler, key, raw, action)
        else:
            handler.problem(404, f"Nothing at {path}.", twice=twice)

    def _retry_after(self, text: str) -> str:
        if text.startswith("date:"):
            return format_datetime(self.now() + timedelta(seconds=float(text[5:])), usegmt=True)
        return text

    def _changes(self, handler: _Handler, query: dict[str, list[str]], twice: bool) -> None:
        since_text = (query.get("since") or ["0"])[0]
        limit_text = (query.get("limit") or ["100"])[0]
        if not since_text.isdigit() or not limit_text.isdigit() or not 1 <= int(limit_text) <= 500:
            handler.problem(400, "since must be a cursor this back office gave, limit 1 to 500.", twice=twice)
            return
        since, limit = int(since_text), int(limit_text)
        with self._lock:
            page = [dict(c) for c in self.changes[since:since + limit]]
            repeat = self.repeat_changes
        next_cursor = since + len(page)
        if repeat and page:
            page = page + page  # each change twice in the page...
            next_cursor = max(since, next_cursor - 1)  # ...and the last one again on the next page
        handler.answer(200, {"changes": page, "next_cursor": str(next_cursor)}, twice=twice)

    def _create(self, handler: _Handler, key: str, raw: bytes, action: Action) -> None:
        twice = action.kind == "twice"
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            handler.problem(400, "The body is not JSON.", twice=twice)
            return
        if not key:
            handler.problem(400, "An Idempotency-Key header is required.", twice=twice)
            return
        if not jsonschema.Draft202012Validator.FORMAT_CHECKER.conforms(key, "uuid"):
            handler.problem(400, "The Idempotency-Key must be a UUID.", twice=twice)
            return
        errors = sorted(self.validator.iter_errors(body), key=lambda e: list(e.absolute_path))
        if errors:
            listed = [{"field": _field_path(e), "message": e.message[:300]} for e in errors[:20]]
            handler.problem(422, "The request does not follow the interface: "
                            + "; ".join(f"{e['field']}: {e['message']}" for e in listed[:3]),
                            errors=listed, twice=twice)
            return
        for attachment in body["attachments"]:
            data = base64.b64decode(attachment["content_base64"], validate=True)
            if len(data) != attachment["size"] or hashlib.sha256(data).hexdigest() != attachment["sha256"]:
                handler.problem(422, f"The file {attachment['filename']} arrived damaged: its size or SHA-256 "
                                "does not match.", errors=[{"field": "attachments", "message": "damaged"}],
                                twice=twice)
                return
        digest = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        with self._lock:
            known = self.by_key.get(key)
            if known is not None and known.digest != digest:
                conflict = True
            else:
                conflict = False
                refusal = next((r for r in self._refusals if r.matches(body)), None) if known is None else None
        if conflict:
            handler.problem(409, "This Idempotency-Key was used before for a different request.", twice=twice)
            return
        if known is None and refusal is not None:
            handler.problem(422, refusal.detail, errors=[{"field": refusal.field or "service_code",
                                                          "message": refusal.detail}], twice=twice)
            return
        with self._lock:
            known = self.by_key.get(key)  # another thread may have stored it meanwhile
            if known is None:
                stored = StoredRequest(f"BO-{next(self._references):07d}", key, body, digest, self.now())
                self.stored[stored.reference] = stored
                self.by_key[key] = stored
                self.created_per_key[key] += 1
                self.created_per_desk_reference[body["desk_reference"]] += 1
                status = 201
            else:
                stored, status = known, 200
        self.stored_event.set()
        if action.kind == "drop_after":
            handler.drop()
            return
        if action.kind in ("slow", "hang") and action.after_storing:
            self._sleep(action.seconds if action.kind == "slow" else None)
            if self.is_down:
                handler.drop()
                return
        ack = {"reference": stored.reference, "status": stored.status, "received_at": _iso(stored.received_at)}
        if self.echo_desk_reference:
            ack["desk_reference"] = stored.body["desk_reference"]
        handler.answer(status, ack, twice=twice)


def _iso(at: datetime) -> str:
    return at.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


__all__ = ["TOKEN", "BackOffice", "Hit", "StoredRequest", "load_document", "schema_validator"]
