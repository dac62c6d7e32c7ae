"""The three lists inside the case type dialog, as table models: the statuses in order, the
grid of allowed moves between them, and the expected activities.

Statuses carry a key that never changes while the dialog is open, so renaming a status code or
moving it up keeps the moves ticked for it."""

from __future__ import annotations

import enum
import itertools
import re
import textwrap
import unicodedata
from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import QComboBox, QStyledItemDelegate, QWidget

from ...casework.case_types import EXPECTABLE, CaseStatus, ExpectedActivity
from ...casework.vocab import ActivityKind

_keys = itertools.count(1)
# Letters Unicode does not decompose into a plain letter and an accent.
_LATIN = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "đ": "d", "Đ": "D", "æ": "ae",
                        "Æ": "AE", "œ": "oe", "Œ": "OE", "ı": "i", "þ": "th", "ð": "d"})


def code_from(text: str) -> str:
    """A code made from a name or label: "Waiting on the résident" -> "waiting_on_the_resident"."""
    plain = unicodedata.normalize("NFKD", text.translate(_LATIN)).encode("ascii", "ignore").decode("ascii").lower()
    code = re.sub(r"[^a-z0-9]+", "_", plain).strip("_")[:40]
    if code and not code[0].isalpha():
        code = f"s_{code}"[:40]
    return code


@dataclass
class _Status:
    key: int
    code: str
    label: str


class StatusColumn(enum.IntEnum):
    CODE = 0
    LABEL = 1


