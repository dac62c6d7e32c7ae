"""Fixtures and helpers for the Serve panel's tests (test_serve.py, test_serve_records.py)."""

from __future__ import annotations

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from assisted_desk.desk.models import Interaction
from assisted_desk.ui.desk.serve import ServePanel
from assisted_desk.ui.workers import wait_for_background_jobs

from ..desk.contact_fixtures import contact, register

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def lukasz(services, admin) -> int:
    return register(services, admin, preferred_language="Polish", interpreter_needed=True,
                    accessibility_needs="Uses a wheelchair; large print")


def settle(qtbot, panel) -> None:
    """Wait for the panel's background work: loading, searching, keeping the draft."""
    def quiet() -> bool:
        return not shiboken6.isValid(panel) or not panel.is_busy()

    qtbot.waitUntil(quiet, timeout=10_000)
    wait_for_background_jobs()
    QApplication.processEvents()
    qtbot.waitUntil(quiet, timeout=10_000)


@pytest.fixture
def make_panel(qtbot, services, admin):
    made = []

    def make(actor=None) -> ServePanel:
        panel = ServePanel(services, actor or admin)
        qtbot.addWidget(panel)
        panel.resize(1100, 760)
        panel.show()
        qtbot.waitExposed(panel)
        panel.activateWindow()
        made.append(panel)
        return panel

    yield make
    for panel in made:
        settle(qtbot, panel)
    wait_for_background_jobs()


@pytest.fixture
def panel(make_panel) -> ServePanel:
    return make_panel()


def choose_by_keyboard(qtbot, panel, typed: str) -> None:
    """Find the resident as staff do: type in the search box, Down, Enter."""
    panel.finder.focus_search()
    qtbot.keyClicks(panel.finder.box, typed)
    qtbot.waitUntil(lambda: not panel.finder.is_searching() and panel.finder.proxy.rowCount() == 1, timeout=5000)
    qtbot.keyClick(panel.finder.box, Qt.Key.Key_Down)
    qtbot.keyClick(panel.finder.table, Qt.Key.Key_Return)
    settle(qtbot, panel)


def logged(services) -> list[Interaction]:
    with services.db.unit_of_work() as session:
        return list(session.scalars(select(Interaction).order_by(Interaction.id)))


def log_contact(services, actor, resident_id, **more) -> str:
    return services.interactions.log_interaction(actor, contact(resident_id, **more))


class Keys:
    """Sends keys to whatever has the keyboard focus, counting each keystroke."""

    def __init__(self, qtbot) -> None:
        self.qtbot, self.count = qtbot, 0

    def type(self, text: str) -> None:
        for character in text:
            self.press(character)

    def press(self, key, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
        target = QApplication.focusWidget()
        assert target is not None, "nothing has the keyboard focus"
        self.qtbot.keyClick(target, key, modifiers)
        self.count += 1


def render(dialog, path) -> None:
    """At the size the dialog asks for (adjustSize would cap it at the small offscreen screen)."""
    layout = dialog.layout()
    layout.activate()
    width = max(dialog.sizeHint().width(), dialog.minimumWidth())
    height = max(dialog.sizeHint().height(),
                 layout.totalHeightForWidth(width) if layout.hasHeightForWidth() else 0)
    dialog.resize(width, height)
    assert dialog.grab().save(str(path))
