"""Where the back office is and how the desk proves who it is.

The address and an optional CA bundle are shared settings (every desk on the database uses the
same back office); the API token is a secret and lives in this computer's keyring. TLS
verification is always on: a council back office behind its own certificate authority is
trusted by giving that authority's certificate, never by turning checks off."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ..core.errors import ValidationError
from ..core.secrets import SecretStore
from ..core.security import Actor, Permission, require
from ..core.settings import SettingsService

URL_SETTING = "backoffice_url"
CA_SETTING = "backoffice_ca_pem"
TOKEN_KEY = "backoffice-api-token"
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
MAX_CA_BYTES = 1_000_000


@dataclass(frozen=True)
class BackOfficeConfig:
    """Everything a client needs to reach the back office."""

    base_url: str  # without a trailing slash
    token: str
    ca_pem: str = ""  # "" trusts the system's authorities
    connect_timeout: float = 5.0
    read_timeout: float = 30.0


@dataclass(frozen=True)
class BackOfficeSetup:
    """What the administrator's screen shows. Never the token itself."""

    url: str
    token_set: bool
    token_kept_in: str
    ca_set: bool
    ca_subjects: tuple[str, ...]


def check_url(text: str) -> str:
    """The address with no trailing slash. Refuses anything but https, except plain http to this
    computer (a test back office), and addresses with a user name, query or fragment."""
    url = (text or "").strip()
    if not url:
        raise ValidationError("Give the back office's address, such as https://backoffice.example.gov.uk.",
                              field="url")
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        raise ValidationError(f"'{url}' is not a web address: it should start with https:// and name a server.",
                              field="url")
    if parts.scheme == "http" and host not in _LOOPBACK:
        raise ValidationError(f"'{url}' would send residents' details unencrypted: use https://.", field="url")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValidationError("Give the address without a user name, password, ? or #: the token is kept "
                              "separately, in the keyring.", field="url")
    return url.rstrip("/")


def check_ca_pem(text: str) -> tuple[str, ...]:
    """The subjects of the certificates in a PEM bundle; refuses text that holds none, or that
    Python's TLS library cannot load."""
    pem = (text or "").strip()
    if len(pem.encode("utf-8", "replace")) > MAX_CA_BYTES:
        raise ValidationError("That certificate file is over 1 MB: it is not a CA bundle.", field="ca")
    if "-----BEGIN CERTIFICATE-----" not in pem:
        raise ValidationError("That file holds no certificate: choose the PEM file (it starts with "
                              "-----BEGIN CERTIFICATE-----) your IT team gave you.", field="ca")
    probe = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        probe.load_verify_locations(cadata=pem)
    except (ssl.SSLError, ValueError) as error:
        raise ValidationError(f"That certificate file cannot be read ({error}).", field="ca") from None
    subjects = []
    for cert in probe.get_ca_certs():
        names = dict(pair[0] for pair in cert.get("subject", ()) if pair)
        subjects.append(names.get("commonName") or names.get("organizationName") or "certificate")
    return tuple(subjects)


class BackOfficeSettings:
    def __init__(self, settings: SettingsService, secrets: SecretStore) -> None:
        self.settings = settings
        self.secrets = secrets

    def url(self) -> str:
        return self.settings.read(URL_SETTING) or ""

    def ca_pem(self) -> str:
        return self.settings.read(CA_SETTING) or ""

    def setup(self, actor: Actor) -> BackOfficeSetup:
        """What is set, for the administrator. Refuses without manage-settings."""
        require(actor, Permission.MANAGE_SETTINGS)
        pem = self.ca_pem()
        return BackOfficeSetup(self.url(), bool(self.secrets.get(TOKEN_KEY)), self.secrets.where(), bool(pem),
                               check_ca_pem(pem) if pem else ())

    def set_url(self, actor: Actor, text: str) -> str:
        """Store the address every desk sends to. Refuses what `check_url` refuses."""
        require(actor, Permission.MANAGE_SETTINGS)
        url = check_url(text)
        self.settings.write(actor, URL_SETTING, url, f"back office address set to {url}")
        return url

    def set_token(self, actor: Actor, token: str) -> str:
        """Keep the API token in this computer's keyring; returns where it was kept. Refuses an
        empty token or one with spaces or control characters."""
        require(actor, Permission.MANAGE_SETTINGS)
        token = (token or "").strip()
        if not token or any(ch.isspace() or ord(ch) < 32 for ch in token) or len(token) > 4096:
            raise ValidationError("Paste the token exactly as the back-office team gave it: one line with no "
                                  "spaces.", field="token")
        return self.secrets.set(TOKEN_KEY, token)

    def clear_token(self, actor: Actor) -> None:
        require(actor, Permission.MANAGE_SETTINGS)
        self.secrets.delete(TOKEN_KEY)

    def set_ca_pem(self, actor: Actor, pem: str) -> tuple[str, ...]:
        """Trust the back office's own certificate authority as well as the system's ones ("" to
        go back to the system's only). Returns the certificates' names."""
        require(actor, Permission.MANAGE_SETTINGS)
        pem = (pem or "").strip()
        subjects = check_ca_pem(pem) if pem else ()
        summary = f"back office CA set: {', '.join(subjects)}" if pem else "back office CA cleared"
        self.settings.write(actor, CA_SETTING, pem, summary)
        return subjects

    def read_ca_file(self, path: Path) -> str:
        try:
            if path.stat().st_size > MAX_CA_BYTES:
                raise ValidationError(f"{path.name} is over 1 MB: it is not a CA bundle.", field="ca")
            return path.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as error:
            raise ValidationError(f"{path.name} cannot be read as a certificate file ({error}).", field="ca") \
                from None

    def config(self) -> BackOfficeConfig | None:
        """The client configuration, or None while the address or the token is not set."""
        url, token = self.url(), self.secrets.get(TOKEN_KEY)
        if not url or not token:
            return None
        return BackOfficeConfig(url, token, self.ca_pem())

    def missing(self) -> str:
        """What stops the desk from sending, in words for the status bar; "" when set up."""
        if not self.url():
            return "no back-office address is set (Admin → Back office)"
        if not self.secrets.get(TOKEN_KEY):
            return "this computer has no back-office token (Admin → Back office)"
        return ""
