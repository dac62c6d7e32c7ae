"""Shared helpers for casework tests: staff in each role, a resident, and a case of a seeded type."""

from __future__ import annotations

from assisted_desk.casework.records import CaseInput
from assisted_desk.core.security import Actor, Role
from assisted_desk.desk.interactions import ContactInput
from assisted_desk.desk.references import find_reference
from assisted_desk.desk.resident_input import ResidentInput
from tests.conftest import make_actor


def register(services, actor: Actor, given: str = "Łukasz", family: str = "Żółć", **kwargs) -> int:
    return services.residents.register(actor, ResidentInput(given_name=given, family_name=family, **kwargs),
                                       confirm_not_duplicate=True).id


def type_id(services, actor: Actor, code: str = "housing") -> int:
    return next(t.id for t in services.case_types.list(actor) if t.code == code)


def open_case(svc, actor: Actor, resident_id: int, *, code: str = "housing",
              summary: str = "Damp in the flat; repairs not booked", **kwargs):
    """Open a case and return its glimpse."""
    return svc.cases.open_case(actor, CaseInput(resident_id=resident_id, case_type_id=type_id(svc, actor, code),
                                                summary=summary, **kwargs))


class Team:
    """A desk worker, two advocates, a manager and a coordinator alongside the admin."""

    def __init__(self, services, admin: Actor) -> None:
        self.admin = admin
        self.desk = make_actor(services, admin, "deskstaff", Role.DESK)
        self.advocate = make_actor(services, admin, "advocate", Role.ADVOCATE)
        self.other_advocate = make_actor(services, admin, "advocate2", Role.ADVOCATE)
        self.manager = make_actor(services, admin, "manager", Role.MANAGER)
        self.coordinator = make_actor(services, admin, "coordinator", Role.COORDINATOR)


def log_contact(svc, actor: Actor, resident_id: int, *, outcome: str = "escalated", notes: str = "Needs an advocate") -> int:
    """Log a desk contact and return its id."""
    reference = svc.interactions.log_interaction(actor, ContactInput(
        resident_id=resident_id, channel="face_to_face", service_code="council_tax", help_type="information",
        outcome=outcome, notes=notes))
    with svc.db.unit_of_work() as session:
        return find_reference(session, reference).record_id
