"""Signing in, first run, demo, the main window's areas by role, locking and switching user."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QCalendarWidget,
    QComboBox,
    QHeaderView,
    QLineEdit,
    QMenuBar,
    QMessageBox,
)

from assisted_desk.core.audit import AuditFilter
from assisted_desk.core.security import Role
from assisted_desk.app import _load_style
from assisted_desk.demo import DEMO_PASSWORD
from assisted_desk.ui.main_window import MainWindow, areas_for
from assisted_desk.ui.workers import wait_for_background_jobs

from ..conftest import PASSWORD, make_actor


def sign_in(qtbot, window, username: str, password: str) -> None:
    page = window.sign_in_page
    page.username.setText(username)
    page.password.setText(password)
    qtbot.mouseClick(page.sign_in, Qt.MouseButton.LeftButton)


def started(qtbot, controller) -> None:
    controller.start()
    qtbot.waitUntil(lambda: controller.start_window.services is not None
                    or controller.start_window.pages.currentWidget() is controller.start_window.problem_page,
                    timeout=20_000)


@pytest.fixture
def desk_ready(services, admin):
    """A set-up desk with one member of staff in each role (password PASSWORD)."""
    for role in (Role.DESK, Role.ADVOCATE, Role.COORDINATOR):
        make_actor(services, admin, role.value, role)
    return services


def test_sign_in_opens_the_main_window_with_the_roles_areas(qtbot, controller, desk_ready):
    started(qtbot, controller)
    window = controller.start_window
    assert window.pages.currentWidget() is window.sign_in_page
    assert "desk.sqlite" in window.sign_in_page.database_line.text() or "PostgreSQL" in \
        window.sign_in_page.database_line.text()
    sign_in(qtbot, window, "desk", PASSWORD)
    qtbot.waitUntil(lambda: controller.main_window is not None, timeout=10_000)
    main = controller.main_window
    assert list(main.nav_buttons) == ["desk", "residents", "cases", "guides"]
    assert "admin" not in main.area_pages
    assert "Signed in: Desk (Desk staff)" == main.person_label.text()
    assert main.site_label.text() == "Site: Central Library"
    assert main.database_label.text().startswith("Database: ")
    qtbot.waitUntil(lambda: main.connection_label.text() == "Connected", timeout=10_000)
    assert not window.isVisible()


@pytest.mark.parametrize(
    "role, areas",
    [
        (Role.DESK, ["desk", "residents", "cases", "guides"]),
        (Role.ADVOCATE, ["desk", "residents", "cases", "guides"]),
        (Role.COORDINATOR, ["desk", "residents", "cases", "inclusion", "guides", "reports"]),
        (Role.ADMIN, ["desk", "residents", "cases", "inclusion", "guides", "reports", "admin"]),
    ],
)
def test_each_role_sees_only_its_areas(role, areas):
    from assisted_desk.core.security import Actor

    assert [a.key for a in areas_for(Actor(1, "x", "X", role, 1))] == areas


def test_wrong_password_keeps_the_user_name_and_says_so(qtbot, controller, desk_ready):
    started(qtbot, controller)
    window = controller.start_window
    sign_in(qtbot, window, "desk", "not the password")
    qtbot.waitUntil(lambda: "not right" in window.sign_in_page.message.text(), timeout=10_000)
    assert window.sign_in_page.username.text() == "desk"
    assert window.sign_in_page.password.text() == ""
    for _ in range(4):
        sign_in(qtbot, window, "desk", "not the password")
        qtbot.waitUntil(lambda: window.sign_in_page.sign_in.isEnabled(), timeout=10_000)
    assert "must wait 30 seconds" in window.sign_in_page.message.text()
    assert controller.main_window is None


def test_sign_in_typed_before_the_database_is_open_goes_ahead(qtbot, controller, desk_ready):
    controller.start()
    sign_in(qtbot, controller.start_window, "admin", PASSWORD)  # straight away, while opening
    qtbot.waitUntil(lambda: controller.main_window is not None, timeout=20_000)
    assert "admin" in controller.main_window.area_pages


def test_first_run_sets_up_the_desk_and_keeps_typing_after_a_refusal(qtbot, make_controller, empty_opener,
                                                                       artifacts):
    controller = make_controller(empty_opener)
    started(qtbot, controller)
    window = controller.start_window
    assert window.pages.currentWidget() is window.first_run_page
    window.show()
    window.grab().save(str(artifacts / "first-run.png"))
    qtbot.mouseClick(window.first_run_page.set_up, Qt.MouseButton.LeftButton)
    page = window.set_up_page
    page.site_name.setText("Biblioteka Śródmieście")
    page.site_kind.setCurrentIndex(1)
    page.display_name.setText("محمد الحسن")
    page.username.setText("mohammed")
    page.password.setText("short")
    page.repeat.setText("short")
    qtbot.mouseClick(page.create, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "at least 10" in page.message.text(), timeout=10_000)
    qtbot.wait(50)
    window.grab().save(str(artifacts / "set-up-refused.png"))
    assert (page.site_name.text(), page.display_name.text()) == ("Biblioteka Śródmieście", "محمد الحسن")
    assert page.password.hasFocus() or not window.isActiveWindow()
    page.password.setText("a much longer password")
    page.repeat.setText("a much longer passwort")
    qtbot.mouseClick(page.create, Qt.MouseButton.LeftButton)
    assert "not the same" in page.message.text()
    page.repeat.setText("a much longer password")
    qtbot.mouseClick(page.create, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.main_window is not None, timeout=10_000)
    main = controller.main_window
    assert main.actor.role is Role.ADMIN and main.actor.site_name == "Biblioteka Śródmieście"
    assert "admin" in main.area_pages


def test_demo_data_opens_a_separate_database(qtbot, make_controller, empty_opener, paths):
    controller = make_controller(empty_opener)
    started(qtbot, controller)
    window = controller.start_window
    qtbot.mouseClick(window.first_run_page.demo, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.services is not None and window.demo, timeout=90_000)
    assert str(paths.demo_database) in window.sign_in_page.database_line.text()
    assert DEMO_PASSWORD in window.sign_in_page.hint.text()
    sign_in(qtbot, window, "coordinator", DEMO_PASSWORD)
    qtbot.waitUntil(lambda: controller.main_window is not None, timeout=10_000)
    assert controller.main_window.actor.display_name == "Chloé Dubois-Mensah"


def test_temporary_password_must_be_replaced(qtbot, controller, services, admin):
    services.staff.add_staff(admin, "newbie", "Ngọc Anh Trần", "desk", admin.site_id, "temporary pass 1")
    started(qtbot, controller)
    window = controller.start_window
    sign_in(qtbot, window, "newbie", "temporary pass 1")
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.change_page, timeout=10_000)
    window.change_page.password.setText("temporary pass 1")
    window.change_page.repeat.setText("temporary pass 1")
    qtbot.mouseClick(window.change_page.save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "different" in window.change_page.message.text(), timeout=10_000)
    window.change_page.password.setText("my own new password")
    window.change_page.repeat.setText("my own new password")
    qtbot.mouseClick(window.change_page.save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.main_window is not None, timeout=10_000)
    assert services.signin.sign_in("newbie", "my own new password").must_change_password is False


def test_unreachable_database_shows_what_to_do(qtbot, make_controller, paths, clock, hashing):
    from assisted_desk.app import database_opener
    from assisted_desk.core.secrets import SecretStore

    opener = database_opener(paths, "postgresql://desk:pw-not-shown@127.0.0.1:1/borough", SecretStore(),
                             clock=clock, hashing=hashing)
    controller = make_controller(opener)
    started(qtbot, controller)
    page = controller.start_window.problem_page
    assert controller.start_window.pages.currentWidget() is page
    assert "cannot be reached" in page.what.text() and "pw-not-shown" not in page.what.text()
    assert "database server is running" in page.advice.text()
    qtbot.mouseClick(page.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.start_window.pages.currentWidget() is page, timeout=20_000)


@pytest.fixture
def main_window(qtbot, desk_ready, admin):
    window = MainWindow(desk_ready, admin)
    qtbot.addWidget(window)
    window.show()
    yield window
    window.handing_over = True
    window.close()
    wait_for_background_jobs()  # its connection check must not outlive the database


def test_navigation_by_keyboard(qtbot, main_window):
    main_window.activateWindow()
    for number, key in enumerate(main_window.nav_buttons, start=1):
        main_window.go_actions[number - 1].trigger()
        assert main_window.current_area() == key
    assert main_window.go_actions[0].shortcut().toString() == "Ctrl+1"
    assert main_window.lock_action.shortcut().toString() == "Ctrl+L"


def test_lock_hides_everything_and_only_the_password_unlocks(qtbot, main_window, desk_ready, admin):
    main_window.show_area("admin")
    box = QMessageBox(QMessageBox.Icon.Information, "Resident details", "Łukasz Żółć, 12 High St",
                      parent=main_window)
    box.show()
    main_window.lock()
    assert not box.isVisible()
    assert not main_window.content.isVisible()
    assert main_window.stack.currentWidget() is main_window.lock_page
    assert main_window.person_label.text() == "Locked"
    main_window.show_area("desk")  # navigation is refused while locked
    assert main_window.current_area() == "admin"
    page = main_window.lock_page
    page.password.setText("wrong password")
    qtbot.mouseClick(page.unlock, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "not right" in page.message.text(), timeout=10_000)
    assert main_window.locked
    page.password.setText(PASSWORD)
    qtbot.mouseClick(page.unlock, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not main_window.locked, timeout=10_000)
    assert main_window.content.isVisible()
    assert main_window.current_area() == "admin"
    actions = [e.action for e in desk_ready.audit.browse(admin, AuditFilter()).entries]
    assert "desk.locked" in actions


def test_idle_desk_locks_itself(qtbot, main_window, desk_ready):
    assert main_window.idle.interval_ms() == 5 * 60_000  # the default
    main_window.idle.set_interval_ms(200)
    qtbot.waitUntil(lambda: main_window.locked, timeout=5_000)


def test_switch_user_hands_the_desk_to_a_colleague(qtbot, controller, desk_ready):
    started(qtbot, controller)
    sign_in(qtbot, controller.start_window, "desk", PASSWORD)
    qtbot.waitUntil(lambda: controller.main_window is not None, timeout=10_000)
    first = controller.main_window
    first.lock()
    qtbot.mouseClick(first.lock_page.switch_user, Qt.MouseButton.LeftButton)
    assert controller.main_window is None
    assert controller.start_window.isVisible()
    assert controller.start_window.sign_in_page.username.text() == ""
    sign_in(qtbot, controller.start_window, "coordinator", PASSWORD)
    qtbot.waitUntil(lambda: controller.main_window is not None, timeout=10_000)
    assert controller.main_window.actor.username == "coordinator"
    assert "inclusion" in controller.main_window.nav_buttons


INTERACTIVE = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox, QAbstractItemView)
OWNERS = (QComboBox, QAbstractSpinBox, QCalendarWidget, QAbstractItemView, QLineEdit, QMenuBar)


def _part_of_a_qt_widget(widget, root) -> bool:
    """Qt's own sub-widgets (a combo box's list, a date edit's calendar, a table's headers, a
    line edit's clear button) are announced through their owner, which must be named."""
    if widget.objectName().startswith("qt_") or isinstance(widget, QHeaderView):
        return True
    parent = widget.parent()
    while parent is not None and parent is not root:
        if parent.objectName().startswith("qt_") or isinstance(parent, OWNERS):
            return True
        parent = parent.parent()
    return False


