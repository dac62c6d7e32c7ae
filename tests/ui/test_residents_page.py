"""The Residents page driven as a person would, over real services on SQLite and PostgreSQL: find a
resident and see their record, Ctrl+N to register, merge and undo from the page, accessible names,
and how it looks at normal and double text size."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from assisted_desk.ui.desk.finder import ResultColumn
from assisted_desk.ui.residents import EqualityDialog, MergeDialog, ResidentDialog, ResidentsPage
from assisted_desk.ui.residents.models import MergeColumn, MergesTableModel

from .test_residents_ui import advocate, desk, register, save_png, shown  # noqa: F401 (fixtures)
from .test_start_and_main import unnamed_widgets


@pytest.fixture
def people(services, advocate):
    return {
        "lukasz": register(services, advocate, "Łukasz", "Żółć", date_of_birth="14/03/1985", postcode="E1 6AN",
                           address_line1="5 Mile End Road", town="London", phone="07911 123456",
                           email="lukasz@example.org", preferred_language="Polish", interpreter_needed=True,
                           accessibility_needs="Large print", preferred_contact="sms", library_card="LB12345678"),
        "lukas": register(services, advocate, "Lukas", "Zolc", date_of_birth="14/03/1985"),
    }


def choose(qtbot, page, text: str, name: str) -> None:
    page.finder.set_query(text)
    qtbot.waitUntil(lambda: not page.finder.is_searching() and page.finder.proxy.rowCount() > 0, timeout=5000)
    proxy = page.finder.proxy
    row = [proxy.index(r, ResultColumn.NAME).data() for r in range(proxy.rowCount())].index(name)
    page.finder.table.setFocus()
    page.finder.table.setCurrentIndex(proxy.index(row, 0))
    qtbot.keyClick(page.finder.table, Qt.Key.Key_Return)


def test_page_shows_the_chosen_residents_details(qtbot, services, advocate, people, artifacts):
    page = shown(qtbot, ResidentsPage(services, advocate), 1100, 720)
    assert not page.edit_button.isEnabled()
    choose(qtbot, page, "lukasz zolc", "Łukasz Żółć")
    assert page.record.id == people["lukasz"].id
    values = {key: label.text() for key, label in page.details.values.items()}
    assert page.details.heading.text() == "Łukasz Żółć"
    assert values["date_of_birth"] == "14/03/1985 (age 41)"
    assert values["address"] == "5 Mile End Road\nLondon\nE1 6AN"
    assert values["phone"] == "07911 123456" and values["email"] == "lukasz@example.org"
    assert values["language"] == "Polish, interpreter needed"
    assert values["accessibility"] == "Large print" and values["preferred_contact"] == "SMS"
    assert values["library_card"] == "LB12345678" and values["last_contact"] == "never"
    assert page.edit_button.isEnabled() and page.serve_button.isEnabled()
    assert page.merge_button.isVisible() and not page.equality_button.isVisible()  # an advocate
    with qtbot.waitSignal(page.serve_resident) as served:
        page.serve_button.click()
    assert served.args == [people["lukasz"].id]
    save_png(page, artifacts, "residents-page.png")


def test_ctrl_n_registers_and_the_page_shows_the_new_resident(qtbot, services, desk):
    page = shown(qtbot, ResidentsPage(services, desk), 1100, 720)
    assert not page.merge_button.isVisible() and page.merges_box is None and page.equality_button.isVisible()
    page.finder.focus_search()
    qtbot.waitUntil(lambda: page.isActiveWindow())
    qtbot.keyClick(page.finder.box, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: isinstance(page.dialog, ResidentDialog) and page.dialog.isVisible())
    dialog = page.dialog
    dialog.given_name.setText("Αλέξανδρος")
    dialog.family_name.setText("Παπαδόπουλος")
    with qtbot.waitSignal(dialog.saved) as saved:
        dialog.save_button.click()
    assert page.record.id == saved.args[0] and page.details.heading.text() == "Αλέξανδρος Παπαδόπουλος"
    qtbot.waitUntil(lambda: page.dialog is None)


def test_duplicate_prompt_from_the_page_opens_the_existing_record(qtbot, services, advocate, people):
    page = shown(qtbot, ResidentsPage(services, advocate), 1100, 720)
    page.register_button.click()
    dialog = page.dialog
    dialog.given_name.setText("Łukasz")
    dialog.family_name.setText("Żółć")
    dialog.date_of_birth.setText("14/03/1985")
    dialog.save_button.click()
    assert len(dialog.duplicates.open_buttons) == 2  # Łukasz Żółć and Lukas Zolc
    dialog.duplicates.open_buttons[[b.accessibleName() for b in dialog.duplicates.open_buttons]
                                   .index("Open the record of Łukasz Żółć")].click()
    assert page.record.id == people["lukasz"].id


def test_merge_from_the_page_and_undo_under_recent_merges(qtbot, qtmodeltester, services, advocate, people,
                                                          artifacts):
    page = shown(qtbot, ResidentsPage(services, advocate), 1100, 720)
    choose(qtbot, page, "lukasz zolc", "Łukasz Żółć")
    page.merge_button.click()
    dialog = page.dialog
    assert isinstance(dialog, MergeDialog) and dialog.keep.record.id == people["lukasz"].id
    dialog.absorb.load(people["lukas"].id)
    dialog.confirm.setChecked(True)
    dialog.merge_button.click()
    dialog.close_button.click()
    qtbot.waitUntil(lambda: page.dialog is None)
    assert page.merges_model.rowCount() == 1
    proxy = page.merges_proxy
    assert proxy.index(0, MergeColumn.KEPT).data() == f"Łukasz Żółć (record {people['lukasz'].id})"
    assert proxy.index(0, MergeColumn.MERGED).data() == f"Lukas Zolc (record {people['lukas'].id})"
    assert proxy.index(0, MergeColumn.UNDO).data() == "Possible until 23/12/2026 10:00"
    assert proxy.index(0, MergeColumn.BY).data() == "advocate"
    page.merges_table.selectRow(0)
    assert page.undo_button.isEnabled()
    save_png(page, artifacts, "residents-page-merges.png")
    page.undo_button.click()
    assert "separate records again" in page.message.text()
    assert services.residents.get(advocate, people["lukas"].id).merged_into_id is None
    assert proxy.index(0, MergeColumn.UNDO).data().startswith("Undone 23/11/2026 10:00 by advocate")
    page.merges_table.selectRow(0)
    assert not page.undo_button.isEnabled()
    # Last: the one tester follows both models, so no reset may come after it is attached.
    qtmodeltester.check(page.merges_model, force_py=True)
    qtmodeltester.check(page.merges_proxy, force_py=True)


def test_a_merged_record_points_to_the_one_it_was_merged_into(qtbot, services, advocate, people):
    services.residents.merge(advocate, people["lukasz"].id, people["lukas"].id,
                             expected_survivor_version=people["lukasz"].version,
                             expected_merged_version=people["lukas"].version)
    page = shown(qtbot, ResidentsPage(services, advocate), 1100, 720)
    page.show_resident(people["lukas"].id)
    assert page.details.merged_note.isVisible() and page.open_survivor.isVisible()
    assert not page.edit_button.isEnabled() and not page.serve_button.isEnabled()
    page.open_survivor.click()
    assert page.record.id == people["lukasz"].id and not page.open_survivor.isVisible()


def test_merges_model_passes_the_model_tester_when_empty(qtmodeltester):
    qtmodeltester.check(MergesTableModel(), force_py=True)


def test_every_interactive_widget_has_an_accessible_name(qtbot, services, admin, people):
    page = shown(qtbot, ResidentsPage(services, admin), 1100, 720)
    page.show_resident(people["lukasz"].id)
    assert unnamed_widgets(page) == []
    dialog = shown(qtbot, ResidentDialog(services, admin))
    dialog.given_name.setText("Lukasz")
    dialog.family_name.setText("Zolc")
    dialog.date_of_birth.setText("14/03/1985")
    dialog.save_button.click()
    assert dialog.duplicates.open_buttons
    assert unnamed_widgets(dialog) == []
    assert unnamed_widgets(shown(qtbot, MergeDialog(services, admin, people["lukasz"].id))) == []
    assert unnamed_widgets(shown(qtbot, EqualityDialog(services, admin, people["lukasz"].id))) == []
    for widget in dialog.findChildren(QLineEdit):
        assert widget.accessibleName() != ""


@pytest.fixture
def double_text(qapp):
    """Text at 200%, as a person with low vision sets it."""
    font = qapp.font()
    original, sheet = font.pointSizeF(), qapp.styleSheet()
    font.setPointSizeF(original * 2)
    qapp.setFont(font)
    qapp.setStyleSheet(sheet.replace("11pt", "22pt").replace("12pt", "24pt").replace("13pt", "26pt")
                       .replace("18pt", "36pt"))
    yield
    font.setPointSizeF(original)
    qapp.setFont(font)
    qapp.setStyleSheet(sheet)


def test_page_and_register_dialog_at_double_text_size(qtbot, services, advocate, people, double_text, artifacts):
    page = shown(qtbot, ResidentsPage(services, advocate), 1600, 1000)
    page.show_resident(people["lukasz"].id)
    save_png(page, artifacts, "residents-page-2x.png")
    dialog = ResidentDialog(services, advocate, people["lukasz"].id)
    # The test screen (offscreen, 800x600) is smaller than any desk's: give the dialog the size it asks for.
    hint = dialog.sizeHint()
    shown(qtbot, dialog, hint.width(), hint.height())
    save_png(dialog, artifacts, "residents-edit-2x.png")
    for label in page.details.values.values():
        assert label.height() >= label.heightForWidth(label.width()), label.accessibleName()