class StatusListModel(QAbstractTableModel):
    """The type's statuses in order, editable in place; the first is where a case starts."""

    changed = Signal()  # any status added, removed, moved or renamed: the move grid follows

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[_Status] = []
        self._headers = {StatusColumn.CODE: self.tr("Code"), StatusColumn.LABEL: self.tr("Label")}

    def set_statuses(self, statuses) -> None:
        self.beginResetModel()
        self.rows = [_Status(next(_keys), s.code, s.label) for s in statuses]
        self.endResetModel()
        self.changed.emit()

    def append(self, code: str, label: str) -> int:
        row = len(self.rows)
        self.beginInsertRows(QModelIndex(), row, row)
        self.rows.append(_Status(next(_keys), code, label))
        self.endInsertRows()
        self.changed.emit()
        return row

    def remove(self, row: int) -> None:
        self.beginRemoveRows(QModelIndex(), row, row)
        del self.rows[row]
        self.endRemoveRows()
        self.changed.emit()

    def move(self, row: int, step: int) -> bool:
        target = row + step
        if not (0 <= row < len(self.rows) and 0 <= target < len(self.rows)):
            return False
        # beginMoveRows counts the destination before the move: moving down skips one more.
        self.beginMoveRows(QModelIndex(), row, row, QModelIndex(), target + 1 if step > 0 else target)
        self.rows.insert(target, self.rows.pop(row))
        self.endMoveRows()
        self.changed.emit()
        return True

    def statuses(self) -> tuple[CaseStatus, ...]:
        return tuple(CaseStatus(s.code.strip().lower(), s.label) for s in self.rows)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(StatusColumn)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(StatusColumn):
            return self._headers[StatusColumn(section)]
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(self.rows):
            return self.tr("Starts here") if section == 0 else str(section + 1)
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.rows) \
                or not 0 <= index.column() < len(StatusColumn):
            return None
        status = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole, Qt.ItemDataRole.ToolTipRole):
            return status.code if index.column() == StatusColumn.CODE else status.label
        return None

    def setData(self, index: QModelIndex | QPersistentModelIndex, value, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or not 0 <= index.row() < len(self.rows):
            return False
        status = self.rows[index.row()]
        if index.column() == StatusColumn.CODE:
            status.code = str(value).strip().lower()
        else:
            status.label = str(value).strip()
        self.dataChanged.emit(index, index)
        self.changed.emit()
        return True


class MoveGridModel(QAbstractTableModel):
    """Which moves are allowed: a tick where a case may go from the row's status to the column's."""

    def __init__(self, statuses: StatusListModel, parent=None) -> None:
        super().__init__(parent)
        self.statuses = statuses
        self.moves: set[tuple[int, int]] = set()  # (from key, to key)
        self._keys: list[int] = []
        statuses.changed.connect(self._follow)
        self._follow()

    def _follow(self) -> None:
        self.beginResetModel()
        self._keys = [s.key for s in self.statuses.rows]
        self.moves = {(a, b) for a, b in self.moves if a in self._keys and b in self._keys}
        self.endResetModel()

    def set_transitions(self, transitions) -> None:
        key_of = {s.code: s.key for s in self.statuses.rows}
        self.beginResetModel()
        self.moves = {(key_of[a], key_of[b]) for a, targets in transitions.items() for b in targets
                      if a in key_of and b in key_of}
        self.endResetModel()

    def transitions(self) -> dict[str, tuple[str, ...]]:
        codes = {s.key: s.code.strip().lower() for s in self.statuses.rows}
        order = [s.key for s in self.statuses.rows]
        result = {}
        for source in order:
            targets = tuple(codes[t] for t in order if (source, t) in self.moves)
            if targets:
                result[codes[source]] = targets
        return result

    def _label(self, section: int) -> str:
        status = self.statuses.rows[section]
        return status.label or status.code or self.tr("(unnamed)")

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._keys)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._keys)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole) and 0 <= section < len(self._keys):
            label = self._label(section)
            if role == Qt.ItemDataRole.ToolTipRole:
                return self.tr("To {0}").format(label) if orientation == Qt.Orientation.Horizontal \
                    else self.tr("From {0}").format(label)
            if orientation == Qt.Orientation.Horizontal:  # narrow columns: long labels take two lines
                return "\n".join(textwrap.wrap(label, 14)) or label
            return label
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if index.row() == index.column():
            return Qt.ItemFlag.NoItemFlags  # a status does not move to itself
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._keys) \
                or not 0 <= index.column() < len(self._keys):
            return None
        if index.row() == index.column():
            if role == Qt.ItemDataRole.DisplayRole:
                return "\u2014"
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return Qt.AlignmentFlag.AlignCenter
            return None
        if role == Qt.ItemDataRole.CheckStateRole:
            allowed = (self._keys[index.row()], self._keys[index.column()]) in self.moves
            return Qt.CheckState.Checked if allowed else Qt.CheckState.Unchecked
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.tr("From {0} to {1}").format(self._label(index.row()), self._label(index.column()))
        return None

    def setData(self, index: QModelIndex | QPersistentModelIndex, value,
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.CheckStateRole or not (self.flags(index) & Qt.ItemFlag.ItemIsUserCheckable):
            return False
        move = (self._keys[index.row()], self._keys[index.column()])
        checked = value == Qt.CheckState.Checked or value == Qt.CheckState.Checked.value
        if checked:
            self.moves.add(move)
        else:
            self.moves.discard(move)
        self.dataChanged.emit(index, index, [role])
        return True

    def allow(self, from_row: int, to_row: int, allowed: bool = True) -> None:
        state = Qt.CheckState.Checked if allowed else Qt.CheckState.Unchecked
        self.setData(self.index(from_row, to_row), state, Qt.ItemDataRole.CheckStateRole)


class ExpectedColumn(enum.IntEnum):
    KIND = 0
    LABEL = 1
    WITHIN = 2


class ExpectedListModel(QAbstractTableModel):
    """The activities expected on a case of this type, each within N working days of opening."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[list] = []  # [ActivityKind, label, days]
        self._headers = {ExpectedColumn.KIND: self.tr("Kind"), ExpectedColumn.LABEL: self.tr("Description"),
                         ExpectedColumn.WITHIN: self.tr("Within")}

    def set_activities(self, activities) -> None:
        self.beginResetModel()
        self.rows = [[a.kind, a.label, a.within_days] for a in activities]
        self.endResetModel()

    def append(self, kind: ActivityKind, label: str, days: int) -> int:
        row = len(self.rows)
        self.beginInsertRows(QModelIndex(), row, row)
        self.rows.append([kind, label, days])
        self.endInsertRows()
        return row

    def remove(self, row: int) -> None:
        self.beginRemoveRows(QModelIndex(), row, row)
        del self.rows[row]
        self.endRemoveRows()

    def activities(self) -> tuple[ExpectedActivity, ...]:
        return tuple(ExpectedActivity(kind, label, days) for kind, label, days in self.rows)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(ExpectedColumn)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(ExpectedColumn):
            return self._headers[ExpectedColumn(section)]
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.rows) \
                or not 0 <= index.column() < len(ExpectedColumn):
            return None
        kind, label, days = self.rows[index.row()]
        column = ExpectedColumn(index.column())
        if role == Qt.ItemDataRole.EditRole:
            return (kind.value, label, days)[column]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if column == ExpectedColumn.KIND:
                return kind.label
            if column == ExpectedColumn.LABEL:
                return label
            return self.tr("1 working day") if days == 1 else self.tr("{0} working days").format(days)
        return None

    def setData(self, index: QModelIndex | QPersistentModelIndex, value, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or not 0 <= index.row() < len(self.rows):
            return False
        column = ExpectedColumn(index.column())
        if column == ExpectedColumn.KIND:
            try:
                value = ActivityKind(value)
            except ValueError:
                return False
        elif column == ExpectedColumn.LABEL:
            value = str(value).strip()
        else:
            try:
                value = int(value)
            except (TypeError, ValueError):
                return False
        self.rows[index.row()][column] = value
        self.dataChanged.emit(index, index)
        return True


def kind_box(parent: QWidget | None = None) -> QComboBox:
    box = QComboBox(parent)
    for kind in EXPECTABLE:
        box.addItem(kind.label, kind.value)
    return box


class KindDelegate(QStyledItemDelegate):
    """Edits an expected activity's kind with a list of the kinds allowed."""

    def createEditor(self, parent, option, index):
        box = kind_box(parent)
        box.setAccessibleName(self.tr("Kind of activity"))
        return box

    def setEditorData(self, editor, index) -> None:
        editor.setCurrentIndex(max(0, editor.findData(index.data(Qt.ItemDataRole.EditRole))))

    def setModelData(self, editor, model, index) -> None:
        model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)
