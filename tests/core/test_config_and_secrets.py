from __future__ import annotations

import json
import os

import keyring
import pytest
from keyring.backends import fail

from assisted_desk.core.config import (
    Paths,
    describe_url,
    parse_database_url,
    resolve_database_url,
    write_settings,
)
from assisted_desk.core.errors import EnvironmentFault
from assisted_desk.core.secrets import SecretStore
from assisted_desk.services import database_password_key, with_keyring_password


def test_home_keeps_every_file_under_one_folder(tmp_path):
    paths = Paths.for_home(tmp_path / "desk-a")
    for folder in (paths.data_dir, paths.config_dir, paths.log_dir, paths.backup_dir):
        assert str(folder).startswith(str(tmp_path / "desk-a"))
    assert resolve_database_url(paths).database == str(paths.default_database)


def test_home_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTED_DESK_HOME", str(tmp_path / "env-home"))
    assert Paths.for_home().data_dir == tmp_path / "env-home" / "data"


def test_database_choice_order(tmp_path, monkeypatch):
    paths = Paths.for_home(tmp_path)
    write_settings(paths, {"database_url": "postgresql://desk@db.example/borough"})
    assert resolve_database_url(paths).host == "db.example"
    monkeypatch.setenv("ASSISTED_DESK_DATABASE_URL", "sqlite:////tmp/from-env.sqlite")
    assert resolve_database_url(paths).database == "/tmp/from-env.sqlite"
    assert resolve_database_url(paths, "sqlite:////tmp/explicit.sqlite").database == "/tmp/explicit.sqlite"


def test_a_password_in_the_settings_file_is_refused(tmp_path):
    paths = Paths.for_home(tmp_path)
    write_settings(paths, {"database_url": "postgresql://desk:hunter2hunter2@db.example/borough"})
    with pytest.raises(EnvironmentFault, match="holds a database password") as caught:
        resolve_database_url(paths)
    assert "hunter2" not in str(caught.value)


def test_a_broken_settings_file_is_named(tmp_path):
    paths = Paths.for_home(tmp_path)
    paths.ensure()
    paths.settings_file.write_text("{ not json", encoding="utf-8")
    with pytest.raises(EnvironmentFault, match="not valid JSON \\(line 1"):
        resolve_database_url(paths)


@pytest.mark.parametrize("text", ["mysql://x@y/z", "not a url at all"])
def test_unsupported_database_addresses_are_refused(text):
    with pytest.raises(EnvironmentFault):
        parse_database_url(text)


def test_the_database_is_described_without_its_password():
    url = parse_database_url("postgresql://desk:s3cret-pass@db.example:5433/borough")
    assert describe_url(url) == "PostgreSQL db.example:5433/borough"
    assert url.drivername == "postgresql+psycopg"


def test_postgres_password_comes_from_the_keyring(memory_keyring):
    url = parse_database_url("postgresql://desk@db.example/borough")
    store = SecretStore()
    assert with_keyring_password(url, store).password is None
    where = store.set(database_password_key(url), "from-keyring")
    assert "system keyring" in where and "MemoryKeyring" in where
    assert with_keyring_password(url, store).password == "from-keyring"
    assert memory_keyring.secrets[("assisted-desk", "database:desk@db.example:5432/borough")] == "from-keyring"


def test_without_a_keyring_the_secret_is_kept_for_this_run_only_and_said_so():
    keyring.set_keyring(fail.Keyring())
    store = SecretStore()
    assert not store.keyring_available()
    where = store.set("api-token", "t0ken")
    assert "this run only" in where
    assert store.get("api-token") == "t0ken"
    assert SecretStore().get("api-token") is None  # a new run has forgotten it


def test_unwritable_home_is_a_clear_fault(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root can write anywhere")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(EnvironmentFault, match="cannot be created"):
        Paths.for_home(locked / "home").ensure()


def test_settings_round_trip_keeps_non_ascii(tmp_path):
    paths = Paths.for_home(tmp_path)
    write_settings(paths, {"note": "Łukasz"})
    assert json.loads(paths.settings_file.read_text(encoding="utf-8")) == {"note": "Łukasz"}
