"""Making, sending and following referrals to their outcome, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from assisted_desk.core.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from assisted_desk.core.models import AuditEvent
from assisted_desk.core.security import Role
from assisted_desk.desk.consent import ConsentInput
from assisted_desk.desk.models import RecordReference
from assisted_desk.desk.references import find_reference
from assisted_desk.desk.vocab import ConsentPurpose
from assisted_desk.inclusion.referral_flow import TransitionRefused
from assisted_desk.inclusion.referral_models import Referral, ReferralEvent
from assisted_desk.inclusion.referral_vocab import (
    ALLOWED,
    NEEDS_REASON,
    DeliveryState,
    ReferralMethod,
    ReferralStatus,
    UpdateSource,
)
from assisted_desk.inclusion.referrals import ConsentToShareMissing
from assisted_desk.inclusion.skills_vocab import AssessmentKind
from tests.conftest import make_actor

from .referral_fixtures import (
    add_partner,
    agree_to_share,
    change_organisation,
    change_service,
    force_status,
    referral_service,
    register,
)

S = ReferralStatus
ORG = "Good Things Foundation"


@pytest.fixture
def referrals(services):
    return referral_service(services)


@pytest.fixture
def desk(services, admin):
    return make_actor(services, admin, "deskstaff", Role.DESK)


@pytest.fixture
def advocate(services, admin):
    return make_actor(services, admin, "advocate", Role.ADVOCATE)


@pytest.fixture
def partner(services):
    return add_partner(services, ORG, service_name="Learn My Way",
                       locations=[("Whitechapel Idea Store", "321 Whitechapel Road\nLondon", "E1 1BU")],
                       schedules=[("MO,WE", "10:00", "12:00", ""), ("", "", "", "First Saturday of the month")])


def made(referrals, coordinator, resident_id, service_id, **kwargs):
    kwargs.setdefault("need_areas", ["transacting"])
    return referrals.draft(coordinator, resident_id, service_id, **kwargs)


def sent(services, referrals, coordinator, resident_id, service_id, organisation=ORG):
    agree_to_share(services, coordinator, resident_id, organisation)
    draft = made(referrals, coordinator, resident_id, service_id)
    return referrals.send(coordinator, draft.id, draft.version).referral


# ---- making a referral ------------------------------------------------------------------------------


def test_a_draft_copies_the_method_and_gets_a_reference_the_desk_can_find(services, referrals, coordinator,
                                                                        resident_id, partner):
    record = referrals.draft(coordinator, resident_id, partner, need_areas=["transacting", "free_device"],
                             need_text="  Wants to pay council tax online\r\nand book GP appointments ")
    assert re.fullmatch(r"RF-[0-9A-Z]{4}-[0-9A-Z]{2}", record.reference)
    assert record.status == S.DRAFT and record.method == ReferralMethod.EMAIL
    assert (record.resident_name, record.service_name, record.organisation_name) == \
        ("Łukasz Kowalski", "Learn My Way", ORG)
    assert record.need_areas == ("transacting", "free_device")
    assert record.need_labels == ("Transacting", "Free device")
    assert record.need_text == "Wants to pay council tax online\nand book GP appointments"
    assert record.allowed_next == (S.SENT, S.WITHDRAWN)
    assert record.created_by == "Coordinator" and record.created_at == services.clock.now()
    assert record.delivery_state == DeliveryState.NOT_BY_API and record.consent_id is None
    [event] = record.events
    assert (event.from_status, event.to_status, event.recorded_by) == (None, S.DRAFT, "Coordinator")
    with services.db.unit_of_work() as session:
        found = find_reference(session, record.reference.lower().replace("-", " "))
        assert (found.record_type, found.record_id, found.resident_id) == ("referral", record.id, resident_id)
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "referral.drafted", AuditEvent.record_id == str(record.id))) == 1


def test_a_draft_may_take_the_need_from_the_residents_own_assessment_only(services, referrals, coordinator,
                                                                          resident_id, partner, admin):
    mine = services.skills.start(coordinator, resident_id, AssessmentKind.QUICK)
    record = made(referrals, coordinator, resident_id, partner, assessment_id=mine.id)
    assert record.assessment_id == mine.id
    other = register(services, admin, "محمد", "الأحمد")
    theirs = services.skills.start(coordinator, other, AssessmentKind.QUICK)
    with pytest.raises(ValidationError, match="not this resident's") as refused:
        made(referrals, coordinator, resident_id, partner, assessment_id=theirs.id)
    assert refused.value.field == "assessment"


def test_a_draft_is_refused_for_a_service_that_cannot_take_it_or_an_empty_need(services, referrals, coordinator,
                                                                               resident_id, partner, admin):
    with pytest.raises(ValidationError, match="Say what the resident needs") as empty:
        referrals.draft(coordinator, resident_id, partner, need_areas=[], need_text="   ")
    assert empty.value.field == "need_areas"
    with pytest.raises(ValidationError, match="'knitting' is not a skill area"):
        referrals.draft(coordinator, resident_id, partner, need_areas=["knitting"])
    with pytest.raises(NotFound):
        made(referrals, coordinator, resident_id, 999_999)
    with pytest.raises(NotFound):
        made(referrals, coordinator, 999_999, partner)

    change_service(services, partner, accepting_referrals=False, capacity_note="Full until January")
    with pytest.raises(ValidationError, match=r"not taking referrals at the moment \(Full until January\)"):
        made(referrals, coordinator, resident_id, partner)
    change_service(services, partner, local_accepting=True)  # we know better: they told us they have room
    assert made(referrals, coordinator, resident_id, partner).status == S.DRAFT
    change_service(services, partner, accepting_referrals=True, local_accepting=False)
    with pytest.raises(ValidationError, match="not taking referrals"):
        made(referrals, coordinator, resident_id, partner)
    change_service(services, partner, local_accepting=None, status="temporarily closed")
    with pytest.raises(ValidationError, match="is temporarily closed, so it cannot take referrals"):
        made(referrals, coordinator, resident_id, partner)
    change_service(services, partner, status="active", gone_at=services.clock.now())
    with pytest.raises(ValidationError, match="no longer in the partner directory"):
        made(referrals, coordinator, resident_id, partner)
    change_service(services, partner, gone_at=None)
    change_organisation(services, partner, gone_at=services.clock.now())
    with pytest.raises(ValidationError, match="no longer in the partner directory"):
        made(referrals, coordinator, resident_id, partner)


# ---- the closed loop: every pair of the table --------------------------------------------------------


def test_every_allowed_step_is_taken_and_stamped_and_every_other_is_refused(services, referrals, coordinator,
                                                                           resident_id, partner, clock):
    other = add_partner(services, "Age UK", service_name="Tech buddies")
    agree_to_share(services, coordinator, resident_id, ORG)
    checked = 0
    for start in S:
        referral = made(referrals, coordinator, resident_id, partner)
        for target in S:
            version = force_status(services, referral.id, start.value)
            clock.advance(minutes=5)
            before = len(referrals.get(coordinator, referral.id).events)
            reason = "They asked to" if target in NEEDS_REASON else ""

            def attempt():
                if target == S.SENT:
                    return referrals.send(coordinator, referral.id, version).referral
                if target == S.REROUTED:
                    referrals.reroute(coordinator, referral.id, other, reason=reason, expected_version=version)
                    return referrals.get(coordinator, referral.id)
                return referrals.record_update(coordinator, referral.id, target, expected_version=version,
                                               reason=reason)

            if target in ALLOWED[start]:
                after = attempt()
                assert after.status == target, (start, target)
                last = after.events[-1]
                assert (last.from_status, last.to_status, last.recorded_by, last.recorded_at, last.happened_at) == \
                    (start, target, "Coordinator", clock.now(), clock.now()), (start, target)
                assert last.reason == reason and after.status_reason == reason
                assert after.last_update_at == clock.now()
                stamp = {S.SENT: after.sent_at, S.ACCEPTED: after.accepted_at, S.DECLINED: after.declined_at,
                         S.ATTENDED_FIRST_SESSION: after.first_session_at}.get(target)
                if stamp is not None:
                    assert stamp == clock.now(), (start, target)
                assert (after.closed_at == clock.now()) == target.is_closed, (start, target)
                assert after.allowed_next == tuple(s for s in S if s in ALLOWED[target])
            else:
                with pytest.raises(ValidationError) as refused:
                    attempt()
                assert refused.value.field == "status", (start, target)
                if not (start == S.SENT == target):
                    assert isinstance(refused.value, TransitionRefused), (start, target)
                after = referrals.get(coordinator, referral.id)
                assert after.status == start and len(after.events) == before, (start, target)
            checked += 1
    assert checked == len(S) ** 2


def test_closed_referrals_say_they_are_closed_and_open_ones_say_what_they_can_become(services, referrals,
                                                                                     coordinator, resident_id,
                                                                                     partner):
    referral = made(referrals, coordinator, resident_id, partner)
    with pytest.raises(TransitionRefused, match="cannot become accepted; it can become: sent, withdrawn"):
        referrals.record_update(coordinator, referral.id, S.ACCEPTED, expected_version=referral.version)
    closed = referrals.withdraw(coordinator, referral.id, reason="Moved away", expected_version=referral.version)
    with pytest.raises(TransitionRefused, match="withdrawn: it is closed and cannot change"):
        referrals.withdraw(coordinator, referral.id, reason="again", expected_version=closed.version)


@pytest.mark.parametrize("target", sorted(NEEDS_REASON - {S.REROUTED}, key=lambda s: s.value))
def test_a_decline_stop_or_withdrawal_needs_a_reason(services, referrals, coordinator, resident_id, partner, target):
    referral = made(referrals, coordinator, resident_id, partner)
    start = next(s for s in S if target in ALLOWED[s])
    version = force_status(services, referral.id, start.value)
    for blank in ("", "   "):
        with pytest.raises(ValidationError, match="Reason is required") as refused:
            referrals.record_update(coordinator, referral.id, target, expected_version=version, reason=blank)
        assert refused.value.field == "reason"
    assert referrals.get(coordinator, referral.id).status == start


def test_a_reroute_needs_a_reason_and_another_service(services, referrals, coordinator, resident_id, partner):
    other = add_partner(services, "Age UK")
    referral = sent(services, referrals, coordinator, resident_id, partner)
    with pytest.raises(ValidationError, match="Reason is required"):
        referrals.reroute(coordinator, referral.id, other, reason=" ", expected_version=referral.version)
    with pytest.raises(ValidationError, match="Choose a different service"):
        referrals.reroute(coordinator, referral.id, partner, reason="Full", expected_version=referral.version)
    assert [r.status for r in referrals.for_resident(coordinator, resident_id)] == [S.SENT]  # nothing half-made


def test_record_update_checks_the_source_the_date_and_the_version(services, referrals, coordinator, resident_id,
                                                                  partner, clock):
    referral = sent(services, referrals, coordinator, resident_id, partner)
    with pytest.raises(ValidationError, match="Use Send") as refused:
        referrals.record_update(coordinator, referral.id, S.SENT, expected_version=referral.version)
    assert refused.value.field == "status"
    with pytest.raises(ValidationError, match="Use Re-route"):
        referrals.record_update(coordinator, referral.id, S.REROUTED, expected_version=referral.version, reason="x")
    with pytest.raises(ValidationError, match="own import") as refused:
        referrals.record_update(coordinator, referral.id, S.ACCEPTED, expected_version=referral.version,
                                source=UpdateSource.PARTNER_CSV)
    assert refused.value.field == "source"
    with pytest.raises(ValidationError, match="'maybe' is not one of"):
        referrals.record_update(coordinator, referral.id, "maybe", expected_version=referral.version)
    with pytest.raises(ValidationError, match="in the future") as refused:
        referrals.record_update(coordinator, referral.id, S.ACCEPTED, expected_version=referral.version,
                                happened_at=clock.now() + timedelta(hours=1))
    assert refused.value.field == "happened_at"
    with pytest.raises(ValidationError, match=r"20 November 2026, is before the referral's latest step \(sent on "
                                              r"23 November 2026\)\. Choose 23 November 2026 or a later day"):
        referrals.record_update(coordinator, referral.id, S.ACCEPTED, expected_version=referral.version,
                                happened_at=clock.now() - timedelta(days=3))
    with pytest.raises(ConflictError, match="changed by"):
        referrals.record_update(coordinator, referral.id, S.ACCEPTED, expected_version=referral.version - 1)

    clock.advance(days=2)
    said = clock.now() - timedelta(days=1)
    accepted = referrals.record_update(coordinator, referral.id, "Accepted", expected_version=referral.version,
                                       happened_at=said, source="call", note="Spoke to Priya on the phone")
    last = accepted.events[-1]
    assert (last.source, last.happened_at, last.recorded_at, last.note) == \
        (UpdateSource.CALL, said, clock.now(), "Spoke to Priya on the phone")
    assert accepted.accepted_at == said and accepted.version == referral.version + 1


# ---- sending, and consent to share -------------------------------------------------------------------


def test_sending_without_consent_to_share_says_why_and_sends_nothing(services, referrals, coordinator,
                                                                      resident_id, partner, clock):
    draft = made(referrals, coordinator, resident_id, partner)

    def refusal() -> ConsentToShareMissing:
        with pytest.raises(ConsentToShareMissing) as refused:
            referrals.send(coordinator, draft.id, draft.version)
        assert refused.value.organisation_name == ORG and refused.value.resident_id == resident_id
        assert refused.value.field == "consent"
        assert referrals.get(coordinator, draft.id).status == S.DRAFT
        return refused.value

    start = "Record the resident's consent to share their details with Good Things Foundation before sending"
    assert str(refusal()) == f"{start}: no consent to share with {ORG} is recorded."

    agree_to_share(services, coordinator, resident_id, "Age UK")
    assert str(refusal()) == f"{start}: Łukasz Kowalski has agreed to share with Age UK only."

    given = agree_to_share(services, coordinator, resident_id, ORG)
    clock.advance(days=1)
    services.consent.withdraw_consent(coordinator, given.id, "Changed their mind")
    assert str(refusal()) == f"{start}: the consent given on 23 November 2026 was withdrawn on 24 November 2026."

    agree_to_share(services, coordinator, resident_id, ORG, valid_until=date(2026, 11, 30))
    clock.advance(days=7)
    assert str(refusal()) == f"{start}: the consent given on 24 November 2026 expired at the end of 30 November 2026."

    # The scope is matched without regard to case or how the letters were typed.
    agree_to_share(services, coordinator, resident_id, "  good THINGS foundation ")
    result = referrals.send(coordinator, draft.id, draft.version)
    assert result.referral.status == S.SENT and result.referral.consent_id is not None


def test_consent_is_matched_to_names_in_any_script_however_the_letters_were_composed(services, referrals,
                                                                                     coordinator, resident_id):
    name = "Fundacja Łódź Café"
    service = add_partner(services, name)
    draft = made(referrals, coordinator, resident_id, service)
    services.consent.record_consent(coordinator, resident_id, ConsentInput(
        ConsentPurpose.SHARE_WITH_PARTNER, unicodedata.normalize("NFD", name.upper()), "written"))
    assert referrals.send(coordinator, draft.id, draft.version).referral.status == S.SENT


def test_an_email_holds_only_what_the_resident_agreed_to_share(services, referrals, coordinator, admin, partner):
    resident = register(services, admin, "પ્રિયા", "Patel", date_of_birth="14/03/1985", phone="07400 123456",
                        email="priya@example.org", preferred_contact="phone", address_line1="1 High Street",
                        postcode="e1 6an", accessibility_needs="Uses a wheelchair; hard of hearing")
    agree_to_share(services, coordinator, resident, ORG)
    draft = referrals.draft(coordinator, resident, partner, need_areas=["transacting", "being_safe"],
                            need_text="Wants to shop online safely")
    result = referrals.send(coordinator, draft.id, draft.version)
    email = result.email
    assert result.method == ReferralMethod.EMAIL and result.phone_call is None and result.slip is None
    assert email.to == "referrals@example.org"
    assert email.subject == f"Referral {draft.reference}: Learn My Way"
    body = email.body
    for expected in ("પ્રિયા Patel", draft.reference, "Transacting, Being safe and legal online",
                     "Wants to shop online safely", "Phone: 07400 123456", "Coordinator\nCentral Library",
                     f"has agreed that we share these details with {ORG}"):
        assert expected in body
    for private in ("1985", "14/03", "priya@example.org", "1 High Street", "E1 6AN", "wheelchair", "hearing"):
        assert private not in body
    assert result.shared.email == "" and result.shared.address == ()

    # A consent to contact by email lets the address go too; the post address stays at home.
    services.consent.record_consent(coordinator, resident, ConsentInput(ConsentPurpose.CONTACT, "email", "verbal"))
    again = referrals.draft(coordinator, resident, partner, need_text="A second need")
    assert "Email: priya@example.org" in referrals.send(coordinator, again.id, again.version).email.body
    with services.db.unit_of_work() as session:
        shared = session.scalars(select(AuditEvent.summary).where(AuditEvent.action == "referral.shared")).all()
    assert any(f"name, phone and the need shared with {ORG} by email" in s for s in shared)


def test_without_any_contact_allowed_the_partner_is_asked_to_reply_through_us(services, referrals, coordinator,
                                                                              resident_id, partner):
    agree_to_share(services, coordinator, resident_id, ORG)
    draft = made(referrals, coordinator, resident_id, partner)
    result = referrals.send(coordinator, draft.id, draft.version).email.body
    assert "They have not agreed to share their contact details" in result
    assert "Phone:" not in result and "Email:" not in result


def test_a_phone_referral_gives_the_number_and_a_short_script(services, referrals, coordinator, admin):
    service = add_partner(services, "Age UK", method="phone", service_name="Tech buddies",
                          referral_phone="020 7946 0999")
    resident = register(services, admin, "محمد", "الأحمد", phone="07400 123457", preferred_contact="sms",
                        date_of_birth="01/02/1950")
    agree_to_share(services, coordinator, resident, "Age UK")
    draft = referrals.draft(coordinator, resident, service, need_areas=["communicating"])
    result = referrals.send(coordinator, draft.id, draft.version)
    assert result.phone_call.number == "020 7946 0999" and result.email is None
    script = result.phone_call.script
    assert "this is Coordinator at Central Library" in script and "refer محمد الأحمد to Tech buddies" in script
    assert draft.reference in script and "Communicating" in script and "07400 123457" in script
    assert "1950" not in script
    assert result.referral.events[-1].note == ReferralMethod.PHONE.label


def test_a_sent_referral_gives_its_wording_again_as_the_details_are_now_and_audits_the_viewing(
        services, referrals, coordinator, admin, desk, partner):
    phone_partner = add_partner(services, "Łódź Learning", method="phone", service_name="Tablet class",
                                referral_phone="+442079460123")
    resident = register(services, admin, "Łukasz", "Żółć", phone="07400 123458", preferred_contact="phone")
    agree_to_share(services, coordinator, resident, "Łódź Learning")
    draft = referrals.draft(coordinator, resident, phone_partner, need_areas=["communicating"])
    with pytest.raises(ValidationError, match="has not been sent yet: send it first"):
        referrals.sending_content(coordinator, draft.id)
    first = referrals.send(coordinator, draft.id, draft.version)
    assert first.phone_call.number == "020 7946 0123"  # a UK number in its national form, not +44...
    again = referrals.sending_content(coordinator, draft.id)
    assert again.phone_call == first.phone_call and again.method is ReferralMethod.PHONE
    assert again.referral.reference == draft.reference and again.email is None and again.slip is None
    assert "07400 123458" in again.phone_call.script  # the sharing rule as at sending: phone allowed
    with services.db.unit_of_work() as session:
        viewed = session.scalars(select(AuditEvent.summary).where(AuditEvent.action == "referral.content_viewed")
                                 .order_by(AuditEvent.id)).all()
    assert viewed == [f"{draft.reference}: the phone wording for Łódź Learning shown again under consent "
                      f"{first.referral.consent_id}"]

    with pytest.raises(PermissionDenied):
        referrals.sending_content(desk, draft.id)
    # Consent withdrawn since: the resident's details are not shown again.
    consent = services.consent.withdraw_consent(admin, first.referral.consent_id)
    assert consent.withdrawn_at is not None
    with pytest.raises(ValidationError, match="consent to share with Łódź Learning is no longer current") as refused:
        referrals.sending_content(coordinator, draft.id)
    assert refused.value.field == "consent"

    # An email one gives the email again; an API one and a closed one have nothing to send.
    agree_to_share(services, coordinator, resident, ORG)
    by_email = referrals.draft(coordinator, resident, partner, need_text="Online banking")
    sent_email = referrals.send(coordinator, by_email.id, by_email.version)
    assert referrals.sending_content(coordinator, by_email.id).email == sent_email.email
    closed = referrals.withdraw(coordinator, by_email.id, reason="Moved away",
                                expected_version=sent_email.referral.version)
    with pytest.raises(ValidationError, match="is closed"):
        referrals.sending_content(coordinator, closed.id)
    api = add_partner(services, ORG, service_name="Online referrals", method="api")
    queued = referrals.draft(coordinator, resident, api, need_text="Online banking")
    referrals.send(coordinator, queued.id, queued.version)
    with pytest.raises(ValidationError, match="partner's system"):
        referrals.sending_content(coordinator, queued.id)


def test_a_slip_says_where_and_when_and_how_to_reach_the_partner(services, referrals, coordinator, resident_id):
    service = add_partner(services, ORG, method="slip", service_name="Drop-in",
                          locations=[("Whitechapel Idea Store", "321 Whitechapel Road\nLondon", "E1 1BU")],
                          schedules=[("MO,WE,FR", "10:00", "12:00", ""), ("", "", "", "First Saturday of the month")],
                          url="https://example.org/dropin", referral_phone="", phone="020 7946 0002")
    agree_to_share(services, coordinator, resident_id, ORG)
    draft = made(referrals, coordinator, resident_id, service, need_text="Help with email")
    slip = referrals.send(coordinator, draft.id, draft.version).slip
    assert (slip.resident_name, slip.partner_name, slip.service_name, slip.reference) == \
        ("Łukasz Kowalski", ORG, "Drop-in", draft.reference)
    assert slip.where == ("Whitechapel Idea Store, 321 Whitechapel Road, London, E1 1BU",)
    assert slip.when == ("Mondays, Wednesdays and Fridays 10:00–12:00", "First Saturday of the month")
    assert slip.partner_contact == ("Phone: 020 7946 0002", "Email: referrals@example.org",
                                    "https://example.org/dropin")
    assert slip.need == "Transacting; Help with email" and slip.resident_contact == ()
    assert (slip.site_name, slip.staff_first_name) == ("Central Library", "Coordinator")


def test_an_api_referral_is_queued_for_the_sender_once(services, referrals, coordinator, resident_id, clock):
    service = add_partner(services, ORG, method="api", referral_api_url="https://partner.example/api")
    agree_to_share(services, coordinator, resident_id, ORG)
    draft = made(referrals, coordinator, resident_id, service)
    result = referrals.send(coordinator, draft.id, draft.version)
    assert result.queued and result.email is None and result.slip is None and result.phone_call is None
    record = result.referral
    assert (record.status, record.delivery_state, record.sent_at) == (S.SENT, DeliveryState.QUEUED, clock.now())
    with services.db.unit_of_work() as session:
        row = session.get(Referral, record.id)
        assert re.fullmatch(r"[0-9a-f]{32}", row.idempotency_key) and row.next_attempt_at == clock.now()
    with pytest.raises(ValidationError, match="already sent on 23 November 2026"):
        referrals.send(coordinator, record.id, record.version)


def test_sending_is_refused_when_the_partner_has_no_address_for_its_method_or_stopped_taking_referrals(
        services, referrals, coordinator, resident_id):
    service = add_partner(services, ORG, method="api", referral_api_url="")
    agree_to_share(services, coordinator, resident_id, ORG)
    draft = made(referrals, coordinator, resident_id, service)
    with pytest.raises(ValidationError, match="by partner's system .sent automatically., but the directory has no address for its referral system"):
        referrals.send(coordinator, draft.id, draft.version)
    change_service(services, service, referral_method="email", referral_email="", email="")
    change_organisation(services, service, email="")
    draft = made(referrals, coordinator, resident_id, service)
    with pytest.raises(ValidationError, match="takes referrals by email, but the directory has no email address"):
        referrals.send(coordinator, draft.id, draft.version)
    change_service(services, service, referral_email="r@example.org", accepting_referrals=False)
    with pytest.raises(ValidationError, match="not taking referrals"):
        referrals.send(coordinator, draft.id, draft.version)
    with pytest.raises(ConflictError):
        referrals.send(coordinator, draft.id, draft.version + 1)


# ---- re-routing keeps the history -------------------------------------------------------------------


def test_a_reroute_closes_the_old_one_and_the_chain_reads_as_one_history(services, referrals, coordinator,
                                                                         resident_id, partner, clock):
    other = add_partner(services, "Age UK", service_name="Tech buddies")
    first = sent(services, referrals, coordinator, resident_id, partner)
    clock.advance(days=1)
    declined = referrals.record_update(coordinator, first.id, S.DECLINED, expected_version=first.version,
                                       reason="No places until spring")
    clock.advance(hours=1)
    with pytest.raises(TransitionRefused):
        referrals.reroute(coordinator, made(referrals, coordinator, resident_id, partner).id, other,
                          reason="x", expected_version=None)
    second = referrals.reroute(coordinator, first.id, other, reason="Try a partner with room",
                               expected_version=declined.version)
    assert (second.status, second.service_name, second.rerouted_from) == (S.DRAFT, "Tech buddies", first.reference)
    assert (second.need_areas, second.need_text, second.assessment_id) == \
        (first.need_areas, first.need_text, first.assessment_id)
    old = referrals.get(coordinator, first.id)
    assert (old.status, old.status_reason, old.rerouted_to) == (S.REROUTED, "Try a partner with room",
                                                                second.reference)
    assert old.events[-1].note == f"Re-routed to {second.reference}: Tech buddies (Age UK)"
    chain = referrals.history(coordinator, second.id)
    assert chain == referrals.history(coordinator, first.id)
    assert [(e.reference, e.to_status) for e in chain] == [
        (first.reference, S.DRAFT), (first.reference, S.SENT), (first.reference, S.DECLINED),
        (first.reference, S.REROUTED), (second.reference, S.DRAFT)]
    assert chain[-1].note == f"Re-routed from {first.reference}"
    # The new one needs its own consent: Age UK is another organisation.
    with pytest.raises(ConsentToShareMissing, match="with Age UK before sending"):
        referrals.send(coordinator, second.id, second.version)


# ---- reading -----------------------------------------------------------------------------------------


def test_lists_filter_by_status_service_and_openness(services, referrals, coordinator, resident_id, partner,
                                                     admin, clock):
    other = add_partner(services, "Age UK")
    a = made(referrals, coordinator, resident_id, partner)
    clock.advance(minutes=1)
    b = sent(services, referrals, coordinator, resident_id, other, "Age UK")
    clock.advance(minutes=1)
    c = made(referrals, coordinator, resident_id, partner)
    referrals.withdraw(coordinator, c.id, reason="Duplicate", expected_version=c.version)
    someone = register(services, admin, "Ana", "Núñez")
    d = made(referrals, coordinator, someone, other)
    assert [r.id for r in referrals.list(coordinator)] == [d.id, c.id, b.id, a.id]
    assert [r.id for r in referrals.list(coordinator, status="sent")] == [b.id]
    assert [r.id for r in referrals.list(coordinator, service_id=partner)] == [c.id, a.id]
    assert [r.id for r in referrals.list(coordinator, open_only=True)] == [d.id, b.id, a.id]
    assert [r.id for r in referrals.list(coordinator, limit=2)] == [d.id, c.id]
    assert [r.id for r in referrals.for_resident(coordinator, resident_id)] == [c.id, b.id, a.id]
    assert referrals.for_resident(coordinator, someone)[0].is_open
    with pytest.raises(NotFound):
        referrals.get(coordinator, 999_999)


def test_the_timeline_shows_each_referral_and_each_step(services, referrals, coordinator, resident_id, partner,
                                                        clock):
    first = sent(services, referrals, coordinator, resident_id, partner)
    clock.advance(days=2)
    referrals.record_update(coordinator, first.id, S.DECLINED, expected_version=first.version, reason="Full",
                            source="call")
    items = [i for i in services.timeline.for_resident(coordinator, resident_id) if i.open_kind == "referral"]
    assert [(i.title, i.detail) for i in items] == [
        (f"Referral declined: Learn My Way ({ORG})", "Partner phoned · by Coordinator · Full"),
        (f"Referral sent: Learn My Way ({ORG})", "Recorded by staff · by Coordinator · Email"),
        (f"Referral: Learn My Way ({ORG})", "now: declined — Full · by Coordinator"),
    ]
    assert {(i.reference, i.open_id) for i in items} == {(first.reference, first.id)}
    assert items[0].when == clock.now()


def test_a_step_on_the_day_it_was_sent_is_kept_in_order_and_an_earlier_day_is_refused(
        services, referrals, coordinator, resident_id, partner, clock):
    clock.advance(hours=5)  # made and sent at 15:00 on 23 November
    referral = sent(services, referrals, coordinator, resident_id, partner)
    clock.advance(days=1)
    # What the step dialog sends for "yesterday": noon London, before the 15:00 it was sent.
    yesterday_noon = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
    accepted = referrals.record_update(coordinator, referral.id, S.ACCEPTED, expected_version=referral.version,
                                       happened_at=yesterday_noon)
    assert accepted.accepted_at == accepted.sent_at == referral.sent_at  # that day, just after it was sent
    assert [e.happened_at for e in accepted.events] == sorted(e.happened_at for e in accepted.events)
    # A later step dated before the acceptance, even after it was sent, is refused and says which day.
    with pytest.raises(ValidationError, match="before the referral's latest step") as refused:
        referrals.record_update(coordinator, accepted.id, S.ATTENDED_FIRST_SESSION,
                                expected_version=accepted.version, happened_at=yesterday_noon - timedelta(days=1))
    assert refused.value.field == "happened_at" and "Choose 23 November 2026 or a later day" in refused.value.message
    assert referrals.get(coordinator, accepted.id).status is S.ACCEPTED


def test_accepted_before_it_was_sent_is_refused(services, referrals, coordinator, resident_id, partner, clock):
    agree_to_share(services, coordinator, resident_id, ORG)
    draft = made(referrals, coordinator, resident_id, partner)
    clock.advance(days=3)
    referral = referrals.send(coordinator, draft.id, draft.version).referral
    clock.advance(days=1)
    with pytest.raises(ValidationError, match="sent on 26 November 2026"):
        referrals.record_update(coordinator, referral.id, S.ACCEPTED, expected_version=referral.version,
                                happened_at=draft.created_at + timedelta(hours=1))


def test_desk_staff_and_advocates_see_only_the_organisation_and_status_on_the_timeline(
        services, referrals, coordinator, resident_id, desk, advocate):
    org = "محمد's Digital Café"
    service_id = add_partner(services, org, service_name="Mental health digital group")
    agree_to_share(services, coordinator, resident_id, org)
    draft = made(referrals, coordinator, resident_id, service_id, need_text="Needs help after leaving hospital")
    first = referrals.send(coordinator, draft.id, draft.version).referral
    referrals.record_update(coordinator, first.id, S.DECLINED, expected_version=first.version,
                            reason="Mental health crisis - refer to CMHT instead", note="Spoke to પ્રિયા")
    for actor in (desk, advocate):
        items = [i for i in services.timeline.for_resident(actor, resident_id) if i.open_kind == "referral"]
        assert [(i.title, i.detail, i.reference) for i in items] == [
            (f"Referral to {org}: declined", "", first.reference)]
        text = " ".join(i.title + " " + i.detail for i in services.timeline.for_resident(actor, resident_id))
        for secret in ("Mental health", "CMHT", "hospital", "પ્રિયા"):
            assert secret not in text
    everything = " ".join(i.detail for i in services.timeline.for_resident(coordinator, resident_id))
    assert "CMHT" in everything and "પ્રિયા" in everything


def test_a_merge_moves_referrals_to_the_survivor(services, referrals, coordinator, resident_id, partner, admin):
    twin = register(services, admin, "Lukasz", "Kowalski")
    referral = made(referrals, coordinator, twin, partner)
    survivor, merged = services.residents.get(admin, resident_id), services.residents.get(admin, twin)
    services.residents.merge(admin, resident_id, twin, expected_survivor_version=survivor.version,
                             expected_merged_version=merged.version)
    moved = referrals.for_resident(coordinator, resident_id)
    assert [(r.id, r.resident_name) for r in moved] == [(referral.id, "Łukasz Kowalski")]
    assert any(i.open_kind == "referral" for i in services.timeline.for_resident(admin, resident_id))
    with pytest.raises(NotFound, match="merged into another one"):
        referrals.for_resident(coordinator, twin)
    with pytest.raises(NotFound, match="merged into another one"):
        made(referrals, coordinator, twin, partner)
    with services.db.unit_of_work() as session:
        assert session.get(RecordReference, referral.reference).resident_id == resident_id


# ---- who may -----------------------------------------------------------------------------------------


def test_desk_staff_and_advocates_may_not_refer_or_read_referrals(services, referrals, coordinator, resident_id,
                                                                  partner, desk, advocate):
    referral = made(referrals, coordinator, resident_id, partner)
    for actor in (desk, advocate):
        calls = [
            lambda: made(referrals, actor, resident_id, partner),
            lambda: referrals.send(actor, referral.id, referral.version),
            lambda: referrals.record_update(actor, referral.id, S.WITHDRAWN, expected_version=None, reason="x"),
            lambda: referrals.withdraw(actor, referral.id, reason="x", expected_version=None),
            lambda: referrals.reroute(actor, referral.id, partner, reason="x", expected_version=None),
            lambda: referrals.get(actor, referral.id),
            lambda: referrals.history(actor, referral.id),
            lambda: referrals.for_resident(actor, resident_id),
            lambda: referrals.list(actor),
        ]
        for call in calls:
            with pytest.raises(PermissionDenied, match="may not refer to partners"):
                call()
    assert referrals.get(coordinator, referral.id).events == referral.events
    with services.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(ReferralEvent)) == 1
