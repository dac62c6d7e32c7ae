"""Opening an advocacy case, driven as a person would over real services (SQLite: the service is
proved on both databases in tests/casework): from the resident's record as desk staff (who choose
the owner) and as an advocate (who owns it), refusals under the field that keep what was typed,
the offer after a contact escalated at the desk, and how the dialog looks."""

from __future__ import annotations


import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from assisted_desk.core.security import Role
from assisted_desk.desk.consent import RepresentativeInput
from assisted_desk.desk.references import find_reference
from assisted_desk.desk.vocab import Outcome
from assisted_desk.ui.casework.open_case import OpenCaseDialog
from assisted_desk.ui.residents import ResidentsPage

from ..conftest import ARTIFACTS, make_actor
from ..desk.contact_fixtures import register
from .serve_helpers import make_panel, render, settle  # noqa: F401 (fixtures)
from .test_residents_ui import shown
from .test_start_and_main import unnamed_widgets

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

SHOTS = ARTIFACTS  # screenshots for a person to look at


@pytest.fixture
def desk(services, admin):
    return make_actor(services, admin, "desk", Role.DESK)


@pytest.fixture
def advocate(services, admin):
    return make_actor(services, admin, "advocate", Role.ADVOCATE)


@pytest.fixture
def priya(services, admin) -> int:
    return register(services, admin, "પ્રિયા", "પટેલ")


def choose(combo, text: str) -> None:
    index = combo.findText(text, Qt.MatchFlag.MatchStartsWith)
    assert index >= 0, f"{text!r} not in {[combo.itemText(i) for i in range(combo.count())]}"
    combo.setCurrentIndex(index)


def test_desk_staff_open_a_case_from_the_record_and_choose_its_owner(qtbot, services, desk, advocate, priya):
    page = shown(qtbot, ResidentsPage(services, desk), 1100, 720)
    page.show_resident(priya)
    assert page.case_button.isVisible() and page.case_button.isEnabled()
    assert page.details.cases.text() == "none" and page.details.cases.isVisible()
    page.case_button.click()
    dialog = page.dialog
    assert isinstance(dialog, OpenCaseDialog) and dialog.isVisible()
    assert dialog.windowTitle() == "Open an advocacy case for પ્રિયા પટેલ"
    assert unnamed_widgets(dialog) == []
    assert dialog.owner.currentData() is None and dialog.owner.currentText() == "Choose the caseworker…"
    assert not dialog.open_after.isVisible()  # desk staff may not read a case's notes
    assert not dialog.restricted_reason.isEnabled()

    choose(dialog.case_type, "Benefits")
    dialog.summary.setPlainText("Universal Credit stopped; rent arrears building")
    dialog.services_involved.setText("Universal Credit, Housing benefit")
    dialog.save_button.click()
    # Refused: the owner is named under its field, the cursor is there, and what was typed stays.
    assert dialog.isVisible() and dialog.opened is None
    assert dialog.error_text("owner") == "Choose the caseworker who will own the case."
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.owner)
    assert dialog.summary.toPlainText() == "Universal Credit stopped; rent arrears building"
    assert dialog.case_type.currentText() == "Benefits"

    choose(dialog.owner, "Advocate")
    with qtbot.assertNotEmitted(dialog.case_opened):
        dialog.save_button.click()
    qtbot.waitUntil(lambda: page.dialog is None)
    glimpse = dialog.opened
    assert glimpse.reference.startswith("CS-") and not glimpse.may_open and glimpse.owner_name == "Advocate"
    assert page.message.text() == f"Case {glimpse.reference} opened for પ્રિયા પટેલ, with Advocate."
    assert page.details.cases.text() == f"Benefits case {glimpse.reference} (new), with Advocate"
    SHOTS.mkdir(exist_ok=True)
    QApplication.processEvents()
    assert page.grab().save(str(SHOTS / "residents-page-with-case.png"))

    case = services.cases.get_case(advocate, glimpse.id)
    assert case.owner_id == advocate.staff_id and case.services == ("Universal Credit", "Housing benefit")
    assert case.case_type_name == "Benefits" and case.from_interaction_id is None


