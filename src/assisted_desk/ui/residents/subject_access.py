"""The Residents page's "Export everything held…" button: a subject access archive (JSON, PDF and
attachments in one .zip) for the resident shown, saved where the person chooses. Shown only to
roles that may export personal data; the service refuses everyone else anyway. The gathering
and writing run off the GUI thread; the page's message line says where it went or what failed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from ...core.errors import DeskError
from ...core.security import Actor, Permission
from ...desk.residents import ResidentRecord
from ..forms import button
from ..messages import FormMessage
from ..workers import run_in_background


class SubjectAccessExport(QObject):
    """`finished(path)` when an export ends: the archive's path, or "" when it failed."""

    finished = Signal(str)

    def __init__(self, services, actor: Actor, current: Callable[[], ResidentRecord | None],
                 message: FormMessage, parent: QWidget) -> None:
        super().__init__(parent)
        self.services, self.actor, self.current, self.message = services, actor, current, message
        self.window = parent
        self.running = False
        self.button = button(self.tr("E&xport everything held…"),
                             self.tr("Export everything held about this resident"))
        self.button.setToolTip(self.tr("Subject access: the record, contacts, consents, requests, cases, "
                                       "assessments, referrals, prints, attachments and who viewed or changed "
                                       "them, as a PDF and JSON in one .zip file"))
        self.button.setVisible(actor.may(Permission.EXPORT_PERSONAL_DATA))
        self.button.clicked.connect(self.export)

    def set_enabled(self, enabled: bool) -> None:
        self.button.setEnabled(enabled and not self.running)

    def ask_path(self, record: ResidentRecord) -> str:
        path, _chosen = QFileDialog.getSaveFileName(
            self.window, self.tr("Save everything held about {0}").format(record.name),
            str(Path.home() / f"subject-access-record-{record.id}.zip"), self.tr("Zip archives (*.zip)"))
        if path and not path.lower().endswith(".zip"):
            path += ".zip"
            if Path(path).exists():  # the dialog asked about the name typed, not this one
                self.message.show_error(self.tr("{0} already exists, and nothing was saved. Choose it in the "
                                                "dialog to replace it, or give another name.").format(path))
                return ""
        return path

    def export(self) -> None:
        record = self.current()
        if record is None or record.merged_into_id is not None or self.running:
            return
        path = self.ask_path(record)
        if not path:
            return
        services, actor, resident_id = self.services, self.actor, record.id
        self.running = True
        self.button.setEnabled(False)
        self.message.show_info(self.tr("Gathering everything held about {0}…").format(record.name))

        def done(result) -> None:
            self._ended()
            attachments = (self.tr("1 attachment") if result.attachments == 1
                           else self.tr("{0} attachments").format(result.attachments))
            self.message.show_info(self.tr("Saved everything held about {0} to {1}: a {2}-page PDF, the same as "
                                           "JSON, and {3}.").format(result.resident_name, result.path,
                                                                     result.pdf_pages, attachments))
            self.finished.emit(str(result.path))

        def failed(error: DeskError) -> None:
            self._ended()
            self.message.show_error(self.tr("Nothing was saved. {0}").format(error.message))
            self.finished.emit("")

        run_in_background(lambda: services.subject_access.write_archive(actor, resident_id, path), done, failed)

    def _ended(self) -> None:
        self.running = False
        record = self.current()
        self.button.setEnabled(record is not None and record.merged_into_id is None)
