"""A keyring backend kept in a JSON file, for command-line tests run as a separate process (which
cannot see the tests' in-memory keyring). Chosen with the environment:

    PYTHON_KEYRING_BACKEND=tests.file_keyring.FileKeyring
    ASSISTED_DESK_TEST_KEYRING=/path/to/keyring.json   # {"service": {"username": "secret"}}

Never for real secrets: the file is plain text."""

from __future__ import annotations

import json
import os
from pathlib import Path

import keyring.backend


class FileKeyring(keyring.backend.KeyringBackend):
    priority = 1

    @property
    def path(self) -> Path:
        return Path(os.environ["ASSISTED_DESK_TEST_KEYRING"])

    def _read(self) -> dict[str, dict[str, str]]:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._read().get(service, {}).get(username)

    def set_password(self, service: str, username: str, password: str) -> None:
        secrets = self._read()
        secrets.setdefault(service, {})[username] = password
        self.path.write_text(json.dumps(secrets), encoding="utf-8")

    def delete_password(self, service: str, username: str) -> None:
        secrets = self._read()
        secrets.get(service, {}).pop(username, None)
        self.path.write_text(json.dumps(secrets), encoding="utf-8")
