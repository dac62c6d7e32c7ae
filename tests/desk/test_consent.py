"""Consent and authority to act: recorded, replaced, expiring, withdrawn; representatives and the
scope of their authority; the check every on-behalf action goes through."""

from __future__ import annotations

from datetime import date

import pytest

from assisted_desk.core.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from assisted_desk.core.security import PERMISSIONS, Permission, Role
from assisted_desk.desk.consent import AuthorityMissing, ConsentInput, RepresentativeInput
from assisted_desk.desk.vocab import ConsentMethod, ConsentPurpose, ContactMethod, RepresentativeKind

from ..conftest import make_actor
from .contact_fixtures import NAMES, audit_actions, register

ACT = ConsentPurpose.ACT_ON_BEHALF


def act(scope: str = "parking", **more) -> ConsentInput:
    return ConsentInput(ACT, scope, more.pop("method", ConsentMethod.VERBAL), **more)


@pytest.fixture
def lukasz(services, admin) -> int:
    return register(services, admin)


def test_no_consent_refuses_with_the_residents_name_and_what_to_do(services, admin, lukasz):
    with pytest.raises(AuthorityMissing) as refused:
        services.consent.check_authority(admin, lukasz, "parking")
    assert refused.value.message == "No current consent to act for Łukasz Żółć with Parking: record consent first."
    assert (refused.value.resident_id, refused.value.service_code) == (lukasz, "parking")


def test_consent_for_a_service_covers_that_service_only(services, admin, lukasz):
    given = services.consent.record_consent(admin, lukasz, act("parking", note="Asked at the desk"))
    assert (given.purpose, given.scope, given.scope_label, given.method) == (ACT, "parking", "Parking",
                                                                            ConsentMethod.VERBAL)
    assert given.current and given.given_by == "the resident" and given.recorded_by == "Amara Okafor"
    assert given.summary == "Act on their behalf with a service: Parking"
    authority = services.consent.check_authority(admin, lukasz, "parking")
    assert authority.consent_id == given.id and authority.description == "Consent given on 23 November 2026"
    with pytest.raises(AuthorityMissing, match="with Council Tax: record consent first"):
        services.consent.check_authority(admin, lukasz, "council_tax")


def test_consent_for_all_council_services_covers_every_service(services, admin, lukasz):
    given = services.consent.record_consent(admin, lukasz, act("*", method="written"))
    assert given.scope_label == "all council services" and given.method == ConsentMethod.WRITTEN
    for code in ("parking", "council_tax", "other"):
        assert services.consent.check_authority(admin, lukasz, code).consent_id == given.id


def test_expiry_ends_consent_at_the_close_of_its_last_day(services, admin, lukasz, clock):
    given = services.consent.record_consent(admin, lukasz, act(valid_until=date(2026, 11, 30)))
    assert given.valid_until == date(2026, 11, 30)
    clock.advance(days=7, hours=13)  # 30 November, 23:00 in London: still the last day
    assert services.consent.check_authority(admin, lukasz, "parking").consent_id == given.id
    clock.advance(hours=1)  # midnight: 1 December
    with pytest.raises(AuthorityMissing) as refused:
        services.consent.check_authority(admin, lukasz, "parking")
    assert refused.value.message == (
        "No current consent to act for Łukasz Żółć with Parking: the consent given on 23 November 2026 expired at "
        "the end of 30 November 2026; record consent again first.")
    assert services.consent.current_consents(admin, lukasz) == ()
    assert not services.consent.consents(admin, lukasz)[0].current


def test_expiry_across_the_clock_change_is_a_london_day(services, admin, lukasz, clock):
    clock.advance(days=120)  # 23 March 2027
    given = services.consent.record_consent(admin, lukasz, act(valid_until=date(2027, 3, 28)))  # clocks go forward
    assert given.valid_until == date(2027, 3, 28)
    assert given.expires_at.isoformat() == "2027-03-28T23:00:00+00:00"  # midnight BST


