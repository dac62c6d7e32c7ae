"""The Serve panel, driven by keyboard as desk staff do, over real services on SQLite and PostgreSQL:
logging contacts (the common case counted in keystrokes), refusals on screen, drafts, rendering."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel

from assisted_desk.desk.consent import ConsentInput, RepresentativeInput
from assisted_desk.desk.vocab import ConsentPurpose, HelpType, Outcome
from assisted_desk.ui.desk.consent_dialogs import ConsentDialog
from assisted_desk.ui.desk.contact_form import AUTO_MINUTES
from assisted_desk.ui.desk.reference_banner import spoken

from .serve_helpers import (  # noqa: F401 (fixtures)
    CTRL,
    CTRL_SHIFT,
    Keys,
    choose_by_keyboard,
    log_contact,
    logged,
    lukasz,
    make_panel,
    panel,
    render,
    settle,
)
from .test_start_and_main import unnamed_widgets
from ..desk.contact_fixtures import register


def test_the_common_case_takes_at_most_six_keystrokes(qtbot, panel, services, admin, lukasz):
    choose_by_keyboard(qtbot, panel, "lukasz zolc")
    assert panel.resident_id == lukasz
    assert QApplication.focusWidget() in (panel.form.service, panel.form.service.lineEdit())

    keys = Keys(qtbot)
    keys.type("co")  # type-ahead: Council Tax
    assert panel.form.service_hint.text() == "Will be logged as: Council Tax"
    keys.press(Qt.Key.Key_Return, CTRL)  # save
    assert keys.count <= 6, f"the common case took {keys.count} keystrokes"

    rows = logged(services)
    assert len(rows) == 1
    row = rows[0]
    assert (row.resident_id, row.service_code, row.channel, row.help_type, row.outcome) == (
        lukasz, "council_tax", "face_to_face", "assisted", "resolved")
    assert (row.avoidable, row.satisfaction, row.minutes) == ("", "", 0)
    assert panel.banner.text() == row.reference
    assert "Łukasz Żółć" in panel.banner.caption.text()
    assert panel.banner.reference.accessibleName() == f"Reference {spoken(row.reference)}"
    assert panel.form.is_pristine() and panel.resident_id == lukasz  # ready for another service
    settle(qtbot, panel)
    assert panel.timeline.model.item(0).reference == row.reference
    assert services.interactions.load_draft(admin) is None


def test_save_and_next_clears_the_form_and_the_resident_and_goes_back_to_search(qtbot, panel, services, lukasz):
    reported = []
    panel.contact_logged.connect(reported.append)
    changes = []
    panel.resident_changed.connect(changes.append)
    choose_by_keyboard(qtbot, panel, "zolc")
    keys = Keys(qtbot)
    keys.type("park")
    # On to "Contact with"? Not shown without representatives. Parking has requests for the back
    # office, so "Send a request" comes next (left at "No request"), then Channel.
    keys.press(Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is panel.form.request_type)
    assert panel.form.request_type.currentData() is None
    panel.form.outcome.setCurrentIndex(panel.form.outcome.findData(Outcome.FOLLOW_UP.value))
    panel.form.notes.setPlainText("Permit renewal — الحسن will call back")
    keys.press(Qt.Key.Key_Return, CTRL_SHIFT)
    assert keys.count <= 6

    row = logged(panel.services)[0]
    assert (row.service_code, row.outcome, row.notes) == ("parking", "follow_up",
                                                          "Permit renewal — الحسن will call back")
    assert reported == [row.reference] and panel.banner.text() == row.reference
    assert changes == [lukasz, 0]
    assert panel.resident_id is None and not panel.form.isEnabled() and panel.form.is_pristine()
    assert panel.summary.name.text() == "No resident chosen"
    qtbot.waitUntil(lambda: QApplication.focusWidget() is panel.finder.box)
    assert panel.finder.box.selectedText() == "zolc"  # typing replaces the last search


def test_an_anonymous_contact_by_keyboard(qtbot, panel, services):
    panel.finder.focus_search()
    keys = Keys(qtbot)
    keys.press(Qt.Key.Key_A, CTRL_SHIFT)
    assert panel.anonymous and panel.summary.name.text() == "Anonymous contact"
    keys.type("dig")
    keys.press(Qt.Key.Key_Return, CTRL)
    row = logged(services)[0]
    assert (row.resident_id, row.service_code) == (None, "digital_help")
    assert "Saved. Reference for this contact:" == panel.banner.caption.text()


def test_on_behalf_without_consent_is_refused_on_screen_and_consent_can_be_recorded(qtbot, panel, services,
                                                                                    admin, lukasz):
    choose_by_keyboard(qtbot, panel, "lukasz")
    panel.form.service.setEditText("Parking")
    panel.form.help_type.setCurrentIndex(panel.form.help_type.findData(HelpType.ON_BEHALF.value))
    panel.form.notes.setPlainText("Pay the penalty charge for him")
    qtbot.keyClick(panel.form.notes, Qt.Key.Key_Return, CTRL)

    assert logged(services) == []
    assert panel.message.isVisible()
    assert panel.message.text() == "No current consent to act for Łukasz Żółć with Parking: record consent first."
    assert panel.consent_button.isVisible() and QApplication.focusWidget() is panel.consent_button
    assert panel.form.values()["notes"] == "Pay the penalty charge for him"
    assert panel.form.service.code() == "parking" and panel.form.help_type.currentData() == "on_behalf"

    qtbot.keyClick(panel.consent_button, Qt.Key.Key_Space)
    dialog = panel.summary.dialog
    assert isinstance(dialog, ConsentDialog) and dialog.isVisible()
    assert dialog.purpose.currentData() == ConsentPurpose.ACT_ON_BEHALF.value
    assert dialog.service.currentData() == "parking"
    assert dialog.given_by.currentText() == "Łukasz Żółć"
    dialog.method.setCurrentIndex(dialog.method.findData("written"))
    dialog.save_button.click()
    assert panel.summary.dialog is None
    assert panel.message.text() == "Consent recorded. Press Ctrl+Enter to save the contact."
    assert not panel.consent_button.isVisible()
    settle(qtbot, panel)
    assert panel.summary.consents_model.rowCount() == 1
    assert panel.summary.tabs.tabText(0) == "Consents (1)"

    panel.activateWindow()  # the offscreen platform does not give it back when the dialog closes
    qtbot.waitUntil(lambda: QApplication.activeWindow() is panel)
    assert QApplication.focusWidget() in (panel.form.service, panel.form.service.lineEdit())
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return, CTRL)
    row = logged(services)[0]
    assert (row.service_code, row.help_type, row.notes) == ("parking", "on_behalf", "Pay the penalty charge for him")
    assert not panel.message.isVisible()


def test_a_withdrawn_consent_is_refused_with_its_date(qtbot, panel, services, admin, lukasz, clock):
    given = services.consent.record_consent(admin, lukasz, ConsentInput(ConsentPurpose.ACT_ON_BEHALF, "*", "verbal"))
    clock.advance(days=1)
    services.consent.withdraw_consent(admin, given.id)
    choose_by_keyboard(qtbot, panel, "lukasz")
    panel.form.service.setEditText("Housing")
    panel.form.help_type.setCurrentIndex(panel.form.help_type.findData(HelpType.ON_BEHALF.value))
    assert panel.save() is None
    assert "was withdrawn on 24 November 2026" in panel.message.text()


def test_a_bad_value_is_named_and_the_cursor_goes_to_its_field(qtbot, panel, services, lukasz):
    choose_by_keyboard(qtbot, panel, "lukasz")
    qtbot.keyClicks(panel.form.service.lineEdit(), "zzz")
    assert "No single service matches" in panel.form.service_hint.text()
    panel.form.notes.setPlainText("kept")
    qtbot.keyClick(panel.form.notes, Qt.Key.Key_Return, CTRL)
    assert "Service 'zzz' is not in the catalogue" in panel.message.text()
    assert QApplication.focusWidget() in (panel.form.service, panel.form.service.lineEdit())
    assert panel.form.notes.toPlainText() == "kept" and logged(services) == []

    panel.form.service.setEditText("tax")  # any part of a name, when only one service has it
    assert panel.form.service.code() == "council_tax"
    panel.form.satisfaction_reason.setText("Friendly")
    qtbot.keyClick(panel.form.notes, Qt.Key.Key_Return, CTRL)
    assert "A reason goes with a satisfaction rating" in panel.message.text()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is panel.form.satisfaction)


def test_minutes_are_worked_out_unless_typed(qtbot, panel, services, lukasz, clock):
    choose_by_keyboard(qtbot, panel, "lukasz")
    clock.advance(minutes=7, seconds=10)
    panel.form.service.setEditText("Benefits")
    assert panel.form.minutes.value() == AUTO_MINUTES and panel.form.minutes.text() == "Auto (time since you started)"
    panel.save()
    clock.advance(minutes=3)
    panel.form.service.setEditText("Benefits")
    panel.form.minutes.setValue(25)
    panel.save()
    assert [row.minutes for row in logged(services)] == [8, 25]


def test_the_draft_comes_back_when_the_panel_is_made_again(qtbot, make_panel, services, admin, lukasz, clock):
    rep = services.consent.add_representative(admin, lukasz, RepresentativeInput("Anna", "carer"))
    panel = make_panel()
    choose_by_keyboard(qtbot, panel, "lukasz")
    panel.form.representative.setCurrentIndex(panel.form.representative.findData(rep.id))
    panel.form.service.setEditText("Housing")
    panel.form.outcome.setCurrentIndex(panel.form.outcome.findData(Outcome.ESCALATED.value))
    notes = "Łukasz Żółć — Ștefan — محمد — પ્રિયા: needs housing advice"
    panel.form.notes.setPlainText(notes)
    settle(qtbot, panel)  # the draft is kept after a pause, off the GUI thread
    kept = services.interactions.load_draft(admin)
    assert kept is not None and kept.payload["form"]["notes"] == notes
    assert kept.payload["resident_id"] == lukasz
    panel.close()

    clock.advance(minutes=4)
    again = make_panel()  # as after a crash and a new sign-in
    settle(qtbot, again)
    assert again.form.representative.currentData() == rep.id
    assert again.resident_id == lukasz
    assert again.summary.name.text() == "Łukasz Żółć"
    assert again.form.notes.toPlainText() == notes
    assert again.form.service.code() == "housing"
    assert again.form.outcome.currentData() == Outcome.ESCALATED.value
    assert again.message.isVisible() and "Your unfinished contact from 23/11/2026 10:00 was brought back" in \
        again.message.text()
    again.save()
    row = logged(services)[0]
    assert (row.notes, row.representative_id, row.minutes) == (notes, rep.id, 4)  # timed from the first start
    settle(qtbot, again)
    assert services.interactions.load_draft(admin) is None


def test_discard_throws_the_contact_and_its_draft_away(qtbot, panel, services, admin, lukasz):
    choose_by_keyboard(qtbot, panel, "lukasz")
    panel.form.notes.setPlainText("not needed")
    settle(qtbot, panel)
    assert services.interactions.load_draft(admin) is not None
    panel.discard_button.click()
    settle(qtbot, panel)
    assert panel.form.is_pristine() and services.interactions.load_draft(admin) is None
    assert panel.resident_id == lukasz


def test_an_anonymous_draft_comes_back_anonymous(qtbot, make_panel, services, admin):
    panel = make_panel()
    panel.start_anonymous()
    panel.form.notes.setPlainText("asked for the bus timetable")
    settle(qtbot, panel)
    panel.close()
    again = make_panel()
    assert again.anonymous and again.form.notes.toPlainText() == "asked for the bus timetable"


def mnemonics(root) -> list[tuple[str, str]]:
    """(letter, text) of every Alt+letter shortcut shown in `root`'s own window."""
    texts = [w.text() for w in root.findChildren(QLabel) + root.findChildren(QAbstractButton)
             if w.window() is root and "&" in w.text().replace("&&", "")]
    return sorted((text[text.index("&") + 1].lower(), text) for text in texts)


