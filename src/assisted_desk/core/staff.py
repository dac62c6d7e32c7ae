"""Staff accounts and sites: setting up a desk, adding and disabling staff, resetting passwords."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .audit import record_audit
from .clock import Clock
from .db import Database
from .errors import ConflictError, NotFound, ValidationError
from .models import Site, Staff
from .security import Actor, PasswordHashing, Permission, Role, check_password_rules, require
from .site_kind import SiteKind
from .validation import clean_text, clean_username


@dataclass(frozen=True)
class SiteRecord:
    id: int
    name: str
    kind: SiteKind
    active: bool
    version: int
    target_wait_minutes: int = 5


@dataclass(frozen=True)
class StaffRecord:
    id: int
    username: str
    display_name: str
    role: Role
    site_id: int
    site_name: str
    active: bool
    must_change_password: bool
    locked_until: datetime | None
    last_sign_in_at: datetime | None
    version: int


def site_record(site: Site) -> SiteRecord:
    return SiteRecord(site.id, site.name, SiteKind(site.kind), site.active, site.version, site.target_wait_minutes)


def staff_record(staff: Staff) -> StaffRecord:
    return StaffRecord(
        staff.id,
        staff.username,
        staff.display_name,
        Role(staff.role),
        staff.site_id,
        staff.site.name,
        staff.active,
        staff.must_change_password,
        staff.locked_until,
        staff.last_sign_in_at,
        staff.version,
    )


def check_version(kind: str, row, expected_version: int | None, record_type: str | None = None,
                  changes: tuple[str, ...] = ()) -> None:
    """Refuse to overwrite a record someone else saved since it was read. Given the audit's
    `record_type` and the audit `changes` (actions) that move this record's version, the refusal
    also says what the last of those was."""
    if expected_version is not None and row.version != expected_version:
        said = _last_change(row, record_type, changes) if record_type and changes else ""
        raise ConflictError(
            f"This {kind} was changed by {row.updated_by} while you were editing it; "
            f"your changes were not saved.{said} Reload it and apply them again."
        )


def _last_change(row, record_type: str, changes: tuple[str, ...]) -> str:
    """The latest audited change of the kinds that move the version. Only those: a note added to
    a case or a guide printed for a resident is audited on the record without changing it, and
    naming one of those would hide the change that did."""
    from sqlalchemy.orm import object_session

    from .clock import local_text
    from .models import AuditEvent

    session = object_session(row)
    if session is None:
        return ""
    with session.no_autoflush:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.record_type == record_type, AuditEvent.record_id == str(row.id),
                                     AuditEvent.action.in_(changes))
            .order_by(AuditEvent.id.desc()).limit(1)).first()
    if event is None:
        return ""
    what = event.action.split(".", 1)[-1].replace("_", " ") + (f" ({event.summary})" if event.summary else "")
    return f" The last change recorded: {event.actor} at {local_text(event.occurred_at)}, {what}."


MAX_TARGET_WAIT = 120


def _check_target_wait(minutes: int) -> int:
    if not isinstance(minutes, int) or not 1 <= minutes <= MAX_TARGET_WAIT:
        raise ValidationError(
            f"The target wait must be a whole number of minutes from 1 to {MAX_TARGET_WAIT} "
            "(the service's contract target is 5).", field="target_wait_minutes")
    return minutes


class StaffService:
    def __init__(self, db: Database, clock: Clock, hashing: PasswordHashing) -> None:
        self.db = db
        self.clock = clock
        self.hashing = hashing

    # ---- first run ----------------------------------------------------------------------

    def needs_setup(self) -> bool:
        """True while the database has no staff at all: the desk has not been set up."""
        with self.db.unit_of_work() as session:
            return not session.scalar(select(func.count(Staff.id)))

    def set_up_desk(
        self, site_name: str, site_kind: str, username: str, display_name: str, password: str
    ) -> StaffRecord:
        """Create the first site and its first administrator. Refused once any staff exist."""
        name = clean_text(site_name, field="site_name", label="Site name", max_length=120)
        kind = SiteKind.parse(site_kind)
        user = clean_username(username)
        shown = clean_text(display_name, field="display_name", label="Full name", max_length=120)
        check_password_rules(password, user)
        password_hash = self.hashing.hash(password)
        with self.db.unit_of_work() as session:
            if session.scalar(select(func.count(Staff.id))):
                raise ValidationError("This desk is already set up; sign in as an administrator instead.")
            now = self.clock.now()
            site = Site(name=name, kind=kind.value, active=True, created_at=now, updated_at=now, updated_by=user)
            session.add(site)
            session.flush()
            staff = Staff(
                username=user, display_name=shown, role=Role.ADMIN.value, site_id=site.id, active=True,
                password_hash=password_hash, must_change_password=False, failed_sign_ins=0,
                created_at=now, updated_at=now, updated_by=user,
            )
            session.add(staff)
            session.flush()
            actor = Actor(staff.id, user, shown, Role.ADMIN, site.id, site.name)
            record_audit(session, self.clock, actor, "site.created", "site", site.id, f"first site: {kind.value}")
            record_audit(session, self.clock, actor, "staff.created", "staff", staff.id, "first administrator")
            session.refresh(staff)
            return staff_record(staff)

    # ---- sites ----------------------------------------------------------------------------

    def list_sites(self, include_inactive: bool = True) -> list[SiteRecord]:
        with self.db.unit_of_work() as session:
            query = select(Site).order_by(Site.name)
            if not include_inactive:
                query = query.where(Site.active.is_(True))
            return [site_record(s) for s in session.scalars(query)]

    def add_site(self, actor: Actor, name: str, kind: str, target_wait_minutes: int = 5) -> SiteRecord:
        """Refuses without manage-sites, a name another site already has, or a target wait
        outside 1 to 120 minutes."""
        require(actor, Permission.MANAGE_SITES)
        clean = clean_text(name, field="name", label="Site name", max_length=120)
        site_kind = SiteKind.parse(kind)
        target = _check_target_wait(target_wait_minutes)
        with self.db.unit_of_work() as session:
            self._refuse_duplicate_site(session, clean, None)
            now = self.clock.now()
            site = Site(name=clean, kind=site_kind.value, active=True, target_wait_minutes=target,
                        created_at=now, updated_at=now, updated_by=actor.username)
            session.add(site)
            session.flush()
            record_audit(session, self.clock, actor, "site.created", "site", site.id, site_kind.value)
            return site_record(site)

    def update_site(
        self, actor: Actor, site_id: int, expected_version: int, name: str, kind: str, active: bool,
        target_wait_minutes: int | None = None,
    ) -> SiteRecord:
        """Refuses as add_site does, a stale version, or closing a site that still has active
        staff. A target wait of None keeps the site's current one."""
        require(actor, Permission.MANAGE_SITES)
        clean = clean_text(name, field="name", label="Site name", max_length=120)
        site_kind = SiteKind.parse(kind)
        target = None if target_wait_minutes is None else _check_target_wait(target_wait_minutes)
        with self.db.unit_of_work() as session:
            site = session.get(Site, site_id)
            if site is None:
                raise NotFound("That site no longer exists.")
            check_version("site", site, expected_version)
            self._refuse_duplicate_site(session, clean, site_id)
            if not active and site.active:
                staffed = session.scalar(
                    select(func.count(Staff.id)).where(Staff.site_id == site_id, Staff.active.is_(True))
                )
                if staffed:
                    raise ValidationError(
                        f"{site.name} still has {staffed} active staff; move or disable them first.", field="active"
                    )
            target = site.target_wait_minutes if target is None else target
            changed = [f for f, old, new in (("name", site.name, clean), ("kind", site.kind, site_kind.value),
                                               ("active", site.active, active),
                                               ("target wait", site.target_wait_minutes, target)) if old != new]
            site.name, site.kind, site.active = clean, site_kind.value, active
            site.target_wait_minutes = target
            site.updated_at, site.updated_by = self.clock.now(), actor.username
            session.flush()
            record_audit(session, self.clock, actor, "site.updated", "site", site.id,
                         "changed: " + (", ".join(changed) or "nothing"))
            return site_record(site)

    @staticmethod
    def _refuse_duplicate_site(session: Session, name: str, own_id: int | None) -> None:
        clash = session.scalar(select(Site.id).where(func.lower(Site.name) == name.lower()))
        if clash is not None and clash != own_id:
            raise ValidationError(f"There is already a site called {name}.", field="name")

    # ---- staff ----------------------------------------------------------------------------

    def list_staff(self, actor: Actor) -> list[StaffRecord]:
        require(actor, Permission.MANAGE_STAFF)
        with self.db.unit_of_work() as session:
            return [staff_record(s) for s in session.scalars(select(Staff).order_by(Staff.display_name))]

    def find_by_username(self, actor: Actor, username: str) -> StaffRecord:
        require(actor, Permission.MANAGE_STAFF)
        user = clean_username(username)
        with self.db.unit_of_work() as session:
            staff = session.scalar(select(Staff).where(Staff.username == user))
            if staff is None:
                raise NotFound(f"There is no staff member with the user name {user}.")
            return staff_record(staff)

    def add_staff(
        self, actor: Actor, username: str, display_name: str, role: str | Role, site_id: int, password: str,
        *, must_change_password: bool = True,
    ) -> StaffRecord:
        """Refuses without manage-staff, a user name already taken, an unknown or closed site,
        or a password that breaks the rules. Unless told otherwise, the new person must choose
        their own password at first sign-in."""
        require(actor, Permission.MANAGE_STAFF)
        user = clean_username(username)
        shown = clean_text(display_name, field="display_name", label="Full name", max_length=120)
        staff_role = role if isinstance(role, Role) else Role.parse(role)
        check_password_rules(password, user)
        password_hash = self.hashing.hash(password)
        with self.db.unit_of_work() as session:
            if session.scalar(select(Staff.id).where(Staff.username == user)) is not None:
                raise ValidationError(f"The user name {user} is already taken.", field="username")
            self._open_site(session, site_id)
            now = self.clock.now()
            staff = Staff(
                username=user, display_name=shown, role=staff_role.value, site_id=site_id, active=True,
                password_hash=password_hash, must_change_password=must_change_password, failed_sign_ins=0,
                created_at=now, updated_at=now, updated_by=actor.username,
            )
            session.add(staff)
            session.flush()
            record_audit(session, self.clock, actor, "staff.created", "staff", staff.id, f"role {staff_role.value}")
            session.refresh(staff)
            return staff_record(staff)

    def update_staff(
        self, actor: Actor, staff_id: int, expected_version: int, display_name: str, role: str | Role, site_id: int
    ) -> StaffRecord:
        """Refuses to leave the database without an active administrator."""
        require(actor, Permission.MANAGE_STAFF)
        shown = clean_text(display_name, field="display_name", label="Full name", max_length=120)
        staff_role = role if isinstance(role, Role) else Role.parse(role)
        with self.db.unit_of_work() as session:
            staff = self._staff(session, staff_id)
            check_version("staff member", staff, expected_version)
            if staff.site_id != site_id:
                self._open_site(session, site_id)
            if staff.role == Role.ADMIN.value and staff_role != Role.ADMIN and staff.active:
                self._refuse_last_admin(session, staff.id, "change the role of")
            changed = [f for f, old, new in (("full name", staff.display_name, shown),
                                               ("role", staff.role, staff_role.value),
                                               ("site", staff.site_id, site_id)) if old != new]
            staff.display_name, staff.role, staff.site_id = shown, staff_role.value, site_id
            staff.updated_at, staff.updated_by = self.clock.now(), actor.username
            session.flush()
            session.refresh(staff)
            record_audit(session, self.clock, actor, "staff.updated", "staff", staff.id,
                         "changed: " + (", ".join(changed) or "nothing"))
            return staff_record(staff)

    def set_active(self, actor: Actor, staff_id: int, active: bool, expected_version: int | None = None) -> StaffRecord:
        """Disable or re-enable an account. Refuses to disable yourself or the last administrator."""
        require(actor, Permission.MANAGE_STAFF)
        with self.db.unit_of_work() as session:
            staff = self._staff(session, staff_id)
            check_version("staff member", staff, expected_version)
            if not active:
                if staff.id == actor.staff_id:
                    raise ValidationError("You cannot disable your own account.")
                if staff.role == Role.ADMIN.value and staff.active:
                    self._refuse_last_admin(session, staff.id, "disable")
            else:
                self._open_site(session, staff.site_id)
            if staff.active != active:
                staff.active = active
                staff.updated_at, staff.updated_by = self.clock.now(), actor.username
                session.flush()
                record_audit(session, self.clock, actor, "staff.enabled" if active else "staff.disabled",
                             "staff", staff.id)
            session.refresh(staff)
            return staff_record(staff)

    def reset_password(self, actor: Actor, staff_id: int, new_password: str) -> StaffRecord:
        """Give a staff member a temporary password; they choose their own at next sign-in.
        Also lifts a lock-out after wrong passwords."""
        require(actor, Permission.MANAGE_STAFF)
        with self.db.unit_of_work() as session:
            staff = self._staff(session, staff_id)
            check_password_rules(new_password, staff.username)
            staff.password_hash = self.hashing.hash(new_password)
            staff.must_change_password = staff.id != actor.staff_id
            staff.failed_sign_ins = 0
            staff.locked_until = None
            staff.updated_at, staff.updated_by = self.clock.now(), actor.username
            session.flush()
            session.refresh(staff)
            record_audit(session, self.clock, actor, "staff.password_reset", "staff", staff.id)
            return staff_record(staff)

    @staticmethod
    def _staff(session: Session, staff_id: int) -> Staff:
        staff = session.get(Staff, staff_id)
        if staff is None:
            raise NotFound("That staff member no longer exists.")
        return staff

    @staticmethod
    def _open_site(session: Session, site_id: int) -> Site:
        site = session.get(Site, site_id)
        if site is None or not site.active:
            raise ValidationError("Choose an open site for this staff member.", field="site")
        return site

    @staticmethod
    def _refuse_last_admin(session: Session, staff_id: int, verb: str) -> None:
        others = session.scalar(
            select(func.count(Staff.id)).where(
                Staff.role == Role.ADMIN.value, Staff.active.is_(True), Staff.id != staff_id
            )
        )
        if not others:
            raise ValidationError(f"You cannot {verb} the only active administrator; add another one first.")
