"""Print preview for a personal document (a personal plan, a referral slip): the pages as they will
print, a format (standard, large print, easy read), then Print… through the system print dialog or
Save as PDF….

It works as the Guides area does: rendering, drawing the pages, saving and sending to the printer
all run off the GUI thread; the PDF previewed is the PDF printed or saved; a printer error is shown
plainly and the PDF is kept in the desk's printouts folder, and each print or save is recorded for
the resident (only once the printer has taken it)."""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QKeySequence, QShortcut
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..core.errors import DeskError
from ..core.security import Actor
from ..printing.guide_pdf import RenderProblem
from ..printing.layout import PrintFormat
from ..printing.print_records import PrintKind, PrintMethod
from .guides.page import FORMAT_NAMES, PRINTOUTS_DIR, _kept
from .guides.preview import PagesView
from .guides.printer import PrintTarget, paint_to_printer, send_with_lp, uses_cups
from .guides.rendering import OutputProblem, copy_pdf, page_images
from .messages import FormMessage
from .workers import run_in_background

# Renders the document in the format into the path (a new, empty file); returns the page count.
# Runs on a worker thread: it must not touch widgets.
RenderInto = Callable[[PrintFormat, Path], int]


@dataclass(frozen=True)
class RenderedDocument:
    fmt: PrintFormat
    pdf: Path
    pages: int
    images: tuple[QImage, ...]


