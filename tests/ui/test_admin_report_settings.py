"""The Reports tab in Administration: desk performance targets and disclosure rules, set as an
administrator would (SQLite; the services are proved on both databases in tests/reporting)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from assisted_desk.core.security import Role
from assisted_desk.reporting.disclosure import DisclosureRules, read_rules
from assisted_desk.reporting.targets import DeskTargets, read_targets
from assisted_desk.ui.admin import AdminPage
from assisted_desk.ui.admin.report_settings import ReportSettingsTab

from ..conftest import ARTIFACTS, make_actor
from .conftest import double_the_text
from .test_start_and_main import unnamed_widgets

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def tab(qtbot, services, admin) -> ReportSettingsTab:
    widget = ReportSettingsTab(services, admin)
    qtbot.addWidget(widget)
    widget.refresh()
    widget.resize(900, 900)
    widget.show()
    return widget


def type_into(qtbot, box, text: str) -> None:
    box.clear()
    qtbot.keyClicks(box, text)


def test_administrators_get_the_tab_and_managers_do_not(qtbot, services, admin):
    page = AdminPage(services, admin)
    qtbot.addWidget(page)
    texts = [page.tabs.tabText(i) for i in range(page.tabs.count())]
    assert "&Reports" in texts and page.report_settings_tab is not None
    assert page.report_settings_tab.accessibleName() == "Reports"
    manager = AdminPage(services, make_actor(services, admin, "manager", Role.MANAGER))
    qtbot.addWidget(manager)
    assert manager.report_settings_tab is None


def test_shows_what_is_saved(tab):
    assert {field: box.text() for field, box in tab.target_boxes.items()} == {
        "first_contact": "80", "right_first_time": "79", "wait_average": "5", "wait_p90": "5",
        "callbacks_on_time": "90", "first_response": "98", "resolution": "98", "satisfaction": "89",
        "amber_margin_points": "5", "amber_wait_percent": "20"}
    assert tab.threshold.text() == "10" and tab.rounding.currentData() == 5
    assert unnamed_widgets(tab) == []


def test_saving_targets(qtbot, tab, services):
    type_into(qtbot, tab.target_boxes["first_contact"], "85")
    type_into(qtbot, tab.target_boxes["wait_p90"], "7.5")
    type_into(qtbot, tab.target_boxes["amber_margin_points"], "3")
    qtbot.mouseClick(tab.save_targets_button, Qt.MouseButton.LeftButton)
    assert read_targets(services.settings) == DeskTargets(first_contact=85, wait_p90=7.5, amber_margin_points=3)
    assert tab.targets_message.isVisible() and tab.targets_message.text().startswith("Saved.")


@pytest.mark.parametrize(("field", "typed", "words"), [
    ("satisfaction", "eighty", "“eighty” is not a number: type a percentage from 0 to 100."),
    ("satisfaction", "150", "must be a percentage from 0 to 100"),
    ("wait_average", "0", "must be between 1 and 120 minutes"),
    ("amber_margin_points", "60", "amber margin must be from 0 to 50"),
])
def test_a_refused_target_says_why_and_keeps_what_was_typed(qtbot, tab, services, field, typed, words):
    type_into(qtbot, tab.target_boxes["first_contact"], "70")
    type_into(qtbot, tab.target_boxes[field], typed)
    qtbot.mouseClick(tab.save_targets_button, Qt.MouseButton.LeftButton)
    assert tab.targets_message.isVisible() and words in tab.targets_message.text()
    qtbot.waitUntil(lambda: tab.target_boxes[field].hasFocus())
    assert tab.target_boxes[field].text() == typed and tab.target_boxes["first_contact"].text() == "70"
    assert read_targets(services.settings) == DeskTargets()  # nothing saved


def test_saving_disclosure_rules(qtbot, tab, services):
    type_into(qtbot, tab.threshold, "1")
    tab.rounding.setCurrentIndex(tab.rounding.findData(10))
    qtbot.mouseClick(tab.save_rules_button, Qt.MouseButton.LeftButton)
    assert "whole number from 2 to 100" in tab.rules_message.text()
    qtbot.waitUntil(tab.threshold.hasFocus)
    assert tab.threshold.text() == "1" and tab.rounding.currentData() == 10
    assert read_rules(services.settings) == DisclosureRules()
    type_into(qtbot, tab.threshold, "12")
    qtbot.mouseClick(tab.save_rules_button, Qt.MouseButton.LeftButton)
    assert read_rules(services.settings) == DisclosureRules(12, 10)
    assert tab.rules_message.text() == ("Saved. Protected reports hide counts below 12; other counts are rounded "
                                        "to the nearest 10.")
    tab.rounding.setCurrentIndex(tab.rounding.findData(0))
    qtbot.mouseClick(tab.save_rules_button, Qt.MouseButton.LeftButton)
    assert read_rules(services.settings) == DisclosureRules(12, 0)


def test_tab_reaches_every_field_in_order(qtbot, tab):
    order = [*tab.target_boxes.values(), tab.save_targets_button, tab.threshold, tab.rounding, tab.save_rules_button]
    order[0].setFocus()
    qtbot.waitUntil(order[0].hasFocus)
    for current, following in zip(order, order[1:]):
        qtbot.keyClick(current, Qt.Key.Key_Tab)
        qtbot.waitUntil(following.hasFocus)


@pytest.mark.parametrize("scale", [1, 2])
def test_renders_to_png(qtbot, qapp, services, admin, scale, request):
    if scale == 2:
        double_the_text(qapp, request)
    ARTIFACTS.mkdir(exist_ok=True)
    page = AdminPage(services, admin)
    qtbot.addWidget(page)
    page.resize(1000 * scale, 760 * scale)
    page.show()
    page.tabs.setCurrentWidget(page.report_settings_tab)
    tab = page.report_settings_tab
    tab.target_boxes["satisfaction"].setText("150")
    tab.save_targets()
    qtbot.wait(20)
    assert page.grab().save(str(ARTIFACTS / f"admin-report-settings-{scale}x.png"))
