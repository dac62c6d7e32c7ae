"""`assisted-desk retention`, `erase resident` and `legal-hold`, in-process: what is listed, what is
asked, what is refused (one line, exit 1, nothing changed) and what is done."""

from __future__ import annotations

import io
import sys

import pytest

from assisted_desk import services as services_module
from assisted_desk.cli import main
from tests.desk.contact_fixtures import contact, register
from tests.privacy.erasure_world import every_text, row_counts

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def cli(tmp_path, database_url, clock, monkeypatch, capsys):
    monkeypatch.setattr(services_module, "Clock", lambda: clock)

    def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
        """`stdin`: what is typed at a terminal; None: no terminal (a script, `</dev/null`)."""
        monkeypatch.setattr(sys, "stdin", io.StringIO("") if stdin is None else Terminal(stdin))
        code = main(["--home", str(tmp_path / "cli-home"), "--database", database_url, *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_legal_hold_retention_and_erasure_from_the_command_line(cli, services, admin, clock):
    gone = register(services, admin, "Gone", "Away", born="01/01/1950")
    held = register(services, admin, "Held", "Back", born="02/02/1950")
    reference = services.interactions.log_interaction(admin, contact(held, notes="Complained"))
    clock.advance(days=7 * 366)

    code, out, err = cli("legal-hold", "place", reference, "--reason", "Ombudsman complaint 77")
    assert code == 0, err
    assert out == (f"Legal hold placed on record {held}: Ombudsman complaint 77. It will not be erased or swept by "
                   "retention until the hold is lifted.\n")
    code, out, err = cli("legal-hold", "place", str(held), "--reason", "again")
    assert (code, out) == (1, "") and "already under a legal hold, placed by cli:" in err

    code, out, err = cli("retention", "show")
    assert code == 0 and "residents          72 months after last contact (default)" in out
    code, out, err = cli("retention", "set", "attachments", "0")
    assert (code, out) == (1, "") and err.startswith("assisted-desk: Attachments (copies of documents) must be kept "
                                                     "between 1 and 240 months")

    counts, texts = row_counts(services), every_text(services)
    code, out, err = cli("retention", "--dry-run")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == ("Resident records and contacts (kept 72 months after last contact): 1 resident — the whole "
                        "record anonymised, as erasure does")
    assert lines[1] == f"  Record {gone:<7} last contact 23/11/2026"
    assert f"  Record {held:<7} legal hold placed by cli:" in out and "Ombudsman complaint 77 (due: Resident" in out
    assert lines[-1].startswith("Dry run: nothing was changed.")
    assert row_counts(services) == counts and every_text(services) == texts

    code, out, err = cli("retention", stdin="no\n")
    assert code == 1 and "not confirmed (expected 'yes'); nothing was changed" in err
    assert row_counts(services)["audit_event"] == counts["audit_event"]
    code, out, err = cli("retention", stdin="yes\n")
    assert code == 0, err
    assert "Anonymised: Resident records and contacts: 1 resident; Attachments (copies of documents): 0 residents" in out
    assert services.residents.get(admin, gone).name == "Erased record"

    code, out, err = cli("erase", "resident", reference, "--reason", "Asked in writing", "--yes")
    assert (code, out) == (1, "") and f"Record {held} is under a legal hold placed by cli:" in err
    code, out, err = cli("legal-hold", "lift", str(held))
    assert code == 0 and out.startswith(f"Legal hold lifted from record {held} (it was placed by cli:")
    code, out, err = cli("legal-hold", "show", str(held))
    assert code == 0 and out.startswith(f"Record {held}: lifted by cli:")

    code, out, err = cli("erase", "resident", reference, "--reason", "Asked in writing", stdin=f"{gone}\n")
    assert code == 1 and f"Type the record number {held} to confirm" in err and "nothing was changed" in err
    assert services.residents.get(admin, held).name == "Held Back"
    code, out, err = cli("erase", "resident", reference, "--reason", "Asked in writing", stdin=f"{held}\n")
    assert code == 0, err
    assert out == f"Erased record {held}: 1 contact and the name search entries.\n"
    code, out, err = cli("erase", "resident", str(held), "--reason", "again", "--yes")
    assert code == 1 and "This record was erased on 28/11/2033 10:00 by cli:" in err


def test_bad_references_are_refused(cli, services, admin):
    for ref, message in (("999999", "assisted-desk: There is no resident with record number 999999."),
                         ("AD-2222-22", "assisted-desk: No record has the reference AD-2222-22."),
                         ("Smith", "assisted-desk: 'Smith' is neither a record number nor a reference.")):
        for command in (("erase", "resident", ref, "--reason", "x", "--yes"), ("legal-hold", "lift", ref)):
            code, out, err = cli(*command)
            assert (code, out) == (1, "") and err.startswith(message), err


def test_the_real_run_anonymises_only_what_it_showed(cli, services, admin, clock, monkeypatch):
    """The periods change while the person reads the list: the run refuses, nothing changes."""
    from assisted_desk import cli_retention

    gone = register(services, admin, "Gone", "Away", born="01/01/1950")
    clock.advance(days=7 * 366)

    def answered_while_the_periods_changed(prompt: str, expected: str, doing: str) -> bool:
        services.retention.set_periods(admin, {"residents": 1})
        return True

    monkeypatch.setattr(cli_retention, "_confirmed", answered_while_the_periods_changed)
    code, out, err = cli("retention")
    assert code == 1 and out.startswith("Resident records and contacts (kept 72 months after last contact): 1 resident")
    assert "retention periods changed since the list was made" in err and "preview again" in err
    assert services.residents.get(admin, gone).name == "Gone Away"


def test_erasing_says_what_it_needs(cli, services, admin):
    rid = register(services, admin, "Ada", "Lovelace", born="10/12/1990")
    code, out, err = cli("erase", "resident", str(rid), "--reason", " ")
    assert (code, out) == (1, "")
    assert err.startswith("assisted-desk: Reason is required: say why the record is erased, e.g. 'Written request of "
                          "20/11/2026'.")
    code, out, err = cli("erase", "resident", str(rid), "--reason", "Written request")  # no terminal
    assert (code, out) == (1, "") and err.startswith("assisted-desk: No terminal to ask for confirmation: add --yes "
                                                     "to erase without asking. Nothing was changed.")
    code, out, err = cli("retention", "set", "residents", "1")
    assert code == 0 and "residents           1 month  after last contact (default 72)" in out
    code, out, err = cli("retention", "--dry-run")
    assert out.startswith("Resident records and contacts (kept 1 month after last contact): 0 residents")
    assert services.residents.get(admin, rid).name == "Ada Lovelace"