class PrintPreviewDialog(QDialog):
    """Preview, print and save one document for one resident.

    `title` is what was printed in words (it names the PDF, the print job and the record on the
    resident's timeline); `kind` and `resident_id` say what is recorded for whom; `file_stem` is
    the suggested file name when saving."""

    def __init__(self, services, actor: Actor, *, title: str, kind: PrintKind, render: RenderInto,
                 resident_id: int | None, file_stem: str, language: str = "en",
                 fmt: PrintFormat = PrintFormat.STANDARD, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.document_title, self.kind, self.render = title, kind, render
        self.resident_id, self.file_stem, self.language = resident_id, file_stem, language
        self.rendered: RenderedDocument | None = None
        self.busy = False  # saving or printing: one at a time
        self._generation = 0  # the newest preview asked for; older ones are dropped when they land
        self._after_render = None  # what waits for the preview asked for (save, print)
        self.rendering = False
        self.preview_folder = Path(tempfile.mkdtemp(prefix="assisted-desk-print-"))
        weakref.finalize(self, shutil.rmtree, self.preview_folder, ignore_errors=True)
        self._build(fmt)

    # ---- building ---------------------------------------------------------------------------

    def _build(self, fmt: PrintFormat) -> None:
        tr = self.tr
        self.setWindowTitle(tr("Print preview: {0}").format(self.document_title))
        self.setAccessibleName(tr("Print preview"))
        self.heading = QLabel(self.document_title)
        self.heading.setObjectName("pageTitle")
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)

        self.format = QComboBox()
        self.format.setAccessibleName(tr("Format"))
        for value, name in FORMAT_NAMES.items():
            self.format.addItem(tr(name), value)
        self.format.setCurrentIndex(max(0, self.format.findData(fmt)))
        self.format.currentIndexChanged.connect(lambda _i: self.preview())
        format_label = QLabel(tr("F&ormat:"))
        format_label.setBuddy(self.format)
        self.print_button = self._button(tr("&Print…"), tr("Print"), self.print_document)
        self.save_button = self._button(tr("Save as P&DF…"), tr("Save as PDF"), self.save_pdf)
        row = QHBoxLayout()
        for widget in (format_label, self.format, self.print_button, self.save_button):
            row.addWidget(widget)
        row.addStretch(1)

        self.message = FormMessage()
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.preview_status = QLabel()
        self.preview_status.setAccessibleName(tr("Preview"))
        self.preview_status.setWordWrap(True)
        self.preview_status.setTextFormat(Qt.TextFormat.PlainText)
        self.scroll = PagesView()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        close = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName(tr("Close"))
        close.setAutoDefault(False)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addWidget(self.preview_status)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(self.buttons)
        shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Print), self)
        shortcut.activated.connect(self.print_document)
        self._fit_to_text()
        self.format.setFocus()
        self._set_enabled()

    def _fit_to_text(self) -> None:
        """Room for a page and the controls above it, more on a large-text desk, never more than
        the screen."""
        scale = max(1.0, self.font().pointSizeF() / 11)
        width, height = round(760 * min(scale, 1.5)), round(860 * min(scale, 1.25))
        screen = self.screen().availableGeometry() if self.screen() is not None else None
        if screen is not None:
            width, height = min(width, screen.width()), min(height, screen.height())
        self.resize(width, height)

    def _button(self, text: str, accessible: str, slot) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(accessible)
        button.setAutoDefault(False)
        button.clicked.connect(lambda _checked=False: slot())
        return button

    def _set_enabled(self) -> None:
        self.print_button.setEnabled(not self.busy)
        self.save_button.setEnabled(not self.busy)

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        if self.rendered is None and self._generation == 0:
            self.preview()  # once laid out, so the pages are drawn as wide as there is room

    def chosen_format(self) -> PrintFormat:
        return self.format.currentData()

    # ---- preview -----------------------------------------------------------------------------

    def is_current(self) -> bool:
        """The preview on screen is in the format now chosen."""
        return self.rendered is not None and self.rendered.fmt == self.chosen_format()

    def preview(self, then=None) -> None:
        """Render in the chosen format off the GUI thread and show the pages; `then` runs once
        they are shown (saving or printing waits for its preview)."""
        fmt, render, folder, stem = self.chosen_format(), self.render, self.preview_folder, self.file_stem
        self._generation += 1
        generation = self._generation
        self._after_render = then
        self.rendering = True
        width = round(self.scroll.page_width() * self.devicePixelRatioF())
        self.preview_status.setText(self.tr("Preparing the preview…"))

        def work() -> RenderedDocument:
            handle, name = tempfile.mkstemp(prefix=f"{stem}-{fmt.value}-", suffix=".pdf", dir=folder)
            os.close(handle)
            try:
                pages = render(fmt, Path(name))
            except RenderProblem as problem:
                raise OutputProblem(str(problem)) from problem
            return RenderedDocument(fmt, Path(name), pages, page_images(Path(name), width))

        def shown(rendered: RenderedDocument) -> None:
            if generation != self._generation:
                return  # a newer preview was asked for while this one rendered
            self.rendering = False
            self.rendered = rendered
            self.scroll.show_pages(rendered.images)
            self.preview_status.setText(self.tr("{0}: {1} page(s), as it will print.").format(
                self.tr(FORMAT_NAMES[rendered.fmt]), rendered.pages))
            then, self._after_render = self._after_render, None
            if then is not None:
                then()

        def failed(error: DeskError) -> None:
            if generation == self._generation:
                self.rendering = False
                self._after_render = None
                self.preview_status.setText(self.tr("No preview."))
                self.message.show_error(error.message)

        run_in_background(work, shown, failed)

    @property
    def page_labels(self) -> list[QLabel]:
        return self.scroll.page_labels

    def _when_current(self, action) -> bool:
        if self.is_current():
            return True
        self.preview(then=action)
        return False

    # ---- saving ------------------------------------------------------------------------------

    def ask_save_path(self, suggested: str) -> str:
        path, _filter = QFileDialog.getSaveFileName(self, self.tr("Save as PDF"), str(Path.home() / suggested),
                                                    self.tr("PDF files (*.pdf)"))
        if path and not path.lower().endswith(".pdf"):
            path += ".pdf"
        return path

    def save_pdf(self) -> None:
        """Save the previewed PDF where staff choose (rendering it first when needed)."""
        if self.busy or not self._when_current(self.save_pdf):
            return
        path = self.ask_save_path(f"{self.file_stem}-{self.rendered.fmt.value}.pdf")
        if path:
            self._save_to(Path(path))

    def _save_to(self, target: Path) -> None:
        rendered = self.rendered
        record = self._recorder(rendered, PrintMethod.PDF, "")
        self._start_busy(self.tr("Saving {0}…").format(target))

        def work() -> tuple[Path, str]:
            return copy_pdf(rendered.pdf, target), record()

        run_in_background(work, lambda done: self._recorded(self.tr("Saved as {0}.").format(done[0]), done[1]),
                          lambda error: self._finish(error.message, error=True))

    # ---- printing ----------------------------------------------------------------------------

    def choose_printer(self) -> PrintTarget | None:
        """The system print dialog; None when staff cancel."""
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.document_title)
        dialog = QPrintDialog(printer, self)
        dialog.setAccessibleName(self.tr("Print"))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        to_file = printer.outputFileName() if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat else ""
        return PrintTarget(printer.printerName(), to_file, printer)

    def print_document(self) -> None:
        """Choose a printer and send the previewed PDF to it off the GUI thread. A printer error is
        shown with where the PDF was kept; only a print the printer took is recorded."""
        if self.busy or not self._when_current(self.print_document):
            return
        target = self.choose_printer()
        if target is None:
            return
        if target.output_file:  # the print dialog's "print to file": the same PDF, saved there
            self._save_to(Path(target.output_file))
            return
        rendered, title = self.rendered, self.document_title
        kept_folder = Path(self.services.paths.data_dir) / PRINTOUTS_DIR
        shown_name = target.name or self.tr("the default printer")
        record = self._recorder(rendered, PrintMethod.PRINTED, target.name)
        kind_words = self.kind.label.lower()  # "personal plan", "referral slip"
        options = target.lp_options  # read on this thread: the QPrinter belongs to it

        def work() -> tuple[str, str]:
            try:
                if uses_cups():
                    said = send_with_lp(rendered.pdf, target.name, title, what=f"the {kind_words}", options=options)
                else:
                    paint_to_printer(rendered.pdf, target.printer)
                    said = ""
            except OutputProblem as problem:
                raise OutputProblem(f"{problem.message} {_kept(rendered.pdf, kept_folder)}") from problem
            return said, record()

        self._start_busy(self.tr("Sending “{0}” to {1}…").format(title, shown_name))
        run_in_background(
            work,
            lambda done: self._recorded(self.tr("Sent “{0}” to {1}. {2}").format(title, shown_name, done[0]).strip(),
                                        done[1]),
            lambda error: self._finish(error.message, error=True))

    # ---- recording ---------------------------------------------------------------------------

    def _recorder(self, rendered: RenderedDocument, method: PrintMethod, printer_name: str):
        """What records this print (on a worker thread, once it happened): "" or why it could not."""
        log, actor = self.services.print_log, self.actor
        kind, title, language, resident_id = self.kind, self.document_title, self.language, self.resident_id

        def record() -> str:
            try:
                log.record_print(actor, kind=kind, title=title, fmt=rendered.fmt, language=language, method=method,
                                 resident_id=resident_id, printer_name=printer_name)
            except DeskError as problem:
                return problem.message
            return ""

        return record

    def _recorded(self, done: str, problem: str) -> None:
        if problem:
            self._finish(self.tr("{0} It could not be recorded: {1}").format(done, problem), error=True)
        else:
            self._finish(done)

    def _start_busy(self, text: str) -> None:
        self.busy = True
        self.message.show_info(text)
        self._set_enabled()

    def _finish(self, text: str, error: bool = False) -> None:
        self.busy = False
        if error:
            self.message.show_error(text)
        else:
            self.message.show_info(text)
        self._set_enabled()

    def is_idle(self) -> bool:
        """Nothing rendering, saving or printing (for tests and for closing)."""
        return not self.busy and not self.rendering and self._after_render is None
