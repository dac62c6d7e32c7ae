"""Referrals delivered through a partner's API (tests/partner_api_server.py, a real HTTP server on
127.0.0.1 implementing resources/partner_api/referral-api-v1.yaml), and the partner's updates
read back, on SQLite and PostgreSQL: each referral arrives exactly once whatever the partner does,
holds only what the resident agreed to share, waits in its row while the partner is down,
refusals are shown, and the closed loop moves only by steps it allows."""

from __future__ import annotations

import json
import logging
import random
import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update

from assisted_desk.core.clock import as_utc
from assisted_desk.core.errors import PermissionDenied, ValidationError
from assisted_desk.core.models import AppSetting, AuditEvent
from assisted_desk.core.security import Role
from assisted_desk.desk.consent import ConsentInput
from assisted_desk.desk.outbox_sender import Backoff
from assisted_desk.desk.references import new_reference
from assisted_desk.desk.resident_input import ResidentInput
from assisted_desk.desk.vocab import ConsentMethod, ConsentPurpose
from assisted_desk.inclusion.partner_api import PartnerApiConfig, check_api_url, token_key
from assisted_desk.inclusion.partner_models import PartnerOrganisation, PartnerService
from assisted_desk.inclusion.referral_models import Referral, ReferralEvent
from assisted_desk.inclusion.referral_sender import ReferralSender, cursor_key
from assisted_desk.inclusion.referral_vocab import DeliveryState, ReferralStatus, UpdateSource
from tests.conftest import make_actor

from ..partner_api_server import TOKEN, PartnerApi

NAMES = [("Łukasz", "Kowalski"), ("محمد", "الأحمد"), ("પ્રિયા", "પટેલ")]


# ---- helpers --------------------------------------------------------------------------------------


def drain(run):
    lines = []
    while True:
        try:
            lines.append(next(run))
        except StopIteration as done:
            return lines, done.value


def sender(services, clock, name: str = "desk-1", **options) -> ReferralSender:
    options.setdefault("backoff", Backoff(base_seconds=10.0, cap_seconds=80.0))
    return ReferralSender(services.db, clock, services.secrets, name=name, rng=random.Random(name),
                          connect_timeout=2.0, read_timeout=5.0, **options)


def add_partner(services, name: str, api_url: str) -> int:
    """An organisation with one service that takes referrals by API; returns the service's id."""
    now = services.clock.now()
    with services.db.unit_of_work() as session:
        organisation = PartnerOrganisation(name=name, created_at=now, created_by="test", updated_at=now,
                                           updated_by="test")
        session.add(organisation)
        session.flush()
        service = PartnerService(organisation_id=organisation.id, name=f"{name}: digital skills",
                                 external_id=f"svc-{organisation.id}", skill_areas='["transacting"]',
                                 referral_method="api", referral_api_url=api_url, created_at=now,
                                 created_by="test", updated_at=now, updated_by="test")
        session.add(service)
        session.flush()
        return service.id


def add_resident(services, actor, given: str = "Łukasz", family: str = "Kowalski", **details) -> int:
    data = ResidentInput(given_name=given, family_name=family, **details)
    return services.residents.register(actor, data, confirm_not_duplicate=True).id


def share_consent(services, actor, resident_id: int, partner: str) -> int:
    """The resident's current consent to share with the partner (recording one if there is none)."""
    for consent in services.consent.current_consents(actor, resident_id):
        if consent.purpose == ConsentPurpose.SHARE_WITH_PARTNER and consent.scope == partner:
            return consent.id
    return services.consent.record_consent(actor, resident_id, ConsentInput(
        ConsentPurpose.SHARE_WITH_PARTNER, partner, ConsentMethod.VERBAL)).id


def queue_referral(services, actor, resident_id: int, service_id: int, *, consent_id: int | None = None,
                   need_text: str = "Wants to pay bills online safely") -> int:
    """A referral as ReferralService.send leaves one for an API partner: sent, queued, with its key."""
    now = services.clock.now()
    with services.db.unit_of_work() as session:
        if consent_id is None:
            service = session.get(PartnerService, service_id)
            partner = session.get(PartnerOrganisation, service.organisation_id).name
        else:
            partner = None
    if consent_id is None:
        consent_id = share_consent(services, actor, resident_id, partner)
    with services.db.unit_of_work() as session:
        row = Referral(reference=new_reference("RF"), resident_id=resident_id, service_id=service_id,
                       need_areas='["transacting", "being_safe"]', need_text=need_text, consent_id=consent_id,
                       method="api", status=ReferralStatus.SENT.value, site_id=actor.site_id,
                       staff_id=actor.staff_id, created_at=now, created_by=actor.username, sent_at=now,
                       last_update_at=now, delivery_state=DeliveryState.QUEUED.value,
                       idempotency_key=uuid.uuid4().hex, next_attempt_at=now, updated_at=now,
                       updated_by=actor.username)
        session.add(row)
        session.flush()
        for before, after in (("", "draft"), ("draft", "sent")):
            session.add(ReferralEvent(referral_id=row.id, from_status=before, to_status=after, source="staff",
                                      happened_at=now, recorded_at=now, recorded_by=actor.display_name,
                                      staff_id=actor.staff_id))
        return row.id


def referral(services, referral_id: int) -> Referral:
    with services.db.unit_of_work() as session:
        row = session.get(Referral, referral_id)
        session.expunge(row)
        return row


def events(services, referral_id: int) -> list[ReferralEvent]:
    with services.db.unit_of_work() as session:
        found = list(session.scalars(select(ReferralEvent).where(ReferralEvent.referral_id == referral_id)
                                     .order_by(ReferralEvent.id)))
        session.expunge_all()
        return found


def audits(services, action: str) -> list[AuditEvent]:
    with services.db.unit_of_work() as session:
        found = list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))
        session.expunge_all()
        return found


@pytest.fixture
def partner():
    server = PartnerApi().start()
    yield server
    server.stop()
    assert server.answer_errors == [] and server.invalid_requests == []  # both sides kept to the document


@pytest.fixture
def connected(services, coordinator, partner):
    """A partner taking referrals by API, with this computer holding its token: the service's id."""
    service_id = add_partner(services, "Good Things Café", partner.url)
    services_tokens(services).set_token(coordinator, service_id, TOKEN)
    return service_id


