"""The Bank holidays tab: the days the SLA clock skips (England and Wales). The government adds
and moves them, so an administrator keeps the list: one year at a time, add a day, remove one."""

from __future__ import annotations

import enum
from datetime import date

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import QDateEdit, QHBoxLayout, QLabel, QLineEdit, QMessageBox, QSpinBox, QVBoxLayout, QWidget

from ...casework.calendar import BankHolidayRecord
from ...core.clock import LONDON
from ...core.errors import DeskError
from ...core.security import Actor
from ...services import Services
from ..forms import button
from ..messages import show_problem
from .common import SORT_ROLE, RecordDialog, fit_columns, record_table, select_source_row, selected_row, sortable_proxy


def day_text(day: date) -> str:
    """As the desk reads a holiday: "Friday 25/12/2026"."""
    return f"{day:%A} {day:%d/%m/%Y}"


class HolidayColumn(enum.IntEnum):
    DAY = 0
    NAME = 1
    BY = 2


class BankHolidayTableModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._records: list[BankHolidayRecord] = []
        self._headers = {HolidayColumn.DAY: self.tr("Date"), HolidayColumn.NAME: self.tr("Holiday"),
                         HolidayColumn.BY: self.tr("Added by")}

    def set_records(self, records) -> None:
        self.beginResetModel()
        self._records = list(records)
        self.endResetModel()

    def record(self, row: int) -> BankHolidayRecord:
        return self._records[row]

    def row_of(self, holiday_id: int) -> int | None:
        return next((row for row, r in enumerate(self._records) if r.id == holiday_id), None)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(HolidayColumn)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(HolidayColumn):
            return self._headers[HolidayColumn(section)]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._records) \
                or not 0 <= index.column() < len(HolidayColumn):
            return None
        record = self._records[index.row()]
        column = HolidayColumn(index.column())
        if column == HolidayColumn.DAY:
            text = day_text(record.day)
        elif column == HolidayColumn.NAME:
            text = record.name
        else:
            text = self.tr("the list shipped with the desk") if record.updated_by == "setup" else record.updated_by
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return text
        if role == SORT_ROLE:
            return record.day.isoformat() if column == HolidayColumn.DAY else text.casefold()
        return None


