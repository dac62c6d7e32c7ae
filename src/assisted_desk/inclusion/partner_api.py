"""The desk's side of a partner's referral API (resources/partner_api/referral-api-v1.yaml), over
`requests`, and where each partner's token is kept.

One client talks to one partner's API address: explicit timeouts, TLS verification always on
(against the usual authorities; plain http only to this computer, for tests), the token in the
`Authorization` header and nowhere else (never in a log line, an error message or the audit).
Every answer is sorted the way the back-office client sorts them (desk/backoffice_client.py):
accepted with the partner's id, refused for good, try later (and whether it may have arrived),
or a set-up problem (token, address, certificate) that no retry of one referral can mend."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from sqlalchemy.orm import Session

from ..core.audit import record_audit
from ..core.clock import Clock
from ..core.db import Database
from ..core.errors import NotFound, ValidationError
from ..core.secrets import SecretStore
from ..core.security import Actor, Permission, require
from ..desk.backoffice_client import (
    Accepted,
    Refused,
    SetupProblem,
    TryLater,
    clean_message,
    never_connected,
    retry_after_seconds,
)
from .partner_models import PartnerOrganisation, PartnerService
from .referral_vocab import ReferralStatus

__all__ = [
    "Accepted", "Outcome", "PartnerApiClient", "PartnerApiConfig", "PartnerApiError", "PartnerApiTokens",
    "PartnerUpdate", "Refused", "SetupProblem", "TryLater", "check_api_url", "token_key",
]

Outcome = Accepted | Refused | TryLater | SetupProblem
TOKEN_PREFIX = "partner-api-token:"
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
MAX_PARTNER_ID = 120

# The feed's words, and the closed-loop status each one moves a referral to.
FEED_STATUSES: dict[str, ReferralStatus] = {
    "accepted": ReferralStatus.ACCEPTED,
    "declined": ReferralStatus.DECLINED,
    "attended": ReferralStatus.ATTENDED_FIRST_SESSION,
    "did_not_attend": ReferralStatus.DID_NOT_ATTEND,
    "completed": ReferralStatus.COMPLETED,
    "stopped": ReferralStatus.STOPPED,
}


def check_api_url(text: str) -> str:
    """A partner API's address without a trailing slash. Refuses anything but https, except plain
    http to this computer (a test partner), and addresses with a user name, query or fragment."""
    url = (text or "").strip()
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        raise ValidationError(f"'{url}' is not a web address: a partner's API address starts with https:// "
                              "and names a server.", field="referral_api_url")
    if parts.scheme == "http" and host not in _LOOPBACK:
        raise ValidationError(f"'{url}' would send residents' details unencrypted: the partner must give an "
                              "https:// address.", field="referral_api_url")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValidationError("Give the partner's API address without a user name, password, ? or #: the "
                              "token is kept separately, in the keyring.", field="referral_api_url")
    return url.rstrip("/")


def token_key(api_url: str) -> str:
    """The keyring entry for one partner API's token: one per address, so every service of a
    partner that shares the address shares the token."""
    digest = hashlib.sha256(api_url.rstrip("/").encode("utf-8")).hexdigest()[:32]
    return TOKEN_PREFIX + digest


@dataclass(frozen=True)
class PartnerApiConfig:
    base_url: str  # the service's referral_api_url, checked, without a trailing slash
    token: str
    partner_name: str  # for messages: "Good Things Foundation's system is busy"
    connect_timeout: float = 5.0
    read_timeout: float = 20.0

    def __repr__(self) -> str:  # a config printed in a traceback or log must not show the token
        return f"PartnerApiConfig(base_url={self.base_url!r}, partner_name={self.partner_name!r})"


@dataclass(frozen=True)
class PartnerUpdate:
    """One entry of a partner's updates feed. `problem` is set (and `status` may be None) when the
    entry cannot be read; the rest of the page is still used."""

    reference: str
    partner_id: str
    status: ReferralStatus | None
    reason: str
    happened_at: datetime | None
    problem: str = ""


class PartnerApiError(Exception):
    """A read of the updates feed that did not work; `outcome` says how."""

    def __init__(self, outcome: TryLater | SetupProblem | Refused) -> None:
        super().__init__(outcome.message)
        self.outcome = outcome


class PartnerApiClient:
    """Talks to one partner's API. Not shared between threads: each sender run keeps its own."""

    def __init__(self, config: PartnerApiConfig, clock: Clock | None = None) -> None:
        self.config = config
        self.clock = clock or Clock()
        self.session = requests.Session()
        # The outbox does the retrying (max_retries=0); verify=True checks certificate and host name.
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=2, max_retries=0)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.session.headers.update({"Authorization": f"Bearer {config.token}", "Accept": "application/json",
                                     "User-Agent": "assisted-desk"})
        self.session.verify = True
        self.session.trust_env = False  # no proxy or CA from the environment quietly applies

    @property
    def who(self) -> str:
        return f"{self.config.partner_name}'s system"

    @property
    def timeout(self) -> tuple[float, float]:
        return (self.config.connect_timeout, self.config.read_timeout)

    def close(self) -> None:
        self.session.close()

    # ---- calls -----------------------------------------------------------------------------

    def send_referral(self, payload: dict, idempotency_key: str) -> Outcome:
        """POST one referral. Never raises for the network or the partner: the outcome says."""
        try:
            check_api_url(self.config.base_url)
        except ValidationError as error:
            return SetupProblem(str(error), reason="address")
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        try:
            response = self.session.post(
                self.config.base_url + "/referrals", data=body, timeout=self.timeout, allow_redirects=False,
                headers={"Idempotency-Key": idempotency_key, "Content-Type": "application/json"})
        except requests.RequestException as error:
            return self._network_outcome(error, sent=True)
        if response.status_code in (200, 201):
            try:
                answer = response.json()
                partner_id = str(answer["partner_id"]).strip()
                echoed = answer.get("reference")
            except (ValueError, KeyError, TypeError, AttributeError):
                self.session.close()
                return TryLater(f"{self.who} answered with something the desk cannot read; it will be asked again.",
                                may_have_arrived=True, answered=True)
            if echoed is not None and echoed != payload.get("reference"):
                self.session.close()  # an answer left on a reused connection: not this referral's
                return TryLater(f"{self.who}'s answer was for another referral; it will be asked again.",
                                may_have_arrived=True, answered=True)
            if not partner_id or len(partner_id) > MAX_PARTNER_ID:
                return TryLater(f"{self.who} took the referral without a usable id; it will be asked again.",
                                may_have_arrived=True, answered=True)
            return Accepted(partner_id, "received")
        return self._answer_outcome(response)

    def updates(self, since: str | None, limit: int = 100) -> tuple[list[PartnerUpdate], str]:
        """One page of the updates feed after `since`, and the cursor for the next call. Raises
        PartnerApiError when the page cannot be had or read; an entry that cannot be read is
        returned with its `problem`, so it does not hold up the rest."""
        params = {"limit": str(limit)}
        if since:
            params["since"] = since
        try:
            response = self.session.get(self.config.base_url + "/referrals/updates", params=params,
                                        timeout=self.timeout, allow_redirects=False)
        except requests.RequestException as error:
            raise PartnerApiError(self._network_outcome(error, sent=False)) from None
        if response.status_code != 200:
            raise PartnerApiError(self._answer_outcome(response))
        try:
            answer = response.json()
            items, next_cursor = answer["updates"], answer["next_cursor"]
            if not isinstance(items, list) or not isinstance(next_cursor, str) or len(next_cursor) > 200:
                raise TypeError
        except (ValueError, KeyError, TypeError):
            self.session.close()
            raise PartnerApiError(TryLater(f"{self.who}'s list of updates could not be read.",
                                           answered=True)) from None
        return [self._update(item) for item in items], next_cursor

    @staticmethod
    def _update(item: object) -> PartnerUpdate:
        if not isinstance(item, dict):
            return PartnerUpdate("", "", None, "", None, "an entry that is not an update")
        reference = clean_message(str(item.get("reference") or ""), 40)
        partner_id = clean_message(str(item.get("partner_id") or ""), MAX_PARTNER_ID)
        reason = clean_message(str(item.get("reason") or ""), 500)
        word = str(item.get("status") or "")
        status = FEED_STATUSES.get(word)
        if status is None:
            return PartnerUpdate(reference, partner_id, None, reason, None,
                                 f"the status '{clean_message(word, 40)}' is not one the interface has")
        try:
            happened_at = datetime.fromisoformat(str(item["happened_at"]).replace("Z", "+00:00"))
        except (KeyError, ValueError):
            return PartnerUpdate(reference, partner_id, status, reason, None, "no readable date it happened")
        if happened_at.tzinfo is None:
            happened_at = happened_at.replace(tzinfo=timezone.utc)
        if not reference:
            return PartnerUpdate("", partner_id, status, reason, happened_at, "no referral reference")
        return PartnerUpdate(reference, partner_id, status, reason, happened_at.astimezone(timezone.utc))

    # ---- answers ---------------------------------------------------------------------------

    def _answer_outcome(self, response: requests.Response) -> Refused | TryLater | SetupProblem:
        code = response.status_code
        if code in (401, 403):
            return SetupProblem(f"{self.who} refused this desk's token (HTTP {code}): a coordinator must set the "
                                "right one for this partner. Nothing is lost; referrals wait.", reason="token")
        if code in (404, 405):
            return SetupProblem(f"{self.who} does not offer the referral interface at {self.config.base_url} "
                                f"(HTTP {code}): check the partner's API address. Nothing is lost; referrals wait.",
                                reason="address")
        if code in (408, 429) or code >= 500:
            wait = retry_after_seconds(response.headers.get("Retry-After"), self.clock)
            what = "is busy" if code in (429, 503) else "had a problem"
            return TryLater(f"{self.who} {what} (HTTP {code}): {_problem_text(response)}", wait, answered=True)
        if 400 <= code < 500:
            return Refused(code, _problem_text(response))
        if 300 <= code < 400:
            # Not followed: a redirected POST goes elsewhere, perhaps without TLS or to another host.
            return SetupProblem(f"{self.who} sends the desk elsewhere (HTTP {code}): check the partner's API "
                                "address. Nothing is lost; referrals wait.", reason="address")
        return TryLater(f"{self.who} gave an unexpected answer (HTTP {code}).", may_have_arrived=True, answered=True)

    def _network_outcome(self, error: requests.RequestException, *, sent: bool) -> TryLater | SetupProblem:
        # str(error) may carry the address but never the headers, so never the token.
        if isinstance(error, requests.exceptions.SSLError):
            return SetupProblem(f"{self.who}'s certificate could not be verified, so nothing was sent "
                                f"({clean_message(str(error), 200)}).", reason="certificate")
        if isinstance(error, requests.exceptions.ConnectTimeout):
            return TryLater(f"{self.who} did not answer the connection in time.", unreachable=True)
        if isinstance(error, requests.exceptions.ReadTimeout):
            return TryLater(f"{self.who} took too long to answer.", may_have_arrived=sent)
        if isinstance(error, requests.exceptions.ConnectionError) and never_connected(error):
            return TryLater(f"{self.who} cannot be reached.", unreachable=True)
        if isinstance(error, (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError)):
            return TryLater(f"The connection to {self.who} broke before it answered.", may_have_arrived=sent)
        return TryLater(f"{self.who} could not be asked ({clean_message(str(error), 200)}).", may_have_arrived=sent)


