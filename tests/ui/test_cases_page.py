"""The Cases area's caseload page, over real services (SQLite; the caseload query is proved on
both databases in tests/casework): counts and rows for known cases, filters, counts as filters,
sorting, who sees which list, and the page rendered for a person to look at."""

from __future__ import annotations

import importlib.util
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from assisted_desk.casework.caseload import Caseload, CaseloadFilter, CaseloadScope, DueFilter
from assisted_desk.casework.records import CaseInput
from assisted_desk.casework.vocab import CaseOutcome
from assisted_desk.core.security import Actor, Role
from assisted_desk.ui.admin.common import SORT_ROLE
from assisted_desk.ui.casework import CasesPage
from assisted_desk.ui.casework import page as page_module
from assisted_desk.ui.casework.caseload_models import (
    DUE_TODAY_BACKGROUND,
    OVERDUE_BACKGROUND,
    CaseloadColumn,
    CaseloadTableModel,
)
from assisted_desk.ui.main_window import MainWindow
from assisted_desk.ui.workers import wait_for_background_jobs

from ..casework.case_fixtures import Team, register, type_id
from ..conftest import ARTIFACTS, PASSWORD
from .conftest import double_the_text
from .test_start_and_main import unnamed_widgets

sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
pytestmark = sqlite_only
SHOTS = ARTIFACTS  # screenshots for a person to look at
TODAY = date(2026, 11, 23)  # the clock fixture's Monday


@pytest.fixture(autouse=True)
def forget_filters():
    page_module._remembered.clear()
    yield
    page_module._remembered.clear()


@pytest.fixture
def svc(services):
    if not hasattr(services, "caseload"):  # until services.py builds it
        services.caseload = Caseload(services.db, services.clock)
    return services


@pytest.fixture
def team(svc, admin) -> Team:
    return Team(svc, admin)


def opened(svc, actor, resident_id, code, **kwargs) -> int:
    return svc.cases.open_case(actor, CaseInput(resident_id=resident_id, case_type_id=type_id(svc, actor, code),
                                                summary="Help with the council", **kwargs)).id


def version(svc, actor, case_id) -> int:
    return svc.cases.get_case(actor, case_id).version


@pytest.fixture
def cases(svc, clock, team, admin) -> dict[str, str]:
    """Known cases; the advocate's list holds A to E (E as a team member), F is a colleague's, G closed.
    Returns the references by letter."""
    names = {"A": ("Łukasz", "Żółć"), "B": ("محمد", "الحسن"), "C": ("પ્રિયા", "પટેલ"), "D": ("Zoë", "Gonçalves"),
             "E": ("Αλέξανδρος", "Παπαδόπουλος"), "F": ("Ngozi", "Okonkwo"), "G": ("Siobhán", "Ní Bhriain")}
    resident = {key: register(svc, admin, given, family) for key, (given, family) in names.items()}
    advocate, other = team.advocate, team.other_advocate
    ids = {}
    clock.advance(days=-21)  # Monday 2 November: a complaint nobody has answered
    ids["B"] = opened(svc, advocate, resident["B"], "complaint", priority="high")
    clock.advance(days=18)  # Friday 20 November: social care, first response due today
    ids["C"] = opened(svc, advocate, resident["C"], "social_care", priority="low")
    clock.advance(days=3)  # back to Monday 23 November
    ids["A"] = opened(svc, advocate, resident["A"], "housing", restricted=True, restricted_reason="Safeguarding")
    svc.cases.add_task(advocate, ids["A"], "Ring the landlord", TODAY)
    ids["D"] = opened(svc, advocate, resident["D"], "benefits", priority="urgent")
    svc.cases.record_activity(advocate, ids["D"], "call", "Rang to arrange a meeting")
    svc.cases.escalate(advocate, ids["D"], 1, "No answer from the service", version(svc, advocate, ids["D"]))
    ids["E"] = opened(svc, other, resident["E"], "housing")
    svc.cases.add_team_member(other, ids["E"], advocate.staff_id)
    ids["F"] = opened(svc, other, resident["F"], "multiple_needs")
    ids["G"] = opened(svc, advocate, resident["G"], "benefits")
    svc.cases.close_case(advocate, ids["G"], CaseOutcome.WITHDRAWN, "Moved away", version(svc, advocate, ids["G"]))
    with svc.db.unit_of_work() as session:
        from assisted_desk.casework.models import Case

        return {key: session.get(Case, case_id).reference for key, case_id in ids.items()}