def unnamed_widgets(root) -> list[str]:
    missing = []
    for widget in [w for kind in INTERACTIVE for w in root.findChildren(kind)]:
        if _part_of_a_qt_widget(widget, root):
            continue
        if not widget.accessibleName().strip():
            missing.append(f"{type(widget).__name__} {widget.objectName()} {getattr(widget, 'text', lambda: '')()}")
    return missing


def test_every_interactive_widget_has_an_accessible_name(qtbot, main_window, controller):
    assert unnamed_widgets(main_window) == []
    assert unnamed_widgets(controller.start_window) == []


@pytest.mark.parametrize("scale", [1, 2])
def test_windows_render_to_png(qtbot, qapp, controller, desk_ready, admin, artifacts, scale, request):
    """Rendered for a person to look at (test-artifacts/), at normal and at 200% text size."""
    if scale == 2:
        font = qapp.font()
        original, sheet = font.pointSizeF(), qapp.styleSheet()
        font.setPointSizeF(22)  # twice the 11 pt the style sheet is written for
        qapp.setFont(font)
        _load_style(qapp)  # as at start-up on a desktop set to large text
        assert "font-size: 22pt" in qapp.styleSheet() and "font-size: 36pt" in qapp.styleSheet()

        def restore() -> None:
            font.setPointSizeF(original)
            qapp.setFont(font)
            qapp.setStyleSheet(sheet)

        request.addfinalizer(restore)
    backend = "pg" if "postgresql" in request.node.callspec.id else "sqlite"
    started(qtbot, controller)
    controller.start_window.show()
    assert controller.start_window.grab().save(str(artifacts / f"sign-in-{scale}x-{backend}.png"))
    window = MainWindow(desk_ready, admin)
    qtbot.addWidget(window)
    window.resize(1100 * scale, 720 * scale)
    window.show()
    for area in ("admin", "desk"):
        window.show_area(area)
        assert window.grab().save(str(artifacts / f"main-window-{area}-{scale}x-{backend}.png"))
    window.lock()
    qtbot.wait(50)  # let the layout settle as it would on screen
    assert window.grab().save(str(artifacts / f"main-window-locked-{scale}x-{backend}.png"))
    window.handing_over = True
    window.close()
    wait_for_background_jobs()


