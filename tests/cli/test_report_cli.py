"""`assisted-desk report KIND --from --to --out FILE`, in-process on SQLite and PostgreSQL: the file
written is the report the service counts (byte for byte), progress goes to stderr, one summary line
to stdout, and every refusal is one clear line, exit code 2, and nothing written."""

from __future__ import annotations

import errno
import io
import os
import sys
from datetime import date

import pytest
from openpyxl import load_workbook

from assisted_desk import services as services_module
from assisted_desk.cli import main
from assisted_desk.core.security import Actor
from assisted_desk.printing.report_pdf import render_report_pdf
from assisted_desk.reporting import export
from assisted_desk.reporting.model import Dimension, ReportKind, ReportRequest
from tests.reporting.desk_data import build_history
from tests.reporting.test_export import check_csv, check_xlsx

PERIOD = ("--from", "2026-07-01", "--to", "2026-09-30")


@pytest.fixture
def cli(tmp_path, database_url, clock, monkeypatch, capsys):
    # The command opens its own services; it reads the same fixed clock as the test's services.
    monkeypatch.setattr(services_module, "Clock", lambda: clock)

    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(""))
        code = main(["--home", str(tmp_path / "cli-home"), "--database", database_url, *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def history(services, admin, clock):
    return build_history(services, admin, clock)


def counted(services, kind: ReportKind, **choices):
    """The report as the service counts it for the command line's actor."""
    return services.reports.run_now(Actor.command_line(), ReportRequest(kind, date(2026, 7, 1), date(2026, 9, 30),
                                                                       **choices))


def test_each_format_is_the_report_the_service_counts(cli, services, history, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    code, stdout, stderr = cli("report", "desk", *PERIOD, "--site", "Ștefan Hub", "--out", str(out / "desk.csv"))
    assert code == 0, stderr
    expected = counted(services, ReportKind.DESK, site_ids=(history.site_b,))
    assert stdout == (f"Wrote desk performance report, 1 July 2026 to 30 September 2026, {len(expected.tables)} "
                      f"tables, to {out / 'desk.csv'}\n")
    assert "Counting desk performance…" in stderr and "Applying disclosure control…" in stderr
    export.write_csv(expected, tmp_path / "expected.csv")
    assert (out / "desk.csv").read_bytes() == (tmp_path / "expected.csv").read_bytes()
    lines = check_csv(expected, out / "desk.csv")
    assert ["Scope", "Ștefan Hub"] in lines and expected.rules in lines[4]

    code, _, stderr = cli("report", "referrals", *PERIOD, "--by", "age_band", "--out", str(out / "referrals.xlsx"))
    assert code == 0, stderr
    expected = counted(services, ReportKind.REFERRALS, breakdown=Dimension.AGE_BAND)
    check_xlsx(expected, out / "referrals.xlsx")
    export.write_xlsx(expected, tmp_path / "expected.xlsx")
    got, want = load_workbook(out / "referrals.xlsx"), load_workbook(tmp_path / "expected.xlsx")
    assert [[c.value for c in row] for sheet in got.worksheets for row in sheet.iter_rows()] == [
        [c.value for c in row] for sheet in want.worksheets for row in sheet.iter_rows()]
    assert any(name.startswith("Referrals by age band") for name in got.sheetnames)

    code, stdout, stderr = cli("report", "skills", *PERIOD, "--site", str(history.site_a), "--format", "pdf",
                               "--out", str(out / "skills.report"))
    assert code == 0, stderr
    expected = counted(services, ReportKind.SKILLS, site_ids=(history.site_a,))
    assert (out / "skills.report").read_bytes() == render_report_pdf(expected)[0]
    assert stdout.startswith("Wrote skills progress report, 1 July 2026 to 30 September 2026, ")
    assert sorted(p.name for p in out.iterdir()) == ["desk.csv", "referrals.xlsx", "skills.report"]


def test_quarters_and_partners_are_passed_on(cli, services, history, tmp_path):
    code, _, stderr = cli("report", "desk", *PERIOD, "--grain", "quarter", "--out", str(tmp_path / "q.csv"))
    assert code == 0, stderr
    lines = check_csv(counted(services, ReportKind.DESK, grain=services_grain("quarter")), tmp_path / "q.csv")
    assert ["Jul–Sep 2026"] == [line[0] for line in lines if line and line[0].startswith("Jul")][:1]
    code, _, err = cli("report", "referrals", *PERIOD, "--partner", "Nobody Ltd", "--out", str(tmp_path / "p.csv"))
    assert code == 2 and "no partner organisation called 'Nobody Ltd'" in err


def services_grain(name: str):
    from assisted_desk.reporting.model import Grain

    return Grain(name)


@pytest.mark.parametrize("args, words", [
    (("--from", "2026-02-30", "--to", "2026-03-31"), "--from '2026-02-30' is not a date: write it as YYYY-MM-DD"),
    (("--from", "01/04/2026", "--to", "2026-03-31"), "--from '01/04/2026' is not a date"),
    (("--from", "2026-04-01", "--to", "next week"), "--to 'next week' is not a date"),
    (("--from", "2026-04-01", "--to", "2026-03-31"), "The period ends (31/03/2026) before it starts (01/04/2026)"),
    (("--from", "2010-01-01", "--to", "2026-03-31"), "One report covers at most 6 years"),
    ((*PERIOD, "--site", "Łódź Hub"), "There is no site called 'Łódź Hub'. Sites: Central Library, Ștefan Hub."),
    ((*PERIOD, "--partner", "1"), "--partner applies to the referrals report only"),
])
def test_a_bad_request_is_one_line_exit_2_and_nothing_written(cli, history, tmp_path, args, words):
    code, out, err = cli("report", "desk", *args, "--out", str(tmp_path / "never.csv"))
    assert code == 2 and out == ""
    assert words in err and err.count("\n") == 1 and err.startswith("assisted-desk: ")
    assert not (tmp_path / "never.csv").exists()


def test_an_out_that_cannot_be_written_is_refused_before_counting(cli, history, tmp_path):
    code, _, err = cli("report", "desk", *PERIOD, "--out", str(tmp_path / "missing" / "desk.pdf"))
    assert code == 2 and "the folder" in err and "does not exist" in err and err.count("\n") == 1
    code, _, err = cli("report", "desk", *PERIOD, "--out", str(tmp_path))
    assert code == 2 and "is a folder" in err
    code, _, err = cli("report", "desk", *PERIOD, "--out", str(tmp_path / "desk.txt"))
    assert code == 2 and "end the file name with .pdf, .csv or .xlsx, or add --format" in err
    assert not (tmp_path / "missing").exists() and not (tmp_path / "desk.txt").exists()


def test_a_disk_that_fills_while_saving_leaves_no_file(cli, history, tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(export.os, "replace", full)
    folder = tmp_path / "reports"
    folder.mkdir()
    code, out, err = cli("report", "desk", *PERIOD, "--out", str(folder / "desk.xlsx"))
    assert code == 2 and out == "" and "the disk is full" in err and "Free some space" in err
    assert "Counting desk performance…" in err  # the progress came before the failure
    assert list(folder.iterdir()) == []