def make_page(qtbot, actor: Actor, svc) -> CasesPage:
    page = CasesPage(svc, actor)
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.show()
    qtbot.waitExposed(page)
    settle(qtbot, page)
    return page


def settle(qtbot, page: CasesPage) -> None:
    view = page.current_view()
    if view is not None:
        qtbot.waitUntil(lambda: not view.is_loading(), timeout=10_000)


def listed(view, column=CaseloadColumn.REFERENCE) -> list[str]:
    return [view.proxy.index(r, column).data() for r in range(view.proxy.rowCount())]


def row_of(view, reference: str) -> int:
    return listed(view).index(reference)


def cell(view, reference: str, column: CaseloadColumn, role=Qt.ItemDataRole.DisplayRole):
    return view.proxy.index(row_of(view, reference), column).data(role)


def figures(view) -> dict[str, str]:
    return {key: count.text().split("\n")[0] for key, count in view.counts.buttons.items()}


def choose(combo, value) -> None:
    index = combo.findData(value)
    assert index >= 0, value
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


# ---- who sees what ---------------------------------------------------------------------------------


def test_an_advocate_has_only_their_own_caseload(qtbot, svc, team, cases):
    page = make_page(qtbot, team.advocate, svc)
    assert page.team is None and page.tabs.count() == 1 and page.tabs.tabText(0) == "&My caseload"
    view = page.mine
    assert view.table.isColumnHidden(CaseloadColumn.OWNER) and not view.owner.isVisible()
    assert unnamed_widgets(page) == []


def test_a_manager_has_both_caseloads_and_the_team_one_names_owners(qtbot, svc, team, cases):
    page = make_page(qtbot, team.manager, svc)
    assert [page.tabs.tabText(i) for i in range(page.tabs.count())] == ["&My caseload", "&Team caseload"]
    assert listed(page.mine) == []
    assert "You have no open cases" in page.mine.summary.text()
    page.tabs.setCurrentWidget(page.team)
    settle(qtbot, page)
    view = page.team
    assert sorted(listed(view)) == sorted(cases[k] for k in "ABCDEF")
    assert not view.table.isColumnHidden(CaseloadColumn.OWNER) and view.owner.isVisible()
    assert cell(view, cases["F"], CaseloadColumn.OWNER) == "Advocate2"
    assert figures(view) == {"open": "6", "due_today": "2", "due_this_week": "4", "overdue_first_response": "1",
                             "overdue_resolution": "1", "escalated": "1"}
    choose(view.owner, team.other_advocate.staff_id)
    settle(qtbot, page)
    assert sorted(listed(view)) == sorted([cases["E"], cases["F"]])
    assert unnamed_widgets(page) == []


@pytest.mark.parametrize("role", [Role.DESK, Role.COORDINATOR])
def test_staff_who_only_open_cases_are_told_where_to_do_it(qtbot, svc, admin, role):
    from ..conftest import make_actor

    page = make_page(qtbot, make_actor(svc, admin, role.value + "1", role), svc)
    assert page.tabs is None and page.current_view() is None
    text = page.explanation.text()
    assert "Residents area" in text and "Open an advocacy case…" in text
    assert page.explanation.isVisible()
    assert unnamed_widgets(page) == []


# ---- counts and rows ---------------------------------------------------------------------------------


