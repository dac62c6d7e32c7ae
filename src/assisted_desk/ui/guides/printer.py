"""Sending a rendered PDF to a printer, off the GUI thread.

On Linux and macOS the PDF goes to CUPS as it is (`lp -d PRINTER FILE`): CUPS prints PDF
natively, at the printer's own resolution. Elsewhere the pages are drawn onto a QPrinter."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter

from .rendering import OutputProblem

MAX_DPI = 300
LP_TIMEOUT_S = 60  # a queue that has not taken a small PDF in a minute is not going to


@dataclass(frozen=True)
class PrintTarget:
    """Where a print goes, as chosen in the print dialog: a printer by name, or (when the
    dialog's "print to file" was chosen) a file. `printer` is the dialog's QPrinter, used where
    there is no CUPS."""

    name: str = ""
    output_file: str = ""
    printer: QPrinter | None = None

    @property
    def lp_options(self) -> tuple[str, ...]:
        """The dialog's copies and two-sided choice, as lp options (lp is given the finished PDF,
        so the QPrinter's own settings would otherwise be lost)."""
        if self.printer is None:
            return ()
        options: list[str] = []
        copies = self.printer.copyCount()
        if copies > 1:
            options += ["-n", str(copies)]
        duplex = self.printer.duplex()
        if duplex == QPrinter.DuplexMode.DuplexLongSide:
            options += ["-o", "sides=two-sided-long-edge"]
        elif duplex == QPrinter.DuplexMode.DuplexShortSide:
            options += ["-o", "sides=two-sided-short-edge"]
        return tuple(options)


def uses_cups() -> bool:
    return sys.platform != "win32"


def send_with_lp(pdf: Path, printer_name: str, title: str, *, timeout: float = LP_TIMEOUT_S,
                 what: str = "the guide", options: tuple[str, ...] = ()) -> str:
    """Queue the PDF on a CUPS printer; returns what CUPS said ("request id is Desk-12 (1 file(s))").
    Raises OutputProblem when lp is missing, fails or does not answer in time."""
    lp = shutil.which("lp")
    if lp is None:
        raise OutputProblem("Cannot print: the 'lp' command of the system's printing service (CUPS) is "
                            "not installed on this computer. Ask IT to set up printing.")
    command = [lp, *(("-d", printer_name) if printer_name else ()), "-t", title, *options, "--", str(pdf)]
    try:
        # Its own process group, so a stuck lp and anything it started are ended together.
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, start_new_session=True)
    except OSError as exc:
        raise OutputProblem(f"Cannot start the print command {lp}: {exc.strerror or exc}.") from exc
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except OSError:
            process.kill()
        process.communicate()
        raise OutputProblem(f"The printer {printer_name or '(default)'} did not answer within "
                            f"{timeout:g} seconds.") from None
    done = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
    if done.returncode != 0:
        said = " ".join((done.stderr or done.stdout).split()) or f"exit status {done.returncode}"
        raise OutputProblem(f"The printer {printer_name or '(default)'} refused {what}: {said}")
    return " ".join(done.stdout.split())


def paint_to_printer(pdf: Path, printer: QPrinter) -> int:
    """Draw every page of the PDF onto `printer` at its resolution (where there is no CUPS).
    QPainter may paint on a QPrinter from a worker thread. Returns the number of pages sent."""
    document = QPdfDocument()
    painter = QPainter()
    try:
        if document.load(str(pdf)) != QPdfDocument.Error.None_:
            raise OutputProblem(f"Cannot print: the PDF {pdf} could not be read.")
        if not painter.begin(printer):
            raise OutputProblem(f"Cannot start printing on {printer.printerName() or 'the printer'}.")
        for page in range(document.pageCount()):
            if page:
                printer.newPage()
            area = printer.pageLayout().paintRectPixels(printer.resolution())
            target = document.pagePointSize(page).scaled(area.width(), area.height(),
                                                         Qt.AspectRatioMode.KeepAspectRatio).toSize()
            # Drawn at no more than 300 dpi and scaled up by the printer: a 1200 dpi A4 image
            # would take half a gigabyte for no visible gain.
            shrink = min(1.0, MAX_DPI / printer.resolution())
            image = document.render(page, QSize(round(target.width() * shrink), round(target.height() * shrink)))
            painter.drawImage(QRect(0, 0, target.width(), target.height()), image)
        return document.pageCount()
    finally:
        if painter.isActive():
            painter.end()
        document.close()


KEEP_DAYS = 14  # a kept printout holds a resident's details: it goes after this long


def keep_pdf(pdf: Path, folder: Path) -> Path:
    """Copy a PDF that could not be printed into `folder` (the desk's own printouts folder), so it
    outlives the preview and can be printed later. The folder and files are readable by this
    account only, and printouts older than KEEP_DAYS are deleted each time one is kept."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    forget_old_printouts(folder)
    target = folder / pdf.name
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".keeping-", suffix=".pdf")  # 0600
    try:
        with os.fdopen(handle, "wb") as out, pdf.open("rb") as source:
            shutil.copyfileobj(source, out)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def forget_old_printouts(folder: Path, *, days: int = KEEP_DAYS) -> int:
    """Delete kept printouts older than `days`; returns how many went."""
    cutoff = time.time() - days * 86400
    gone = 0
    for path in folder.glob("*.pdf"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                gone += 1
        except OSError:
            continue
    return gone
