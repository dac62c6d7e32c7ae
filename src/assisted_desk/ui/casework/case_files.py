"""What goes in and out of the case window as files: evidence attached (read and stored off the
GUI thread, under the desk's attachment rules) and opened in the system's viewer from a private
copy, and the printed summary (internal notes left out by the service and again by the printer).

A mixin of CaseWindow: it uses the window's services, actor, case, message line, `_applied` (show
the case as saved and say it changed) and `_set_enabled`."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QMessageBox

from ...casework.records import CaseRecord
from ...core.errors import DeskError
from ...casework.calendar import london_day
from ...printing.case_summary_pdf import render_case_summary
from ...printing.layout import PrintFormat
from ...printing.print_records import PrintKind
from ..desk.attachments_box import private_folder
from ..printing_dialog import PrintPreviewDialog
from ..workers import run_in_background


class CaseFiles:
    """Evidence and printing for CaseWindow."""

    def _init_files(self) -> None:
        self.print_dialog: PrintPreviewDialog | None = None
        self.preparing = False  # fetching the printable case before its preview opens
        self.busy = 0  # evidence being stored or opened
        self._folder: Path | None = None
        self._last_folder = ""

    # ---- evidence ---------------------------------------------------------------------------

    def ask_evidence_path(self) -> str:
        path, _filter = QFileDialog.getOpenFileName(
            self, self.tr("Attach evidence"), self._last_folder,
            self.tr("Scans, photos and PDFs (*.pdf *.jpg *.jpeg *.png *.tif *.tiff);;All files (*)"))
        return path

    def attach_evidence(self) -> None:
        """Read and store the chosen file off the GUI thread; a refused file is explained here."""
        if self.case is None:
            return
        path = self.ask_evidence_path()
        if not path:
            return
        self._last_folder = str(Path(path).parent)
        services, actor, case_id = self.services, self.actor, self.case.id
        self._set_busy(+1)
        self.message.show_info(self.tr("Adding ‘{0}’…").format(Path(path).name))

        def work() -> CaseRecord:
            return services.cases.attach_evidence(actor, case_id, services.attachments.read_file(path))

        def done(case: CaseRecord) -> None:
            self._set_busy(-1)
            self._applied(case)
            self.message.show_info(self.tr("‘{0}’ is kept as evidence on {1}.").format(Path(path).name,
                                                                                      case.reference))

        run_in_background(work, done, self._failed)

    def open_evidence(self) -> None:
        activity = self.chosen_evidence()
        if activity is not None:
            self._open_attachment(activity)

    def _open_attachment(self, activity) -> None:
        if self._folder is None:
            self._folder = private_folder()
        attachments, actor, folder = self.services.attachments, self.actor, self._folder
        self._set_busy(+1)

        def opened(path: Path) -> None:
            self._set_busy(-1)
            if QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
                self.message.show_info(self.tr("Opened ‘{0}’ in the viewer.").format(activity.attachment_name))
            else:
                self.message.show_error(self.tr("No program on this computer opens that file. A copy is at {0}.")
                                        .format(str(path)))

        run_in_background(lambda: attachments.open_copy(actor, activity.attachment_id, folder), opened,
                          self._failed)

    def _failed(self, error: DeskError) -> None:
        self._set_busy(-1)
        self.message.show_error(error.message)

    def _set_busy(self, step: int) -> None:
        self.busy = max(0, self.busy + step)
        self._set_enabled()

    def is_idle(self) -> bool:
        return not self.busy and not self.preparing

    # ---- printing -----------------------------------------------------------------------------

    def print_summary(self, for_meeting: bool = False) -> None:
        """Fetch the case as it may be printed (internal notes left out) off the GUI thread, then
        open its print preview: the resident's copy, or the fuller copy for a meeting."""
        if self.case is None or self.preparing:
            return
        if self.case.restricted and not self.confirm_restricted_print():
            return
        services, actor, case_id = self.services, self.actor, self.case.id
        self.preparing = True
        self._set_enabled()

        def done(printable: CaseRecord) -> None:
            self.preparing = False
            self._set_enabled()
            self._open_preview(printable, for_meeting)

        def failed(error: DeskError) -> None:
            self.preparing = False
            self._set_enabled()
            self.message.show_error(error.message)

        run_in_background(lambda: services.cases.for_print(actor, case_id), done, failed)

    def confirm_restricted_print(self) -> bool:
        """A printed page can be found at home: for a restricted case, say so before printing."""
        answer = QMessageBox.question(
            self, self.tr("Print a restricted case"),
            self.tr("Case {0} is restricted. A printed summary can be read by anyone who finds it: check that it "
                    "is safe for the resident to take it home. Internal notes are left out. Print it?")
            .format(self.case.reference),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def print_meeting_copy(self) -> None:
        self.print_summary(for_meeting=True)

    def _open_preview(self, printable: CaseRecord, for_meeting: bool = False) -> None:
        if self.print_dialog is not None:
            self.print_dialog.close()
            self.print_dialog.deleteLater()

        today = london_day(self.services.clock.now())

        def render(fmt: PrintFormat, path) -> int:
            return render_case_summary(printable, fmt, path, for_meeting=for_meeting, printed_on=today).pages

        title = self.tr("Case summary for a meeting {0}") if for_meeting else self.tr("Case summary {0}")
        self.print_dialog = PrintPreviewDialog(
            self.services, self.actor, title=title.format(printable.reference),
            kind=PrintKind.CASE, render=render, resident_id=printable.resident_id,
            file_stem=f"case-{printable.reference}" + ("-meeting" if for_meeting else ""), parent=self)
        self.print_dialog.open()