def test_withdrawal_stops_use_at_once_and_is_audited(services, admin, lukasz, clock):
    given = services.consent.record_consent(admin, lukasz, act("*"))
    clock.advance(days=3)
    withdrawn = services.consent.withdraw_consent(admin, given.id, "Changed their mind",
                                                  expected_version=given.version)
    assert not withdrawn.current and withdrawn.withdrawal_note == "Changed their mind"
    assert withdrawn.withdrawn_by == "admin"
    with pytest.raises(AuthorityMissing) as refused:
        services.consent.check_authority(admin, lukasz, "housing")
    assert refused.value.message == (
        "No current consent to act for Łukasz Żółć with Housing: the consent given on 23 November 2026 was "
        "withdrawn on 26 November 2026; record new consent only if they agree again.")
    with pytest.raises(ValidationError, match="already withdrawn on 26 November 2026"):
        services.consent.withdraw_consent(admin, given.id)
    actions = [(a, r) for a, r, _ in audit_actions(services, "consent")]
    assert actions == [("consent.recorded", str(given.id)), ("consent.withdrawn", str(given.id))]


def test_a_stale_withdrawal_is_refused(services, admin, lukasz):
    given = services.consent.record_consent(admin, lukasz, act())
    services.consent.withdraw_consent(admin, given.id)
    with pytest.raises(ConflictError):
        services.consent.withdraw_consent(admin, given.id, expected_version=given.version)


def test_a_new_consent_replaces_the_current_one_for_the_same_purpose_and_scope(services, admin, lukasz, clock):
    first = services.consent.record_consent(admin, lukasz, act(valid_until=date(2026, 12, 1)))
    clock.advance(hours=1)
    second = services.consent.record_consent(admin, lukasz, act(method="written"))
    other = services.consent.record_consent(admin, lukasz, act("council_tax"))
    history = services.consent.consents(admin, lukasz)
    assert [c.id for c in history] == [other.id, second.id, first.id]
    replaced = history[2]
    assert not replaced.current and replaced.withdrawal_note == "Replaced by a newer consent for the same purpose."
    assert {c.id for c in services.consent.current_consents(admin, lukasz)} == {second.id, other.id}
    # Withdrawing the one current consent for Parking stops Parking, whatever came before it.
    services.consent.withdraw_consent(admin, second.id)
    with pytest.raises(AuthorityMissing, match="was withdrawn on"):
        services.consent.check_authority(admin, lukasz, "parking")
    assert ("consent.replaced", str(first.id), f"by consent {second.id}") in audit_actions(services)


def test_contact_consent_per_method(services, admin, lukasz):
    assert not services.consent.may_contact(admin, lukasz, ContactMethod.SMS)
    sms = services.consent.record_consent(admin, lukasz, ConsentInput(ConsentPurpose.CONTACT, "sms", "digital"))
    assert sms.scope_label == "SMS"
    assert services.consent.may_contact(admin, lukasz, "sms")
    assert services.consent.may_contact(admin, lukasz, "SMS")
    assert not services.consent.may_contact(admin, lukasz, ContactMethod.EMAIL)
    services.consent.withdraw_consent(admin, sms.id)
    assert not services.consent.may_contact(admin, lukasz, ContactMethod.SMS)
    with pytest.raises(ValidationError, match="Contact method 'fax' is not one of: Phone, SMS, Email, Post"):
        services.consent.may_contact(admin, lukasz, "fax")


def test_sharing_with_a_named_partner_keeps_the_name_in_any_script(services, admin, lukasz):
    shared = services.consent.record_consent(
        admin, lukasz, ConsentInput(ConsentPurpose.SHARE_WITH_PARTNER, "  Ștefan's Café — مركز المجتمع ", "written"))
    assert shared.scope == shared.scope_label == "Ștefan's Café — مركز المجتمع"
    assert shared.summary == "Share details with a partner: Ștefan's Café — مركز المجتمع"


