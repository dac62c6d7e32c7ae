"""Importing a partner's spreadsheet of updates (CSV): choose the file, see each row's change or
what is wrong with it, then apply the good rows in one go. Nothing changes before Apply, and the
rows with problems are left for the partner to correct."""

from __future__ import annotations

from pathlib import Path

import shiboken6

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from ...core.errors import DeskError
from ...core.security import Actor
from ...services import Services
from ..admin.common import fit_columns, record_table, sortable_proxy
from ..forms import button
from ..messages import FormMessage
from ..workers import run_in_background
from .referral_models import CsvPreviewModel, PreviewColumn

MAX_FILE_BYTES = 5 * 1024 * 1024  # a partner's update sheet is a few kilobytes; refuse anything absurd


class CsvUpdatesDialog(QDialog):
    """`applied` after the good rows were applied (the tab reloads its lists)."""

    applied = Signal()

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.preview = None
        self.loading = 0
        tr = self.tr
        self.setWindowTitle(tr("Import partner updates (CSV)"))
        self.setAccessibleName(self.windowTitle())
        self.setMinimumSize(860, 460)
        intro = QLabel(tr("A partner's spreadsheet saved as CSV, with a header row naming the columns: reference, "
                          "status, date, reason, note. Nothing changes until you press Apply."))
        intro.setWordWrap(True)
        self.partner = QComboBox()
        self.partner.addItem(tr("Any partner"), None)
        self.partner.setAccessibleName(tr("Whose file it is"))
        partner_label = QLabel(tr("&From"))
        partner_label.setBuddy(self.partner)
        self.file_label = QLabel(tr("No file chosen."))
        self.file_label.setWordWrap(True)
        self.file_label.setAccessibleName(tr("Chosen file"))
        self.choose_button = button(tr("&Choose file…"), tr("Choose the CSV file"))
        self.choose_button.clicked.connect(self.choose)
        self.model = CsvPreviewModel(self)
        self.table = record_table(tr("Rows of the file"), sortable_proxy(self, self.model), PreviewColumn.LINE)
        self.table.setWordWrap(True)
        fit_columns(self.table)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName(tr("What the file would change"))
        self.message = FormMessage(self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Apply | QDialogButtonBox.StandardButton.Close)
        self.apply_button = self.buttons.button(QDialogButtonBox.StandardButton.Apply)
        self.apply_button.setText(tr("&Apply the good rows"))
        self.apply_button.setAccessibleName(tr("Apply the good rows"))
        self.apply_button.setEnabled(False)
        self.apply_button.clicked.connect(self.apply)
        close = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setText(tr("Close"))
        close.setAccessibleName(tr("Close"))
        self.buttons.rejected.connect(self.reject)
        top = QHBoxLayout()
        top.addWidget(partner_label)
        top.addWidget(self.partner)
        top.addWidget(self.choose_button)
        top.addWidget(self.file_label, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.choose_button.setFocus()

    def set_partners(self, organisations) -> None:
        """Offer the directory's organisations: a file said to be one partner's may only update
        that partner's referrals."""
        for organisation in organisations:
            self.partner.addItem(organisation.name, organisation.id)

    def is_loading(self) -> bool:
        return self.loading > 0

    def choose(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, self.tr("Choose the partner's CSV file"), "",
                                                    self.tr("CSV files (*.csv *.txt);;All files (*)"))
        if path:
            self.load_file(Path(path))

    def load_file(self, path: Path) -> None:
        """Read the file and preview it on the thread pool; the rows show when it is done."""
        self.message.clear_message()
        self.apply_button.setEnabled(False)
        self.file_label.setText(str(path))
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                self.message.show_error(self.tr("{0} is over 5 MB: that is not a partner's update sheet. Check "
                                                "the file.").format(path.name))
                return
            data = path.read_bytes()
        except OSError as error:
            self.message.show_error(self.tr("Cannot read {0}: {1}").format(path.name, error.strerror or error))
            return
        services, actor, organisation_id = self.services, self.actor, self.partner.currentData()
        self.loading += 1
        run_in_background(lambda: services.partner_updates.preview(actor, data, organisation_id=organisation_id),
                          self._previewed, self._failed)

    def _previewed(self, preview) -> None:
        if not shiboken6.isValid(self.model):
            return
        self.loading -= 1
        self.preview = preview
        self.model.set_rows(preview.rows)
        fit_columns(self.table)
        self.table.resizeRowsToContents()  # a long problem wraps instead of being cut off
        good = preview.to_apply
        text = self.tr("{0} rows: {1} will change a referral, {2} have a problem and will be left out.").format(
            len(preview.rows), good, preview.with_problems)
        if preview.unchanged:
            text += " " + self.tr("{0} are already recorded.").format(preview.unchanged)
        self.summary.setText(text)
        self.apply_button.setEnabled(good > 0)
        if good:
            self.apply_button.setFocus()

    def _failed(self, error: DeskError) -> None:
        if not shiboken6.isValid(self.model):
            return
        self.loading -= 1
        self.preview = None
        self.model.set_rows(())
        self.summary.setText("")
        self.message.show_error(error.message)

    def apply(self) -> None:
        if self.preview is None:
            return
        self.message.clear_message()
        try:
            result = self.services.partner_updates.apply(self.actor, self.preview)
        except DeskError as error:
            self.message.show_error(error.message)
            return
        self.apply_button.setEnabled(False)
        self.message.show_info(self.tr("{0} updates applied to {1} referrals from the partner's file.").format(
            result.applied, result.referrals_changed))
        self.applied.emit()
