"""The Guides area: staff find a guide by the words a resident uses ("bin", "parking",
"password"), preview it as it will print, then print it or save it as PDF.

Everything slow runs off the GUI thread: reading the guide files, rendering the PDF and drawing
its pages, saving, and sending to the printer. The PDF that is previewed is the one printed or
saved; when the printer fails, that PDF is kept in the desk's printouts folder and the message
says where, so nothing has to be done again.

Printed for a resident (optional: "For a resident…"), the guide carries their personal header,
comes in their preferred language when a translation exists, and each print or save is recorded
on their timeline; without one it is still recorded, for the count of guides handed out. A print
is recorded only once the printer has taken it."""

from __future__ import annotations

import shutil
import tempfile
import weakref
from pathlib import Path

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...core.errors import DeskError
from ...core.security import Actor
from ...printing.guides import ENGLISH, Guide, GuideLibrary
from ...printing.layout import PrintFormat
from ...printing.personal import MAX_NEXT_STEPS, header_for
from ...printing.print_records import PrintKind, PrintMethod
from ..messages import FormMessage
from ..workers import run_in_background
from .for_resident import ForResident
from .model import GuideColumn, GuideListModel, language_name
from .preview import PagesView
from .printer import PrintTarget, keep_pdf, paint_to_printer, send_with_lp, uses_cups
from .rendering import OutputProblem, RenderedGuide, copy_pdf, render_for_preview

PRINTOUTS_DIR = "printouts"  # in the data folder: PDFs kept when a printer failed

FORMAT_NAMES = {
    PrintFormat.STANDARD: "Standard",
    PrintFormat.LARGE_PRINT: "Large print",
    PrintFormat.EASY_READ: "Easy read",
}


