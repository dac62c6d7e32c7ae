"""Fixtures for the back-office tests: a real back office (tests/backoffice_server.py) on
127.0.0.1, over HTTPS with its own test certificate authority."""

from __future__ import annotations

import pytest

from ..backoffice_server import BackOffice


@pytest.fixture
def backoffice(clock):
    """A running back office whose Retry-After dates and stored times follow the test's clock.
    `backoffice.base_url`, `.ca_pem`, `.token`; `backoffice.config()` for a client."""
    office = BackOffice(now=clock.now).start()
    yield office
    office.stop()


def connect(services, admin, office: BackOffice, *, token: str | None = None, ca: bool = True) -> None:
    """Point the desk at the back office as an administrator does: the address and CA as shared
    settings, the token in this computer's keyring (the tests' in-memory one)."""
    services.backoffice.set_url(admin, office.base_url)
    services.backoffice.set_token(admin, office.token if token is None else token)
    services.backoffice.set_ca_pem(admin, office.ca_pem if ca and office.tls else "")


@pytest.fixture
def connected(services, admin, backoffice) -> BackOffice:
    """The back office, with the desk (`services`) already pointed at it."""
    connect(services, admin, backoffice)
    return backoffice
