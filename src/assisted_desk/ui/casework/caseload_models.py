"""What the caseload page shows of a CaseloadPage: its counts, as a strip of figures that filter
when clicked, and its rows, as a table sortable by every column (dates as dates, priority by
rank). A late case is coloured AND says so in words ("Overdue", "Due today"), so nothing rests on
colour alone; a restricted case says "Restricted"."""

from __future__ import annotations

import enum
from datetime import date, datetime

from PySide6.QtCore import (QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, QSortFilterProxyModel, Qt,
                            Signal)
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QHBoxLayout, QToolButton, QWidget

from ...casework.calendar import london_day
from ...casework.caseload import DueFilter
from ...casework.vocab import ESCALATION_LEVELS, CasePriority
from ..admin.common import SORT_ROLE

DISPLAY = Qt.ItemDataRole.DisplayRole
# The desk's own late colours (queue/callbacks_model.py): dark text on them keeps contrast above 7:1.
OVERDUE_BACKGROUND = QColor("#fbd5d5")
OVERDUE_TEXT = QColor("#6b0000")
DUE_TODAY_BACKGROUND = QColor("#fde2b8")
DUE_TODAY_TEXT = QColor("#4a2600")
NO_DATE = "9999-12-31"  # blanks sort after every real date
ESCALATED = "escalated"  # the Due choice (and count) kept by the table, not the query


class CaseloadColumn(enum.IntEnum):
    """Flags come early: at large text the last columns are off to the right, and what is late or
    restricted must never be."""

    REFERENCE = 0
    RESIDENT = 1
    FLAGS = 2
    TYPE = 3
    STATUS = 4
    PRIORITY = 5
    OWNER = 6
    FIRST_RESPONSE_DUE = 7
    RESOLUTION_DUE = 8
    NEXT_TASK = 9


COLUMNS = len(CaseloadColumn)
FLAGS_COLUMN = int(CaseloadColumn.FLAGS)
HORIZONTAL = Qt.Orientation.Horizontal
# Looked up once: data() is called tens of thousands of times when a long caseload is shown.
BACKGROUND, FOREGROUND, FONT = Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.FontRole
TOOLTIP, ACCESSIBLE_TEXT = Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole


def short_date(day: date | None) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}" if day is not None else ""  # strftime is slow


def date_in_words(day: date | datetime) -> str:
    """Monday 30 November 2026 (a time is read as its London day)."""
    if isinstance(day, datetime):
        day = london_day(day)
    return f"{day:%A} {day.day} {day:%B %Y}"


def priority_of(row) -> CasePriority:
    return row.priority if isinstance(row.priority, CasePriority) else CasePriority(str(row.priority))


def is_open(row) -> bool:
    return row.closed_at is None


