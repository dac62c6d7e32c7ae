"""The Back office tab: where the desk sends requests made on a resident's behalf, how it proves
who it is, which certificate authority it trusts, and how large an attached file may be.

The token is typed once and never shown again: the tab only says whether one is set and where
it is kept. Testing the connection talks to the network, so it runs in the background."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...core.errors import DeskError, ValidationError
from ...core.security import Actor
from ...desk.attachments import MAX_LIMIT_MB
from ...desk.backoffice_client import BackOfficeClient, BackOfficeError, Refused, SetupProblem, TryLater
from ...services import Services
from ..forms import button
from ..messages import FormMessage, show_problem
from ..outbox_runner import setup_problem
from ..workers import run_in_background


@dataclass(frozen=True)
class ConnectionCheck:
    """What testing the connection found: `kind` is reachable, not_set_up, token, certificate,
    address, unreachable, trouble or refused; `detail` is the client's own explanation."""

    kind: str
    url: str
    detail: str = ""


def check_connection(services: Services) -> ConnectionCheck:
    """Ask the back office whether it is up, with the saved address, token and certificates.
    Runs on a worker thread; never raises for the network."""
    config = services.backoffice.config()
    if config is None:
        return ConnectionCheck("not_set_up", services.backoffice.url(), services.backoffice.missing())
    client = BackOfficeClient(config, services.clock)
    try:
        client.check_health()
    except BackOfficeError as error:
        outcome = error.outcome
        if isinstance(outcome, SetupProblem):
            kind = {"token refused": "token", "certificate not trusted": "certificate",
                    "wrong address": "address"}.get(setup_problem(outcome.reason), "trouble")
        elif isinstance(outcome, TryLater):
            kind = "unreachable" if outcome.unreachable else "trouble"
        elif isinstance(outcome, Refused):
            kind = "refused"
        else:
            kind = "trouble"
        return ConnectionCheck(kind, config.base_url, outcome.message)
    finally:
        client.close()
    return ConnectionCheck("reachable", config.base_url)


def _state_label(accessible_name: str) -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setAccessibleName(accessible_name)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _row(*widgets: QWidget) -> QWidget:
    holder = QWidget()
    layout = QHBoxLayout(holder)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget)
    layout.addStretch(1)
    return holder


