"""A real Open Referral UK directory for the tests: an HTTP server on 127.0.0.1 serving
`/services?page=N&per_page=M` (list pages with only each service's own fields, as the standard
allows) and `/services/{id}` (the full record), in the ORUK 3 shape or the version 1 shape.

    directory = OrukServer(shape="v3")       # or "v1"
    directory.put(record)                    # add or change a service (a full record)
    directory.remove(id)                     # it disappears from the list and from /services/{id}
    directory.list_also({"id": None})        # an item only the list shows (a bad id, say)
    directory.detail_bytes(id, b"\\xff")      # what /services/{id} answers, raw
    directory.page_bytes(2, b"not json")     # what list page 2 answers, raw
    directory.fail(500, after=3)             # every answer after the next 3 is a 500
    directory.down()                         # stop listening (connections refused)
    directory.normal()
    directory.hits                           # every path asked for
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit


def service(sid: str, name: str, org_id: str = "org-1", org_name: str = "Tower Hamlets Digital", **extra) -> dict:
    """A complete ORUK 3 service record with one place and one schedule."""
    record = {
        "id": sid, "name": name, "description": f"{name}: help with computers and phones", "status": "active",
        "url": f"https://partners.example.org/{sid}", "email": f"{sid}@partners.example.org",
        "organization": {"id": org_id, "name": org_name, "description": "A community charity",
                         "website": "https://partners.example.org"},
        "languages": [{"id": f"{sid}-en", "name": "English", "code": "en"}],
        "schedules": [{"id": f"{sid}-s1", "freq": "WEEKLY", "byday": "TU,TH", "opens_at": "10:00:00",
                       "closes_at": "12:30:00"}],
        "service_at_locations": [{"id": f"{sid}-sal", "location": {
            "id": f"{sid}-loc", "name": "Idea Store Whitechapel", "latitude": 51.5186, "longitude": -0.0621,
            "addresses": [{"id": f"{sid}-a", "address_1": "321 Whitechapel Road", "city": "London",
                           "state_province": "", "postal_code": "e1 1bu", "country": "GB",
                           "address_type": "physical"}],
            "accessibility": [{"id": f"{sid}-acc", "description": "Wheelchair accessible"}]}}],
    }
    record.update(extra)
    return record


class OrukServer:
    def __init__(self, shape: str = "v3") -> None:
        self.shape = shape
        self.records: dict[str, object] = {}
        self.extra_items: list = []
        self.raw_details: dict[str, bytes] = {}
        self.raw_pages: dict[int, bytes] = {}
        self.hits: list[str] = []
        self._fail: tuple[int, int] | None = None  # (status, answers left before failing)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.port = 0

    # the directory's content

    def put(self, record: dict) -> None:
        self.records[str(record["id"])] = record

    def remove(self, sid: str) -> None:
        self.records.pop(sid, None)

    def list_also(self, item) -> None:
        self.extra_items.append(item)

    def detail_bytes(self, sid: str, body: bytes) -> None:
        self.raw_details[sid] = body

    def page_bytes(self, page: int, body: bytes) -> None:
        self.raw_pages[page] = body

    # misbehaving

    def fail(self, status: int, after: int = 0) -> None:
        self._fail = (status, after)

    def normal(self) -> None:
        self._fail = None
        if self._server is None:
            self.start()

    def down(self) -> None:
        self.stop()

    # serving

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def start(self) -> "OrukServer":
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                status, body = owner._answer(self.path)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _answer(self, raw_path: str) -> tuple[int, bytes]:
        with self._lock:
            self.hits.append(raw_path)
            if self._fail is not None:
                status, left = self._fail
                if left <= 0:
                    return status, b'{"error": "the directory is unwell"}'
                self._fail = (status, left - 1)
        parts = urlsplit(raw_path)
        path = parts.path
        if path == "/api/services":
            query = parse_qs(parts.query)
            page = int(query.get("page", ["1"])[0])
            per_page = int(query.get("per_page", ["10"])[0])
            if page in self.raw_pages:
                return 200, self.raw_pages[page]
            return 200, json.dumps(self._page(page, per_page)).encode("utf-8")
        if path.startswith("/api/services/"):
            sid = unquote(path[len("/api/services/"):])
            if sid in self.raw_details:
                return 200, self.raw_details[sid]
            if sid not in self.records:
                return 404, b'{"error": "not found"}'
            return 200, json.dumps(self.records[sid], ensure_ascii=False).encode("utf-8")
        return 404, b'{"error": "no such path"}'

    def _page(self, page: int, per_page: int) -> dict:
        items = [self._summary(r) for r in self.records.values()] + list(self.extra_items)
        chunk = items[(page - 1) * per_page: page * per_page]
        pages = max(1, -(-len(items) // per_page))
        if self.shape == "v1":
            return {"totalElements": len(items), "totalPages": pages, "number": page, "size": per_page,
                    "first": page == 1, "last": page >= pages, "content": chunk}
        return {"total_items": len(items), "total_pages": pages, "page_number": page, "size": len(chunk),
                "first_page": page == 1, "last_page": page >= pages, "empty": not items, "contents": chunk}

    @staticmethod
    def _summary(record) -> object:
        # A list page carries the service's own fields only, never its child arrays.
        if not isinstance(record, dict):
            return record
        return {k: v for k, v in record.items() if not isinstance(v, (list, dict))}
