"""The desk's side of the back-office interface (resources/backoffice/openapi-v1.yaml), over
`requests`: one session with connection reuse, explicit timeouts, TLS verification always on.

Every answer is sorted into what the outbox must do next: the request was accepted (with the
back office's reference); refused for good (fix it); try later (and whether the request may have
arrived, so the retry must carry the same idempotency key); or the desk's set-up is wrong (the
token or the address), which no retry of this one request can mend."""

from __future__ import annotations

import json
import re
import ssl
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import requests
from requests.adapters import HTTPAdapter

from ..core.clock import Clock
from .backoffice_settings import BackOfficeConfig

API = "/v1"
MAX_RETRY_AFTER = 24 * 3600.0
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
STATUSES = ("received", "in_progress", "completed", "rejected")


@dataclass(frozen=True)
class Accepted:
    reference: str
    status: str


@dataclass(frozen=True)
class Refused:
    """Refused for good: this request, as it is, will never be accepted."""

    http_status: int
    message: str


@dataclass(frozen=True)
class TryLater:
    message: str
    retry_after: float | None = None  # seconds the back office asked us to wait
    may_have_arrived: bool = False  # sent, but no answer came back
    unreachable: bool = False  # could not connect at all
    answered: bool = False  # the back office answered (busy, or a fault on its side): it is up


@dataclass(frozen=True)
class SetupProblem:
    """The token, the address or the certificate is wrong: every request would fail the same way."""

    message: str
    reason: str = ""  # "token", "address" or "certificate": which one an administrator must correct


Outcome = Accepted | Refused | TryLater | SetupProblem


@dataclass(frozen=True)
class StatusChange:
    change_id: str
    reference: str
    status: str
    changed_at: datetime
    message: str


class BackOfficeError(Exception):
    """A read (status, changes, health) that did not work; `outcome` says how."""

    def __init__(self, outcome: TryLater | SetupProblem | Refused) -> None:
        super().__init__(outcome.message)
        self.outcome = outcome


def clean_message(text: str, limit: int = 2000) -> str:
    text = _CONTROL.sub(" ", text or "").strip()
    return text[:limit] + ("…" if len(text) > limit else "")


def retry_after_seconds(value: str | None, clock: Clock) -> float | None:
    """`Retry-After` as seconds from now: either a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return min(max(0.0, (when - clock.now()).total_seconds()), MAX_RETRY_AFTER)


def _problem_text(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        parts = [str(body.get("detail") or body.get("title") or "")]
        errors = body.get("errors")
        if isinstance(errors, list):
            parts += [f"{e.get('field')}: {e.get('message')}" for e in errors
                      if isinstance(e, dict) and e.get("message")]
        text = "; ".join(p for p in parts if p)
        if text:
            return clean_message(text)
    text = clean_message(response.text, 300)
    return text or f"HTTP {response.status_code} {response.reason or ''}".strip()


def _tls_context(ca_pem: str) -> ssl.SSLContext:
    """A verifying context (certificate and host name) trusting the usual authorities (requests'
    bundle) and, when one is set, the council's own CA as well. Made once per client: left to
    itself, requests loads its CA bundle again for every new connection."""
    import certifi

    context = ssl.create_default_context(cafile=certifi.where())
    if ca_pem:
        context.load_verify_locations(cadata=ca_pem)
    return context


class _Adapter(HTTPAdapter):
    """requests' adapter with one TLS context for every connection it opens."""

    def __init__(self, context: ssl.SSLContext, **options) -> None:
        self._context = context
        super().__init__(**options)

    def init_poolmanager(self, *args, **kwargs) -> None:
        kwargs["ssl_context"] = self._context
        super().init_poolmanager(*args, **kwargs)

    def cert_verify(self, conn, url, verify, cert) -> None:
        super().cert_verify(conn, url, verify, cert)  # CERT_REQUIRED: verify is always True here
        conn.ca_certs = conn.ca_cert_dir = None  # already in the context


