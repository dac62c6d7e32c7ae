"""The Referrals tab driven as a coordinator would, over real services on SQLite (the services are
proved on SQLite and PostgreSQL in tests/inclusion): suggestions with their reasons, a draft, a
send refused for consent, the consent recorded from the screen, the send; steps with reasons and
only the allowed ones offered; a re-route; follow-ups; a partner's CSV with a bad row."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFontDatabase, QGuiApplication, QTextLayout
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QHeaderView

from assisted_desk.core.security import Role
from assisted_desk.desk.consent import ConsentInput
from assisted_desk.desk.vocab import ConsentPurpose
from assisted_desk.inclusion.referral_content import default_need_text
from assisted_desk.inclusion.referral_vocab import ReferralStatus, UpdateSource
from assisted_desk.inclusion.skills_vocab import Answer, Barrier, Evidence, Goal
from assisted_desk.ui.inclusion.csv_updates import SEVERAL
from assisted_desk.ui.inclusion.referral_detail import RerouteDialog, StepDialog
from assisted_desk.ui.inclusion.referral_models import (CsvPreviewModel, FollowUpsModel, ReferralHistoryModel,
                                                        ReferralsModel, ServiceChoiceModel, SuggestionColumn,
                                                        SuggestionsModel)
from assisted_desk.ui.inclusion.referrals_tab import ReferralsTab
from assisted_desk.ui.workers import wait_for_background_jobs

from assisted_desk.ui.admin.common import selected_row

from ..conftest import make_actor
from ..inclusion.partner_rows import add_organisation, add_points, add_service, place
from .test_residents_ui import register, save_png, shown
from .test_start_and_main import unnamed_widgets

# The screens behave the same on either database; their services are proved on both in tests/inclusion.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

ARABIC = "محمد"
GUJARATI = "પ્રિયા"


@pytest.fixture
def coordinator(services, admin):
    return make_actor(services, admin, "coordinator", Role.COORDINATOR)


@pytest.fixture
def directory(services):
    """Three partners near Whitechapel: one teaching by email, one lending devices by phone, one
    not taking referrals now. Returns their service ids by name."""
    with services.db.unit_of_work() as session:
        add_points(session)
        hub = add_organisation(session, "Good Things Hub", email="hello@goodthings.example")
        tower = add_organisation(session, "Tower Digital")
        closed = add_organisation(session, "Closed Club")
        ids = {
            "Online basics": add_service(
                session, hub, "Online basics", skill_areas=["transacting", "communicating", "foundation"],
                offers=["skills_training"], languages=["en", "ar"], referral_method="email",
                referral_email="referrals@goodthings.example",
                locations=[place("E1 6QL", "Whitechapel Idea Store", accessibility=["wheelchair"])]).id,
            "Device library": add_service(
                session, tower, "Device library", skill_areas=["foundation"], offers=["device_lending"],
                referral_method="phone", referral_phone="020 7946 0123", locations=[place("E2 8HD")]).id,
            "Full course": add_service(
                session, closed, "Full course", skill_areas=["transacting"], referral_method="email",
                referral_email="full@closed.example", accepting_referrals=False).id,
        }
    return ids


@pytest.fixture
def resident(services, coordinator):
    return register(services, coordinator, ARABIC, "Al-Amin", postcode="E1 6AN", date_of_birth="02/05/1961").id


def assess(services, actor, resident_id: int) -> None:
    """A completed quick assessment: foundation skills reached, with the goal of using council
    services online (transacting first) and no device at home."""
    record = services.skills.start(actor, resident_id, "quick")
    for statement in record.statements:
        answer = Answer.ON_MY_OWN if statement.area == "foundation" else Answer.CANT_YET
        services.skills.record_answer(actor, record.id, statement.code, answer, Evidence.SAID)
    services.skills.save_goals(actor, record.id, [Goal.COUNCIL_SERVICES])
    services.skills.save_barriers(actor, record.id, {Barrier.NO_DEVICE: ""})
    services.skills.complete(actor, record.id)


def loaded(qtbot, widget) -> None:
    qtbot.waitUntil(lambda: not widget.is_loading(), timeout=5000)
    wait_for_background_jobs()
    QApplication.processEvents()


def tab_for(qtbot, services, actor) -> ReferralsTab:
    return shown(qtbot, ReferralsTab(services, actor), 1100, 720)


def open_resident(qtbot, tab, resident_id: int) -> None:
    tab.show_resident(resident_id)
    loaded(qtbot, tab)


def share_with(services, actor, resident_id: int, organisation: str) -> None:
    services.consent.record_consent(actor, resident_id, ConsentInput(ConsentPurpose.SHARE_WITH_PARTNER,
                                                                     organisation, "verbal"))


def sent_referral(services, actor, resident_id: int, service_id: int, organisation: str) -> int:
    share_with(services, actor, resident_id, organisation)
    draft = services.referrals.draft(actor, resident_id, service_id, need_areas=["transacting"],
                                     need_text="Paying council tax online")
    services.referrals.send(actor, draft.id, draft.version)
    return draft.id


def glyphs_drawn(widget, text: str) -> bool:
    """Every letter of `text` is drawn with a real glyph in the widget's font or a fallback font,
    never the empty box drawn when no font has the script."""
    layout = QTextLayout(text, widget.font())
    layout.beginLayout()
    layout.createLine()
    layout.endLayout()
    # Without a font for the script Qt lays the text out in a nameless font that claims every letter.
    fonts = [run.rawFont() for run in layout.glyphRuns() if run.rawFont().familyName()]
    return all(any(font.supportsCharacter(ord(ch)) for font in fonts) for ch in text if not ch.isspace())


def has_script(system: QFontDatabase.WritingSystem) -> bool:
    return system in QFontDatabase.writingSystems()


# ---- from suggestion to send -----------------------------------------------------------------


def test_suggest_make_refused_for_consent_record_it_then_send(qtbot, services, coordinator, directory, resident,
                                                              artifacts):
    assess(services, coordinator, resident)
    tab = tab_for(qtbot, services, coordinator)
    open_resident(qtbot, tab, resident)
    assert tab.panel.name.text() == f"{ARABIC} Al-Amin" and glyphs_drawn(tab.panel.name, ARABIC)
    assert "No referrals yet" in tab.panel.status.text()

    tab.panel.suggest_button.click()
    loaded(qtbot, tab)
    view = tab.making
    assert tab.stack.currentWidget() is view
    names = [view.model.suggestion(row).service_name for row in range(view.model.rowCount())]
    assert "Online basics" in names and "Full course" not in names
    assert "1 left out: 1 not taking referrals now" in view.excluded.text()
    row = names.index("Online basics")
    why = view.model.index(row, SuggestionColumn.WHY).data()
    assert why.startswith("teaches Transacting") and "miles" in why
    assert view.need.toPlainText().startswith("Would like help with: ")
    save_png(tab, artifacts, "referrals-suggestions.png")

    view.need.setPlainText("Paying council tax online; she is nervous about scams.")
    view.table.selectRow(view.proxy.mapFromSource(view.model.index(row, 0)).row())
    view.make_button.click()
    detail = tab.detail
    assert tab.stack.currentWidget() is detail
    assert detail.referral.status is ReferralStatus.DRAFT
    assert detail.referral.need_text == "Paying council tax online; she is nervous about scams."
    assert detail.step_buttons == {}  # a draft is sent or withdrawn, nothing else
    assert detail.withdraw_button.isVisible() and not detail.reroute_button.isVisible()
    assert not detail.call_button.isVisible()

    panel = detail.send_panel
    panel.send_button.click()
    assert detail.referral.status is ReferralStatus.DRAFT
    assert "consent to share their details with Good Things Hub" in panel.message.text()
    assert panel.consent_button.isVisible()
    assert panel.consent_button.accessibleName() == "Record consent to share with Good Things Hub"
    save_png(tab, artifacts, "referrals-consent-refused.png")

    panel.consent_button.click()
    dialog = panel.dialog
    assert dialog.purpose.currentData() == ConsentPurpose.SHARE_WITH_PARTNER.value
    assert dialog.partner.text() == "Good Things Hub"
    dialog.method.setCurrentIndex(dialog.method.findData("written"))
    dialog.save_button.click()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert not panel.consent_button.isVisible() and "Press Send" in panel.message.text()

    panel.send_button.click()
    assert detail.referral.status is ReferralStatus.SENT
    email = panel.result_text.toPlainText()
    assert email.startswith("Hello Good Things Hub team,")  # the body alone: Copy copies only this
    assert panel.email_to.text() == "referrals@goodthings.example"
    assert panel.email_subject.text().startswith("Referral RF-")
    panel.copy_button.click()
    assert QGuiApplication.clipboard().text() == email
    assert f"{ARABIC} Al-Amin" in email and "1961" not in email  # never the date of birth
    assert "mailto:referrals@goodthings.example?subject=" in panel.mail_link.text()
    assert not panel.send_button.isVisible()
    assert set(detail.step_buttons) == {ReferralStatus.ACCEPTED, ReferralStatus.DECLINED}
    assert detail.history_model.rowCount() == 2
    save_png(tab, artifacts, "referrals-sent-email.png")

    detail.back_button.click()
    loaded(qtbot, tab)
    assert tab.panel.model.rowCount() == 1
    assert tab.panel.model.referral(0).status is ReferralStatus.SENT

    # Reopened, the sent email is there again: the body to copy, to and subject apart, the mailto link.
    sent_id = tab.panel.model.referral(0).id
    tab.open_referral(sent_id)
    assert panel.result_text.toPlainText() == email and panel.email_to.text() == "referrals@goodthings.example"
    assert "Sent on" in panel.intro.text() and "mailto:" in panel.mail_link.text()
    detail.back_button.click()
    loaded(qtbot, tab)

    # A second referral to the same service is marked in the suggestions and refused.
    tab.suggest()
    loaded(qtbot, tab)
    view = tab.making
    row = next(r for r in range(view.model.rowCount()) if view.model.suggestion(r).service_name == "Online basics")
    reference = services.referrals.get(coordinator, sent_id).reference
    why = view.model.index(row, SuggestionColumn.WHY).data()
    assert why.startswith(f"already referred: {reference}, sent")
    assert reference in view.model.index(row, SuggestionColumn.WHY).data(Qt.ItemDataRole.ToolTipRole)
    view.table.selectRow(view.proxy.mapFromSource(view.model.index(row, 0)).row())
    view.make_button.click()
    assert f"already has an open referral to {view.model.suggestion(row).service_name}: {reference}" in \
        view.message.text()
    assert len(services.referrals.for_resident(coordinator, resident)) == 1


def test_the_default_need_is_what_the_chosen_service_covers_never_the_residents_health(
        qtbot, services, coordinator, directory):
    """The resident's accessibility needs (health data) steer the ranking but never go into the
    need text the partner reads; the referral's need areas are what the chosen service covers."""
    resident_id = register(services, coordinator, "Łukasz", "Nowak", postcode="E1 6AN",
                           accessibility_needs="uses a wheelchair; BSL interpreter").id
    assess(services, coordinator, resident_id)
    tab = tab_for(qtbot, services, coordinator)
    open_resident(qtbot, tab, resident_id)
    tab.panel.suggest_button.click()
    loaded(qtbot, tab)
    view = tab.making
    assert "wheelchair" in view.needs.text().lower()  # staff see what the ranking looked for
    names = [view.model.suggestion(row).service_name for row in range(view.model.rowCount())]
    for name in ("Online basics", "Device library"):
        source_row = names.index(name)
        view.table.selectRow(view.proxy.mapFromSource(view.model.index(source_row, 0)).row())
        chosen = view.chosen()
        assert chosen.service_name == name and chosen.covered_needs
        assert view.need.toPlainText() == default_need_text(chosen.covered_needs)
        text = view.need.toPlainText().lower()
        assert "wheelchair" not in text and "bsl" not in text and "sign" not in text
    view.need.setPlainText("Her own words, kept")
    view.table.selectRow(view.proxy.mapFromSource(view.model.index(names.index("Online basics"), 0)).row())
    assert view.need.toPlainText() == "Her own words, kept"  # staff's words survive a change of row
    view.need.setPlainText(default_need_text(view.chosen().covered_needs))
    covered = view.chosen().covered_needs
    view.make_button.click()
    assert tab.stack.currentWidget() is tab.detail
    referral = tab.detail.referral
    assert referral.need_areas == covered and "wheelchair" not in referral.need_text.lower()


