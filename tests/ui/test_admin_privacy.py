"""The "Residents' data" admin tab, driven as a person would: retention periods, the preview and
the sweep (off the GUI thread), legal holds and erasure confirmed by typing the record number."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from assisted_desk.core.security import Role
from assisted_desk.ui.admin import AdminPage
from assisted_desk.ui.admin.privacy import EraseDialog
from tests.conftest import make_actor
from tests.desk.contact_fixtures import contact, register

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_the_tab_appears_for_the_roles_that_may_use_it(qtbot, services, admin):
    manager = make_actor(services, admin, "manager", Role.MANAGER)
    desk = make_actor(services, admin, "deskstaff", Role.DESK)
    for actor, expected in ((manager, True), (desk, False)):
        page = AdminPage(services, actor)
        qtbot.addWidget(page)
        assert (page.privacy_tab is not None) is expected
    page = AdminPage(services, manager)
    qtbot.addWidget(page)
    tab = page.privacy_tab
    assert tab.retention_box is None  # retention is for administrators
    assert not tab.erase_button.isVisibleTo(tab) and tab.place_button.isVisibleTo(tab)
    # A manager cannot erase: the facts, and no advice about erasing.
    from tests.casework.case_fixtures import open_case

    rid = register(services, admin, "Held", "Back", born="02/02/1950")
    case = open_case(services, make_actor(services, admin, "advocate", Role.ADVOCATE), rid)
    services.erasure.place_legal_hold(manager, rid, "Ombudsman complaint 77")
    tab.reference.setText(str(rid))
    tab.find()
    found = tab.found.text()
    assert found.count("Ombudsman complaint 77") == 1 and f"Open case(s): {case.reference}." in found
    assert "erase" not in found.lower() and "Close the case" not in found


def test_retention_preview_sweep_hold_and_erase(qtbot, qtmodeltester, services, admin, clock, artifacts):
    gone = register(services, admin, "Gone", "Away", born="01/01/1950")
    held = register(services, admin, "Held", "Back", born="02/02/1950")
    reference = services.interactions.log_interaction(admin, contact(held, notes="Complained"))
    clock.advance(days=7 * 366)
    services.erasure.place_legal_hold(admin, held, "Ombudsman complaint 77")
    page = AdminPage(services, admin)
    qtbot.addWidget(page)
    page.resize(1000, 760)
    page.show()
    tab = page.privacy_tab
    page.tabs.setCurrentWidget(tab)
    assert tab.periods["residents"].value() == 72 and tab.periods["attachments"].value() == 12
    for spin in tab.periods.values():
        assert spin.accessibleName()

    tab.periods["attachments"].setValue(6)
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert {p.kind.key: p.months for p in services.retention.periods()}["attachments"] == 6

    qtbot.mouseClick(tab.preview_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tab.busy and tab.plan is not None, timeout=10_000)
    qtmodeltester.check(tab.plan_model)
    rows = [[tab.plan_model.index(r, c).data() for c in range(4)] for r in range(tab.plan_model.rowCount())]
    assert rows[0][:3] == ["Resident records and contacts", f"Record {gone}", "23/11/2026"]
    assert rows[-1][0] == "Held back" and "Ombudsman complaint 77" in rows[-1][3]
    assert "1 resident(s) would be anonymised" in tab.plan_summary.text() and tab.sweep_button.isEnabled()
    tab.grab().save(str(artifacts / "admin-residents-data-preview.png"))

    # Saving other periods forgets the preview: it no longer says what a sweep would do.
    tab.periods["closed_cases"].setValue(60)
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert tab.plan is None and tab.plan_model.rowCount() == 0 and not tab.sweep_button.isEnabled()
    assert "Preview to see what the new periods would anonymise" in tab.plan_summary.text()
    qtbot.mouseClick(tab.preview_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tab.busy and tab.plan is not None, timeout=10_000)
    assert tab.sweep_button.isEnabled()

    asked = []
    tab.confirm_sweep = lambda residents: asked.append(residents) or True
    qtbot.mouseClick(tab.sweep_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tab.busy and "Anonymised" in tab.retention_message.text(), timeout=10_000)
    assert asked == [1] and services.residents.get(admin, gone).name == "Erased record"
    assert services.residents.get(admin, held).name == "Held Back" and not tab.sweep_button.isEnabled()

    # One resident: the hold shows who placed it and why; erasure is refused until it is lifted.
    tab.reference.setText(reference)
    qtbot.keyClick(tab.reference, Qt.Key.Key_Return)
    assert "placed by admin" in tab.found.text() and "cannot be erased until the hold is lifted" in tab.found.text()
    assert tab.found.text().count("Ombudsman complaint 77") == 1  # the hold said once
    assert tab.lift_button.isEnabled() and not tab.erase_button.isEnabled() and not tab.place_button.isEnabled()
    qtbot.mouseClick(tab.lift_button, Qt.MouseButton.LeftButton)
    assert tab.resident_message.text() == "Legal hold lifted." and tab.erase_button.isEnabled()

    seen = []

    def answer(dialog: EraseDialog) -> bool:
        dialog.resize(520, 200)
        dialog.reason.setText("Written request of 20/11/2026")
        dialog.typed.setText(str(gone))  # the wrong record
        seen.append(dialog.erase_button.isEnabled())
        dialog.typed.setText(str(held))
        seen.append(dialog.erase_button.isEnabled())
        dialog.grab().save(str(artifacts / "admin-residents-data-erase.png"))
        return True

    tab.ask_erasure = answer
    qtbot.mouseClick(tab.erase_button, Qt.MouseButton.LeftButton)
    assert seen == [False, True]
    assert services.residents.get(admin, held).name == "Erased record"
    # The preview on show is made again: it must not list someone erased meanwhile.
    assert tab.busy
    qtbot.waitUntil(lambda: not tab.busy, timeout=10_000)
    assert "This record was erased on" in tab.found.text() and not tab.erase_button.isEnabled()
    tab.grab().save(str(artifacts / "admin-residents-data-erased.png"))

    tab.reference.setText("Smith")
    qtbot.mouseClick(tab.find_button, Qt.MouseButton.LeftButton)
    assert "neither a record number nor a reference" in tab.resident_message.text()


def test_an_erased_record_says_so_on_the_residents_page_and_offers_nothing_to_add(qtbot, services, admin, artifacts):
    from assisted_desk.ui.residents.page import ResidentsPage

    erased = register(services, admin, "Łukasz", "Żółć")
    services.erasure.erase(admin, erased, "Written request of 20/11/2026")
    page = ResidentsPage(services, admin)
    qtbot.addWidget(page)
    page.resize(1100, 720)
    page.show()
    page.show_resident(erased)
    qtbot.waitUntil(lambda: page.record is not None and page.record.id == erased, timeout=5000)
    note = page.details.merged_note
    assert note.isVisible() and "erased on 23/11/2026" in note.text() and "register them as new" in note.text()
    assert not any(b.isEnabled() for b in (page.serve_button, page.edit_button, page.equality_button,
                                           page.merge_button, page.case_button, page.subject_access.button))
    assert "Łukasz" not in page.details.heading.text()
    page.grab().save(str(artifacts / "residents-erased-record.png"))


def test_a_service_manager_reaches_legal_holds_from_the_rail(qtbot, services, admin):
    from assisted_desk.ui.main_window import areas_for

    manager = make_actor(services, admin, "manager", Role.MANAGER)
    assert "admin" in [area.key for area in areas_for(manager)]
    page = AdminPage(services, manager)
    qtbot.addWidget(page)
    assert [page.tabs.tabText(i) for i in range(page.tabs.count())] == ["Residents' &data"]


@pytest.mark.parametrize("scale", [1, 2])
def test_the_tab_fits_a_laptop_screen_and_the_erase_dialog_fits_its_words(qtbot, qapp, request, services, admin,
                                                                          artifacts, scale):
    from .conftest import double_the_text

    if scale == 2:
        double_the_text(qapp, request)
    page = AdminPage(services, admin)
    qtbot.addWidget(page)
    tab = page.privacy_tab
    page.tabs.setCurrentWidget(tab)
    page.resize(1168, 690)  # what the admin area gets of a 1280x800 window (the rail, menu and status bar)
    page.show()
    qtbot.waitExposed(page)
    assert tab.minimumSizeHint().height() <= 200  # it scrolls rather than stretching the window
    tab.scroll.ensureWidgetVisible(tab.erase_button)
    assert tab.erase_button.visibleRegion().boundingRect().height() == tab.erase_button.height()
    page.grab().save(str(artifacts / f"admin-residents-data-1280x800-{scale}x.png"))

    dialog = EraseDialog("Łukasz Żółć-Wiśniewska", 23, page)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    text = dialog.text
    assert text.text().startswith("Erase Łukasz Żółć-Wiśniewska (record 23)?")
    assert text.height() >= text.heightForWidth(text.width())  # no line clipped, first or last
    assert dialog.height() >= dialog.minimumSizeHint().height()
    assert dialog.width() <= 1280
    dialog.grab().save(str(artifacts / f"admin-residents-data-erase-dialog-{scale}x.png"))
