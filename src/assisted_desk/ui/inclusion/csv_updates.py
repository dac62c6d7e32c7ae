"""Importing a partner's spreadsheet of updates (CSV): choose the file, see each row's change or
what is wrong with it, then apply the good rows in one go. Nothing changes before Apply, and the
rows with problems are left for the partner to correct.

Staff first say whose file it is, so that a row about another partner's referral is refused;
"several partners" must be chosen on purpose and is shown with a warning. Changing the partner
or the file throws the preview away (Apply goes grey) and previews again: Apply only ever
applies what is on the screen. Previewing and applying run on the thread pool."""

from __future__ import annotations

from pathlib import Path

import shiboken6

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ...core.errors import DeskError
from ...core.security import Actor
from ...services import Services
from ..admin.common import record_table, sortable_proxy
from ..forms import button
from ..messages import FormMessage
from ..workers import run_in_background
from .referral_models import CsvPreviewModel, PreviewColumn, plain_text_labels, wrap_table

MAX_FILE_BYTES = 5 * 1024 * 1024  # a partner's update sheet is a few kilobytes; refuse anything absurd
SEVERAL = -1  # the partner box's "several partners" choice (no organisation has a negative id)


class ElidedLabel(QLabel):
    """One line that never widens the dialog: a long path loses its middle ("/home/…/updates.csv"),
    and the whole of it is the tooltip (and the accessible description)."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.full_text = ""
        self.set_full_text(text)

    def set_full_text(self, text: str) -> None:
        self.full_text = text
        self.setToolTip(text)
        self.setAccessibleDescription(text)
        self._elide()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        self.setText(self.fontMetrics().elidedText(self.full_text, Qt.TextElideMode.ElideMiddle,
                                                   max(self.width(), 40)))


class CsvUpdatesDialog(QDialog):
    """`applied` after the good rows were applied (the tab reloads its lists)."""

    applied = Signal()

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.preview = None
        self.data: bytes | None = None  # the chosen file's bytes
        self.path: Path | None = None
        self.loading = 0
        self._generation = 0  # bumped by every change of partner or file: older answers are dropped
        tr = self.tr
        self.setWindowTitle(tr("Import partner updates (CSV)"))
        self.setAccessibleName(self.windowTitle())
        self.setMinimumSize(860, 460)
        intro = QLabel(tr("A partner's spreadsheet saved as CSV, with a header row naming the columns: reference, "
                          "status, date, reason, note. Say whose file it is, then choose it. Nothing changes "
                          "until you press Apply."))
        intro.setWordWrap(True)
        self.partner = QComboBox()
        self.partner.addItem(tr("Choose the partner the file is from…"), None)
        self.partner.addItem(tr("Several partners (check each row)"), SEVERAL)
        self.partner.setAccessibleName(tr("Whose file it is"))
        self.partner.currentIndexChanged.connect(self._partner_changed)
        partner_label = QLabel(tr("&From"))
        partner_label.setBuddy(self.partner)
        self.warning = QLabel(tr("A file from several partners may update any partner's referrals: check the "
                                 "Partner of every row before applying."))
        self.warning.setWordWrap(True)
        self.warning.setObjectName("warning")
        self.warning.setAccessibleName(tr("Warning"))
        self.warning.hide()
        self.file_label = ElidedLabel(tr("No file chosen."))
        self.file_label.setAccessibleName(tr("Chosen file"))
        self.choose_button = button(tr("&Choose file…"), tr("Choose the CSV file"))
        self.choose_button.clicked.connect(self.choose)
        self.model = CsvPreviewModel(self)
        self.table = record_table(tr("Rows of the file"), sortable_proxy(self, self.model), PreviewColumn.LINE)
        wrap_table(self.table, PreviewColumn.PROBLEM, widest_chars=28)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
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
        layout.addWidget(self.warning)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.partner.setFocus()
        plain_text_labels(self)

    def set_partners(self, organisations) -> None:
        """Offer the directory's organisations: a file said to be one partner's may only update
        that partner's referrals."""
        for n, organisation in enumerate(organisations):
            self.partner.insertItem(1 + n, organisation.name, organisation.id)

    def choose_partner(self, organisation_id: int | None) -> None:
        """Say whose file it is: an organisation's id, SEVERAL, or None (not said yet)."""
        self.partner.setCurrentIndex(self.partner.findData(organisation_id))

    def is_loading(self) -> bool:
        return self.loading > 0

    def choose(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, self.tr("Choose the partner's CSV file"), "",
                                                    self.tr("CSV files (*.csv *.txt);;All files (*)"))
        if path:
            self.load_file(Path(path))

    def _forget_preview(self) -> None:
        """What is on screen no longer matches the choices: nothing may be applied from it."""
        self._generation += 1
        self.preview = None
        self.model.set_rows(())
        self.summary.setText("")
        self.apply_button.setEnabled(False)
        self.message.clear_message()

    def _partner_changed(self, _index: int) -> None:
        self.warning.setVisible(self.partner.currentData() == SEVERAL)
        self._forget_preview()
        if self.data is not None:
            self._start_preview()

    def load_file(self, path: Path) -> None:
        """Read the file and preview it on the thread pool; the rows show when it is done."""
        self._forget_preview()
        self.data, self.path = None, path
        self.file_label.set_full_text(str(path))
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                self.message.show_error(self.tr("{0} is over 5 MB: that is not a partner's update sheet. Check "
                                                "the file.").format(path.name))
                return
            self.data = path.read_bytes()
        except OSError as error:
            self.message.show_error(self.tr("Cannot read {0}: {1}").format(path.name, error.strerror or error))
            return
        self._start_preview()

    def _start_preview(self) -> None:
        chosen = self.partner.currentData()
        if chosen is None:
            self.message.show_error(self.tr("Choose the partner the file is from (in From), or \"several "
                                            "partners\" for a file about more than one."))
            self.partner.setFocus()
            return
        services, actor, data = self.services, self.actor, self.data
        organisation_id = None if chosen == SEVERAL else chosen
        generation = self._generation
        self.loading += 1
        run_in_background(lambda: services.partner_updates.preview(actor, data, organisation_id=organisation_id),
                          lambda preview: self._previewed(preview, generation),
                          lambda error: self._failed(error, generation))

    def _previewed(self, preview, generation: int | None = None) -> None:
        if not shiboken6.isValid(self.model):
            return
        self.loading -= 1
        if generation is not None and generation != self._generation:
            return  # the partner or the file changed while this was being read
        self.preview = preview
        self.model.set_rows(preview.rows)
        # A long problem wraps in the column that takes the rest of the width; rows grow to show it.
        wrap_table(self.table, PreviewColumn.PROBLEM, widest_chars=28)
        good = preview.to_apply
        text = self.tr("{0} rows: {1} will change a referral, {2} have a problem and will be left out.").format(
            len(preview.rows), good, preview.with_problems)
        if preview.unchanged:
            text += " " + self.tr("{0} are already recorded.").format(preview.unchanged)
        if preview.organisation_name:
            text += " " + self.tr("Only {0}'s referrals can change.").format(preview.organisation_name)
        self.summary.setText(text)
        self.apply_button.setEnabled(good > 0)
        if good:
            self.apply_button.setFocus()

    def _failed(self, error: DeskError, generation: int | None = None) -> None:
        if not shiboken6.isValid(self.model):
            return
        self.loading -= 1
        if generation is not None and generation != self._generation:
            return
        self.preview = None
        self.model.set_rows(())
        self.summary.setText("")
        self.apply_button.setEnabled(False)
        self.message.show_error(error.message)

    def apply(self) -> None:
        """Apply the previewed good rows on the thread pool."""
        if self.preview is None or self.is_loading():
            return
        self.message.clear_message()
        self.apply_button.setEnabled(False)
        for widget in (self.partner, self.choose_button):
            widget.setEnabled(False)  # the preview being applied stays the one on screen
        services, actor, preview = self.services, self.actor, self.preview
        self.loading += 1
        run_in_background(lambda: services.partner_updates.apply(actor, preview), self._applied,
                          self._apply_failed)

    def _apply_done(self) -> bool:
        if not shiboken6.isValid(self.model):
            return False
        self.loading -= 1
        for widget in (self.partner, self.choose_button):
            widget.setEnabled(True)
        return True

    def _applied(self, result) -> None:
        if not self._apply_done():
            return
        self.preview = None  # applied: the same rows must not go twice
        self.message.show_info(self.tr("{0} updates applied to {1} referrals from the partner's file.").format(
            result.applied, result.referrals_changed))
        self.applied.emit()

    def _apply_failed(self, error: DeskError) -> None:
        if not self._apply_done():
            return
        # Nothing was applied; the referrals may have moved on since the preview, so read the file again.
        self._forget_preview()
        if self.data is not None and self.partner.currentData() is not None:
            self._start_preview()
        self.message.show_error(error.message)
