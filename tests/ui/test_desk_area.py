"""The Desk area as staff meet it in the main window: serve, queue and callbacks joined up."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt

from assisted_desk.core.security import Role
from assisted_desk.desk.resident_input import ResidentInput
from assisted_desk.ui.main_window import MainWindow
from assisted_desk.ui.workers import wait_for_background_jobs

from ..conftest import make_actor


@pytest.fixture
def desk(services, admin):
    return make_actor(services, admin, "desk", Role.DESK)


@pytest.fixture
def window(qtbot, services, desk):
    main = MainWindow(services, desk)
    qtbot.addWidget(main)
    main.show()
    yield main
    wait_for_background_jobs()


def register(services, admin, given, family):
    return services.residents.register(admin, ResidentInput(given_name=given, family_name=family,
                                                            date_of_birth="14/03/1985")).id


def test_the_desk_area_has_serve_queue_callbacks_and_requests(window):
    area = window.area_pages["desk"]
    titles = [area.tabs.tabText(i) for i in range(area.tabs.count())]
    assert titles == ["Serve a resident", "Walk-in queue", "Callbacks", "Requests"]
    assert area.tabs.currentWidget() is area.serve


def test_calling_a_walk_in_opens_them_on_the_serve_tab_and_the_contact_names_the_ticket(
        qtbot, window, services, admin, desk):
    resident_id = register(services, admin, "Łukasz", "Żółć")
    ticket = services.queue.issue_ticket(desk, resident_id=resident_id, reason="Council Tax bill")
    area = window.area_pages["desk"]
    area.tabs.setCurrentWidget(area.queue)
    area.queue.refresh()
    area.queue.call_next()
    qtbot.waitUntil(lambda: area.tabs.currentWidget() is area.serve)
    assert area.serve.resident_id == resident_id and area.serve.queue_ticket_id == ticket.id
    qtbot.waitUntil(lambda: "Łukasz" in area.serve.summary.name.text(), timeout=10_000)

    services.clock.advance(minutes=4)
    area.serve.form.service.setCurrentIndex(area.serve.form.service.findData("council_tax"))
    reference = area.serve.save()
    assert reference and reference.startswith("AD-")
    timeline = services.timeline.for_resident(desk, resident_id)
    assert any(item.reference == reference for item in timeline)


def test_serve_at_desk_from_the_residents_area(qtbot, window, services, admin):
    resident_id = register(services, admin, "Ștefan", "Ionescu")
    residents = window.area_pages["residents"]
    residents.show_resident(resident_id)
    qtbot.mouseClick(residents.serve_button, Qt.MouseButton.LeftButton)
    desk_area = window.area_pages["desk"]
    assert window.area_stack.currentWidget() is desk_area
    assert desk_area.tabs.currentWidget() is desk_area.serve and desk_area.serve.resident_id == resident_id


def test_an_overdue_callback_is_one_tab_away(qtbot, window, services, admin, desk):
    resident_id = register(services, admin, "محمد", "الحسن")
    services.callbacks.create(desk, reason="Blue badge", resident_id=resident_id, phone="020 7946 0123",
                              due_by=services.clock.now() + timedelta(minutes=30))
    services.clock.advance(hours=1)
    area = window.area_pages["desk"]
    qtbot.keyClick(area, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ShiftModifier)
    assert area.tabs.currentWidget() is area.callbacks
    area.callbacks.refresh()
    qtbot.waitUntil(lambda: area.callbacks.model.rowCount() == 1, timeout=10_000)


def test_a_service_retired_in_admin_leaves_the_desk_at_once(qtbot, services, admin):
    main = MainWindow(services, admin)
    qtbot.addWidget(main)
    serve = main.area_pages["desk"].serve
    qtbot.waitUntil(lambda: serve.form.service.findData("parking") >= 0, timeout=10_000)
    catalogue = main.area_pages["admin"].catalogue_tab
    services.catalogue.set_active(admin, "parking", False)
    catalogue.changed.emit()
    qtbot.waitUntil(lambda: serve.form.service.findData("parking") < 0, timeout=10_000)
    wait_for_background_jobs()


def test_queue_keys_work_straight_after_switching_tab_and_not_from_other_tabs(qtbot, window, services, admin, desk):
    resident_id = register(services, admin, "Zoë", "Gonçalves")
    services.queue.issue_ticket(desk, resident_id=resident_id)
    window.activateWindow()
    area = window.area_pages["desk"]
    window.nav_buttons["desk"].setFocus()
    qtbot.keyClick(window.nav_buttons["desk"], Qt.Key.Key_F5)  # Serve tab shown: F5 is not "call next"
    assert services.queue.my_current(desk) is None
    qtbot.keyClick(area, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ShiftModifier)
    area.queue.refresh()
    qtbot.keyClick(window.nav_buttons["desk"], Qt.Key.Key_F5)  # focus still on the rail
    qtbot.waitUntil(lambda: services.queue.my_current(desk) is not None, timeout=5_000)
