"""The Serve panel's view of a resident: the summary with consents and representatives, the
timeline and what its lines open, and the dialogs that change consent and representatives."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from assisted_desk.desk.consent import ConsentInput, RepresentativeInput
from assisted_desk.desk.vocab import ConsentPurpose, HelpType
from assisted_desk.ui.desk.consent_dialogs import RepresentativeDialog, WithdrawConsentDialog
from assisted_desk.ui.desk.item_details import DetailDialog
from assisted_desk.ui.desk.summary_models import ConsentsModel, RepresentativesModel
from assisted_desk.ui.desk.timeline_view import TimelineColumn, TimelineModel

from .serve_helpers import (  # noqa: F401 (fixtures)
    choose_by_keyboard,
    log_contact,
    logged,
    lukasz,
    make_panel,
    panel,
    settle,
)
from .test_admin import answering_message_boxes


def test_summary_shows_needs_consents_and_representatives(qtbot, panel, services, admin, lukasz, qtmodeltester):
    services.consent.record_consent(admin, lukasz, ConsentInput(ConsentPurpose.ACT_ON_BEHALF, "council_tax",
                                                                "verbal", valid_until=date(2027, 1, 31)))
    services.consent.record_consent(admin, lukasz, ConsentInput(ConsentPurpose.CONTACT, "sms", "digital"))
    services.consent.add_representative(admin, lukasz, RepresentativeInput(
        "Anna Żółć", "family", phone="07911 123456", scope=("council_tax", "parking")))
    log_contact(services, admin, lukasz)
    choose_by_keyboard(qtbot, panel, "lukasz")
    summary = panel.summary
    assert summary.facts.text() == "Born 1985 · E1 6AN"
    assert summary.needs.text() == ("Language: Polish — INTERPRETER NEEDED\n"
                                    "Accessibility: Uses a wheelchair; large print")
    texts = {summary.consents_proxy.index(r, 0).data() for r in range(summary.consents_proxy.rowCount())}
    assert texts == {"Act on their behalf with a service: Council Tax", "Contact them: SMS"}
    assert summary.reps_proxy.index(0, 2).data() == "Council Tax, Parking"
    assert summary.reps_proxy.index(0, 3).data() == "07911 123456"
    assert panel.form.representative.isVisible()
    assert panel.form.representative.itemText(1) == "Anna Żółć (Family member)"
    for model in (summary.consents_model, summary.reps_model, panel.timeline.model, summary.consents_proxy,
                  panel.timeline.proxy):
        qtmodeltester.check(model, force_py=True)
    for empty in (ConsentsModel(), RepresentativesModel(), TimelineModel()):
        qtmodeltester.check(empty, force_py=True)


def test_enter_on_a_timeline_line_opens_it(qtbot, panel, services, admin, lukasz, clock):
    reference = log_contact(services, admin, lukasz, notes="First visit\nline two", satisfaction="good")
    clock.advance(minutes=1)
    given = services.consent.record_consent(admin, lukasz, ConsentInput(ConsentPurpose.SHARE_WITH_PARTNER,
                                                                        "Age UK", "written"))
    choose_by_keyboard(qtbot, panel, "lukasz")
    table = panel.timeline.table
    assert [panel.timeline.proxy.index(r, TimelineColumn.WHAT).data() for r in range(2)] == [
        "Consent given: share details with Age UK", "Contact: Council Tax — resolved at first contact"]

    table.setFocus()
    table.selectRow(1)
    table.setCurrentIndex(panel.timeline.proxy.index(1, 0))
    qtbot.keyClick(table, Qt.Key.Key_Return)
    detail = panel.detail
    assert isinstance(detail, DetailDialog) and detail.isVisible()
    assert detail.windowTitle() == f"Contact {reference}"
    assert detail.values["Notes"].text() == "First visit\nline two"
    assert detail.values["Satisfaction"].text() == "Good"
    detail.reject()

    table.selectRow(0)
    table.setCurrentIndex(panel.timeline.proxy.index(0, 0))
    qtbot.keyClick(table, Qt.Key.Key_Return)
    detail = panel.detail
    assert detail.values["Status"].text() == "Current"
    detail.withdraw_button.click()  # from the consent's own page
    withdraw = panel.summary.dialog
    assert isinstance(withdraw, WithdrawConsentDialog)
    assert "Share details with a partner: Age UK" in withdraw.intro.text()
    withdraw.reason.setText("Prefers not to")
    withdraw.save_button.click()
    assert not services.consent.consent(admin, given.id).current
    settle(qtbot, panel)
    assert panel.timeline.model.item(0).title == "Consent withdrawn: share details with Age UK"


def test_withdrawing_from_the_summary_asks_first_and_keep_it_changes_nothing(qtbot, panel, services, admin,
                                                                             lukasz):
    given = services.consent.record_consent(admin, lukasz, ConsentInput(ConsentPurpose.ACT_ON_BEHALF, "*", "verbal"))
    choose_by_keyboard(qtbot, panel, "lukasz")
    summary = panel.summary
    summary.consents_table.selectRow(0)
    summary.withdraw_button.click()
    dialog = summary.dialog
    assert "all council services" in dialog.intro.text() and "cannot be undone" in dialog.intro.text()
    dialog.reject()  # "Keep it"
    assert services.consent.consent(admin, given.id).current
    summary.withdraw_button.click()
    summary.dialog.save_button.click()
    assert not services.consent.consent(admin, given.id).current
    settle(qtbot, panel)
    assert summary.consents_model.rowCount() == 0


def test_adding_editing_and_ending_a_representative(qtbot, panel, services, admin, lukasz):
    choose_by_keyboard(qtbot, panel, "lukasz")
    summary = panel.summary
    summary.add_rep_button.click()
    dialog = summary.dialog
    assert isinstance(dialog, RepresentativeDialog)
    dialog.name.setText("Ștefan Popescu")
    dialog.relationship.setCurrentIndex(dialog.relationship.findData("attorney"))
    dialog.phone.setText("not a number")
    dialog.all_services.setChecked(True)
    dialog.save_button.click()
    assert dialog.isVisible() and "not a phone number" in dialog.message.text()
    assert dialog.focusWidget() is dialog.phone and dialog.name.text() == "Ștefan Popescu"
    dialog.phone.setText("020 7946 0000")
    dialog.save_button.click()
    assert "lasting power of attorney" in dialog.message.text() and dialog.focusWidget() is dialog.evidence
    dialog.evidence.setText("LPA 7000-1234-5678")
    dialog.save_button.click()
    assert summary.dialog is None
    rep = services.consent.representatives(admin, lukasz)[0]
    assert (rep.name, rep.scope, rep.evidence) == ("Ștefan Popescu", ("*",), "LPA 7000-1234-5678")
    settle(qtbot, panel)
    assert panel.form.representative.itemText(1) == "Ștefan Popescu (Attorney (lasting power of attorney))"

    summary.reps_table.selectRow(0)
    qtbot.keyClick(summary.reps_table, Qt.Key.Key_Return)
    edit = summary.dialog
    assert edit.all_services.isChecked() and edit.phone.text() == "020 7946 0000"
    edit.email.setText("stefan@example.org")
    edit.save_button.click()
    assert services.consent.representative(admin, rep.id).email == "stefan@example.org"
    settle(qtbot, panel)

    summary.reps_table.selectRow(0)
    with answering_message_boxes(QMessageBox.StandardButton.Yes) as said:
        summary.end_rep_button.click()
    assert "Stop Ștefan Popescu (Attorney (lasting power of attorney)) representing Łukasz Żółć" in said[0]
    assert not services.consent.representative(admin, rep.id).current
    settle(qtbot, panel)
    assert summary.reps_model.rowCount() == 0 and not panel.form.representative.isVisible()


def test_a_contact_with_a_representative_uses_their_authority(qtbot, panel, services, admin, lukasz):
    rep = services.consent.add_representative(admin, lukasz, RepresentativeInput("Anna", "carer", scope=("housing",)))
    choose_by_keyboard(qtbot, panel, "lukasz")
    panel.form.representative.setCurrentIndex(panel.form.representative.findData(rep.id))
    panel.form.service.setEditText("Housing")
    panel.form.help_type.setCurrentIndex(panel.form.help_type.findData(HelpType.ON_BEHALF.value))
    assert panel.save()
    assert logged(services)[0].representative_id == rep.id