class CaseloadTableModel(QAbstractTableModel):
    """A caseload runs to thousands of rows: a row's texts are worked out once, when first shown,
    and sorting is one Python sort over one column's keys here (the proxy passes its sort on),
    not tens of thousands of data() calls from Qt's comparisons."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list = []
        self._texts: list = []  # per row, None until shown
        self._keys: dict[int, list] = {}  # per column sorted by, every row's key
        self._today: date | None = None
        self._sort: tuple[int, Qt.SortOrder] | None = None
        self._dates: dict[date, str] = {}
        tr = self.tr
        self._headers = [tr("Reference"), tr("Resident"), tr("Flags"), tr("Type"), tr("Status"), tr("Priority"),
                         tr("Owner"), tr("First response due"), tr("Resolution due"), tr("Next task")]
        self._brushes = {"overdue": (QBrush(OVERDUE_BACKGROUND), QBrush(OVERDUE_TEXT)),
                         "today": (QBrush(DUE_TODAY_BACKGROUND), QBrush(DUE_TODAY_TEXT))}
        self._bold = QFont()
        self._bold.setBold(True)

    # ---- the rows -------------------------------------------------------------------------------

    def set_rows(self, rows, today: date) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._texts = [None] * len(self._rows)
        self._keys = {}
        self._today = today
        if self._sort is not None:
            self._sorted(*self._sort)
        self.endResetModel()

    def case(self, row: int):
        return self._rows[row]

    def row_of(self, case_id: int) -> int | None:
        return next((n for n, record in enumerate(self._rows) if record.id == case_id), None)

    def _row_texts(self, row: int) -> tuple[str, ...]:
        texts = self._texts[row]
        if texts is None:
            record = self._rows[row]
            texts = self._texts[row] = tuple(self.text(record, column) for column in CaseloadColumn)
        return texts

    def _column_keys(self, column: int) -> list:
        keys = self._keys.get(column)
        if keys is None:
            which = CaseloadColumn(column)
            keys = self._keys[column] = [self.sort_key(record, which) for record in self._rows]
        return keys

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < COLUMNS:
            return
        self.layoutAboutToBeChanged.emit()
        before = self.persistentIndexList()
        ids = [self._rows[index.row()].id for index in before]
        self._sorted(column, order)
        where = {record.id: n for n, record in enumerate(self._rows)}
        self.changePersistentIndexList(before, [self.index(where[case_id], index.column())
                                                for case_id, index in zip(ids, before)])
        self.layoutChanged.emit()

    def _sorted(self, column: int, order: Qt.SortOrder) -> None:
        self._sort = (column, order)
        keys = self._column_keys(column)
        new_order = sorted(range(len(self._rows)), key=keys.__getitem__,
                           reverse=order == Qt.SortOrder.DescendingOrder)  # stable both ways
        self._rows = [self._rows[n] for n in new_order]
        self._texts = [self._texts[n] for n in new_order]
        self._keys = {c: [k[n] for n in new_order] for c, k in self._keys.items()}

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else COLUMNS

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY):
        if orientation == HORIZONTAL and role == DISPLAY and 0 <= section < COLUMNS:
            return self._headers[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = DISPLAY):
        row, column = index.row(), index.column()
        if not 0 <= row < len(self._rows) or not 0 <= column < COLUMNS or not index.isValid():
            return None
        if role == DISPLAY:
            return self._row_texts(row)[column]
        if role == BACKGROUND or role == FOREGROUND:
            late = self.lateness(self._rows[row])
            return self._brushes[late][role == FOREGROUND] if late else None
        if role == FONT:
            record = self._rows[row]
            return self._bold if column == FLAGS_COLUMN and (self.lateness(record) or record.restricted) else None
        if role == SORT_ROLE:
            return self._column_keys(column)[row]
        if role == TOOLTIP:
            return self.tooltip(self._rows[row], CaseloadColumn(column))
        if role == ACCESSIBLE_TEXT:
            return f"{self._headers[column]}: {self._row_texts(row)[column] or self.tr('none')}"
        return None

    # ---- what a cell says -----------------------------------------------------------------------

    @staticmethod
    def lateness(row) -> str:
        """"overdue", "today" or "" — the row's colour (its words are in the Flags column)."""
        if not is_open(row):
            return ""
        if row.resolution_overdue or row.first_response_overdue:
            return "overdue"
        return "today" if row.due_today else ""

    def flag_words(self, row) -> list[str]:
        tr = self.tr
        words = []
        if not is_open(row):
            words.append(tr("Closed"))
        elif row.resolution_overdue or row.first_response_overdue:
            words.append(tr("Overdue"))  # which date is late: its own cell says so in words
        elif row.due_today:
            words.append(tr("Due today"))
        if row.escalation_level:
            words.append(tr("Escalated"))  # to whom: the tooltip
        if row.restricted:
            words.append(tr("Restricted"))
        if row.reopen_count:
            words.append(tr("Reopened"))
        return words

    def text(self, row, column: CaseloadColumn) -> str:
        if column == CaseloadColumn.REFERENCE:
            return row.reference
        if column == CaseloadColumn.RESIDENT:
            return row.resident_name
        if column == CaseloadColumn.TYPE:
            return row.case_type_name
        if column == CaseloadColumn.STATUS:
            return row.status_label
        if column == CaseloadColumn.PRIORITY:
            return self.tr(priority_of(row).label)
        if column == CaseloadColumn.OWNER:
            return row.owner_name
        if column == CaseloadColumn.FIRST_RESPONSE_DUE:
            if row.first_response_at is not None:
                return self.tr("Answered {0}").format(short_date(london_day(row.first_response_at)))
            return self._due(row, row.first_response_due_on)
        if column == CaseloadColumn.RESOLUTION_DUE:
            return self._due(row, row.resolution_due_on)
        if column == CaseloadColumn.NEXT_TASK:
            return self._due(row, row.next_task_due_on)
        return " · ".join(self.flag_words(row))

    def _due(self, row, day: date | None) -> str:
        """"16/11/2026, overdue", "23/11/2026, today" or the date alone, for an open case."""
        if day is None:
            return ""
        if is_open(row) and self._today is not None:
            if day < self._today:
                return self.tr("{0}, overdue").format(short_date(day))
            if day == self._today:
                return self.tr("{0}, today").format(short_date(day))
        return short_date(day)

    def _when(self, day: date) -> str:
        """How far a day is from today, in words: "today", "in 3 days", "2 days ago"."""
        if self._today is None:
            return ""
        days = (day - self._today).days
        if days == 0:
            return self.tr("today")
        if days == 1:
            return self.tr("tomorrow")
        if days == -1:
            return self.tr("yesterday")
        if days > 0:
            return self.tr("in {0} days").format(days)
        return self.tr("{0} days ago").format(-days)

    def tooltip(self, row, column: CaseloadColumn) -> str:
        tr = self.tr
        if column == CaseloadColumn.FIRST_RESPONSE_DUE:
            due = tr("First response due {0} ({1})").format(date_in_words(row.first_response_due_on),
                                                           self._when(row.first_response_due_on))
            if row.first_response_at is not None:
                return tr("{0}. Answered {1}.").format(due, date_in_words(row.first_response_at))
            return due + (tr(": overdue.") if row.first_response_overdue else ".")
        if column == CaseloadColumn.RESOLUTION_DUE:
            due = tr("Resolution due {0} ({1})").format(date_in_words(row.resolution_due_on),
                                                       self._when(row.resolution_due_on))
            if row.closed_at is not None:
                return tr("{0}. Closed {1}.").format(due, date_in_words(row.closed_at))
            return due + (tr(": overdue.") if row.resolution_overdue else ".")
        if column == CaseloadColumn.NEXT_TASK:
            if row.next_task_due_on is None:
                return tr("No open task.")
            return tr("The next task is due {0} ({1}).").format(date_in_words(row.next_task_due_on),
                                                               self._when(row.next_task_due_on))
        if column == CaseloadColumn.FLAGS and self.flag_words(row):
            lines = [self.text(row, column)]
            if row.escalation_level:
                level = ESCALATION_LEVELS.get(row.escalation_level, str(row.escalation_level))
                lines.append(tr("Escalated to level {0}: {1}.").format(row.escalation_level, tr(level).lower()))
            if row.restricted:
                lines.append(tr("Restricted: only its owner, its team and service managers may open it."))
            return "\n".join(lines)
        return tr("{0}, {1}: {2}, {3}. Opened {4}; last activity {5}.").format(
            row.reference, row.resident_name, row.case_type_name, row.status_label.lower(),
            date_in_words(row.opened_at), date_in_words(row.last_activity_at))

    def sort_key(self, row, column: CaseloadColumn):
        if column == CaseloadColumn.PRIORITY:
            return priority_of(row).rank
        if column == CaseloadColumn.FIRST_RESPONSE_DUE:
            if row.first_response_at is not None:  # answered: after every one still waiting
                return f"{NO_DATE}|{london_day(row.first_response_at).isoformat()}"
            return row.first_response_due_on.isoformat()
        if column == CaseloadColumn.RESOLUTION_DUE:
            return row.resolution_due_on.isoformat()
        if column == CaseloadColumn.NEXT_TASK:
            return row.next_task_due_on.isoformat() if row.next_task_due_on else NO_DATE
        return self.text(row, column).casefold()