class BackOfficeTab(QWidget):
    """For MANAGE_SETTINGS only (the admin page shows it to no one else; the services refuse)."""

    # The address, token or certificate changed: the main window's sender tries again at once.
    changed = Signal()

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.testing = False

        intro = QLabel(self.tr(
            "Requests made on a resident's behalf are sent to the council's back office from every desk's "
            "outbox. The address, certificate and file limit are shared by all desks on this database; the token "
            "is kept on this computer only."))
        intro.setWordWrap(True)

        # The address
        self.url = QLineEdit()
        self.url.setPlaceholderText("https://backoffice.example.gov.uk")
        self.url.returnPressed.connect(self.save_url)
        self.save_url_button = button(self.tr("Save &address"), self.tr("Save the back-office address"))
        self.save_url_button.clicked.connect(self.save_url)
        self.url_message = FormMessage(self)

        # The token
        self.token = QLineEdit()
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText(self.tr("Paste the token here"))
        self.token.returnPressed.connect(self.save_token)
        self.save_token_button = button(self.tr("Save &token"), self.tr("Save the API token"))
        self.save_token_button.clicked.connect(self.save_token)
        self.remove_token_button = button(self.tr("&Remove token"), self.tr("Remove the API token from this computer"))
        self.remove_token_button.clicked.connect(self.remove_token)
        self.token_state = _state_label(self.tr("Whether a token is set"))
        self.token_message = FormMessage(self)

        # The certificate authority
        self.ca_state = _state_label(self.tr("Certificate authorities trusted"))
        self.choose_ca_button = button(self.tr("Choose &PEM file…"),
                                       self.tr("Choose the certificate authority's PEM file"))
        self.choose_ca_button.clicked.connect(self.choose_ca_file)
        self.system_ca_button = button(self.tr("Use the s&ystem's only"),
                                       self.tr("Trust the system's certificate authorities only"))
        self.system_ca_button.clicked.connect(self.use_system_ca)
        self.ca_message = FormMessage(self)

        # Testing
        self.test_button = button(self.tr("Test co&nnection"), self.tr("Test the connection to the back office"))
        self.test_button.clicked.connect(self.test_connection)
        self.test_result = FormMessage(self)
        self.test_result.setAccessibleName(self.tr("Connection test result"))

        # Attachments
        self.limit = QSpinBox()
        self.limit.setRange(1, MAX_LIMIT_MB)
        self.limit.setSuffix(" MB")
        self.limit.setToolTip(self.tr("The largest file staff can attach to a contact or a request, from 1 to "
                                      "{0} MB.").format(MAX_LIMIT_MB))
        self.save_limit_button = button(self.tr("Save &limit"), self.tr("Save the attachment size limit"))
        self.save_limit_button.clicked.connect(self.save_limit)
        self.limit_message = FormMessage(self)

        # One section under another (heading, field, what is set, message): every explanation gets
        # the tab's whole width, which also keeps it readable at large text sizes.
        self.url_heading = self._heading(self.tr("Back-office a&ddress"), self.url)
        self.token_heading = self._heading(self.tr("API t&oken"), self.token)
        self.ca_heading = self._heading(self.tr("Certificate authority"))
        self.test_heading = self._heading(self.tr("Connection"))
        self.limit_heading = self._heading(self.tr("Largest attached &file"), self.limit)
        self.url.setAccessibleName(self.tr("Back-office address"))
        self.token.setAccessibleName(self.tr("API token"))
        self.limit.setAccessibleName(self.tr("Largest attached file, in MB"))
        url_row = QHBoxLayout()
        url_row.addWidget(self.url, 1)
        url_row.addWidget(self.save_url_button)
        token_row = QHBoxLayout()
        token_row.addWidget(self.token, 1)
        token_row.addWidget(self.save_token_button)
        token_row.addWidget(self.remove_token_button)

        body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.setSpacing(6)
        body_layout.addWidget(intro)
        sections = (
            (self.url_heading, url_row, self.url_message),
            (self.token_heading, token_row, self.token_state, self.token_message),
            (self.ca_heading, self.ca_state, _row(self.choose_ca_button, self.system_ca_button), self.ca_message),
            (self.test_heading, _row(self.test_button), self.test_result),
            (self.limit_heading, _row(self.limit, self.save_limit_button), self.limit_message),
        )
        for section in sections:
            body_layout.addSpacing(8)
            for part in section:
                if isinstance(part, QHBoxLayout):
                    body_layout.addLayout(part)
                else:
                    body_layout.addWidget(part)
        body_layout.addStretch(1)
        # At large text sizes the form is taller than the window: it scrolls rather than squashes.
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        scroll.setAccessibleName(self.tr("Back-office settings"))
        self.scroll = scroll
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)

        order = (self.url, self.save_url_button, self.token, self.save_token_button, self.remove_token_button,
                 self.choose_ca_button, self.system_ca_button, self.test_button, self.limit, self.save_limit_button)
        for first, second in zip(order, order[1:]):
            QWidget.setTabOrder(first, second)

    def _heading(self, text: str, buddy: QWidget | None = None) -> QLabel:
        heading = QLabel(text)
        heading.setObjectName("sectionHeading")
        font = heading.font()
        font.setBold(True)
        heading.setFont(font)
        if buddy is not None:
            heading.setBuddy(buddy)
        return heading

    # ---- showing what is set ----------------------------------------------------------------

    def refresh(self) -> None:
        try:
            setup = self.services.backoffice.setup(self.actor)
            limit = self.services.attachments.limit_mb()
        except DeskError as error:
            show_problem(self, error)
            return
        self.url.setText(setup.url)
        self.url.setCursorPosition(0)
        self._show_token_state(setup.token_set, setup.token_kept_in)
        self._show_ca_state(setup.ca_subjects)
        self.limit.setValue(limit)

    def _show_token_state(self, token_set: bool, kept_in: str) -> None:
        if token_set:
            self.token_state.setText(self.tr("A token is set on this computer, kept in {0}. It is never shown; to "
                                             "change it, paste the new one and save.").format(kept_in))
        else:
            self.token_state.setText(self.tr("No token is set on this computer: nothing can be sent until one is."))
        self.remove_token_button.setEnabled(token_set)

    def _show_ca_state(self, subjects: tuple[str, ...]) -> None:
        if subjects:
            self.ca_state.setText(self.tr("The system's certificate authorities, and: {0}").format(", ".join(subjects)))
        else:
            self.ca_state.setText(self.tr("The system's certificate authorities only."))
        self.system_ca_button.setEnabled(bool(subjects))

    # ---- saving ----------------------------------------------------------------------------

    def _refused(self, error: DeskError, message: FormMessage, field: QWidget | None = None) -> None:
        """A refusal about the field goes next to it (what was typed stays); any other refusal
        or fault is a dialog."""
        if isinstance(error, ValidationError):
            message.show_error(error.message)
            if field is not None:
                field.setFocus()
            return
        show_problem(self, error)

    def save_url(self) -> None:
        self.url_message.clear_message()
        try:
            url = self.services.backoffice.set_url(self.actor, self.url.text())
        except DeskError as error:
            self._refused(error, self.url_message, self.url)
            return
        self.url.setText(url)
        self.url_message.show_info(self.tr("Saved. Every desk on this database now sends to {0}.").format(url))
        self.changed.emit()

    def save_token(self) -> None:
        self.token_message.clear_message()
        try:
            kept_in = self.services.backoffice.set_token(self.actor, self.token.text())
        except DeskError as error:
            self._refused(error, self.token_message, self.token)
            return
        self.token.clear()  # never left on screen, even hidden
        self._show_token_state(True, kept_in)
        self.token_message.show_info(self.tr("Token saved. It is kept in {0}.").format(kept_in))
        self.changed.emit()

    def remove_token(self) -> None:
        self.token_message.clear_message()
        try:
            self.services.backoffice.clear_token(self.actor)
        except DeskError as error:
            self._refused(error, self.token_message)
            return
        self.token.clear()
        self._show_token_state(False, "")
        self.token_message.show_info(self.tr("Token removed from this computer. Requests wait in the outbox "
                                             "until a token is set again."))
        self.changed.emit()

    def choose_ca_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, self.tr("Choose the certificate authority's PEM file"), "",
            self.tr("Certificates (*.pem *.crt *.cer);;All files (*)"))
        if path:
            self.load_ca_file(Path(path))

    def load_ca_file(self, path: Path) -> None:
        """Trust the certificate authority in a PEM file (as well as the system's ones)."""
        self.ca_message.clear_message()
        try:
            pem = self.services.backoffice.read_ca_file(path)
            subjects = self.services.backoffice.set_ca_pem(self.actor, pem)
        except DeskError as error:
            self._refused(error, self.ca_message, self.choose_ca_button)
            return
        self._show_ca_state(subjects)
        self.ca_message.show_info(self.tr("Saved. The desk now also trusts {0}.").format(", ".join(subjects)))
        self.changed.emit()

    def use_system_ca(self) -> None:
        self.ca_message.clear_message()
        try:
            self.services.backoffice.set_ca_pem(self.actor, "")
        except DeskError as error:
            self._refused(error, self.ca_message)
            return
        self._show_ca_state(())
        self.ca_message.show_info(self.tr("Saved. The desk trusts the system's certificate authorities only."))
        self.changed.emit()

    def save_limit(self) -> None:
        self.limit_message.clear_message()
        mb = self.limit.value()
        try:
            self.services.attachments.set_limit_mb(self.actor, mb)
        except DeskError as error:
            self._refused(error, self.limit_message, self.limit)
            return
        self.limit_message.show_info(self.tr("Saved. Files up to {0} MB can be attached.").format(mb))

    # ---- testing ---------------------------------------------------------------------------

    def test_connection(self) -> None:
        if self.testing:
            return
        self.testing = True
        self.test_button.setEnabled(False)
        self.test_result.show_info(self.tr("Testing the connection…"))
        services = self.services
        run_in_background(lambda: check_connection(services), self._tested, self._test_failed)

    def _tested(self, check: ConnectionCheck) -> None:
        if not shiboken6.isValid(self):
            return
        self._test_done()
        url = check.url
        if check.kind == "reachable":
            self.test_result.show_info(self.tr("Reachable: {0} answered and accepted this desk's token.").format(url))
            return
        texts = {
            "not_set_up": self.tr("Not set up yet: {0}.").format(check.detail),
            "token": self.tr("Token refused: {0} answered, but does not accept this desk's token. Paste the right "
                             "token and save it.").format(url),
            "certificate": self.tr("Certificate not trusted: {0}'s certificate could not be verified, so nothing "
                                   "was sent. If it uses the council's own certificate authority, choose that PEM "
                                   "file.").format(url),
            "address": self.tr("Wrong address: {0} answered, but does not offer the back-office interface. Check "
                               "the address.").format(url),
            "unreachable": self.tr("Cannot connect: nothing answered at {0}. Check the address, the network, or "
                                   "whether the back office is down.").format(url),
            "refused": self.tr("The back office at {0} refused the check.").format(url),
            "trouble": self.tr("Reached {0}, but it is not working properly.").format(url),
        }
        text = texts[check.kind]
        if check.kind in ("certificate", "refused", "trouble") and check.detail:
            text += "\n" + self.tr("Details: {0}").format(check.detail)
        self.test_result.show_error(text)

    def _test_failed(self, error: DeskError) -> None:
        if not shiboken6.isValid(self):
            return
        self._test_done()
        self.test_result.show_error(error.message)

    def _test_done(self) -> None:
        self.testing = False
        self.test_button.setEnabled(True)
