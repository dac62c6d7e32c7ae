"""The coordinator's follow-up list and each partner's measured responsiveness."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from assisted_desk.core.errors import PermissionDenied, ValidationError
from assisted_desk.core.models import AppSetting, AuditEvent
from assisted_desk.core.security import Role
from assisted_desk.inclusion.referral_models import Referral
from assisted_desk.inclusion.referral_vocab import DeliveryState, ReferralStatus
from assisted_desk.inclusion.referrals import DEFAULT_FOLLOW_UP_DAYS, FOLLOW_UP_DAYS
from tests.conftest import make_actor

from .referral_fixtures import add_partner, agree_to_share, referral_service

S = ReferralStatus


@pytest.fixture
def referrals(services):
    return referral_service(services)


@pytest.fixture
def desk(services, admin):
    return make_actor(services, admin, "deskstaff", Role.DESK)


@pytest.fixture
def advocate(services, admin):
    return make_actor(services, admin, "advocate", Role.ADVOCATE)


def _sent(services, referrals, actor, resident_id, service_id):
    draft = referrals.draft(actor, resident_id, service_id, need_areas=["transacting"])
    return referrals.send(actor, draft.id, draft.version).referral


def test_follow_ups_list_what_has_waited_too_long_and_what_a_partner_system_refused(services, referrals,
                                                                                   coordinator, resident_id, clock):
    by_email = add_partner(services, "Age UK", service_name="Tech buddies")
    by_api = add_partner(services, "Age UK", service_name="Online referrals", method="api")
    agree_to_share(services, coordinator, resident_id, "Age UK")
    waiting = _sent(services, referrals, coordinator, resident_id, by_email)
    accepted = _sent(services, referrals, coordinator, resident_id, by_email)
    draft = referrals.draft(coordinator, resident_id, by_email, need_text="Not sent yet")
    closed = referrals.draft(coordinator, resident_id, by_email, need_text="Made by mistake")
    referrals.withdraw(coordinator, closed.id, reason="Made by mistake", expected_version=closed.version)
    refused = _sent(services, referrals, coordinator, resident_id, by_api)
    with services.db.unit_of_work() as session:
        row = session.get(Referral, refused.id)
        row.delivery_state, row.last_error = DeliveryState.REFUSED.value, "Postcode outside our area"

    assert referrals.follow_up_days() == DEFAULT_FOLLOW_UP_DAYS == 14
    [only] = referrals.follow_ups(coordinator)
    assert (only.referral.id, only.refused_by_system, only.days_waiting) == (refused.id, True, 0)
    assert only.awaiting == ("the partner's system refused it (Postcode outside our area): send it another way, "
                             "or re-route it")

    # A draft left unsent (a consent refusal, a lunch break) is chased after a day, not 14.
    clock.advance(hours=23, minutes=59)
    assert [f.referral.id for f in referrals.follow_ups(coordinator)] == [refused.id]
    clock.advance(minutes=2)
    items = referrals.follow_ups(coordinator)
    assert [(f.referral.id, f.awaiting) for f in items] == [(refused.id, items[0].awaiting),
                                                            (draft.id, "draft not sent yet")]
    # Each line says how to reach the partner: the number in its national form.
    assert (items[1].partner_phone, items[1].partner_email) == ("020 7946 0000", "referrals@example.org")

    clock.advance(days=9)
    accepted = referrals.record_update(coordinator, accepted.id, S.ACCEPTED, expected_version=accepted.version)
    clock.advance(days=3, hours=23)
    assert [f.referral.id for f in referrals.follow_ups(coordinator)] == [refused.id, draft.id]  # 13d 23h: not yet
    clock.advance(hours=2)
    items = referrals.follow_ups(coordinator)
    assert [(f.referral.id, f.days_waiting, f.awaiting) for f in items] == [
        (refused.id, 14, items[0].awaiting),
        (waiting.id, 14, "waiting for the partner to accept"),
        (draft.id, 14, "draft not sent yet"),
    ]

    assert referrals.set_follow_up_days(coordinator, 3) == 3
    assert referrals.follow_up_days() == 3
    items = {f.referral.id: f for f in referrals.follow_ups(coordinator)}
    assert (items[accepted.id].days_waiting, items[accepted.id].awaiting) == (4, "waiting to hear if they attended")
    assert closed.id not in items

    # News takes it off the list; a missed first session puts the next question on it.
    clock.advance(days=4)
    missed = referrals.record_update(coordinator, accepted.id, S.DID_NOT_ATTEND, expected_version=accepted.version)
    assert accepted.id not in {f.referral.id for f in referrals.follow_ups(coordinator)}
    clock.advance(days=3, minutes=1)
    assert {f.referral.id: f.awaiting for f in referrals.follow_ups(coordinator)}[missed.id] == \
        "waiting to hear if they rebooked or gave up the place"


def test_the_follow_up_days_are_checked_kept_for_every_desk_and_audited(services, referrals, coordinator, desk,
                                                                       admin):
    for bad in (0, 181, "7", 7.5, True, None):
        with pytest.raises(ValidationError, match="whole number of days from 1 to 180") as refused:
            referrals.set_follow_up_days(coordinator, bad)
        assert refused.value.field == FOLLOW_UP_DAYS
    with pytest.raises(PermissionDenied, match="may not manage partners"):
        referrals.set_follow_up_days(desk, 7)
    referrals.set_follow_up_days(coordinator, 21)
    referrals.set_follow_up_days(admin, 10)
    with services.db.unit_of_work() as session:
        assert session.get(AppSetting, FOLLOW_UP_DAYS).value == "10"
        summaries = session.scalars(select(AuditEvent.summary).where(AuditEvent.record_id == FOLLOW_UP_DAYS)
                                    .order_by(AuditEvent.id)).all()
        assert summaries == ["14 -> 21 days", "21 -> 10 days"]
        session.get(AppSetting, FOLLOW_UP_DAYS).value = "lots"  # a damaged value falls back to the default
    assert referrals.follow_up_days() == 14


def test_responsiveness_on_a_known_small_set(services, referrals, coordinator, resident_id, admin, clock):
    learn = add_partner(services, "Good Things Foundation", service_name="Learn My Way")
    dropin = add_partner(services, "Good Things Foundation", service_name="Drop-in")
    quiet = add_partner(services, "Age UK", service_name="Tech buddies")
    agree_to_share(services, coordinator, resident_id, "Good Things Foundation")
    start = clock.now()
    r1, r2, r3, r4 = (_sent(services, referrals, coordinator, resident_id, learn) for _ in range(4))
    r6 = _sent(services, referrals, coordinator, resident_id, dropin)
    referrals.draft(coordinator, resident_id, learn, need_text="Never sent: not counted")
    clock.advance(days=20)

    def step(referral, status, day, reason=""):
        current = referrals.get(coordinator, referral.id)
        referrals.record_update(coordinator, referral.id, status, expected_version=current.version,
                                happened_at=start + timedelta(days=day), reason=reason)

    step(r1, S.ACCEPTED, 2)
    step(r1, S.ATTENDED_FIRST_SESSION, 5)
    step(r2, S.ACCEPTED, 4)
    step(r2, S.DID_NOT_ATTEND, 8)
    step(r3, S.DECLINED, 1, "Full")
    step(r4, S.ACCEPTED, 6)
    step(r4, S.DID_NOT_ATTEND, 9)
    step(r4, S.ATTENDED_FIRST_SESSION, 12)  # made up the missed session: counts as attended
    step(r6, S.WITHDRAWN, 3, "Moved away")

    figures = referrals.responsiveness(coordinator, service_id=learn)
    assert (figures.referrals_sent, figures.median_days_to_accept, figures.accepted_with_dates) == (4, 4.0, 3)
    assert (figures.accepted, figures.declined, figures.acceptance_rate) == (3, 1, 0.75)
    assert (figures.attended, figures.did_not_attend) == (2, 1)
    assert figures.attendance_rate == pytest.approx(2 / 3)

    organisation = referrals.responsiveness(coordinator, organisation_id=referrals.get(coordinator, r1.id)
                                            .organisation_id)
    assert (organisation.referrals_sent, organisation.accepted, organisation.declined) == (5, 3, 1)

    nothing = referrals.responsiveness(coordinator, service_id=quiet)
    assert (nothing.referrals_sent, nothing.median_days_to_accept, nothing.acceptance_rate,
            nothing.attendance_rate) == (0, None, None, None)
    no_answer_yet = referrals.responsiveness(coordinator, service_id=dropin)
    assert (no_answer_yet.referrals_sent, no_answer_yet.acceptance_rate) == (1, None)

    by_service = referrals.responsiveness_by_service(coordinator)
    assert set(by_service) == {learn, dropin} and by_service[learn] == figures
    by_organisation = referrals.responsiveness_by_organisation(coordinator)
    assert by_organisation[organisation_id_of(referrals, coordinator, r1)] == organisation


def organisation_id_of(referrals, actor, referral):
    return referrals.get(actor, referral.id).organisation_id


def test_a_partner_that_declines_everything_shows_zero_not_no_data(services, referrals, coordinator, resident_id):
    service = add_partner(services, "Age UK")
    agree_to_share(services, coordinator, resident_id, "Age UK")
    referral = _sent(services, referrals, coordinator, resident_id, service)
    referrals.record_update(coordinator, referral.id, S.DECLINED, expected_version=referral.version, reason="Full")
    figures = referrals.responsiveness(coordinator, service_id=service)
    assert (figures.acceptance_rate, figures.declined, figures.median_days_to_accept, figures.attendance_rate) == \
        (0.0, 1, None, None)


def test_desk_staff_and_advocates_see_no_follow_ups_or_figures(services, referrals, desk, advocate):
    for actor in (desk, advocate):
        for call in (referrals.follow_ups, referrals.responsiveness, referrals.responsiveness_by_service,
                     referrals.responsiveness_by_organisation):
            with pytest.raises(PermissionDenied, match="may not refer to partners"):
                call(actor)
        with pytest.raises(PermissionDenied):
            referrals.set_follow_up_days(actor, 7)
