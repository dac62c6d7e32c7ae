"""The dialog an administrator sets up a case type in: its name, code and SLA targets, the
statuses a case moves through, which moves are allowed, and the activities expected."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QHeaderView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ...casework.calendar import MAX_TARGET_DAYS
from ...casework.case_types import CaseStatus, CaseTypeRecord
from ...casework.vocab import ActivityKind
from ...core.errors import ValidationError
from ...core.security import Actor
from ...services import Services
from ..forms import button
from .case_type_lists import (
    ExpectedColumn,
    ExpectedListModel,
    KindDelegate,
    MoveGridModel,
    StatusColumn,
    StatusListModel,
    code_from,
    kind_box,
)
from .common import RecordDialog


def _days_box(accessible_name: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(1, MAX_TARGET_DAYS)
    box.setSuffix(" " + box.tr("working days"))
    box.setAccessibleName(accessible_name)
    return box


def _editable_table(accessible_name: str, model: QAbstractTableModel) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setAccessibleName(accessible_name)
    view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
    view.setTabKeyNavigation(False)
    view.setAlternatingRowColors(True)
    view.horizontalHeader().setStretchLastSection(True)
    return view


class CaseTypeDialog(RecordDialog):
    """Add a case type (record None) or change one. Everything typed stays when the service refuses."""

    PAGES = {"statuses": 0, "transitions": 1, "expected_activities": 2}

    def __init__(self, services: Services, actor: Actor, record: CaseTypeRecord | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor, self.record = services, actor, record
        self.version = record.version if record else None
        self.setMinimumSize(760, 640)
        if record is None:
            self.set_title(self.tr("Add a case type"),
                           self.tr("Targets count working days: Monday to Friday, except bank holidays."))
        else:
            self.set_title(self.tr("Edit {0}").format(record.name),
                           self.tr("New targets apply to cases opened from now on. A status an open case is in "
                                   "cannot be removed."))
        self.name = QLineEdit()
        self.name.setMaxLength(120)
        self.add_field("name", self.tr("&Name"), self.name, self.tr("Case type name"))
        self.code = QLineEdit()
        self.code.setMaxLength(40)
        self.code.setPlaceholderText(self.tr("made from the name if left empty, e.g. housing_repairs"))
        self.add_field("code", self.tr("C&ode"), self.code, self.tr("Case type code"))
        self.first_response = _days_box(self.tr("First response target, in working days"))
        self.add_field("first_response_days", self.tr("&First response within"), self.first_response,
                       self.first_response.accessibleName())
        self.resolution = _days_box(self.tr("Resolution target, in working days"))
        self.add_field("resolution_days", self.tr("Reso&lved within"), self.resolution,
                       self.resolution.accessibleName())

        self.status_model = StatusListModel(self)
        self.move_model = MoveGridModel(self.status_model, self)
        self.expected_model = ExpectedListModel(self)
        self.pages = QTabWidget()
        self.pages.setAccessibleName(self.tr("Parts of the case type"))
        self.pages.addTab(self._statuses_page(), self.tr("S&tatuses"))
        self.pages.addTab(self._moves_page(), self.tr("Allowed &moves"))
        self.pages.addTab(self._expected_page(), self.tr("E&xpected activities"))
        layout = self.layout()
        layout.insertWidget(layout.indexOf(self.message), self.pages, 1)

        if record is not None:
            self.name.setText(record.name)
            self.code.setText(record.code)
            self.first_response.setValue(record.first_response_days)
            self.resolution.setValue(record.resolution_days)
            self.status_model.set_statuses(record.statuses)
            self.move_model.set_transitions(record.transitions)
            self.expected_model.set_activities(record.expected_activities)
        else:
            self.first_response.setValue(2)
            self.resolution.setValue(20)
            self.status_model.set_statuses([CaseStatus("new", self.tr("New")),
                                            CaseStatus("in_progress", self.tr("In progress"))])
            self.move_model.allow(0, 1)
        self._fit_status_columns()
        # Down the form, into the page shown, then Save: widgets on hidden pages are skipped.
        order = (self.name, self.code, self.first_response, self.resolution, self.pages,
                 self.status_table, self.up_button, self.down_button, self.remove_status_button,
                 self.new_status_label, self.new_status_code, self.add_status_button,
                 self.move_table,
                 self.expected_table, self.remove_expected_button, self.new_kind, self.new_description,
                 self.new_within, self.add_expected_button,
                 self.save_button, self.buttons.button(self.buttons.StandardButton.Cancel))
        for first, second in zip(order, order[1:]):
            QWidget.setTabOrder(first, second)
        self.name.setFocus()

    # ---- the three pages ----------------------------------------------------------------------

    def _statuses_page(self) -> QWidget:
        page = QWidget()
        note = QLabel(self.tr("A new or reopened case starts in the first status. Every type also closes, "
                              "with an outcome; \u201cClosed\u201d is not listed here. Double-click (or F2) to "
                              "change a code or label."))
        note.setWordWrap(True)
        self.status_table = _editable_table(self.tr("Statuses"), self.status_model)
        self.fields["statuses"] = self.status_table
        self.new_status_label = QLineEdit()
        self.new_status_label.setPlaceholderText(self.tr("Label, e.g. Waiting on the landlord"))
        self.new_status_label.setAccessibleName(self.tr("New status label"))
        self.new_status_label.setMaxLength(60)
        self.new_status_code = QLineEdit()
        self.new_status_code.setPlaceholderText(self.tr("code (optional)"))
        self.new_status_code.setAccessibleName(self.tr("New status code"))
        self.new_status_code.setMaxLength(40)
        self.add_status_button = button(self.tr("&Add status"), self.tr("Add the status"))
        self.remove_status_button = button(self.tr("&Remove"), self.tr("Remove the selected status"))
        self.up_button = button(self.tr("Move &up"), self.tr("Move the selected status up"))
        self.down_button = button(self.tr("Move &down"), self.tr("Move the selected status down"))
        self.add_status_button.clicked.connect(self.add_status)
        self.new_status_label.returnPressed.connect(self.add_status)
        self.remove_status_button.clicked.connect(self.remove_status)
        self.up_button.clicked.connect(lambda: self.move_status(-1))
        self.down_button.clicked.connect(lambda: self.move_status(1))
        adding = QHBoxLayout()
        adding.addWidget(self.new_status_label, 2)
        adding.addWidget(self.new_status_code, 1)
        adding.addWidget(self.add_status_button)
        row_buttons = QHBoxLayout()
        for push in (self.up_button, self.down_button, self.remove_status_button):
            row_buttons.addWidget(push)
        row_buttons.addStretch(1)
        layout = QVBoxLayout(page)
        layout.addWidget(note)
        layout.addWidget(self.status_table, 1)
        layout.addLayout(row_buttons)
        layout.addLayout(adding)
        return page

    def _moves_page(self) -> QWidget:
        page = QWidget()
        note = QLabel(self.tr("Tick where a case may move from the status on the left to the status at the top "
                              "(Space ticks). Any open case can be closed; a closed case reopens in the first "
                              "status."))
        note.setWordWrap(True)
        self.move_table = QTableView()
        self.move_table.setModel(self.move_model)
        self.move_table.setAccessibleName(self.tr("Allowed moves, from the row's status to the column's"))
        self.move_table.setTabKeyNavigation(False)
        self.move_table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        header = self.move_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        self.move_model.modelReset.connect(self._fit_move_columns)
        self.fields["transitions"] = self.move_table
        layout = QVBoxLayout(page)
        layout.addWidget(note)
        layout.addWidget(self.move_table, 1)
        return page

    def _expected_page(self) -> QWidget:
        page = QWidget()
        note = QLabel(self.tr("What should happen on every case of this type, counted in working days from "
                              "the day it opens. Double-click (or F2) to change one."))
        note.setWordWrap(True)
        self.expected_table = _editable_table(self.tr("Expected activities"), self.expected_model)
        self.expected_table.setItemDelegateForColumn(ExpectedColumn.KIND, KindDelegate(self.expected_table))
        self.fields["expected_activities"] = self.expected_table
        self.new_kind = kind_box()
        self.new_kind.setAccessibleName(self.tr("Kind of the new expected activity"))
        self.new_description = QLineEdit()
        self.new_description.setMaxLength(200)
        self.new_description.setPlaceholderText(self.tr("Description, e.g. First call to the resident"))
        self.new_description.setAccessibleName(self.tr("Description of the new expected activity"))
        self.new_within = _days_box(self.tr("New expected activity is due within, in working days"))
        self.new_within.setValue(2)
        self.add_expected_button = button(self.tr("Add acti&vity"), self.tr("Add the expected activity"))
        self.remove_expected_button = button(self.tr("R&emove"), self.tr("Remove the selected expected activity"))
        self.add_expected_button.clicked.connect(self.add_expected)
        self.new_description.returnPressed.connect(self.add_expected)
        self.remove_expected_button.clicked.connect(self.remove_expected)
        adding = QGridLayout()
        adding.addWidget(self.new_kind, 0, 0)
        adding.addWidget(self.new_description, 0, 1)
        adding.addWidget(self.new_within, 0, 2)
        adding.addWidget(self.add_expected_button, 0, 3)
        adding.setColumnStretch(1, 1)
        row_buttons = QHBoxLayout()
        row_buttons.addWidget(self.remove_expected_button)
        row_buttons.addStretch(1)
        layout = QVBoxLayout(page)
        layout.addWidget(note)
        layout.addWidget(self.expected_table, 1)
        layout.addLayout(row_buttons)
        layout.addLayout(adding)
        return page

    def _fit_status_columns(self) -> None:
        self.status_table.resizeColumnToContents(StatusColumn.CODE)
        self.expected_table.resizeColumnToContents(ExpectedColumn.KIND)
        self.expected_table.resizeColumnToContents(ExpectedColumn.LABEL)

    def _fit_move_columns(self) -> None:
        self.move_table.resizeRowsToContents()

    # ---- editing the lists --------------------------------------------------------------------

    def add_status(self) -> None:
        label = self.new_status_label.text().strip()
        # A label in a script with no Latin letters makes no code: number it instead.
        code = self.new_status_code.text().strip().lower() or code_from(label) \
            or f"status_{self.status_model.rowCount() + 1}"
        if not label:
            self.show_error(self.tr("Type the new status's label first, for example \u201cWaiting on the "
                                    "landlord\u201d."))
            self.new_status_label.setFocus()
            return
        self.message.clear_message()
        row = self.status_model.append(code, label)
        self.status_table.selectRow(row)
        self.new_status_label.clear()
        self.new_status_code.clear()
        self.new_status_label.setFocus()

    def remove_status(self) -> None:
        row = selected_row_of(self.status_table)
        if row is not None:
            self.status_model.remove(row)
            if self.status_model.rowCount():
                self.status_table.selectRow(min(row, self.status_model.rowCount() - 1))

    def move_status(self, step: int) -> None:
        row = selected_row_of(self.status_table)
        if row is not None and self.status_model.move(row, step):
            self.status_table.selectRow(row + step)

    def add_expected(self) -> None:
        description = self.new_description.text().strip()
        if not description:
            self.show_error(self.tr("Type what is expected first, for example \u201cFirst call to the "
                                    "resident\u201d."))
            self.new_description.setFocus()
            return
        self.message.clear_message()
        row = self.expected_model.append(ActivityKind(self.new_kind.currentData()), description,
                                         self.new_within.value())
        self.expected_table.selectRow(row)
        self.expected_table.resizeColumnToContents(ExpectedColumn.LABEL)
        self.new_description.clear()
        self.new_description.setFocus()

    def remove_expected(self) -> None:
        row = selected_row_of(self.expected_table)
        if row is not None:
            self.expected_model.remove(row)

    # ---- saving -------------------------------------------------------------------------------

    def definition(self) -> CaseTypeRecord:
        """What the form holds, as the service takes it."""
        if not self.code.text().strip():
            self.code.setText(code_from(self.name.text()))
        return CaseTypeRecord(
            id=self.record.id if self.record else None, code=self.code.text(), name=self.name.text(),
            statuses=self.status_model.statuses(), transitions=self.move_model.transitions(),
            first_response_days=self.first_response.value(), resolution_days=self.resolution.value(),
            expected_activities=self.expected_model.activities(),
            active=self.record.active if self.record else True, version=self.version or 0)

    def save(self) -> CaseTypeRecord:
        try:
            return self.services.case_types.save(self.actor, self.definition())
        except ValidationError as error:
            if error.field in self.PAGES:  # the field is on a page that may be hidden: show it first
                self.pages.setCurrentIndex(self.PAGES[error.field])
            raise

    def adopt(self, record: CaseTypeRecord) -> str:
        self.version = record.version
        return self.tr("{0}: first response within {1}, resolved within {2} working days, {3} statuses").format(
            record.name, record.first_response_days, record.resolution_days, len(record.statuses))


def selected_row_of(view: QTableView) -> int | None:
    """The selected row of a table with no proxy in between."""
    rows = view.selectionModel().selectedRows() if view.selectionModel() else []
    if not rows:
        index = view.currentIndex()
        return index.row() if index.isValid() else None
    return rows[0].row()
