"""`assisted-desk backup` and `restore`, run in-process as an administrator would run them."""

from __future__ import annotations

import io
import re
import sqlite3
import sys
from contextlib import closing

import pytest

from assisted_desk.cli import main
from assisted_desk.core.config import parse_database_url

from ..desk.contact_fixtures import register

SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def cli(paths, database_url, monkeypatch, capsys):
    def run(*args: str, answer: str | None = None) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO() if answer is None else Terminal(answer))
        code = main(["--home", str(paths.data_dir.parent), "--database", database_url, *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def family_names(path) -> list[str]:
    with closing(sqlite3.connect(path)) as connection:
        return [row[0] for row in connection.execute("SELECT family_name FROM resident ORDER BY id")]


@SQLITE
def test_backup_then_restore_brings_back_the_database_as_it_was(cli, services, admin, database_url, tmp_path):
    database = parse_database_url(database_url).database
    register(services, admin, "Łukasz", "Żółć")
    out = tmp_path / "desk-backup.sqlite"
    code, said, err = cli("backup", "--out", str(out))
    assert code == 0, err
    assert f"to {out}" in said and "integrity check" in said and "schema" in said
    register(services, admin, "Ștefan", "Popescu", born="01/02/1990")  # after the backup

    code, _, err = cli("restore", str(out), "--yes")  # the desk still has the database open
    assert code == 2 and "in use" in err and err.count("\n") == 1
    services.db.dispose()  # the desk is closed

    code, said, err = cli("restore", str(out), answer="no\n")
    assert code == 1 and "Nothing was changed" in said and "Type yes" in said
    assert family_names(database) == ["Żółć", "Popescu"]
    code, said, err = cli("restore", str(out), answer="yes\n")
    assert code == 0, err
    assert "will be kept in" in said and "Restored" in said
    assert family_names(database) == ["Żółć"]
    kept = re.findall(r"Kept the database it replaced at (\S+)\.$", said, re.MULTILINE)
    assert len(kept) == 1 and family_names(kept[0]) == ["Żółć", "Popescu"]
    with closing(sqlite3.connect(kept[0])) as connection:  # the backup was audited in the database it copied
        assert connection.execute("SELECT actor FROM audit_event WHERE action = 'backup'").fetchone()[0].startswith(
            "cli:")
    with closing(sqlite3.connect(database)) as connection:
        assert connection.execute("SELECT COUNT(*) FROM audit_event WHERE action = 'restore'").fetchone()[0] == 1


@SQLITE
def test_restore_without_a_terminal_needs_yes(cli, tmp_path):
    junk = tmp_path / "notes.sqlite"
    junk.write_text("shopping list")
    code, _, err = cli("restore", str(junk), "--yes")
    assert code == 1 and "not a SQLite database" in err
    code, _, err = cli("backup", "--out", str(tmp_path / "b.sqlite"))
    assert code == 0, err
    code, _, err = cli("restore", str(tmp_path / "b.sqlite"))
    assert code == 1 and "--yes" in err and err.count("\n") == 1


@SQLITE
def test_an_unwritable_out_exits_2_and_writes_nothing(cli, tmp_path):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a folder")
    code, out, err = cli("backup", "--out", str(a_file / "backup.sqlite"))
    assert code == 2 and out == "" and err.count("\n") == 1 and "cannot be written" in err
    assert sorted(p.name for p in tmp_path.iterdir() if "partial" in p.name) == []


@pytest.mark.parametrize("args", [("backup", "--out", "x.sqlite"), ("restore", "x.sqlite", "--yes")])
def test_postgresql_is_refused_naming_pg_dump_and_pg_restore(tmp_path, capsys, args):
    code = main(["--home", str(tmp_path), "--database", "postgresql://desk@db.example/borough", *args])
    err = capsys.readouterr().err
    assert code == 1 and "pg_dump" in err and "pg_restore" in err and err.count("\n") == 1
    assert not (tmp_path / "x.sqlite").exists()
