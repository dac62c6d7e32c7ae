"""The audit log: every change to personal data, every sign-in, every view of a restricted record."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from .clock import Clock
from .db import Database
from .models import AuditEvent
from .security import Actor, Permission, require


def record_audit(
    session: Session,
    clock: Clock,
    actor: Actor | None,
    action: str,
    record_type: str,
    record_id: object,
    summary: str = "",
    *,
    username: str | None = None,
) -> None:
    """Add an audit event to the caller's unit of work, so it commits (or not) with the change."""
    session.add(
        AuditEvent(
            occurred_at=clock.now(),
            staff_id=actor.staff_id if actor else None,
            actor=(actor.username if actor else username or "")[:120],
            role=actor.role.value if actor else "",
            site_id=actor.site_id if actor else None,
            action=action,
            record_type=record_type,
            record_id=str(record_id)[:60],
            summary=summary,
        )
    )


class AuditLogIsAppendOnly(RuntimeError):
    """Something in the application tried to change or delete an audit event: a bug."""


# UPDATE audit_event, DELETE FROM audit_event (quoted or not), as any statement reaches the driver.
_CHANGES_AUDIT = re.compile(r'^\s*(?:UPDATE|DELETE\s+FROM)\s+(?:"?\w+"?\.)?"?audit_event"?(?:\s|$)', re.IGNORECASE)


@event.listens_for(Engine, "before_cursor_execute", retval=False)
def _refuse_changing_the_audit_log(connection, cursor, statement, parameters, context, executemany):
    """The audit log is only ever added to. Every statement the application sends reaches the
    driver through here — unit-of-work flushes, bulk statements and hand-written SQL alike — so no
    service, however written, can edit or remove who did what."""
    if _CHANGES_AUDIT.match(statement):
        raise AuditLogIsAppendOnly("The audit log is never changed or deleted by the application.")


@dataclass(frozen=True)
class AuditEntry:
    id: int
    occurred_at: datetime
    actor: str
    role: str
    site_id: int | None
    action: str
    record_type: str
    record_id: str
    summary: str


@dataclass(frozen=True)
class AuditFilter:
    since: datetime | None = None
    until: datetime | None = None
    actor: str = ""
    action: str = ""
    record_type: str = ""
    record_id: str = ""


@dataclass(frozen=True)
class AuditPage:
    entries: tuple[AuditEntry, ...]
    total: int


class AuditService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def browse(self, actor: Actor, filters: AuditFilter, limit: int = 200, offset: int = 0) -> AuditPage:
        """Newest first. Refuses anyone without the view-audit permission."""
        require(actor, Permission.VIEW_AUDIT)
        query = select(AuditEvent)
        if filters.since:
            query = query.where(AuditEvent.occurred_at >= filters.since)
        if filters.until:
            query = query.where(AuditEvent.occurred_at < filters.until)
        if filters.actor.strip():
            query = query.where(func.lower(AuditEvent.actor).contains(filters.actor.strip().lower(), autoescape=True))
        if filters.action.strip():
            query = query.where(AuditEvent.action.startswith(filters.action.strip(), autoescape=True))
        if filters.record_type.strip():
            query = query.where(AuditEvent.record_type == filters.record_type.strip())
        if filters.record_id.strip():
            query = query.where(AuditEvent.record_id == filters.record_id.strip())
        with self.db.unit_of_work() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = session.scalars(
                query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()).limit(limit).offset(offset)
            ).all()
            entries = tuple(
                AuditEntry(
                    r.id, r.occurred_at, r.actor, r.role, r.site_id, r.action, r.record_type, r.record_id, r.summary
                )
                for r in rows
            )
        return AuditPage(entries, total)

    def actions(self, actor: Actor) -> list[str]:
        """The distinct actions seen so far, for the filter box."""
        require(actor, Permission.VIEW_AUDIT)
        with self.db.unit_of_work() as session:
            return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))
