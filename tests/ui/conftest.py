"""UI fixtures: the real start window and controller over real databases."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from assisted_desk.app import DeskController, _load_style, database_opener
from assisted_desk.core.secrets import SecretStore
from assisted_desk.ui.workers import GuiThreadGarbageCollector, wait_for_background_jobs


@pytest.fixture(scope="session", autouse=True)
def garbage_on_the_gui_thread(qapp):
    """As in the application: cycles are collected on the GUI thread, never on a worker (where
    collecting a widget crashes the process)."""
    collector = GuiThreadGarbageCollector(qapp)
    yield collector
    gc.enable()


@pytest.fixture(autouse=True)
def styled_app(qapp):
    _load_style(qapp)
    yield qapp
    wait_for_background_jobs()
    gc.collect()  # this test's widgets go now, on this thread


def double_the_text(qapp, request) -> None:
    """Render as a desk with its text doubled (22 pt and the style sheet that follows it) until
    the test ends."""
    font = qapp.font()
    original, sheet = font.pointSizeF(), qapp.styleSheet()
    font.setPointSizeF(22)
    qapp.setFont(font)
    _load_style(qapp)

    def restore() -> None:
        font.setPointSizeF(original)
        qapp.setFont(font)
        qapp.setStyleSheet(sheet)

    request.addfinalizer(restore)


@pytest.fixture
def opener(paths, database_url, clock, hashing):
    return database_opener(paths, database_url, SecretStore(), clock=clock, hashing=hashing)


@pytest.fixture
def empty_opener(paths, empty_database_url, clock, hashing):
    return database_opener(paths, empty_database_url, SecretStore(), clock=clock, hashing=hashing)


@pytest.fixture
def make_controller(qtbot, qapp):
    built = []

    def make(opener) -> DeskController:
        controller = DeskController(qapp, opener)
        qtbot.addWidget(controller.start_window)
        built.append(controller)
        return controller

    yield make
    for controller in built:
        controller.shutdown()


@pytest.fixture
def controller(make_controller, opener):
    return make_controller(opener)


# A screen behaves the same on either database: it only calls services, and every service is
# proved on SQLite and PostgreSQL in tests/desk, tests/casework, tests/inclusion and the rest. So
# the screens run on SQLite, and these run on both: signing in, opening every area and the demo
# over a real PostgreSQL server (test_start_and_main.py), and losing that server mid-shift
# (test_connection_lost.py). That keeps the whole run well inside its time.
ON_BOTH_DATABASES = {"test_start_and_main.py", "test_connection_lost.py"}


def pytest_collection_modifyitems(config, items):
    # Called with every test of the run, not only these: pick the screens' own.
    here = Path(__file__).parent
    dropped = [item for item in items if item.path.parent == here and item.path.name not in ON_BOTH_DATABASES
               and "[postgresql" in item.nodeid]
    if dropped:
        kept = [item for item in items if item not in dropped]
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
