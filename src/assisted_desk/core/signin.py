"""Signing in, unlocking a locked desk, and choosing one's own password."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from .audit import record_audit
from .clock import Clock, as_utc
from .db import Database
from .errors import SignInRefused, ValidationError
from .models import Site, Staff
from .security import Actor, PasswordHashing, Role, check_password_rules
from .validation import clean_username

FREE_TRIES = 5
FIRST_WAIT_SECONDS = 30
LONGEST_WAIT_SECONDS = 15 * 60

@dataclass(frozen=True)
class SignedIn:
    actor: Actor
    must_change_password: bool  # after an administrator set a temporary password


WRONG = "The user name or password is not right. Check Caps Lock and try again."


def wait_after(failures: int) -> int:
    """Seconds an account waits after `failures` wrong passwords in a row: none for the first
    four, then 30 s doubling to at most 15 minutes. Slows guessing without locking staff out
    for the day."""
    if failures < FREE_TRIES:
        return 0
    return min(FIRST_WAIT_SECONDS * 2 ** (failures - FREE_TRIES), LONGEST_WAIT_SECONDS)


def _wait_text(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} seconds"
    return f"{math.ceil(seconds / 60)} minutes"


class SignInService:
    def __init__(self, db: Database, clock: Clock, hashing: PasswordHashing) -> None:
        self.db = db
        self.clock = clock
        self.hashing = hashing
        # Spend the same time on an unknown user name as on a known one.
        self._decoy_hash = hashing.hash("decoy password that never matches")

    def sign_in(self, username: str, password: str) -> "SignedIn":
        """Returns the signed-in actor. Refuses wrong passwords, disabled accounts and accounts
        that must wait after too many wrong tries; every outcome is audited."""
        try:
            user = clean_username(username)
        except ValidationError:
            raise SignInRefused(WRONG) from None
        if not password:
            raise SignInRefused("Enter your password.")
        refusal: SignInRefused | None = None
        with self.db.unit_of_work() as session:
            staff = session.scalar(select(Staff).where(Staff.username == user))
            now = self.clock.now()
            if staff is None:
                self.hashing.verify(self._decoy_hash, password)
                record_audit(session, self.clock, None, "signin.failed", "staff", "", "unknown user name",
                             username=user)
                refusal = SignInRefused(WRONG)
            elif staff.locked_until is not None and as_utc(staff.locked_until) > now:
                seconds = math.ceil((as_utc(staff.locked_until) - now).total_seconds())
                record_audit(session, self.clock, None, "signin.refused", "staff", staff.id,
                             "waiting after wrong passwords", username=user)
                refusal = SignInRefused(
                    f"Too many wrong passwords for this account. Wait {_wait_text(seconds)}, "
                    "or ask an administrator to reset the password.",
                    wait_seconds=seconds,
                )
            elif not self.hashing.verify(staff.password_hash, password):
                staff.failed_sign_ins += 1
                wait = wait_after(staff.failed_sign_ins)
                staff.locked_until = now + timedelta(seconds=wait) if wait else None
                record_audit(session, self.clock, None, "signin.failed", "staff", staff.id,
                             f"wrong password ({staff.failed_sign_ins} in a row)", username=user)
                if wait:
                    refusal = SignInRefused(
                        f"{WRONG} After {staff.failed_sign_ins} wrong tries this account must wait "
                        f"{_wait_text(wait)} before the next try.",
                        wait_seconds=wait,
                    )
                else:
                    left = FREE_TRIES - staff.failed_sign_ins
                    refusal = SignInRefused(f"{WRONG} {left} more tries before this account has to wait.")
            elif not staff.active:
                record_audit(session, self.clock, None, "signin.refused", "staff", staff.id, "account disabled",
                             username=user)
                refusal = SignInRefused("This account has been disabled. Ask an administrator.")
            else:
                staff.failed_sign_ins = 0
                staff.locked_until = None
                staff.last_sign_in_at = now
                if self.hashing.needs_rehash(staff.password_hash):
                    staff.password_hash = self.hashing.hash(password)
                site = session.get(Site, staff.site_id)
                actor = Actor(staff.id, staff.username, staff.display_name, Role(staff.role), staff.site_id,
                              site.name if site else "")
                record_audit(session, self.clock, actor, "signin.succeeded", "staff", staff.id)
                must_change = staff.must_change_password
        if refusal is not None:
            raise refusal
        return SignedIn(actor, must_change)

    def change_own_password(self, actor: Actor, current: str, new: str) -> None:
        """Refuses a wrong current password, a new one that breaks the rules, or the same one."""
        if actor.staff_id is None:
            raise ValidationError("Only a signed-in staff member can change their password.")
        check_password_rules(new, actor.username)
        with self.db.unit_of_work() as session:
            staff = session.get(Staff, actor.staff_id)
            if staff is None or not self.hashing.verify(staff.password_hash, current):
                raise ValidationError("The current password is not right.", field="current_password")
            if self.hashing.verify(staff.password_hash, new):
                raise ValidationError("Choose a password different from the current one.", field="password")
            staff.password_hash = self.hashing.hash(new)
            staff.must_change_password = False
            staff.updated_at, staff.updated_by = self.clock.now(), actor.username
            record_audit(session, self.clock, actor, "staff.password_changed", "staff", staff.id)

    def record_desk_event(self, actor: Actor, action: str) -> None:
        """Lock, unlock and sign-out of a desk, for the audit trail."""
        with self.db.unit_of_work() as session:
            record_audit(session, self.clock, actor, action, "staff", actor.staff_id or "")