def test_every_interactive_widget_has_an_accessible_name(qtbot, panel, services, admin, lukasz):
    services.consent.add_representative(admin, lukasz, RepresentativeInput("Anna", "carer", scope=("housing",)))
    choose_by_keyboard(qtbot, panel, "lukasz")
    assert unnamed_widgets(panel) == []
    for widget in (panel.form.notes, panel.timeline.table, panel.summary.consents_table):
        assert widget.accessibleName()
    # Alt+letter reaches each field and button: no letter may be used twice in one window.
    windows = [panel]
    for opener in (lambda: panel.summary.record_consent("parking"), panel.summary.add_representative):
        opener()
        assert unnamed_widgets(panel.summary.dialog) == []
        windows.append(panel.summary.dialog)
    for window in windows:
        letters = [letter for letter, _text in mnemonics(window)]
        assert len(letters) >= 8 and len(letters) == len(set(letters)), mnemonics(window)
    for window in windows[1:]:
        window.reject()


def test_a_retired_service_leaves_the_list_on_refresh(qtbot, panel, services, admin, lukasz):
    assert panel.form.service.findData("parking") >= 0
    services.catalogue.set_active(admin, "parking", False)
    services.catalogue.add(admin, "Blue Badge")
    panel.refresh()
    settle(qtbot, panel)
    assert panel.form.service.findData("parking") < 0
    assert panel.form.service.itemText(panel.form.service.count() - 1) == "Blue Badge"


