"""The two steps after the statements: what gets in the resident's way (barriers) and what they
want to be able to do (goals). Each says when it has changed; the flow saves it after a short
pause in typing and whenever the step is left, so a crash keeps what was ticked and typed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ...inclusion.skills_vocab import MAX_DETAIL, MAX_OWN_WORDS, Barrier, Goal
from ..desk.scaled_label import ScaledLabel


def _heading(text: str) -> QLabel:
    label = ScaledLabel(1.4)
    label.setText(text)
    label.setWordWrap(True)
    return label


class BarriersStep(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        tr = self.tr
        layout = QVBoxLayout(self)
        layout.addWidget(_heading(tr("What makes going online hard?")))
        intro = QLabel(tr("Tick each one that gets in the way (Space ticks), and add a few words if it helps."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        self.boxes: dict[Barrier, QCheckBox] = {}
        self.details: dict[Barrier, QLineEdit] = {}
        previous: QWidget | None = None
        for row, barrier in enumerate(Barrier):
            box = QCheckBox(tr(barrier.label))
            box.setAccessibleName(tr(barrier.label))
            detail = QLineEdit()
            detail.setMaxLength(MAX_DETAIL)
            detail.setPlaceholderText(tr("Detail (optional)"))
            detail.setAccessibleName(tr("Detail: {0}").format(tr(barrier.label)))
            detail.setEnabled(False)
            box.toggled.connect(lambda on, edit=detail: self._ticked(edit, on))
            detail.textEdited.connect(lambda _text: self.changed.emit())
            grid.addWidget(box, row, 0)
            grid.addWidget(detail, row, 1)
            self.boxes[barrier], self.details[barrier] = box, detail
        layout.addLayout(grid)
        for barrier in Barrier:
            for widget in (self.boxes[barrier], self.details[barrier]):
                if previous is not None:
                    QWidget.setTabOrder(previous, widget)
                previous = widget
        layout.addStretch(1)
        self.setFocusProxy(self.boxes[Barrier.NO_DEVICE])

    def _ticked(self, edit: QLineEdit, on: bool) -> None:
        edit.setEnabled(on)
        self.changed.emit()

    def load(self, barriers: Mapping[Barrier, str]) -> None:
        self.blockSignals(True)
        for barrier, box in self.boxes.items():
            box.setChecked(barrier in barriers)
            self.details[barrier].setText(barriers.get(barrier, ""))
        self.blockSignals(False)

    def chosen(self) -> dict[Barrier, str]:
        return {barrier: self.details[barrier].text().strip() for barrier, box in self.boxes.items()
                if box.isChecked()}

    def first_field(self) -> QWidget:
        return self.boxes[Barrier.NO_DEVICE]


class GoalsStep(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        tr = self.tr
        layout = QVBoxLayout(self)
        layout.addWidget(_heading(tr("What would they like to be able to do?")))
        self.boxes: dict[Goal, QCheckBox] = {}
        grid = QGridLayout()
        goals = list(Goal)
        half = (len(goals) + 1) // 2
        for n, goal in enumerate(goals):
            box = QCheckBox(tr(goal.label))
            box.setAccessibleName(tr(goal.label))
            box.toggled.connect(lambda _on: self.changed.emit())
            grid.addWidget(box, n % half, n // half)
            self.boxes[goal] = box
        layout.addLayout(grid)
        label = QLabel(tr("In their o&wn words"))
        self.own_words = QPlainTextEdit()
        self.own_words.setAccessibleName(tr("Goals in their own words"))
        self.own_words.setTabChangesFocus(True)
        self.own_words.setMinimumHeight(90)
        label.setBuddy(self.own_words)
        self.count = QLabel()
        self.count.setAccessibleName(tr("Characters used"))
        self.own_words.textChanged.connect(self._typed)
        layout.addWidget(label)
        layout.addWidget(self.own_words, 1)
        layout.addWidget(self.count, 0, Qt.AlignmentFlag.AlignRight)
        for before, after in zip(goals, goals[1:]):
            QWidget.setTabOrder(self.boxes[before], self.boxes[after])
        QWidget.setTabOrder(self.boxes[goals[-1]], self.own_words)
        self.setFocusProxy(self.boxes[goals[0]])
        self._show_count()

    def _typed(self) -> None:
        text = self.own_words.toPlainText()
        if len(text) > MAX_OWN_WORDS:  # a paste past the limit: keep what fits
            self.own_words.blockSignals(True)
            self.own_words.setPlainText(text[:MAX_OWN_WORDS])
            cursor = self.own_words.textCursor()
            cursor.movePosition(cursor.MoveOperation.End)
            self.own_words.setTextCursor(cursor)
            self.own_words.blockSignals(False)
        self._show_count()
        self.changed.emit()

    def _show_count(self) -> None:
        self.count.setText(self.tr("{0} of {1} characters").format(len(self.own_words.toPlainText()),
                                                                  MAX_OWN_WORDS))

    def load(self, goals: Sequence[Goal], own_words: str) -> None:
        self.blockSignals(True)
        for goal, box in self.boxes.items():
            box.setChecked(goal in goals)
        self.own_words.setPlainText(own_words)
        self.blockSignals(False)

    def chosen(self) -> list[Goal]:
        return [goal for goal, box in self.boxes.items() if box.isChecked()]

    def words(self) -> str:
        return self.own_words.toPlainText().strip()

    def first_field(self) -> QWidget:
        return self.boxes[Goal.FAMILY]
