"""The Residents page's "Export everything held…" button: shown only to roles that may export,
reachable by keyboard, asks where to save, writes the archive off the GUI thread and says where
it went, or why nothing was saved."""

from __future__ import annotations

import json
import zipfile

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from assisted_desk.core.security import Role
from assisted_desk.ui.residents import ResidentsPage
from tests.conftest import make_actor

from .test_residents_ui import register, save_png, shown
from .test_start_and_main import unnamed_widgets

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def resident(services, admin):
    return register(services, admin, "Łukasz", "Żółć", date_of_birth="14/03/1985", postcode="E1 6AN")


def test_a_manager_exports_everything_held_by_keyboard(qtbot, services, admin, resident, tmp_path, monkeypatch,
                                                       artifacts):
    manager = make_actor(services, admin, "manager", Role.MANAGER)
    target = tmp_path / "sar"  # no ending: .zip is added
    asked = []

    def save_as(parent, caption, suggested, filters):
        asked.append((caption, suggested, filters))
        return str(target), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as)
    page = shown(qtbot, ResidentsPage(services, manager), 1100, 720)
    export = page.subject_access
    assert export.button.isVisible() and not export.button.isEnabled()  # nobody chosen yet
    assert export.button.accessibleName() == "Export everything held about this resident"
    assert not unnamed_widgets(page)
    page.show_resident(resident.id)
    assert export.button.isEnabled()
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)
    with qtbot.waitSignal(export.finished, timeout=20_000) as ended:
        qtbot.keyClick(page, Qt.Key.Key_X, Qt.KeyboardModifier.AltModifier)  # its mnemonic
    written = tmp_path / "sar.zip"
    assert ended.args == [str(written)]
    assert asked[0][0] == "Save everything held about Łukasz Żółć"
    assert asked[0][1].endswith(f"subject-access-record-{resident.id}.zip")
    with zipfile.ZipFile(written) as archive:
        assert json.loads(archive.read("subject-access.json"))["resident_id"] == resident.id
    text = page.message.text()
    assert text.startswith(f"Saved everything held about Łukasz Żółć to {written}: a ") and "and 0 attachments." in text
    assert export.button.isEnabled()
    save_png(page, artifacts, "residents-subject-access.png")


def test_a_failure_is_shown_and_nothing_is_saved(qtbot, services, admin, resident, tmp_path, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *args: (str(tmp_path / "missing" / "sar.zip"), "Zip archives (*.zip)"))
    page = shown(qtbot, ResidentsPage(services, admin), 1100, 720)
    page.show_resident(resident.id)
    with qtbot.waitSignal(page.subject_access.finished, timeout=20_000) as ended:
        page.subject_access.button.click()
    assert ended.args == [""]
    assert page.message.text().startswith("Nothing was saved. Cannot write") and "does not exist" in page.message.text()
    assert not (tmp_path / "missing").exists()


def test_cancelling_the_dialog_does_nothing(qtbot, services, admin, resident, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: ("", ""))
    page = shown(qtbot, ResidentsPage(services, admin), 1100, 720)
    page.show_resident(resident.id)
    page.subject_access.button.click()
    assert not page.subject_access.running and page.message.text() == ""


@pytest.mark.parametrize("role", [Role.DESK, Role.ADVOCATE, Role.COORDINATOR])
def test_roles_without_the_permission_do_not_see_the_button(qtbot, services, admin, role):
    page = shown(qtbot, ResidentsPage(services, make_actor(services, admin, role.value, role)), 1100, 720)
    assert not page.subject_access.button.isVisible()


def test_a_name_without_zip_never_silently_replaces_the_zip_beside_it(qtbot, services, admin, resident, tmp_path,
                                                                      monkeypatch):
    kept = tmp_path / "sar.zip"
    kept.write_bytes(b"someone else's archive")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (str(tmp_path / "sar"), "Zip archives (*.zip)"))
    page = shown(qtbot, ResidentsPage(services, admin), 1100, 720)
    page.show_resident(resident.id)
    page.subject_access.button.click()
    assert not page.subject_access.running
    assert "already exists, and nothing was saved" in page.message.text()
    assert kept.read_bytes() == b"someone else's archive"