@pytest.mark.parametrize("scale", [1, 2])
def test_panel_and_dialogs_render_to_png(qtbot, qapp, make_panel, services, admin, lukasz, artifacts, scale, request):
    if scale == 2:
        font, sheet = qapp.font(), qapp.styleSheet()
        original = font.pointSizeF()
        font.setPointSizeF(original * 2)
        qapp.setFont(font)
        qapp.setStyleSheet(sheet.replace("11pt", "22pt"))

        def restore() -> None:
            font.setPointSizeF(original)
            qapp.setFont(font)
            qapp.setStyleSheet(sheet)

        request.addfinalizer(restore)
    backend = "pg" if "postgresql" in request.node.callspec.id else "sqlite"
    services.consent.record_consent(admin, lukasz, ConsentInput(ConsentPurpose.ACT_ON_BEHALF, "council_tax",
                                                                "written", valid_until=date(2027, 5, 3)))
    rep = services.consent.add_representative(admin, lukasz, RepresentativeInput(
        "Anna Żółć", "family", phone="07911 123456", scope=("council_tax", "parking")))
    log_contact(services, admin, lukasz, notes="Single person discount — محمد helped")
    panel = make_panel()
    panel.resize(1100 * scale, 760 * scale)
    choose_by_keyboard(qtbot, panel, "lukasz")
    panel.form.service.setEditText("Parking")
    panel.form.help_type.setCurrentIndex(panel.form.help_type.findData(HelpType.ON_BEHALF.value))
    panel.save()
    QApplication.processEvents()  # lay out the message before drawing
    assert panel.grab().save(str(artifacts / f"serve-refused-{scale}x-{backend}.png"))
    panel.form.help_type.setCurrentIndex(panel.form.help_type.findData(HelpType.INFORMATION.value))
    panel.save()
    settle(qtbot, panel)
    QApplication.processEvents()
    assert panel.grab().save(str(artifacts / f"serve-saved-{scale}x-{backend}.png"))
    summary = panel.summary
    for name, opener in (("consent", lambda: summary.record_consent("parking", rep.id)),
                         ("representative", lambda: summary.edit_representative(rep)),
                         ("withdraw", lambda: summary.withdraw(services.consent.current_consents(admin, lukasz)[0]))):
        opener()
        render(summary.dialog, artifacts / f"serve-{name}-dialog-{scale}x-{backend}.png")
        summary.dialog.reject()
    panel.open_item(panel.timeline.model.item(0))
    render(panel.detail, artifacts / f"serve-contact-detail-{scale}x-{backend}.png")
    panel.detail.reject()


