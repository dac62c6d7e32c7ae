"""The Admin area, driven as a person would, over real services on SQLite and PostgreSQL."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, timezone

import pytest
from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QCalendarWidget,
    QComboBox,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QTabBar,
    QTabWidget,
    QWidget,
)

from assisted_desk.core.audit import AuditFilter
from assisted_desk.core.errors import SignInRefused
from assisted_desk.core.paths import resources_dir
from assisted_desk.core.security import Actor, Role
from assisted_desk.ui.admin import AdminPage, AuditTableModel, SiteTableModel, StaffTableModel
from assisted_desk.ui.admin.audit import PAGE_SIZE, london_day_bounds
from assisted_desk.ui.admin.staff import StaffColumn

from ..conftest import PASSWORD, make_actor

NEW_PASSWORD = "purple lamp river"


@pytest.fixture
def page(qtbot, services, admin) -> AdminPage:
    widget = AdminPage(services, admin)
    qtbot.addWidget(widget)
    return widget


@contextmanager
def answering_message_boxes(*buttons: QMessageBox.StandardButton):
    """Click `buttons`, in order, in the message boxes that open inside the block; yields the
    list of what each box said. Fails if a box that was expected never opened."""
    said: list[str] = []
    pending = list(buttons)
    answered: list[QMessageBox] = []  # held, so a new box never looks like an old one

    def attempt() -> None:
        box = QApplication.activeModalWidget()
        if pending and isinstance(box, QMessageBox) and box.isVisible() and all(box is not b for b in answered):
            answered.append(box)
            said.append(box.text())
            box.button(pending.pop(0)).click()

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(attempt)
    timer.start()
    try:
        yield said
    finally:
        timer.stop()
    assert not pending, f"expected {len(pending)} more message box(es); saw {said}"


def row_texts(page_tab) -> list[list[str]]:
    proxy = page_tab.proxy
    return [[proxy.index(r, c).data() for c in range(proxy.columnCount())] for r in range(proxy.rowCount())]


def staff_named(services, admin, username):
    return next(s for s in services.staff.list_staff(admin) if s.username == username)


def fail_sign_ins(services, username: str, times: int) -> None:
    for _ in range(times):
        with pytest.raises(SignInRefused):
            services.signin.sign_in(username, "not the password")


# ---- tables --------------------------------------------------------------------------------------


def test_table_models_pass_the_model_tester(qtmodeltester, page, services, admin):
    make_actor(services, admin, "waiting", Role.DESK)
    gone = make_actor(services, admin, "gone", Role.ADVOCATE)
    services.staff.set_active(admin, gone.staff_id, False)
    fail_sign_ins(services, "waiting", 5)
    services.staff.add_site(admin, "Northgate Hub", "hub")
    page.refresh()

    for model in (page.staff_tab.model, page.sites_tab.model, page.audit_tab.model):
        assert model.rowCount() > 0
        qtmodeltester.check(model, force_py=True)
    for proxy in (page.staff_tab.proxy, page.sites_tab.proxy, page.audit_tab.proxy):
        qtmodeltester.check(proxy, force_py=True)
    for model in (StaffTableModel(), SiteTableModel(), AuditTableModel()):
        qtmodeltester.check(model, force_py=True)  # empty tables too

    rows = {row[StaffColumn.USERNAME]: row for row in row_texts(page.staff_tab)}
    assert rows["waiting"][StaffColumn.STATUS] == "Waiting after wrong passwords"
    assert rows["gone"][StaffColumn.STATUS] == "Disabled"
    assert rows["admin"][StaffColumn.STATUS] == "Active"
    assert rows["admin"][StaffColumn.ROLE] == "Administrator"
    assert rows["waiting"][StaffColumn.LAST_SIGN_IN] == "Never"
    assert ["Central Library", "Library", "5 min", "Open"] in row_texts(page.sites_tab)


def test_tables_are_set_up_for_keyboard_and_screen_readers(page):
    for tab, name in ((page.staff_tab, "Staff accounts"), (page.sites_tab, "Sites"),
                      (page.audit_tab, "Audit events")):
        table = tab.table
        assert table.accessibleName() == name
        assert table.isSortingEnabled() and table.alternatingRowColors()
        assert table.selectionBehavior() == table.SelectionBehavior.SelectRows
        assert table.selectionMode() == table.SelectionMode.SingleSelection
    assert page.tabs.accessibleName()
    assert [page.tabs.tabText(i) for i in range(page.tabs.count())] == [
        "&Staff", "S&ites", "A&udit log", "Desk settin&gs", "Service &catalogue", "&Back office", "&Reports", "Case t&ypes",
        "Ban&k holidays", "Residents' &data"]


def test_filter_box_narrows_staff_in_any_column_whatever_the_case(qtbot, page, services, admin):
    make_actor(services, admin, "pat", Role.ADVOCATE)
    make_actor(services, admin, "sam", Role.DESK)
    page.refresh()
    assert page.staff_tab.proxy.rowCount() == 3
    qtbot.keyClicks(page.staff_tab.filter, "ADVOC")
    assert [row[StaffColumn.USERNAME] for row in row_texts(page.staff_tab)] == ["pat"]
    page.staff_tab.filter.setText("okafor")
    assert [row[StaffColumn.USERNAME] for row in row_texts(page.staff_tab)] == ["admin"]


def test_last_sign_in_sorts_by_time_not_by_its_text(qtbot, page, services, admin, clock):
    make_actor(services, admin, "early", Role.DESK)
    make_actor(services, admin, "late", Role.DESK)
    services.signin.sign_in("early", PASSWORD)  # 23/11/2026
    clock.advance(days=40)
    services.signin.sign_in("late", PASSWORD)  # 02/01/2027: first if sorted as text
    page.refresh()
    page.staff_tab.table.sortByColumn(StaffColumn.LAST_SIGN_IN, Qt.SortOrder.AscendingOrder)
    order = [row[StaffColumn.USERNAME] for row in row_texts(page.staff_tab)]
    assert order == ["admin", "early", "late"]  # never signed in comes first
    assert row_texts(page.staff_tab)[2][StaffColumn.LAST_SIGN_IN] == "02/01/2027 10:00"


def test_every_interactive_widget_has_an_accessible_name(qtbot, page):
    page.staff_tab.add_button.click()
    page.sites_tab.add_button.click()
    interactive = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox, QAbstractItemView, QTabWidget, QLabel)
    inner = (QAbstractSpinBox, QComboBox, QCalendarWidget, QAbstractItemView, QLineEdit, QTabBar, QDialogButtonBox)
    nameless = []
    for widget in page.findChildren(QWidget):
        if not isinstance(widget, interactive) or isinstance(widget, QLabel) and not widget.focusPolicy() & \
                Qt.FocusPolicy.TabFocus:
            continue
        parent, inside = widget.parentWidget(), False
        while parent is not None:
            inside = inside or isinstance(parent, inner)
            parent = parent.parentWidget()
        if not inside and not widget.accessibleName():
            nameless.append(f"{type(widget).__name__} {widget.objectName()!r} {getattr(widget, 'text', str)()!r}")
    assert nameless == []


def test_double_click_on_a_site_opens_it(qtbot, page, admin):
    page.resize(900, 600)
    page.show()
    qtbot.waitExposed(page)
    page.tabs.setCurrentWidget(page.sites_tab)
    table = page.sites_tab.table
    rect = table.visualRect(table.model().index(0, 0))
    # A real double-click is press, release, then a double-click event; QTest's mouseDClick
    # alone sends only the last part, which item views ignore.
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert page.sites_tab.dialog is not None
    assert page.sites_tab.dialog.name.text() == "Central Library"
    page.sites_tab.dialog.reject()


# ---- staff ---------------------------------------------------------------------------------------


def test_adding_a_staff_member_through_the_dialog(qtbot, page, services, admin):
    tab = page.staff_tab
    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    dialog = tab.dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.keyClicks(dialog.username, "lukasz.z")
    dialog.display_name.setText("Łukasz Żółć")  # never keyClicks with non-ASCII text
    dialog.role.setCurrentIndex(dialog.role.findData(Role.ADVOCATE.value))
    qtbot.keyClicks(dialog.password, NEW_PASSWORD)
    qtbot.keyClicks(dialog.repeat, NEW_PASSWORD)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    assert tab.dialog is None
    added = staff_named(services, admin, "lukasz.z")
    assert (added.display_name, added.role, added.site_id) == ("Łukasz Żółć", Role.ADVOCATE, admin.site_id)
    assert added.must_change_password
    assert tab.selected().id == added.id
    assert services.signin.sign_in("lukasz.z", NEW_PASSWORD).must_change_password


@pytest.mark.parametrize(
    "username, password, repeat, field, says",
    [
        ("newbie", "short", "short", "password", "at least 10 characters"),
        ("admin", NEW_PASSWORD, NEW_PASSWORD, "username", "already taken"),
        ("newbie", NEW_PASSWORD, "purple lamp rivet", "repeat", "not the same"),
        ("no spaces", NEW_PASSWORD, NEW_PASSWORD, "username", "no spaces"),
    ],
)
def test_a_refused_staff_member_keeps_the_dialog_and_what_was_typed(
    qtbot, page, services, admin, username, password, repeat, field, says
):
    tab = page.staff_tab
    tab.add_button.click()
    dialog = tab.dialog
    dialog.username.setText(username)
    dialog.display_name.setText("Siobhán O'Connor")
    dialog.password.setText(password)
    dialog.repeat.setText(repeat)
    dialog.save_button.click()

    assert tab.dialog is dialog and dialog.isVisible()
    assert says in dialog.message.text() and dialog.message.isVisible()
    assert dialog.focusWidget() is dialog.fields[field]
    assert (dialog.username.text(), dialog.display_name.text()) == (username, "Siobhán O'Connor")
    assert (dialog.password.text(), dialog.repeat.text()) == (password, repeat)
    assert [s.username for s in services.staff.list_staff(admin)] == ["admin"]

    dialog.reject()
    assert tab.dialog is None


def test_enter_on_a_row_opens_edit_and_saves(qtbot, page, services, admin):
    desk = make_actor(services, admin, "desk1", Role.DESK)
    hub = services.staff.add_site(admin, "Northgate Hub", "hub")
    page.refresh()
    tab = page.staff_tab
    tab.select(desk.staff_id)
    qtbot.keyClick(tab.table, Qt.Key.Key_Return)
    dialog = tab.dialog
    assert dialog is not None and dialog.display_name.text() == "Desk1"
    assert "username" not in dialog.fields and "password" not in dialog.fields
    assert dialog.role.currentData() == Role.DESK.value
    dialog.display_name.setText("Ștefan Popescu")
    dialog.role.setCurrentIndex(dialog.role.findData(Role.COORDINATOR.value))
    dialog.site.setCurrentIndex(dialog.site.findData(hub.id))
    qtbot.keyClick(dialog.display_name, Qt.Key.Key_Return)  # Enter in the form saves

    assert tab.dialog is None
    saved = staff_named(services, admin, "desk1")
    assert (saved.display_name, saved.role, saved.site_name) == ("Ștefan Popescu", Role.COORDINATOR, "Northgate Hub")
    assert tab.selected().id == desk.staff_id


def test_editing_a_record_someone_else_saved_shows_the_conflict(qtbot, page, services, admin):
    desk = make_actor(services, admin, "desk1", Role.DESK)
    page.refresh()
    tab = page.staff_tab
    tab.select(desk.staff_id)
    tab.edit_button.click()
    dialog = tab.dialog
    dialog.display_name.setText("Name typed here")

    shown = staff_named(services, admin, "desk1")
    services.staff.update_staff(admin, desk.staff_id, shown.version, "Saved elsewhere", Role.DESK, admin.site_id)
    dialog.save_button.click()

    assert tab.dialog is dialog and dialog.isVisible()
    assert "changed by admin" in dialog.message.text()
    assert "Saved elsewhere" in dialog.message.text()
    assert dialog.display_name.text() == "Name typed here"
    assert "Saved elsewhere" in [row[StaffColumn.NAME] for row in row_texts(tab)]  # the table was reloaded
    assert staff_named(services, admin, "desk1").display_name == "Saved elsewhere"

    dialog.save_button.click()  # having seen what is saved now, a second Save replaces it
    assert tab.dialog is None
    assert staff_named(services, admin, "desk1").display_name == "Name typed here"


def test_disabling_asks_first_naming_the_person_then_enable_brings_them_back(qtbot, page, services, admin):
    desk = make_actor(services, admin, "desk1", Role.DESK)
    page.refresh()
    tab = page.staff_tab
    tab.select(desk.staff_id)
    assert tab.active_button.text() == "&Disable…"

    with answering_message_boxes(QMessageBox.StandardButton.No) as said:
        tab.active_button.click()
    assert "Desk1 (desk1)" in said[0]
    assert staff_named(services, admin, "desk1").active

    with answering_message_boxes(QMessageBox.StandardButton.Yes) as said:
        tab.active_button.click()
    assert said and "Desk1" in said[0]
    assert not staff_named(services, admin, "desk1").active
    assert tab.selected().id == desk.staff_id
    assert tab.active_button.text() == "E&nable"

    tab.active_button.click()  # enabling needs no confirmation
    assert staff_named(services, admin, "desk1").active
    assert tab.active_button.text() == "&Disable…"


def test_disabling_your_own_account_is_refused_in_a_box(qtbot, page, services, admin, monkeypatch):
    tab = page.staff_tab
    tab.select(admin.staff_id)
    monkeypatch.setattr(tab, "_confirm", lambda text: True)
    with answering_message_boxes(QMessageBox.StandardButton.Ok) as said:
        tab.active_button.click()
    assert said == ["You cannot disable your own account."]
    assert staff_named(services, admin, "admin").active


def test_disabling_a_record_someone_else_changed_is_refused_and_reloads(qtbot, page, services, admin):
    desk = make_actor(services, admin, "desk1", Role.DESK)
    page.refresh()
    tab = page.staff_tab
    tab.select(desk.staff_id)
    shown = tab.selected()
    services.staff.update_staff(admin, desk.staff_id, shown.version, "Renamed Elsewhere", Role.DESK, admin.site_id)
    with answering_message_boxes(QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.Ok) as said:
        tab.active_button.click()
    assert len(said) == 2 and "changed by admin" in said[1]
    assert staff_named(services, admin, "desk1").active
    assert tab.selected().display_name == "Renamed Elsewhere"


def test_reset_password_ends_the_wait_and_asks_for_a_new_one(qtbot, page, services, admin):
    make_actor(services, admin, "desk1", Role.DESK)
    fail_sign_ins(services, "desk1", 5)
    page.refresh()
    tab = page.staff_tab
    locked = staff_named(services, admin, "desk1")
    tab.select(locked.id)
    assert tab.model.status_text(tab.selected()) == "Waiting after wrong passwords"
    tab.reset_button.click()
    dialog = tab.dialog
    assert "must choose their own password" in dialog.intro.text()

    dialog.password.setText(NEW_PASSWORD)
    dialog.repeat.setText("something else entirely")
    dialog.save_button.click()
    assert dialog.isVisible() and "not the same" in dialog.message.text()
    assert dialog.focusWidget() is dialog.repeat

    dialog.repeat.setText(NEW_PASSWORD)
    dialog.save_button.click()
    assert tab.dialog is None
    assert tab.model.status_text(tab.selected()) == "Active"
    assert services.signin.sign_in("desk1", NEW_PASSWORD).must_change_password


# ---- sites ---------------------------------------------------------------------------------------


def test_sites_add_and_edit_with_the_same_refusals(qtbot, page, services, admin):
    tab = page.sites_tab
    tab.add_button.click()
    dialog = tab.dialog
    dialog.name.setText("Central Library")
    dialog.kind.setCurrentIndex(dialog.kind.findData("hub"))
    dialog.save_button.click()
    assert dialog.isVisible() and "already a site called" in dialog.message.text()
    assert dialog.focusWidget() is dialog.name and dialog.name.text() == "Central Library"

    dialog.name.setText("Northgate Hub")
    dialog.target_wait.setValue(8)
    dialog.save_button.click()
    assert tab.dialog is None
    hub = next(s for s in services.staff.list_sites() if s.name == "Northgate Hub")
    assert hub.kind.value == "hub" and hub.active and hub.target_wait_minutes == 8
    assert tab.selected().id == hub.id

    tab.select(admin.site_id)  # closing a site with active staff is refused on the checkbox
    tab.edit_button.click()
    dialog = tab.dialog
    dialog.name.setText("Central Library (Ground floor)")
    dialog.active.setChecked(False)
    dialog.save_button.click()
    assert "still has 1 active staff" in dialog.message.text()
    assert dialog.focusWidget() is dialog.active
    dialog.active.setChecked(True)
    dialog.save_button.click()
    assert tab.dialog is None
    assert "Central Library (Ground floor)" in [row[0] for row in row_texts(tab)]
    # the staff tab shows the new site name at once
    assert row_texts(page.staff_tab)[0][StaffColumn.SITE] == "Central Library (Ground floor)"


def test_a_stale_site_edit_shows_the_conflict(qtbot, page, services, admin):
    tab = page.sites_tab
    tab.select(admin.site_id)
    qtbot.keyClick(tab.table, Qt.Key.Key_Return)
    dialog = tab.dialog
    dialog.name.setText("Mine")
    site = services.staff.list_sites()[0]
    services.staff.update_site(admin, site.id, site.version, "Theirs", "library", True)
    dialog.save_button.click()
    assert dialog.isVisible() and "changed by admin" in dialog.message.text()
    assert dialog.name.text() == "Mine"
    assert [row[0] for row in row_texts(tab)] == ["Theirs"]


# ---- audit log -----------------------------------------------------------------------------------


def test_audit_pages_of_200_and_filters_narrow_by_action(qtbot, page, services, admin, clock):
    for _ in range(PAGE_SIZE + 5):
        with pytest.raises(SignInRefused):
            services.signin.sign_in("nobody", "not the password")
    total = services.audit.browse(admin, AuditFilter()).total
    assert total > PAGE_SIZE
    tab = page.audit_tab
    page.tabs.setCurrentWidget(tab)  # showing the tab reloads it
    assert tab.showing.text() == f"Showing 1–{PAGE_SIZE} of {total}"
    assert tab.model.rowCount() == PAGE_SIZE
    assert not tab.previous_button.isEnabled() and tab.next_button.isEnabled()

    tab.next_button.click()
    assert tab.showing.text() == f"Showing {PAGE_SIZE + 1}–{total} of {total}"
    assert tab.model.rowCount() == total - PAGE_SIZE
    assert tab.previous_button.isEnabled() and not tab.next_button.isEnabled()
    tab.previous_button.click()
    assert tab.showing.text().startswith("Showing 1–200")

    assert tab.action.findText("staff.created") >= 0  # offered from what the log holds
    tab.action.setCurrentText("staff.created")
    qtbot.keyClick(tab.action, Qt.Key.Key_Return)  # Enter in a filter searches
    assert tab.showing.text() == "Showing 1–1 of 1"
    row = [tab.proxy.index(0, c).data() for c in range(tab.proxy.columnCount())]
    assert row[1:6] == ["admin", "Administrator", "Central Library", "staff.created", f"staff #{admin.staff_id}"]
    assert row[0] == "23/11/2026 10:00"

    tab.clear_button.click()
    qtbot.keyClicks(tab.who, "nobo")
    qtbot.keyClick(tab.who, Qt.Key.Key_Return)
    assert tab.showing.text() == f"Showing 1–200 of {PAGE_SIZE + 5}"
    tab.record_type.setCurrentIndex(tab.record_type.findData("site"))
    tab.search_button.click()
    assert tab.showing.text() == "No events match these filters."
    assert not tab.next_button.isEnabled()


def test_audit_dates_are_whole_london_days(qtbot, page, services, admin, clock):
    clock.advance(days=3)
    services.staff.add_site(admin, "Later Hub", "hub")
    tab = page.audit_tab
    tab.refresh()
    assert tab.showing.text() == "Showing 1–3 of 3"
    assert tab.since.text() == "Any" and tab.until.text() == "Any"

    tab.until.setDate(QDate(2026, 11, 23))
    qtbot.keyClick(tab.until, Qt.Key.Key_Return)
    assert tab.showing.text() == "Showing 1–2 of 2"
    tab.since.setDate(QDate(2026, 11, 24))
    tab.until.setDate(QDate(2026, 11, 30))
    tab.search_button.click()
    assert tab.showing.text() == "Showing 1–1 of 1"

    tab.since.setDate(QDate(2026, 12, 1))  # after the To date: refused, nothing searched
    tab.search_button.click()
    assert "From date is after the To date" in tab.message.text()
    assert tab.showing.text() == "Showing 1–1 of 1"
    tab.since.setDate(QDate(2026, 11, 26))
    tab.search_button.click()
    assert tab.message.isHidden() and tab.showing.text() == "Showing 1–1 of 1"


def test_london_days_become_utc_bounds_in_summer_and_winter():
    assert london_day_bounds(date(2026, 7, 1), date(2026, 7, 1)) == (
        datetime(2026, 6, 30, 23, 0, tzinfo=timezone.utc), datetime(2026, 7, 1, 23, 0, tzinfo=timezone.utc))
    assert london_day_bounds(date(2026, 1, 5), None) == (datetime(2026, 1, 5, tzinfo=timezone.utc), None)
    # the day the clocks go back lasts 25 hours
    since, until = london_day_bounds(date(2026, 10, 25), date(2026, 10, 25))
    assert (until - since).total_seconds() == 25 * 3600


# ---- settings and roles --------------------------------------------------------------------------


def test_saving_the_idle_lock_changes_it_and_tells_the_main_window(qtbot, page, services, admin):
    tab = page.settings_tab
    assert tab.idle_lock.value() == services.settings.idle_lock_minutes() == 5
    assert tab.database.text() == services.db.description
    assert tab.secrets.text() == services.secrets.where()
    tab.idle_lock.setValue(15)
    with qtbot.waitSignal(page.idle_lock_changed, timeout=2000) as signal:
        qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert signal.args == [15]
    assert services.settings.idle_lock_minutes() == 15
    assert not tab.message.isHidden() and "15 minutes" in tab.message.text()

    tab.idle_lock.setValue(1)
    with qtbot.waitSignal(page.idle_lock_changed, timeout=2000) as signal:
        qtbot.keyClick(tab.idle_lock, Qt.Key.Key_Return)
    assert signal.args == [1] and "after 1 minute without" in tab.message.text()


@pytest.mark.parametrize("role", [Role.DESK, Role.ADVOCATE, Role.COORDINATOR])
def test_staff_without_admin_rights_get_no_tabs(qtbot, services, admin, role):
    actor: Actor = make_actor(services, admin, f"user-{role.value}", role)
    page = AdminPage(services, actor)
    qtbot.addWidget(page)
    assert page.tabs.count() == 0
    assert page.staff_tab is None and page.audit_tab is None and page.settings_tab is None
    page.refresh()  # nothing to reload, nothing refused


# ---- how it looks --------------------------------------------------------------------------------


def test_screenshots_of_each_tab(qtbot, page, services, admin, artifacts):
    make_actor(services, admin, "l.zolc", Role.ADVOCATE)
    services.staff.add_site(admin, "Northgate Community Hub", "hub")
    fail_sign_ins(services, "l.zolc", 5)
    page.setStyleSheet((resources_dir() / "style.qss").read_text(encoding="utf-8"))
    page.refresh()
    page.resize(1100, 700)
    page.show()
    qtbot.waitExposed(page)
    backend = services.db.url.get_backend_name()
    for index, name in enumerate(["staff", "sites", "audit", "settings"]):
        page.tabs.setCurrentIndex(index)
        qtbot.wait(20)
        if backend == "sqlite":
            assert page.grab().save(str(artifacts / f"admin-{name}.png"))
    page.resize(760, 560)  # a small laptop window: messages wrap, nothing is cut off
    page.tabs.setCurrentWidget(page.settings_tab)
    page.settings_tab.idle_lock.setValue(12)
    page.settings_tab.save_button.click()
    page.tabs.setCurrentWidget(page.audit_tab)
    page.audit_tab.since.setDate(QDate(2026, 11, 24))
    page.audit_tab.until.setDate(QDate(2026, 11, 23))
    page.audit_tab.search_button.click()
    for name, tab in (("settings-saved", page.settings_tab), ("audit-refused", page.audit_tab)):
        page.tabs.setCurrentWidget(tab)
        qtbot.wait(20)
        if backend == "sqlite":
            assert page.grab().save(str(artifacts / f"admin-{name}.png"))
    page.tabs.setCurrentIndex(0)
    page.staff_tab.select(admin.staff_id)
    page.staff_tab.edit_button.click()
    dialog = page.staff_tab.dialog
    qtbot.waitExposed(dialog)
    dialog.display_name.setText("")
    dialog.save_button.click()
    if backend == "sqlite":
        assert dialog.grab().save(str(artifacts / "admin-staff-dialog.png"))
    dialog.display_name.setText("Amara Okafor-Mensah")
    shown = staff_named(services, admin, "admin")
    services.staff.update_staff(admin, admin.staff_id, shown.version, "Amara O.", Role.ADMIN, admin.site_id)
    dialog.save_button.click()
    qtbot.wait(20)
    assert "Saved now" in dialog.message.text()
    if backend == "sqlite":
        assert dialog.grab().save(str(artifacts / "admin-staff-conflict.png"))
    dialog.reject()
    page.staff_tab.add_button.click()
    add = page.staff_tab.dialog
    qtbot.waitExposed(add)
    if backend == "sqlite":
        assert add.grab().save(str(artifacts / "admin-staff-add.png"))
    add.reject()
