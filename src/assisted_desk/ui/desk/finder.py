"""The one search box the desk finds residents with, and the list of who it finds.

Searches as you type (after a short pause, on the thread pool, so typing never waits for the
database); Down moves from the box into the results, Up from the first result back to the box,
Enter or a double-click chooses a resident, Escape clears the box."""

from __future__ import annotations

import enum

import shiboken6

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHeaderView, QLabel, QLineEdit, QTableView, QVBoxLayout, QWidget

from ...core.clock import as_utc, local_text
from ...core.errors import DeskError
from ...core.security import Actor
from ...desk.search import ResidentMatch, SearchResult
from ...services import Services
from ..admin.common import SORT_ROLE, fit_columns, record_table, sortable_proxy
from ..workers import run_in_background

# Long enough that a quick typist's letters become one search, short enough to feel immediate.
DEBOUNCE_MS = 150


class ResultColumn(enum.IntEnum):
    NAME = 0
    BORN = 1
    POSTCODE = 2
    LAST_CONTACT = 3
    MATCHED_ON = 4


class ResidentResultsModel(QAbstractTableModel):
    """The residents a search found, in the order the search ranked them."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._matches: list[ResidentMatch] = []
        self._headers = {
            ResultColumn.NAME: self.tr("Name"),
            ResultColumn.BORN: self.tr("Born"),
            ResultColumn.POSTCODE: self.tr("Postcode"),
            ResultColumn.LAST_CONTACT: self.tr("Last contact"),
            ResultColumn.MATCHED_ON: self.tr("Matched on"),
        }

    def set_matches(self, matches: tuple[ResidentMatch, ...] | list[ResidentMatch]) -> None:
        self.beginResetModel()
        self._matches = list(matches)
        self.endResetModel()

    def result_at(self, row: int) -> ResidentMatch:
        return self._matches[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._matches)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(ResultColumn)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(ResultColumn):
            return self._headers[ResultColumn(section)]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._matches) \
                or not 0 <= index.column() < len(ResultColumn):
            return None
        match = self._matches[index.row()]
        column = ResultColumn(index.column())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._text(match, column)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{self._headers[column]}: {self._text(match, column) or self.tr('not recorded')}"
        if role == SORT_ROLE:
            if column == ResultColumn.BORN:
                return match.year_of_birth or 0
            if column == ResultColumn.LAST_CONTACT:
                return as_utc(match.last_contact_at).isoformat() if match.last_contact_at else ""
            return self._text(match, column).casefold()
        return None

    def _text(self, match: ResidentMatch, column: ResultColumn) -> str:
        if column == ResultColumn.NAME:
            return match.name
        if column == ResultColumn.BORN:
            return str(match.year_of_birth) if match.year_of_birth else ""
        if column == ResultColumn.POSTCODE:
            return match.postcode
        if column == ResultColumn.LAST_CONTACT:
            return local_text(match.last_contact_at) or self.tr("Never")
        return match.matched_on


class ResidentFinder(QWidget):
    """Search box + results. Emits `resident_chosen(resident_id)` on Enter or double-click."""

    resident_chosen = Signal(int)

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor
        self._asked = ""  # the text of the search running now, if one is
        self._shown_for: str | None = None  # the text whose results are on screen
        self._busy = False

        self.box = QLineEdit()
        self.box.setPlaceholderText(self.tr("Name, date of birth, postcode, phone, email, library card or reference"))
        self.box.setClearButtonEnabled(True)
        self.box.setAccessibleName(self.tr("Find a resident"))
        self.box.setAccessibleDescription(self.tr(
            "Type any part of a name, a date of birth, a postcode, a phone number, an email address, "
            "a library card number or a reference. Press Down to move to the results."))
        label = QLabel(self.tr("&Find a resident"))
        label.setBuddy(self.box)
        self.status = QLabel()
        self.status.setObjectName("finderStatus")
        self.status.setWordWrap(True)
        self.status.setAccessibleName(self.tr("Search status"))
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.model = ResidentResultsModel(self)
        self.proxy: QSortFilterProxyModel = sortable_proxy(self, self.model)
        self.table: QTableView = record_table(self.tr("Residents found"), self.proxy)
        # The search's own order (exact before near matches, most recently seen first) is the
        # useful one; a header click sorts by that column, and a third click restores it.
        header = self.table.horizontalHeader()
        header.setSortIndicatorClearable(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.proxy.sort(-1)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        fit_columns(self.table)  # empty, the headings alone set the widths: none clipped at large text
        self.table.activated.connect(self._choose)

        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(self._search_now)
        self.box.textChanged.connect(lambda _text: self.timer.start())
        self.box.returnPressed.connect(self._search_now)
        self.box.installEventFilter(self)
        self.table.installEventFilter(self)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(label)
        layout.addWidget(self.box)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        self.setFocusProxy(self.box)
        QWidget.setTabOrder(self.box, self.table)
        self._hint = self.tr("Type at least 2 letters of a name, or a date of birth, postcode, phone number, "
                             "email, library card or reference.")
        self._show_status(self._hint)

    # ---- what other panels call ---------------------------------------------------------------

    def set_query(self, text: str) -> None:
        """Put `text` in the box and search for it at once."""
        self.box.setText(text)
        self._search_now()

    def focus_search(self) -> None:
        self.box.setFocus(Qt.FocusReason.OtherFocusReason)
        self.box.selectAll()

    def refresh(self) -> None:
        """Search again for what is in the box (after a resident was registered or changed)."""
        self._shown_for = None
        self._search_now()

    def is_searching(self) -> bool:
        return self._busy or self.timer.isActive()

    # ---- searching ------------------------------------------------------------------------------

    def _search_now(self) -> None:
        self.timer.stop()
        if self._busy:
            return  # the running search starts the next one when it ends, with the newest text
        text = self.box.text()
        if text == self._shown_for:
            return
        if not text.strip():  # nothing to ask the database
            self._shown_for = text
            self.model.set_matches(())
            self._show_status(self._hint)
            return
        self._busy, self._asked = True, text
        services, actor = self.services, self.actor
        run_in_background(lambda: services.search.find(actor, text), self._found, self._failed)

    def _found(self, result: SearchResult) -> None:
        if not shiboken6.isValid(self.model):  # the finder was closed while the search ran
            return
        self._busy = False
        self._shown_for = self._asked
        self.model.set_matches(result.matches)
        if result.matches:
            fit_columns(self.table)
        self._show_status(self._describe(result))
        if self.box.text() != self._asked:
            self._search_now()

    def _failed(self, error: DeskError) -> None:
        if not shiboken6.isValid(self.model):
            return
        self._busy = False
        self._shown_for = None
        self.model.set_matches(())
        self._show_status(error.message)

    def _describe(self, result: SearchResult) -> str:
        if not result.matches:
            if not self._asked.strip() or result.understood_as.startswith(("type at least", "nothing to search")):
                return result.understood_as[:1].upper() + result.understood_as[1:] + "."
            return self.tr("No resident found for {0}.").format(result.understood_as)
        count = len(result.matches)
        if result.more:
            return self.tr("The first {0} residents for {1}; type more to narrow the list.").format(
                count, result.understood_as)
        if count == 1:
            return self.tr("1 resident for {0}. Press Down, then Enter to choose.").format(result.understood_as)
        return self.tr("{0} residents for {1}. Press Down, then Enter to choose.").format(count, result.understood_as)

    def _show_status(self, text: str) -> None:
        self.status.setText(text)
        self.status.setAccessibleDescription(text)

    # ---- choosing -------------------------------------------------------------------------------

    def _choose(self, index: QModelIndex) -> None:
        if index.isValid():
            self.resident_chosen.emit(self.model.result_at(self.proxy.mapToSource(index).row()).resident_id)

    def chosen_row_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.result_at(self.proxy.mapToSource(rows[0]).row()).resident_id if rows else None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            if watched is self.box:
                if key == Qt.Key.Key_Down and self.proxy.rowCount():
                    self.table.setFocus(Qt.FocusReason.OtherFocusReason)
                    self.table.selectRow(0)
                    self.table.setCurrentIndex(self.proxy.index(0, 0))
                    return True
                if key == Qt.Key.Key_Escape and self.box.text():
                    self.box.clear()
                    return True
            elif watched is self.table:
                if key == Qt.Key.Key_Up and self.table.currentIndex().row() <= 0:
                    self.focus_search()
                    return True
                if key == Qt.Key.Key_Escape:
                    self.focus_search()
                    return True
        return super().eventFilter(watched, event)