def test_stated_needs_without_an_assessment_and_a_phone_partner(qtbot, services, coordinator, directory, artifacts):
    """No completed assessment: the screen asks what they need; a phone partner gives a number and
    what to say."""
    resident_id = register(services, coordinator, GUJARATI, "Patel", postcode="E2 8HD").id
    share_with(services, coordinator, resident_id, "tower digital")  # case does not matter
    tab = tab_for(qtbot, services, coordinator)
    open_resident(qtbot, tab, resident_id)
    assert tab.panel.name.text() == f"{GUJARATI} Patel"
    # This machine may have no Gujarati font (CI installs fonts-noto-core, which has one).
    assert glyphs_drawn(tab.panel.name, GUJARATI) == has_script(QFontDatabase.WritingSystem.Gujarati)
    tab.suggest()
    loaded(qtbot, tab)
    view = tab.making
    assert view.stated.isVisible() and "no completed skills assessment" in view.needs.text()
    assert not view.make_button.isEnabled()
    view.stated.ask_button.click()  # nothing ticked
    loaded(qtbot, tab)
    assert "at least one skill area or kind of help" in view.message.text()
    view.stated.offers[next(o for o in view.stated.offers if o.value == "device_lending")].setChecked(True)
    view.stated.ask_button.click()
    loaded(qtbot, tab)
    assert view.model.rowCount() >= 1 and view.model.suggestion(0).service_name == "Device library"
    save_png(tab, artifacts, "referrals-stated-needs.png")
    view.make_button.click()
    assert tab.stack.currentWidget() is tab.detail
    tab.detail.send_panel.send_button.click()
    text = tab.detail.send_panel.result_text.toPlainText()
    assert "020 7946 0123" in tab.detail.send_panel.intro.text() and f"{GUJARATI} Patel" in text
    tab.detail.back_button.click()
    loaded(qtbot, tab)
    tab.open_referral(tab.panel.model.referral(0).id)  # reopened: the number and the words again
    assert "020 7946 0123" in tab.detail.send_panel.intro.text()
    assert tab.detail.send_panel.result_text.toPlainText() == text


