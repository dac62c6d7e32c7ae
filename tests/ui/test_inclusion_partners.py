"""The Partners tab driven as a coordinator would, over real services on SQLite: the directory
with each partner's measured responsiveness, a service in full, adding and changing a service by
hand (a refusal keeps what was typed), our own notes and capacity, and an import from a real
Open Referral UK server on 127.0.0.1 with a bad record reported."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from PySide6.QtWidgets import QAbstractButton, QApplication, QHeaderView, QLabel

from assisted_desk.core.security import Role
from assisted_desk.inclusion.referral_vocab import ReferralStatus
from assisted_desk.ui.inclusion import InclusionPage
from assisted_desk.ui.inclusion.partner_editor import NEW_ORGANISATION, NotesDialog, ServiceEditor, Ticks
from assisted_desk.ui.inclusion.referral_models import SuggestionColumn
from assisted_desk.ui.inclusion.partners_models import PartnerColumn
from assisted_desk.ui.inclusion.partners_tab import ImportDialog, PartnersTab

from ..conftest import make_actor
from ..oruk_server import OrukServer, service
from .conftest import double_the_text
from . import test_inclusion_referrals as referrals_ui
from .test_inclusion_referrals import GUJARATI, loaded, sent_referral
from .test_residents_ui import save_png, shown
from .test_start_and_main import unnamed_widgets

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

# The referral screens' fixtures: a coordinator, three partners near Whitechapel, a resident.
coordinator, directory, resident = referrals_ui.coordinator, referrals_ui.directory, referrals_ui.resident


def mnemonics(page) -> list[str]:
    """The Alt+letter keys of everything visible on the page, the tab bar included. Qt ignores a
    letter two visible widgets share (it only moves focus between them): each must be unique."""
    texts = [page.tabs.tabText(i) for i in range(page.tabs.count())]
    texts += [w.text() for w in page.findChildren(QAbstractButton) if w.isVisibleTo(page)]
    texts += [w.text() for w in page.findChildren(QLabel) if w.buddy() is not None and w.isVisibleTo(page)]
    return [m.group(1).lower() for text in texts for m in [re.search(r"&([^&])", text)] if m]


def tab_for(qtbot, services, actor) -> PartnersTab:
    tab = shown(qtbot, PartnersTab(services, actor), 1100, 720)
    tab.shown()
    loaded(qtbot, tab)
    return tab


def row_named(tab, name: str) -> int:
    return next(row for row in range(tab.model.rowCount()) if tab.model.service(row).name == name)


def choose(tab, name: str) -> None:
    row = row_named(tab, name)
    tab.table.selectRow(tab.proxy.mapFromSource(tab.model.index(row, 0)).row())


def test_directory_with_responsiveness_and_a_service_in_full(qtbot, qtmodeltester, services, coordinator, directory,
                                                             resident, artifacts):
    referral_id = sent_referral(services, coordinator, resident, directory["Online basics"], "Good Things Hub")
    version = services.referrals.get(coordinator, referral_id).version
    services.referrals.record_update(coordinator, referral_id, ReferralStatus.ACCEPTED, expected_version=version)
    tab = tab_for(qtbot, services, coordinator)
    assert tab.model.rowCount() == 3 and "3 services, 2 taking referrals now" in tab.status.text()
    online = row_named(tab, "Online basics")
    text = [tab.model.index(online, column).data() for column in range(len(PartnerColumn))]
    assert text[:6] == ["Online basics", "Good Things Hub", "Transacting, Communicating, Foundation skills",
                        "English, Arabic", "E1 6QL", "Yes"]
    assert text[PartnerColumn.DAYS_TO_ACCEPT] == "0" and text[PartnerColumn.ACCEPTED] == "100%"
    assert text[PartnerColumn.ATTENDED] == ""  # no attendance known yet: not 0%
    closed = row_named(tab, "Full course")
    assert tab.model.index(closed, PartnerColumn.TAKES_REFERRALS).data() == "No"

    tab.filter.setText("arabic")
    assert tab.proxy.rowCount() == 1
    tab.filter.setText("")
    choose(tab, "Online basics")
    details = tab.details.text()
    for words in ("Good Things Hub", "Whitechapel Idea Store", "Email: referrals@goodthings.example",
                  "Accepted 1 of 1 answered (100%)", "Added by hand"):
        assert words in details
    assert tab.edit_button.isEnabled() and tab.notes_button.isEnabled()
    assert unnamed_widgets(tab) == []
    qtmodeltester.check(tab.model, force_py=True)
    qtmodeltester.check(tab.proxy, force_py=True)
    save_png(tab, artifacts, "partners-directory.png")


def test_add_a_service_refused_keeps_what_was_typed_then_change_it(qtbot, services, coordinator, directory,
                                                                   artifacts):
    tab = tab_for(qtbot, services, coordinator)
    tab.add_button.click()
    editor = tab.dialog
    assert isinstance(editor, ServiceEditor) and unnamed_widgets(editor) == []
    editor.organisation.setCurrentIndex(editor.organisation.findData(NEW_ORGANISATION))
    editor.org_name.setText("مركز الأمل")
    editor.name.setText(f"{GUJARATI}'s phone club")
    editor.areas.boxes["communicating"].setChecked(True)
    editor.languages.setText("Gujarati, English")
    editor.postcode.setText("E1 6AN")
    editor.method.setCurrentIndex(editor.method.findData("email"))
    editor.save_button.click()  # no address for email referrals
    assert editor.isVisible() and "email address referrals go to" in editor.message.text()
    assert editor.focusWidget() is editor.referral_email
    assert editor.name.text() == f"{GUJARATI}'s phone club"  # what was typed stays
    assert editor.organisation.currentText() == "مركز الأمل"  # added once, now chosen
    save_png(editor, artifacts, "partners-editor-refused.png")
    editor.referral_email.setText("club@amal.example")
    editor.save_button.click()
    loaded(qtbot, tab)
    assert tab.dialog is None
    added = tab.selected()
    assert added.name == f"{GUJARATI}'s phone club" and added.organisation_name == "مركز الأمل"
    assert added.languages == ("gu", "en") and added.locations[0].postcode == "E1 6AN"
    assert [o.name for o in services.partners.list_organisations(coordinator)].count("مركز الأمل") == 1

    tab.edit_button.click()
    editor = tab.dialog
    assert editor.name.text() == f"{GUJARATI}'s phone club"
    editor.min_age.setValue(30)
    editor.max_age.setValue(20)
    editor.save_button.click()
    assert "minimum age (30) is above the maximum age (20)" in editor.message.text()
    editor.max_age.setValue(99)
    editor.save_button.click()
    loaded(qtbot, tab)
    assert tab.selected().min_age == 30 and tab.selected().max_age == 99

    tab.notes_button.click()
    notes = tab.dialog
    assert isinstance(notes, NotesDialog) and unnamed_widgets(notes) == []
    # Added by hand: no directory to follow, so only Yes / No, starting at what it says now.
    assert "added by hand" in notes.windowTitle() + " ".join(l.text() for l in notes.findChildren(QLabel))
    assert not any("directory" in l.text() for l in notes.findChildren(QLabel))
    assert [notes.accepting.itemData(i) for i in range(notes.accepting.count())] == [True, False]
    assert notes.accepting.currentData() is True
    notes.notes.setPlainText("Ask for Priya; she speaks Gujarati.")
    notes.accepting.setCurrentIndex(notes.accepting.findData(False))
    notes.capacity.setText("full until January")
    notes.save_button.click()
    loaded(qtbot, tab)
    row = row_named(tab, f"{GUJARATI}'s phone club")
    assert tab.model.index(row, PartnerColumn.TAKES_REFERRALS).data() == "No (our setting)"
    assert "full until January" in tab.details.text() and "Ask for Priya" in tab.details.text()
    # Back to Yes, what it was added with: no override is kept.
    tab.notes_button.click()
    notes = tab.dialog
    assert notes.accepting.currentData() is False
    notes.accepting.setCurrentIndex(notes.accepting.findData(True))
    notes.save_button.click()
    loaded(qtbot, tab)
    assert tab.selected().local_accepting is None and tab.selected().accepting_referrals is True


def test_tick_boxes_go_to_one_column_when_two_do_not_fit(qtbot, database_url):
    ticks = Ticks([("a", "Being safe and legal online"), ("b", "Handling information and content"),
                   ("c", "Communicating")], "Skill areas")
    qtbot.addWidget(ticks)
    ticks.show()
    ticks.resize(2 * ticks.widest_box() + 40, 200)
    qtbot.waitUntil(lambda: ticks.columns == 2)
    ticks.resize(ticks.widest_box() + 10, 300)
    qtbot.waitUntil(lambda: ticks.columns == 1)
    assert all(box.geometry().right() <= ticks.width() for box in ticks.boxes.values())
    assert ticks.minimumSizeHint().width() <= ticks.widest_box()


@pytest.fixture
def oruk():
    server = OrukServer().start()
    yield server
    server.stop()


def test_import_from_an_open_referral_uk_directory(qtbot, services, coordinator, oruk, artifacts):
    oruk.put(service("svc-1", "Digital drop-in"))
    oruk.put(service("svc-2", "Tablet lending", languages=[{"id": "l2", "name": "Polish", "code": "pl"}]))
    oruk.put(service("svc-3", "", org_id="org-2"))  # no name: skipped and reported
    tab = tab_for(qtbot, services, coordinator)
    tab.import_button.click()
    dialog = tab.dialog
    assert isinstance(dialog, ImportDialog) and unnamed_widgets(dialog) == []
    dialog.url.setText("ftp://nowhere")
    dialog.start_button.click()
    loaded(qtbot, dialog)
    assert dialog.message.isVisible() and dialog.summary is None
    dialog.url.setText(oruk.url)
    dialog.start_button.click()
    loaded(qtbot, dialog)
    assert dialog.summary is not None and dialog.progress.value() == dialog.progress.maximum() == 3
    assert "Done: 2 added, 0 changed, 0 unchanged, 0 gone, 1 skipped." == dialog.step.text()
    assert dialog.result.toPlainText().startswith("Skipped svc-3: ")
    save_png(dialog, artifacts, "partners-import-summary.png")
    dialog.close_button.click()
    loaded(qtbot, tab)
    names = sorted(tab.model.service(row).name for row in range(tab.model.rowCount()))
    assert names == ["Digital drop-in", "Tablet lending"]
    choose(tab, "Tablet lending")
    assert not tab.edit_button.isEnabled() and tab.notes_button.isEnabled()  # its directory changes it
    assert f"Imported from {oruk.url}" in tab.details.text()


def test_the_page_offers_the_tabs_only_to_staff_who_may_refer(qtbot, qapp, services, admin, coordinator, directory,
                                                              resident, artifacts, request):
    page = shown(qtbot, InclusionPage(services, coordinator), 1100, 720)
    assert [page.tabs.tabText(i) for i in range(page.tabs.count())] == ["Digital s&kills", "R&eferrals",
                                                                         "Par&tners"]
    page.tabs.setCurrentWidget(page.partners)
    loaded(qtbot, page.partners)
    assert page.partners.model.rowCount() == 3
    desk = make_actor(services, admin, "deskstaff", Role.DESK)
    assert shown(qtbot, InclusionPage(services, desk)).tabs.count() == 1
    refused = tab_for(qtbot, services, desk)  # were it ever shown to them: the refusal in words, no crash
    assert "may not refer to partners" in refused.message.text() and refused.model.rowCount() == 0
    assert not refused.add_button.isVisibleTo(refused) and not refused.import_button.isVisibleTo(refused)
    double_the_text(qapp, request)
    big = shown(qtbot, InclusionPage(services, coordinator), 1100, 720)
    big.tabs.setCurrentWidget(big.partners)
    loaded(qtbot, big.partners)
    choose(big.partners, "Online basics")
    save_png(big, artifacts, "partners-directory-2x.png")
    big.tabs.setCurrentWidget(big.referrals)
    save_png(big, artifacts, "referrals-list-2x.png")
    referral_id = sent_referral(services, coordinator, resident, directory["Online basics"], "Good Things Hub")
    for tab in (big.skills, big.partners, big.referrals):
        big.tabs.setCurrentWidget(tab)
        assert [key for key, n in Counter(mnemonics(big)).items() if n > 1] == []
    big.referrals.open_referral(referral_id)
    assert [key for key, n in Counter(mnemonics(big)).items() if n > 1] == []
    save_png(big, artifacts, "referral-detail-2x.png")
    detail = big.referrals.detail
    for push in (big.partners.add_button, big.partners.import_button, big.referrals.csv_button,
                 *detail.step_buttons.values(), detail.call_button, detail.reroute_button, detail.withdraw_button):
        assert push.fontMetrics().horizontalAdvance(push.text().replace("&", "")) <= push.width()

    # At double size: the add-service form's tick boxes all fit, no sideways scrolling.
    big.tabs.setCurrentWidget(big.partners)
    big.partners.add_button.click()
    editor = big.partners.dialog
    qtbot.waitUntil(editor.isVisible)
    QApplication.processEvents()
    save_png(editor, artifacts, "partners-add-2x.png")
    for ticks in editor.findChildren(Ticks):
        for box in ticks.boxes.values():
            assert box.mapTo(editor, box.rect().topRight()).x() <= editor.width(), box.text()
    editor.reject()

    # The suggestions' Why column takes the rest of the width and wraps: the reasons are readable.
    referrals_ui.assess(services, coordinator, resident)
    big.tabs.setCurrentWidget(big.referrals)
    big.referrals.show_resident(resident)
    loaded(qtbot, big.referrals)
    big.referrals.suggest()
    loaded(qtbot, big.referrals)
    table = big.referrals.making.table
    QApplication.processEvents()
    save_png(big, artifacts, "referrals-suggestions-2x.png")
    assert table.horizontalHeader().sectionResizeMode(SuggestionColumn.WHY) == QHeaderView.ResizeMode.Stretch
    assert table.columnWidth(SuggestionColumn.WHY) >= table.fontMetrics().horizontalAdvance("teaches Transacting")
    assert table.horizontalScrollBar().maximum() == 0


def test_editing_a_hand_added_service_keeps_what_the_form_does_not_show(qtbot, services, coordinator):
    """Coordinates, a place's directory id, weekly days and hours, further places and times, and the
    fields the form has no box for survive an edit of one word; a changed postcode drops the old
    map position (it would be wrong)."""
    from assisted_desk.inclusion.directory import LocationInput, OrganisationInput, ScheduleInput, ServiceInput

    org = services.partners.add_organisation(coordinator, OrganisationInput("محمد's Digital Buddies"))
    record = services.partners.add_service(coordinator, org.id, ServiceInput(
        "Drop-in for Łukasz", skill_areas=("transacting",), referral_email="r@example.org",
        url="https://buddies.example.org", email="hello@buddies.example.org", phone="020 7946 0999",
        eligibility_note="Tower Hamlets residents", accessibility=("wheelchair",),
        locations=(LocationInput("Library", "1 High St", "E1 6AN", 51.5, -0.07, ("wheelchair", "hearing_loop")),
                   LocationInput("પ્રિયા's Hub", "2 Low St", "E2 7AA", 51.53, -0.06)),
        schedules=(ScheduleInput("MO,WE", "10:00", "12:00", "term time"), ScheduleInput("SA", "09:00", "11:00"))))
    editor = ServiceEditor(services, coordinator, record, ())
    qtbot.addWidget(editor)
    assert "1 more places and 1 more times are kept as they are" in editor.intro.text()
    assert editor.when.text() == "term time"
    editor.description.setPlainText("Only the description changed")
    saved = editor.save()
    assert saved.description == "Only the description changed"
    assert saved.locations == record.locations and saved.schedules == record.schedules
    for name in ("url", "email", "phone", "eligibility_note", "accessibility", "skill_areas", "referral_email"):
        assert getattr(saved, name) == getattr(record, name), name

    editor = ServiceEditor(services, coordinator, saved, ())
    qtbot.addWidget(editor)
    editor.postcode.setText("E1 7HT")
    editor.when.setText("")
    moved = editor.save()
    first = moved.locations[0]
    assert (first.postcode, first.latitude, first.longitude) == ("E1 7HT", None, None)
    assert {a.value for a in first.accessibility} == {"wheelchair", "hearing_loop"}  # its own, ticks unchanged
    assert moved.locations[1] == record.locations[1]
    assert [(s.byday, s.opens_at, s.closes_at, s.description) for s in moved.schedules] == [
        ("MO,WE", "10:00", "12:00", ""), ("SA", "09:00", "11:00", "")]
