"""The desk's search box: type, see who it finds, choose by keyboard or double-click."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from assisted_desk.core.security import PERMISSIONS, Permission, Role
from assisted_desk.desk.residents import ResidentInput
from assisted_desk.ui.desk.finder import ResidentFinder, ResultColumn

from ..conftest import make_actor
from .test_start_and_main import unnamed_widgets


def register(services, actor, given, family, preferred="", **details) -> int:
    return services.residents.register(
        actor, ResidentInput(given_name=given, family_name=family, preferred_name=preferred, **details),
        confirm_not_duplicate=True).id


@pytest.fixture
def people(services, admin):
    return {
        "lukasz": register(services, admin, "Łukasz", "Żółć", date_of_birth="14/03/1985", postcode="E1 6AN"),
        "anna": register(services, admin, "Anna", "Nowak", "Ania", date_of_birth="02/01/1985", postcode="E1 7AA"),
        "anna_smith": register(services, admin, "Anna", "Smith", date_of_birth="03/03/1962", postcode="N1 9GU"),
        "mohammed": register(services, admin, "محمد", "علي", date_of_birth="01/01/1970"),
        "priya": register(services, admin, "પ્રિયા", "પટેલ", date_of_birth="5 May 1988"),
    }


@pytest.fixture
def finder(qtbot, services, admin, people):
    widget = ResidentFinder(services, admin)
    qtbot.addWidget(widget)
    widget.resize(760, 360)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def shown_names(finder) -> list[str]:
    proxy = finder.proxy
    return [proxy.index(row, ResultColumn.NAME).data() for row in range(proxy.rowCount())]


def wait_for_results(qtbot, finder, expected: list[str]) -> None:
    qtbot.waitUntil(lambda: not finder.is_searching() and shown_names(finder) == expected, timeout=5000)


def test_typing_searches_after_a_pause_and_shows_the_matches(qtbot, finder):
    finder.box.setFocus()
    qtbot.keyClicks(finder.box, "anna")
    wait_for_results(qtbot, finder, ["Anna (Ania) Nowak", "Anna Smith"])
    assert "2 residents" in finder.status.text()
    assert finder.proxy.index(0, ResultColumn.BORN).data() == "1985"
    assert finder.proxy.index(0, ResultColumn.POSTCODE).data() == "E1 7AA"
    assert finder.proxy.index(0, ResultColumn.LAST_CONTACT).data() == "Never"
    assert finder.proxy.index(0, ResultColumn.MATCHED_ON).data() == "name"
    qtbot.keyClicks(finder.box, " smi")
    wait_for_results(qtbot, finder, ["Anna Smith"])


def test_non_latin_names_set_as_text_are_found(qtbot, finder):
    finder.box.setText("Łukasz Żółć")  # keyClicks cannot type non-ASCII letters
    wait_for_results(qtbot, finder, ["Łukasz Żółć"])
    finder.box.setText("محمد")
    wait_for_results(qtbot, finder, ["محمد علي"])
    finder.box.setText("પટેલ")
    wait_for_results(qtbot, finder, ["પ્રિયા પટેલ"])


def test_down_then_enter_chooses_the_resident(qtbot, finder, people):
    finder.box.setFocus()
    qtbot.keyClicks(finder.box, "lukasz zolc")
    wait_for_results(qtbot, finder, ["Łukasz Żółć"])
    qtbot.keyClick(finder.box, Qt.Key.Key_Down)
    assert finder.table.hasFocus()
    assert finder.chosen_row_id() == people["lukasz"]
    with qtbot.waitSignal(finder.resident_chosen, timeout=2000) as chosen:
        qtbot.keyClick(finder.table, Qt.Key.Key_Return)
    assert chosen.args == [people["lukasz"]]


def test_down_moves_through_results_and_up_from_the_first_returns_to_the_box(qtbot, finder, people, services, clock):
    finder.set_query("anna")
    wait_for_results(qtbot, finder, ["Anna (Ania) Nowak", "Anna Smith"])
    qtbot.keyClick(finder.box, Qt.Key.Key_Down)
    qtbot.keyClick(finder.table, Qt.Key.Key_Down)
    assert finder.chosen_row_id() == people["anna_smith"]
    with qtbot.waitSignal(finder.resident_chosen) as chosen:
        qtbot.keyClick(finder.table, Qt.Key.Key_Enter)
    assert chosen.args == [people["anna_smith"]]
    qtbot.keyClick(finder.table, Qt.Key.Key_Up)
    qtbot.keyClick(finder.table, Qt.Key.Key_Up)
    assert finder.box.hasFocus()
    qtbot.keyClick(finder.box, Qt.Key.Key_Escape)
    assert finder.box.text() == ""


def test_double_click_chooses(qtbot, finder, people):
    finder.set_query("nowak")
    wait_for_results(qtbot, finder, ["Anna (Ania) Nowak"])
    index = finder.proxy.index(0, ResultColumn.NAME)
    rect = finder.table.visualRect(index)
    with qtbot.waitSignal(finder.resident_chosen) as chosen:
        qtbot.mouseClick(finder.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(finder.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert chosen.args == [people["anna"]]


def test_short_or_unknown_text_says_what_to_do(qtbot, finder):
    finder.set_query("a")
    qtbot.waitUntil(lambda: not finder.is_searching() and "at least 2 letters" in finder.status.text())
    assert shown_names(finder) == []
    finder.set_query("zzzz qqqq")
    qtbot.waitUntil(lambda: not finder.is_searching() and "No resident found" in finder.status.text())
    assert shown_names(finder) == []


def test_refresh_finds_a_resident_registered_since(qtbot, finder, services, admin):
    finder.set_query("smith")
    wait_for_results(qtbot, finder, ["Anna Smith"])
    register(services, admin, "John", "Smith")
    finder.refresh()
    wait_for_results(qtbot, finder, ["Anna Smith", "John Smith"])


def test_last_contact_is_shown_in_london_time(qtbot, finder, services, people, clock):
    from sqlalchemy import update

    from assisted_desk.desk.models import Resident

    with services.db.unit_of_work() as session:
        session.execute(update(Resident).where(Resident.id == people["anna_smith"])
                        .values(last_contact_at=clock.now() - timedelta(days=1))
                        .execution_options(synchronize_session=False))
    finder.set_query("anna")
    wait_for_results(qtbot, finder, ["Anna Smith", "Anna (Ania) Nowak"])
    assert finder.proxy.index(0, ResultColumn.LAST_CONTACT).data() == "22/11/2026 10:00"


def test_a_refusal_is_shown_in_the_status_line(qtbot, services, admin, people):
    desk = make_actor(services, admin, "desk1", Role.DESK)
    original = PERMISSIONS[Role.DESK]
    PERMISSIONS[Role.DESK] = original - {Permission.VIEW_RESIDENTS}
    try:
        widget = ResidentFinder(services, desk)
        qtbot.addWidget(widget)
        widget.set_query("anna")
        qtbot.waitUntil(lambda: not widget.is_searching() and "may not view residents" in widget.status.text())
        assert widget.proxy.rowCount() == 0
    finally:
        PERMISSIONS[Role.DESK] = original


def test_results_model_passes_the_model_tester(qtbot, qtmodeltester, finder):
    qtmodeltester.check(finder.model, force_py=True)  # empty
    finder.set_query("anna")
    wait_for_results(qtbot, finder, ["Anna (Ania) Nowak", "Anna Smith"])
    qtmodeltester.check(finder.model, force_py=True)
    qtmodeltester.check(finder.proxy, force_py=True)


def test_accessible_names_and_keyboard_order(finder):
    assert unnamed_widgets(finder) == []
    assert finder.box.accessibleName() == "Find a resident"
    assert finder.table.accessibleName() == "Residents found"
    assert finder.focusProxy() is finder.box
    assert finder.box.nextInFocusChain() is finder.table or finder.table.focusPolicy() != Qt.FocusPolicy.NoFocus


def test_focus_search_selects_what_was_typed(qtbot, finder):
    finder.set_query("anna")
    wait_for_results(qtbot, finder, ["Anna (Ania) Nowak", "Anna Smith"])
    finder.table.setFocus()
    finder.focus_search()
    QApplication.processEvents()
    assert finder.box.hasFocus() and finder.box.selectedText() == "anna"


def test_finder_renders_to_png(qtbot, finder, artifacts):
    finder.box.setText("anna")
    wait_for_results(qtbot, finder, ["Anna (Ania) Nowak", "Anna Smith"])
    assert finder.grab().save(str(artifacts / "desk-finder.png"))
    finder.box.setText("Łukasz Żółć")
    wait_for_results(qtbot, finder, ["Łukasz Żółć"])
    assert finder.grab().save(str(artifacts / "desk-finder-polish.png"))