@pytest.mark.parametrize("method", ["api", "slip"])
def test_each_method_says_what_to_do_next(qtbot, services, coordinator, resident, method):
    with services.db.unit_of_work() as session:
        add_points(session)
        organisation = add_organisation(session, "Łódź Learning")
        service_id = add_service(session, organisation, "Tablet class", skill_areas=["transacting"],
                                 referral_method=method, referral_api_url="http://127.0.0.1:9/api",
                                 locations=[place("E1 7HT", "Library")],
                                 schedules=[{"byday": "TU", "opens_at": "10:00", "closes_at": "12:00"}]).id
    share_with(services, coordinator, resident, "Łódź Learning")
    draft = services.referrals.draft(coordinator, resident, service_id, need_text="Video calls with family")
    tab = tab_for(qtbot, services, coordinator)
    tab.open_referral(draft.id)
    panel = tab.detail.send_panel
    panel.send_button.click()
    assert tab.detail.referral.status is ReferralStatus.SENT and not panel.send_button.isVisible()
    if method == "api":  # queued in the outbox: nothing for staff to do now
        assert "waiting to send" in panel.intro.text() and "waiting to send" in tab.detail.state.text()
        assert not panel.result_text.isVisible()
    else:
        assert "printing" in panel.intro.text()
        slip = panel.result_text.toPlainText()
        for line in (f"For: {ARABIC} Al-Amin", "To: Łódź Learning — Tablet class", "Where: Library, E1 7HT",
                     "When: Tuesdays 10:00–12:00", "Help with: Video calls with family"):
            assert line in slip.splitlines()