def test_an_advocate_owns_what_they_open_and_may_open_it_at_once(qtbot, services, admin, advocate, priya):
    rep = services.consent.add_representative(admin, priya, RepresentativeInput("Łukasz Żółć", "carer"))
    dialog = shown(qtbot, OpenCaseDialog(services, advocate, priya))
    assert dialog.owner.currentData() == advocate.staff_id and dialog.owner.currentText() == "Advocate (Advocate)"
    assert [dialog.representative.itemText(i) for i in range(dialog.representative.count())] == [
        "No one: the resident themselves", "Łukasz Żółć (Carer)"]
    assert dialog.open_after.isVisible() and dialog.open_after.isChecked()
    choose(dialog.case_type, "Social care")
    choose(dialog.priority, "Urgent")
    choose(dialog.representative, "Łukasz Żółć")
    dialog.summary.setPlainText("Care package withdrawn — needs a reassessment")
    dialog.summary.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.summary)
    with qtbot.waitSignal(dialog.case_opened) as opened:
        qtbot.keyClick(dialog.summary, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)  # &Open case
    assert dialog.result() == OpenCaseDialog.DialogCode.Accepted
    assert opened.args == [dialog.opened.id] and dialog.opened.may_open
    case = services.cases.get_case(advocate, dialog.opened.id)
    assert case.owner_id == advocate.staff_id and case.priority.value == "urgent"
    assert case.representative_id == rep.id and case.case_type_name == "Social care"


def test_refusals_sit_under_their_field_and_keep_what_was_typed(qtbot, services, advocate, priya):
    dialog = shown(qtbot, OpenCaseDialog(services, advocate, priya))
    dialog.services_involved.setText("Housing repairs")
    dialog.save_button.click()
    assert dialog.isVisible() and dialog.error_text("summary") == "The case summary is required."
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.summary)
    assert dialog.services_involved.text() == "Housing repairs"

    dialog.summary.setPlainText("Damp in the flat; repairs not booked")
    qtbot.keyClick(dialog.restricted, Qt.Key.Key_Space)
    assert dialog.restricted.isChecked() and dialog.restricted_reason.isEnabled()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.restricted_reason)
    dialog.save_button.click()
    assert dialog.error_text("summary") == ""  # the earlier problem is gone once fixed
    assert dialog.error_text("restricted_reason").startswith("The reason for restricting it")
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.restricted_reason)
    assert dialog.summary.toPlainText() == "Damp in the flat; repairs not booked" and dialog.restricted.isChecked()
    assert services.cases.cases_for_resident(advocate, priya) == []
    SHOTS.mkdir(exist_ok=True)
    render(dialog, SHOTS / "open-case-refused.png")

    dialog.restricted.setChecked(False)  # unticking drops the reason's problem and disables it
    assert not dialog.restricted_reason.isEnabled() and dialog.error_text("restricted_reason") == ""
    dialog.restricted.setChecked(True)
    dialog.restricted_reason.setText("Safeguarding: his son must not learn of it")
    dialog.save_button.click()
    assert dialog.opened is not None and dialog.opened.restricted


def test_the_dialog_renders_a_gujarati_name_and_prefilled_summary(qtbot, services, advocate, priya):
    dialog = shown(qtbot, OpenCaseDialog(services, advocate, priya, summary="પ્રિયા needs help with her housing "
                                                                            "benefit claim\nand a repair"))
    assert dialog.summary.toPlainText().startswith("પ્રિયા needs help")
    SHOTS.mkdir(exist_ok=True)
    render(dialog, SHOTS / "open-case.png")


