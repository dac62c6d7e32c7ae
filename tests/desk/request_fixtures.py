"""Residents ready for a back-office request, and requests as the desk makes them (for the
service tests; the delivery tests have their own in submission_fixtures.py)."""

from __future__ import annotations

from assisted_desk.desk.consent import ConsentInput
from assisted_desk.desk.submissions import RequestInput
from assisted_desk.desk.vocab import ConsentPurpose, HelpType

from .contact_fixtures import contact, register


def ready_resident(services, actor, *services_consented: str, given: str = "Łukasz", family: str = "Żółć",
                   **more) -> int:
    """A resident with an address and phone, who consented to the desk acting for them."""
    details = dict(address_line1="12 Ashfield Road", town="London", phone="020 7946 0018")
    details.update(more)
    resident_id = register(services, actor, given, family, **details)
    for service in services_consented or ("waste_recycling",):
        services.consent.record_consent(actor, resident_id, ConsentInput(ConsentPurpose.ACT_ON_BEHALF, service,
                                                                         "verbal"))
    return resident_id


def missed_bin(**fields) -> RequestInput:
    values = {"bin_type": "recycling", "collection_date": "20/11/2026", "bin_left_at": "kerbside",
              "notes": "Bin left at the kerb since Friday"}
    values.update(fields)
    return RequestInput("missed_bin", values)


def on_behalf(resident_id: int | None, service: str = "waste_recycling", **more):
    return contact(resident_id, service, help_type=HelpType.ON_BEHALF, **more)


def submit_missed_bin(services, actor, resident_id: int, **fields):
    return services.submissions.submit(actor, on_behalf(resident_id), missed_bin(**fields))