def test_partner_text_is_plain_and_send_works_again_after_a_conflict(qtbot, services, coordinator, resident, clock):
    """A directory name is never read as HTML; after another desk changed the draft, Send reads it
    again instead of failing for ever. A step's date cannot be set before the referral's latest step."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLabel
    from sqlalchemy import update as sql_update

    from assisted_desk.inclusion.referral_models import Referral

    name = '<img src="http://evil.example/x.png"><b>Łódź</b> & Co'
    with services.db.unit_of_work() as session:
        add_points(session)
        organisation = add_organisation(session, name)
        service_id = add_service(session, organisation, "<i>Tablets</i>", skill_areas=["transacting"],
                                 referral_method="email", referral_email="r@lodz.example").id
    share_with(services, coordinator, resident, name)
    draft = services.referrals.draft(coordinator, resident, service_id, need_text="Video calls")
    tab = tab_for(qtbot, services, coordinator)
    tab.open_referral(draft.id)
    detail = tab.detail
    assert name in detail.title.text() and name in detail.send_panel.intro.text()
    rich = [label for label in detail.findChildren(QLabel)
            if label.textFormat() != Qt.TextFormat.PlainText and not label.openExternalLinks()]
    assert rich == []
    with services.db.unit_of_work() as session:  # another desk saves the draft meanwhile
        session.execute(sql_update(Referral).where(Referral.id == draft.id).values(version=Referral.version + 1))
    panel = detail.send_panel
    panel.send_button.click()
    assert "changed" in panel.message.text() and detail.referral.status is ReferralStatus.DRAFT
    assert detail.referral.version == draft.version + 1
    clock.advance(hours=5)  # sent at 15:00: after the noon a past day's step is given
    panel.send_button.click()
    assert detail.referral.status is ReferralStatus.SENT

    clock.advance(days=2)
    dialog = StepDialog(services, coordinator, detail.referral, ReferralStatus.ACCEPTED)
    qtbot.addWidget(dialog)
    sent_day = detail.referral.sent_at.date()
    assert dialog.when.minimumDate().toPython() == sent_day
    dialog.when.setDate(dialog.when.minimumDate())  # the day it was sent, before the moment it was sent
    saved = dialog.save()
    assert saved.status is ReferralStatus.ACCEPTED and saved.accepted_at == saved.sent_at


# ---- following a referral -----------------------------------------------------------------------


def test_steps_offer_only_what_is_allowed_and_ask_for_reasons(qtbot, services, coordinator, directory, resident):
    referral_id = sent_referral(services, coordinator, resident, directory["Online basics"], "Good Things Hub")
    tab = tab_for(qtbot, services, coordinator)
    open_resident(qtbot, tab, resident)
    tab.open_referral(referral_id)
    detail = tab.detail
    assert set(detail.step_buttons) == {ReferralStatus.ACCEPTED, ReferralStatus.DECLINED}
    assert ReferralStatus.COMPLETED not in detail.step_buttons  # forbidden from sent: not offered
    assert detail.reroute_button.isVisible() and detail.withdraw_button.isVisible()

    detail.step_buttons[ReferralStatus.DECLINED].click()
    dialog = detail.dialog
    assert isinstance(dialog, StepDialog) and not dialog.step.isEnabled() and unnamed_widgets(dialog) == []
    dialog.note.setText("Rang on Tuesday")
    dialog.save_button.click()
    assert dialog.isVisible() and "Reason" in dialog.message.text()
    assert dialog.note.text() == "Rang on Tuesday"  # what was typed stays
    dialog.reason.setText("No places until March")
    dialog.save_button.click()
    assert detail.referral.status is ReferralStatus.DECLINED
    assert detail.step_buttons == {} and not detail.withdraw_button.isVisible()
    assert detail.reroute_button.isVisible()  # a declined referral may still be re-routed
    last = detail.history_model.row_record(detail.history_model.rowCount() - 1)
    assert last.reason == "No places until March" and last.source is UpdateSource.STAFF
    assert last.recorded_by == coordinator.display_name

    detail.reroute_button.click()
    loaded(qtbot, tab)
    dialog = tab.dialog
    assert isinstance(dialog, RerouteDialog) and unnamed_widgets(dialog) == []
    offered = [dialog.model.row_record(row)[1] for row in range(dialog.model.rowCount())]
    assert "Online basics" not in offered and "Device library" in offered and "Full course" not in offered
    dialog.table.selectRow(offered.index("Device library"))
    dialog.save_button.click()
    assert dialog.isVisible() and "Reason" in dialog.message.text()
    dialog.reason.setText("Needs a laptop first")
    dialog.save_button.click()
    assert tab.detail.referral.service_name == "Device library"
    assert tab.detail.referral.status is ReferralStatus.DRAFT and tab.detail.referral.rerouted_from
    steps = [tab.detail.history_model.row_record(r).to_status for r in range(tab.detail.history_model.rowCount())]
    assert steps == [ReferralStatus.DRAFT, ReferralStatus.SENT, ReferralStatus.DECLINED, ReferralStatus.REROUTED,
                     ReferralStatus.DRAFT]  # the history of the chain


def test_record_a_call_offers_the_allowed_steps(qtbot, services, coordinator, directory, resident):
    referral_id = sent_referral(services, coordinator, resident, directory["Online basics"], "Good Things Hub")
    tab = tab_for(qtbot, services, coordinator)
    tab.open_referral(referral_id)
    tab.detail.call_button.click()
    dialog = tab.detail.dialog
    choices = [dialog.step.itemData(i) for i in range(dialog.step.count())]
    assert choices == [ReferralStatus.ACCEPTED.value, ReferralStatus.DECLINED.value]
    assert dialog.by_phone.isChecked()
    dialog.save_button.click()
    assert tab.detail.referral.status is ReferralStatus.ACCEPTED
    last = tab.detail.history_model.row_record(tab.detail.history_model.rowCount() - 1)
    assert last.source is UpdateSource.CALL
    assert set(tab.detail.step_buttons) == {ReferralStatus.ATTENDED_FIRST_SESSION, ReferralStatus.DID_NOT_ATTEND}


def test_follow_ups_and_a_partner_csv_with_a_bad_row(qtbot, services, coordinator, directory, resident, clock,
                                                     tmp_path, artifacts):
    referral_id = sent_referral(services, coordinator, resident, directory["Online basics"], "Good Things Hub")
    reference = services.referrals.get(coordinator, referral_id).reference
    clock.advance(days=20)
    tab = tab_for(qtbot, services, coordinator)
    tab.follow_ups_button.click()
    loaded(qtbot, tab)
    view = tab.follow_ups
    assert tab.stack.currentWidget() is view and view.model.rowCount() == 1
    assert view.model.follow_up(0).days_waiting == 20
    assert view.model.index(0, 1).data() == f"{ARABIC} Al-Amin"
    assert "020 7946" in view.contact.text() or "@" in view.contact.text()  # how to reach the partner
    assert view.contact.text().startswith(services.referrals.get(coordinator, referral_id).organisation_name)
    save_png(tab, artifacts, "referrals-follow-ups.png")
    view.open_button.click()
    assert tab.stack.currentWidget() is tab.detail and tab.detail.referral.id == referral_id
    tab.detail.back_button.click()  # back where it was opened from, not an empty resident list
    loaded(qtbot, tab)
    assert tab.stack.currentWidget() is view and selected_row(view.table) == 0
    tab.back_to_list()

    sheet = tmp_path / "updates.csv"
    sheet.write_text("Reference,Status,Date,Reason\n"
                     f"{reference},accepted,25/11/2026,\n"
                     "RF-NOPE-00,accepted,25/11/2026,\n", encoding="utf-8")
    tab.csv_button.click()
    dialog = tab.dialog
    assert unnamed_widgets(dialog) == []
    dialog.load_file(sheet)
    loaded(qtbot, dialog)
    assert dialog.model.rowCount() == 0 and not dialog.apply_button.isEnabled()
    assert "Choose the partner the file is from" in dialog.message.text()
    dialog.choose_partner(services.referrals.get(coordinator, referral_id).organisation_id)
    loaded(qtbot, dialog)
    assert dialog.model.rowCount() == 2
    problems = [dialog.model.index(row, 4).data() for row in range(2)]
    assert problems[0] == "" and problems[1]  # the unknown reference is refused, with why
    assert "2 rows: 1 will change a referral, 1 have a problem" in dialog.summary.text()
    save_png(dialog, artifacts, "referrals-csv-preview.png")
    # The problem column takes the rest of the width and wraps; nothing is off to the right.
    header = dialog.table.horizontalHeader()
    assert header.sectionResizeMode(4) == QHeaderView.ResizeMode.Stretch
    assert dialog.table.horizontalScrollBar().maximum() == 0
    assert dialog.table.rowHeight(1) >= dialog.table.fontMetrics().lineSpacing()
    assert dialog.file_label.toolTip() == str(sheet)
    dialog.apply_button.click()
    loaded(qtbot, dialog)
    assert "1 updates applied to 1 referrals" in dialog.message.text()
    assert services.referrals.get(coordinator, referral_id).status is ReferralStatus.ACCEPTED
    assert not dialog.apply_button.isEnabled()


def test_the_csv_preview_is_thrown_away_when_the_partner_or_the_file_changes(qtbot, services, coordinator,
                                                                             directory, resident, tmp_path):
    """Apply only ever applies the preview on the screen: for the partner chosen and the file chosen."""
    hub = sent_referral(services, coordinator, resident, directory["Online basics"], "Good Things Hub")
    tower = sent_referral(services, coordinator, resident, directory["Device library"], "Tower Digital")
    hub_ref, tower_ref = (services.referrals.get(coordinator, r).reference for r in (hub, tower))
    hub_org, tower_org = (services.referrals.get(coordinator, r).organisation_id for r in (hub, tower))
    sheet = tmp_path / "from-hub.csv"
    sheet.write_text(f"Reference,Status\n{hub_ref},accepted\n{tower_ref},accepted\n", encoding="utf-8")
    tab = tab_for(qtbot, services, coordinator)
    tab.csv_button.click()
    dialog = tab.dialog
    assert dialog.partner.currentData() is None  # no partner is assumed
    dialog.choose_partner(hub_org)
    dialog.load_file(sheet)
    loaded(qtbot, dialog)
    assert [dialog.preview.rows[n].ok for n in range(2)] == [True, False]  # Tower's row refused
    assert "Only Good Things Hub's referrals can change" in dialog.summary.text()
    assert dialog.apply_button.isEnabled()

    dialog.choose_partner(tower_org)  # the old preview must not be applied under the new choice
    assert dialog.preview is None and not dialog.apply_button.isEnabled() and dialog.model.rowCount() == 0
    dialog.apply()  # nothing happens without a preview
    loaded(qtbot, dialog)
    assert dialog.preview.organisation_id == tower_org
    assert [row.ok for row in dialog.preview.rows] == [False, True]

    dialog.choose_partner(SEVERAL)
    assert dialog.warning.isVisible() and not dialog.apply_button.isEnabled()
    loaded(qtbot, dialog)
    assert dialog.preview.organisation_id is None and dialog.preview.to_apply == 2

    other = tmp_path / "other.csv"
    other.write_text(f"Reference,Status,Reason\n{hub_ref},declined,Full until March\n", encoding="utf-8")
    dialog.load_file(other)
    assert dialog.preview is None and not dialog.apply_button.isEnabled()
    loaded(qtbot, dialog)
    assert len(dialog.preview.rows) == 1
    dialog.apply_button.click()
    loaded(qtbot, dialog)
    assert services.referrals.get(coordinator, hub).status is ReferralStatus.DECLINED
    assert services.referrals.get(coordinator, tower).status is ReferralStatus.SENT


# ---- tables and names -------------------------------------------------------------------------


def test_models_pass_the_model_tester_and_every_widget_is_named(qtbot, qtmodeltester, services, coordinator,
                                                                  directory, resident):
    referral_id = sent_referral(services, coordinator, resident, directory["Online basics"], "Good Things Hub")
    tab = tab_for(qtbot, services, coordinator)
    open_resident(qtbot, tab, resident)
    assess(services, coordinator, resident)
    tab.suggest()
    loaded(qtbot, tab)
    tab.open_referral(referral_id)
    tab.detail.withdraw_button.click()
    assert unnamed_widgets(tab) == [] and unnamed_widgets(tab.detail.dialog) == []
    tab.detail.dialog.reject()
    for model in (tab.panel.model, tab.making.model, tab.detail.history_model):
        assert model.rowCount() > 0
        qtmodeltester.check(model, force_py=True)
    for empty in (SuggestionsModel(), ReferralsModel(), FollowUpsModel(), ReferralHistoryModel(), CsvPreviewModel(),
                  ServiceChoiceModel()):
        qtmodeltester.check(empty, force_py=True)
