"""The contact a staff member is typing, kept as they type (one per staff member), so that a
crash, a power cut or a locked screen loses nothing. Logging the contact discards it.

Drafts are not audited: they are a working copy saved every few seconds, and only the logged
contact (which is audited) becomes part of the resident's record."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from ..core.clock import Clock
from ..core.db import Database
from ..core.errors import ValidationError
from ..core.security import Actor, Permission, require
from .models import InteractionDraft

MAX_DRAFT_CHARACTERS = 100_000


@dataclass(frozen=True)
class DraftRecord:
    payload: dict
    updated_at: datetime


def _staff_id(actor: Actor) -> int:
    if actor.staff_id is None:
        raise ValidationError("Drafts belong to a signed-in staff member; the command line has none.")
    return actor.staff_id


def discard_draft_in(session: Session, actor: Actor) -> None:
    """Remove the actor's draft inside the caller's unit of work (logging a contact does this)."""
    if actor.staff_id is not None:
        session.execute(delete(InteractionDraft).where(InteractionDraft.staff_id == actor.staff_id))


class ContactDrafts:
    """The draft half of InteractionService (services.interactions)."""

    db: Database
    clock: Clock

    def save_draft(self, actor: Actor, payload: dict) -> DraftRecord:
        """Keep the form as typed, replacing the actor's previous draft. Refuses without
        log-contacts, a payload that is not a JSON object, or one over 100,000 characters."""
        require(actor, Permission.LOG_CONTACTS)
        staff_id = _staff_id(actor)
        if not isinstance(payload, dict):
            raise ValidationError("A draft is the form's fields by name.", field="draft")
        try:
            text = json.dumps(payload, ensure_ascii=False, sort_keys=True)
        except (TypeError, ValueError) as exc:
            raise ValidationError(f"The draft holds something that cannot be kept as text ({exc}).",
                                  field="draft") from None
        if len(text) > MAX_DRAFT_CHARACTERS:
            raise ValidationError(f"The draft is {len(text)} characters long; at most {MAX_DRAFT_CHARACTERS} are "
                                  "kept. Shorten the notes.", field="draft")
        now = self.clock.now()
        with self.db.unit_of_work() as session:
            row = session.get(InteractionDraft, staff_id)
            if row is None:
                session.add(InteractionDraft(staff_id=staff_id, payload=text, updated_at=now))
            else:
                row.payload, row.updated_at = text, now
        return DraftRecord(json.loads(text), now)

    def load_draft(self, actor: Actor) -> DraftRecord | None:
        """The actor's unfinished contact, or None. Refuses without log-contacts."""
        require(actor, Permission.LOG_CONTACTS)
        if actor.staff_id is None:
            return None
        with self.db.unit_of_work() as session:
            row = session.get(InteractionDraft, actor.staff_id)
            if row is None:
                return None
            try:
                payload = json.loads(row.payload)
            except ValueError:
                payload = None
            if not isinstance(payload, dict):  # damaged: nothing worth restoring
                session.delete(row)
                return None
            return DraftRecord(payload, row.updated_at)

    def discard_draft(self, actor: Actor) -> None:
        """Forget the actor's draft (cleared form, or a contact not worth logging)."""
        require(actor, Permission.LOG_CONTACTS)
        with self.db.unit_of_work() as session:
            discard_draft_in(session, actor)