def test_postgres_password_is_asked_for_and_kept_in_the_keyring(qtbot, make_controller, postgres, paths, clock,
                                                                 hashing, memory_keyring):
    from assisted_desk.app import database_opener
    from assisted_desk.core.secrets import SecretStore

    from ..pg import PASSWORD_ROLE_SECRET

    postgres.execute('CREATE DATABASE "password_desk" TEMPLATE template0')
    url = postgres.add_password_role("password_desk")
    controller = make_controller(database_opener(paths, url, SecretStore(), clock=clock, hashing=hashing))
    started(qtbot, controller)
    window = controller.start_window
    page = window.problem_page
    assert window.pages.currentWidget() is page
    assert page.password_row.isVisibleTo(window) and "password" in page.what.text()
    page.password.setText("wrong password")
    qtbot.mouseClick(page.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is page and page.password.text() == "", timeout=20_000)
    assert "refused the user name or password" in page.what.text()
    page.password.setText(PASSWORD_ROLE_SECRET)
    qtbot.mouseClick(page.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.services is not None, timeout=20_000)
    assert "system keyring" in window.sign_in_page.hint.text()
    assert list(memory_keyring.secrets.values()) == [PASSWORD_ROLE_SECRET]
    assert window.pages.currentWidget() is window.first_run_page  # a new, empty database


def test_without_a_keyring_the_password_is_kept_for_this_run_and_the_desk_says_so(
        qtbot, make_controller, postgres, paths, clock, hashing):
    import keyring
    from keyring.backends import fail

    from assisted_desk.app import database_opener
    from assisted_desk.core.secrets import SecretStore

    from ..pg import PASSWORD_ROLE_SECRET

    keyring.set_keyring(fail.Keyring())
    postgres.execute('CREATE DATABASE "password_desk_2" TEMPLATE template0')
    url = postgres.add_password_role("password_desk_2")
    controller = make_controller(database_opener(paths, url, SecretStore(), clock=clock, hashing=hashing))
    started(qtbot, controller)
    window = controller.start_window
    window.problem_page.password.setText(PASSWORD_ROLE_SECRET)
    qtbot.mouseClick(window.problem_page.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.services is not None, timeout=20_000)
    assert "for this run only" in window.first_run_page.message.text()