def test_a_draft_that_cannot_be_kept_is_said_beside_the_form(qtbot, panel, services, admin, lukasz):
    choose_by_keyboard(qtbot, panel, "lukasz")
    panel.form.notes.setPlainText("x" * 100_001)
    settle(qtbot, panel)
    assert "could not be kept as a draft" in panel.message.text() and "at most 100000" in panel.message.text()
    assert panel.form.notes.toPlainText() == "x" * 100_001
    assert services.interactions.load_draft(admin) is None


def test_opening_someone_else_clears_a_contact_typed_for_the_last_person(qtbot, panel, services, admin, lukasz):
    other = register(services, admin, "Ștefan", "Ionescu", "02/02/1962")
    choose_by_keyboard(qtbot, panel, "lukasz")
    panel.form.service.setEditText("Parking")
    panel.form.help_type.setCurrentIndex(panel.form.help_type.findData(HelpType.ON_BEHALF.value))
    settle(qtbot, panel)
    assert services.interactions.load_draft(admin) is not None

    panel.open_resident(other)  # e.g. the next walk-in called from the queue
    settle(qtbot, panel)
    assert panel.form.is_pristine() and panel.resident_id == other
    assert panel.message.text() == "The unsaved contact for Łukasz Żółć was cleared."
    assert services.interactions.load_draft(admin) is None
    panel.open_resident(other)  # the same person again keeps what is typed
    panel.form.notes.setPlainText("Still typing")
    panel.open_resident(other)
    assert panel.form.values()["notes"] == "Still typing"


def test_the_last_reference_does_not_stay_above_a_refusal(qtbot, panel, services, lukasz):
    choose_by_keyboard(qtbot, panel, "lukasz")
    panel.form.service.setEditText("Council Tax")
    assert panel.save() is not None and panel.banner.isVisible()
    panel.form.service.setEditText("Parking")
    panel.form.help_type.setCurrentIndex(panel.form.help_type.findData(HelpType.ON_BEHALF.value))
    assert panel.save() is None
    assert not panel.banner.isVisible() and panel.message.isVisible()