def services_tokens(services):
    return sender(services, services.clock).tokens


def exactly_once(partner: PartnerApi) -> None:
    assert set(partner.created_per_key.values()) == {1}
    assert set(partner.created_per_reference.values()) == {1}


# ---- delivering ------------------------------------------------------------------------------------


def test_queued_referrals_are_delivered_once_with_only_what_the_resident_agreed_to_share(
        services, coordinator, partner, connected, clock):
    resident_ids = []
    for n, (given, family) in enumerate(NAMES):
        resident_ids.append(add_resident(
            services, coordinator, given, family, date_of_birth="02/04/1960", phone="07400 12345" + str(n),
            email=f"person{n}@example.org", preferred_contact="post" if n == 2 else "phone",
            accessibility_needs="Uses a screen reader", address_line1="12 Mile End Road", postcode="E1 4NS"))
    # The second resident also agreed to be emailed. The third prefers letters and agreed to no
    # other contact, so the partner gets their name and postal address only.
    services.consent.record_consent(coordinator, resident_ids[1], ConsentInput(
        ConsentPurpose.CONTACT, "email", ConsentMethod.VERBAL))
    ids = [queue_referral(services, coordinator, rid, connected) for rid in resident_ids]

    lines, summary = drain(sender(services, clock).run_once())
    assert (summary.attempted, summary.sent, summary.refused, summary.retry_later) == (3, 3, 0, 0)
    assert summary.problems == [] and summary.ok
    assert lines[:3] == [f"Sending referral {n} to Good Things Café…" for n in (1, 2, 3)]
    exactly_once(partner)

    rows = [referral(services, i) for i in ids]
    assert [r.delivery_state for r in rows] == ["delivered"] * 3
    assert all(r.status == "sent" and r.lease_owner == "" and r.last_error == "" for r in rows)
    assert summary.sent_references == [r.reference for r in rows]
    bodies = [partner.referral(r.reference) for r in rows]
    assert [r.partner_reference for r in rows] == [b.partner_id for b in bodies]
    assert [b.key for b in bodies] == [r.idempotency_key for r in rows]

    first, second, third = (b.body for b in bodies)
    assert first == {
        "reference": rows[0].reference,
        "resident": {"name": "Łukasz Kowalski", "phone": "+447400123450", "preferred_contact": "phone"},
        "need": {"areas": ["transacting", "being_safe"], "description": "Wants to pay bills online safely"},
        "service": {"name": "Good Things Café: digital skills", "id": first["service"]["id"]},
        "referred_by": {"site": "Central Library", "staff_first_name": "Coordinator"},
        "sent_at": "2026-11-23T10:00:00Z",
    }
    assert first["service"]["id"].startswith("svc-")
    assert second["resident"] == {"name": "محمد الأحمد", "phone": "+447400123451",
                                  "email": "person1@example.org", "preferred_contact": "phone"}
    assert third["resident"] == {"name": "પ્રિયા પટેલ", "preferred_contact": "post",
                                 "address": {"lines": ["12 Mile End Road"], "postcode": "E1 4NS"}}
    for body in (first, second, third):
        text = json.dumps(body, ensure_ascii=False)
        assert "1960" not in text and "screen reader" not in text and "date_of_birth" not in text
        assert ("Mile End" in text) == ("E1 4NS" in text) == (body is third)

    delivered = audits(services, "referral.delivered")
    assert len(delivered) == 3
    assert "shared: name, phone, email" in delivered[1].summary and rows[1].reference in delivered[1].summary

    # Nothing is due any more: another run sends nothing.
    posts = sum(partner.posts_per_key.values())
    clock.advance(hours=1)
    _, again = drain(sender(services, clock, "desk-2").run_once())
    assert (again.attempted, sum(partner.posts_per_key.values())) == (0, posts)


def test_a_repeat_after_a_dropped_answer_creates_no_duplicate(services, coordinator, partner, connected, clock):
    referral_id = queue_referral(services, coordinator, add_resident(services, coordinator), connected)
    partner.drop(times=1)  # the partner stores it, then the answer is lost on the way back
    desk = sender(services, clock)
    _, summary = drain(desk.run_once())
    assert (summary.sent, summary.retry_later) == (0, 1)
    row = referral(services, referral_id)
    assert (row.delivery_state, row.attempts) == ("queued", 1)
    assert "broke before it answered" in row.last_error and "Next try after" in row.last_error
    wait = (as_utc(row.next_attempt_at) - clock.now()).total_seconds()
    assert 5.0 <= wait <= 10.0  # the first back-off: between half and all of 10 s
    assert len(partner.created_per_key) == 1

    _, early = drain(desk.run_once())  # not due yet
    assert early.attempted == 0
    clock.advance(seconds=11)
    _, later = drain(desk.run_once())
    assert later.sent == 1
    row = referral(services, referral_id)
    assert (row.delivery_state, row.attempts, row.last_error) == ("delivered", 2, "")
    assert partner.posts_per_key[row.idempotency_key] == 2  # sent twice under one key...
    exactly_once(partner)  # ...created once
    assert row.partner_reference == partner.referral(row.reference).partner_id