@pytest.mark.parametrize("consent, field, says", [
    (ConsentInput("marketing", "parking", "verbal"), "purpose", "Purpose 'marketing' is not one of"),
    (ConsentInput(ACT, "parking", "telepathy"), "method", "How consent was given 'telepathy' is not one of"),
    (ConsentInput(ACT, "", "verbal"), "scope", "Choose the service this consent is for"),
    (ConsentInput(ACT, "dragons", "verbal"), "scope", "Service 'dragons' is not in the catalogue"),
    (ConsentInput(ConsentPurpose.SHARE_WITH_PARTNER, " ", "verbal"), "scope", "Partner organisation is required"),
    (ConsentInput(ConsentPurpose.CONTACT, "pigeon", "verbal"), "scope", "Contact method 'pigeon' is not one of"),
    (ConsentInput(ACT, "parking", "verbal", valid_until=date(2026, 11, 22)), "valid_until",
     "Valid until 22/11/2026 is in the past"),
    (ConsentInput(ACT, "parking", "verbal", note="bell\x07"), "note", "control characters"),
])
def test_bad_consent_is_refused_naming_the_field(services, admin, lukasz, consent, field, says):
    with pytest.raises(ValidationError) as refused:
        services.consent.record_consent(admin, lukasz, consent)
    assert refused.value.field == field and says in refused.value.message
    assert services.consent.consents(admin, lukasz) == ()


def test_consent_for_a_retired_service_is_refused(services, admin, lukasz):
    services.catalogue.set_active(admin, "licensing", False)
    with pytest.raises(ValidationError, match="Licensing has been retired"):
        services.consent.record_consent(admin, lukasz, act("licensing"))


def test_consent_for_an_unknown_or_merged_resident_is_refused(services, admin, lukasz):
    with pytest.raises(NotFound):
        services.consent.record_consent(admin, 999_999, act())
    with pytest.raises(NotFound):
        services.consent.check_authority(admin, 999_999, "parking")
    with pytest.raises(ValidationError, match="Service 'nope' is not in the catalogue"):
        services.consent.check_authority(admin, lukasz, "nope")


# ---- representatives -----------------------------------------------------------------------------


def anna(**more) -> RepresentativeInput:
    values = dict(name="Anna Żółć", relationship=RepresentativeKind.FAMILY, phone="07911 123456",
                  email="anna@example.org", address="1 High Street\r\nLondon", scope=("council_tax",))
    values.update(more)
    return RepresentativeInput(**values)


def test_a_representative_is_recorded_with_contact_details_and_scope(services, admin, lukasz):
    rep = services.consent.add_representative(admin, lukasz, anna())
    assert (rep.name, rep.relationship, rep.phone, rep.phone_display) == (
        "Anna Żółć", RepresentativeKind.FAMILY, "+447911123456", "07911 123456")
    assert rep.address == "1 High Street\nLondon"
    assert rep.scope == ("council_tax",) and rep.scope_label == "Council Tax"
    assert rep.current and rep.label == "Anna Żółć (Family member)"
    assert services.consent.representatives(admin, lukasz) == (rep,)
    assert ("representative.added", str(rep.id), f"for resident {lukasz}: family, scope council_tax") in \
        audit_actions(services)


def test_a_representative_may_act_within_their_scope_only(services, admin, lukasz):
    rep = services.consent.add_representative(admin, lukasz, anna())
    authority = services.consent.check_authority(admin, lukasz, "council_tax", representative_id=rep.id)
    assert authority.representative_id == rep.id and authority.consent_id is None
    assert authority.description == "Anna Żółć (Family member) has authority for Council Tax"
    with pytest.raises(AuthorityMissing) as refused:
        services.consent.check_authority(admin, lukasz, "parking", representative_id=rep.id)
    assert refused.value.message == (
        "No current consent to act for Łukasz Żółć with Parking: record consent first. "
        "Anna Żółć (Family member) may act only for Council Tax, not Parking.")
    # Without the representative present, their authority does not count.
    with pytest.raises(AuthorityMissing, match="record consent first.$"):
        services.consent.check_authority(admin, lukasz, "council_tax")


