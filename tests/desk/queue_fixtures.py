"""Helpers shared by the queue and callback tests (service and UI)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import event, select

from assisted_desk.core.clock import FixedClock
from assisted_desk.core.models import AuditEvent, Site
from assisted_desk.core.security import Actor, Role
from assisted_desk.desk.residents import ResidentInput

from ..conftest import PASSWORD


def register(services, actor, given: str = "Łukasz", family: str = "Żółć", phone: str = "", **more) -> int:
    """A resident registered through the residents service, as the desk does it."""
    record = services.residents.register(
        actor, ResidentInput(given_name=given, family_name=family, phone=phone, **more), confirm_not_duplicate=True)
    return record.id


def move_clock(clock: FixedClock, when: datetime) -> None:
    clock.advance(seconds=(when - clock.now()).total_seconds())


def set_target_wait(services, site_id: int, minutes: int) -> None:
    with services.db.unit_of_work() as session:
        session.get(Site, site_id).target_wait_minutes = minutes


def second_site(services, admin, username: str = "rivera", role: Role = Role.DESK) -> Actor:
    """A staff member at another site, Riverside Hub."""
    site = next((s for s in services.staff.list_sites() if s.name == "Riverside Hub"), None) \
        or services.staff.add_site(admin, "Riverside Hub", "hub")
    record = services.staff.add_staff(admin, username, username.title(), role, site.id, PASSWORD,
                                      must_change_password=False)
    return Actor(record.id, record.username, record.display_name, role, record.site_id, record.site_name)


def audit_events(services, record_type: str) -> list[tuple[str, str, str]]:
    """(action, record id, summary) of every audit event about one kind of record, oldest first."""
    with services.db.unit_of_work() as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.record_type == record_type)
                               .order_by(AuditEvent.id))
        return [(e.action, e.record_id, e.summary) for e in rows]


@contextmanager
def just_before(engine, statement_start: str, action):
    """Run `action` (another desk's work) once, just before this engine next sends a statement
    starting with `statement_start`: a race, made to happen every time."""
    fired: list[bool] = []

    def listener(conn, cursor, statement, parameters, context, executemany) -> None:
        if not fired and statement.lstrip().upper().startswith(statement_start.upper()):
            fired.append(True)
            action()

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield fired
    finally:
        event.remove(engine, "before_cursor_execute", listener)