class CaseloadProxy(QSortFilterProxyModel):
    """Passes sorting on to the model (fast over thousands of rows) and keeps its order. The
    database does the filtering; the one filter kept here is "escalated only" (the Escalated
    count), which the caseload query has no field for."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.escalated_only = False
        self.setSortRole(SORT_ROLE)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        source = self.sourceModel()
        if source is not None:
            source.sort(column, order)

    def set_escalated_only(self, value: bool) -> None:
        if value != self.escalated_only:
            self.beginFilterChange()
            self.escalated_only = value
            self.endFilterChange()

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        if not self.escalated_only:
            return True
        model = self.sourceModel()
        return source_row < model.rowCount() and model.case(source_row).escalation_level > 0


# The counts strip: (key, label, the Due choice a click applies, colour).
COUNTS = (
    ("open", "Open", DueFilter.ANY.value, ""),
    ("due_today", "Due today", DueFilter.TODAY.value, "today"),
    ("due_this_week", "Due this week", DueFilter.THIS_WEEK.value, ""),
    ("overdue_first_response", "Overdue first response", DueFilter.OVERDUE_FIRST_RESPONSE.value, "overdue"),
    ("overdue_resolution", "Overdue resolution", DueFilter.OVERDUE_RESOLUTION.value, "overdue"),
    ("escalated", "Escalated", ESCALATED, ""),
)
COUNT_STYLE = """
QToolButton#caseCount { border: 1px solid #b8c2cc; border-radius: 4px; padding: 4px 10px; background: #f6f8fa;
    color: #1a1a1a; }
