"""Secrets (the PostgreSQL password, API tokens) live in the OS keyring, never in a file.

Where no keyring backend exists the secret is kept in memory for this run only, and
`where()` says so in words a person can repeat to IT.
"""

from __future__ import annotations



def _log():
    import logging

    return logging.getLogger(__name__)

# keyring is imported where it is used: loading its backends costs start-up time.

SERVICE = "assisted-desk"


class SecretStore:
    def __init__(self, service: str = SERVICE) -> None:
        self.service = service
        self._this_run: dict[str, str] = {}

    def keyring_available(self) -> bool:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
        if isinstance(backend, fail.Keyring):
            return False
        # A chainer with nothing behind it is a keyring in name only.
        backends = getattr(backend, "backends", None)
        return backends is None or len(backends) > 0

    def where(self) -> str:
        import keyring

        if self.keyring_available():
            backend = keyring.get_keyring()
            return f"the system keyring ({getattr(backend, 'name', type(backend).__name__)})"
        return "memory, for this run only: this computer has no system keyring"

    def get(self, key: str) -> str | None:
        if key in self._this_run:
            return self._this_run[key]
        if not self.keyring_available():
            return None
        import keyring
        from keyring.errors import KeyringError

        try:
            return keyring.get_password(self.service, key)
        except KeyringError as exc:
            _log().warning("keyring lookup for %s failed: %s", key, exc)
            return None

    def set(self, key: str, value: str) -> str:
        """Keep a secret; returns where it was kept (see `where`)."""
        import keyring
        from keyring.errors import KeyringError

        if self.keyring_available():
            try:
                keyring.set_password(self.service, key, value)
                self._this_run.pop(key, None)
                return self.where()
            except KeyringError as exc:
                _log().warning("keyring refused to store %s: %s", key, exc)
        self._this_run[key] = value
        return "memory, for this run only: this computer has no usable system keyring"

    def delete(self, key: str) -> None:
        self._this_run.pop(key, None)
        import keyring
        from keyring.errors import KeyringError

        if self.keyring_available():
            try:
                keyring.delete_password(self.service, key)
            except KeyringError:
                pass


def database_secret_key(user: str | None, host: str | None, port: int | None, database: str | None) -> str:
    return f"database:{user or ''}@{host or 'localhost'}:{port or 5432}/{database or ''}"
