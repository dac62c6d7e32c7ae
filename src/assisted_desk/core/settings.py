"""Settings an administrator sets once for every desk sharing this database."""

from __future__ import annotations

from sqlalchemy.orm import Session

from .audit import record_audit
from .clock import Clock
from .db import Database
from .errors import ValidationError
from .models import AppSetting
from .security import Actor, Permission, require

IDLE_LOCK_MINUTES = "idle_lock_minutes"
DEFAULT_IDLE_LOCK_MINUTES = 5
MAX_IDLE_LOCK_MINUTES = 60


class SettingsService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def idle_lock_minutes(self) -> int:
        """Minutes without input before a desk locks itself (default 5)."""
        with self.db.unit_of_work() as session:
            row = session.get(AppSetting, IDLE_LOCK_MINUTES)
            try:
                return int(row.value) if row else DEFAULT_IDLE_LOCK_MINUTES
            except ValueError:
                return DEFAULT_IDLE_LOCK_MINUTES

    def set_idle_lock_minutes(self, actor: Actor, minutes: int) -> None:
        """Refuses without manage-settings, or a value outside 1 to 60 minutes: a public desk
        must not stay open unattended for long."""
        require(actor, Permission.MANAGE_SETTINGS)
        if not isinstance(minutes, int) or not 1 <= minutes <= MAX_IDLE_LOCK_MINUTES:
            raise ValidationError(
                f"The idle lock must be between 1 and {MAX_IDLE_LOCK_MINUTES} minutes.", field=IDLE_LOCK_MINUTES
            )
        with self.db.unit_of_work() as session:
            old = self._put(session, actor, IDLE_LOCK_MINUTES, str(minutes))
            record_audit(session, self.clock, actor, "setting.changed", "setting", IDLE_LOCK_MINUTES,
                         f"{old or DEFAULT_IDLE_LOCK_MINUTES} -> {minutes} minutes")

    def read(self, key: str) -> str | None:
        """The stored value of a shared setting, or None when it was never set."""
        with self.db.unit_of_work() as session:
            row = session.get(AppSetting, key)
            return row.value if row else None

    def write(self, actor: Actor, key: str, value: str, summary: str) -> None:
        """Store a shared setting the caller has already checked, audited with `summary` (which
        must not contain a secret). Refuses without manage-settings."""
        require(actor, Permission.MANAGE_SETTINGS)
        with self.db.unit_of_work() as session:
            self._put(session, actor, key, value)
            record_audit(session, self.clock, actor, "setting.changed", "setting", key, summary)

    def _put(self, session: Session, actor: Actor, key: str, value: str) -> str | None:
        row = session.get(AppSetting, key)
        now = self.clock.now()
        if row is None:
            session.add(AppSetting(key=key, value=value, updated_at=now, updated_by=actor.username))
            return None
        old = row.value
        row.value, row.updated_at, row.updated_by = value, now, actor.username
        return old