QToolButton#caseCount[kind="overdue"] { color: #6b0000; background: #fbd5d5; border-color: #c98080; }
QToolButton#caseCount[kind="today"] { color: #4a2600; background: #fde2b8; border-color: #d0a060; }
QToolButton#caseCount:checked { border: 3px solid #1f3a5f; font-weight: 600; }
QToolButton#caseCount:focus { border: 3px solid #ffbf47; }
"""


class CountsStrip(QWidget):
    """Six labelled figures; `chosen(due)` when one is clicked (a DueFilter value or "escalated")."""

    chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Case counts"))
        self.setStyleSheet(COUNT_STYLE)
        self.buttons: dict[str, QToolButton] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for key, label, due, kind in COUNTS:
            count = QToolButton()
            count.setObjectName("caseCount")
            count.setAutoRaise(True)
            count.setCheckable(True)
            count.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            count.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            count.setProperty("label", self.tr(label))
            count.setProperty("kind", "")
            count.setProperty("alert", kind)
            count.clicked.connect(lambda _checked=False, due=due: self.chosen.emit(due))
            self.buttons[key] = count
            layout.addWidget(count)
        layout.addStretch(1)
        self.set_counts(None)

    def set_counts(self, counts) -> None:
        for key, _label, _due, _kind in COUNTS:
            count = self.buttons[key]
            figure = getattr(counts, key) if counts is not None else None
            label = count.property("label")
            count.setText(f"{figure if figure is not None else '…'}\n{label}")
            count.setAccessibleName(self.tr("{0}: {1}").format(label, figure if figure is not None else
                                                                 self.tr("not counted yet")))
            count.setToolTip(self.tr("Show only these cases"))
            count.setAccessibleDescription(self.tr("Press to show only these cases"))
            kind = count.property("alert") if figure else ""  # a zero is not an alarm
            if count.property("kind") != kind:
                count.setProperty("kind", kind)
                count.style().unpolish(count)
                count.style().polish(count)

    def show_choice(self, due: str) -> None:
        for key, _label, choice, _kind in COUNTS:
            self.buttons[key].setChecked(choice == due)