def test_my_caseload_counts_and_rows_for_known_cases(qtbot, svc, team, cases):
    view = make_page(qtbot, team.advocate, svc).mine
    # Soonest resolution first: B (16/11, overdue), D (14/12), C (18/12), then A and E (21/12) by reference.
    assert listed(view) == [cases[k] for k in ("B", "D", "C")] + sorted([cases["A"], cases["E"]])
    assert figures(view) == {"open": "5", "due_today": "2", "due_this_week": "3", "overdue_first_response": "1",
                             "overdue_resolution": "1", "escalated": "1"}
    assert view.counts.buttons["overdue_resolution"].accessibleName() == "Overdue resolution: 1"
    assert view.counts.buttons["overdue_resolution"].property("kind") == "overdue"
    assert view.counts.buttons["due_today"].property("kind") == "today"
    assert view.counts.buttons["open"].property("kind") == ""

    assert cell(view, cases["B"], CaseloadColumn.FLAGS) == "Overdue"
    assert cell(view, cases["B"], CaseloadColumn.RESOLUTION_DUE) == "16/11/2026, overdue"
    assert cell(view, cases["B"], CaseloadColumn.FIRST_RESPONSE_DUE) == "04/11/2026, overdue"
    assert "Monday 16 November 2026 (7 days ago): overdue" in cell(
        view, cases["B"], CaseloadColumn.RESOLUTION_DUE, Qt.ItemDataRole.ToolTipRole)
    assert cell(view, cases["B"], CaseloadColumn.FLAGS, Qt.ItemDataRole.BackgroundRole).color() == \
        QColor(OVERDUE_BACKGROUND)
    assert cell(view, cases["C"], CaseloadColumn.FLAGS) == "Due today"
    assert cell(view, cases["C"], CaseloadColumn.FIRST_RESPONSE_DUE) == "23/11/2026, today"
    assert cell(view, cases["C"], CaseloadColumn.RESOLUTION_DUE) == "18/12/2026"
    assert cell(view, cases["C"], CaseloadColumn.TYPE, Qt.ItemDataRole.BackgroundRole).color() == \
        QColor(DUE_TODAY_BACKGROUND)
    assert cell(view, cases["A"], CaseloadColumn.FLAGS) == "Due today · Restricted"
    assert cell(view, cases["A"], CaseloadColumn.NEXT_TASK) == "23/11/2026, today"
    assert "Restricted: only its owner" in cell(view, cases["A"], CaseloadColumn.FLAGS, Qt.ItemDataRole.ToolTipRole)
    assert "(today)" in cell(view, cases["A"], CaseloadColumn.NEXT_TASK, Qt.ItemDataRole.ToolTipRole)
    assert cell(view, cases["D"], CaseloadColumn.FLAGS) == "Escalated"
    assert "Escalated to level 1: team leader." in cell(view, cases["D"], CaseloadColumn.FLAGS,
                                                        Qt.ItemDataRole.ToolTipRole)
    assert cell(view, cases["D"], CaseloadColumn.PRIORITY) == "Urgent"
    assert cell(view, cases["D"], CaseloadColumn.FIRST_RESPONSE_DUE) == "Answered 23/11/2026"
    assert cell(view, cases["D"], CaseloadColumn.RESIDENT, Qt.ItemDataRole.BackgroundRole) is None
    assert cell(view, cases["E"], CaseloadColumn.FLAGS) == ""
    assert cell(view, cases["E"], CaseloadColumn.STATUS) == "New"
    assert cell(view, cases["E"], CaseloadColumn.RESIDENT, Qt.ItemDataRole.AccessibleTextRole) == \
        "Resident: Αλέξανδρος Παπαδόπουλος"
    assert "5 cases listed" in view.summary.text()


def test_the_model_passes_qts_model_tester(qtmodeltester, svc, team, cases):
    page = svc.caseload.for_actor(team.manager, CaseloadScope.TEAM, CaseloadFilter(include_closed=True))
    model = CaseloadTableModel()
    model.set_rows(page.rows, TODAY)
    assert model.rowCount() == 7
    qtmodeltester.check(model)


# ---- filters ----------------------------------------------------------------------------------------


def test_filters_narrow_the_list_and_are_remembered_for_the_person(qtbot, svc, team, cases):
    page = make_page(qtbot, team.advocate, svc)
    view = page.mine
    choose(view.case_type, type_id(svc, team.advocate, "housing"))
    settle(qtbot, page)
    assert listed(view) == sorted([cases["A"], cases["E"]])  # the same day: by reference
    assert figures(view)["open"] == "2"
    choose(view.case_type, None)
    choose(view.priority, "urgent")
    settle(qtbot, page)
    assert listed(view) == [cases["D"]]
    choose(view.priority, "")
    view.include_closed.setChecked(True)
    settle(qtbot, page)
    assert cases["G"] in listed(view) and cell(view, cases["G"], CaseloadColumn.FLAGS) == "Closed"
    view.include_closed.setChecked(False)
    choose(view.status, "closed")
    settle(qtbot, page)
    assert listed(view) == [cases["G"]]
    assert view.include_closed.isChecked() and not view.include_closed.isEnabled()
    choose(view.status, None)
    view.text.setFocus()
    view.text.setText(cases["C"][-4:].lower())
    qtbot.keyClick(view.text, Qt.Key.Key_Return)
    settle(qtbot, page)
    assert listed(view) == [cases["C"]]
    view.text.setText("zolc")  # typed without the accents, found with them
    view.text.textEdited.emit("zolc")
    qtbot.waitUntil(lambda: listed(view) == [cases["A"]], timeout=5_000)

    again = make_page(qtbot, team.advocate, svc)  # the page is built again (switching user): filters stay
    assert again.mine.text.text() == "zolc" and listed(again.mine) == [cases["A"]]
    other = make_page(qtbot, team.manager, svc)  # but they are the advocate's, not the manager's
    assert other.mine.text.text() == ""

    qtbot.mouseClick(view.clear_button, Qt.MouseButton.LeftButton)
    settle(qtbot, page)
    assert len(listed(view)) == 5 and view.text.text() == ""


