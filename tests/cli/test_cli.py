"""The command line, run in-process and as a real subprocess, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from argon2 import PasswordHasher

from assisted_desk import __version__
from assisted_desk.core import security
from assisted_desk.cli import main
from assisted_desk.demo import DEMO_PASSWORD

from ..conftest import CHEAPEST


@pytest.fixture
def cli(tmp_path, empty_database_url, monkeypatch, capsys):
    home = tmp_path / "home"
    # Real Argon2id at its cheapest cost: the demo and staff commands hash several passwords.
    monkeypatch.setattr(security, "PasswordHasher", lambda: PasswordHasher.from_parameters(CHEAPEST))

    def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(["--home", str(home), "--database", empty_database_url, *args])
        out, err = capsys.readouterr()
        return code, out, err

    run.home = home
    return run


def test_version_as_a_real_command():
    done = subprocess.run([sys.executable, "-m", "assisted_desk", "--version"], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == f"assisted-desk {__version__}"


def test_db_upgrade_and_current(cli):
    code, out, _ = cli("db", "current")
    assert code == 0 and "schema empty (needs upgrading" in out
    code, out, _ = cli("db", "upgrade")
    assert code == 0 and "(up to date)" in out
    code, out, _ = cli("db", "current")
    assert "up to date" in out


def test_demo_then_staff_commands(cli):
    code, out, _ = cli("demo", "--residents", "20")
    assert code == 0 and DEMO_PASSWORD in out
    assert "20 residents" in out and "40 logged contacts" in out
    code, out, _ = cli("staff", "list")
    assert "Łukasz Żółć" in out and "coordinator" in out and "advocate" in out
    code, out, err = cli("staff", "add", "nowak", "--name", "Łukasz Nowak", "--role", "desk",
                         "--site", "riverside library", "--password-stdin", stdin="first password 1\n")
    assert code == 0, err
    assert "Riverside Library" in out
    code, out, _ = cli("staff", "disable", "NOWAK")
    assert code == 0 and "disabled" in out
    code, out, _ = cli("staff", "enable", "nowak")
    assert "active" in out
    code, out, _ = cli("staff", "reset-password", "nowak", "--password-stdin", stdin="another password 2\n")
    assert code == 0 and "reset" in out


def test_demo_refuses_an_unreasonable_number_of_residents(cli):
    code, _, err = cli("demo", "--residents", "5")
    assert code == 1 and "from 20 to 1000" in err


def test_demo_refuses_a_database_with_records(cli):
    assert cli("demo", "--residents", "20")[0] == 0
    code, _, err = cli("demo", "--residents", "20")
    assert code == 1
    assert err.count("\n") == 1 and "already holds staff records" in err


REFUSED = [  # (arguments, what is typed in, what the one line says)
    (("staff", "add", "xyz1", "--name", "X", "--role", "desk", "--site", "Nowhere", "--password-stdin"),
     "long enough password\n", "no site called 'Nowhere'"),
    (("staff", "add", "xyz1", "--name", "X", "--role", "desk", "--site", "Central Library", "--password-stdin"),
     "short\n", "at least 10 characters"),
    (("staff", "add", "xyz1", "--name", "X", "--role", "desk", "--site", "Central Library"),
     "", "pass it with --password-stdin"),
    (("staff", "disable", "ghost"), "", "no staff member with the user name ghost"),
    (("staff", "disable", "admin"), "", "only active administrator"),
]


def test_errors_exit_non_zero_with_one_clear_line(cli):
    cli("demo", "--residents", "20")  # once: every refusal leaves the records as they were
    for args, stdin, message in REFUSED:
        code, _, err = cli(*args, stdin=stdin)
        assert code == 1, args
        assert message in err and len(err.strip().splitlines()) == 1, (args, err)
    code, out, _ = cli("staff", "list")
    assert code == 0 and "xyz1" not in out and "ghost" not in out


def test_unreachable_database_exits_2_without_showing_the_password(tmp_path, capsys):
    code = main(["--home", str(tmp_path), "--database", "postgresql://desk:topsecret99@127.0.0.1:1/x",
                 "db", "current"])
    err = capsys.readouterr().err
    assert code == 2
    assert "cannot be reached" in err and "topsecret99" not in err


def test_set_password_goes_to_the_keyring(tmp_path, memory_keyring, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("pg-password-1\n"))
    code = main(["--home", str(tmp_path), "--database", "postgresql://desk@db.example/borough",
                 "db", "set-password", "--password-stdin"])
    assert code == 0
    assert "system keyring" in capsys.readouterr().out
    assert memory_keyring.secrets[("assisted-desk", "database:desk@db.example:5432/borough")] == "pg-password-1"
    assert "pg-password-1" not in "".join(p.read_text() for p in tmp_path.rglob("*") if p.is_file())


def test_logs_go_to_a_file_under_home(cli):
    cli("demo", "--residents", "20")
    assert (cli.home / "data" / "logs" / "assisted-desk.log").exists()


@pytest.mark.parametrize(
    "argv, expected",
    [
        ([], {"home": None, "database": None}),
        (["--home", "/tmp/a"], {"home": "/tmp/a", "database": None}),
        (["--home=/tmp/a", "--database", "sqlite:///x"], {"home": "/tmp/a", "database": "sqlite:///x"}),
        (["--home"], None),
        (["--home", "/a", "--home", "/b"], None),
        (["gui"], None),
        (["--version"], None),
        (["--database="], None),
    ],
)
def test_the_everyday_start_skips_the_full_parser_only_when_it_means_the_same(argv, expected):
    from assisted_desk.cli import _plain_gui_start, build_parser

    plain = _plain_gui_start(argv)
    if expected is None:
        assert plain is None
        return
    assert vars(plain) == {"command": None, **expected}
    full = build_parser().parse_args(argv)
    assert (full.command, full.home, full.database) == (None, expected["home"], expected["database"])


def test_backoffice_commands_set_the_address_the_token_and_the_authority(cli, tmp_path):
    code, out, err = cli("backoffice", "set-url", "http://backoffice.example.gov.uk")
    assert code == 1 and "would send residents' details unencrypted: use https://" in err
    code, out, err = cli("backoffice", "set-url", "https://backoffice.example.gov.uk/")
    assert code == 0, err
    assert "Every desk now sends to https://backoffice.example.gov.uk." in out and "Token: not set" in out
    code, out, err = cli("backoffice", "set-token", "--token-stdin", stdin="has a space\n")
    assert code == 1 and "one line with no spaces" in err
    code, out, err = cli("backoffice", "set-token", "--token-stdin", stdin="s3cret-token\n")
    assert code == 0 and "The back-office token is kept in" in out and "s3cret-token" not in out
    not_pem = tmp_path / "ca.pem"
    not_pem.write_text("hello", encoding="ascii")
    code, out, err = cli("backoffice", "set-ca", str(not_pem))
    assert code == 1 and "holds no certificate" in err
    code, out, err = cli("backoffice", "set-ca")
    assert code == 1 and "--clear" in err
    code, out, err = cli("backoffice", "show")
    assert code == 0 and "Address: https://backoffice.example.gov.uk" in out
    assert "Certificate authorities: the system ones" in out


def test_sync_says_what_is_missing_before_anything_is_sent(cli):
    code, out, _ = cli("sync")
    assert code == 0  # nothing waits for the back office, so nothing failed
    assert "Nothing was sent: no back-office address is set (Admin → Back office)." in out
    assert "Back office: not set up. Waiting to send: 0. Needing attention: 0." in out
