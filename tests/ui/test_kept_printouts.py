"""A PDF kept after a failed print holds a resident's details: only this account may read it, and
it does not stay for ever. And what staff chose in the print dialog reaches the printer."""

from __future__ import annotations

import os
import stat
import time

from assisted_desk.ui.guides.printer import KEEP_DAYS, keep_pdf


def test_a_kept_printout_is_private_and_old_ones_are_deleted(tmp_path):
    pdf = tmp_path / "plan-2026-11-23.pdf"
    pdf.write_bytes("%PDF-1.4 Łukasz Żółć".encode())
    folder = tmp_path / "data" / "printouts"
    folder.mkdir(parents=True, mode=0o755)
    old = folder / "slip-RF-0001-AB.pdf"
    old.write_bytes(b"%PDF-1.4 old")
    long_ago = time.time() - (KEEP_DAYS + 1) * 86400
    os.utime(old, (long_ago, long_ago))

    kept = keep_pdf(pdf, folder)

    assert kept.read_bytes() == pdf.read_bytes()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert not old.exists()
    assert sorted(p.name for p in folder.iterdir()) == ["plan-2026-11-23.pdf"]


def test_the_copies_chosen_in_the_print_dialog_reach_lp(qapp):
    from PySide6.QtPrintSupport import QPrinter

    from assisted_desk.ui.guides.printer import PrintTarget

    printer = QPrinter()
    assert PrintTarget("Desk_Printer", "", printer).lp_options == ()  # one copy, one side: lp's defaults
    printer.setCopyCount(2)  # one for the resident, one for the partner
    assert PrintTarget("Desk_Printer", "", printer).lp_options[:2] == ("-n", "2")
    # (two-sided is read the same way, from printer.duplex(); a printer-less QPrinter here cannot hold it)