def test_while_a_partner_is_offline_its_referrals_wait_in_their_rows_and_other_partners_get_theirs(
        services, coordinator, partner, connected, clock):
    other = PartnerApi().start()
    try:
        other_service = add_partner(services, "Digital Unite", other.url)
        services_tokens(services).set_token(coordinator, other_service, TOKEN)
        resident = add_resident(services, coordinator)
        waiting = [queue_referral(services, coordinator, resident, connected) for _ in range(3)]
        elsewhere = queue_referral(services, coordinator, resident, other_service)
        partner.down()

        desk = sender(services, clock)
        _, summary = drain(desk.run_once())
        # One failure stops this partner's queue for the run; the other partner is not held up.
        assert (summary.attempted, summary.sent, summary.retry_later) == (2, 1, 1)
        assert any("Good Things Café's system cannot be reached" in p for p in summary.problems)
        assert referral(services, elsewhere).delivery_state == "delivered"
        first = referral(services, waiting[0])
        assert (first.delivery_state, first.attempts) == ("queued", 1)
        assert [referral(services, i).attempts for i in waiting[1:]] == [0, 0]

        # Still down: each run tries the referral due first, fails, and puts it behind the others
        # with a longer wait; the schedule is kept in the rows, not in memory.
        for total in (2, 3, 4, 5):
            rows = [referral(services, i) for i in waiting]
            due_at = min(as_utc(r.next_attempt_at) for r in rows)
            clock.advance(seconds=max(0.0, (due_at - clock.now()).total_seconds()) + 1)
            drain(sender(services, clock, "desk-restarted").run_once())
            after = [referral(services, i) for i in waiting]
            tried = [r for r, was in zip(after, rows) if r.attempts != was.attempts]
            assert len(tried) == 1 and sum(r.attempts for r in after) == total
            delay = (as_utc(tried[0].next_attempt_at) - clock.now()).total_seconds()
            ceiling = min(80.0, 10.0 * 2 ** (tried[0].attempts - 1))
            assert ceiling / 2 <= delay <= ceiling
            assert "cannot be reached" in tried[0].last_error and tried[0].delivery_state == "queued"
        assert max(r.attempts for r in after) == 2

        partner.up()
        clock.advance(seconds=81)
        _, back = drain(desk.run_once())
        assert back.sent == 3 and back.problems == []
        assert {referral(services, i).delivery_state for i in waiting} == {"delivered"}
        exactly_once(partner)
        exactly_once(other)
    finally:
        other.stop()


def test_busy_partner_is_left_alone_for_at_least_its_retry_after(services, coordinator, partner, connected, clock):
    referral_id = queue_referral(services, coordinator, add_resident(services, coordinator), connected)
    partner.fail(503, retry_after="120", times=1)
    desk = sender(services, clock)
    _, summary = drain(desk.run_once())
    assert summary.retry_later == 1 and "is busy (HTTP 503)" in summary.problems[0]
    row = referral(services, referral_id)
    assert as_utc(row.next_attempt_at) >= clock.now() + timedelta(seconds=120)
    clock.advance(seconds=100)
    assert drain(desk.run_once())[1].attempted == 0
    clock.advance(seconds=21)
    assert drain(desk.run_once())[1].sent == 1
    exactly_once(partner)


def test_a_refused_referral_is_not_retried_and_says_why(services, coordinator, partner, connected, clock):
    referral_id = queue_referral(services, coordinator, add_resident(services, coordinator), connected)
    partner.refuse("The course is full until March; refer to our Bethnal Green group instead.")
    _, summary = drain(sender(services, clock).run_once())
    assert (summary.sent, summary.refused) == (0, 1)
    row = referral(services, referral_id)
    assert row.delivery_state == "refused" and row.status == "sent"
    assert row.last_error == ("Refused by Good Things Café's system (HTTP 422): The course is full until March; "
                              "refer to our Bethnal Green group instead.")
    refused = audits(services, "referral.delivery_refused")
    assert [a.record_id for a in refused] == [str(referral_id)] and "course is full" in refused[0].summary
    posts = sum(partner.posts_per_key.values())
    clock.advance(days=1)
    partner.normal()
    assert drain(sender(services, clock).run_once())[1].attempted == 0
    assert sum(partner.posts_per_key.values()) == posts and partner.created_per_key == {}


def test_a_referral_withdrawn_or_whose_consent_was_withdrawn_before_it_went_is_not_sent(
        services, coordinator, partner, connected, clock):
    resident = add_resident(services, coordinator)
    consent_id = share_consent(services, coordinator, resident, "Good Things Café")
    referral_id = queue_referral(services, coordinator, resident, connected, consent_id=consent_id)
    services.consent.withdraw_consent(coordinator, consent_id, "Changed their mind")
    # Another resident's consent was replaced by a newer one for the same partner: still agreed.
    other = add_resident(services, coordinator, "Ana", "Popescu")
    replaced = share_consent(services, coordinator, other, "Good Things Café")
    still_agreed = queue_referral(services, coordinator, other, connected, consent_id=replaced)
    services.consent.record_consent(coordinator, other, ConsentInput(
        ConsentPurpose.SHARE_WITH_PARTNER, "GOOD THINGS CAFÉ", ConsentMethod.WRITTEN))
    # Staff withdrew a third before it went (ReferralService.withdraw leaves it queued).
    withdrawn = queue_referral(services, coordinator, other, connected)
    with services.db.unit_of_work() as session:
        session.execute(update(Referral).where(Referral.id == withdrawn).values(status="withdrawn"))

    _, summary = drain(sender(services, clock).run_once())
    assert (summary.attempted, summary.sent, summary.refused) == (2, 1, 1)
    assert list(partner.created_per_reference) == [referral(services, still_agreed).reference]
    row = referral(services, referral_id)
    assert row.delivery_state == "refused"
    assert row.last_error.startswith("Not sent: the resident's consent to share their details with Good Things Café "
                                     "was withdrawn")
    assert "was withdrawn" in audits(services, "referral.delivery_refused")[0].summary


