"""A status bar line that wraps: its labels go left to right at their full width and start a
second line when the window is too narrow, rather than cutting text off at large text sizes."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLayout, QLayoutItem, QSizePolicy, QWidget


class _FlowLayout(QLayout):
    """Widgets left to right at their full width, starting a new line when the next one does not
    fit: a status bar that wraps rather than cutting text off (large text, small windows)."""

    def __init__(self, gap: int = 0) -> None:
        super().__init__()
        self._items: list[QLayoutItem] = []
        self.gap = gap
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:  # noqa: N802 (Qt's name)
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # noqa: N802
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # noqa: N802
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:  # noqa: N802
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        return self._arrange(QRect(0, 0, width, 0), place=False)

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802
        super().setGeometry(rect)
        needed = self._arrange(rect, place=True)
        holder = self.parentWidget()
        # The status bar does not ask its widgets for a height for their width, so the holder
        # says how tall it must be (after a resize, or when a label's text or font changed).
        if holder is not None and holder.minimumHeight() != needed:
            holder.setMinimumHeight(needed)

    def sizeHint(self) -> QSize:  # noqa: N802 - everything on one line
        shown = self._shown()
        width = sum(item.sizeHint().width() for item in shown) + self.gap * max(0, len(shown) - 1)
        return QSize(width, max((item.sizeHint().height() for item in shown), default=0))

    def minimumSize(self) -> QSize:  # noqa: N802 - the widest one alone on its line
        size = QSize()
        for item in self._shown():
            size = size.expandedTo(item.sizeHint())
        return size

    def _shown(self) -> list[QLayoutItem]:
        return [item for item in self._items if not (item.widget() and item.widget().isHidden())]

    def _arrange(self, rect: QRect, *, place: bool) -> int:
        x, y, line_height = rect.x(), rect.y(), 0
        for item in self._shown():
            hint = item.sizeHint()
            if x > rect.x() and x + hint.width() > rect.x() + rect.width():
                x, y, line_height = rect.x(), y + line_height, 0
            if place:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self.gap
            line_height = max(line_height, hint.height())
        return y + line_height - rect.y()


class StatusLine(QWidget):
    """The status bar's labels, wrapped onto a second line when one is not wide enough."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.flow = _FlowLayout()
        self.setLayout(self.flow)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

    def add(self, widget: QWidget) -> None:
        self.flow.addWidget(widget)
