"""`assisted-desk export resident REF --out PATH`: subject access, everything held about one
resident as one .zip (JSON, PDF and their attachments). REF is the record number the Residents
page shows ("Record 1234") or a reference the resident quotes (AD-7K3P-9Q, CS-..., RF-...).

What is wrong with the command line is said on stderr in one line, exit code 2, nothing written;
a refusal (unknown resident, no permission) exits 1, as every command does."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


class _ExportRefused(Exception):
    """What is wrong with an `export` command line, said on stderr with exit code 2."""


def add_commands(commands) -> None:
    export = commands.add_parser("export", help="subject access: everything held about a resident, as one archive")
    kinds = export.add_subparsers(dest="export_command", metavar="WHAT", required=True)
    resident = kinds.add_parser("resident", help="a resident's record, contacts, consents, requests, cases, "
                                "assessments, referrals, prints, attachments and audit, as JSON and PDF in one .zip")
    resident.add_argument("reference", metavar="REF", help="the resident's record number (shown as 'Record' on "
                          "their details) or a reference they quote, such as AD-7K3P-9Q")
    resident.add_argument("--out", required=True, metavar="FILE.zip", help="the archive to write")
    resident.add_argument("--force", action="store_true", help="replace the file if it already exists")


def run_export(args: argparse.Namespace, services, actor) -> int:
    """Find the resident, check --out, write the archive; one line on stdout saying what was
    written, and where a merged record's data went."""
    try:
        out = Path(args.out)
        _check_target(out, args.force)
    except _ExportRefused as exc:
        print(f"assisted-desk: {exc}", file=sys.stderr)
        return 2
    found = services.subject_access.find_resident(actor, args.reference)
    if found.merged_from is not None:
        print(f"Record {found.merged_from} was merged into record {found.resident_id}; exporting record "
              f"{found.resident_id}, which includes it.", file=sys.stderr)
    result = services.subject_access.write_archive(actor, found.resident_id, out)
    merged = f", including {result.merged_records} merged record{'s' if result.merged_records != 1 else ''}" \
        if result.merged_records else ""
    withheld = f"; {result.withheld} item{'s' if result.withheld != 1 else ''} about other people left out" \
        if result.withheld else ""
    print(f"Wrote everything held about {result.resident_name} (record {result.resident_id}{merged}) to "
          f"{result.path}: JSON, a PDF of {result.pdf_pages} page{'s' if result.pdf_pages != 1 else ''} and "
          f"{result.attachments} attachment"
          f"{'s' if result.attachments != 1 else ''}{withheld}.")
    return 0


def _check_target(out: Path, force: bool) -> None:
    """Refuse an --out that cannot or should not be written, before anything is read."""
    folder = out.parent if str(out.parent) else Path(".")
    if out.is_dir():
        raise _ExportRefused(f"--out {out} is a folder: give a file name inside it, such as "
                             f"{out / 'subject-access.zip'}.")
    if out.exists() and not force:
        raise _ExportRefused(f"{out} already exists. Choose another --out, or add --force to replace it.")
    if not folder.is_dir():
        raise _ExportRefused(f"Cannot write {out}: the folder {folder} does not exist. Create it or choose "
                             "another --out.")
    if not os.access(folder, os.W_OK | os.X_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise _ExportRefused(f"Cannot write {out}: this account may not write there. Choose another --out.")
