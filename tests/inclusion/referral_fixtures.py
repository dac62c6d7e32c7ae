"""Partners and referrals for the referral tests, made straight with the ORM (the directory
service is another piece of work), plus the consent and resident a referral needs."""

from __future__ import annotations

import json

from sqlalchemy import select

from assisted_desk.core.security import Actor, Role
from assisted_desk.desk.consent import ConsentInput
from assisted_desk.desk.resident_input import ResidentInput
from assisted_desk.desk.vocab import ConsentPurpose
from assisted_desk.inclusion.partner_models import PartnerLocation, PartnerOrganisation, PartnerSchedule, PartnerService
from assisted_desk.inclusion.referral_models import Referral
from assisted_desk.inclusion.referrals import ReferralService
from tests.conftest import make_actor


def add_partner(services, organisation: str, *, service_name: str = "", method: str = "email",
                locations=(), schedules=(), **fields) -> int:
    """A partner organisation (made once per name) with one service; returns the service id."""
    now = services.clock.now()
    stamp = dict(created_at=now, created_by="tests", updated_at=now, updated_by="tests")
    defaults = dict(referral_email="referrals@example.org", referral_phone="020 7946 0000",
                    referral_api_url="http://127.0.0.1:9/api", skill_areas=json.dumps(["transacting"]))
    defaults.update(fields)
    with services.db.unit_of_work() as session:
        org = session.scalar(select(PartnerOrganisation).where(PartnerOrganisation.name == organisation))
        if org is None:
            org = PartnerOrganisation(name=organisation, email="hello@example.org", phone="020 7946 0001", **stamp)
            session.add(org)
            session.flush()
        service = PartnerService(organisation_id=org.id, name=service_name or f"{organisation} digital help",
                                 referral_method=method, **stamp, **defaults)
        session.add(service)
        session.flush()
        for name, address, postcode in locations:
            session.add(PartnerLocation(service_id=service.id, name=name, address=address, postcode=postcode))
        for byday, opens, closes, description in schedules:
            session.add(PartnerSchedule(service_id=service.id, byday=byday, opens_at=opens, closes_at=closes,
                                        description=description))
        return service.id


def change_service(services, service_id: int, **fields) -> None:
    with services.db.unit_of_work() as session:
        service = session.get(PartnerService, service_id)
        for key, value in fields.items():
            setattr(service, key, value)


def change_organisation(services, service_id: int, **fields) -> None:
    with services.db.unit_of_work() as session:
        org = session.get(PartnerOrganisation, session.get(PartnerService, service_id).organisation_id)
        for key, value in fields.items():
            setattr(org, key, value)


def force_status(services, referral_id: int, status: str) -> int:
    """Put a referral in a status directly (to walk the transition table); returns its version."""
    with services.db.unit_of_work() as session:
        row = session.get(Referral, referral_id)
        row.status = status
        session.flush()
        return row.version


def agree_to_share(services, actor: Actor, resident_id: int, organisation: str, **kwargs):
    return services.consent.record_consent(actor, resident_id, ConsentInput(
        ConsentPurpose.SHARE_WITH_PARTNER, organisation, "verbal", **kwargs))


def register(services, actor: Actor, given: str, family: str, **kwargs) -> int:
    return services.residents.register(actor, ResidentInput(given_name=given, family_name=family, **kwargs),
                                       confirm_not_duplicate=True).id


def referral_service(services) -> ReferralService:
    """Built from the services' parts, as services.py will build it."""
    return ReferralService(services.db, services.clock, services.consent, services.settings)


def desk_and_advocate(services, admin) -> tuple[Actor, Actor]:
    return (make_actor(services, admin, "deskstaff", Role.DESK), make_actor(services, admin, "advocate", Role.ADVOCATE))
