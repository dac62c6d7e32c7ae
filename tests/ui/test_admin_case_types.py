"""The Case types and Bank holidays tabs in Administration, driven as an administrator would,
over real services (SQLite; the services are proved on both databases in tests/casework)."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication, QComboBox, QMessageBox

from assisted_desk.casework.case_types import CaseStatus
from assisted_desk.casework.vocab import ActivityKind
from assisted_desk.core.security import Role
from assisted_desk.ui.admin import AdminPage, BankHolidayTableModel, CaseTypeTableModel
from assisted_desk.ui.admin.bank_holidays import BankHolidaysTab, HolidayColumn
from assisted_desk.ui.admin.case_type_editor import CaseTypeDialog
from assisted_desk.ui.admin.case_type_lists import (
    ExpectedListModel,
    MoveGridModel,
    StatusListModel,
    code_from,
)
from assisted_desk.ui.admin.case_types import CaseTypeColumn, CaseTypesTab

from ..conftest import ARTIFACTS, make_actor
from .conftest import double_the_text
from .test_admin import answering_message_boxes
from .test_start_and_main import unnamed_widgets

sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

SHOTS = ARTIFACTS  # screenshots for a person to look at


@pytest.fixture
def types_tab(qtbot, services, admin) -> CaseTypesTab:
    widget = CaseTypesTab(services, admin)
    qtbot.addWidget(widget)
    widget.resize(900, 500)
    widget.refresh()
    return widget


@pytest.fixture
def holidays_tab(qtbot, services, admin) -> BankHolidaysTab:
    widget = BankHolidaysTab(services, admin)
    qtbot.addWidget(widget)
    widget.resize(800, 500)
    widget.refresh()
    return widget


def column(tab, col) -> list[str]:
    return [tab.proxy.index(r, col).data() for r in range(tab.proxy.rowCount())]


def by_code(services, admin, code):
    return next(t for t in services.case_types.list(admin, include_retired=True) if t.code == code)


# ---- the admin page ------------------------------------------------------------------------------


@sqlite_only
def test_administrators_get_both_tabs_and_others_do_not(qtbot, services, admin):
    page = AdminPage(services, admin)
    qtbot.addWidget(page)
    texts = [page.tabs.tabText(i) for i in range(page.tabs.count())]
    assert texts[-3:-1] == ["Case t&ypes", "Ban&k holidays"]
    mnemonics = [t[t.index("&") + 1].lower() for t in texts]
    assert len(mnemonics) == len(set(mnemonics))  # Alt+letter reaches exactly one tab
    assert page.case_types_tab.model.rowCount() == 5 and page.bank_holidays_tab.model.rowCount() == 8
    for role in (Role.MANAGER, Role.ADVOCATE):
        other = AdminPage(services, make_actor(services, admin, role.value + "1", role))
        qtbot.addWidget(other)
        assert other.case_types_tab is None and other.bank_holidays_tab is None


@sqlite_only
def test_models_pass_the_model_tester(qtbot, qtmodeltester, types_tab, holidays_tab, services, admin):
    for model in (types_tab.model, types_tab.proxy, holidays_tab.model, holidays_tab.proxy,
                  CaseTypeTableModel(), BankHolidayTableModel(), StatusListModel(), ExpectedListModel()):
        qtmodeltester.check(model, force_py=True)
    qtmodeltester.check(MoveGridModel(StatusListModel()), force_py=True)
    housing = by_code(services, admin, "housing")
    dialog = CaseTypeDialog(services, admin, housing, types_tab)
    qtbot.addWidget(dialog)
    for model in (dialog.status_model, dialog.move_model, dialog.expected_model):
        assert model.rowCount() > 0
        qtmodeltester.check(model, force_py=True)


@sqlite_only
def test_the_table_shows_the_seeded_types(types_tab):
    assert column(types_tab, CaseTypeColumn.NAME) == sorted(column(types_tab, CaseTypeColumn.NAME))
    rows = {types_tab.proxy.index(r, CaseTypeColumn.CODE).data(): r for r in range(types_tab.proxy.rowCount())}
    housing = rows["housing"]
    assert [types_tab.proxy.index(housing, c).data() for c in CaseTypeColumn] == [
        "Housing", "housing", "5", "2 working days", "20 working days", "In use"]
    types_tab.table.sortByColumn(CaseTypeColumn.RESOLUTION, Qt.SortOrder.AscendingOrder)
    days = [int(t.split()[0]) for t in column(types_tab, CaseTypeColumn.RESOLUTION)]
    assert days == sorted(days)
    assert unnamed_widgets(types_tab) == []


# ---- the case type dialog ------------------------------------------------------------------------


@sqlite_only
def test_adding_a_type_through_the_dialog(qtbot, types_tab, services, admin):
    types_tab.add_button.click()
    dialog = types_tab.dialog
    assert dialog.isVisible() and unnamed_widgets(dialog) == []
    dialog.name.setText("Housing repairs — Łódź")
    assert dialog.status_model.statuses() == (CaseStatus("new", "New"), CaseStatus("in_progress", "In progress"))
    dialog.new_status_label.setText("Waiting on the landlord")
    dialog.add_status_button.click()
    dialog.new_status_label.setText("Réparé")
    dialog.new_status_code.setText("repaired")
    dialog.add_status_button.click()
    assert [s.code for s in dialog.status_model.statuses()] == ["new", "in_progress", "waiting_on_the_landlord",
                                                               "repaired"]
    dialog.status_table.selectRow(3)
    dialog.up_button.click()  # repaired before waiting
    assert [s.code for s in dialog.status_model.statuses()][2:] == ["repaired", "waiting_on_the_landlord"]
    dialog.pages.setCurrentIndex(1)
    grid = dialog.move_model
    grid.allow(1, 3)  # in progress -> waiting
    grid.allow(3, 1)  # waiting -> in progress
    grid.allow(1, 2)  # in progress -> repaired
    dialog.first_response.setValue(3)
    dialog.resolution.setValue(30)
    dialog.new_kind.setCurrentIndex(dialog.new_kind.findData("letter"))
    dialog.new_description.setText("Letter to the landlord")
    dialog.new_within.setValue(10)
    dialog.add_expected_button.click()
    dialog.save_button.click()

    assert types_tab.dialog is None
    saved = by_code(services, admin, "housing_repairs_lodz")
    assert saved.name == "Housing repairs — Łódź"
    assert saved.transitions == {"new": ("in_progress",), "in_progress": ("repaired", "waiting_on_the_landlord"),
                                 "waiting_on_the_landlord": ("in_progress",)}
    assert (saved.first_response_days, saved.resolution_days) == (3, 30)
    assert [(e.kind, e.label, e.within_days) for e in saved.expected_activities] == [
        (ActivityKind.LETTER, "Letter to the landlord", 10)]
    assert types_tab.selected().id == saved.id


@sqlite_only
def test_a_refusal_keeps_everything_typed_and_shows_the_page_it_is_about(qtbot, types_tab, services, admin):
    types_tab.add_button.click()
    dialog = types_tab.dialog
    dialog.name.setText("Complaints again")
    dialog.code.setText("complaint")
    dialog.new_status_label.setText("Investigating")
    dialog.add_status_button.click()
    dialog.save_button.click()
    assert dialog.isVisible() and "Another case type (Complaint" in dialog.message.text()
    assert dialog.message.isVisible()
    qtbot.waitUntil(lambda: dialog.focusWidget() is dialog.code)
    assert dialog.name.text() == "Complaints again" and dialog.status_model.rowCount() == 3

    dialog.code.setText("complaints_again")
    dialog.expected_model.append(ActivityKind.CALL, "Call back", 25)  # after resolution (20)
    dialog.save_button.click()
    assert dialog.isVisible() and "after the case is due to be resolved (20)" in dialog.message.text()
    assert dialog.pages.currentIndex() == 2
    qtbot.waitUntil(lambda: dialog.focusWidget() is dialog.expected_table)

    dialog.status_model.setData(dialog.status_model.index(2, 0), "closed")
    dialog.save_button.click()
    assert "'closed' is not a status" in dialog.message.text() and dialog.pages.currentIndex() == 0
    dialog.status_model.setData(dialog.status_model.index(2, 0), "investigating")
    dialog.resolution.setValue(30)
    dialog.save_button.click()
    assert types_tab.dialog is None
    assert by_code(services, admin, "complaints_again").resolution_days == 30


@sqlite_only
def test_adding_a_status_without_a_label_says_so(qtbot, types_tab):
    types_tab.add_button.click()
    dialog = types_tab.dialog
    dialog.new_status_code.setText("orphan")
    dialog.add_status_button.click()
    assert "label first" in dialog.message.text() and dialog.status_model.rowCount() == 2
    assert dialog.new_status_code.text() == "orphan"
    dialog.new_description.setText("  ")
    dialog.add_expected_button.click()
    assert "what is expected first" in dialog.message.text() and dialog.expected_model.rowCount() == 0
    dialog.new_status_label.setText("في الانتظار")  # no Latin letters to make a code from
    dialog.new_status_code.clear()
    dialog.add_status_button.click()
    assert dialog.status_model.statuses()[-1] == CaseStatus("status_3", "في الانتظار")
    assert not dialog.message.isVisible()


@sqlite_only
def test_editing_sla_days_and_a_stale_edit(qtbot, types_tab, services, admin):
    housing = by_code(services, admin, "housing")
    types_tab.select(housing.id)
    qtbot.keyClick(types_tab.table, Qt.Key.Key_Return)
    dialog = types_tab.dialog
    assert dialog.name.text() == "Housing" and dialog.code.text() == "housing"
    assert dialog.status_model.rowCount() == 5 and dialog.expected_model.rowCount() == 3
    assert dialog.move_model.transitions() == dict(housing.transitions)
    dialog.first_response.setValue(1)
    dialog.resolution.setValue(25)
    dialog.save_button.click()
    assert types_tab.dialog is None
    saved = by_code(services, admin, "housing")
    assert (saved.first_response_days, saved.resolution_days) == (1, 25)
    assert saved.statuses == housing.statuses and saved.transitions == housing.transitions
    assert "25 working days" in column(types_tab, CaseTypeColumn.RESOLUTION)

    # Someone else saves while this dialog is open: it says so and keeps what was typed.
    types_tab.select(saved.id)
    types_tab.edit_button.click()
    dialog = types_tab.dialog
    services.case_types.save(admin, dataclasses.replace(by_code(services, admin, "housing"), resolution_days=40))
    dialog.resolution.setValue(30)
    dialog.save_button.click()
    assert dialog.isVisible() and "changed by admin" in dialog.message.text()
    assert "resolved within 40 working days" in dialog.message.text()
    assert dialog.resolution.value() == 30
    dialog.save_button.click()  # a deliberate second Save applies it
    assert types_tab.dialog is None and by_code(services, admin, "housing").resolution_days == 30


@sqlite_only
def test_moves_tick_with_space_and_kinds_change_in_place(qtbot, types_tab, services, admin):
    benefits = by_code(services, admin, "benefits")
    types_tab.select(benefits.id)
    types_tab.edit_button.click()
    dialog = types_tab.dialog
    dialog.pages.setCurrentIndex(1)
    table = dialog.move_table
    table.setFocus()
    qtbot.waitUntil(table.hasFocus)
    table.setCurrentIndex(dialog.move_model.index(0, 4))  # new -> waiting on the resident
    qtbot.keyClick(table, Qt.Key.Key_Space)
    assert dialog.move_model.transitions()["new"] == ("assessing", "in_progress", "waiting_on_resident")
    assert dialog.move_model.index(0, 4).data(Qt.ItemDataRole.AccessibleTextRole) \
        == "From New to Waiting on the resident"

    dialog.pages.setCurrentIndex(2)
    expected = dialog.expected_table
    expected.setFocus()
    qtbot.waitUntil(expected.hasFocus)
    expected.setCurrentIndex(dialog.expected_model.index(1, 0))
    qtbot.keyClick(expected, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: isinstance(QApplication.focusWidget(), QComboBox))
    editor = QApplication.focusWidget()
    assert editor.accessibleName() == "Kind of activity" and editor.currentData() == "task"
    editor.setCurrentIndex(editor.findData("email"))
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.expected_model.index(1, 0).data() == "Email")  # committed on the next turn
    assert dialog.isVisible()
    dialog.expected_model.setData(dialog.expected_model.index(1, 2), 7)
    dialog.save_button.click()
    assert types_tab.dialog is None
    saved = by_code(services, admin, "benefits")
    assert saved.next_statuses("new") == ("assessing", "in_progress", "waiting_on_resident")
    assert saved.expected_activities[1] == dataclasses.replace(benefits.expected_activities[1],
                                                               kind=ActivityKind.EMAIL, within_days=7)


@sqlite_only
def test_retire_and_bring_back(qtbot, types_tab, services, admin):
    complaint = by_code(services, admin, "complaint")
    types_tab.select(complaint.id)
    assert types_tab.active_button.text() == "&Retire"
    types_tab.active_button.click()
    assert not by_code(services, admin, "complaint").active
    assert types_tab.selected().id == complaint.id and types_tab.active_button.text() == "B&ring back"
    types_tab.filter.setText("retired")
    assert column(types_tab, CaseTypeColumn.NAME) == [complaint.name]
    types_tab.filter.clear()
    types_tab.active_button.click()
    assert by_code(services, admin, "complaint").active
    assert types_tab.active_button.text() == "&Retire"


def test_the_move_grid_follows_renames_removals_and_moves(qtbot):
    statuses = StatusListModel()
    grid = MoveGridModel(statuses)
    statuses.set_statuses([CaseStatus("a1", "A"), CaseStatus("b1", "B"), CaseStatus("c1", "C")])
    grid.allow(0, 1)
    grid.allow(1, 2)
    grid.allow(2, 0)
    assert not grid.flags(grid.index(1, 1)) & Qt.ItemFlag.ItemIsUserCheckable
    assert grid.setData(grid.index(1, 1), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole) is False
    statuses.setData(statuses.index(1, 0), " Bee ")
    assert grid.transitions() == {"a1": ("bee",), "bee": ("c1",), "c1": ("a1",)}
    statuses.move(2, -2)  # c1 first
    assert [s.code for s in statuses.statuses()] == ["c1", "a1", "bee"]
    assert grid.transitions() == {"c1": ("a1",), "a1": ("bee",), "bee": ("c1",)}
    assert grid.index(0, 1).data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    assert grid.headerData(0, Qt.Orientation.Vertical) == "C"
    statuses.remove(2)
    assert grid.transitions() == {"c1": ("a1",)}
    assert not statuses.move(0, -1) and not statuses.move(1, 1)
    assert code_from("Waiting on the résident!") == "waiting_on_the_resident"
    assert code_from("2nd look") == "s_2nd_look"
    assert code_from("محمد") == ""


# ---- bank holidays -------------------------------------------------------------------------------


@sqlite_only
def test_the_year_shown_starts_at_this_year(qtbot, holidays_tab):
    assert holidays_tab.year.value() == 2026
    assert column(holidays_tab, HolidayColumn.DAY)[-2:] == ["Friday 25/12/2026", "Monday 28/12/2026"]
    assert column(holidays_tab, HolidayColumn.NAME)[-1] == "Boxing Day (substitute day)"
    assert holidays_tab.count.text() == "8 bank holidays in 2026"
    holidays_tab.year.setValue(2027)
    assert column(holidays_tab, HolidayColumn.DAY)[1] == "Friday 26/03/2027"
    holidays_tab.year.setValue(2040)
    assert holidays_tab.model.rowCount() == 0 and "No bank holidays listed for 2040" in holidays_tab.count.text()
    assert unnamed_widgets(holidays_tab) == []


@sqlite_only
def test_adding_a_holiday_refusals_keep_the_input(qtbot, holidays_tab, services, admin):
    holidays_tab.year.setValue(2027)
    holidays_tab.add_button.click()
    dialog = holidays_tab.dialog
    assert dialog.chosen_day() == date(2027, 1, 1)
    dialog.day.setDate(QDate(2027, 6, 5))  # a Saturday
    dialog.name.setText("Royal event — Świętość")
    dialog.save_button.click()
    assert dialog.isVisible() and "Saturday 05/06/2027 is a weekend day" in dialog.message.text()
    assert dialog.name.text() == "Royal event — Świętość" and dialog.chosen_day() == date(2027, 6, 5)
    dialog.day.setDate(QDate(2027, 5, 31))
    dialog.save_button.click()
    assert "already listed as Spring bank holiday" in dialog.message.text()
    dialog.day.setDate(QDate(2027, 6, 7))
    dialog.save_button.click()
    assert holidays_tab.dialog is None
    assert holidays_tab.selected().name == "Royal event — Świętość"
    assert holidays_tab.proxy.index(holidays_tab.table.currentIndex().row(), HolidayColumn.DAY).data() \
        == "Monday 07/06/2027"
    assert date(2027, 6, 7) in [h.day for h in services.bank_holidays.list(admin, 2027)]


@sqlite_only
def test_adding_in_another_year_shows_that_year(qtbot, holidays_tab):
    holidays_tab.add_button.click()
    dialog = holidays_tab.dialog
    assert dialog.chosen_day() == date(2026, 11, 23)  # today, in the year shown
    dialog.day.setDate(QDate(2028, 6, 6))
    dialog.name.setText("Tuesday off")
    dialog.save_button.click()
    assert holidays_tab.year.value() == 2028 and holidays_tab.selected().name == "Tuesday off"


@sqlite_only
def test_removing_asks_first(qtbot, holidays_tab, services, admin):
    christmas = next(h for h in services.bank_holidays.list(admin, 2026) if h.day == date(2026, 12, 25))
    holidays_tab.select(christmas.id)
    with answering_message_boxes(QMessageBox.StandardButton.No) as said:
        holidays_tab.remove_button.click()
    assert said == ["Remove Christmas Day, Friday 25/12/2026, from the bank holidays?"]
    assert christmas in services.bank_holidays.list(admin, 2026)
    with answering_message_boxes(QMessageBox.StandardButton.Yes):
        holidays_tab.remove_button.click()
    assert christmas not in services.bank_holidays.list(admin, 2026)
    assert "Christmas Day" not in column(holidays_tab, HolidayColumn.NAME)
    assert holidays_tab.count.text() == "7 bank holidays in 2026"


# ---- pictures ------------------------------------------------------------------------------------


@sqlite_only
@pytest.mark.parametrize("scale", [1, 2])
def test_tabs_and_dialogs_render_to_png(qtbot, qapp, services, admin, scale, request):
    if scale == 2:
        double_the_text(qapp, request)
    SHOTS.mkdir(exist_ok=True)
    page = AdminPage(services, admin)
    qtbot.addWidget(page)
    page.resize(1000 * scale, 620 * scale)
    page.show()
    page.tabs.setCurrentWidget(page.case_types_tab)
    qtbot.wait(20)
    assert page.grab().save(str(SHOTS / f"admin-case-types-{scale}x.png"))
    page.tabs.setCurrentWidget(page.bank_holidays_tab)
    page.bank_holidays_tab.year.setValue(2027)
    qtbot.wait(20)
    assert page.grab().save(str(SHOTS / f"admin-bank-holidays-{scale}x.png"))

    tab = page.case_types_tab
    tab.select(by_code(services, admin, "housing").id)
    tab.edit_button.click()
    dialog = tab.dialog
    dialog.resize(dialog.width() * scale, dialog.height() * scale)
    for index, name in enumerate(("statuses", "moves", "expected")):
        dialog.pages.setCurrentIndex(index)
        qtbot.wait(20)
        assert dialog.grab().save(str(SHOTS / f"case-type-{name}-{scale}x.png"))
    dialog.name.setText("Benefits")
    dialog.code.setText("benefits")
    dialog.save_button.click()
    qtbot.wait(20)
    assert dialog.grab().save(str(SHOTS / f"case-type-refused-{scale}x.png"))
    dialog.reject()

    page.bank_holidays_tab.add_button.click()
    holiday = page.bank_holidays_tab.dialog
    holiday.day.setDate(QDate(2027, 12, 25))
    holiday.name.setText("Christmas Day — محمد પ્રિયા")
    holiday.save_button.click()
    qtbot.wait(20)
    assert holiday.grab().save(str(SHOTS / f"bank-holiday-refused-{scale}x.png"))
    holiday.reject()
