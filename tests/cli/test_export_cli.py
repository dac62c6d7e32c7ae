"""`assisted-desk export resident REF --out FILE.zip`, in-process: the archive written, audited as
the command line's account, and every refusal one clear line with nothing written."""

from __future__ import annotations

import io
import json
import sys
import zipfile

import pytest

from assisted_desk import services as services_module
from assisted_desk.cli import main
from assisted_desk.core.audit import AuditFilter
from tests.desk.contact_fixtures import contact, register

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def cli(tmp_path, database_url, clock, monkeypatch, capsys):
    monkeypatch.setattr(services_module, "Clock", lambda: clock)

    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(""))
        code = main(["--home", str(tmp_path / "cli-home"), "--database", database_url, *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def residents(services, admin):
    kept = register(services, admin, address_line1="12 Mile End Road")
    reference = services.interactions.log_interaction(admin, contact(kept, notes="Asked about council tax"))
    duplicate = register(services, admin, "Lukasz", "Zolc", library_card="LIB123")
    services.residents.merge(admin, kept, duplicate, expected_survivor_version=services.residents.get(admin, kept).version,
                             expected_merged_version=services.residents.get(admin, duplicate).version)
    return kept, duplicate, reference


def test_export_writes_the_archive_by_record_number_or_reference(cli, services, admin, residents, tmp_path):
    kept, duplicate, reference = residents
    out = tmp_path / "sar.zip"
    code, stdout, stderr = cli("export", "resident", str(kept), "--out", str(out))
    assert code == 0, stderr
    assert stdout.startswith(f"Wrote everything held about Łukasz Żółć (record {kept}, including 1 merged record) "
                             f"to {out}: JSON, a PDF of ") and " pages and 0 attachments." in stdout
    with zipfile.ZipFile(out) as archive:
        data = json.loads(archive.read("subject-access.json"))
        assert archive.read("subject-access.pdf").startswith(b"%PDF")
    assert data["resident_id"] == kept and data["generated_by"].startswith("cli:")
    assert [c["notes"] for c in data["contacts"]] == ["Asked about council tax"]
    assert [r["id"] for r in data["merged_records"]] == [duplicate]
    entries = services.audit.browse(admin, AuditFilter(action="resident.exported")).entries
    assert [(e.record_id, e.actor.startswith("cli:")) for e in entries] == [(str(kept), True)]

    # A quoted reference finds the resident; the merged record's number finds the survivor.
    code, _, stderr = cli("export", "resident", reference.lower(), "--out", str(tmp_path / "by-ref.zip"))
    assert code == 0, stderr and (tmp_path / "by-ref.zip").exists()
    code, stdout, stderr = cli("export", "resident", str(duplicate), "--out", str(tmp_path / "merged.zip"))
    assert code == 0 and stderr == (f"Record {duplicate} was merged into record {kept}; exporting record {kept}, "
                                    "which includes it.\n")

    # An existing file is kept unless --force.
    before = out.read_bytes()
    code, stdout, stderr = cli("export", "resident", str(kept), "--out", str(out))
    assert (code, stdout) == (2, "") and stderr == (f"assisted-desk: {out} already exists. Choose another --out, or "
                                                    "add --force to replace it.\n")
    assert out.read_bytes() == before
    code, _, stderr = cli("export", "resident", str(kept), "--out", str(out), "--force")
    assert code == 0, stderr


@pytest.mark.parametrize("ref, message", [
    ("999999", "assisted-desk: There is no resident with record number 999999."),
    ("AD-2222-22", "assisted-desk: No record has the reference AD-2222-22."),
    ("Łukasz", "assisted-desk: 'Łukasz' is neither a record number nor a reference."),
])
def test_unknown_or_malformed_references_are_refused(cli, residents, tmp_path, ref, message):
    code, stdout, stderr = cli("export", "resident", ref, "--out", str(tmp_path / "x.zip"))
    assert (code, stdout) == (1, "") and stderr.startswith(message), stderr
    assert not (tmp_path / "x.zip").exists()


def test_paths_that_cannot_be_written_are_refused(cli, residents, tmp_path):
    kept = str(residents[0])
    code, _, stderr = cli("export", "resident", kept, "--out", str(tmp_path / "missing" / "x.zip"))
    assert code == 2 and "the folder" in stderr and "does not exist" in stderr
    code, _, stderr = cli("export", "resident", kept, "--out", str(tmp_path))
    assert code == 2 and "is a folder" in stderr
    code, _, stderr = cli("export", "resident", kept, "--out", "/proc/subject-access.zip")
    assert code == 2 and "Cannot write" in stderr
    assert not [p for p in tmp_path.rglob("*") if ".zip" in p.name]
