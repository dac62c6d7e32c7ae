"""The Audit log tab: who did what to which record, when and where, newest first, a page at a time."""

from __future__ import annotations

import enum
from datetime import date, datetime, time, timedelta, timezone

from PySide6.QtCore import QAbstractTableModel, QDate, QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ...core.audit import AuditEntry, AuditFilter
from ...core.clock import LONDON, as_utc, local_text
from ...core.errors import DeskError
from ...core.security import Actor, Role
from ...services import Services
from ..forms import button
from ..messages import FormMessage, show_problem
from .common import SORT_ROLE, fit_columns, record_table, sortable_proxy

PAGE_SIZE = 200
# The earliest date a filter offers; choosing it means "no limit" and shows as "Any".
NO_LIMIT = QDate(2000, 1, 1)


class AuditColumn(enum.IntEnum):
    WHEN = 0
    WHO = 1
    ROLE = 2
    SITE = 3
    ACTION = 4
    RECORD = 5
    DETAILS = 6


def role_text(value: str) -> str:
    try:
        return Role(value).label
    except ValueError:
        return value  # sign-in attempts by nobody in particular have no role


def london_day_bounds(first: date | None, last: date | None) -> tuple[datetime | None, datetime | None]:
    """Whole local days in London as UTC bounds: from midnight on `first` up to (not including)
    midnight after `last`, whatever the clocks did in between."""
    since = datetime.combine(first, time(0), LONDON).astimezone(timezone.utc) if first else None
    until = (datetime.combine(last + timedelta(days=1), time(0), LONDON).astimezone(timezone.utc)
             if last else None)
    return since, until


class AuditTableModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._entries: list[AuditEntry] = []
        self._site_names: dict[int, str] = {}
        self._headers = {
            AuditColumn.WHEN: self.tr("When"),
            AuditColumn.WHO: self.tr("Who"),
            AuditColumn.ROLE: self.tr("Role"),
            AuditColumn.SITE: self.tr("Site"),
            AuditColumn.ACTION: self.tr("Action"),
            AuditColumn.RECORD: self.tr("Record"),
            AuditColumn.DETAILS: self.tr("Details"),
        }

    def set_entries(self, entries, site_names: dict[int, str]) -> None:
        self.beginResetModel()
        self._entries = list(entries)
        self._site_names = dict(site_names)
        self.endResetModel()

    def entry(self, row: int) -> AuditEntry:
        return self._entries[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(AuditColumn)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(AuditColumn):
            return self._headers[AuditColumn(section)]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._entries) \
                or not 0 <= index.column() < len(AuditColumn):
            return None
        entry = self._entries[index.row()]
        column = AuditColumn(index.column())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._text(entry, column)
        if role == SORT_ROLE:
            if column == AuditColumn.WHEN:
                # Same instant: the later event has the higher id.
                return f"{as_utc(entry.occurred_at).isoformat()} {entry.id:012d}"
            return self._text(entry, column).casefold()
        return None

    def _text(self, entry: AuditEntry, column: AuditColumn) -> str:
        if column == AuditColumn.WHEN:
            return local_text(entry.occurred_at)
        if column == AuditColumn.WHO:
            return entry.actor
        if column == AuditColumn.ROLE:
            return role_text(entry.role)
        if column == AuditColumn.SITE:
            return self._site_names.get(entry.site_id, "") if entry.site_id is not None else ""
        if column == AuditColumn.ACTION:
            return entry.action
        if column == AuditColumn.RECORD:
            return self.tr("{0} #{1}").format(entry.record_type, entry.record_id) if entry.record_id \
                else entry.record_type
        return entry.summary


class _EnterSearches(QObject):
    """Enter in any filter box runs the search."""

    def __init__(self, search, parent: QObject) -> None:
        super().__init__(parent)
        self._search = search

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._search()
            return True
        return False