def test_an_attorney_needs_the_lpa_reference_and_may_act_for_everything(services, admin, lukasz):
    with pytest.raises(ValidationError) as refused:
        services.consent.add_representative(admin, lukasz, anna(relationship="attorney", scope=("*",)))
    assert refused.value.field == "evidence" and "lasting power of attorney" in refused.value.message
    rep = services.consent.add_representative(
        admin, lukasz, anna(relationship="attorney", scope=("parking", "*"), evidence="LPA 7000-1234-5678"))
    assert rep.scope == ("*",) and rep.scope_label == "all council services"
    assert services.consent.check_authority(admin, lukasz, "housing", rep.id).representative_id == rep.id


def test_authority_runs_out_after_valid_until_and_stops_when_ended(services, admin, lukasz, clock):
    rep = services.consent.add_representative(admin, lukasz, anna(valid_until=date(2026, 11, 24)))
    assert services.consent.check_authority(admin, lukasz, "council_tax", rep.id)
    clock.advance(days=2)
    with pytest.raises(AuthorityMissing, match=r"Anna Żółć \(Family member\)'s authority ran out at the end of "
                                               r"24 November 2026\.$"):
        services.consent.check_authority(admin, lukasz, "council_tax", rep.id)
    assert not services.consent.representative(admin, rep.id).current
    fresh = services.consent.update_representative(admin, rep.id, anna(valid_until=None), rep.version)
    assert fresh.current
    ended = services.consent.end_representative(admin, rep.id, expected_version=fresh.version)
    assert not ended.current and ended.ended_at == clock.now()
    with pytest.raises(AuthorityMissing, match="stopped representing them on 25 November 2026"):
        services.consent.check_authority(admin, lukasz, "council_tax", rep.id)
    with pytest.raises(ValidationError, match="already stopped representing"):
        services.consent.end_representative(admin, rep.id)
    with pytest.raises(ValidationError, match="stopped representing this resident"):
        services.consent.update_representative(admin, rep.id, anna(), ended.version)
    assert services.consent.representatives(admin, lukasz, include_ended=False) == ()
    actions = [a for a, r, _ in audit_actions(services, "representative")]
    assert actions == ["representative.added", "representative.updated", "representative.ended"]


def test_editing_a_representative_checks_versions_and_keeps_a_past_date_it_already_had(services, admin, lukasz,
                                                                                        clock):
    rep = services.consent.add_representative(admin, lukasz, anna(valid_until=date(2026, 11, 25)))
    clock.advance(days=5)
    # Fixing the phone number of someone whose authority ran out needs no new date.
    fixed = services.consent.update_representative(admin, rep.id, anna(valid_until=date(2026, 11, 25),
                                                                        phone="+44 20 7946 0000"), rep.version)
    assert fixed.phone_display == "020 7946 0000"
    with pytest.raises(ConflictError, match="changed by admin"):
        services.consent.update_representative(admin, rep.id, anna(), rep.version)
    with pytest.raises(ValidationError, match="Valid until 26/11/2026 is in the past"):
        services.consent.update_representative(admin, rep.id, anna(valid_until=date(2026, 11, 26)), fixed.version)


@pytest.mark.parametrize("details, field, says", [
    (anna(name=""), "name", "Representative's name is required"),
    (anna(relationship="neighbour"), "relationship", "Relationship 'neighbour' is not one of"),
    (anna(phone="12345"), "phone", "Representative's phone number '12345' is not a phone number"),
    (anna(email="anna at example"), "email", "is not an email address"),
    (anna(scope=("dragons",)), "scope", "Authority: 'dragons' is not a service the desk offers"),
    (anna(valid_until=date(2020, 1, 1)), "valid_until", "Valid until 01/01/2020 is in the past"),
])
def test_bad_representative_details_are_refused_naming_the_field(services, admin, lukasz, details, field, says):
    with pytest.raises(ValidationError) as refused:
        services.consent.add_representative(admin, lukasz, details)
    assert refused.value.field == field and says in refused.value.message
    assert services.consent.representatives(admin, lukasz) == ()