def test_two_senders_at_once_never_send_one_referral_twice(services, coordinator, partner, connected, clock):
    resident = add_resident(services, coordinator)
    ids = [queue_referral(services, coordinator, resident, connected) for _ in range(12)]
    partner.slow(0.02)
    failures: list[BaseException] = []
    totals: list[int] = []
    start = threading.Barrier(2)

    def desk(name: str) -> None:
        try:
            start.wait()
            _, summary = drain(sender(services, clock, name, batch=4).run_once())
            totals.append(summary.sent)
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)

    threads = [threading.Thread(target=desk, args=(f"desk-{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    assert sum(totals) == 12
    assert set(partner.posts_per_key.values()) == {1}  # never even sent twice
    exactly_once(partner)
    assert {referral(services, i).delivery_state for i in ids} == {"delivered"}


def test_a_claim_left_by_a_stopped_desk_is_taken_over_when_its_lease_runs_out(
        services, coordinator, partner, connected, clock):
    referral_id = queue_referral(services, coordinator, add_resident(services, coordinator), connected)
    with services.db.unit_of_work() as session:  # a desk that claimed it and was switched off
        session.execute(update(Referral).where(Referral.id == referral_id).values(
            delivery_state="sending", lease_owner="switched-off", lease_until=clock.now() + timedelta(seconds=300),
            attempts=1))
    desk = sender(services, clock)
    assert drain(desk.run_once())[1].attempted == 0
    clock.advance(seconds=301)
    assert drain(desk.run_once())[1].sent == 1
    row = referral(services, referral_id)
    assert (row.delivery_state, row.attempts, row.lease_owner) == ("delivered", 2, "")
    exactly_once(partner)


# ---- partners' updates ------------------------------------------------------------------------------


def delivered(services, coordinator, clock, service_id: int, count: int) -> list[Referral]:
    resident = add_resident(services, coordinator)
    ids = [queue_referral(services, coordinator, resident, service_id) for _ in range(count)]
    assert drain(sender(services, clock).run_once())[1].sent == count
    return [referral(services, i) for i in ids]


def test_a_partners_updates_move_referrals_round_the_closed_loop_once(
        services, coordinator, partner, connected, clock):
    finishing, declined, open_one = delivered(services, coordinator, clock, connected, 3)
    start = clock.now()
    clock.advance(days=2)
    partner.accept(finishing.reference, at=start + timedelta(days=1))
    partner.report(finishing.reference, "attended", at=start + timedelta(days=1, hours=2))
    partner.report(finishing.reference, "completed", at=clock.now() + timedelta(seconds=30))  # clock a bit ahead
    partner.decline(declined.reference, "Lives outside the area we serve")

    lines, summary = drain(sender(services, clock).run_once())
    assert lines == [f"Reading updates from Good Things Café (page {n})…" for n in (1, 2)]
    assert (summary.updates_applied, summary.updates_not_applied, summary.problems) == (4, 0, [])

    done = referral(services, finishing.id)
    assert done.status == "completed"
    assert as_utc(done.accepted_at) == start + timedelta(days=1)
    assert as_utc(done.first_session_at) == start + timedelta(days=1, hours=2)
    assert as_utc(done.closed_at) == clock.now()  # not in the future
    steps = [(e.from_status, e.to_status, e.source, e.recorded_by, e.staff_id) for e in events(services, done.id)]
    assert steps[2:] == [("sent", "accepted", "partner_api", "partner: Good Things Café", None),
                         ("accepted", "attended_first_session", "partner_api", "partner: Good Things Café", None),
                         ("attended_first_session", "completed", "partner_api", "partner: Good Things Café", None)]
    no = referral(services, declined.id)
    assert (no.status, no.status_reason) == ("declined", "Lives outside the area we serve")
    assert [a.actor for a in audits(services, "referral.declined")] == ["partner: Good Things Café"]

    with services.db.unit_of_work() as session:
        assert session.get(AppSetting, cursor_key(partner.url)).value == "4"
    assert len(cursor_key(partner.url)) <= 60

    # The feed read again from its start (the cursor lost) changes nothing and reports nothing.
    history = [len(events(services, r.id)) for r in (finishing, declined, open_one)]
    with services.db.unit_of_work() as session:
        session.execute(delete(AppSetting).where(AppSetting.key == cursor_key(partner.url)))
    _, again = drain(sender(services, clock).run_once())
    assert (again.updates_applied, again.updates_skipped, again.problems) == (0, 4, [])
    assert [len(events(services, r.id)) for r in (finishing, declined, open_one)] == history
    assert referral(services, open_one.id).status == "sent"


def test_updates_the_loop_does_not_allow_are_reported_not_applied_and_do_not_hold_up_the_rest(
        services, coordinator, partner, connected, clock):
    ours, = delivered(services, coordinator, clock, connected, 1)
    other = PartnerApi().start()
    try:
        other_service = add_partner(services, "Age UK Tower Hamlets", other.url)
        services_tokens(services).set_token(coordinator, other_service, TOKEN)
        theirs, = delivered(services, coordinator, clock, other_service, 1)
        now = "2026-11-23T09:00:00Z"
        partner.add_update({"reference": ours.reference, "partner_id": ours.partner_reference, "status": "completed",
                            "happened_at": now})  # sent -> completed skips steps
        partner.add_update({"reference": "RF-ZZZZ-ZZ", "partner_id": "P-99999", "status": "accepted",
                            "happened_at": now})  # not ours
        partner.add_update({"reference": theirs.reference, "partner_id": "P-00001", "status": "accepted",
                            "happened_at": now})  # another partner's referral
        partner.add_update({"reference": ours.reference, "partner_id": ours.partner_reference, "status": "lost",
                            "happened_at": now})  # not a word of the interface
        partner.add_update({"reference": ours.reference, "partner_id": ours.partner_reference, "status": "stopped",
                            "happened_at": now, "reason": ""})  # accepted referrals only
        partner.add_update({"reference": ours.reference, "partner_id": ours.partner_reference, "status": "accepted",
                            "happened_at": now})  # fine
        partner.add_update({"reference": ours.reference, "partner_id": ours.partner_reference,
                            "status": "did_not_attend", "happened_at": now})  # fine
        partner.add_update({"reference": ours.reference, "partner_id": ours.partner_reference, "status": "stopped",
                            "happened_at": now})  # fine now, with no reason given

        _, summary = drain(sender(services, clock).run_once())
        assert (summary.updates_applied, summary.updates_not_applied) == (3, 5)
        problems = "\n".join(summary.problems)
        assert (f"An update from Good Things Café (completed for {ours.reference}) was not recorded: A referral "
                "that is sent cannot become completed") in problems
        assert "(accepted for RF-ZZZZ-ZZ) was not recorded: there is no referral with that reference here." in problems
        assert f"(accepted for {theirs.reference}) was not recorded: that referral was not sent to them." in problems
        assert "the status 'lost' is not one the interface has" in problems
        refused = audits(services, "referral.partner_update_refused")
        assert len(refused) == 5 and {a.actor for a in refused} == {"partner: Good Things Café"}
        assert {a.record_id for a in refused} == {str(ours.id), "RF-ZZZZ-ZZ", str(theirs.id)}

        row = referral(services, ours.id)
        assert (row.status, row.status_reason) == ("stopped", "No reason given by Good Things Café.")
        assert referral(services, theirs.id).status == "sent"
        with services.db.unit_of_work() as session:
            assert session.get(AppSetting, cursor_key(partner.url)).value == "8"
            assert session.get(AppSetting, cursor_key(other.url)) is not None
        # The cursor moved past them: the next run neither applies nor reports them again.
        _, again = drain(sender(services, clock).run_once())
        assert (again.updates_applied, again.updates_not_applied, again.problems) == (0, 0, [])
    finally:
        other.stop()


def test_an_unreadable_updates_feed_is_reported_and_read_again_later(
        services, coordinator, partner, connected, clock):
    ours, = delivered(services, coordinator, clock, connected, 1)
    partner.accept(ours.reference)
    partner.fail(500, times=1)
    _, summary = drain(sender(services, clock).run_once())
    assert summary.updates_applied == 0
    assert summary.problems == ["Updates from Good Things Café could not be read: Good Things Café's system had a "
                                "problem (HTTP 500): The partner's system is not well (500)."]
    _, later = drain(sender(services, clock).run_once())
    assert later.updates_applied == 1 and referral(services, ours.id).status == "accepted"


# ---- tokens and set-up ----------------------------------------------------------------------------


def test_without_a_token_nothing_is_sent_and_the_message_says_what_to_do(
        services, coordinator, partner, clock):
    service_id = add_partner(services, "Good Things Café", partner.url)
    referral_id = queue_referral(services, coordinator, add_resident(services, coordinator), service_id)
    _, summary = drain(sender(services, clock).run_once())
    expected = (f"Nothing was sent to Good Things Café: this computer has no token for their referral system "
                f"({partner.url}). A coordinator can set it in Partners. Referrals wait.")
    assert summary.problems == [expected] and summary.attempted == 0 and partner.hits == []
    row = referral(services, referral_id)
    assert (row.delivery_state, row.attempts, row.last_error) == ("queued", 0, expected)
    version = row.version
    drain(sender(services, clock).run_once())
    assert referral(services, referral_id).version == version  # saying it again does not touch the row

    services_tokens(services).set_token(coordinator, service_id, TOKEN)
    assert drain(sender(services, clock).run_once())[1].sent == 1


def test_a_wrong_token_keeps_referrals_waiting_and_no_token_is_ever_logged_or_audited(
        services, coordinator, partner, clock, caplog):
    caplog.set_level(logging.DEBUG)
    service_id = add_partner(services, "Good Things Café", partner.url)
    tokens = services_tokens(services)
    wrong = "wrong-token-5c2a77e1"
    tokens.set_token(coordinator, service_id, wrong)
    referral_id = queue_referral(services, coordinator, add_resident(services, coordinator), service_id)
    _, summary = drain(sender(services, clock).run_once())
    assert summary.retry_later == 1
    assert "Good Things Café's system refused this desk's token (HTTP 401)" in summary.problems[0]
    assert referral(services, referral_id).delivery_state == "queued"

    tokens.set_token(coordinator, service_id, TOKEN)
    clock.advance(minutes=5)
    assert drain(sender(services, clock).run_once())[1].sent == 1
    # It was used, and only in the header: refused, then accepted (and the updates feed read with it).
    assert partner.authorisations[:2] == [f"Bearer {wrong}", f"Bearer {TOKEN}"]
    assert set(partner.authorisations) == {f"Bearer {wrong}", f"Bearer {TOKEN}"}

    with services.db.unit_of_work() as session:
        audit_text = " ".join(f"{a.action} {a.summary}" for a in session.scalars(select(AuditEvent)))
        row_text = " ".join(f"{r.last_error} {r.updated_by}" for r in session.scalars(select(Referral)))
    assert "partner_api.token_set" in audit_text
    for secret in (TOKEN, wrong):
        assert secret not in caplog.text and secret not in audit_text and secret not in row_text
        assert secret not in repr(PartnerApiConfig(partner.url, secret, "Good Things Café"))


def test_only_coordinators_and_admins_set_or_clear_a_partners_token(services, admin, coordinator, partner):
    service_id = add_partner(services, "Good Things Café", partner.url)
    tokens = services_tokens(services)
    for role in (Role.DESK, Role.ADVOCATE):
        actor = make_actor(services, admin, f"{role.value}-person", role)
        with pytest.raises(PermissionDenied):
            tokens.set_token(actor, service_id, TOKEN)
        with pytest.raises(PermissionDenied):
            tokens.clear_token(actor, service_id)
        with pytest.raises(PermissionDenied):
            tokens.state(actor, service_id)
    assert tokens.state(coordinator, service_id).token_set is False
    for bad in ("", "   ", "two words", "tab\there"):
        with pytest.raises(ValidationError, match="exactly as the partner gave it") as refused:
            tokens.set_token(coordinator, service_id, bad)
        assert refused.value.field == "token"
    kept = tokens.set_token(admin, service_id, TOKEN)
    state = tokens.state(coordinator, service_id)
    assert (state.token_set, state.api_url, state.kept_in) == (True, partner.url, kept)
    assert services.secrets.get(token_key(partner.url + "/")) == TOKEN  # one per address, slash or not
    tokens.clear_token(coordinator, service_id)
    assert tokens.state(coordinator, service_id).token_set is False
    assert [a.action for a in audits(services, "partner_api.token_cleared")] == ["partner_api.token_cleared"]

    no_api = add_partner(services, "Phone-only Partner", "")
    with pytest.raises(ValidationError, match="has no referral API address"):
        tokens.set_token(coordinator, no_api, TOKEN)


def test_partner_api_addresses_must_be_encrypted_and_certificates_verified(services, coordinator, clock):
    assert check_api_url("https://partner.example.org/api/v1/") == "https://partner.example.org/api/v1"
    for bad, words in (("http://partner.example.org/api", "unencrypted"), ("ftp://x.org", "not a web address"),
                       ("https://user:pw@partner.example.org", "without a user name"), ("", "not a web address")):
        with pytest.raises(ValidationError, match=words):
            check_api_url(bad)

    plain = add_partner(services, "Plain Partner", "http://partner.example.org/api/v1")
    with pytest.raises(ValidationError, match="unencrypted"):
        services_tokens(services).set_token(coordinator, plain, TOKEN)
    services.secrets.set(token_key("http://partner.example.org/api/v1"), TOKEN)  # kept before the address changed
    unencrypted = queue_referral(services, coordinator, add_resident(services, coordinator), plain)
    untrusted = PartnerApi(tls=True).start()
    try:
        tls_service = add_partner(services, "Self-signed Partner", untrusted.url)
        services_tokens(services).set_token(coordinator, tls_service, TOKEN)
        resident = add_resident(services, coordinator, "Ana", "Popescu")
        unverified = queue_referral(services, coordinator, resident, tls_service)
        _, summary = drain(sender(services, clock).run_once())
        assert (summary.sent, summary.retry_later) == (0, 2)
        assert untrusted.created_per_key == {} and untrusted.tls_failures >= 1
    finally:
        untrusted.stop()
    assert "would send residents' details unencrypted" in referral(services, unencrypted).last_error
    assert "certificate could not be verified" in referral(services, unverified).last_error
    assert {referral(services, i).delivery_state for i in (unencrypted, unverified)} == {"queued"}


def test_a_second_run_while_one_is_running_returns_at_once(services, coordinator, partner, connected, clock):
    queue_referral(services, coordinator, add_resident(services, coordinator), connected)
    desk = sender(services, clock)
    first = desk.run_once()
    assert next(first).startswith("Sending referral 1")
    _, second = drain(desk.run_once())
    assert second.problems == ["Another delivery of referrals is already running."] and second.attempted == 0
    _, summary = drain(first)
    assert summary.sent == 1


def test_a_referral_made_and_sent_at_the_desk_reaches_the_partner_and_its_outcome_comes_back(
        services, coordinator, partner, connected, clock):
    """The whole path: ReferralService drafts and sends (queues) it, the sender delivers it, the
    partner's updates close the loop, and staff see each step."""
    from assisted_desk.inclusion.referrals import ReferralService

    referrals = ReferralService(services.db, clock, services.consent, services.settings)
    resident = add_resident(services, coordinator, "محمد", "الأحمد", phone="07400 123456", preferred_contact="sms")
    share_consent(services, coordinator, resident, "Good Things Café")
    draft = referrals.draft(coordinator, resident, connected, need_areas=["transacting"],
                            need_text="Wants to book GP appointments online")
    sent = referrals.send(coordinator, draft.id, draft.version)
    assert partner.hits == []  # sending at the desk never waits on the network

    drain(sender(services, clock).run_once())
    stored = partner.referral(sent.referral.reference)
    assert stored.body["resident"] == {"name": "محمد الأحمد", "phone": "+447400123456", "preferred_contact": "sms"}
    assert stored.body["need"] == {"areas": ["transacting"], "description": "Wants to book GP appointments online"}
    assert stored.body["referred_by"] == {"site": "Central Library", "staff_first_name": "Coordinator"}
    record = referrals.get(coordinator, draft.id)
    assert sent.referral.delivery_state == DeliveryState.QUEUED
    assert (record.partner_reference, record.delivery_state) == (stored.partner_id, DeliveryState.DELIVERED)

    clock.advance(days=3)
    partner.accept(sent.referral.reference, at=clock.now() - timedelta(days=1))
    partner.report(sent.referral.reference, "did_not_attend")
    drain(sender(services, clock).run_once())
    record = referrals.get(coordinator, draft.id)
    assert record.status == ReferralStatus.DID_NOT_ATTEND
    assert [e.source for e in events(services, draft.id)][-2:] == [UpdateSource.PARTNER_API.value] * 2


# ---- one rule for what a partner gets, whatever the method -------------------------------------------

# (given, family, what they allow): post as the preferred way, email by consent, text by preference.
SHARING = [
    ("Łukasz", "Kowalski", dict(preferred_contact="post", preferred_name="Łukek"), ["email"]),
    ("محمد", "الأحمد", dict(preferred_contact="sms"), []),
    ("પ્રિયા", "પટેલ", dict(), []),
]


def desk_referrals(services, clock):
    from assisted_desk.inclusion.referrals import ReferralService

    return ReferralService(services.db, clock, services.consent, services.settings)


def facts_from_payload(body: dict) -> dict:
    """What the API payload tells the partner about the resident, in the content's words."""
    from assisted_desk.desk.contact_details import show_phone

    person = body["resident"]
    address = person.get("address", {})
    return {"name": person["name"], "preferred_name": person.get("preferred_name", ""),
            "phone": show_phone(person.get("phone", "")), "email": person.get("email", ""),
            "address": tuple([*address.get("lines", []), *([address["town"]] if "town" in address else []),
                              *([address["postcode"]] if "postcode" in address else [])]),
            "preferred_contact": person.get("preferred_contact", "")}


def facts_from_content(shared) -> dict:
    return {"name": shared.resident_name, "preferred_name": shared.preferred_name, "phone": shared.phone,
            "email": shared.email, "address": shared.address, "preferred_contact": shared.preferred_contact}


@pytest.mark.parametrize("given, family, details, contact_consents", SHARING, ids=["post", "sms", "nothing"])
def test_a_partner_gets_the_same_details_by_email_phone_slip_and_api(
        services, coordinator, partner, connected, clock, given, family, details, contact_consents):
    from tests.inclusion.referral_fixtures import add_partner as add_service

    resident = add_resident(services, coordinator, given, family, date_of_birth="02/04/1960", phone="07400 123456",
                            email="resident@example.org", address_line1="12 Mile End Road", town="London",
                            postcode="e1 4ns", accessibility_needs="Uses a screen reader", **details)
    for way in contact_consents:
        services.consent.record_consent(coordinator, resident, ConsentInput(ConsentPurpose.CONTACT, way,
                                                                            ConsentMethod.VERBAL))
    share_consent(services, coordinator, resident, "Good Things Café")
    referrals = desk_referrals(services, clock)
    results = {}
    for method in ("email", "phone", "slip"):
        service = add_service(services, "Good Things Café", method=method, service_name=f"By {method}")
        draft = referrals.draft(coordinator, resident, service, need_areas=["transacting"], need_text="Online banking")
        results[method] = referrals.send(coordinator, draft.id, draft.version)
    draft = referrals.draft(coordinator, resident, connected, need_areas=["transacting"], need_text="Online banking")
    queued = referrals.send(coordinator, draft.id, draft.version)
    drain(sender(services, clock).run_once())
    body = partner.referral(queued.referral.reference).body

    expected = facts_from_payload(body)
    for method, result in (*results.items(), ("api", queued)):
        assert facts_from_content(result.shared) == expected, method
    # What each way of sending actually says carries exactly those details.
    email, script = results["email"].email.body, results["phone"].phone_call.script
    slip = "\n".join(results["slip"].slip.resident_contact)
    for text in (email, script, slip):
        assert ("07400 123456" in text) == bool(expected["phone"])
        assert ("resident@example.org" in text) == bool(expected["email"])
        assert ("12 Mile End Road, London, E1 4NS" in text) == bool(expected["address"])
        assert "1960" not in text and "screen reader" not in text
    assert f"{given} {family}" in email and f"{given} {family}" in script
    json_text = json.dumps(body, ensure_ascii=False)
    assert "1960" not in json_text and "screen reader" not in json_text

    if given == "Łukasz":  # post preferred, email agreed: name, preferred name, email and address
        assert body["resident"] == {"name": "Łukasz Kowalski", "preferred_name": "Łukek",
                                    "email": "resident@example.org", "preferred_contact": "post",
                                    "address": {"lines": ["12 Mile End Road"], "town": "London",
                                                "postcode": "E1 4NS"}}
        assert "Łukasz Kowalski (prefers Łukek)" in email and "Best way to reach them: post" in email
    elif given == "محمد":  # texts preferred: the number only
        assert body["resident"] == {"name": "محمد الأحمد", "phone": "+447400123456", "preferred_contact": "sms"}
    else:  # nothing allowed: the name only, and the partner replies through us
        assert body["resident"] == {"name": "પ્રિયા પટેલ"}
        assert "They have not agreed to share their contact details" in email
    shared = [a.summary for a in audits(services, "referral.shared")]
    assert len(shared) == 3 and len({s.split(" by ")[0].split(": ", 1)[1] for s in shared}) == 1
    # By API, sending only queues it; what went is audited when it was delivered.
    [queued_audit] = [a.summary for a in audits(services, "referral.queued")]
    assert queued_audit.startswith(f"{queued.referral.reference}: queued for Good Things Café's system")
    assert "shared with" not in queued_audit
    [delivered] = [a.summary for a in audits(services, "referral.delivered")]
    assert delivered.startswith(f"{queued.referral.reference}: delivered to Good Things Café's system")


# ---- leaving the outbox ---------------------------------------------------------------------------------


def test_withdrawing_or_rerouting_a_waiting_referral_takes_it_out_of_the_outbox(
        services, coordinator, partner, connected, clock):
    referrals = desk_referrals(services, clock)
    resident = add_resident(services, coordinator, "પ્રિયા", "પટેલ")
    other_service = add_partner(services, "Age UK Tower Hamlets", partner.url)
    queued, refused, kept = (queue_referral(services, coordinator, resident, connected) for _ in range(3))
    with services.db.unit_of_work() as session:
        session.execute(update(Referral).where(Referral.id == refused).values(
            delivery_state=DeliveryState.REFUSED.value, last_error="Refused by Good Things Café's system: full"))
    assert [f.referral.id for f in referrals.follow_ups(coordinator)] == [refused]

    record = referrals.get(coordinator, queued)
    withdrawn = referrals.withdraw(coordinator, queued, reason="Moved away", expected_version=record.version)
    assert (withdrawn.status, withdrawn.delivery_state) == (ReferralStatus.WITHDRAWN, DeliveryState.CANCELLED)
    assert DeliveryState.CANCELLED.label == "Not sent through their system"
    record = referrals.get(coordinator, refused)
    new = referrals.reroute(coordinator, refused, other_service, reason="Partner full",
                            expected_version=record.version)
    assert referrals.get(coordinator, refused).delivery_state == DeliveryState.CANCELLED
    assert new.delivery_state == DeliveryState.NOT_BY_API and new.rerouted_from == record.reference
    assert referrals.follow_ups(coordinator) == ()  # nothing refused is left for staff to act on
    cancelled = audits(services, "referral.delivery_cancelled")
    assert [a.record_id for a in cancelled] == [str(queued), str(refused)]
    assert "withdrawn while waiting to send" in cancelled[0].summary
    with services.db.unit_of_work() as session:
        row = session.get(Referral, queued)
        assert (row.next_attempt_at, row.lease_owner) == (None, "")

    _, summary = drain(sender(services, clock).run_once())
    assert (summary.attempted, summary.sent) == (1, 1)
    assert list(partner.created_per_reference) == [referral(services, kept).reference]
    # Closing a referral that is not waiting leaves its delivery alone.
    record = referrals.get(coordinator, kept)
    after = referrals.withdraw(coordinator, kept, reason="Changed their mind", expected_version=record.version)
    assert after.delivery_state == DeliveryState.DELIVERED


def test_a_partner_declining_by_spreadsheet_before_the_api_took_it_takes_it_out_of_the_outbox(
        services, coordinator, partner, connected, clock):
    from assisted_desk.inclusion.referral_csv import PartnerUpdatesImport

    resident = add_resident(services, coordinator, "محمد", "الأحمد")
    referral_id = queue_referral(services, coordinator, resident, connected)
    reference = referral(services, referral_id).reference
    updates = PartnerUpdatesImport(services.db, clock)
    preview = updates.preview(coordinator, f"reference,status,date,reason\n{reference},declined,23/11/2026,"
                                           "Outside our area\n".encode())
    updates.apply(coordinator, preview)
    row = referral(services, referral_id)
    assert (row.status, row.delivery_state) == ("declined", "cancelled")
    _, summary = drain(sender(services, clock).run_once())
    assert summary.attempted == 0 and partner.hits == []


def test_a_waiting_referral_staff_mark_accepted_leaves_the_outbox_instead_of_waiting_for_ever(
        services, coordinator, partner, connected, clock):
    """The sender only takes referrals still "sent": any step out of "sent" while one waits (queued,
    or refused by the partner's system) takes it out, so the screen never says "waiting to send"
    about one that never will."""
    referrals = desk_referrals(services, clock)
    resident = add_resident(services, coordinator, "Łukasz", "Kowalski")
    queued, refused = (queue_referral(services, coordinator, resident, connected) for _ in range(2))
    with services.db.unit_of_work() as session:
        session.execute(update(Referral).where(Referral.id == refused).values(
            delivery_state=DeliveryState.REFUSED.value, last_error="Refused by Good Things Café's system: full"))
    for referral_id in (queued, refused):
        record = referrals.get(coordinator, referral_id)
        accepted = referrals.record_update(coordinator, referral_id, ReferralStatus.ACCEPTED, source="call",
                                           expected_version=record.version, note="They rang: they have it")
        assert (accepted.status, accepted.delivery_state) == (ReferralStatus.ACCEPTED, DeliveryState.CANCELLED)
    cancelled = audits(services, "referral.delivery_cancelled")
    assert [a.record_id for a in cancelled] == [str(queued), str(refused)]
    assert "accepted while waiting to send" in cancelled[0].summary
    assert not any(f.refused_by_system for f in referrals.follow_ups(coordinator))
    _, summary = drain(sender(services, clock).run_once())
    assert summary.attempted == 0 and not any(h.method == "POST" for h in partner.hits)


def test_a_partners_update_dated_before_the_last_step_is_recorded_at_that_step_with_a_note(
        services, coordinator, partner, connected, clock):
    """Refusing it would lose the partner's news for good (the feed's cursor moves on): it is put
    at the moment of the referral's latest step, and the date the partner gave is noted."""
    [one] = delivered(services, coordinator, clock, connected, 1)
    sent_at = as_utc(referral(services, one.id).sent_at)
    clock.advance(days=3)
    partner.accept(one.reference, at=sent_at - timedelta(days=2))  # the partner's date is before we sent it
    _, summary = drain(sender(services, clock).run_once())
    assert (summary.updates_applied, summary.updates_not_applied) == (1, 0)
    row = referral(services, one.id)
    assert row.status == "accepted" and as_utc(row.accepted_at) == sent_at
    last = events(services, one.id)[-1]
    assert as_utc(last.happened_at) == sent_at and last.recorded_at > last.happened_at
    assert "gave 21 November 2026 as the date, before the referral was sent on 23 November 2026" in last.note
    happened = [as_utc(e.happened_at) for e in events(services, one.id)]
    assert happened == sorted(happened)


def _send_in_background(services, clock, partner):
    """Run a sender in a thread; returns (thread, result box) once its POST reached the partner."""
    box: dict = {}
    run = sender(services, clock)
    thread = threading.Thread(target=lambda: box.update(summary=drain(run.run_once())[1]))
    thread.start()
    for _ in range(400):
        if any(h.method == "POST" for h in partner.hits):
            break
        threading.Event().wait(0.01)
    else:
        pytest.fail("the sender never reached the partner")
    return thread, box


@pytest.mark.parametrize("partner_answer", ["accepts", "refuses"])
def test_a_referral_withdrawn_while_it_is_being_sent(services, coordinator, partner, connected, clock,
                                                     partner_answer):
    """The sender holds the lease: the withdrawal is recorded at once, and the sender records the
    partner's answer. If the partner took it, staff are told to let them know; if not, it leaves
    the outbox."""
    referrals = desk_referrals(services, clock)
    resident = add_resident(services, coordinator, "Łukasz", "Kowalski")
    referral_id = queue_referral(services, coordinator, resident, connected)
    reference = referral(services, referral_id).reference
    # Long enough that, even on a loaded machine, the partner is still answering when staff withdraw.
    partner.slow(3.0)
    if partner_answer == "refuses":
        partner.refuse("The course is full until March.")
    thread, box = _send_in_background(services, clock, partner)
    record = referrals.get(coordinator, referral_id)
    assert record.delivery_state == DeliveryState.SENDING
    withdrawn = referrals.withdraw(coordinator, referral_id, reason="Found a course nearer home",
                                   expected_version=record.version)
    assert (withdrawn.status, withdrawn.delivery_state) == (ReferralStatus.WITHDRAWN, DeliveryState.SENDING)
    thread.join(timeout=20)
    summary = box["summary"]
    after = referrals.get(coordinator, referral_id)
    assert after.status == ReferralStatus.WITHDRAWN
    if partner_answer == "accepts":
        stored = partner.referral(reference)
        assert (after.delivery_state, after.partner_reference) == (DeliveryState.DELIVERED, stored.partner_id)
        assert summary.sent == 1 and not summary.ok
        assert summary.problems == [f"{reference} reached Good Things Café's system (their id {stored.partner_id}) "
                                    "just as it was withdrawn here: let Good Things Café know it is withdrawn."]
        assert len(audits(services, "referral.delivered_after_closing")) == 1
    else:
        assert after.delivery_state == DeliveryState.CANCELLED and after.last_error == ""
        assert (summary.refused, summary.cancelled, summary.sent) == (0, 1, 0)
        assert "did not take it" in audits(services, "referral.delivery_cancelled")[0].summary
    partner.normal()
    clock.advance(days=1)
    posts = sum(partner.posts_per_key.values())
    assert drain(sender(services, clock, "desk-2").run_once())[1].attempted == 0
    assert sum(partner.posts_per_key.values()) == posts


def test_a_referral_withdrawn_after_its_senders_lease_ran_out_is_never_sent(
        services, coordinator, partner, connected, clock):
    referrals = desk_referrals(services, clock)
    resident = add_resident(services, coordinator)
    referral_id = queue_referral(services, coordinator, resident, connected)
    with services.db.unit_of_work() as session:  # a desk that stopped mid-send: its claim ran out
        session.execute(update(Referral).where(Referral.id == referral_id).values(
            delivery_state=DeliveryState.SENDING.value, lease_owner="desk-gone",
            lease_until=clock.now() - timedelta(minutes=1)))
    record = referrals.get(coordinator, referral_id)
    after = referrals.withdraw(coordinator, referral_id, reason="No longer needed", expected_version=record.version)
    assert after.delivery_state == DeliveryState.CANCELLED
    assert drain(sender(services, clock).run_once())[1].attempted == 0 and partner.hits == []
