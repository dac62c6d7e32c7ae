"""Adding and editing a staff member, and giving one a temporary password."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from ...core.errors import ValidationError
from ...core.security import MIN_PASSWORD_LENGTH, Actor, Role
from ...core.staff import SiteRecord, StaffRecord
from ...services import Services
from ..forms import password_field
from .common import RecordDialog


def _check_repeat(first: QLineEdit, repeat: QLineEdit, message: str) -> None:
    if first.text() != repeat.text():
        raise ValidationError(message, field="repeat")


class StaffDialog(RecordDialog):
    """Add a staff member (record None) or edit one. Adding also sets a first password, which
    the person replaces with their own at first sign-in."""

    def __init__(self, services: Services, actor: Actor, sites: list[SiteRecord],
                 record: StaffRecord | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        adding = record is None
        if adding:
            self.set_title(self.tr("Add a staff member"),
                           self.tr("They sign in with the user name and first password you set here, then "
                                   "choose their own password."))
        else:
            self.set_title(self.tr("Edit {0}").format(record.display_name))
        self.services, self.actor, self.record = services, actor, record
        self.version = record.version if record else None

        self.username = QLineEdit()
        self.username.setMaxLength(64)
        self.username.setPlaceholderText(self.tr("for example: a.okafor"))
        if adding:
            self.add_field("username", self.tr("&User name"), self.username, self.tr("User name"))
        self.display_name = QLineEdit()
        self.display_name.setMaxLength(120)
        self.add_field("display_name", self.tr("&Full name"), self.display_name, self.tr("Full name"))
        self.role = QComboBox()
        for role in Role:
            self.role.addItem(role.label, role.value)
        self.add_field("role", self.tr("&Role"), self.role, self.tr("Role"))
        self.site = QComboBox()
        for site in sites:
            # A closed site is offered only to someone already there: they may stay, nobody new joins.
            if site.active or (record is not None and site.id == record.site_id):
                label = site.name if site.active else self.tr("{0} (closed)").format(site.name)
                self.site.addItem(label, site.id)
        self.add_field("site", self.tr("&Site"), self.site, self.tr("Site"))
        self.password = password_field(self.tr("First password"))
        self.password.setPlaceholderText(self.tr("at least {0} characters").format(MIN_PASSWORD_LENGTH))
        self.repeat = password_field(self.tr("Repeat the first password"))
        if adding:
            self.add_field("password", self.tr("First &password"), self.password, self.tr("First password"))
            self.add_field("repeat", self.tr("Re&peat password"), self.repeat,
                           self.tr("Repeat the first password"))

        if record is not None:
            self.display_name.setText(record.display_name)
            self.role.setCurrentIndex(max(0, self.role.findData(record.role.value)))
            self.site.setCurrentIndex(max(0, self.site.findData(record.site_id)))
        else:
            self.role.setCurrentIndex(max(0, self.role.findData(Role.DESK.value)))
            self.site.setCurrentIndex(max(0, self.site.findData(actor.site_id)))
        first = self.username if adding else self.display_name
        first.setFocus()

    def save(self) -> StaffRecord:
        site_id = self.site.currentData()
        if site_id is None:
            raise ValidationError(self.tr("Choose an open site for this staff member; add one first in Sites."),
                                  field="site")
        if self.record is None:
            _check_repeat(self.password, self.repeat,
                          self.tr("The two passwords are not the same. Type the first password again in both boxes."))
            return self.services.staff.add_staff(
                self.actor, self.username.text(), self.display_name.text(), Role(self.role.currentData()),
                site_id, self.password.text(),
            )
        return self.services.staff.update_staff(
            self.actor, self.record.id, self.version, self.display_name.text(), Role(self.role.currentData()),
            site_id,
        )

    def adopt(self, record: StaffRecord) -> str:
        self.version = record.version
        return self.tr("{0}, {1}, at {2}").format(record.display_name, record.role.label, record.site_name)


class ResetPasswordDialog(RecordDialog):
    """A temporary password for someone who forgot theirs or had to wait after wrong tries."""

    def __init__(self, services: Services, actor: Actor, record: StaffRecord, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if record.id == actor.staff_id:
            intro = self.tr("This is your own account: the new password is yours to keep.")
        else:
            intro = self.tr("{0} must choose their own password at their next sign-in. Tell them this "
                            "temporary one in person or by phone, never by email.").format(record.display_name)
        intro += " " + self.tr("It also ends any wait after wrong passwords.")
        self.set_title(self.tr("Reset the password of {0}").format(record.display_name), intro)
        self.services, self.actor, self.record = services, actor, record
        self.password = password_field(self.tr("New temporary password"))
        self.password.setPlaceholderText(self.tr("at least {0} characters").format(MIN_PASSWORD_LENGTH))
        self.repeat = password_field(self.tr("Repeat the new password"))
        self.add_field("password", self.tr("New temporary &password"), self.password,
                       self.tr("New temporary password"))
        self.add_field("repeat", self.tr("Re&peat password"), self.repeat, self.tr("Repeat the new password"))
        self.save_button.setText(self.tr("&Reset password"))
        self.save_button.setAccessibleName(self.tr("Reset password"))
        self.password.setFocus()

    def save(self) -> StaffRecord:
        _check_repeat(self.password, self.repeat,
                      self.tr("The two passwords are not the same. Type the new password again in both boxes."))
        return self.services.staff.reset_password(self.actor, self.record.id, self.password.text())

    def adopt(self, record: StaffRecord) -> str:  # resetting a password never conflicts
        return record.display_name