def test_a_count_click_shows_just_those_cases(qtbot, svc, team, cases):
    page = make_page(qtbot, team.advocate, svc)
    view = page.mine
    qtbot.mouseClick(view.counts.buttons["overdue_resolution"], Qt.MouseButton.LeftButton)
    settle(qtbot, page)
    assert listed(view) == [cases["B"]]
    assert view.due.currentData() == DueFilter.OVERDUE_RESOLUTION.value
    assert view.counts.buttons["overdue_resolution"].isChecked()
    assert figures(view)["open"] == "5"  # the counts stay the overview the choice was made from
    qtbot.mouseClick(view.counts.buttons["due_today"], Qt.MouseButton.LeftButton)
    settle(qtbot, page)
    assert listed(view) == [cases["C"], cases["A"]]
    assert not view.counts.buttons["overdue_resolution"].isChecked()
    qtbot.mouseClick(view.counts.buttons["escalated"], Qt.MouseButton.LeftButton)
    settle(qtbot, page)
    assert listed(view) == [cases["D"]] and view.due.currentText() == "Escalated"
    view.counts.buttons["open"].setFocus()
    qtbot.keyClick(view.counts.buttons["open"], Qt.Key.Key_Space)  # by keyboard too
    settle(qtbot, page)
    assert len(listed(view)) == 5 and view.due.currentData() == DueFilter.ANY.value


# ---- sorting, refreshing, opening ---------------------------------------------------------------------


def test_sorting_by_resolution_due_sorts_by_date_and_priority_by_rank(qtbot, svc, team, cases):
    view = make_page(qtbot, team.advocate, svc).mine
    view.table.selectRow(row_of(view, cases["C"]))
    view.table.sortByColumn(CaseloadColumn.RESOLUTION_DUE, Qt.SortOrder.DescendingOrder)
    assert view.selected().reference == cases["C"]  # the chosen case stays chosen
    assert view.table.currentIndex().row() == row_of(view, cases["C"])
    dates = [date.fromisoformat(view.proxy.index(r, CaseloadColumn.RESOLUTION_DUE).data(SORT_ROLE))
             for r in range(view.proxy.rowCount())]
    assert dates == sorted(dates, reverse=True) and dates[-1] == date(2026, 11, 16)
    view.table.sortByColumn(CaseloadColumn.PRIORITY, Qt.SortOrder.DescendingOrder)
    assert listed(view, CaseloadColumn.PRIORITY)[:2] == ["Urgent", "High"]
    assert listed(view, CaseloadColumn.PRIORITY)[-1] == "Low"
    view.table.sortByColumn(CaseloadColumn.FIRST_RESPONSE_DUE, Qt.SortOrder.AscendingOrder)
    assert listed(view)[0] == cases["B"] and listed(view)[-1] == cases["D"]  # answered ones last


def test_refresh_by_f5_and_on_showing_keeps_the_chosen_case(qtbot, svc, team, admin, cases):
    page = make_page(qtbot, team.advocate, svc)
    view = page.mine
    view.table.selectRow(row_of(view, cases["E"]))
    opened(svc, team.advocate, register(svc, admin, "Mr Tomás", "Ó Briain"), "complaint")
    page.activateWindow()
    view.table.setFocus()
    qtbot.waitUntil(view.table.hasFocus, timeout=5_000)
    qtbot.keyClick(view.table, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: len(listed(view)) == 6, timeout=5_000)
    assert view.selected().reference == cases["E"]
    opened(svc, team.advocate, register(svc, admin, "Ms Ada", "Lovelace"), "complaint")
    page.hide()
    page.show()  # coming back to the area reads the list again
    qtbot.waitUntil(lambda: len(listed(view)) == 7, timeout=5_000)


