"""Locking a shared public desk: after idle time, or on request, all personal data is hidden
until the same person types their password again (or hands the desk to a colleague)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from .forms import add_row, button, password_field
from .messages import FormMessage

_INPUT_EVENTS = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}


class IdleWatcher(QObject):
    """Watches every input event of the application; says `idle` after a quiet period."""

    idle = Signal()

    def __init__(self, minutes: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.idle)
        self.set_minutes(minutes)

    def set_minutes(self, minutes: int) -> None:
        self.set_interval_ms(minutes * 60_000)

    def set_interval_ms(self, msecs: int) -> None:
        self._timer.setInterval(msecs)
        self._timer.start()

    def interval_ms(self) -> int:
        return self._timer.interval()

    def restart(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() in _INPUT_EVENTS and self._timer.isActive():
            self._timer.start()
        return False


class LockPage(QWidget):
    unlock_requested = Signal(str)
    switch_user_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # A readable column in the middle of the screen, whatever the window's width.
        centre = QHBoxLayout(self)
        panel = QWidget()
        panel.setFixedWidth(panel.fontMetrics().averageCharWidth() * 64)
        centre.addStretch(1)
        centre.addWidget(panel, 3)
        centre.addStretch(1)
        outer = QVBoxLayout(panel)
        outer.addStretch(1)
        title = QLabel(self.tr("This desk is locked"))
        title.setObjectName("pageTitle")
        outer.addWidget(title)
        self.who = QLabel()
        self.who.setWordWrap(True)
        outer.addWidget(self.who)
        form = QFormLayout()
        self.password = password_field(self.tr("Password to unlock"))
        add_row(form, self.tr("&Password"), self.password, self.tr("Password to unlock"))
        outer.addLayout(form)
        self.message = FormMessage()
        outer.addWidget(self.message)
        row = QHBoxLayout()
        self.switch_user = button(self.tr("S&witch user"), self.tr("Switch user"))
        self.unlock = button(self.tr("&Unlock"), self.tr("Unlock"), default=True)
        row.addWidget(self.switch_user)
        row.addStretch(1)
        row.addWidget(self.unlock)
        outer.addLayout(row)
        outer.addStretch(2)
        self.unlock.clicked.connect(lambda: self.unlock_requested.emit(self.password.text()))
        self.password.returnPressed.connect(lambda: self.unlock_requested.emit(self.password.text()))
        self.switch_user.clicked.connect(self.switch_user_requested)

    def prepare(self, display_name: str) -> None:
        self.who.setText(self.tr("Signed in: {0}. Type your password to carry on, or switch user to hand "
                                 "the desk to a colleague.").format(display_name))
        self.password.clear()
        self.message.clear_message()
        self.unlock.setEnabled(True)
        self.password.setFocus()
