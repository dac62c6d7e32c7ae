"""Builds the services, shows the start window (sign-in), then the main window."""

from __future__ import annotations

import os
import re
import sys

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication, QMessageBox

from .core.config import Paths, resolve_database_url, sqlite_url
from .core.paths import resources_dir
from .core.secrets import SecretStore
from .ui.start_window import StartWindow
from .ui.workers import GuiThreadGarbageCollector
from .ui.workers import wait_for_background_jobs

# The main window (and everything behind it) is imported after sign-in, not before the first
# window: start-up time is measured (benchmarks/, scenario start).


def _log():
    import logging  # not at import time: start-up is measured

    return logging.getLogger(__name__)

STARTUP_PROBE = "ASSISTED_DESK_STARTUP_PROBE"


def database_opener(paths: Paths, database_arg: str | None, secrets: SecretStore, **service_options):
    """The function the start window calls (on a worker thread) to open the real or demo database.
    A password typed after a refusal is kept in the keyring (or for this run) and used."""

    def open_database(demo: bool, password: str = ""):
        from .services import database_password_key, open_services

        url = sqlite_url(paths.demo_database) if demo else resolve_database_url(paths, database_arg)
        where = ""
        if password and url.get_backend_name() == "postgresql":
            where = secrets.set(database_password_key(url), password)
            _log().info("database password kept in %s", where)
        services = open_services(paths, url, secrets=secrets, **service_options)
        if where:
            services.notice = f"The database password is kept in {where}."
        return services

    return open_database


class DeskController(QObject):
    """Moves the desk between the start window and the main window (sign in, switch user)."""

    def __init__(self, app: QApplication, open_database) -> None:
        super().__init__()
        self.app = app
        self.start_window = StartWindow(open_database)
        self.start_window.signed_in.connect(self._signed_in)
        self.start_window.quit_requested.connect(app.quit)
        self.main_window = None

    def start(self) -> None:
        """Show the window first, then open the database behind it: the person can start
        typing while the database layers load (their import would compete with the first paint)."""
        self.start_window.shown.connect(self.start_window.open)  # `shown` fires once only
        self.start_window.show()

    def _signed_in(self, services, actor) -> None:
        from .ui.main_window import MainWindow

        window = MainWindow(services, actor)
        window.switch_user_requested.connect(self._switch_user)
        window.closed.connect(self._main_window_closed)
        self.main_window = window
        window.show()

    def _switch_user(self) -> None:
        window, self.main_window = self.main_window, None
        self.start_window.ask_sign_in()  # shown before the main window closes, so the app stays up
        if window is not None:
            window.hand_over()
            window.deleteLater()

    def shutdown(self) -> None:
        """Let background work finish, then close the database connections."""
        wait_for_background_jobs()
        if self.main_window is not None:
            self.main_window.handing_over = True
            self.main_window.close()
        self.start_window.close()
        if self.start_window.services is not None:
            self.start_window.services.close()

    def _main_window_closed(self) -> None:
        if self.main_window is not None and not self.main_window.handing_over:
            self.app.quit()


# The style sheet is written for an 11 pt desktop font; its sizes follow the desktop's own font
# when that is larger, so someone who set large text in their desktop gets it here too.
STYLE_BASE_PT = 11.0


def scaled_style(sheet: str, font_pt: float) -> str:
    factor = max(font_pt, STYLE_BASE_PT) / STYLE_BASE_PT
    return re.sub(r"(\d+(?:\.\d+)?)pt\b", lambda m: f"{float(m.group(1)) * factor:g}pt", sheet)


def _load_style(app: QApplication) -> None:
    style = resources_dir() / "style.qss"
    try:
        sheet = style.read_text(encoding="utf-8")
    except OSError:
        _log().warning("style sheet %s not found; using Qt's plain look", style)
        return
    app.setStyleSheet(scaled_style(sheet, app.font().pointSizeF()))


def _show_crash(exc_type, exc, tb) -> None:
    """A bug: log it fully, tell the person plainly, keep what the database already holds."""
    import traceback

    _log().critical("unexpected error:\n%s", "".join(traceback.format_exception(exc_type, exc, tb)))
    if QApplication.instance() is not None:
        QMessageBox.critical(None, "Assisted Desk", "Something went wrong inside Assisted Desk. What was saved is "
                             "safe. The details are in the log file; please tell IT what you were doing.")


def run_gui(paths: Paths, database_arg: str | None) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Assisted Desk")
    app.setOrganizationName("Assisted Desk")
    _load_style(app)
    sys.excepthook = _show_crash
    collector = GuiThreadGarbageCollector(app)  # noqa: F841 (lives as long as the application)
    controller = DeskController(app, database_opener(paths, database_arg, SecretStore()))
    # The probe (benchmarks/, scenario start) is told first, before the slots that start work.
    if os.environ.get(STARTUP_PROBE) == "1":
        def probe() -> None:
            print("startup-probe shown", flush=True)
            app.quit()

        controller.start_window.shown.connect(probe)

    def start_logging() -> None:  # after the first paint: the log file is not needed to show a window
        from .core.logs import configure_logging

        configure_logging(paths)

    controller.start_window.shown.connect(start_logging)
    controller.start()
    code = app.exec()
    controller.shutdown()  # never leave a migration or a save half-done at exit
    return code