def test_enter_opens_the_case_window_and_its_changes_refresh_the_list(qtbot, svc, team, cases):
    if importlib.util.find_spec("assisted_desk.ui.casework.case_window") is None:
        pytest.skip("the case window is not written yet")
    page = make_page(qtbot, team.advocate, svc)
    view = page.mine
    view.table.selectRow(row_of(view, cases["C"]))
    view.table.setFocus()
    qtbot.waitUntil(view.table.hasFocus, timeout=5_000)
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    window = view.case_windows[svc.cases.get_case(team.advocate, cases_id(svc, cases["C"])).id]
    qtbot.waitUntil(window.isVisible, timeout=5_000)
    svc.cases.record_activity(team.advocate, cases_id(svc, cases["C"]), "call", "Spoke to the resident")
    window.changed.emit()
    qtbot.waitUntil(lambda: cell(view, cases["C"], CaseloadColumn.FIRST_RESPONSE_DUE).startswith("Answered"),
                    timeout=5_000)
    qtbot.mouseClick(view.open_button, Qt.MouseButton.LeftButton)  # the same case again: the same window
    assert len(view.case_windows) == 1
    window.close()
    wait_for_background_jobs()


def cases_id(svc, reference: str) -> int:
    with svc.db.unit_of_work() as session:
        from assisted_desk.casework.models import Case
        from sqlalchemy import select

        return session.scalar(select(Case.id).where(Case.reference == reference))


def test_the_main_window_shows_the_cases_page(qtbot, svc, team, cases):
    main = MainWindow(svc, team.advocate)
    qtbot.addWidget(main)
    assert isinstance(main.area_pages["cases"], CasesPage)
    main.show()
    main.show_area("cases")
    view = main.area_pages["cases"].mine
    qtbot.waitUntil(lambda: len(listed(view)) == 5, timeout=10_000)
    main.close()
    wait_for_background_jobs()


# ---- for a person to look at ---------------------------------------------------------------------------


@pytest.mark.parametrize("scale", [1, 2])
def test_render_the_caseload(qtbot, qapp, request, svc, team, admin, cases, scale):
    from ..conftest import make_actor

    if scale == 2:
        double_the_text(qapp, request)
    manager = svc.staff.add_staff(admin, "msshah", "Ms Priya Shah (પ્રિયા)", Role.MANAGER, admin.site_id,
                                  PASSWORD, must_change_password=False)
    boss = Actor(manager.id, manager.username, manager.display_name, Role.MANAGER, manager.site_id)
    mr = svc.staff.add_staff(admin, "mrnowak", "Mr Łukasz Nowak", Role.ADVOCATE, admin.site_id, PASSWORD,
                             must_change_password=False)
    resident = register(svc, admin, "محمد", "عبد الله")
    case = opened(svc, boss, resident, "housing", owner_id=mr.id, priority="high")
    svc.cases.escalate(boss, case, 2, "Stuck", version(svc, boss, case))
    page = make_page(qtbot, boss, svc)
    page.resize(1400 * scale if scale == 1 else 2000, 760 if scale == 1 else 1100)
    page.tabs.setCurrentWidget(page.team)
    settle(qtbot, page)
    page.team.table.selectRow(1)
    SHOTS.mkdir(exist_ok=True)
    QApplication.processEvents()
    assert page.grab().save(str(SHOTS / f"cases-team-{scale}x.png"))
    advocate_page = make_page(qtbot, team.advocate, svc)
    advocate_page.resize(1200 if scale == 1 else 2000, 700 if scale == 1 else 1100)
    QApplication.processEvents()
    assert advocate_page.grab().save(str(SHOTS / f"cases-mine-{scale}x.png"))
    desk_page = make_page(qtbot, make_actor(svc, admin, "desk9", Role.DESK), svc)
    desk_page.resize(900, 300 * scale)
    assert desk_page.grab().save(str(SHOTS / f"cases-desk-{scale}x.png"))
    for shown in (page, advocate_page):
        for count in shown.current_view().counts.buttons.values():  # no figure clipped
            assert count.width() >= count.sizeHint().width()
