"""The Reports area: choose what to count, run it off the GUI thread (with progress, and a Cancel
that stops it between steps), read the tables and charts, open the records behind a figure
(roles permitted to), and save the report as PDF, CSV or XLSX.

The choices are remembered per person in the database (services.preferences), so they follow
the person to another desk. The report on screen is the last one that finished: a cancelled or
refused run leaves it as it was."""

from __future__ import annotations

import threading
from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from ...core.errors import DeskError, EnvironmentFault, ValidationError
from ...core.security import Actor
from ...desk.representatives import london_today
from ...printing.report_pdf import write_report_pdf
from ...reporting.export import write_csv, write_xlsx
from ...reporting.model import Report
from ...reporting.service import Cancelled
from ..forms import button, focus_field
from ..messages import FormMessage
from ..workers import run_in_background
from .drill import DrillDialog
from .filters import ReportFilters
from .result_view import ReportView

PREFERENCE_KEY = "reports.filters"
SAVE_DELAY_MS = 600

# format -> (button text, file dialog filter, writer)
EXPORTS = {
    "pdf": ("Save &PDF…", "PDF documents (*.pdf)", write_report_pdf),
    "csv": ("Save CS&V…", "CSV files (*.csv)", write_csv),
    "xlsx": ("Save &XLSX…", "Excel workbooks (*.xlsx)", write_xlsx),
}


def _write(writer, report: Report, path: str) -> str:
    try:
        writer(report, Path(path))
    except OSError as exc:
        raise EnvironmentFault(f"The report could not be saved as {path}: {exc.strerror or exc}.",
                               "Choose another folder (one you may write to, with space left) and save again.")
    return path