class AuditTab(QWidget):
    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.offset = 0
        self.total = 0
        self._filters = AuditFilter()

        self.since = self._date_edit(self.tr("From date (empty means any)"))
        self.until = self._date_edit(self.tr("To date (empty means any)"))
        self.who = QLineEdit()
        self.who.setPlaceholderText(self.tr("part of a user name"))
        self.who.setAccessibleName(self.tr("Who"))
        self.who.setClearButtonEnabled(True)
        self.action = QComboBox()
        self.action.setEditable(True)
        self.action.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.action.setAccessibleName(self.tr("Action"))
        self.action.lineEdit().setPlaceholderText(self.tr("any"))
        self.action.setToolTip(self.tr("Choose an action, or type the start of one (such as staff.) to see "
                                       "every action of that kind."))
        self.action.lineEdit().setAccessibleName(self.tr("Action"))
        self.record_type = QComboBox()
        self.record_type.setAccessibleName(self.tr("Record type"))
        for label, value in ((self.tr("Any"), ""), (self.tr("Staff member"), "staff"), (self.tr("Site"), "site"),
                             (self.tr("Setting"), "setting")):
            self.record_type.addItem(label, value)
        self.record_id = QLineEdit()
        self.record_id.setAccessibleName(self.tr("Record id"))
        self.record_id.setPlaceholderText(self.tr("for example: 12"))
        self.record_id.setClearButtonEnabled(True)
        self.search_button = button(self.tr("S&earch"), self.tr("Search the audit log"), default=False)
        self.clear_button = button(self.tr("C&lear filters"), self.tr("Clear the filters"))
        self.search_button.clicked.connect(self.search)
        self.clear_button.clicked.connect(self.clear_filters)

        enter = _EnterSearches(self.search, self)
        for widget in (self.since, self.until, self.who, self.action, self.action.lineEdit(), self.record_type,
                       self.record_id):
            widget.installEventFilter(enter)

        grid = QGridLayout()
        rows = (
            (self.tr("&From"), self.since, self.tr("&To"), self.until),
            (self.tr("&Who"), self.who, self.tr("A&ction"), self.action),
            (self.tr("&Record type"), self.record_type, self.tr("Rec&ord id"), self.record_id),
        )
        for row, (left_text, left, right_text, right) in enumerate(rows):
            for column, (text, widget) in enumerate(((left_text, left), (right_text, right))):
                label = QLabel(text)
                label.setBuddy(widget)
                grid.addWidget(label, row, column * 2)
                grid.addWidget(widget, row, column * 2 + 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        filter_buttons = QVBoxLayout()
        filter_buttons.addWidget(self.search_button)
        filter_buttons.addWidget(self.clear_button)
        filter_buttons.addStretch(1)
        filters = QHBoxLayout()
        filters.addLayout(grid, 1)
        filters.addLayout(filter_buttons)

        self.message = FormMessage(self)
        self.model = AuditTableModel(self)
        self.proxy = sortable_proxy(self, self.model)
        self.table = record_table(self.tr("Audit events"), self.proxy, AuditColumn.WHEN,
                                  Qt.SortOrder.DescendingOrder)
        self.showing = QLabel()
        self.showing.setAccessibleName(self.tr("Events shown"))
        self.previous_button = button(self.tr("&Previous"), self.tr("Previous page of events"))
        self.next_button = button(self.tr("&Next"), self.tr("Next page of events"))
        self.previous_button.clicked.connect(self.previous_page)
        self.next_button.clicked.connect(self.next_page)
        paging = QHBoxLayout()
        paging.addWidget(self.showing, 1)
        paging.addWidget(self.previous_button)
        paging.addWidget(self.next_button)

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        layout.addLayout(paging)
        order = (self.since, self.until, self.who, self.action, self.record_type, self.record_id,
                 self.search_button, self.clear_button, self.table, self.previous_button, self.next_button)
        for first, second in zip(order, order[1:]):
            QWidget.setTabOrder(first, second)
        self._show_paging()

    def _date_edit(self, accessible_name: str) -> QDateEdit:
        edit = QDateEdit()
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("dd/MM/yyyy")
        edit.setMinimumDate(NO_LIMIT)
        edit.setSpecialValueText(self.tr("Any"))
        edit.setDate(NO_LIMIT)
        edit.setAccessibleName(accessible_name)
        # The calendar opens on this month, not on the "Any" placeholder date in 2000.
        today = self._today()
        edit.calendarWidget().setCurrentPage(today.year(), today.month())
        edit.dateChanged.connect(lambda _d: self._calendar_follows(edit))
        return edit

    def _calendar_follows(self, edit: QDateEdit) -> None:
        shown = edit.date() if edit.date() != NO_LIMIT else self._today()
        edit.calendarWidget().setCurrentPage(shown.year(), shown.month())

    def _today(self) -> QDate:
        today = self.services.clock.now().astimezone(LONDON).date()
        return QDate(today.year, today.month, today.day)

    # ---- searching ------------------------------------------------------------------------

    def refresh(self) -> None:
        """Offer the actions seen so far, and run the search again on the same page."""
        typed = self.action.currentText()
        try:
            actions = self.services.audit.actions(self.actor)
        except DeskError as error:
            show_problem(self, error)
            return
        self.action.blockSignals(True)
        self.action.clear()
        self.action.addItem("")
        self.action.addItems(actions)
        self.action.setCurrentText(typed)
        self.action.blockSignals(False)
        self._load()

    def filters_from_form(self) -> AuditFilter | None:
        first = None if self.since.date() == NO_LIMIT else self.since.date().toPython()
        last = None if self.until.date() == NO_LIMIT else self.until.date().toPython()
        if first and last and first > last:
            self.message.show_error(self.tr("The From date is after the To date. Choose a From date on or before "
                                            "the To date."))
            self.since.setFocus()
            return None
        since, until = london_day_bounds(first, last)
        return AuditFilter(since=since, until=until, actor=self.who.text(), action=self.action.currentText(),
                           record_type=self.record_type.currentData() or "", record_id=self.record_id.text())

    def search(self) -> None:
        """Run the filters from the first page."""
        filters = self.filters_from_form()
        if filters is None:
            return
        self.message.clear_message()
        self._filters = filters
        self.offset = 0
        self._load()

    def clear_filters(self) -> None:
        self.since.setDate(NO_LIMIT)
        self.until.setDate(NO_LIMIT)
        self.who.clear()
        self.action.setCurrentText("")
        self.record_type.setCurrentIndex(0)
        self.record_id.clear()
        self.search()

    def next_page(self) -> None:
        if self.offset + PAGE_SIZE < self.total:
            self.offset += PAGE_SIZE
            self._load()

    def previous_page(self) -> None:
        if self.offset > 0:
            self.offset = max(0, self.offset - PAGE_SIZE)
            self._load()

    def _load(self) -> None:
        # One indexed query for at most one page: quick enough for the GUI thread.
        try:
            page = self.services.audit.browse(self.actor, self._filters, limit=PAGE_SIZE, offset=self.offset)
            sites = {site.id: site.name for site in self.services.staff.list_sites()}
        except DeskError as error:
            show_problem(self, error)
            return
        if not page.entries and self.offset and page.total:
            # The page we were on no longer exists: go back to the first one.
            self.offset = 0
            self._load()
            return
        self.total = page.total
        self.model.set_entries(page.entries, sites)
        fit_columns(self.table)
        self._show_paging()

    def _show_paging(self) -> None:
        shown = self.model.rowCount()
        if not self.total:
            self.showing.setText(self.tr("No events match these filters."))
        else:
            self.showing.setText(self.tr("Showing {0}–{1} of {2}").format(
                self.offset + 1, self.offset + shown, self.total))
        self.previous_button.setEnabled(self.offset > 0)
        self.next_button.setEnabled(self.offset + shown < self.total)