class BankHolidayDialog(RecordDialog):
    """Add one day. The service refuses a weekend, a day already listed, or no name; the dialog
    then stays open with the date and name as typed."""

    def __init__(self, services: Services, actor: Actor, suggested: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.set_title(self.tr("Add a bank holiday"),
                       self.tr("When a holiday falls at a weekend, add the weekday it moves to (the substitute "
                               "day). Cases already open keep their due dates."))
        self.day = QDateEdit()
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("dddd dd/MM/yyyy")
        self.day.setDate(QDate(suggested.year, suggested.month, suggested.day))
        self.add_field("day", self.tr("&Date"), self.day, self.tr("Date of the bank holiday"))
        self.name = QLineEdit()
        self.name.setMaxLength(120)
        self.name.setPlaceholderText(self.tr("e.g. Bank holiday for the coronation"))
        self.add_field("name", self.tr("&Name"), self.name, self.tr("Name of the bank holiday"))
        self.day.setFocus()

    def chosen_day(self) -> date:
        picked = self.day.date()
        return date(picked.year(), picked.month(), picked.day())

    def save(self) -> BankHolidayRecord:
        return self.services.bank_holidays.add(self.actor, self.chosen_day(), self.name.text())

    def adopt(self, record) -> str:  # adding never conflicts
        return ""


class BankHolidaysTab(QWidget):
    changed = Signal()  # the list changed: due dates worked out from now on follow it

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.dialog: BankHolidayDialog | None = None
        self.model = BankHolidayTableModel(self)
        self.proxy = sortable_proxy(self, self.model)
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(self._today().year)
        self.year.setAccessibleName(self.tr("Year shown"))
        self.year.valueChanged.connect(lambda _year: self.refresh())
        year_label = QLabel(self.tr("Y&ear"))
        year_label.setBuddy(self.year)
        self.count = QLabel()
        self.table = record_table(self.tr("Bank holidays in the year shown"), self.proxy)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._follow_selection())
        self.proxy.modelReset.connect(self._follow_selection)
        self.add_button = button(self.tr("&Add…"), self.tr("Add a bank holiday"))
        self.remove_button = button(self.tr("&Remove…"), self.tr("Remove the selected bank holiday"))
        self.add_button.clicked.connect(self.add)
        self.remove_button.clicked.connect(self.remove_selected)
        note = QLabel(self.tr("Weekends are never working days, so only weekdays are listed. A change applies to "
                              "due dates worked out from now on; cases already open keep theirs."))
        note.setWordWrap(True)

        top = QHBoxLayout()
        top.addWidget(year_label)
        top.addWidget(self.year)
        top.addWidget(self.count, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(note)
        layout.addLayout(buttons)
        order = (self.year, self.table, self.add_button, self.remove_button)
        for first, second in zip(order, order[1:]):
            QWidget.setTabOrder(first, second)
        self._follow_selection()

    def _today(self) -> date:
        return self.services.clock.now().astimezone(LONDON).date()

    def refresh(self) -> bool:
        keep = self.selected()
        try:
            records = self.services.bank_holidays.list(self.actor, self.year.value())
        except DeskError as error:
            show_problem(self, error)
            return False
        self.model.set_records(records)
        self.count.setText(self.tr("No bank holidays listed for {0}.").format(self.year.value()) if not records
                           else self.tr("{0} bank holidays in {1}").format(len(records), self.year.value()))
        fit_columns(self.table, widest=720)  # a holiday's name is what is read; "added by" can give way
        if keep is not None:
            self.select(keep.id)
        return True

    def selected(self) -> BankHolidayRecord | None:
        row = selected_row(self.table)
        return None if row is None else self.model.record(row)

    def select(self, holiday_id: int) -> None:
        select_source_row(self.table, self.model.row_of(holiday_id))

    def _follow_selection(self) -> None:
        self.remove_button.setEnabled(self.selected() is not None)

    def add(self) -> None:
        today = self._today()
        suggested = today if today.year == self.year.value() else date(self.year.value(), 1, 1)
        dialog = BankHolidayDialog(self.services, self.actor, suggested, self)
        self.dialog = dialog
        dialog.accepted.connect(lambda: self._saved(dialog))
        dialog.finished.connect(lambda _result: self._closed(dialog))
        dialog.open()

    def remove_selected(self) -> None:
        record = self.selected()
        if record is None:
            return
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Remove a bank holiday"),
                          self.tr("Remove {0}, {1}, from the bank holidays?").format(record.name, day_text(record.day)),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setInformativeText(self.tr("It becomes a working day for due dates worked out from now on. Cases "
                                       "already open keep their due dates."))
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.button(QMessageBox.StandardButton.Yes).setText(self.tr("&Remove"))
        box.button(QMessageBox.StandardButton.No).setText(self.tr("&Keep it"))
        box.setAccessibleName(box.windowTitle())
        box.exec()
        confirmed = box.clickedButton() is box.button(QMessageBox.StandardButton.Yes)
        box.deleteLater()
        if not confirmed:
            return
        try:
            self.services.bank_holidays.remove(self.actor, record.id)
        except DeskError as error:
            show_problem(self, error)
        self.refresh()
        self.changed.emit()
        self.table.setFocus()

    def _saved(self, dialog: BankHolidayDialog) -> None:
        saved = dialog.saved
        if saved is not None and saved.day.year != self.year.value():
            self.year.setValue(saved.day.year)  # refreshes
        else:
            self.refresh()
        if saved is not None:
            self.select(saved.id)
        self.changed.emit()

    def _closed(self, dialog: BankHolidayDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()
        self.table.setFocus()
