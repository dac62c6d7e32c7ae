"""The Residents dialogs driven as a person would, over real services on SQLite and PostgreSQL:
registering by keyboard, refusals that keep what was typed, the duplicate prompt, editing with a
conflict, merging and undoing, equality monitoring, and how each dialog looks."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from assisted_desk.core.security import Role
from assisted_desk.desk.residents import EqualityAnswers, ResidentInput
from assisted_desk.ui.desk.finder import ResultColumn
from assisted_desk.ui.residents import EqualityDialog, MergeDialog, ResidentDialog

from ..conftest import make_actor


@pytest.fixture
def desk(services, admin):
    return make_actor(services, admin, "desk", Role.DESK)


@pytest.fixture
def advocate(services, admin):
    return make_actor(services, admin, "advocate", Role.ADVOCATE)


def register(services, actor, given, family, **details):
    return services.residents.register(actor, ResidentInput(given_name=given, family_name=family, **details),
                                       confirm_not_duplicate=True)


def shown(qtbot, widget, width=None, height=None):
    qtbot.addWidget(widget)
    if width:
        widget.resize(width, height)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    return widget


def save_png(widget, artifacts, name: str) -> None:
    """Rendered for a person to look at (test-artifacts/), after pending layout work is done."""
    QApplication.processEvents()
    assert widget.grab().save(str(artifacts / name))


def tab(qtbot, dialog) -> None:
    qtbot.keyClick(QApplication.focusWidget() or dialog, Qt.Key.Key_Tab)


# ---- registering ----------------------------------------------------------------------------------


def test_register_a_resident_by_keyboard_alone(qtbot, services, desk):
    dialog = shown(qtbot, ResidentDialog(services, desk))
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.given_name)
    for text, field in (("Grace", dialog.given_name), ("Adeyemi", dialog.family_name), ("", dialog.preferred_name),
                        ("14 March 1985", dialog.date_of_birth), ("07911 123456", dialog.phone),
                        ("grace@example.org", dialog.email)):
        qtbot.waitUntil(lambda: QApplication.focusWidget() is field)
        if text:
            qtbot.keyClicks(field, text)
        tab(qtbot, dialog)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.preferred_contact)
    qtbot.keyClick(dialog.preferred_contact, Qt.Key.Key_Down)  # Not stated -> Phone
    qtbot.keyClick(dialog.preferred_contact, Qt.Key.Key_Down)  # -> SMS
    tab(qtbot, dialog)
    qtbot.keyClicks(dialog.address_line1, "12 Mile End Road")
    for _ in range(3):
        tab(qtbot, dialog)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.postcode)
    qtbot.keyClicks(dialog.postcode, "e1 6an")
    tab(qtbot, dialog)
    qtbot.keyClicks(dialog.preferred_language, "Yoruba")
    tab(qtbot, dialog)
    qtbot.keyClick(dialog.interpreter_needed, Qt.Key.Key_Space)
    tab(qtbot, dialog)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.accessibility_needs)
    qtbot.keyClicks(dialog.accessibility_needs, "Hearing loop")
    tab(qtbot, dialog)  # Tab leaves the notes box instead of typing a tab into it
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.library_card)
    with qtbot.waitSignal(dialog.saved) as saved:
        qtbot.keyClick(dialog.library_card, Qt.Key.Key_Return)
    assert not dialog.isVisible()
    record = services.residents.get(desk, saved.args[0])
    assert (record.given_name, record.family_name, record.date_of_birth.isoformat()) == ("Grace", "Adeyemi",
                                                                                         "1985-03-14")
    assert (record.phone, record.email, record.postcode) == ("+447911123456", "grace@example.org", "E1 6AN")
    assert record.preferred_contact.value == "sms" and record.interpreter_needed
    assert (record.preferred_language, record.accessibility_needs) == ("Yoruba", "Hearing loop")


def test_a_refusal_is_shown_by_the_form_keeps_everything_and_focuses_the_field(qtbot, services, desk, artifacts):
    dialog = shown(qtbot, ResidentDialog(services, desk))
    typed = {"given_name": "Łukasz", "family_name": "Żółć", "date_of_birth": "14/03/1985",
             "address_line1": "Flat 2, 5 Ścisła", "postcode": "E1 6A", "phone": "07911 123456",
             "email": "lukasz@example.org"}
    for key, text in typed.items():
        dialog.fields[key].setText(text)
    dialog.accessibility_needs.setPlainText("Wheelchair user")
    qtbot.keyClick(dialog.email, Qt.Key.Key_Return)
    assert dialog.isVisible()
    assert dialog.message.isVisible() and "is not a UK postcode" in dialog.message.text()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.postcode)
    assert dialog.postcode.selectedText() == "E1 6A"  # selected, ready to retype
    assert {key: dialog.fields[key].text() for key in typed} == typed
    assert dialog.accessibility_needs.toPlainText() == "Wheelchair user"
    assert dialog.message.accessibleDescription() == dialog.message.text()
    save_png(dialog, artifacts, "residents-register-refused.png")

    dialog.postcode.setText("E1 6AN")
    with qtbot.waitSignal(dialog.saved):
        qtbot.keyClick(dialog.postcode, Qt.Key.Key_Return)
    assert services.residents.possible_duplicates(desk, ResidentInput(given_name="Z", phone="07911123456"))


def test_at_least_one_name_is_asked_for_by_the_given_name(qtbot, services, desk):
    dialog = shown(qtbot, ResidentDialog(services, desk))
    dialog.date_of_birth.setText("1/1/1990")
    dialog.save_button.click()
    assert "Give at least one name" in dialog.message.text()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.given_name)
    assert dialog.date_of_birth.text() == "1/1/1990"


def test_duplicate_prompt_opens_the_existing_record(qtbot, services, desk, artifacts):
    existing = register(services, desk, "Łukasz", "Żółć", date_of_birth="14/03/1985", postcode="E1 6AN")
    dialog = shown(qtbot, ResidentDialog(services, desk))
    dialog.given_name.setText("Lukasz")
    dialog.family_name.setText("Zolc")
    dialog.date_of_birth.setText("14-3-85")
    qtbot.keyClick(dialog.date_of_birth, Qt.Key.Key_Return)
    assert dialog.duplicates.isVisible() and len(dialog.duplicates.open_buttons) == 1
    assert "may be this person" in dialog.message.text()
    row_text = dialog.duplicates.open_buttons[0].accessibleDescription()
    assert "Łukasz Żółć" in row_text and "born 14/03/1985" in row_text and "E1 6AN" in row_text
    assert "same date of birth, similar name" in row_text
    assert dialog.duplicates.open_buttons[0].accessibleName() == "Open the record of Łukasz Żółć"
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.duplicates.open_buttons[0])
    save_png(dialog, artifacts, "residents-register-duplicates.png")
    with qtbot.waitSignal(dialog.open_existing) as opened:
        qtbot.keyClick(dialog.duplicates.open_buttons[0], Qt.Key.Key_Space)
    assert opened.args == [existing.id]
    assert not dialog.isVisible()
    assert [c.resident_id for c in services.residents.possible_duplicates(
        desk, ResidentInput(given_name="Lukasz", family_name="Zolc", date_of_birth="14/03/1985"))] == [existing.id]


def test_a_different_person_is_registered_after_confirming(qtbot, services, desk):
    existing = register(services, desk, "Anna", "Nowak", date_of_birth="02/01/1985")
    dialog = shown(qtbot, ResidentDialog(services, desk))
    dialog.given_name.setText("Anna")
    dialog.family_name.setText("Nowak")
    dialog.date_of_birth.setText("02/01/1985")
    dialog.save_button.click()
    assert dialog.duplicates.isVisible()
    # Changing the form makes the list stale: it goes, and Register checks again.
    dialog.family_name.setText("Nowakowska")
    assert not dialog.duplicates.isVisible()
    dialog.family_name.setText("Nowak")
    dialog.save_button.click()
    assert dialog.duplicates.isVisible()
    with qtbot.waitSignal(dialog.saved) as saved:
        dialog.duplicates.different.click()
    assert saved.args[0] != existing.id
    assert services.residents.get(desk, saved.args[0]).family_name == "Nowak"


# ---- editing -----------------------------------------------------------------------------------------


def test_edit_shows_the_record_and_saves_changes(qtbot, services, desk):
    record = register(services, desk, "محمد", "علي", date_of_birth="01/01/1970", phone="020 7946 0000",
                      preferred_contact="phone", interpreter_needed=True, preferred_language="Arabic")
    dialog = shown(qtbot, ResidentDialog(services, desk, record.id))
    assert dialog.windowTitle() == "Edit محمد علي"
    assert (dialog.given_name.text(), dialog.date_of_birth.text(), dialog.phone.text()) == (
        "محمد", "01/01/1970", "020 7946 0000")
    assert dialog.preferred_contact.currentData() == "phone" and dialog.interpreter_needed.isChecked()
    dialog.town.setText("London")
    with qtbot.waitSignal(dialog.saved):
        dialog.save_button.click()
    after = services.residents.get(desk, record.id)
    assert after.town == "London" and after.given_name == "محمد" and after.version == record.version + 1


def test_an_edit_conflict_brings_in_their_changes_and_keeps_the_typed_ones(qtbot, services, desk, admin, artifacts):
    """Another desk saved the record while this form was open: the fields this person left alone
    take the other desk's values (saving must not quietly undo them), what was typed stays, and a
    field both changed is named."""
    record = register(services, desk, "Ștefan", "Dumitrescu", date_of_birth="03/03/1962", phone="020 7946 0061")
    dialog = shown(qtbot, ResidentDialog(services, desk, record.id))
    services.residents.update(admin, record.id, ResidentInput(given_name="Ștefan", family_name="Dumitrescu",
                                                              date_of_birth="03/03/1962", town="Bow",
                                                              phone="07400 123456"),
                              record.version)
    dialog.town.setText("Stepney")
    dialog.accessibility_needs.setPlainText("Hearing loop, please")
    dialog.save_button.click()
    assert dialog.isVisible()
    said = dialog.message.text()
    assert "admin saved this record at 23/11/2026 10:00 while you were typing" in said
    assert "Their change to phone is now in the form." in said
    assert "You both changed town: what you typed is in the form." in said
    assert dialog.phone.text() == "07400 123456"  # theirs, where this person typed nothing
    assert dialog.town.text() == "Stepney" and dialog.accessibility_needs.toPlainText() == "Hearing loop, please"
    save_png(dialog, artifacts, "residents-edit-conflict.png")
    with qtbot.waitSignal(dialog.saved):
        dialog.save_button.click()  # saves the form as it now is: both desks' changes
    after = services.residents.get(desk, record.id)
    assert (after.town, after.accessibility_needs, after.phone_display) == ("Stepney", "Hearing loop, please",
                                                                           "07400 123456")


# ---- merging ---------------------------------------------------------------------------------------------


def test_merge_and_undo_through_the_dialog(qtbot, services, advocate, artifacts):
    keep = register(services, advocate, "Anna", "Kowalska", date_of_birth="14/03/1985", postcode="E1 6AN")
    dupe = register(services, advocate, "Ana", "Kowalska", date_of_birth="14/03/1985", phone="07911 123456")
    dialog = shown(qtbot, MergeDialog(services, advocate, keep.id, dupe.id), 1080, 640)
    assert dialog.keep.details.heading.text() == "Anna Kowalska"
    assert dialog.absorb.details.heading.text() == "Ana Kowalska"
    assert not dialog.keep.finder.isVisible() and dialog.absorb.details.isVisible()
    assert not dialog.merge_button.isEnabled()  # not until confirmed
    dialog.confirm.setChecked(True)
    assert dialog.merge_button.isEnabled()
    save_png(dialog, artifacts, "residents-merge-side-by-side.png")
    with qtbot.waitSignal(dialog.merged) as merged:
        qtbot.keyClick(dialog.merge_button, Qt.Key.Key_Space)
    assert merged.args == [keep.id]
    assert services.residents.get(advocate, dupe.id).merged_into_id == keep.id
    assert "undo this until 23/12/2026 10:00" in dialog.message.text()
    assert dialog.undo_button.isVisible() and not dialog.merge_button.isEnabled()
    assert not dialog.keep.choose_other.isVisible() and not dialog.absorb.choose_other.isVisible()
    assert "merged into record" in dialog.absorb.details.merged_note.text()
    save_png(dialog, artifacts, "residents-merge-done.png")
    with qtbot.waitSignal(dialog.undone):
        dialog.undo_button.click()
    assert services.residents.get(advocate, dupe.id).merged_into_id is None
    assert "separate records again" in dialog.message.text()
    assert not dialog.undo_button.isVisible()


def test_merge_dialog_picks_records_with_the_finder_and_swaps(qtbot, services, advocate):
    keep = register(services, advocate, "Priya", "Patel", date_of_birth="05/05/1988")
    dupe = register(services, advocate, "Priya", "Patell", date_of_birth="05/05/1988")
    dialog = shown(qtbot, MergeDialog(services, advocate, keep_id=keep.id), 1080, 640)
    finder = dialog.absorb.finder
    assert finder.isVisible()
    finder.set_query("patell")
    qtbot.waitUntil(lambda: not finder.is_searching() and finder.proxy.rowCount() >= 1, timeout=5000)
    names = [finder.proxy.index(r, ResultColumn.NAME).data() for r in range(finder.proxy.rowCount())]
    row = names.index("Priya Patell")
    finder.table.setFocus()
    finder.table.setCurrentIndex(finder.proxy.index(row, 0))
    qtbot.keyClick(finder.table, Qt.Key.Key_Return)
    assert dialog.absorb.record.id == dupe.id and not finder.isVisible()
    dialog.swap()
    assert (dialog.keep.record.id, dialog.absorb.record.id) == (dupe.id, keep.id)
    dialog.confirm.setChecked(True)
    dialog.merge_button.click()
    assert services.residents.get(advocate, keep.id).merged_into_id == dupe.id


def test_merge_dialog_shows_refusals_in_the_dialog(qtbot, services, advocate, desk):
    keep = register(services, advocate, "Tom", "Reed")
    dupe = register(services, advocate, "Tomm", "Reed")
    dialog = shown(qtbot, MergeDialog(services, advocate, keep.id, dupe.id))
    services.residents.update(desk, dupe.id, ResidentInput(given_name="Tomm", family_name="Reed", town="Bow"),
                              dupe.version)
    dialog.confirm.setChecked(True)
    dialog.merge_button.click()
    assert "changed by desk" in dialog.message.text() and "check them and merge again" in dialog.message.text()
    assert not dialog.confirm.isChecked() and dialog.absorb.record.version == dupe.version + 1
    assert services.residents.get(advocate, dupe.id).merged_into_id is None
    # The same record on both sides is caught before asking the service.
    dialog.absorb.load(keep.id)
    assert "same record" in dialog.message.text() and not dialog.merge_button.isEnabled()
    # Desk staff cannot merge: the service says so, in the dialog.
    desk_dialog = shown(qtbot, MergeDialog(services, desk, keep.id, dupe.id))
    desk_dialog.confirm.setChecked(True)
    desk_dialog.merge_button.click()
    assert "may not merge residents" in desk_dialog.message.text()


# ---- equality monitoring ----------------------------------------------------------------------------------


def test_equality_answers_by_keyboard_and_prefer_not_to_say(qtbot, services, desk, artifacts):
    record = register(services, desk, "પ્રિયા", "પટેલ")
    dialog = shown(qtbot, EqualityDialog(services, desk, record.id, record.name))
    assert dialog.status.text() == "Nothing recorded yet."
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.fields["age_band"])
    qtbot.keyClick(dialog.fields["age_band"], Qt.Key.Key_Down)  # Not answered -> 16-24
    qtbot.keyClick(dialog.fields["age_band"], Qt.Key.Key_Down)  # -> 25-34
    dialog.fields["sex"].setCurrentIndex(dialog.fields["sex"].findData("Prefer not to say"))
    dialog.fields["first_language"].setEditText("العربية")
    save_png(dialog, artifacts, "residents-equality.png")
    dialog.save_button.click()
    assert not dialog.isVisible()
    answers = services.residents.get_equality(desk, record.id).answers
    assert answers == EqualityAnswers(age_band="25-34", sex="Prefer not to say", first_language="العربية")
    again = shown(qtbot, EqualityDialog(services, desk, record.id))
    assert again.fields["age_band"].currentData() == "25-34"
    assert again.fields["first_language"].currentText() == "العربية"
    assert "3 of 5 answered" in again.status.text()


def test_equality_refusals_are_shown_in_the_dialog(qtbot, services, desk, advocate):
    record = register(services, desk, "Jo", "Bloggs")
    dialog = shown(qtbot, EqualityDialog(services, desk, record.id))
    dialog.fields["first_language"].setEditText("x" * 61)
    dialog.save_button.click()
    assert dialog.isVisible() and "at most 60" in dialog.message.text()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.fields["first_language"].lineEdit()
                    or QApplication.focusWidget() is dialog.fields["first_language"])
    refused = shown(qtbot, EqualityDialog(services, advocate, record.id))
    assert "may not record equality" in refused.message.text() and not refused.save_button.isEnabled()
