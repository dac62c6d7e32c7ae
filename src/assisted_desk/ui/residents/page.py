"""The Residents area: find a resident on the left, see their record on the right, register,
edit, merge duplicates (and undo recent merges), and record equality monitoring answers.

Buttons for what the role may not do are hidden; the services refuse it anyway."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ...core.clock import LONDON
from ...core.errors import DeskError
from ...core.security import Actor, Permission
from ...desk.residents import ResidentRecord
from ...services import Services
from ..admin.common import fit_columns, record_table, select_source_row, selected_row, sortable_proxy
from ..casework.open_case import open_case_dialog
from ..desk.finder import ResidentFinder
from ..forms import button
from ..messages import FormMessage
from .details import ResidentDetails
from .equality_dialog import EqualityDialog
from .merge_dialog import MergeDialog
from .models import MergeColumn, MergesTableModel
from .resident_dialog import ResidentDialog
from .subject_access import SubjectAccessExport


class ResidentsPage(QWidget):
    """`serve_resident(resident_id)` asks the Desk area to serve the shown resident;
    `case_opened(case_id)` asks for a case just opened here."""

    serve_resident = Signal(int)
    case_opened = Signal(int)

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.record: ResidentRecord | None = None
        self.dialog = None  # the open dialog, if any
        tr = self.tr

        title = QLabel(tr("Residents"))
        title.setObjectName("pageTitle")
        self.register_button = button(tr("&Register new resident…"), tr("Register a new resident"))
        self.register_button.setToolTip(tr("Register a new resident (Ctrl+N)"))
        self.register_button.clicked.connect(self.register_new)
        self.new_shortcut = QShortcut(QKeySequence("Ctrl+N"), self)
        self.new_shortcut.setContext(Qt.ShortcutContext.WindowShortcut)  # hidden tabs never fire
        self.new_shortcut.activated.connect(self.register_new)
        top = QHBoxLayout()
        top.addWidget(title)
        top.addStretch(1)
        top.addWidget(self.register_button)

        self.finder = ResidentFinder(services, actor)
        self.finder.resident_chosen.connect(self.show_resident)

        self.details = ResidentDetails()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.details)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.open_survivor = button(tr("&Open the record it was merged into"))
        self.open_survivor.clicked.connect(self._open_survivor)
        self.serve_button = button(tr("Ser&ve at desk"), tr("Serve this resident at the desk"))
        self.serve_button.clicked.connect(self._serve)
        self.edit_button = button(tr("&Edit…"), tr("Edit this resident's record"))
        self.edit_button.clicked.connect(self.edit_current)
        self.equality_button = button(tr("E&quality monitoring…"), tr("Equality monitoring for this resident"))
        self.equality_button.clicked.connect(self.equality_current)
        self.equality_button.setVisible(actor.may(Permission.RECORD_EQUALITY))
        self.merge_button = button(tr("&Merge…"), tr("Merge this record with another"))
        self.merge_button.clicked.connect(self.merge_current)
        self.merge_button.setVisible(actor.may(Permission.MERGE_RESIDENTS))
        self.case_button = button(tr("Open an advocacy &case…"), tr("Open an advocacy case for this resident"))
        self.case_button.clicked.connect(self.open_case)
        self.case_button.setVisible(actor.may(Permission.OPEN_CASES))
        actions = QHBoxLayout()
        for push in (self.serve_button, self.edit_button, self.equality_button, self.merge_button):
            actions.addWidget(push)
        actions.addStretch(1)
        self.message = FormMessage(self)
        self.subject_access = SubjectAccessExport(services, actor, lambda: self.record, self.message, self)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(8, 0, 0, 0)
        right_layout.addWidget(scroll, 1)
        right_layout.addWidget(self.open_survivor, 0, Qt.AlignmentFlag.AlignLeft)
        right_layout.addLayout(actions)
        # A row of their own, so the row above is never clipped; side by side, so the details above
        # keep their height.
        more = QHBoxLayout()
        more.addWidget(self.case_button)
        more.addWidget(self.subject_access.button)
        more.addStretch(1)
        right_layout.addLayout(more)
        right_layout.addWidget(self.message)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.finder)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([540, 460])
        right.setMinimumWidth(380)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.splitter, 3)
        self.merges_box: QGroupBox | None = None
        if actor.may(Permission.MERGE_RESIDENTS):
            layout.addWidget(self._build_merges(), 1)
            self.refresh_merges()
        self.setFocusProxy(self.finder)
        QWidget.setTabOrder(self.finder, self.serve_button)
        self.show_record(None)

    def _build_merges(self) -> QGroupBox:
        tr = self.tr
        box = QGroupBox(tr("Recent merges (can be undone for 30 days)"))
        box.setAccessibleName(tr("Recent merges"))
        self.merges_model = MergesTableModel(self)
        self.merges_proxy = sortable_proxy(self, self.merges_model)
        self.merges_table = record_table(tr("Recent merges"), self.merges_proxy, MergeColumn.MERGED_AT,
                                         Qt.SortOrder.DescendingOrder)
        self.merges_table.selectionModel().selectionChanged.connect(lambda *_: self._follow_merge_selection())
        self.merges_proxy.modelReset.connect(self._follow_merge_selection)
        self.undo_button = button(tr("&Undo selected merge"), tr("Undo the selected merge"))
        self.undo_button.clicked.connect(self.undo_selected)
        self.refresh_merges_button = button(tr("Refres&h list"), tr("Refresh the list of merges"))
        self.refresh_merges_button.clicked.connect(self.refresh_merges)
        buttons = QHBoxLayout()
        buttons.addWidget(self.undo_button)
        buttons.addWidget(self.refresh_merges_button)
        buttons.addStretch(1)
        inner = QVBoxLayout(box)
        inner.addWidget(self.merges_table, 1)
        inner.addLayout(buttons)
        self.merges_box = box
        return box

    # ---- the resident shown --------------------------------------------------------------------

    def show_resident(self, resident_id: int) -> None:
        """Show a resident's record (a quick read by key). Not audited: see ResidentService.get."""
        self.message.clear_message()
        try:
            record = self.services.residents.get(self.actor, resident_id)
        except DeskError as error:
            self.message.show_error(error.message)
            return
        self.show_record(record)

    def show_record(self, record: ResidentRecord | None) -> None:
        self.record = record
        self.details.show_record(record, self.services.clock.now().astimezone(LONDON).date())
        live = record is not None and record.merged_into_id is None and record.erased_at is None
        for push in (self.serve_button, self.edit_button, self.equality_button, self.merge_button, self.case_button):
            push.setEnabled(live)
        self.subject_access.set_enabled(live)
        self._show_cases(record if live else None)
        self.open_survivor.setVisible(record is not None and record.merged_into_id is not None)

    def _show_cases(self, record: ResidentRecord | None) -> None:
        if record is None or not (self.actor.may(Permission.OPEN_CASES) or self.actor.may(Permission.WORK_CASES)):
            self.details.show_cases(None)
            return
        try:
            cases = self.services.cases.cases_for_resident(self.actor, record.id)
        except DeskError as error:
            self.details.show_cases(None)
            self.message.show_error(error.message)
            return
        self.details.show_cases([case.description for case in cases])

    def _reload(self) -> None:
        if self.record is not None:
            self.show_resident(self.record.id)

    def _open_survivor(self) -> None:
        if self.record is not None and self.record.merged_into_id is not None:
            self.show_resident(self.record.merged_into_id)
            self.edit_button.setFocus()

    def _serve(self) -> None:
        if self.record is not None and self.record.merged_into_id is None:
            self.serve_resident.emit(self.record.id)

    # ---- dialogs ---------------------------------------------------------------------------------

    def register_new(self) -> None:
        if self.dialog is not None:
            return
        dialog = ResidentDialog(self.services, self.actor, None, self)
        dialog.saved.connect(self._saved)
        dialog.open_existing.connect(self.show_resident)
        self._open(dialog)

    def edit_current(self) -> None:
        if self.record is None or self.dialog is not None:
            return
        try:
            dialog = ResidentDialog(self.services, self.actor, self.record.id, self)
        except DeskError as error:
            self.message.show_error(error.message)
            return
        dialog.saved.connect(self._saved)
        self._open(dialog)

    def merge_current(self) -> None:
        if self.record is None or self.dialog is not None:
            return
        dialog = MergeDialog(self.services, self.actor, keep_id=self.record.id, parent=self)
        dialog.merged.connect(self._merged)
        dialog.undone.connect(lambda _rid: self._merged(None))
        self._open(dialog)

    def equality_current(self) -> None:
        if self.record is None or self.dialog is not None:
            return
        self._open(EqualityDialog(self.services, self.actor, self.record.id, self.record.name, self))

    def open_case(self) -> None:
        if self.record is None or self.record.merged_into_id is not None or self.dialog is not None:
            return
        dialog = open_case_dialog(self, self.services, self.actor, self.record.id)
        if dialog is None:
            return
        self.dialog = dialog
        dialog.accepted.connect(lambda: self._case_opened(dialog))
        dialog.case_opened.connect(self.case_opened.emit)
        dialog.finished.connect(lambda _result: self._closed(dialog))

    def _case_opened(self, dialog) -> None:
        self._reload()
        self.message.show_info(dialog.opened_sentence())

    def _open(self, dialog) -> None:
        """Non-blocking, so the rest of the desk keeps painting."""
        self.dialog = dialog
        dialog.finished.connect(lambda _result: self._closed(dialog))
        dialog.open()

    def _closed(self, dialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def _saved(self, resident_id: int) -> None:
        self.show_resident(resident_id)
        self.finder.refresh()

    def _merged(self, survivor_id: int | None) -> None:
        self.refresh_merges()
        self.finder.refresh()
        if survivor_id is not None:
            self.show_resident(survivor_id)
        else:
            self._reload()

    # ---- recent merges ---------------------------------------------------------------------------

    def refresh_merges(self) -> None:
        if self.merges_box is None:
            return
        keep = self._selected_merge()
        try:
            records = self.services.residents.recent_merges(self.actor)
        except DeskError as error:
            self.message.show_error(error.message)
            return
        self.merges_model.set_records(records)
        fit_columns(self.merges_table)
        if keep is not None:
            select_source_row(self.merges_table, self.merges_model.row_of(keep.id))

    def _selected_merge(self):
        if self.merges_box is None:
            return None
        row = selected_row(self.merges_table)
        return None if row is None else self.merges_model.record(row)

    def _follow_merge_selection(self) -> None:
        record = self._selected_merge()
        self.undo_button.setEnabled(record is not None and record.can_undo)

    def undo_selected(self) -> None:
        record = self._selected_merge()
        if record is None:
            return
        self.message.clear_message()
        try:
            undone = self.services.residents.undo_merge(self.actor, record.id)
        except DeskError as error:
            self.message.show_error(error.message)
            self.refresh_merges()
            return
        self.refresh_merges()
        self.finder.refresh()
        self._reload()
        self.message.show_info(self.tr(
            "Merge undone: {0} (record {1}) and {2} (record {3}) are separate records again.").format(
            undone.survivor_name, undone.survivor_id, undone.merged_name, undone.merged_id))
