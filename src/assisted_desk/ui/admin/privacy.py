"""The "Residents' data" admin tab: retention periods, a preview of what the retention sweep would
anonymise and the sweep itself; finding a resident to place or lift a legal hold, or to erase
them at their request (confirmed by typing the record number, with a reason).

Each part appears only for a role that may use it (holds: administrators and service managers;
the rest: administrators); the services refuse the rest anyway. Previews and sweeps run off the
GUI thread. "Anonymise now" sweeps exactly the preview on show, so saving periods forgets it; an
erasure made here makes it again. The tab scrolls: it is taller than a laptop's window."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QFrame, QGroupBox, QHBoxLayout, QHeaderView,
                               QLabel, QLayout, QLineEdit, QMessageBox, QScrollArea, QSpinBox, QTableView, QVBoxLayout,
                               QWidget)

from ...core.clock import LONDON
from ...core.errors import DeskError, ValidationError
from ...core.security import Actor, Permission
from ...privacy.retention import MAX_MONTHS, RetentionPlan
from ...services import Services
from ..forms import add_row, ask_before, button
from ..messages import FormMessage, show_problem
from ..workers import run_in_background


class RetentionPlanModel(QAbstractTableModel):
    """What the sweep would anonymise, then who is held back and why: one row per resident and kind."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[str, str, str, str]] = []
        self._headers = (self.tr("What"), self.tr("Resident"), self.tr("Since"), self.tr("What goes"))

    def set_plan(self, plan: RetentionPlan | None) -> None:
        self.beginResetModel()
        self._rows = []
        if plan is not None:
            for item in plan.items:
                since = item.since.astimezone(LONDON).strftime("%d/%m/%Y")
                goes = item.kind.what_goes if item.kind.key == "residents" else \
                    self.tr("{0} — {1}").format(item.count, item.kind.what_goes)
                self._rows.append((item.kind.label, item.reference, since, goes))
            for held in plan.held_back:
                self._rows.append((self.tr("Held back"), f"Record {held.resident_id}", "",
                                   self.tr("{0} (due: {1})").format(held.reason, ", ".join(held.kinds))))
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._headers)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        return self._rows[index.row()][index.column()]

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        return None