class ReportsPage(QWidget):
    def __init__(self, services, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.loaded = False
        self.loading = False
        self.running = False
        self.saving = False
        self.cancel_event: threading.Event | None = None
        self.drill_dialog: DrillDialog | None = None
        tr = self.tr

        title = QLabel(tr("Reports"))
        title.setObjectName("pageTitle")
        self.filters = ReportFilters(actor, london_today(services.clock))
        self.filters.setEnabled(False)  # until the sites and remembered choices are read
        self.filters.changed.connect(self._filters_changed)
        self.save_timer = QTimer(self)
        self.save_timer.setSingleShot(True)
        self.save_timer.setInterval(SAVE_DELAY_MS)
        self.save_timer.timeout.connect(self.remember_filters)

        self.run_button = button(tr("&Run report"), tr("Run the report"), default=True)
        self.run_button.setEnabled(False)
        self.run_button.clicked.connect(self.run_report)
        self.cancel_button = button(tr("&Cancel"), tr("Cancel the report"))
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.hide()
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # a report does not know its steps in advance
        self.progress.setAccessibleName(tr("Report progress"))
        self.progress.setTextVisible(False)
        self.progress.setMaximumWidth(220)
        self.progress.hide()
        self.progress_text = QLabel()
        self.progress_text.setAccessibleName(tr("Report progress"))
        self.progress_text.setTextFormat(Qt.TextFormat.PlainText)
        self.export_buttons = {}
        run_row = QHBoxLayout()
        run_row.addWidget(self.run_button)
        run_row.addWidget(self.cancel_button)
        run_row.addWidget(self.progress)
        run_row.addWidget(self.progress_text, 1)
        for fmt, (text, _filter, _writer) in EXPORTS.items():
            export = button(tr(text), tr("Save the report as {0}").format(fmt.upper()))
            export.setEnabled(False)
            export.clicked.connect(lambda _checked=False, fmt=fmt: self.save_as(fmt))
            run_row.addWidget(export)
            self.export_buttons[fmt] = export
        self.message = FormMessage(self)
        self.view = ReportView()
        self.view.drill_requested.connect(self.open_drill)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.filters)
        layout.addLayout(run_row)
        layout.addWidget(self.message)
        layout.addWidget(self.view, 1)
        QWidget.setTabOrder(self.filters.protect, self.run_button)
        QWidget.setTabOrder(self.run_button, self.cancel_button)
        self.setFocusProxy(self.filters.kind)

    # ---- choices ------------------------------------------------------------------------------------

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if not self.loaded and not self.loading:
            self.load_choices()

    def is_ready(self) -> bool:
        return self.loaded

    def load_choices(self) -> None:
        """Report kinds, sites, partners and this person's remembered choices, off the GUI thread."""
        self.loading = True
        services, actor = self.services, self.actor

        def work():
            partners = services.reports.partner_choices(actor)
            return (services.reports.kinds(actor), services.staff.list_sites(include_inactive=True), partners,
                    services.preferences.read(actor, PREFERENCE_KEY))

        run_in_background(work, self._choices_loaded, self._choices_failed)

    def _choices_loaded(self, result) -> None:
        if not shiboken6.isValid(self.filters):
            return
        kinds, sites, partners, saved = result
        self.loading = False
        self.loaded = True
        self.filters.set_choices(kinds, sites, partners)
        words = self.filters.restore(saved)
        self.filters.setEnabled(bool(kinds))
        self.run_button.setEnabled(bool(kinds))
        if not kinds:
            self.message.show_error(self.tr("Your role does not run reports. Service managers, inclusion "
                                            "coordinators and administrators do."))
        elif words:
            self.message.show_info(" ".join(words))
            self.remember_filters()  # what was dropped stays dropped

    def _choices_failed(self, error: DeskError) -> None:
        if not shiboken6.isValid(self.filters):
            return
        self.loading = False
        self.message.show_error(self.tr("The report choices could not be read: {0} Open the Reports area again "
                                        "to retry.").format(error.message))

    def _filters_changed(self) -> None:
        if self.loaded:
            self.save_timer.start()

    def remember_filters(self) -> None:
        """Keep this person's choices (a convenience: a failure to keep them never stops a report)."""
        self.save_timer.stop()
        if not self.loaded:
            return
        try:
            self.services.preferences.write(self.actor, PREFERENCE_KEY, self.filters.remembered())
        except DeskError:
            pass

    def hideEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if self.save_timer.isActive():
            self.remember_filters()
        super().hideEvent(event)

    # ---- running ---------------------------------------------------------------------------------

    def run_report(self) -> None:
        if self.running or not self.loaded:
            return
        self.message.clear_message()
        try:
            request = self.filters.request()
        except ValidationError as error:
            self.message.show_error(error.message)
            focus_field(self.filters.fields, error)
            return
        self.remember_filters()
        event = threading.Event()
        self.cancel_event = event
        self._set_running(True, self.tr("Starting…"))
        services, actor = self.services, self.actor
        run_in_background(lambda: services.reports.run(actor, request, cancelled=event.is_set),
                          lambda report: self._finished(event, report), lambda error: self._failed(event, error),
                          lambda text: self._progress(event, text))

    def cancel(self) -> None:
        if self.running and self.cancel_event is not None:
            self.cancel_event.set()
            self.cancel_button.setEnabled(False)
            self.progress_text.setText(self.tr("Cancelling after the current step…"))

    def _set_running(self, running: bool, text: str = "") -> None:
        self.running = running
        self.run_button.setEnabled(not running)
        self.cancel_button.setVisible(running)
        self.cancel_button.setEnabled(running)
        self.progress.setVisible(running)
        self.progress_text.setText(text)
        self._enable_saving()  # while a report runs, a save would save the one before it
        if running:
            self.cancel_button.setFocus()
        elif self.cancel_button.hasFocus() or self.focusWidget() is None:
            self.run_button.setFocus()

    def _current(self, event: threading.Event) -> bool:
        return shiboken6.isValid(self.view) and event is self.cancel_event

    def _progress(self, event: threading.Event, text: str) -> None:
        if self._current(event) and not event.is_set():
            self.progress_text.setText(text)

    def _finished(self, event: threading.Event, report: Report) -> None:
        if not self._current(event):
            return
        self._set_running(False)
        self.show_report(report)

    def _failed(self, event: threading.Event, error: DeskError) -> None:
        if not self._current(event):
            return
        self._set_running(False)
        tr = self.tr
        if isinstance(error, Cancelled):
            self.message.show_info(tr("Cancelled. The report shown is the one you ran before.")
                                   if self.view.report is not None else tr("Cancelled: no report was produced."))
            return
        self.message.show_error(self._with_advice(error))  # the choices stay as they were, to correct
        if isinstance(error, ValidationError):
            focus_field(self.filters.fields, error)

    def _with_advice(self, error: DeskError) -> str:
        """The service's words as they are, and what to do where they do not say it."""
        text = error.message
        if isinstance(error, ValidationError) and error.field == "until" \
                and self.filters.until.date() < self.filters.since.date():
            text += " " + self.tr("Choose a To date on or after the From date.")
        return text

    def show_report(self, report: Report | None) -> None:
        """The result slot: shows a finished report (tests put one here directly)."""
        drillable = report is not None and self.services.reports.may_drill(self.actor, report.request.kind)
        self.view.show_report(report, drillable)
        self._enable_saving()

    def _enable_saving(self) -> None:
        """Saving is offered for a report on screen, never while another runs or a save is under way."""
        allowed = self.view.report is not None and not self.saving and not self.running
        for export in self.export_buttons.values():
            export.setEnabled(allowed)

    # ---- the records behind a figure ------------------------------------------------------------------

    def open_drill(self, table: str, row: str, column: str, what: str) -> None:
        report = self.view.report
        if report is None or not self.view.drillable:
            return
        self.drill_dialog = DrillDialog(self.services, self.actor, report.request, table, row, column, what, self)
        self.drill_dialog.open()

    # ---- saving -------------------------------------------------------------------------------------------

    def save_as(self, fmt: str) -> None:
        report = self.view.report
        if report is None or self.saving or self.running:
            return
        tr = self.tr
        text, file_filter, writer = EXPORTS[fmt]
        suggested = f"{report.request.kind.value}-report-{report.request.since:%Y-%m-%d}-to-" \
                    f"{report.request.until:%Y-%m-%d}.{fmt}"
        path, _chosen = QFileDialog.getSaveFileName(self, tr("Save the report as {0}").format(fmt.upper()),
                                                    str(Path.home() / suggested), tr(file_filter))
        if not path:
            return
        if not path.lower().endswith(f".{fmt}"):
            path += f".{fmt}"
        self.saving = True
        for export in self.export_buttons.values():
            export.setEnabled(False)
        self.message.show_info(tr("Saving {0}…").format(path))
        run_in_background(lambda: _write(writer, report, path), self._saved, self._save_failed)

    def _saved(self, path: str) -> None:
        if not shiboken6.isValid(self.message):
            return
        self._save_ended()
        self.message.show_info(self.tr("Saved the report as {0}.").format(path))

    def _save_failed(self, error: DeskError) -> None:
        if not shiboken6.isValid(self.message):
            return
        self._save_ended()
        text = f"{error.message} {error.advice}" if isinstance(error, EnvironmentFault) else error.message
        self.message.show_error(text)

    def _save_ended(self) -> None:
        self.saving = False
        self._enable_saving()
