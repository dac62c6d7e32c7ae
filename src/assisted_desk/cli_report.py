"""The `report` command: count a report and write it as PDF, CSV or XLSX (for a scheduled run).

The parser's options are defined with the rest in cli.py; this is what runs them. What is wrong
with the command line is said on stderr in one line with exit code 2, and nothing is written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .cli import REPORT_FORMATS
from .core.errors import DeskError


class _ReportRefused(Exception):
    """What is wrong with a `report` command line, said on stderr with exit code 2."""


def run_report(args: argparse.Namespace, services, actor) -> int:
    """`report KIND --from --to --out`: progress lines on stderr, one line on stdout naming what was
    written. A bad date, an unknown site or partner, --to before --from, or an --out that cannot
    be written: one line on stderr, exit 2, and nothing written."""
    from .reporting.export import write_csv, write_xlsx
    from .reporting.model import Dimension, Grain, ReportKind, ReportRequest

    try:
        out = Path(args.out)
        _check_report_target(out)
        kind = args.format or _report_format(out)
        if args.partner and args.kind != ReportKind.REFERRALS.value:
            raise _ReportRefused(f"--partner applies to the referrals report only; leave it out for the "
                                 f"{args.kind} report.")
        request = ReportRequest(
            ReportKind(args.kind), _report_day(args.since, "--from"), _report_day(args.until, "--to"),
            site_ids=tuple(_report_site(services, name) for name in args.site),
            partner_ids=tuple(_report_partner(services, actor, name) for name in args.partner),
            breakdown=Dimension(args.by) if args.by else None, grain=Grain(args.grain)).checked()
        report = _drain_report(services.reports.run(actor, request))
        if kind == "pdf":
            from .printing.report_pdf import write_report_pdf

            write_report_pdf(report, out)
        else:
            (write_csv if kind == "csv" else write_xlsx)(report, out)
    except (_ReportRefused, DeskError) as exc:
        print(f"assisted-desk: {exc}", file=sys.stderr)
        return 2
    tables = len(report.tables)
    print(f"Wrote {report.title[0].lower()}{report.title[1:]} report, {report.period}, "
          f"{tables} table{'s' if tables != 1 else ''}, to {out}")
    return 0


def _report_day(text: str, option: str):
    import re
    from datetime import date

    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        try:
            return date.fromisoformat(text.strip())
        except ValueError:
            pass
    raise _ReportRefused(f"{option} '{text}' is not a date: write it as YYYY-MM-DD, for example 2026-04-01.")


def _report_format(out: Path) -> str:
    ending = out.suffix.lower().lstrip(".")
    if ending in REPORT_FORMATS:
        return ending
    raise _ReportRefused(f"Cannot tell the format from '{out.name}': end the file name with .pdf, .csv or "
                         ".xlsx, or add --format pdf|csv|xlsx.")


def _check_report_target(out: Path) -> None:
    """Refuse an --out that cannot be written before anything is counted."""
    import os

    folder = out.parent if str(out.parent) else Path(".")
    if out.is_dir():
        raise _ReportRefused(f"--out {out} is a folder: give a file name inside it, such as {out / 'report.pdf'}.")
    if not folder.is_dir():
        raise _ReportRefused(f"Cannot write {out}: the folder {folder} does not exist. Create it or choose "
                             "another --out.")
    if not os.access(folder, os.W_OK | os.X_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise _ReportRefused(f"Cannot write {out}: this account may not write there. Choose another --out.")


def _report_site(services, name: str) -> int:
    sites = services.staff.list_sites()
    for site in sites:
        if str(site.id) == name.strip() or site.name.casefold() == name.strip().casefold():
            return site.id
    known = ", ".join(s.name for s in sites) or "none yet"
    raise _ReportRefused(f"There is no site called '{name}'. Sites: {known}.")


def _report_partner(services, actor, name: str) -> int:
    partners = services.partners.list_organisations(actor, include_gone=True)
    for partner in partners:
        if str(partner.id) == name.strip() or partner.name.casefold() == name.strip().casefold():
            return partner.id
    raise _ReportRefused(f"There is no partner organisation called '{name}'. Give its name as the "
                         "directory lists it (Inclusion, Partners), or its number.")


def _drain_report(runner):
    """Run a report, showing its progress on stderr (one line rewritten on a terminal)."""
    interactive = sys.stderr.isatty()
    while True:
        try:
            line = next(runner)
        except StopIteration as finished:
            if interactive:
                print("\r" + " " * 70 + "\r", end="", file=sys.stderr)
            return finished.value
        if interactive:
            print(f"\r{line[:70]:<70}", end="", file=sys.stderr, flush=True)
        else:
            print(line, file=sys.stderr, flush=True)
