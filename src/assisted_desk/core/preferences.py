"""Each person's remembered choices (a report's filters, say), kept in the database so they follow
the person from desk to desk. Only the person themselves reads or writes their own."""

from __future__ import annotations

import json

from .clock import Clock
from .db import Database
from .errors import ValidationError
from .models import StaffPreference
from .security import Actor

MAX_VALUE_CHARS = 20_000


class PreferenceService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def read(self, actor: Actor, key: str) -> object | None:
        """The value this person stored under `key`, or None (never stored, signed in from the
        command line, or unreadable: a preference is a convenience, never a reason to fail)."""
        if actor.staff_id is None:
            return None
        with self.db.unit_of_work() as session:
            row = session.get(StaffPreference, (actor.staff_id, key))
            if row is None:
                return None
            try:
                return json.loads(row.value)
            except ValueError:
                return None

    def write(self, actor: Actor, key: str, value: object) -> None:
        """Store `value` (anything JSON can hold) for this person. Not audited: it is their own
        choice of view, not personal data about anyone."""
        if actor.staff_id is None:
            return
        if not key or len(key) > 60:
            raise ValidationError("A preference needs a name of 1 to 60 characters.", field="key")
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
        if len(text) > MAX_VALUE_CHARS:
            raise ValidationError("That choice is too large to remember.", field=key)
        with self.db.unit_of_work() as session:
            row = session.get(StaffPreference, (actor.staff_id, key))
            if row is None:
                session.add(StaffPreference(staff_id=actor.staff_id, key=key, value=text, updated_at=self.clock.now()))
            else:
                row.value, row.updated_at = text, self.clock.now()