class BackOfficeClient:
    """Talks to one back office. Not shared between threads: each sender keeps its own."""

    def __init__(self, config: BackOfficeConfig, clock: Clock | None = None) -> None:
        self.config = config
        self.clock = clock or Clock()
        self.session = requests.Session()
        # The outbox does the retrying (max_retries=0). TLS verification stays on (verify=True),
        # with a council CA, if set, trusted as well as the usual authorities.
        adapter = _Adapter(_tls_context(config.ca_pem), pool_connections=1, pool_maxsize=4, max_retries=0)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.session.headers.update({
            "Authorization": f"Bearer {config.token}",
            "Accept": "application/json",
            "User-Agent": "assisted-desk",
        })
        self.session.verify = True
        self.session.trust_env = False  # a proxy or CA from the environment must not quietly apply

    def _forget_connections(self) -> None:
        """Close the pooled connections (the next call opens a new one): what is left unread on
        a connection that gave a wrong answer must not be read as the next call's answer."""
        self.session.close()

    def close(self) -> None:
        self.session.close()

    @property
    def timeout(self) -> tuple[float, float]:
        return (self.config.connect_timeout, self.config.read_timeout)

    # ---- calls -----------------------------------------------------------------------------

    def create_request(self, payload: dict, idempotency_key: str) -> Outcome:
        """POST one request. Never raises for the network or the back office: the outcome says."""
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        try:
            response = self.session.post(
                self.config.base_url + API + "/service-requests", data=body, timeout=self.timeout,
                headers={"Idempotency-Key": idempotency_key, "Content-Type": "application/json"},
                allow_redirects=False)
        except requests.RequestException as error:
            return self._network_outcome(error, sent=True)
        if response.status_code in (200, 201):
            try:
                answer = response.json()
                reference = str(answer["reference"]).strip()
                status = str(answer.get("status") or "received")
                echoed = answer.get("desk_reference")
            except (ValueError, KeyError, TypeError, AttributeError):
                self._forget_connections()
                return TryLater("The back office answered with something the desk cannot read; it will be asked "
                                "again.", may_have_arrived=True)
            if echoed != payload.get("desk_reference"):
                # An answer left on a reused connection by a back office that answered an
                # earlier request twice: it is not this request's. Ask again on a new connection.
                self._forget_connections()
                return TryLater("The back office's answer was for another request; it will be asked again.",
                                may_have_arrived=True)
            if not reference or len(reference) > 64:
                return TryLater("The back office accepted the request without a usable reference; it will be "
                                "asked again.", may_have_arrived=True)
            return Accepted(reference, status if status in STATUSES else "received")
        return self._answer_outcome(response, endpoint_missing_is_setup=True)

    def status(self, reference: str) -> tuple[str, datetime, str]:
        """(status, changed at, message) of one accepted request. Raises BackOfficeError."""
        answer = self._get(f"/service-requests/{requests.utils.quote(reference, safe='')}")
        if str(answer.get("reference", reference)) != reference:
            self._forget_connections()
            raise BackOfficeError(TryLater("The back office's status answer was about another request."))
        try:
            return self._status_fields(answer)
        except (KeyError, TypeError, ValueError):
            self._forget_connections()
            raise BackOfficeError(TryLater("The back office's status answer could not be read.")) from None

    def changes(self, since: str | None, limit: int = 100) -> tuple[list[StatusChange], str]:
        """One page of status changes after `since`, and the cursor for the next call."""
        params = {"limit": str(limit)}
        if since:
            params["since"] = since
        answer = self._get("/service-requests/changes", params)
        try:
            changes = []
            for item in answer["changes"]:
                status, changed_at, message = self._status_fields(item)
                changes.append(StatusChange(str(item["id"])[:64], str(item["reference"]), status, changed_at,
                                            message))
            return changes, str(answer["next_cursor"])
        except (KeyError, TypeError, ValueError):
            self._forget_connections()
            raise BackOfficeError(TryLater("The back office's list of changes could not be read.")) from None

    def check_health(self) -> None:
        """Raises BackOfficeError unless the back office says it is up."""
        self._get("/health")

    # ---- answers ---------------------------------------------------------------------------

    @staticmethod
    def _status_fields(item: dict) -> tuple[str, datetime, str]:
        status = str(item["status"])
        if status not in STATUSES:
            raise ValueError(status)
        changed_at = datetime.fromisoformat(str(item["changed_at"]).replace("Z", "+00:00"))
        if changed_at.tzinfo is None:
            changed_at = changed_at.replace(tzinfo=timezone.utc)
        return status, changed_at.astimezone(timezone.utc), clean_message(str(item.get("message") or ""))

    def _get(self, path: str, params: dict | None = None) -> dict:
        try:
            response = self.session.get(self.config.base_url + API + path, params=params, timeout=self.timeout,
                                        allow_redirects=False)
        except requests.RequestException as error:
            raise BackOfficeError(self._network_outcome(error, sent=False)) from None
        if response.status_code == 200:
            try:
                answer = response.json()
            except ValueError:
                answer = None
            if isinstance(answer, dict):
                return answer
            self._forget_connections()
            raise BackOfficeError(TryLater("The back office answered with something the desk cannot read."))
        raise BackOfficeError(self._answer_outcome(response, endpoint_missing_is_setup=path == "/health"))

    def _answer_outcome(self, response: requests.Response, *,
                        endpoint_missing_is_setup: bool) -> Refused | TryLater | SetupProblem:
        code = response.status_code
        if code in (401, 403):
            return SetupProblem(f"The back office refused the desk's token (HTTP {code}): an administrator must "
                                "set the right one in Admin → Back office. Nothing is lost; requests wait.", reason="token")
        if code in (404, 405) and endpoint_missing_is_setup:
            return SetupProblem(f"The back office address seems wrong: {self.config.base_url} does not offer "
                                f"this interface (HTTP {code}). An administrator can correct it in Admin → Back "
                                "office.", reason="address")
        if code in (408, 429) or code >= 500:
            wait = retry_after_seconds(response.headers.get("Retry-After"), self.clock)
            what = "is busy" if code in (429, 503) else "had a problem"
            return TryLater(f"The back office {what} (HTTP {code}): {_problem_text(response)}", wait, answered=True)
        if 400 <= code < 500:
            return Refused(code, _problem_text(response))
        if 300 <= code < 400:
            # Not followed: a redirected POST turns into a GET, or goes elsewhere without the token.
            where = clean_message(response.headers.get("Location") or "", 300)
            return SetupProblem(f"The back office at {self.config.base_url} sends the desk elsewhere (HTTP {code}"
                                + (f", to {where}" if where else "") + "). An administrator can set the right "
                                "address in Admin → Back office. Nothing is lost; requests wait.", reason="address")
        # 1xx or another code the interface does not have: a back office out of step.
        return TryLater(f"The back office gave an unexpected answer (HTTP {code}).", may_have_arrived=True)

    def _network_outcome(self, error: requests.RequestException, *, sent: bool) -> TryLater | SetupProblem:
        if isinstance(error, requests.exceptions.SSLError):
            return SetupProblem("The back office's certificate could not be verified, so nothing was sent. If it "
                                "uses the council's own certificate authority, an administrator can add that in "
                                f"Admin → Back office. ({clean_message(str(error), 300)})", reason="certificate")
        if isinstance(error, requests.exceptions.ConnectTimeout):
            return TryLater("The back office did not answer the connection in time.", unreachable=True)
        if isinstance(error, requests.exceptions.ReadTimeout):
            return TryLater("The back office took too long to answer.", may_have_arrived=sent)
        if isinstance(error, requests.exceptions.ConnectionError) and never_connected(error):
            return TryLater("The back office cannot be reached.", unreachable=True)
        if isinstance(error, (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError)):
            return TryLater("The connection to the back office broke before it answered.", may_have_arrived=sent)
        return TryLater(f"The back office could not be asked ({clean_message(str(error), 300)}).",
                        may_have_arrived=sent)


def never_connected(error: Exception) -> bool:
    """True when the failure happened before a connection existed (refused, no route, DNS), so
    nothing can have been sent."""
    from urllib3.exceptions import NameResolutionError, NewConnectionError

    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (NewConnectionError, NameResolutionError)):
            return True
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException) and id(reason) not in seen:
            current = reason
            continue
        args = [a for a in getattr(current, "args", ()) if isinstance(a, BaseException)]
        current = args[0] if args else (current.__cause__ or current.__context__)
    return False
