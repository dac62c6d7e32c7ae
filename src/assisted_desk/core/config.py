"""Where the application keeps its files, and which database it uses.

Everything the application writes goes under one home folder when `--home` or
`ASSISTED_DESK_HOME` is given (tests, demos, two desks on one machine); otherwise under the
platform's usual folders (platformdirs).
"""

from __future__ import annotations

import os
from pathlib import Path

from typing import TYPE_CHECKING, NamedTuple

from .errors import EnvironmentFault

if TYPE_CHECKING:  # SQLAlchemy loads only when a database is used: start-up time is measured
    from sqlalchemy.engine import URL

APP_NAME = "assisted-desk"
HOME_ENV = "ASSISTED_DESK_HOME"
DATABASE_ENV = "ASSISTED_DESK_DATABASE_URL"
SETTINGS_FILE = "settings.json"


class Paths(NamedTuple):
    """The folders of one installation of the desk. (A NamedTuple, not a dataclass: importing
    dataclasses is a measured slice of start-up.)"""

    data_dir: Path
    config_dir: Path
    log_dir: Path

    @classmethod
    def for_home(cls, home: str | os.PathLike[str] | None = None) -> "Paths":
        home = home if home is not None else os.environ.get(HOME_ENV) or None
        if home:
            root = Path(home).expanduser().resolve()
            return cls(data_dir=root / "data", config_dir=root / "config", log_dir=root / "data" / "logs")
        import platformdirs  # only without --home: a measured slice of start-up

        data = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
        return cls(
            data_dir=data,
            config_dir=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
            log_dir=data / "logs",
        )

    @property
    def settings_file(self) -> Path:
        return self.config_dir / SETTINGS_FILE

    @property
    def default_database(self) -> Path:
        return self.data_dir / "assisted-desk.sqlite"

    @property
    def demo_database(self) -> Path:
        return self.data_dir / "demo" / "assisted-desk-demo.sqlite"

    @property
    def backup_dir(self) -> Path:
        return self.data_dir / "backups"

    def ensure(self) -> None:
        """Create the folders; a read-only or full disk is reported, not raised as a bug."""
        for folder in (self.data_dir, self.config_dir, self.log_dir):
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise EnvironmentFault(
                    f"The folder {folder} cannot be created ({exc.strerror}).",
                    "Choose a folder you can write to with --home, or free some disk space.",
                ) from exc


def read_settings(paths: Paths) -> dict:
    """The settings file as a dict; missing means defaults. A broken file is named, not ignored."""
    import json

    try:
        text = paths.settings_file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise EnvironmentFault(f"The settings file {paths.settings_file} cannot be read ({exc.strerror}).") from exc
    try:
        settings = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EnvironmentFault(
            f"The settings file {paths.settings_file} is not valid JSON (line {exc.lineno}: {exc.msg}).",
            "Correct it or move it aside to go back to the defaults.",
        ) from exc
    if not isinstance(settings, dict):
        raise EnvironmentFault(f"The settings file {paths.settings_file} must hold a JSON object.")
    return settings


def write_settings(paths: Paths, settings: dict) -> None:
    import json

    paths.ensure()
    tmp = paths.settings_file.with_suffix(".tmp")
    try:
        tmp.write_text(json.dumps(settings, indent=2, ensure_ascii=False), encoding="utf-8")
        tmp.replace(paths.settings_file)
    except OSError as exc:
        raise EnvironmentFault(f"The settings file {paths.settings_file} cannot be written ({exc.strerror}).") from exc


def parse_database_url(text: str) -> URL:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(text.strip())
    except ArgumentError as exc:
        raise EnvironmentFault(
            f"'{text}' is not a database address.",
            "Use sqlite:///PATH or postgresql://USER@HOST:PORT/DATABASE.",
        ) from exc
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise EnvironmentFault(
            f"The database type '{backend}' is not supported.",
            "Use sqlite:///PATH or postgresql://USER@HOST:PORT/DATABASE.",
        )
    if backend == "postgresql" and url.drivername != "postgresql+psycopg":
        url = url.set(drivername="postgresql+psycopg")
    return url


def resolve_database_url(paths: Paths, explicit: str | None = None) -> URL:
    """--database, then ASSISTED_DESK_DATABASE_URL, then the settings file, then the local file."""
    if explicit:
        return parse_database_url(explicit)
    from_env = os.environ.get(DATABASE_ENV)
    if from_env:
        return parse_database_url(from_env)
    configured = read_settings(paths).get("database_url")
    if configured:
        url = parse_database_url(str(configured))
        if url.password:
            raise EnvironmentFault(
                f"The settings file {paths.settings_file} holds a database password.",
                "Remove it from the file; the password is kept in the system keyring "
                "(assisted-desk db set-password).",
            )
        return url
    return sqlite_url(paths.default_database)


def sqlite_url(path: Path) -> URL:
    from sqlalchemy.engine import URL

    return URL.create("sqlite", database=str(path))


def describe_url(url: URL) -> str:
    """The database as a person should see it: a file path, or host/database, never a password."""
    if url.get_backend_name() == "sqlite":
        return url.database or "(in memory)"
    port = f":{url.port}" if url.port else ""
    return f"PostgreSQL {url.host or 'localhost'}{port}/{url.database}"
