"""A resident with something in every section a subject access pack has, and another resident
whose data must never appear in it. Built through the services (so the audit is real), once per
test module where it can be."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from assisted_desk.casework.vocab import ActivityKind
from assisted_desk.core.security import Actor, Role
from assisted_desk.desk.attachments import AttachmentInput
from assisted_desk.desk.consent import ConsentInput
from assisted_desk.desk.equality import EqualityAnswers
from assisted_desk.desk.references import find_reference
from assisted_desk.desk.representatives import RepresentativeInput
from assisted_desk.desk.vocab import ConsentPurpose
from assisted_desk.inclusion.skills_vocab import Answer, Evidence
from tests.casework.case_fixtures import open_case
from tests.conftest import PASSWORD, make_actor
from tests.desk.attachment_files import pdf, png
from tests.desk.contact_fixtures import contact, register
from tests.desk.submission_fixtures import submit_missed_bin
from tests.inclusion.referral_fixtures import add_partner

SCAN = png(5, 4, (10, 200, 30))
LETTER = pdf("Council tax letter")
THIRD_PARTY_NOTE = "Neighbour Jan Kowalski says he threatened her"
RESTRICTED_WHY = "Risk from her ex-partner Piotr Nowak"
OTHER_NOTE = "Zofia Other's private matter"


@dataclass
class World:
    admin: Actor
    manager: Actor
    desk: Actor
    advocate: Actor
    coordinator: Actor
    resident_id: int  # Łukasz Żółć, with everything
    merged_id: int  # his duplicate record, merged into him
    other_id: int  # محمد الحسن: someone else entirely
    contact_reference: str
    merged_contact_reference: str
    case_reference: str
    submission_reference: str
    referral_reference: str
    attachment_id: int
    cjk_id: int = 0  # Małgorzata 李: a name with a character no shipped font can draw


def build_world(services, admin: Actor) -> World:
    clock = services.clock
    desk = make_actor(services, admin, "deskstaff", Role.DESK)
    advocate = make_actor(services, admin, "advocate", Role.ADVOCATE)
    manager = make_actor(services, admin, "manager", Role.MANAGER)
    coordinator = make_actor(services, admin, "coordinator", Role.COORDINATOR)

    resident_id = register(services, desk, address_line1="12 Mile End Road", town="London", phone="07400 123456",
                           email="lukasz@example.org", accessibility_needs="Large print, please")
    other_id = register(services, desk, "محمد", "الحسن", born="02/02/1970", postcode="E2 7DJ",
                        email="other@example.org")
    services.interactions.log_interaction(desk, contact(other_id, notes=OTHER_NOTE))
    clock.advance(minutes=5)

    rep = services.consent.add_representative(desk, resident_id, RepresentativeInput(
        "પ્રિયા પટેલ", "family", phone="07400 999888", email="priya@example.org", address="1 Other Street"))
    services.consent.record_consent(desk, resident_id, ConsentInput(ConsentPurpose.CONTACT, "email", "verbal",
                                                                   note="Prefers email"))
    services.residents.record_equality(desk, resident_id, EqualityAnswers(first_language="Polish"), None)
    clock.advance(minutes=5)

    reference = services.interactions.log_interaction(desk, contact(resident_id, notes="Asked about council tax"))
    with services.db.unit_of_work() as session:
        interaction_id = find_reference(session, reference).record_id
    attachment = services.attachments.attach_to_interaction(desk, interaction_id, AttachmentInput("scan ż.png", SCAN))
    services.consent.record_consent(desk, resident_id, ConsentInput(ConsentPurpose.ACT_ON_BEHALF, "waste_recycling",
                                                                   "verbal"))
    receipt = submit_missed_bin(services, desk, resident_id, attachments=[AttachmentInput("letter.pdf", LETTER)],
                                notes="Blue bin left out")
    services.print_log.record_print(desk, kind="plan", title="Your digital skills plan", fmt="standard",
                                    language="en", method="pdf", resident_id=resident_id)
    services.callbacks.create(desk, reason="Ring back about the bin", due_by=clock.now() + timedelta(hours=2),
                              resident_id=resident_id)
    services.queue.issue_ticket(desk, resident_id=resident_id, reason="Council tax")
    clock.advance(minutes=5)

    case = open_case(services, advocate, resident_id, summary="Damp in the flat; repairs not booked",
                     representative_id=rep.id)
    services.cases.record_activity(advocate, case.id, ActivityKind.CALL, "Rang Łukasz about the damp")
    services.cases.record_activity(advocate, case.id, ActivityKind.NOTE, THIRD_PARTY_NOTE, internal=True)
    record = services.cases.get_case(advocate, case.id)
    services.cases.set_restricted(advocate, case.id, True, RESTRICTED_WHY, record.version)
    clock.advance(minutes=5)

    assessment = services.skills.start(coordinator, resident_id, "quick")
    services.skills.record_answer(coordinator, assessment.id, assessment.statements[0].code, Answer.WITH_HELP,
                                  Evidence.SAID)
    services.skills.save_barriers(coordinator, assessment.id, {"confidence": "Worried about scams"})
    service_id = add_partner(services, "Good Things Foundation", service_name="Learn My Way")
    services.consent.record_consent(coordinator, resident_id, ConsentInput(
        ConsentPurpose.SHARE_WITH_PARTNER, "Good Things Foundation", "verbal"))
    referral = services.referrals.draft(coordinator, resident_id, service_id, need_text="Help with online forms")
    clock.advance(minutes=5)

    merged_id = register(services, desk, "Lukasz", "Zolc", born="14/03/1985", postcode="E1 6AN",
                         library_card="LIB123")
    merged_reference = services.interactions.log_interaction(desk, contact(merged_id, notes="Logged on the duplicate"))
    survivor = services.residents.get(admin, resident_id)
    duplicate = services.residents.get(admin, merged_id)
    services.residents.merge(advocate, resident_id, merged_id, expected_survivor_version=survivor.version,
                             expected_merged_version=duplicate.version)
    clock.advance(minutes=5)
    return World(admin, manager, desk, advocate, coordinator, resident_id, merged_id, other_id, reference,
                 merged_reference, case.reference, receipt.submission_reference, referral.reference, attachment.id)


def add_cjk_resident(services, world: World) -> None:
    """Małgorzata 李 (the 李 is in no shipped font), seen by a colleague whose name is Arabic.
    Kept out of build_world: the erasure tests build that world too and count its rows."""
    desk = world.desk
    world.cjk_id = register(services, desk, "Małgorzata", "李", born="05/05/1990", postcode="E3 4AA")
    record = services.staff.add_staff(world.admin, "layla", "ليلى حداد", Role.DESK, world.admin.site_id, PASSWORD,
                                      must_change_password=False)
    layla = Actor(record.id, record.username, record.display_name, Role.DESK, record.site_id, record.site_name)
    services.interactions.log_interaction(layla, contact(world.cjk_id, notes="Asked about 李's bin"))
