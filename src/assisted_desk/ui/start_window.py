"""The first window: opens the database in the background while the person types, then signs
them in, or offers to set the desk up or explore demo data when the database is empty."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget

from ..core.errors import DeskError, EnvironmentFault, ValidationError
from .forms import focus_field
from .start_pages import ChangePasswordPage, FirstRunPage, ProblemPage, SetUpPage, SignInPage
from .workers import run_in_background

DEMO_HINT = "Demo data: sign in as desk, advocate, coordinator or admin with the password {password}."

# open_database(demo, password) -> Services; raises EnvironmentFault
Opener = Callable[[bool, str], object]


class StartWindow(QWidget):
    signed_in = Signal(object, object)  # services, Actor
    shown = Signal()
    quit_requested = Signal()

    def __init__(self, open_database: Opener, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Assisted Desk — sign in"))
        self.setAccessibleName(self.tr("Assisted Desk sign-in window"))
        self._open_database = open_database
        self.services = None
        self.demo = False
        self._pending: tuple[str, str] | None = None
        self._signed = None
        self._typed_password = ""
        self._announced = False

        self.pages = QStackedWidget()
        self.sign_in_page = SignInPage()
        self.sign_in_page.submitted.connect(self._sign_in)
        self.pages.addWidget(self.sign_in_page)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        self.resize(560, 460)
        # The other pages are built when first needed: the sign-in page is what start-up shows.
        self._first_run_page = self._set_up_page = self._change_page = self._problem_page = None

    @property
    def first_run_page(self) -> FirstRunPage:
        if self._first_run_page is None:
            page = self._first_run_page = self._add(FirstRunPage())
            page.set_up_chosen.connect(self._show_set_up)
            page.demo_chosen.connect(self._open_demo)
        return self._first_run_page

    @property
    def set_up_page(self) -> SetUpPage:
        if self._set_up_page is None:
            page = self._set_up_page = self._add(SetUpPage())
            page.submitted.connect(self._set_up)
            page.back.connect(lambda: self.pages.setCurrentWidget(self.first_run_page))
        return self._set_up_page

    @property
    def change_page(self) -> ChangePasswordPage:
        if self._change_page is None:
            page = self._change_page = self._add(ChangePasswordPage())
            page.submitted.connect(self._change_password)
            page.cancelled.connect(self.ask_sign_in)
        return self._change_page

    @property
    def problem_page(self) -> ProblemPage:
        if self._problem_page is None:
            page = self._problem_page = self._add(ProblemPage())
            page.retry.connect(self._retry)
            page.quit.connect(self.quit_requested)
        return self._problem_page

    def _add(self, page: QWidget) -> QWidget:
        self.pages.addWidget(page)
        return page

    # ---- opening the database -------------------------------------------------------------

    def open(self, demo: bool = False, password: str = "") -> None:
        self.demo = demo
        self.pages.setCurrentWidget(self.sign_in_page)
        self.sign_in_page.database_line.setText(self.tr("Opening the database…"))
        self.sign_in_page.hint.clear_message()
        previous, self.services = self.services, None

        def work():
            if previous is not None:
                previous.close()
            services = self._open_database(demo, password)
            try:
                if demo and services.staff.needs_setup():
                    from ..demo import load_demo

                    yield from load_demo(services)
                return services, services.staff.needs_setup()
            except BaseException:
                services.close()
                raise

        run_in_background(work, self._opened, self._open_failed, self.sign_in_page.database_line.setText)

    def _opened(self, result) -> None:
        self.services, needs_setup = result
        where = self.tr("Database: {0}").format(self.services.db.description)
        self.sign_in_page.database_line.setText(where)
        if needs_setup:
            self.first_run_page.database_line.setText(where)
        if self.demo:
            from ..demo import DEMO_PASSWORD

            self.sign_in_page.hint.show_info(self.tr(DEMO_HINT).format(password=DEMO_PASSWORD))
        elif self.services.notice:
            self.sign_in_page.hint.show_info(self.services.notice)
        if needs_setup:
            self._pending = None
            if self.services.notice:
                self.first_run_page.message.show_info(self.services.notice)
            self.pages.setCurrentWidget(self.first_run_page)
            self.first_run_page.set_up.setFocus()
            return
        if self._pending is not None:
            username, password = self._pending
            self._pending = None
            self._sign_in(username, password)

    def _open_failed(self, error: DeskError) -> None:
        self._pending = None
        advice = error.advice if isinstance(error, EnvironmentFault) else ""
        needs_password = isinstance(error, EnvironmentFault) and error.needs_password
        self.problem_page.show_fault(error.message, advice, needs_password)
        self.pages.setCurrentWidget(self.problem_page)
        (self.problem_page.password if needs_password else self.problem_page.retry_button).setFocus()

    def _retry(self, password: str) -> None:
        self.open(self.demo, password)

    def _open_demo(self) -> None:
        self.open(demo=True)

    # ---- first run --------------------------------------------------------------------------

    def _show_set_up(self) -> None:
        self.pages.setCurrentWidget(self.set_up_page)
        self.set_up_page.site_name.setFocus()

    def _set_up(self, values: dict) -> None:
        services = self.services
        page = self.set_up_page
        page.create.setEnabled(False)
        page.message.show_info(self.tr("Setting up the desk…"))

        def work():
            services.staff.set_up_desk(values["site_name"], values["site_kind"], values["username"],
                                       values["display_name"], values["password"])
            return services.signin.sign_in(values["username"], values["password"])

        def failed(error: DeskError) -> None:
            page.create.setEnabled(True)
            page.message.show_error(error.message)
            if isinstance(error, ValidationError):
                focus_field(page.fields, error)

        def done(signed) -> None:
            page.create.setEnabled(True)
            page.password.clear()
            page.repeat.clear()
            self._finish(signed)

        run_in_background(work, done, failed)

    # ---- signing in -------------------------------------------------------------------------

    def ask_sign_in(self) -> None:
        """Show the sign-in page afresh (first start, switch user, after cancelling)."""
        self._signed = None
        self._typed_password = ""
        self.sign_in_page.reset()
        self.sign_in_page.sign_in.setEnabled(True)
        self.pages.setCurrentWidget(self.sign_in_page)
        self.show()
        self.raise_()
        self.activateWindow()
        self.sign_in_page.username.setFocus()

    def _sign_in(self, username: str, password: str) -> None:
        page = self.sign_in_page
        if self.services is None:
            self._pending = (username, password)
            page.message.show_info(self.tr("Opening the database…"))
            return
        page.sign_in.setEnabled(False)
        page.message.show_info(self.tr("Signing in…"))
        services = self.services

        def failed(error: DeskError) -> None:
            page.sign_in.setEnabled(True)
            page.password.clear()
            page.message.show_error(error.message)
            if isinstance(error, EnvironmentFault):
                self._open_failed(error)
                return
            page.password.setFocus()

        def done(signed) -> None:
            page.sign_in.setEnabled(True)
            self._typed_password = password
            self._finish(signed)

        run_in_background(lambda: services.signin.sign_in(username, password), done, failed)

    def _finish(self, signed) -> None:
        if signed.must_change_password:
            self._signed = signed
            self.change_page.password.clear()
            self.change_page.repeat.clear()
            self.change_page.message.clear_message()
            self.pages.setCurrentWidget(self.change_page)
            self.change_page.password.setFocus()
            return
        self.sign_in_page.reset()
        self.hide()
        self.signed_in.emit(self.services, signed.actor)

    def _change_password(self, new_password: str) -> None:
        signed, services, current = self._signed, self.services, self._typed_password
        page = self.change_page
        page.save.setEnabled(False)

        def failed(error: DeskError) -> None:
            page.save.setEnabled(True)
            page.message.show_error(error.message)
            page.password.setFocus()

        def done(_result) -> None:
            page.save.setEnabled(True)
            self._typed_password = ""
            self.sign_in_page.reset()
            self.hide()
            self.signed_in.emit(services, signed.actor)

        run_in_background(lambda: services.signin.change_own_password(signed.actor, current, new_password),
                          done, failed)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if not self._announced:
            self._announced = True
            QTimer.singleShot(0, self.shown)