def test_an_escalated_contact_offers_a_case_prefilled_from_it(qtbot, services, admin, desk, advocate, make_panel,
                                                              priya):
    panel = make_panel(desk)
    panel.open_resident(priya)
    settle(qtbot, panel)
    assert panel.summary.tabs.tabText(2) == "Cases (0)"
    assert not panel.case_offer.isVisible()
    panel.form.service.setEditText("Council Tax")
    panel.form.outcome.setCurrentIndex(panel.form.outcome.findData(Outcome.ESCALATED.value))
    panel.form.notes.setPlainText("Bailiffs booked; needs an advocate\nSecond visit this week")
    reference = panel.save()
    assert reference
    settle(qtbot, panel)
    assert panel.case_offer.isVisible()
    SHOTS.mkdir(exist_ok=True)
    QApplication.processEvents()
    assert panel.grab().save(str(SHOTS / "serve-escalation-offer.png"))

    panel.case_offer.click()
    dialog = panel.case_offer.dialog
    assert isinstance(dialog, OpenCaseDialog) and dialog.isVisible()
    with services.db.unit_of_work() as session:
        contact_id = find_reference(session, reference).record_id
    assert dialog.from_interaction_id == contact_id
    assert dialog.summary.toPlainText() == "Bailiffs booked; needs an advocate\nSecond visit this week"
    assert dialog.intro.text().startswith("From the desk contact just logged")
    choose(dialog.owner, "Advocate")
    dialog.save_button.click()
    assert not dialog.isVisible()
    assert not panel.case_offer.isVisible()
    glimpse = dialog.opened
    assert panel.message.text() == f"Case {glimpse.reference} opened for પ્રિયા પટેલ, with Advocate."
    settle(qtbot, panel)
    assert panel.summary.tabs.tabText(2) == "Cases (1)"
    panel.summary.tabs.setCurrentIndex(2)
    SHOTS.mkdir(exist_ok=True)
    QApplication.processEvents()
    assert panel.grab().save(str(SHOTS / "serve-with-case.png"))
    case = services.cases.get_case(advocate, glimpse.id)
    assert panel.summary.cases.text() == f"{case.case_type_name} case {glimpse.reference} (new), with Advocate"
    assert case.from_interaction_id == contact_id
    assert any(item.title.startswith(f"{case.case_type_name} case {glimpse.reference} opened")
               for item in map(panel.timeline.model.item, range(panel.timeline.model.rowCount())))


def test_a_resolved_contact_offers_nothing_and_the_next_resident_clears_the_offer(qtbot, services, admin, desk,
                                                                                  make_panel, priya):
    other = register(services, admin, "Grace", "Adeyemi")
    panel = make_panel(desk)
    panel.open_resident(priya)
    settle(qtbot, panel)
    panel.form.service.setEditText("Council Tax")
    assert panel.save()
    assert not panel.case_offer.isVisible()
    panel.form.service.setEditText("Council Tax")
    panel.form.outcome.setCurrentIndex(panel.form.outcome.findData(Outcome.ESCALATED.value))
    assert panel.save(next_person=True)
    assert panel.case_offer.isVisible()  # still there after "save and next": the resident may be at the desk
    panel.open_resident(other)
    settle(qtbot, panel)
    assert not panel.case_offer.isVisible()


def test_a_case_opened_from_the_record_or_the_timeline_opens_in_its_own_window(qtbot, services, advocate, priya):
    from assisted_desk.ui.casework.case_window import CaseWindow
    from assisted_desk.ui.main_window import MainWindow

    main = MainWindow(services, advocate)
    qtbot.addWidget(main)
    main.show()
    residents = main.area_pages["residents"]
    residents.show_resident(priya)
    residents.case_button.click()
    dialog = residents.dialog
    dialog.summary.setPlainText("Housing benefit stopped; rent arrears letter")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: bool(getattr(main, "case_windows", None)))
    [window] = main.case_windows.values()
    assert isinstance(window, CaseWindow) and window.isVisible()
    case_id = next(iter(main.case_windows))
    window.close()
    qtbot.waitUntil(lambda: not main.case_windows)
    # The case's line on the resident's timeline opens the same window.
    desk = main.area_pages["desk"]
    main.serve_resident(priya)
    panel = desk.serve
    qtbot.waitUntil(lambda: any(i.open_kind == "case" for i in panel.timeline.model._items), timeout=5000)
    item = next(i for i in panel.timeline.model._items if i.open_kind == "case")
    panel.open_item(item)
    assert list(panel.case_windows) == [case_id]
    main.close()
