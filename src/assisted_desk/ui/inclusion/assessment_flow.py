"""The guided assessment, taken with the resident beside the screen: one statement at a time in
large text, four big answers (keys 1-4 answer and move on), how we know it (S: the resident said
so, O: staff saw it done; it stays chosen for the next statement), then barriers and goals.

Every answer is written the moment it is given, with the step to resume at, so a crash loses
nothing; barriers and goals are written after a short pause in typing and when their step is
left. Finish completes the assessment; a refusal for an unanswered statement opens that one."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ...core.errors import DeskError, ValidationError
from ...core.security import Actor
from ...inclusion.assessments import AssessmentRecord
from ...inclusion.framework import Level
from ...inclusion.skills_vocab import Answer, AssessmentKind, Evidence
from ...services import Services
from ..desk.scaled_label import ScaledLabel
from ..forms import button
from ..messages import FormMessage
from .flow_steps import BarriersStep, GoalsStep

SAVE_AFTER_MS = 1500  # a pause in typing this long writes barriers and goals
ANSWERS = (Answer.ON_MY_OWN, Answer.WITH_HELP, Answer.CANT_YET, Answer.NOT_RELEVANT)
CHECKED_STYLE = "QPushButton:checked { background: #1f3a5f; color: #ffffff; font-weight: 600; }"


def scrolled(widget: QWidget) -> QScrollArea:
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setWidget(widget)
    return scroll


class AssessmentFlow(QWidget):
    """`left()` when paused (back to the resident's list); `completed(record)` once finished."""

    left = Signal()
    completed = Signal(object)

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.record: AssessmentRecord | None = None
        self.step = 0
        self._dirty_barriers = self._dirty_goals = False
        tr = self.tr

        self.title = ScaledLabel(1.15)  # smaller than a page title: the statement is what matters here
        self.title.setWordWrap(True)
        self.steps = QStackedWidget()
        self.statement_page = self._build_statement_page()
        self.barriers = BarriersStep()
        self.goals = GoalsStep()
        self.steps.addWidget(scrolled(self.statement_page))
        self.steps.addWidget(scrolled(self.barriers))
        self.steps.addWidget(scrolled(self.goals))

        self.back_button = button(tr("◀ &Back"), tr("Back to the previous step"))
        self.back_button.setToolTip(tr("Back (Alt+Left or Page Up)"))
        self.back_button.clicked.connect(self.back)
        self.next_button = button(tr("&Next ▶"), tr("Next step"))
        self.next_button.setToolTip(tr("Next, without answering (Alt+Right or Page Down)"))
        self.next_button.clicked.connect(self.forward)
        self.pause_button = button(tr("&Pause"), tr("Pause and return to the resident's assessments"))
        self.pause_button.clicked.connect(self.pause)
        self.finish_button = button(tr("&Finish"), tr("Finish the assessment"))
        self.finish_button.clicked.connect(self.finish)
        nav = QHBoxLayout()
        for push in (self.back_button, self.next_button):
            nav.addWidget(push)
        nav.addStretch(1)
        nav.addWidget(self.pause_button)
        nav.addWidget(self.finish_button)
        self.message = FormMessage(self)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.steps, 1)
        layout.addWidget(self.message)
        layout.addLayout(nav)

        for keys, slot in ((("Alt+Left", "PgUp"), self.back), (("Alt+Right", "PgDown"), self.forward)):
            for key in keys:
                self._shortcut(key, slot)
        self.statement_keys = [self._shortcut(str(n), lambda a=answer: self.answer(a))
                               for n, answer in enumerate(ANSWERS, start=1)]
        self.statement_keys += [self._shortcut("S", lambda: self.set_evidence(Evidence.SAID)),
                                self._shortcut("O", lambda: self.set_evidence(Evidence.OBSERVED))]

        self.save_timer = QTimer(self)
        self.save_timer.setSingleShot(True)
        self.save_timer.setInterval(SAVE_AFTER_MS)
        self.save_timer.timeout.connect(self.save_pending)
        self.barriers.changed.connect(lambda: self._changed("barriers"))
        self.goals.changed.connect(lambda: self._changed("goals"))

    def _shortcut(self, key: str, slot) -> QShortcut:
        shortcut = QShortcut(QKeySequence(key), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(slot)
        return shortcut

    def _build_statement_page(self) -> QWidget:
        tr = self.tr
        page = QWidget()
        self.area_label = ScaledLabel(1.2)
        self.area_label.setWordWrap(True)
        self.sentence = ScaledLabel(1.6, 600, "color: #111111;")
        self.sentence.setWordWrap(True)
        self.sentence.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.example = ScaledLabel(1.1, 400, "color: #333333;")
        self.example.setWordWrap(True)
        self.counter = QLabel()
        self.progress = QProgressBar()
        self.progress.setAccessibleName(tr("Statements answered"))
        self.progress.setTextVisible(True)
        self.progress.setFormat(tr("%v of %m answered"))
        count_row = QHBoxLayout()
        count_row.addWidget(self.counter)
        count_row.addWidget(self.progress, 1)

        self.answer_buttons: dict[Answer, QPushButton] = {}
        grid = QGridLayout()
        for n, answer in enumerate(ANSWERS):
            push = QPushButton(f"{n + 1}  {tr(answer.label)}")
            push.setObjectName("bigChoice")
            push.setCheckable(True)
            push.setStyleSheet(CHECKED_STYLE)
            push.setAutoDefault(False)
            push.setAccessibleName(tr("{0} (key {1})").format(tr(answer.label), n + 1))
            push.clicked.connect(lambda _checked=False, a=answer: self.answer(a))
            grid.addWidget(push, n // 2, n % 2)
            self.answer_buttons[answer] = push

        evidence_box = QGroupBox(tr("How do we know?"))
        evidence_box.setAccessibleName(tr("How do we know"))
        self.said = QRadioButton(tr("Resident said so  (S)"))
        self.said.setAccessibleName(tr("Resident said so (key S)"))
        self.observed = QRadioButton(tr("Staff saw it done  (O)"))
        self.observed.setAccessibleName(tr("Staff saw it done (key O)"))
        self.said.setChecked(True)
        self.evidence_group = QButtonGroup(self)
        self.evidence_group.addButton(self.said)
        self.evidence_group.addButton(self.observed)
        evidence_row = QHBoxLayout(evidence_box)
        evidence_row.addWidget(self.said)
        evidence_row.addWidget(self.observed)
        evidence_row.addStretch(1)

        layout = QVBoxLayout(page)
        layout.addWidget(self.area_label)
        layout.addWidget(self.sentence)
        layout.addWidget(self.example)
        layout.addLayout(count_row)
        layout.addSpacing(8)
        layout.addLayout(grid)
        layout.addWidget(evidence_box)
        layout.addStretch(1)
        return page

    # ---- opening ------------------------------------------------------------------------------

    @property
    def statement_count(self) -> int:
        return len(self.record.statements) if self.record is not None else 0

    @property
    def barriers_step(self) -> int:
        return self.statement_count

    @property
    def goals_step(self) -> int:
        return self.statement_count + 1

    def open(self, record: AssessmentRecord, resident_name: str) -> None:
        """Show an assessment in progress at the step it was left at."""
        self.record = record
        self.message.clear_message()
        kind = self.tr("Quick assessment") if record.summary.kind is AssessmentKind.QUICK \
            else self.tr("Full assessment")
        self.title.setText(self.tr("{0}: {1}").format(kind, resident_name))
        self.barriers.load(record.barriers)
        self.goals.load(record.goals, record.goals_own_words)
        self._dirty_barriers = self._dirty_goals = False
        self.said.setChecked(True)
        self.progress.setRange(0, self.statement_count)
        self.show_step(min(max(record.position, 0), self.goals_step))

    # ---- moving between steps -----------------------------------------------------------------

    def show_step(self, step: int) -> None:
        if self.record is None:
            return
        if step != self.step:
            self.save_pending()
        self.step = max(0, min(step, self.goals_step))
        on_statement = self.step < self.statement_count
        for shortcut in self.statement_keys:
            shortcut.setEnabled(on_statement)
        if on_statement:
            self.steps.setCurrentIndex(0)
            self._fill_statement()
        else:
            self.steps.setCurrentIndex(1 if self.step == self.barriers_step else 2)
        self.back_button.setEnabled(self.step > 0)
        self.next_button.setEnabled(self.step < self.goals_step)
        self._place_focus()

    def _place_focus(self) -> None:
        if self.step < self.statement_count:
            given = self.record.answers.get(self.record.statements[self.step].code)
            self.answer_buttons[given.answer if given else Answer.ON_MY_OWN].setFocus()
        elif self.step == self.barriers_step:
            self.barriers.first_field().setFocus()
        else:
            self.goals.first_field().setFocus()

    def _fill_statement(self) -> None:
        record = self.record
        statement = record.statements[self.step]
        area = record.framework.area(statement.area)
        if statement.level is Level.FOUNDATION:
            self.area_label.setText(area.title)
        else:
            self.area_label.setText(self.tr("{0} — {1}").format(area.title, self.tr(statement.level.label).lower()))
        self.sentence.setText(statement.sentence)
        self.sentence.setAccessibleName(statement.sentence)
        self.example.setText(self.tr("For example: {0}").format(statement.example) if statement.example else "")
        self.example.setVisible(bool(statement.example))
        self.counter.setText(self.tr("Statement {0} of {1}").format(self.step + 1, self.statement_count))
        self.progress.setValue(len(record.answers))
        given = record.answers.get(statement.code)
        for answer, push in self.answer_buttons.items():
            push.setChecked(given is not None and given.answer is answer)
        if given is not None:
            self.set_evidence(given.evidence)

    def back(self) -> None:
        if self.step > 0:
            self.show_step(self.step - 1)

    def forward(self) -> None:
        if self.step < self.goals_step:
            self.show_step(self.step + 1)

    # ---- answering ----------------------------------------------------------------------------

    def evidence(self) -> Evidence:
        return Evidence.OBSERVED if self.observed.isChecked() else Evidence.SAID

    def set_evidence(self, evidence: Evidence) -> None:
        (self.observed if evidence is Evidence.OBSERVED else self.said).setChecked(True)

    def answer(self, answer: Answer) -> None:
        if self.record is None or self.step >= self.statement_count:
            return
        statement = self.record.statements[self.step]
        self.message.clear_message()
        try:
            self.record = self.services.skills.record_answer(self.actor, self.record.id, statement.code, answer,
                                                             self.evidence(), position=self.step + 1)
        except DeskError as error:
            self.answer_buttons[answer].setChecked(False)
            self.message.show_error(error.message)
            return
        self.show_step(self.step + 1)

    # ---- barriers and goals ---------------------------------------------------------------------

    def _changed(self, which: str) -> None:
        if which == "barriers":
            self._dirty_barriers = True
        else:
            self._dirty_goals = True
        self.save_timer.start()

    def save_pending(self) -> bool:
        """Write barriers and goals changed since the last write. False when refused."""
        self.save_timer.stop()
        if self.record is None:
            return True
        try:
            if self._dirty_barriers:
                self.record = self.services.skills.save_barriers(self.actor, self.record.id, self.barriers.chosen())
                self._dirty_barriers = False
            if self._dirty_goals:
                self.record = self.services.skills.save_goals(self.actor, self.record.id, self.goals.chosen(),
                                                              self.goals.words())
                self._dirty_goals = False
        except DeskError as error:
            self.message.show_error(error.message)
            return False
        return True

    # ---- leaving ------------------------------------------------------------------------------

    def pause(self) -> None:
        if self.record is None:
            return
        self.message.clear_message()
        if not self.save_pending():
            return
        try:
            self.services.skills.pause(self.actor, self.record.id, self.step)
        except DeskError as error:
            self.message.show_error(error.message)
            return
        self.record = None
        self.left.emit()

    def finish(self) -> None:
        if self.record is None:
            return
        self.message.clear_message()
        if not self.save_pending():
            return
        try:
            record = self.services.skills.complete(self.actor, self.record.id)
        except ValidationError as error:
            field = error.field or ""
            if field.startswith("statement:"):
                code = field.split(":", 1)[1]
                where = next((n for n, s in enumerate(self.record.statements) if s.code == code), None)
                if where is not None:
                    self.show_step(where)
            self.message.show_error(error.message)
            return
        except DeskError as error:
            self.message.show_error(error.message)
            return
        self.record = None
        self.completed.emit(record)