def _problem_text(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        text = str(body.get("detail") or body.get("title") or "")
        if text:
            return clean_message(text, 500)
    return clean_message(response.text, 300) or f"HTTP {response.status_code}"


# ---- tokens ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerTokenState:
    """What a coordinator's screen shows about a partner API's token. Never the token itself."""

    api_url: str
    token_set: bool
    kept_in: str


class PartnerApiTokens:
    """Each partner API's token, kept in this computer's keyring (like the back-office token), one
    per API address."""

    def __init__(self, db: Database, clock: Clock, secrets: SecretStore) -> None:
        self.db = db
        self.clock = clock
        self.secrets = secrets

    def token_for(self, api_url: str) -> str | None:
        """The token for an API address, for the sender. Not a service method: never shown."""
        return self.secrets.get(token_key(api_url)) or None

    def state(self, actor: Actor, service_id: int) -> PartnerTokenState:
        """Whether this computer holds a token for the service's API. Refuses without
        refer-to-partners, or a service that does not take referrals by API."""
        require(actor, Permission.REFER_TO_PARTNERS)
        with self.db.unit_of_work() as session:
            url, _name = self._api_of(session, service_id)
        return PartnerTokenState(url, bool(self.token_for(url)), self.secrets.where())

    def set_token(self, actor: Actor, service_id: int, token: str) -> str:
        """Keep the token the partner gave for the service's API in this computer's keyring;
        returns where it was kept. Audited without the token. Refuses without manage-partners, a
        service with no API address, or a token that is empty or has spaces or control characters."""
        require(actor, Permission.MANAGE_PARTNERS)
        token = (token or "").strip()
        if not token or len(token) > 4096 or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in token):
            raise ValidationError("Paste the token exactly as the partner gave it: one line with no spaces.",
                                  field="token")
        with self.db.unit_of_work() as session:
            url, name = self._api_of(session, service_id)
            kept_in = self.secrets.set(token_key(url), token)
            record_audit(session, self.clock, actor, "partner_api.token_set", "partner_service", service_id,
                         f"API token for {name} ({url}) set; kept in {kept_in}")
        return kept_in

    def clear_token(self, actor: Actor, service_id: int) -> None:
        """Forget the token for the service's API on this computer. Refuses without manage-partners."""
        require(actor, Permission.MANAGE_PARTNERS)
        with self.db.unit_of_work() as session:
            url, name = self._api_of(session, service_id)
            self.secrets.delete(token_key(url))
            record_audit(session, self.clock, actor, "partner_api.token_cleared", "partner_service", service_id,
                         f"API token for {name} ({url}) removed from this computer")

    @staticmethod
    def _api_of(session: Session, service_id: int) -> tuple[str, str]:
        service = session.get(PartnerService, service_id)
        if service is None:
            raise NotFound("That partner service no longer exists.")
        organisation = session.get(PartnerOrganisation, service.organisation_id)
        if not service.referral_api_url.strip():
            raise ValidationError(f"{service.name} has no referral API address: give one before its token.",
                                  field="referral_api_url")
        return check_api_url(service.referral_api_url), organisation.name