class GuidesPage(QWidget):
    """Find, preview, print and save guides. `library` defaults to `services.guides` when the
    services carry one, else the shipped guides."""

    def __init__(self, services, actor: Actor, library: GuideLibrary | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.library = library or getattr(services, "guides", None) or GuideLibrary()
        self.loaded = False
        self.rendered: RenderedGuide | None = None
        self.busy = False  # saving or printing: one at a time
        self._generation = 0  # the newest preview asked for; older ones are dropped when they land
        self._after_render = None  # what to do once the preview asked for is ready (save, print)
        self._languages: dict[str, tuple[str, ...]] = {}
        # Previews are rendered here; the folder goes with the page (or at exit, at the latest).
        self.preview_folder = Path(tempfile.mkdtemp(prefix="assisted-desk-guides-"))
        weakref.finalize(self, shutil.rmtree, self.preview_folder, ignore_errors=True)
        self._build()
        self._load()

    # ---- building ---------------------------------------------------------------------------

    def _build(self) -> None:
        tr = self.tr
        title = QLabel(tr("Guides"))
        title.setObjectName("pageTitle")
        self.problems = FormMessage()
        self.problems.setAccessibleName(tr("Guides that could not be used"))
        self.problems.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.search = QLineEdit()
        self.search.setAccessibleName(tr("Search guides"))
        self.search.setPlaceholderText(tr("Words the resident uses: bin, parking, password…"))
        self.search.setClearButtonEnabled(True)
        self.search.setEnabled(False)  # until the guides are read
        self.search.textChanged.connect(self.find)
        self.search.returnPressed.connect(self.preview)
        search_label = QLabel(tr("&Find a guide:"))
        search_label.setBuddy(self.search)

        self.model = GuideListModel(self)
        self.proxy = QSortFilterProxyModel(self)  # kept unsorted: the search's ranking is the order
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setAccessibleName(tr("Guides found"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(GuideColumn.TITLE, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.activated.connect(lambda _index: self.preview())  # Enter or double-click
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._guide_chosen())
        self.for_whom = QLabel()
        self.for_whom.setAccessibleName(tr("Who the chosen guide is for"))
        self.for_whom.setWordWrap(True)
        self.for_whom.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.found = QLabel(tr("Reading the guides…"))
        self.found.setAccessibleName(tr("Search result"))
        self.found.setWordWrap(True)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(title)
        left_layout.addWidget(self.problems)
        left_layout.addWidget(search_label)
        left_layout.addWidget(self.search)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.for_whom)
        left_layout.addWidget(self.found)
        self.for_resident_box = ForResident(self.services, self.actor)
        self.for_resident_box.changed.connect(self._choice_changed)
        self.for_resident_box.language_known.connect(lambda _language: self._resident_language_known())
        self.for_resident_box.failed.connect(lambda text: self.message.show_error(text))
        # The parts tests and keyboard users reach directly.
        self.for_resident = self.for_resident_box.toggle
        self.resident_panel = self.for_resident_box.panel
        self.resident_choice = self.for_resident_box.choice
        self.next_steps = self.for_resident_box.next_steps
        left_layout.addWidget(self.for_resident_box, 1)
        # With the resident finder open, the guides found keep room for a few rows.
        self.table.setMinimumHeight(self.table.verticalHeader().defaultSectionSize() * 4
                                    + self.table.horizontalHeader().sizeHint().height() + 4)

        self.format = QComboBox()
        self.format.setAccessibleName(tr("Format"))
        for fmt, name in FORMAT_NAMES.items():
            self.format.addItem(tr(name), fmt)
        self.format.currentIndexChanged.connect(lambda _i: self._choice_changed())
        format_label = QLabel(tr("F&ormat:"))
        format_label.setBuddy(self.format)
        self.language = QComboBox()
        self.language.setAccessibleName(tr("Language"))
        self.language.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.language.currentIndexChanged.connect(lambda _i: self._choice_changed())
        language_label = QLabel(tr("&Language:"))
        language_label.setBuddy(self.language)
        self.preview_button = self._button(tr("Pre&view"), tr("Preview the guide"), self.preview)
        self.save_button = self._button(tr("Save as P&DF…"), tr("Save the guide as PDF"), self.save_pdf)
        self.print_button = self._button(tr("&Print…"), tr("Print the guide"), self.print_guide)
        choices, actions = QHBoxLayout(), QHBoxLayout()  # two rows: both fit at twice the text size
        for widget in (format_label, self.format, language_label, self.language):
            choices.addWidget(widget)
        choices.addStretch(1)
        for widget in (self.preview_button, self.save_button, self.print_button):
            actions.addWidget(widget)
        actions.addStretch(1)

        self.message = FormMessage()
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.preview_status = QLabel(tr("Choose a guide and press Enter to see it as it will print."))
        self.preview_status.setAccessibleName(tr("Preview"))
        self.preview_status.setWordWrap(True)
        self.scroll = PagesView()

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(choices)
        right_layout.addLayout(actions)
        right_layout.addWidget(self.message)
        right_layout.addWidget(self.preview_status)
        right_layout.addWidget(self.scroll, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([400, 600])
        splitter.setChildrenCollapsible(False)
        self.splitter = splitter
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        for keys, slot in ((QKeySequence.StandardKey.Find, self.focus_search),
                           (QKeySequence.StandardKey.Print, self.print_guide)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)  # a hidden area's shortcuts never fire
            shortcut.activated.connect(slot)
        self._set_enabled()

    def _button(self, text: str, accessible: str, slot) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(accessible)
        button.clicked.connect(lambda _checked=False: slot())
        return button

    # ---- reading the guides and finding one ---------------------------------------------------

    def _load(self) -> None:
        library = self.library

        def read():
            guides = library.all()
            return guides, {g.slug: library.languages(g.slug) for g in guides}, library.problems()

        run_in_background(read, self._loaded, self._load_failed)

    def _loaded(self, result) -> None:
        guides, languages, problems = result
        self._languages = languages
        self.loaded = True
        if problems:
            lines = "\n".join(f"• {problem}" for problem in problems)
            self.problems.show_error(self.tr(
                "{0} guide file(s) could not be used and are not listed. Ask whoever edits the guides "
                "to fix them:\n{1}").format(len(problems), lines))
        self.search.setEnabled(True)
        self.find(self.search.text())
        if self.isVisible() and self.search.isVisibleTo(self):
            self.search.setFocus()

    def _load_failed(self, error: DeskError) -> None:
        self.found.setText(self.tr("The guides could not be read: {0}").format(error.message))

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def find(self, words: str) -> None:
        """Show the guides matching `words`, best first (every guide while the box is empty)."""
        if not self.loaded:
            return
        guides = self.library.search(words) if words.strip() else self.library.all()
        self.model.set_guides((guide, self._languages.get(guide.slug, (guide.language,))) for guide in guides)
        self._fit_columns()
        if guides:
            self.table.selectRow(0)
        else:
            self._guide_chosen()
        if not words.strip():
            self.found.setText(self.tr("{0} guides. Type the resident's words to find one.").format(len(guides)))
        elif guides:
            self.found.setText(self.tr("{0} guide(s) match “{1}”, best first.").format(len(guides), words.strip()))
        else:
            self.found.setText(self.tr("No guide matches “{0}”. Try another word, such as the service's "
                                       "name.").format(words.strip()))

    def _fit_columns(self) -> None:
        # The title gets most of the room; "who it is for" is shown in full under the list.
        self.table.resizeColumnToContents(GuideColumn.LANGUAGES)
        room = self.table.viewport().width() - self.table.columnWidth(GuideColumn.LANGUAGES)
        self.table.setColumnWidth(GuideColumn.TITLE, max(room * 2 // 3, self.fontMetrics().averageCharWidth() * 20))

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit_columns()

    def selected_guide(self) -> Guide | None:
        """The chosen guide in the chosen language (English where not translated)."""
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        guide = self.model.guide(self.proxy.mapToSource(rows[0]).row())
        language = self.language.currentData() or ENGLISH
        return self.library.get(guide.slug, language) if language != guide.language else guide

    def chosen_format(self) -> PrintFormat:
        return self.format.currentData()

    def _guide_chosen(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        languages = self.model.languages(self.proxy.mapToSource(rows[0]).row()) if rows else ()
        wanted = self.language.currentData() or ENGLISH
        if self.resident_language in languages:
            wanted = self.resident_language
        self.language.blockSignals(True)
        self.language.clear()
        slug = self.model.guide(self.proxy.mapToSource(rows[0]).row()).slug if rows else ""
        for code in languages:
            name = self.tr(language_name(code))
            if self.library.get(slug, code).needs_review:
                name = self.tr("{0} (not yet checked)").format(name)
            self.language.addItem(name, code)
        index = self.language.findData(wanted)
        self.language.setCurrentIndex(index if index >= 0 else 0)
        self.language.blockSignals(False)
        self.for_whom.setText(self.tr("For: {0}").format(self.model.guide(self.proxy.mapToSource(rows[0]).row())
                                                         .for_whom) if rows else "")
        self._set_enabled()

    def _choice_changed(self) -> None:
        # A preview on screen follows the format and language chosen; none is started otherwise.
        if self.rendered is not None and self.selected_guide() is not None and not self._is_current():
            self.preview()

    def _set_enabled(self) -> None:
        has_guide = bool(self.table.selectionModel().selectedRows())
        self.language.setEnabled(self.language.count() > 1)
        self.preview_button.setEnabled(has_guide)
        self.save_button.setEnabled(has_guide and not self.busy)
        self.print_button.setEnabled(has_guide and not self.busy)

    # ---- for a resident ----------------------------------------------------------------------

    @property
    def resident_id(self) -> int | None:
        return self.for_resident_box.resident_id

    @property
    def resident_language(self) -> str | None:
        return self.for_resident_box.language

    def chosen_next_steps(self) -> str:
        return self.for_resident_box.chosen_next_steps()

    def _resident_language_known(self) -> None:
        self._guide_chosen()  # the resident's language, where the guide has it
        self._choice_changed()

    # ---- preview -----------------------------------------------------------------------------

    def _is_current(self) -> bool:
        """The preview on screen is of the guide, language and format now chosen."""
        guide, rendered = self.selected_guide(), self.rendered
        return (rendered is not None and guide is not None and rendered.guide == guide
                and rendered.fmt == self.chosen_format() and rendered.resident_id == self.resident_id
                and rendered.next_steps == self.chosen_next_steps())

    def preview(self, then=None) -> None:
        """Render the chosen guide in the chosen format, off the GUI thread, and show its pages;
        `then` runs once it is shown (saving or printing waits for its preview)."""
        guide = self.selected_guide()
        if guide is None:
            self.message.show_info(self.tr("Find a guide first: type the resident's words in the search box."))
            return
        fmt = self.chosen_format()
        resident_id, next_steps = self.resident_id, self.chosen_next_steps()
        if len(next_steps) > MAX_NEXT_STEPS:
            self.message.show_error(self.tr("“What happens next” is {0} characters long; keep it to {1}.").format(
                len(next_steps), MAX_NEXT_STEPS))
            return
        services, actor = self.services, self.actor
        self._generation += 1
        generation = self._generation
        self._after_render = then
        folder = self.preview_folder
        width = round(self.scroll.page_width() * self.devicePixelRatioF())
        self.preview_status.setText(self.tr("Preparing the preview of “{0}”…").format(guide.title))

        def shown(rendered: RenderedGuide) -> None:
            if generation != self._generation:
                return  # a newer preview was asked for while this one rendered
            self._show_pages(rendered)
            then, self._after_render = self._after_render, None
            if then is not None:
                then()

        def failed(error: DeskError) -> None:
            if generation == self._generation:
                self._after_render = None
                self.preview_status.setText(self.tr("No preview."))
                self.message.show_error(error.message)

        def render() -> RenderedGuide:
            header = header_for(services, actor, resident_id, next_steps=next_steps) \
                if resident_id is not None else None
            return render_for_preview(guide, fmt, folder, width, header=header, resident_id=resident_id,
                                      next_steps=next_steps)

        run_in_background(render, shown, failed)

    def _show_pages(self, rendered: RenderedGuide) -> None:
        self.rendered = rendered
        self.scroll.show_pages(rendered.images)
        guide = rendered.guide
        text = self.tr("“{0}”, {1}, {2}: {3} page(s), as it will print.").format(
            guide.title, self.tr(FORMAT_NAMES[rendered.fmt]).lower(), self.tr(language_name(guide.language)),
            rendered.pages)
        if rendered.header is not None:
            text += " " + self.tr("For {0}, with their header.").format(rendered.header.resident_name)
        self.preview_status.setText(text)

    @property
    def page_labels(self) -> list[QLabel]:
        return self.scroll.page_labels

    def _when_current(self, action) -> bool:
        """True when the preview matches the choice; otherwise renders it and runs `action` after."""
        if self._is_current():
            return True
        self.preview(then=action)
        return False

    # ---- saving ------------------------------------------------------------------------------

    def ask_save_path(self, suggested: str) -> str:
        path, _filter = QFileDialog.getSaveFileName(self, self.tr("Save the guide as PDF"),
                                                    str(Path.home() / suggested), self.tr("PDF files (*.pdf)"))
        if path and not path.lower().endswith(".pdf"):
            path += ".pdf"
        return path

    def save_pdf(self) -> None:
        """Save the previewed PDF where staff choose (rendering it first when needed)."""
        if self.busy or not self._when_current(self.save_pdf):
            return
        rendered = self.rendered
        path = self.ask_save_path(self._file_name(rendered))
        if path:
            self._save_to(Path(path))

    def _save_to(self, target: Path) -> None:
        rendered = self.rendered
        record = self._recorder(rendered, PrintMethod.PDF, "")
        self._start_busy(self.tr("Saving {0}…").format(target))

        def work() -> tuple[Path, str]:
            saved = copy_pdf(rendered.pdf, target)
            return saved, record()

        run_in_background(work,
                          lambda done: self._recorded(self.tr("Saved the guide as {0}.").format(done[0]), done[1]),
                          lambda error: self._finish(error.message, error=True))

    def _recorder(self, rendered: RenderedGuide, method: PrintMethod, printer_name: str):
        """What records this print (on a worker thread, once it has happened): returns "" or, when
        it could not be recorded, why."""
        log, actor, guide = self.services.print_log, self.actor, rendered.guide

        def record() -> str:
            try:
                log.record_print(actor, kind=PrintKind.GUIDE, guide_slug=guide.slug, title=guide.title,
                                 fmt=rendered.fmt, language=guide.language, method=method,
                                 resident_id=rendered.resident_id, printer_name=printer_name)
            except DeskError as problem:
                return problem.message
            return ""

        return record

    def _recorded(self, done: str, problem: str) -> None:
        if problem:
            self._finish(self.tr("{0} It could not be recorded: {1}").format(done, problem), error=True)
        else:
            self._finish(done)

    @staticmethod
    def _file_name(rendered: RenderedGuide) -> str:
        return f"{rendered.guide.slug}-{rendered.guide.language}-{rendered.fmt.value}.pdf"

    # ---- printing ----------------------------------------------------------------------------

    def choose_printer(self) -> PrintTarget | None:
        """The system print dialog; None when staff cancel."""
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.rendered.guide.title)
        dialog = QPrintDialog(printer, self)
        dialog.setAccessibleName(self.tr("Print"))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        to_file = printer.outputFileName() if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat else ""
        return PrintTarget(printer.printerName(), to_file, printer)

    def print_guide(self) -> None:
        """Choose a printer and send the previewed PDF to it off the GUI thread (rendering it
        first when needed). A printer error is shown with where the PDF was kept."""
        if self.busy or self.selected_guide() is None or not self._when_current(self.print_guide):
            return
        target = self.choose_printer()
        if target is None:
            return
        if target.output_file:  # the dialog's "print to file": the same PDF, saved there
            self._save_to(Path(target.output_file))
            return
        rendered = self.rendered
        printer_name = target.name
        kept_folder = Path(self.services.paths.data_dir) / PRINTOUTS_DIR
        shown_name = printer_name or self.tr("the default printer")

        record = self._recorder(rendered, PrintMethod.PRINTED, printer_name)
        options = target.lp_options  # copies and two-sided, read on this thread: the QPrinter belongs to it

        def work() -> tuple[str, str]:
            try:
                if uses_cups():
                    said = send_with_lp(rendered.pdf, printer_name, rendered.guide.title, options=options)
                else:
                    paint_to_printer(rendered.pdf, target.printer)
                    said = ""
            except OutputProblem as problem:
                raise OutputProblem(f"{problem.message} {_kept(rendered.pdf, kept_folder)}") from problem
            return said, record()  # only a print the printer took is recorded

        self._start_busy(self.tr("Sending “{0}” to {1}…").format(rendered.guide.title, shown_name))
        run_in_background(
            work,
            lambda done: self._recorded(self.tr("Sent “{0}” to {1}. {2}").format(
                rendered.guide.title, shown_name, done[0]).strip(), done[1]),
            lambda error: self._finish(error.message, error=True))

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


def _kept(pdf: Path, folder: Path) -> str:
    """Where the PDF that could not be printed now is, in words (worker thread)."""
    try:
        kept = keep_pdf(pdf, folder)
    except OSError:
        return (f"The PDF is kept at {pdf} until Assisted Desk closes: use Save as PDF… to keep it, "
                "or try Print… again.")
    return f"The PDF is kept at {kept}: print it from there later, or try Print… again."
