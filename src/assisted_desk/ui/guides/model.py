"""Table model of guides found: one row per guide, in the order the search ranked them."""

from __future__ import annotations

import enum

from PySide6.QtCore import QAbstractTableModel, QLocale, QModelIndex, QObject, QPersistentModelIndex, Qt

from ...printing.guides import Guide

DISPLAY = Qt.ItemDataRole.DisplayRole


def language_name(code: str) -> str:
    """"pl" → "Polish" in English words, so staff see the same name on every desk."""
    locale = QLocale(code)
    if len(code) != 2 or locale.language() in (QLocale.Language.C, QLocale.Language.AnyLanguage):
        return code
    return QLocale.languageToString(locale.language())


class GuideColumn(enum.IntEnum):
    TITLE = 0
    LANGUAGES = 1
    FOR_WHOM = 2  # last: it stretches, and the selected guide's is shown in full under the list


class GuideListModel(QAbstractTableModel):
    """Guides with the languages each is available in; read-only."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[Guide, tuple[str, ...]]] = []
        self._headers = [self.tr("Guide"), self.tr("Languages"), self.tr("Who it is for")]

    def set_guides(self, rows) -> None:
        """`rows`: (guide, its language codes) pairs, best match first."""
        self.beginResetModel()
        self._rows = [(guide, tuple(languages)) for guide, languages in rows]
        self.endResetModel()

    def guide(self, row: int) -> Guide:
        return self._rows[row][0]

    def languages(self, row: int) -> tuple[str, ...]:
        return self._rows[row][1]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(GuideColumn)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY):
        if orientation == Qt.Orientation.Horizontal and role == DISPLAY and 0 <= section < len(self._headers):
            return self._headers[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = DISPLAY):
        if not index.isValid() or not 0 <= index.row() < len(self._rows) \
                or not 0 <= index.column() < len(GuideColumn):
            return None
        guide, languages = self._rows[index.row()]
        column = GuideColumn(index.column())
        if column == GuideColumn.TITLE:
            text = guide.title
        elif column == GuideColumn.FOR_WHOM:
            text = guide.for_whom
        else:
            text = ", ".join(language_name(code) for code in languages)
        if role in (DISPLAY, Qt.ItemDataRole.ToolTipRole):
            return text
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{self._headers[column]}: {text}"
        return None
