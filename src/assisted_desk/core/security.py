"""Roles, what each may do, who is acting, and how passwords are kept.

The permission table below is the one place that says what a role may do. Service methods call
`require(actor, Permission.X)`; the UI reads the same table only to hide what would be refused.
"""

from __future__ import annotations

import enum
import getpass
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from .errors import PermissionDenied, ValidationError


class Role(str, enum.Enum):
    DESK = "desk"
    ADVOCATE = "advocate"
    MANAGER = "manager"  # leads the advocacy service: every case, reassignment, restricted records
    COORDINATOR = "coordinator"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return {
            Role.DESK: "Desk staff",
            Role.ADVOCATE: "Advocate",
            Role.MANAGER: "Service manager",
            Role.COORDINATOR: "Inclusion coordinator",
            Role.ADMIN: "Administrator",
        }[self]

    @classmethod
    def parse(cls, text: str) -> "Role":
        try:
            return cls(text.strip().lower())
        except ValueError:
            allowed = ", ".join(r.value for r in cls)
            raise ValidationError(f"Role '{text}' is not known. Choose one of: {allowed}.", field="role") from None


class Permission(str, enum.Enum):
    # Areas of the application
    USE_DESK = "use_desk"
    VIEW_RESIDENTS = "view_residents"
    EDIT_RESIDENTS = "edit_residents"
    MERGE_RESIDENTS = "merge_residents"
    RECORD_EQUALITY = "record_equality"  # equality monitoring: optional, sensitive, kept apart
    LOG_CONTACTS = "log_contacts"
    RUN_QUEUE = "run_queue"
    OPEN_CASES = "open_cases"  # open a case for a resident and see that it exists; not its notes
    WORK_CASES = "work_cases"  # "my cases": read and work the cases one owns or is on the team of
    MANAGE_ALL_CASES = "manage_all_cases"  # "all cases": every case, reassign, restricted-access audit
    USE_INCLUSION = "use_inclusion"
    RECORD_SKILLS = "record_skills"  # digital-skills assessments: the resident's answers are personal data
    REFER_TO_PARTNERS = "refer_to_partners"  # make and follow referrals; read the partner directory
    MANAGE_PARTNERS = "manage_partners"  # add, edit, import and export the partner directory
    PRINT_GUIDES = "print_guides"
    VIEW_REPORTS = "view_reports"
    # Administration
    MANAGE_STAFF = "manage_staff"
    MANAGE_SITES = "manage_sites"
    MANAGE_SETTINGS = "manage_settings"
    MANAGE_CATALOGUE = "manage_catalogue"
    MANAGE_CASE_TYPES = "manage_case_types"  # case types, their SLA targets, and bank holidays
    VIEW_AUDIT = "view_audit"
    # Residents' rights (UK GDPR)
    EXPORT_PERSONAL_DATA = "export_personal_data"  # subject access: everything held about one resident
    PLACE_LEGAL_HOLDS = "place_legal_holds"  # keep a record from erasure and retention while a claim runs
    ERASE_RESIDENTS = "erase_residents"  # erase or anonymise a resident everywhere
    MANAGE_RETENTION = "manage_retention"  # how long records are kept; run the retention sweep


_DESK = {
    Permission.USE_DESK,
    Permission.VIEW_RESIDENTS,
    Permission.EDIT_RESIDENTS,
    Permission.RECORD_EQUALITY,
    Permission.LOG_CONTACTS,
    Permission.RUN_QUEUE,
    Permission.OPEN_CASES,
    Permission.PRINT_GUIDES,
}

PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.DESK: frozenset(_DESK),
    # Advocates merge duplicate records; they need no equality answers for casework.
    Role.ADVOCATE: frozenset((_DESK - {Permission.RECORD_EQUALITY}) | {Permission.WORK_CASES,
                                                                       Permission.MERGE_RESIDENTS}),
    # A service manager is an advocate who sees every case (restricted ones too), reassigns, and
    # reads the SLA reports.
    Role.MANAGER: frozenset((_DESK - {Permission.RECORD_EQUALITY}) | {Permission.WORK_CASES,
                                                                      Permission.MANAGE_ALL_CASES,
                                                                      Permission.MERGE_RESIDENTS,
                                                                      Permission.VIEW_REPORTS,
                                                                      Permission.EXPORT_PERSONAL_DATA,
                                                                      Permission.PLACE_LEGAL_HOLDS}),
    Role.COORDINATOR: frozenset(_DESK | {Permission.USE_INCLUSION, Permission.RECORD_SKILLS,
                                         Permission.REFER_TO_PARTNERS, Permission.MANAGE_PARTNERS,
                                         Permission.VIEW_REPORTS}),
    # Administrators run the system, not casework: safeguarding records are for the owner, the team
    # and service managers only. They still open a case for a resident, and set up case types.
    Role.ADMIN: frozenset(Permission) - {Permission.WORK_CASES, Permission.MANAGE_ALL_CASES},
}


@dataclass(frozen=True)
class Actor:
    """The staff member on whose authority a service call runs."""

    staff_id: int | None
    username: str
    display_name: str
    role: Role
    site_id: int | None
    site_name: str = ""

    def may(self, permission: Permission) -> bool:
        return permission in PERMISSIONS[self.role]

    @classmethod
    def command_line(cls) -> "Actor":
        """Whoever runs the command line on the database's machine acts as an administrator;
        the audit names the operating-system account."""
        try:
            who = getpass.getuser()
        except (KeyError, OSError):
            who = "unknown"
        return cls(None, f"cli:{who}", f"Command line ({who})", Role.ADMIN, None, "")


def require(actor: Actor, permission: Permission) -> None:
    """Refuse with a message that says what was needed and what the role is."""
    if not actor.may(permission):
        raise PermissionDenied(
            f"{actor.display_name} ({actor.role.label}) may not {permission.value.replace('_', ' ')}. "
            "Ask an administrator if you need to."
        )


MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256


def check_password_rules(password: str, username: str = "") -> None:
    """Length over complexity (NCSC guidance): at least 10 characters, not the user name."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            f"The password must be at least {MIN_PASSWORD_LENGTH} characters long "
            "(three random words make a good one).",
            field="password",
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationError(f"The password may be at most {MAX_PASSWORD_LENGTH} characters long.", field="password")
    if username and password.strip().lower() == username.strip().lower():
        raise ValidationError("The password must not be the same as the user name.", field="password")


class PasswordHashing:
    """Argon2id with a per-user random salt (inside the encoded hash)."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, encoded: str, password: str) -> bool:
        try:
            return self._hasher.verify(encoded, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, encoded: str) -> bool:
        return self._hasher.check_needs_rehash(encoded)