def test_consent_given_by_a_representative_must_be_within_their_authority(services, admin, lukasz):
    rep = services.consent.add_representative(admin, lukasz, anna())
    given = services.consent.record_consent(admin, lukasz, act("council_tax", representative_id=rep.id))
    assert given.given_by == "Anna Żółć (Family member)" and given.representative_id == rep.id
    with pytest.raises(ValidationError, match="has no authority over Parking") as refused:
        services.consent.record_consent(admin, lukasz, act("parking", representative_id=rep.id))
    assert refused.value.field == "representative"
    with pytest.raises(ValidationError, match="has no authority over all council services"):
        services.consent.record_consent(admin, lukasz, act("*", representative_id=rep.id))
    other = register(services, admin, "Ștefan", "Popescu", "01/01/1970")
    with pytest.raises(ValidationError, match="not recorded for this resident"):
        services.consent.record_consent(admin, other, act("council_tax", representative_id=rep.id))
    services.consent.end_representative(admin, rep.id)
    with pytest.raises(ValidationError, match="no longer represents this resident"):
        services.consent.record_consent(admin, lukasz, ConsentInput(ConsentPurpose.CONTACT, "post", "written",
                                                                    representative_id=rep.id))


def test_a_retired_service_may_stay_in_a_representatives_scope(services, admin, lukasz):
    rep = services.consent.add_representative(admin, lukasz, anna(scope=("council_tax", "licensing")))
    services.catalogue.set_active(admin, "licensing", False)
    kept = services.consent.update_representative(admin, rep.id, anna(scope=("council_tax", "licensing"),
                                                                      name="Anna Maria Żółć"), rep.version)
    assert kept.scope == ("council_tax", "licensing")
    services.catalogue.set_active(admin, "schools", False)
    with pytest.raises(ValidationError, match="'schools' is not a service"):  # newly added: must be offered
        services.consent.update_representative(admin, rep.id, anna(scope=("schools",)), kept.version)


@pytest.mark.parametrize("given, family", NAMES)
def test_names_in_any_script_round_trip_in_messages_and_records(services, admin, given, family):
    resident = register(services, admin, given, family, "02/02/1990")
    rep = services.consent.add_representative(admin, resident, anna(name=f"{family} {given}"))
    assert services.consent.representative(admin, rep.id).name == f"{family} {given}"
    with pytest.raises(AuthorityMissing) as refused:
        services.consent.check_authority(admin, resident, "benefits")
    assert refused.value.message.startswith(f"No current consent to act for {given} {family} with Benefits")


def test_who_may_do_what(services, admin, lukasz, monkeypatch):
    desk = make_actor(services, admin, "desk1", Role.DESK)
    advocate = make_actor(services, admin, "advo", Role.ADVOCATE)
    given = services.consent.record_consent(desk, lukasz, act())
    assert services.consent.withdraw_consent(advocate, given.id).withdrawn_by == "advo"
    rep = services.consent.add_representative(desk, lukasz, anna())
    assert services.consent.end_representative(advocate, rep.id).ended_at is not None
    # Every role today may view and edit residents; the services must still refuse one that may not.
    monkeypatch.setitem(PERMISSIONS, Role.DESK, PERMISSIONS[Role.DESK] - {Permission.EDIT_RESIDENTS,
                                                                          Permission.VIEW_RESIDENTS})
    for attempt, says in ((lambda: services.consent.record_consent(desk, lukasz, act()), "edit residents"),
                          (lambda: services.consent.withdraw_consent(desk, given.id), "edit residents"),
                          (lambda: services.consent.add_representative(desk, lukasz, anna()), "edit residents"),
                          (lambda: services.consent.check_authority(desk, lukasz, "parking"), "view residents"),
                          (lambda: services.consent.consents(desk, lukasz), "view residents")):
        with pytest.raises(PermissionDenied, match=f"may not {says}"):
            attempt()
