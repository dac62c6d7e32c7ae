"""The Service catalogue tab in Administration, over real services on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from assisted_desk.core.security import Role
from assisted_desk.ui.admin import AdminPage
from assisted_desk.ui.admin.catalogue import CatalogueTab, ServiceColumn, ServiceTableModel

from ..conftest import make_actor
from .test_start_and_main import unnamed_widgets


@pytest.fixture
def tab(qtbot, services, admin) -> CatalogueTab:
    widget = CatalogueTab(services, admin)
    qtbot.addWidget(widget)
    widget.resize(800, 500)
    widget.refresh()
    return widget


def names(tab) -> list[str]:
    return [tab.proxy.index(r, ServiceColumn.NAME).data() for r in range(tab.proxy.rowCount())]


def test_the_tab_lists_the_catalogue_in_the_desks_order(qtbot, tab, qtmodeltester):
    assert names(tab)[:3] == ["Council Tax", "Benefits", "Parking"] and names(tab)[-1] == "Other"
    assert tab.proxy.index(0, ServiceColumn.CODE).data() == "council_tax"
    assert tab.proxy.index(0, ServiceColumn.STATUS).data() == "Offered"
    assert tab.proxy.index(0, ServiceColumn.CHANGED).data() == "23/11/2026 10:00 by catalogue seed"
    qtmodeltester.check(tab.model, force_py=True)
    qtmodeltester.check(tab.proxy, force_py=True)
    qtmodeltester.check(ServiceTableModel(), force_py=True)
    assert tab.table.accessibleName() == "Services in the catalogue"
    assert unnamed_widgets(tab) == []


def test_adding_a_service_and_a_refusal_that_keeps_what_was_typed(qtbot, tab, services, admin):
    tab.add_button.click()
    dialog = tab.dialog
    dialog.name.setText("Parking")
    dialog.save_button.click()
    assert dialog.isVisible() and "already a service called Parking" in dialog.message.text()
    assert dialog.focusWidget() is dialog.name and dialog.name.text() == "Parking"
    dialog.name.setText("Blue Badge — Żółć")
    dialog.save_button.click()
    assert tab.dialog is None
    assert names(tab)[-1] == "Blue Badge — Żółć"
    assert tab.selected().code == "blue_badge_zolc"
    assert services.catalogue.get(admin, "blue_badge_zolc").active


def test_retire_and_restore_with_the_keyboard(qtbot, tab, services, admin):
    tab.select("parking")
    assert tab.active_button.text() == "&Retire"
    tab.active_button.click()
    assert not services.catalogue.get(admin, "parking").active
    assert tab.selected().code == "parking"
    assert tab.proxy.index(tab.table.currentIndex().row(), ServiceColumn.STATUS).data() == "Retired"
    assert tab.active_button.text() == "Re&store"
    tab.filter.setText("retired")
    assert names(tab) == ["Parking"]
    tab.filter.clear()
    tab.active_button.click()
    assert services.catalogue.get(admin, "parking").active


def test_enter_renames_and_a_stale_rename_shows_the_conflict(qtbot, tab, services, admin):
    tab.select("housing")
    qtbot.keyClick(tab.table, Qt.Key.Key_Return)
    dialog = tab.dialog
    assert dialog.name.text() == "Housing" and "code" not in dialog.fields
    shown = services.catalogue.get(admin, "housing")
    services.catalogue.rename(admin, "housing", "Housing and homelessness", shown.version)
    dialog.name.setText("Housing advice")
    dialog.save_button.click()
    assert dialog.isVisible() and "changed by admin" in dialog.message.text()
    assert "Housing and homelessness" in dialog.message.text()
    dialog.save_button.click()
    assert tab.dialog is None
    assert services.catalogue.get(admin, "housing").name == "Housing advice"


def test_the_tab_is_there_only_for_catalogue_managers(qtbot, services, admin, artifacts, request):
    page = AdminPage(services, admin)
    qtbot.addWidget(page)
    assert page.catalogue_tab is not None
    assert "Service &catalogue" in [page.tabs.tabText(i) for i in range(page.tabs.count())]
    page.resize(1000, 620)
    page.tabs.setCurrentWidget(page.catalogue_tab)
    page.show()
    backend = "pg" if "postgresql" in request.node.callspec.id else "sqlite"
    assert page.grab().save(str(artifacts / f"admin-catalogue-{backend}.png"))
    page.catalogue_tab.add_button.click()
    dialog = page.catalogue_tab.dialog
    dialog.adjustSize()
    assert dialog.grab().save(str(artifacts / f"admin-catalogue-add-{backend}.png"))
    dialog.reject()

    coordinator = make_actor(services, admin, "coord", Role.COORDINATOR)
    other = AdminPage(services, coordinator)
    qtbot.addWidget(other)
    assert other.catalogue_tab is None
