"""`assisted-desk partners import-oruk URL` and `partners export --out FILE`, in-process against a
real directory server on 127.0.0.1, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import sys

import pytest

from assisted_desk.cli import main
from assisted_desk.inclusion.oruk_export import schema_problems
from tests.oruk_server import OrukServer, service


@pytest.fixture
def cli(tmp_path, empty_database_url, monkeypatch, capsys):
    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(""))
        code = main(["--home", str(tmp_path / "home"), "--database", empty_database_url, *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def directory_server():
    server = OrukServer().start()
    for n, name in enumerate(["Komputery — Łukasz", "دروس محمد", "પ્રિયા ફોન ક્લબ"]):
        server.put(service(f"svc-{n}", name))
    server.put({"id": "svc-bad", "name": "No organisation"})
    yield server
    server.stop()


def test_import_then_refresh_then_export(cli, directory_server, tmp_path):
    assert cli("db", "upgrade")[0] == 0
    code, out, err = cli("partners", "import-oruk", directory_server.url, "--per-page", "2")
    assert code == 0, err
    assert "Read page 1 of 2" in err and "Read page 2 of 2" in err and "4/4 Saving the directory" in err
    assert "3 added, 0 changed, 0 unchanged, 0 gone, 1 skipped" in out
    assert "skipped svc-bad: it names no organisation that runs it" in out

    directory_server.remove("svc-2")
    code, out, _ = cli("partners", "import-oruk", directory_server.url)
    assert code == 0 and "0 added, 0 changed, 2 unchanged, 1 gone, 1 skipped" in out

    target = tmp_path / "directory.json"
    code, out, err = cli("partners", "export", "--out", str(target))
    assert code == 0, err
    assert "Wrote 2 services" in out
    document = json.loads(target.read_text(encoding="utf-8"))
    assert {s["name"] for s in document["contents"]} == {"Komputery — Łukasz", "دروس محمد"}
    assert schema_problems(document) == []


def test_failures_exit_non_zero_with_one_clear_line(cli, directory_server, tmp_path):
    assert cli("db", "upgrade")[0] == 0
    code, _, err = cli("partners", "import-oruk", "not a url")
    assert code == 1 and "not the address of a directory" in err and err.count("\n") == 1

    directory_server.fail(503)
    code, out, err = cli("partners", "import-oruk", directory_server.url)
    assert code == 2 and "answered 503" in err and "Nothing was changed" in err and out == ""

    directory_server.down()
    code, _, err = cli("partners", "import-oruk", directory_server.url)
    assert code == 2 and "could not be reached" in err

    code, _, err = cli("partners", "export", "--out", str(tmp_path / "missing" / "x.json"))
    assert code == 1 and "no folder" in err