class EraseDialog(QDialog):
    """Erasing cannot be undone: the record number is typed to confirm, and a reason is required."""

    def __init__(self, name: str, resident_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.resident_id = resident_id
        self.setWindowTitle(self.tr("Erase a resident"))
        self.setAccessibleName(self.tr("Erase a resident"))
        text = QLabel(self.tr("Erase {0} (record {1})? Their personal details are removed everywhere and their "
                              "files deleted; counts in reports stay. This cannot be undone.").format(name, resident_id))
        text.setWordWrap(True)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(self.tr("e.g. Written request of 20/11/2026"))
        self.typed = QLineEdit()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.erase_button = self.buttons.addButton(self.tr("Erase"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.erase_button.setAccessibleName(self.tr("Erase the record"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName(self.tr("Cancel"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        add_row(form, self.tr("&Reason"), self.reason, self.tr("Reason for erasing"))
        add_row(form, self.tr("&Type {0} to confirm").format(resident_id), self.typed,
                self.tr("Type the record number to confirm"))
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        # Wrapped text asks for too little height at large text sizes: give the label the height its
        # words need at the dialog's width, and never let the dialog be smaller than its layout.
        text.setMinimumWidth(text.fontMetrics().averageCharWidth() * 48)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        self.text = text
        self.adjustSize()
        for line in (self.reason, self.typed):
            line.textChanged.connect(self._follow)
        self._follow()

    def _follow(self) -> None:
        self.erase_button.setEnabled(bool(self.reason.text().strip()) and
                                     self.typed.text().strip() == str(self.resident_id))


class ResidentsDataTab(QWidget):
    changed = Signal()

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.standing = None
        self.plan: RetentionPlan | None = None
        self.busy = False
        self.periods: dict[str, QSpinBox] = {}
        body = QWidget()
        column = QVBoxLayout(body)
        self.retention_box = self._retention_part() if actor.may(Permission.MANAGE_RETENTION) else None
        if self.retention_box is not None:
            column.addWidget(self.retention_box, 1)
        column.addWidget(self._resident_part())
        # Both parts are taller than a 1280x800 laptop's window (more so at large text): scroll.
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(body)
        self.scroll.setAccessibleName(self.tr("Residents' data"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll)

    # ---- retention -------------------------------------------------------------------------------

    def _retention_part(self) -> QGroupBox:
        box = QGroupBox(self.tr("Retention"))
        box.setAccessibleName(self.tr("Retention"))
        form = QFormLayout()
        for period in self.services.retention.periods():
            spin = QSpinBox()
            spin.setRange(1, MAX_MONTHS)
            spin.setSuffix(self.tr(" months"))
            spin.setToolTip(self.tr("Kept this long after {0}; then: {1}.").format(period.kind.measured_from,
                                                                                  period.kind.what_goes))
            add_row(form, self.tr("{0}, after {1}").format(period.kind.label, period.kind.measured_from), spin,
                    self.tr("{0}: months kept after {1}").format(period.kind.label, period.kind.measured_from))
            self.periods[period.kind.key] = spin
        self.save_button = button(self.tr("Sa&ve periods"), self.tr("Save the retention periods"))
        self.preview_button = button(self.tr("&Preview what would go"), self.tr("Preview what would go"))
        self.sweep_button = button(self.tr("&Anonymise now…"), self.tr("Anonymise now"))
        self.sweep_button.setEnabled(False)
        self.save_button.clicked.connect(self.save_periods)
        self.preview_button.clicked.connect(self.preview)
        self.sweep_button.clicked.connect(self.sweep)
        row = QHBoxLayout()
        for widget in (self.save_button, self.preview_button, self.sweep_button):
            row.addWidget(widget)
        row.addStretch(1)
        self.retention_message = FormMessage(self)
        self.plan_summary = QLabel(self.tr("Preview to see what the retention periods would anonymise now."))
        self.plan_summary.setWordWrap(True)
        self.plan_model = RetentionPlanModel(self)
        self.plan_proxy = QSortFilterProxyModel(self)
        self.plan_proxy.setSourceModel(self.plan_model)
        self.plan_table = QTableView()
        self.plan_table.setModel(self.plan_proxy)
        self.plan_table.setSortingEnabled(True)
        self.plan_table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # as listed
        self.plan_table.setMinimumHeight(120)
        self.plan_table.setAlternatingRowColors(True)
        self.plan_table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.plan_table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.plan_table.setAccessibleName(self.tr("What would go"))
        self.plan_table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.plan_table.verticalHeader().hide()
        layout = QVBoxLayout(box)
        layout.addLayout(form)
        layout.addLayout(row)
        layout.addWidget(self.retention_message)
        layout.addWidget(self.plan_summary)
        layout.addWidget(self.plan_table, 1)
        return box

    def refresh(self) -> None:
        try:
            for period in self.services.retention.periods():
                if period.kind.key in self.periods:
                    self.periods[period.kind.key].setValue(period.months)
        except DeskError as error:
            show_problem(self, error)

    def save_periods(self) -> None:
        self.retention_message.clear_message()
        try:
            self.services.retention.set_periods(self.actor, {key: spin.value() for key, spin in self.periods.items()})
        except ValidationError as error:
            self.retention_message.show_error(error.message)
            return
        except DeskError as error:
            show_problem(self, error)
            return
        # A preview made under the old periods must not be confirmed under the new ones.
        self._forget_plan(self.tr("Preview to see what the new periods would anonymise now."))
        self.retention_message.show_info(self.tr("Saved. Preview again to see what these periods would anonymise."))

    def _forget_plan(self, text: str) -> None:
        self.plan = None
        self.plan_model.set_plan(None)
        self.plan_summary.setText(text)
        self.sweep_button.setEnabled(False)

    def preview(self) -> None:
        self._start(self.tr("Listing what would go…"), lambda: self.services.retention.plan(self.actor),
                    self._show_plan)

    def _show_plan(self, plan: RetentionPlan) -> None:
        self.plan = plan
        self.plan_model.set_plan(plan)
        residents = len({item.resident_id for item in plan.items})
        self.plan_summary.setText(self.tr("{0} resident(s) would be anonymised; {1} held back.").format(
            residents, len(plan.held_back)))
        self.sweep_button.setEnabled(bool(plan.items))
        self.plan_table.resizeColumnsToContents()

    def sweep(self) -> None:
        if self.plan is None or not self.plan.items or not self.confirm_sweep(
                len({item.resident_id for item in self.plan.items})):
            return
        confirmed = self.plan
        self._start(self.tr("Anonymising…"), lambda: self.services.retention.sweep(self.actor, confirmed),
                    self._swept, lambda: self._forget_plan(self.tr("Preview again before anonymising.")))

    def confirm_sweep(self, residents: int) -> bool:
        """Anonymising cannot be undone: ask first."""
        return ask_before(self, self.tr("Anonymise now"),
                          self.tr("Anonymise what is listed for {0} resident(s)? This cannot be undone.")
                          .format(residents), self.tr("Anonymise"), self.tr("Keep"),
                          QMessageBox.Icon.Warning)

    def _swept(self, result) -> None:
        self.retention_message.show_info(self.tr("Anonymised {0} item(s); {1} resident(s) held back.").format(
            len(result.done), len(result.plan.held_back) + len(result.skipped)))
        self._show_plan(RetentionPlan(result.plan.at, result.plan.periods, (), result.plan.held_back))
        self.changed.emit()

    # ---- one resident: holds and erasure -------------------------------------------------------

    def _resident_part(self) -> QGroupBox:
        box = QGroupBox(self.tr("One resident: legal hold and erasure"))
        box.setAccessibleName(self.tr("One resident: legal hold and erasure"))
        self.reference = QLineEdit()
        self.reference.setPlaceholderText(self.tr("Record number, or a reference they quote (AD-7K3P-9Q)"))
        self.reference.returnPressed.connect(self.find)
        self.find_button = button(self.tr("&Find"), self.tr("Find the resident"))
        self.find_button.clicked.connect(self.find)
        self.found = QLabel(self.tr("Find a resident to see whether they are held, and whether they can be erased."))
        self.found.setWordWrap(True)
        self.found.setAccessibleName(self.tr("The resident found"))
        self.hold_reason = QLineEdit()
        self.hold_reason.setPlaceholderText(self.tr("The claim, complaint or investigation"))
        self.place_button = button(self.tr("Place legal &hold"), self.tr("Place a legal hold"))
        self.lift_button = button(self.tr("&Lift legal hold"), self.tr("Lift the legal hold"))
        self.erase_button = button(self.tr("&Erase…"), self.tr("Erase the resident"))
        self.place_button.clicked.connect(self.place_hold)
        self.lift_button.clicked.connect(self.lift_hold)
        self.erase_button.clicked.connect(self.erase)
        self.resident_message = FormMessage(self)
        form = QFormLayout()
        find_row = QHBoxLayout()
        find_row.addWidget(self.reference, 1)
        find_row.addWidget(self.find_button)
        holder = QWidget()
        holder.setLayout(find_row)
        find_row.setContentsMargins(0, 0, 0, 0)
        add_row(form, self.tr("Resident &no. or reference"), holder, self.tr("Find a resident")).setBuddy(self.reference)
        self.reference.setAccessibleName(self.tr("Resident's record number or reference"))
        form.addRow("", self.found)
        if self.actor.may(Permission.PLACE_LEGAL_HOLDS):
            add_row(form, self.tr("Hold rea&son"), self.hold_reason, self.tr("Reason for the legal hold"))
        actions = QHBoxLayout()
        for widget, allowed in ((self.place_button, Permission.PLACE_LEGAL_HOLDS),
                                (self.lift_button, Permission.PLACE_LEGAL_HOLDS),
                                (self.erase_button, Permission.ERASE_RESIDENTS)):
            widget.setVisible(self.actor.may(allowed))
            widget.setEnabled(False)
            actions.addWidget(widget)
        actions.addStretch(1)
        layout = QVBoxLayout(box)
        layout.addLayout(form)
        layout.addLayout(actions)
        layout.addWidget(self.resident_message)
        return box

    def find(self) -> None:
        self.resident_message.clear_message()
        try:
            self.standing = self.services.erasure.standing(self.actor, self.reference.text())
        except DeskError as error:
            self.standing = None
            self.found.setText("")
            self.resident_message.show_error(error.message)
            self._follow_standing()
            return
        self._follow_standing()

    def _follow_standing(self) -> None:
        standing = self.standing
        for widget in (self.place_button, self.lift_button, self.erase_button):
            widget.setEnabled(False)
        if standing is None:
            return
        live = not standing.erased and standing.merged_into_id is None
        may_erase = self.actor.may(Permission.ERASE_RESIDENTS)
        lines = [self.tr("Record {0}: {1}").format(standing.resident_id, standing.name)]
        if not live:
            lines.append(standing.refusal)  # erased, or merged into another: a fact for whoever asks
        else:
            if standing.hold is not None:
                lines.append(self.tr("Legal hold {0}.").format(standing.hold.text))
            # The refusal names the case when it is what stands in the way: say it once.
            if standing.open_cases and (not may_erase or standing.hold is not None):
                lines.append(self.tr("Open case(s): {0}.").format(", ".join(standing.open_cases)))
            if may_erase:  # advice on erasing only for those who may erase
                if standing.hold is not None:
                    lines.append(self.tr("It cannot be erased until the hold is lifted."))
                else:
                    lines.append(standing.refusal or self.tr("Nothing stands in the way of erasure."))
        self.found.setText("\n".join(lines))
        self.place_button.setEnabled(live and standing.hold is None)
        self.lift_button.setEnabled(standing.hold is not None)
        self.erase_button.setEnabled(not standing.refusal)

    def place_hold(self) -> None:
        self._act(lambda: self.services.erasure.place_legal_hold(self.actor, self.standing.resident_id,
                                                                 self.hold_reason.text()),
                  self.tr("Legal hold placed: the record will not be erased or swept until it is lifted."))

    def lift_hold(self) -> None:
        self._act(lambda: self.services.erasure.lift_legal_hold(self.actor, self.standing.resident_id),
                  self.tr("Legal hold lifted."))

    def erase(self) -> None:
        dialog = EraseDialog(self.standing.name, self.standing.resident_id, self)
        if self.ask_erasure(dialog):
            reason = dialog.reason.text()
            erased = self._act(lambda: self.services.erasure.erase(self.actor, self.standing.resident_id, reason),
                               self.tr("Erased: the record is now an anonymised stub; report counts are kept."))
            if erased and self.plan is not None and not self.busy:
                self.preview()  # the list may have named them: show what would go now
        dialog.deleteLater()

    def ask_erasure(self, dialog: EraseDialog) -> bool:
        return dialog.exec() == QDialog.DialogCode.Accepted

    def _act(self, work, done_text: str) -> bool:
        self.resident_message.clear_message()
        try:
            work()
        except DeskError as error:
            self.resident_message.show_error(error.message)
            return False
        reference = self.reference.text()
        self.find()
        self.reference.setText(reference)
        self.resident_message.show_info(done_text)
        self.hold_reason.clear()
        self.changed.emit()
        return True

    # ---- background work -------------------------------------------------------------------------

    def _start(self, text: str, work, on_done, on_failed=None) -> None:
        self.busy = True
        for widget in (self.save_button, self.preview_button, self.sweep_button):
            widget.setEnabled(False)
        self.retention_message.show_info(text)

        def finished(result) -> None:
            self._idle()
            self.retention_message.clear_message()
            on_done(result)

        def failed(error: DeskError) -> None:
            if on_failed is not None:
                on_failed()
            self._idle()
            self.retention_message.show_error(error.message)

        run_in_background(work, finished, failed, self.retention_message.show_info)

    def _idle(self) -> None:
        self.busy = False
        self.save_button.setEnabled(True)
        self.preview_button.setEnabled(True)
        self.sweep_button.setEnabled(bool(self.plan and self.plan.items))
