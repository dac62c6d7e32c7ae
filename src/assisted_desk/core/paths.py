"""Where the shipped migrations and resources are: inside the wheel, or beside src/ in a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


def _find(packaged: str, in_checkout: str) -> Path:
    inside = _PACKAGE / packaged
    if inside.is_dir():
        return inside
    return _PACKAGE.parent.parent / in_checkout


def migrations_dir() -> Path:
    return _find("_migrations", "migrations")


def resources_dir() -> Path:
    return _find("_resources", "resources")
