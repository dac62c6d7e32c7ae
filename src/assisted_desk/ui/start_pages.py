"""The pages of the start window: sign in, first run, set up, change password, problem."""

from __future__ import annotations

# No use of the Qt namespace here: touching it builds ~100 enums, a measured slice of start-up.
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..core.site_kind import SiteKind
from .forms import add_row, button, password_field
from .messages import FormMessage


def _title(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("pageTitle")
    label.setWordWrap(True)
    return label


def _note(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


def repeated_correctly(password: QLineEdit, repeat: QLineEdit, message: FormMessage) -> bool:
    """A new password is typed twice; when the two differ, say so and ask for the repeat again."""
    if password.text() == repeat.text():
        return True
    message.show_error(message.tr("The two passwords are not the same. Type them again."))
    repeat.clear()
    repeat.setFocus()
    return False


class SignInPage(QWidget):
    submitted = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addWidget(_title(self.tr("Sign in")))
        self.database_line = _note()
        self.database_line.setAccessibleName(self.tr("Database in use"))
        layout.addWidget(self.database_line)
        self.hint = FormMessage()
        layout.addWidget(self.hint)
        form = QFormLayout()
        self.username = QLineEdit()
        self.username.setMaxLength(64)
        add_row(form, self.tr("&User name"), self.username, self.tr("User name"))
        self.password = password_field(self.tr("Password"))
        add_row(form, self.tr("&Password"), self.password, self.tr("Password"))
        layout.addLayout(form)
        self.message = FormMessage()
        layout.addWidget(self.message)
        self.sign_in = button(self.tr("&Sign in"), self.tr("Sign in"), default=True)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.sign_in)
        layout.addLayout(row)
        layout.addStretch(1)
        self.sign_in.clicked.connect(self._submit)
        self.username.returnPressed.connect(self.password.setFocus)
        self.password.returnPressed.connect(self._submit)

    def _submit(self) -> None:
        if not self.username.text().strip():
            self.message.show_error(self.tr("Enter your user name."))
            self.username.setFocus()
            return
        self.submitted.emit(self.username.text(), self.password.text())

    def reset(self) -> None:
        self.username.clear()
        self.password.clear()
        self.message.clear_message()
        self.username.setFocus()


class FirstRunPage(QWidget):
    set_up_chosen = Signal()
    demo_chosen = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addWidget(_title(self.tr("Welcome to Assisted Desk")))
        layout.addWidget(_note(self.tr(
            "This database is empty. Set up this desk for real work, or explore the application "
            "with made-up demo data kept in a separate database.")))
        self.database_line = _note()
        layout.addWidget(self.database_line)
        self.set_up = QPushButton(self.tr("&Set up this desk\nName the site and create the first administrator"))
        self.set_up.setObjectName("bigChoice")
        self.set_up.setAccessibleName(self.tr("Set up this desk"))
        self.demo = QPushButton(self.tr("&Explore with demo data\nSeveral sites and staff in every role; nothing real"))
        self.demo.setObjectName("bigChoice")
        self.demo.setAccessibleName(self.tr("Explore with demo data"))
        layout.addWidget(self.set_up)
        layout.addWidget(self.demo)
        self.message = FormMessage()
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.set_up.clicked.connect(self.set_up_chosen)
        self.demo.clicked.connect(self.demo_chosen)


class SetUpPage(QWidget):
    submitted = Signal(dict)
    back = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addWidget(_title(self.tr("Set up this desk")))
        form = QFormLayout()
        self.site_name = QLineEdit()
        self.site_name.setMaxLength(120)
        add_row(form, self.tr("Site &name"), self.site_name, self.tr("Site name"))
        self.site_kind = QComboBox()
        for kind in SiteKind:
            self.site_kind.addItem(self.tr(kind.label), kind.value)
        add_row(form, self.tr("Site &type"), self.site_kind, self.tr("Site type"))
        self.display_name = QLineEdit()
        self.display_name.setMaxLength(120)
        add_row(form, self.tr("Administrator's &full name"), self.display_name, self.tr("Administrator's full name"))
        self.username = QLineEdit()
        self.username.setMaxLength(64)
        add_row(form, self.tr("Administrator's &user name"), self.username, self.tr("Administrator's user name"))
        self.password = password_field(self.tr("Password"))
        add_row(form, self.tr("&Password (at least 10 characters)"), self.password, self.tr("Password"))
        self.repeat = password_field(self.tr("Repeat password"))
        add_row(form, self.tr("&Repeat password"), self.repeat, self.tr("Repeat password"))
        layout.addLayout(form)
        self.message = FormMessage()
        layout.addWidget(self.message)
        row = QHBoxLayout()
        self.back_button = button(self.tr("&Back"), self.tr("Back"))
        self.create = button(self.tr("&Create and sign in"), self.tr("Create and sign in"), default=True)
        row.addWidget(self.back_button)
        row.addStretch(1)
        row.addWidget(self.create)
        layout.addLayout(row)
        layout.addStretch(1)
        self.fields = {"site_name": self.site_name, "kind": self.site_kind, "display_name": self.display_name,
                       "username": self.username, "password": self.password}
        self.create.clicked.connect(self._submit)
        self.back_button.clicked.connect(self.back)

    def _submit(self) -> None:
        if not repeated_correctly(self.password, self.repeat, self.message):
            return
        self.submitted.emit({
            "site_name": self.site_name.text(),
            "site_kind": self.site_kind.currentData(),
            "display_name": self.display_name.text(),
            "username": self.username.text(),
            "password": self.password.text(),
        })


class ChangePasswordPage(QWidget):
    submitted = Signal(str)
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addWidget(_title(self.tr("Choose your own password")))
        layout.addWidget(_note(self.tr(
            "An administrator gave you a temporary password. Choose one only you know: at least 10 "
            "characters; three random words make a good one.")))
        form = QFormLayout()
        self.password = password_field(self.tr("New password"))
        add_row(form, self.tr("&New password"), self.password, self.tr("New password"))
        self.repeat = password_field(self.tr("Repeat new password"))
        add_row(form, self.tr("&Repeat new password"), self.repeat, self.tr("Repeat new password"))
        layout.addLayout(form)
        self.message = FormMessage()
        layout.addWidget(self.message)
        row = QHBoxLayout()
        self.cancel = button(self.tr("&Cancel"), self.tr("Cancel"))
        self.save = button(self.tr("&Save and continue"), self.tr("Save and continue"), default=True)
        row.addWidget(self.cancel)
        row.addStretch(1)
        row.addWidget(self.save)
        layout.addLayout(row)
        layout.addStretch(1)
        self.save.clicked.connect(self._submit)
        self.cancel.clicked.connect(self.cancelled)
        self.repeat.returnPressed.connect(self._submit)

    def _submit(self) -> None:
        if not repeated_correctly(self.password, self.repeat, self.message):
            return
        self.submitted.emit(self.password.text())


class ProblemPage(QWidget):
    """The database cannot be used: say what happened and what to do, never a traceback."""

    retry = Signal(str)  # a password typed to retry with, or ""
    quit = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addWidget(_title(self.tr("The desk cannot open its database")))
        self.what = _note()
        self.what.setAccessibleName(self.tr("What happened"))
        self.advice = _note()
        self.advice.setAccessibleName(self.tr("What to do"))
        layout.addWidget(self.what)
        layout.addWidget(self.advice)
        self.password_row = QWidget()
        form = QFormLayout(self.password_row)
        form.setContentsMargins(0, 0, 0, 0)
        self.password = password_field(self.tr("Database password"))
        add_row(form, self.tr("Database &password"), self.password, self.tr("Database password"))
        layout.addWidget(self.password_row)
        row = QHBoxLayout()
        self.quit_button = button(self.tr("&Quit"), self.tr("Quit"))
        self.retry_button = button(self.tr("&Try again"), self.tr("Try again"), default=True)
        row.addWidget(self.quit_button)
        row.addStretch(1)
        row.addWidget(self.retry_button)
        layout.addLayout(row)
        layout.addStretch(1)
        self.retry_button.clicked.connect(lambda: self.retry.emit(self.password.text()))
        self.password.returnPressed.connect(lambda: self.retry.emit(self.password.text()))
        self.quit_button.clicked.connect(self.quit)

    def show_fault(self, message: str, advice: str, needs_password: bool) -> None:
        self.what.setText(message)
        self.advice.setText(advice)
        self.password.clear()
        self.password_row.setVisible(needs_password)
