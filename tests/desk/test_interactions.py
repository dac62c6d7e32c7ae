"""Logging contacts: known and anonymous residents, references, the on-behalf check, drafts."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from assisted_desk.core.errors import NotFound, PermissionDenied, ValidationError
from assisted_desk.core.security import PERMISSIONS, Actor, Permission, Role
from assisted_desk.desk.consent import AuthorityMissing, ConsentInput, RepresentativeInput
from assisted_desk.desk.models import Interaction, InteractionDraft, QueueTicket, RecordReference
from assisted_desk.desk.references import find_reference, parse_reference
from assisted_desk.desk.vocab import (
    AvoidableReason,
    Channel,
    ConsentPurpose,
    HelpType,
    Outcome,
    RepresentativeKind,
    Satisfaction,
)

from ..conftest import make_actor
from .contact_fixtures import NAMES, audit_actions, contact, register

ON_BEHALF = HelpType.ON_BEHALF


@pytest.fixture
def lukasz(services, admin) -> int:
    return register(services, admin)


def test_a_contact_is_logged_with_a_reference_the_resident_can_quote(services, admin, lukasz, clock):
    before = services.residents.get(admin, lukasz)
    reference = services.interactions.log_interaction(admin, contact(
        lukasz, "benefits", channel=Channel.PHONE, outcome=Outcome.FOLLOW_UP, avoidable=AvoidableReason.CHASING,
        minutes=12, satisfaction=Satisfaction.AVERAGE, satisfaction_reason="Long wait on the phone",
        notes="Asked about\r\nUniversal Credit"))
    assert parse_reference(reference) == reference and reference.startswith("AD-") and len(reference) == 10
    with services.db.unit_of_work() as session:
        row = session.scalar(select(Interaction))
        assert row.reference == reference and row.version == 1
        registered = find_reference(session, reference.lower().replace("-", " "))
        assert (registered.record_type, registered.record_id, registered.resident_id) == (
            "interaction", row.id, lukasz)
        interaction_id = row.id
    logged = services.interactions.get(admin, interaction_id)
    assert (logged.reference, logged.resident_name, logged.site_name, logged.staff_name) == (
        reference, "Łukasz Żółć", "Central Library", "Amara Okafor")
    assert (logged.channel, logged.service_name, logged.help_type, logged.outcome) == (
        Channel.PHONE, "Benefits", HelpType.ASSISTED_SELF_SERVICE, Outcome.FOLLOW_UP)
    assert (logged.avoidable, logged.minutes, logged.satisfaction) == (AvoidableReason.CHASING, 12,
                                                                       Satisfaction.AVERAGE)
    assert logged.notes == "Asked about\nUniversal Credit" and logged.occurred_at == clock.now()
    after = services.residents.get(admin, lukasz)
    assert after.last_contact_at == clock.now()
    assert after.version == before.version  # a contact is not an edit of the resident's record
    assert ("interaction.logged", str(interaction_id),
            f"{reference} resident {lukasz}: benefits, assisted, follow_up") in audit_actions(services)


def test_every_contact_gets_its_own_reference(services, admin, lukasz):
    references = {services.interactions.log_interaction(admin, contact(lukasz)) for _ in range(20)}
    assert len(references) == 20
    with services.db.unit_of_work() as session:
        assert len(session.scalars(select(RecordReference)).all()) == 20


def test_last_contact_never_moves_backwards(services, admin, lukasz, clock):
    services.interactions.log_interaction(admin, contact(lukasz))
    latest = clock.now()
    clock.advance(hours=-2)  # a desk whose clock runs behind
    services.interactions.log_interaction(admin, contact(lukasz))
    assert services.residents.get(admin, lukasz).last_contact_at == latest


def test_an_anonymous_contact_is_counted_without_a_resident(services, admin):
    reference = services.interactions.log_interaction(admin, contact(None, "digital_help", minutes=30))
    with services.db.unit_of_work() as session:
        row = session.scalar(select(Interaction))
        assert row.resident_id is None and row.reference == reference and row.minutes == 30
        assert session.get(RecordReference, reference).resident_id is None
    assert ("interaction.logged", str(row.id), f"{reference} anonymous: digital_help, assisted, resolved") in \
        audit_actions(services)


def test_an_anonymous_contact_cannot_be_on_behalf_or_with_a_representative(services, admin, lukasz):
    with pytest.raises(ValidationError) as refused:
        services.interactions.log_interaction(admin, contact(None, help_type=ON_BEHALF))
    assert refused.value.field == "help_type" and "anonymous contact cannot be help done" in refused.value.message
    rep = services.consent.add_representative(admin, lukasz, RepresentativeInput("Anna", "carer", scope=("*",)))
    with pytest.raises(ValidationError, match="find the resident first"):
        services.interactions.log_interaction(admin, contact(None, representative_id=rep.id))
    assert _count(services) == 0


def test_on_behalf_without_consent_is_refused_with_the_reason(services, admin, lukasz):
    services.interactions.save_draft(admin, {"notes": "kept"})
    with pytest.raises(AuthorityMissing) as refused:
        services.interactions.log_interaction(admin, contact(lukasz, "parking", help_type=ON_BEHALF))
    assert refused.value.message == "No current consent to act for Łukasz Żółć with Parking: record consent first."
    assert refused.value.service_code == "parking"
    assert _count(services) == 0
    assert services.residents.get(admin, lukasz).last_contact_at is None
    assert services.interactions.load_draft(admin).payload == {"notes": "kept"}  # nothing lost


def test_on_behalf_with_consent_is_logged_and_stops_once_withdrawn(services, admin, lukasz, clock):
    given = services.consent.record_consent(admin, lukasz, ConsentInput(ConsentPurpose.ACT_ON_BEHALF, "parking",
                                                                        "verbal"))
    assert services.interactions.log_interaction(admin, contact(lukasz, "parking", help_type=ON_BEHALF))
    clock.advance(minutes=5)
    services.consent.withdraw_consent(admin, given.id)
    with pytest.raises(AuthorityMissing, match="was withdrawn on 23 November 2026"):
        services.interactions.log_interaction(admin, contact(lukasz, "parking", help_type=ON_BEHALF))
    # Other kinds of help need no consent.
    assert services.interactions.log_interaction(admin, contact(lukasz, "parking", help_type=HelpType.INFORMATION))
    assert _count(services) == 2


def test_on_behalf_through_a_representative_with_authority(services, admin, lukasz, clock):
    rep = services.consent.add_representative(
        admin, lukasz, RepresentativeInput("Ștefan Popescu", RepresentativeKind.CARER, scope=("housing",),
                                           valid_until=date(2026, 11, 23)))
    reference = services.interactions.log_interaction(
        admin, contact(lukasz, "housing", help_type=ON_BEHALF, representative_id=rep.id))
    item = next(i for i in services.timeline.for_resident(admin, lukasz) if i.kind == "interaction")
    assert item.reference == reference and "with Ștefan Popescu" in item.detail
    with pytest.raises(AuthorityMissing, match="may act only for Housing, not Parking"):
        services.interactions.log_interaction(
            admin, contact(lukasz, "parking", help_type=ON_BEHALF, representative_id=rep.id))
    clock.advance(days=1)
    with pytest.raises(AuthorityMissing, match="authority ran out at the end of 23 November 2026"):
        services.interactions.log_interaction(
            admin, contact(lukasz, "housing", help_type=ON_BEHALF, representative_id=rep.id))


def test_a_representative_or_ticket_of_someone_else_is_refused(services, admin, lukasz, clock):
    other = register(services, admin, "محمد", "الحسن", "05/05/1975")
    rep = services.consent.add_representative(admin, other, RepresentativeInput("Priya", "family"))
    with pytest.raises(ValidationError, match="not recorded for Łukasz Żółć") as refused:
        services.interactions.log_interaction(admin, contact(lukasz, representative_id=rep.id))
    assert refused.value.field == "representative"
    services.consent.end_representative(admin, rep.id)
    with pytest.raises(ValidationError, match="Priya no longer represents محمد الحسن"):
        services.interactions.log_interaction(admin, contact(other, representative_id=rep.id))
    with services.db.unit_of_work() as session:
        ticket = QueueTicket(site_id=admin.site_id, day=date(2026, 11, 23), number=7, resident_id=other,
                             status="serving", arrived_at=clock.now(), updated_at=clock.now(), updated_by="admin")
        session.add(ticket)
        session.flush()
        ticket_id = ticket.id
    with pytest.raises(ValidationError, match="Walk-in ticket 7 is for another resident"):
        services.interactions.log_interaction(admin, contact(lukasz, queue_ticket_id=ticket_id))
    with pytest.raises(ValidationError, match="ticket does not exist"):
        services.interactions.log_interaction(admin, contact(lukasz, queue_ticket_id=ticket_id + 99))
    assert services.interactions.log_interaction(admin, contact(other, queue_ticket_id=ticket_id))


@pytest.mark.parametrize("change, field, says", [
    (dict(channel="pigeon"), "channel", "Channel 'pigeon' is not one of: Face to face, Phone, Email, Webchat, Post"),
    (dict(service_code="dragons"), "service", "Service 'dragons' is not in the catalogue"),
    (dict(help_type="magic"), "help_type", "Type of help 'magic' is not one of"),
    (dict(outcome="shrug"), "outcome", "Outcome 'shrug' is not one of"),
    (dict(avoidable="bored"), "avoidable", "Avoidable contact 'bored' is not one of"),
    (dict(minutes=601), "minutes", "whole number from 0 to 600"),
    (dict(minutes=-1), "minutes", "whole number from 0 to 600"),
    (dict(minutes=2.5), "minutes", "whole number from 0 to 600"),
    (dict(minutes=True), "minutes", "whole number from 0 to 600"),
    (dict(satisfaction="ecstatic"), "satisfaction", "Satisfaction 'ecstatic' is not one of: Good, Average, Poor"),
    (dict(satisfaction_reason="Friendly"), "satisfaction", "A reason goes with a satisfaction rating"),
    (dict(notes="x" * 20_001), "notes", "Notes is 20001 characters long; at most 20000"),
    (dict(notes="beep\x07"), "notes", "control characters"),
])
def test_bad_contacts_are_refused_naming_the_field(services, admin, lukasz, change, field, says):
    with pytest.raises(ValidationError) as refused:
        services.interactions.log_interaction(admin, contact(lukasz, **change))
    assert refused.value.field == field and says in refused.value.message
    assert _count(services) == 0


def test_labels_and_numbers_as_typed_are_accepted(services, admin, lukasz):
    reference = services.interactions.log_interaction(admin, contact(
        lukasz, channel="Face to face", help_type="Information or signposting", outcome="referred on",
        avoidable="Repeat of a failed online attempt", minutes="45", satisfaction="good", notes="x" * 20_000))
    with services.db.unit_of_work() as session:
        row = session.scalar(select(Interaction).where(Interaction.reference == reference))
        assert (row.channel, row.help_type, row.outcome, row.avoidable, row.minutes, row.satisfaction) == (
            "face_to_face", "information", "referred", "failed_online", 45, "good")


def test_unknown_and_merged_residents_are_refused(services, admin, lukasz):
    with pytest.raises(NotFound):
        services.interactions.log_interaction(admin, contact(123_456))
    with pytest.raises(NotFound):
        services.interactions.get(admin, 123_456)
    twin = register(services, admin, "Lukasz", "Zolc")
    survivor, merged = services.residents.get(admin, lukasz), services.residents.get(admin, twin)
    services.residents.merge(admin, lukasz, twin, expected_survivor_version=survivor.version,
                             expected_merged_version=merged.version)
    with pytest.raises(NotFound, match="Lukasz Zolc's record was merged into another one; open that record"):
        services.interactions.log_interaction(admin, contact(twin))
    assert services.interactions.log_interaction(admin, contact(lukasz))


def test_a_contact_needs_a_site_and_the_log_contacts_permission(services, admin, lukasz, monkeypatch):
    with pytest.raises(ValidationError, match="logged at a site"):
        services.interactions.log_interaction(Actor.command_line(), contact(lukasz))
    desk = make_actor(services, admin, "desk1", Role.DESK)
    assert services.interactions.log_interaction(desk, contact(lukasz))
    monkeypatch.setitem(PERMISSIONS, Role.DESK, PERMISSIONS[Role.DESK] - {Permission.LOG_CONTACTS})
    for attempt in (lambda: services.interactions.log_interaction(desk, contact(lukasz)),
                    lambda: services.interactions.save_draft(desk, {}),
                    lambda: services.interactions.load_draft(desk)):
        with pytest.raises(PermissionDenied, match="may not log contacts"):
            attempt()


@pytest.mark.parametrize("given, family", NAMES)
def test_notes_in_any_script_round_trip(services, admin, given, family):
    resident = register(services, admin, given, family, "02/02/1990")
    notes = f"{given} {family} asked about Council Tax — ✓ done\n第二行"
    services.interactions.log_interaction(admin, contact(resident, notes=notes,
                                                         satisfaction="poor", satisfaction_reason=family))
    with services.db.unit_of_work() as session:
        logged = services.interactions.get(admin, session.scalar(select(Interaction.id)))
    assert (logged.notes, logged.satisfaction_reason, logged.resident_name) == (notes, family, f"{given} {family}")


# ---- drafts --------------------------------------------------------------------------------------


def test_a_draft_round_trips_in_any_script_and_belongs_to_one_person(services, admin, lukasz, clock):
    desk = make_actor(services, admin, "desk1", Role.DESK)
    assert services.interactions.load_draft(admin) is None
    payload = {"resident_id": lukasz, "service_code": "council_tax", "minutes": 5,
               "notes": "Łukasz Żółć — Ștefan — محمد — પ્રિયા\nline two", "satisfaction": None}
    saved = services.interactions.save_draft(admin, payload)
    assert saved.payload == payload and saved.updated_at == clock.now()
    clock.advance(seconds=30)
    payload["notes"] += " more"
    services.interactions.save_draft(admin, payload)
    loaded = services.interactions.load_draft(admin)
    assert loaded.payload == payload and loaded.updated_at == clock.now()
    assert services.interactions.load_draft(desk) is None
    services.interactions.save_draft(desk, {"notes": "mine"})
    services.interactions.discard_draft(admin)
    assert services.interactions.load_draft(admin) is None
    assert services.interactions.load_draft(desk).payload == {"notes": "mine"}


def test_logging_a_contact_discards_the_draft(services, admin, lukasz):
    services.interactions.save_draft(admin, {"notes": "typing"})
    services.interactions.log_interaction(admin, contact(lukasz))
    assert services.interactions.load_draft(admin) is None


def test_bad_drafts_are_refused_and_a_damaged_one_is_dropped(services, admin):
    with pytest.raises(ValidationError, match="form's fields by name"):
        services.interactions.save_draft(admin, ["not", "a", "dict"])
    with pytest.raises(ValidationError, match="cannot be kept as text"):
        services.interactions.save_draft(admin, {"when": datetime(2026, 1, 1)})
    with pytest.raises(ValidationError, match="at most 100000 are kept"):
        services.interactions.save_draft(admin, {"notes": "x" * 100_001})
    with pytest.raises(ValidationError, match="signed-in staff member"):
        services.interactions.save_draft(Actor.command_line(), {})
    assert services.interactions.load_draft(Actor.command_line()) is None
    with services.db.unit_of_work() as session:
        session.add(InteractionDraft(staff_id=admin.staff_id, payload="{broken", updated_at=services.clock.now()))
    assert services.interactions.load_draft(admin) is None
    with services.db.unit_of_work() as session:
        assert session.get(InteractionDraft, admin.staff_id) is None


def test_drafts_are_not_audited_but_the_logged_contact_is(services, admin, lukasz):
    before = len(audit_actions(services))
    services.interactions.save_draft(admin, {"notes": "x"})
    services.interactions.discard_draft(admin)
    assert len(audit_actions(services)) == before


def _count(services) -> int:
    with services.db.unit_of_work() as session:
        return len(session.scalars(select(Interaction.id)).all())


def test_times_are_stored_in_utc(services, admin, lukasz, clock):
    clock.advance(days=200)  # summer time in London
    services.interactions.log_interaction(admin, contact(lukasz))
    with services.db.unit_of_work() as session:
        row = session.scalar(select(Interaction))
        assert row.occurred_at == clock.now() and row.occurred_at.utcoffset() == timedelta(0)
