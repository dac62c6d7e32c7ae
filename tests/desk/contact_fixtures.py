"""Small helpers shared by the consent, contact, catalogue and timeline tests."""

from __future__ import annotations

from sqlalchemy import select

from assisted_desk.core.models import AuditEvent
from assisted_desk.desk.interactions import ContactInput
from assisted_desk.desk.residents import ResidentInput
from assisted_desk.desk.vocab import Channel, HelpType, Outcome

NAMES = [("Łukasz", "Żółć"), ("Ștefan", "Popescu"), ("محمد", "الحسن"), ("પ્રિયા", "પટેલ")]


def register(services, actor, given: str = "Łukasz", family: str = "Żółć", born: str = "14/03/1985",
             postcode: str = "E1 6AN", **more) -> int:
    """A resident registered through the residents service, as the desk does it."""
    record = services.residents.register(
        actor, ResidentInput(given_name=given, family_name=family, date_of_birth=born, postcode=postcode, **more),
        confirm_not_duplicate=True)
    return record.id


def contact(resident_id: int | None, service: str = "council_tax", **more) -> ContactInput:
    values = dict(channel=Channel.FACE_TO_FACE, service_code=service, help_type=HelpType.ASSISTED_SELF_SERVICE,
                  outcome=Outcome.RESOLVED)
    values.update(more)
    return ContactInput(resident_id=resident_id, **values)


def audit_actions(services, record_type: str | None = None) -> list[tuple[str, str, str]]:
    """(action, record id, summary) of every audit event, oldest first."""
    with services.db.unit_of_work() as session:
        query = select(AuditEvent).order_by(AuditEvent.id)
        if record_type:
            query = query.where(AuditEvent.record_type == record_type)
        return [(e.action, e.record_id, e.summary) for e in session.scalars(query)]
