"""UI fixtures: the real start window and controller over real databases."""

from __future__ import annotations

import gc

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


# Screens over the back-office requests behave the same on either database: their services are
# proved on SQLite and PostgreSQL in tests/desk, so these run on SQLite only (it keeps the whole
# run well inside its time).
SQLITE_ONLY = {"test_request_form.py", "test_submissions_panel.py", "test_outbox_status.py",
               "test_backoffice_admin.py", "test_attachments_box.py",
               "test_inclusion_skills.py", "test_inclusion_screens.py"}


def pytest_collection_modifyitems(config, items):
    dropped = [item for item in items if item.path.name in SQLITE_ONLY and "[postgresql" in item.nodeid]
    if dropped:
        kept = [item for item in items if item not in dropped]
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
