"""The main window: a navigation rail of the areas the role may use, a status bar that says who,
where, which database and how the back office is doing, and a lock that hides everything on a
shared public desk. While the window is open (and unlocked) it delivers the outbox in the
background (ui/outbox_runner.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..core.clock import LONDON
from ..core.errors import DeskError
from ..core.security import Actor, Permission
from .lock import IdleWatcher, LockPage
from .outbox_runner import OutboxRunner
from .pages import NotAvailableYetPage
from .status_line import StatusLine
from .workers import run_in_background

CONNECTION_CHECK_MS = 30_000
RECONNECT_CHECK_MS = 10_000  # while the database is out of reach: try again sooner

# A service manager places legal holds, so the Admin area opens for them with that one tab.
ADMIN_PERMISSIONS = (Permission.MANAGE_STAFF, Permission.MANAGE_SITES, Permission.VIEW_AUDIT,
                     Permission.MANAGE_SETTINGS, Permission.PLACE_LEGAL_HOLDS, Permission.ERASE_RESIDENTS,
                     Permission.MANAGE_RETENTION)


@dataclass(frozen=True)
class Area:
    key: str
    label: str
    permissions: tuple[Permission, ...]  # any one of them opens the area
    coming: str  # what the area will do, for the honest "not available yet" page


AREAS = (
    Area("desk", "Desk", (Permission.USE_DESK,), ""),
    Area("residents", "Residents", (Permission.VIEW_RESIDENTS,), ""),
    Area("cases", "Cases", (Permission.OPEN_CASES, Permission.WORK_CASES), ""),
    Area("inclusion", "Inclusion", (Permission.USE_INCLUSION,),
         "Here coordinators will record digital-skills assessments and follow referrals to partners."),
    Area("guides", "Guides", (Permission.PRINT_GUIDES,),
         "Here you will find and print step-by-step guides for residents."),
    Area("reports", "Reports", (Permission.VIEW_REPORTS,),
         "Here you will see referral, skills and desk performance reports."),
    Area("admin", "Admin", ADMIN_PERMISSIONS, ""),
)


def short_path(text: str, keep: int = 36) -> str:
    """A long file path shortened from the left, so the status bar never clips it mid-word;
    the whole path stays in the tooltip."""
    if len(text) <= keep:
        return text
    return "…" + text[-keep:]


def areas_for(actor: Actor) -> list[Area]:
    return [area for area in AREAS if any(actor.may(p) for p in area.permissions)]


class MainWindow(QMainWindow):
    switch_user_requested = Signal()
    closed = Signal()

    def __init__(self, services, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.actor = actor
        self.locked = False
        self.handing_over = False
        self.outbox_runner: OutboxRunner | None = None
        if actor.may(Permission.USE_DESK):
            self.outbox_runner = OutboxRunner(services, actor, self)
        self.setWindowTitle(self.tr("Assisted Desk"))
        self.setAccessibleName(self.tr("Assisted Desk main window"))

        self.areas = areas_for(actor)
        self.area_pages: dict[str, QWidget] = {}
        self.nav_buttons: dict[str, QToolButton] = {}
        self.area_stack = QStackedWidget()
        self.nav = QWidget()
        self.nav.setObjectName("navRail")
        self.nav.setAccessibleName(self.tr("Areas"))
        nav_layout = QVBoxLayout(self.nav)
        nav_layout.setContentsMargins(0, 8, 0, 8)
        nav_layout.setSpacing(2)
        self.nav_group = QButtonGroup(self)
        self.nav_group.setExclusive(True)
        for area in self.areas:
            nav_layout.addWidget(self._nav_button(area))
            page = self._page_for(area)
            self.area_pages[area.key] = page
            self.area_stack.addWidget(page)
        nav_layout.addStretch(1)

        content = QWidget()
        content_layout = QHBoxLayout(content)
        content_layout.setContentsMargins(0, 0, 0, 0)
        content_layout.addWidget(self.nav)
        content_layout.addWidget(self.area_stack, 1)

        self.lock_page = LockPage()
        self.lock_page.unlock_requested.connect(self._unlock)
        self.lock_page.switch_user_requested.connect(self.request_switch_user)
        self.stack = QStackedWidget()
        self.stack.addWidget(content)
        self.stack.addWidget(self.lock_page)
        self.content = content
        self.setCentralWidget(self.stack)

        self._build_menus()
        self._build_status_bar()
        self.show_area(self.areas[0].key)

        self.idle = IdleWatcher(services.settings.idle_lock_minutes(), self)
        self.idle.idle.connect(self.lock)
        QApplication.instance().installEventFilter(self.idle)
        self._out_of_reach_since: datetime | None = None
        self._connection_timer = QTimer(self)
        self._connection_timer.setInterval(CONNECTION_CHECK_MS)
        self._connection_timer.timeout.connect(self.check_connection)
        self._connection_timer.start()
        self.check_connection()
        if self.outbox_runner is not None:
            self.outbox_runner.start()  # the first delivery shortly after the window opens
        self.resize(1100, 720)

    # ---- building ---------------------------------------------------------------------------

    def _nav_button(self, area: Area) -> QToolButton:
        nav_button = QToolButton()
        nav_button.setText(self.tr(area.label))
        nav_button.setCheckable(True)
        nav_button.setAccessibleName(self.tr("{0} area").format(self.tr(area.label)))
        nav_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        nav_button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        nav_button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        nav_button.clicked.connect(lambda _checked=False, key=area.key: self.show_area(key))
        self.nav_group.addButton(nav_button)
        self.nav_buttons[area.key] = nav_button
        return nav_button

    def _page_for(self, area: Area) -> QWidget:
        if area.key == "desk":
            from .desk_area import DeskArea

            page = DeskArea(self.services, self.actor)
            page.serve.case_opened.connect(self.open_case)
            if self.outbox_runner is not None:  # a request queued is sent at once; its list follows
                page.outbox_changed.connect(self.outbox_runner.run_soon)
                self.outbox_runner.delivered.connect(page.outbox_delivered)
            return page
        if area.key == "residents":
            from .residents.page import ResidentsPage

            page = ResidentsPage(self.services, self.actor)
            page.serve_resident.connect(self.serve_resident)
            page.case_opened.connect(self.open_case)
            return page
        if area.key == "cases":
            from .casework import CasesPage

            return CasesPage(self.services, self.actor)
        if area.key == "inclusion":
            from .inclusion import InclusionPage

            return InclusionPage(self.services, self.actor)
        if area.key == "guides":
            from .guides import GuidesPage

            return GuidesPage(self.services, self.actor)
        if area.key == "reports":
            from .reports import ReportsPage

            return ReportsPage(self.services, self.actor)
        if area.key == "admin":
            from .admin import AdminPage

            page = AdminPage(self.services, self.actor)
            page.idle_lock_changed.connect(lambda minutes: self.idle.set_minutes(minutes))
            if page.catalogue_tab is not None:  # a new or retired service shows on the desk at once
                page.catalogue_tab.changed.connect(self._catalogue_changed)
            if self.outbox_runner is not None:  # a new address or token is tried at once
                page.backoffice_changed.connect(self.outbox_runner.run_soon)
            return page
        return NotAvailableYetPage(self.tr(area.label), self.tr(area.coming))

    def _catalogue_changed(self) -> None:
        desk = self.area_pages.get("desk")
        if desk is not None:
            desk.serve.refresh()

    def serve_resident(self, resident_id: int) -> None:
        """Open a resident on the Desk area's Serve tab (from the Residents area)."""
        desk = self.area_pages.get("desk")
        if desk is not None:
            self.show_area("desk")
            desk.serve_resident(resident_id)

    def open_case(self, case_id: int) -> None:
        """A case just opened at the desk or in Residents, in its own window; the caseloads follow."""
        from .casework.windows import open_case_window

        cases = self.area_pages.get("cases")
        refresh = getattr(cases, "refresh", None)
        open_case_window(self, self.services, self.actor, case_id, refresh)

    def _build_menus(self) -> None:
        session_menu = self.menuBar().addMenu(self.tr("&Session"))
        self.lock_action = QAction(self.tr("&Lock desk"), self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.triggered.connect(self.lock)
        self.switch_action = QAction(self.tr("S&witch user…"), self)
        self.switch_action.setShortcut(QKeySequence("Ctrl+Shift+U"))
        self.switch_action.triggered.connect(self.request_switch_user)
        self.quit_action = QAction(self.tr("&Quit"), self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.triggered.connect(self.close)
        for action in (self.lock_action, self.switch_action):
            session_menu.addAction(action)
        session_menu.addSeparator()
        session_menu.addAction(self.quit_action)

        self.go_menu = self.menuBar().addMenu(self.tr("&Go"))
        self.go_actions: list[QAction] = []
        for number, area in enumerate(self.areas, start=1):
            action = QAction(self.tr(area.label), self)
            action.setShortcut(QKeySequence(f"Ctrl+{number}"))
            action.triggered.connect(lambda _checked=False, key=area.key: self.show_area(key))
            self.go_menu.addAction(action)
            self.go_actions.append(action)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.person_label = self._status_label(
            self.tr("Signed in: {0} ({1})").format(self.actor.display_name, self.tr(self.actor.role.label)),
            self.tr("Signed-in person"))
        self.site_label = self._status_label(self.tr("Site: {0}").format(self.actor.site_name or "—"),
                                             self.tr("Site"))
        description = self.services.db.description
        self.database_label = self._status_label(self.tr("Database: {0}").format(short_path(description)),
                                                 self.tr("Database"))
        self.database_label.setToolTip(description)
        self.database_label.setAccessibleDescription(description)
        self.connection_label = self._status_label(self.tr("Checking connection…"), self.tr("Connection state"))
        self.outbox_label: QLabel | None = None
        if self.outbox_runner is not None:
            text, _explain = self.outbox_runner.status_text()
            self.outbox_label = self._status_label(text, self.tr("Back office"))
            self.outbox_label.setObjectName("outboxStatus")
            self.outbox_runner.status_changed.connect(self._show_outbox_status)
        self.status_line = StatusLine()
        for label in (self.person_label, self.site_label, self.database_label, self.outbox_label,
                      self.connection_label):
            if label is not None:
                self.status_line.add(label)
        bar.addPermanentWidget(self.status_line, 1)

    @staticmethod
    def _status_label(text: str, accessible: str) -> QLabel:
        label = QLabel(text)
        label.setAccessibleName(accessible)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def _show_outbox_status(self, text: str, explain: str) -> None:
        self.outbox_label.setText(text)
        self.outbox_label.setToolTip(explain)
        self.outbox_label.setAccessibleDescription(f"{text}. {explain}" if explain else text)

    # ---- navigation ---------------------------------------------------------------------------

    def show_area(self, key: str) -> None:
        if self.locked or key not in self.area_pages:
            return
        self.area_stack.setCurrentWidget(self.area_pages[key])
        self.nav_buttons[key].setChecked(True)

    def current_area(self) -> str:
        page = self.area_stack.currentWidget()
        return next(key for key, widget in self.area_pages.items() if widget is page)

    # ---- connection ---------------------------------------------------------------------------

    def check_connection(self) -> None:
        run_in_background(self.services.db.ping, self._connected, self._disconnected)

    def _connected(self, _result) -> None:
        if self._out_of_reach_since is None:
            self.connection_label.setText(self.tr("Connected"))
            return
        self._out_of_reach_since = None
        self._connection_timer.setInterval(CONNECTION_CHECK_MS)
        self.connection_label.setText(self.tr("Connected again at {0}").format(datetime.now(LONDON).strftime("%H:%M")))

    def _disconnected(self, error: DeskError) -> None:
        # Forms keep what was typed when a save fails (they show the fault and stay open); this
        # line says how long the database has been out of reach and that the desk keeps trying.
        if self._out_of_reach_since is None:
            self._out_of_reach_since = datetime.now(LONDON)
            self._connection_timer.setInterval(RECONNECT_CHECK_MS)
        self.connection_label.setText(self.tr(
            "Not connected since {0}: {1} Trying again every {2} seconds; what you type stays in its form, "
            "save it again once this says connected.").format(
                self._out_of_reach_since.strftime("%H:%M"), error.message, RECONNECT_CHECK_MS // 1000))

    # ---- locking -----------------------------------------------------------------------------

    def lock(self) -> None:
        """Hide every page and open dialog until the password is typed again."""
        if self.locked:
            return
        self.locked = True
        self.idle.stop()
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QDialog) and widget.isVisible():
                widget.reject()
        if self.outbox_runner is not None:
            self.outbox_runner.stop()  # nothing is sent on the authority of someone who stepped away
        self.content.hide()
        self.stack.setCurrentWidget(self.lock_page)
        for action in (*self.go_actions, self.lock_action):
            action.setEnabled(False)
        self.person_label.setText(self.tr("Locked"))
        self.lock_page.prepare(self.actor.display_name)
        services, actor = self.services, self.actor
        run_in_background(lambda: services.signin.record_desk_event(actor, "desk.locked"), None, lambda _e: None)

    def _unlock(self, password: str) -> None:
        page = self.lock_page
        if not password:
            page.message.show_error(self.tr("Type your password to unlock."))
            return
        page.unlock.setEnabled(False)
        services, actor = self.services, self.actor

        def done(signed) -> None:
            page.unlock.setEnabled(True)
            if signed.actor.staff_id != actor.staff_id:
                page.message.show_error(self.tr("That is not the signed-in person's password."))
                return
            self._unlocked()

        def failed(error: DeskError) -> None:
            page.unlock.setEnabled(True)
            page.password.clear()
            page.message.show_error(error.message)
            page.password.setFocus()

        run_in_background(lambda: services.signin.sign_in(actor.username, password), done, failed)

    def _unlocked(self) -> None:
        self.locked = False
        self.lock_page.password.clear()
        self.content.show()
        self.stack.setCurrentWidget(self.content)
        for action in (*self.go_actions, self.lock_action):
            action.setEnabled(True)
        self.person_label.setText(
            self.tr("Signed in: {0} ({1})").format(self.actor.display_name, self.tr(self.actor.role.label)))
        self.idle.restart()
        if self.outbox_runner is not None:
            self.outbox_runner.start()
        self.area_stack.currentWidget().setFocus()

    # ---- handing over and closing ---------------------------------------------------------------

    def request_switch_user(self) -> None:
        self.switch_user_requested.emit()

    def hand_over(self) -> None:
        """Close for a colleague to sign in; the sign-out is audited."""
        self.handing_over = True
        services, actor = self.services, self.actor
        run_in_background(lambda: services.signin.record_desk_event(actor, "signout"), None, lambda _e: None)
        self.close()

    def closeEvent(self, event) -> None:  # noqa: N802
        self._connection_timer.stop()
        if self.outbox_runner is not None:
            self.outbox_runner.close()  # no new run; one in flight finishes on its own and is ignored
        self.idle.stop()
        QApplication.instance().removeEventFilter(self.idle)
        super().closeEvent(event)
        self.closed.emit()
