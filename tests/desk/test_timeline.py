"""The resident's timeline: everything about one resident, newest first, each line naming what it opens."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from assisted_desk.core.errors import NotFound, PermissionDenied
from assisted_desk.core.security import PERMISSIONS, Permission, Role
from assisted_desk.desk import timeline as timeline_module
from assisted_desk.desk.consent import ConsentInput, RepresentativeInput
from assisted_desk.desk.models import Callback, CallbackAttempt, QueueTicket
from assisted_desk.desk.timeline import TimelineItem, TimelineService, register_timeline_source
from assisted_desk.desk.vocab import ConsentPurpose, HelpType, Outcome

from ..conftest import make_actor
from .contact_fixtures import contact, register


@pytest.fixture
def lukasz(services, admin) -> int:
    return register(services, admin)


def _queue_and_callback(services, admin, resident_id, clock) -> tuple[int, int]:
    now = clock.now()
    with services.db.unit_of_work() as session:
        ticket = QueueTicket(site_id=admin.site_id, day=date(2026, 11, 23), number=4, resident_id=resident_id,
                             reason="Council Tax letter", status="done", arrived_at=now - timedelta(minutes=9),
                             called_at=now - timedelta(minutes=2), ended_at=now + timedelta(minutes=10),
                             served_by_id=admin.staff_id, updated_at=now, updated_by="admin")
        callback = Callback(site_id=admin.site_id, resident_id=resident_id, phone="+447911123456",
                            reason="Ring back about bin collection\nsecond line", due_by=now + timedelta(hours=4),
                            status="open", created_at=now + timedelta(minutes=1), created_by="admin",
                            updated_at=now, updated_by="admin")
        session.add_all([ticket, callback])
        session.flush()
        session.add(CallbackAttempt(callback_id=callback.id, attempted_at=now, staff_id=admin.staff_id,
                                    outcome="no_answer"))
        return ticket.id, callback.id


def test_everything_about_a_resident_newest_first(services, admin, lukasz, clock):
    ticket_id, callback_id = _queue_and_callback(services, admin, lukasz, clock)
    clock.advance(minutes=5)
    rep = services.consent.add_representative(
        admin, lukasz, RepresentativeInput("Ștefan Popescu", "attorney", phone="07911 123456", scope=("*",),
                                           evidence="LPA 7000-1111-2222"))
    clock.advance(minutes=5)
    consent = services.consent.record_consent(
        admin, lukasz, ConsentInput(ConsentPurpose.ACT_ON_BEHALF, "parking", "written", valid_until=date(2026, 11, 24)))
    clock.advance(minutes=5)
    reference = services.interactions.log_interaction(admin, contact(
        lukasz, "parking", help_type=HelpType.ON_BEHALF, outcome=Outcome.REFERRED, minutes=15,
        satisfaction="good", notes="Paid the fine online with them\nsecond line"))
    clock.advance(days=2)  # the consent expires at midnight after 24 November
    services.consent.end_representative(admin, rep.id)
    other = register(services, admin, "محمد", "الحسن", "05/05/1975")
    services.interactions.log_interaction(admin, contact(other))

    items = services.timeline.for_resident(admin, lukasz)
    assert [i.kind for i in items] == [
        "representative_ended", "consent_expired", "interaction", "consent_given", "representative_added",
        "callback", "queue_ticket"]
    assert [i.when for i in items] == sorted((i.when for i in items), reverse=True)
    by_kind = {i.kind: i for i in items}
    contact_line = by_kind["interaction"]
    assert contact_line.title == "Contact: Parking — referred on"
    assert contact_line.detail == ("Face to face · Done on the resident's behalf · 15 min · satisfaction: good · "
                                   "by Amara Okafor · Paid the fine online with them")
    assert contact_line.reference == reference and contact_line.open_kind == "interaction"
    assert services.interactions.get(admin, contact_line.open_id).reference == reference
    given = by_kind["consent_given"]
    assert given.title == "Consent given: act for them with Parking"
    assert given.detail == "Written · given by the resident · valid until 24 November 2026 · recorded by Amara Okafor"
    assert (given.open_kind, given.open_id) == ("consent", consent.id)
    assert by_kind["consent_expired"].title == "Consent expired: act for them with Parking"
    assert by_kind["representative_added"].title == "Representative added: Ștefan Popescu (Attorney (lasting " \
                                                    "power of attorney))"
    assert "may act for all council services · evidence: LPA 7000-1111-2222 · 07911 123456" in \
        by_kind["representative_added"].detail
    assert (by_kind["representative_ended"].open_kind, by_kind["representative_ended"].open_id) == (
        "representative", rep.id)
    assert by_kind["queue_ticket"].title == "Walk-in ticket 4 at Central Library"
    assert by_kind["queue_ticket"].detail == "Done · Council Tax letter · waited 7 min · served for 12 min · " \
                                             "by Amara Okafor"
    assert (by_kind["queue_ticket"].open_kind, by_kind["queue_ticket"].open_id) == ("queue_ticket", ticket_id)
    assert by_kind["callback"].title == "Callback: Ring back about bin collection"
    assert "Open · due by 23/11/2026 14:00 · 07911 123456 · 1 attempt · by admin" == by_kind["callback"].detail
    assert by_kind["callback"].open_id == callback_id
    assert all(isinstance(i, TimelineItem) for i in items)


def test_withdrawn_consent_shows_both_lines(services, admin, lukasz, clock):
    given = services.consent.record_consent(admin, lukasz, ConsentInput(ConsentPurpose.CONTACT, "sms", "digital"))
    clock.advance(hours=1)
    services.consent.withdraw_consent(admin, given.id, "No more texts")
    items = services.timeline.for_resident(admin, lukasz)
    assert [(i.kind, i.title) for i in items] == [
        ("consent_withdrawn", "Consent withdrawn: contact by SMS"), ("consent_given", "Consent given: contact by SMS")]
    assert items[0].detail == "by admin · No more texts"


def test_a_new_resident_has_an_empty_timeline_and_strangers_are_refused(services, admin, lukasz):
    assert services.timeline.for_resident(admin, lukasz) == ()
    with pytest.raises(NotFound):
        services.timeline.for_resident(admin, 999_999)


def test_a_merged_record_sends_you_to_the_survivor_which_shows_both_histories(services, admin, lukasz):
    twin = register(services, admin, "Lukasz", "Zolc")
    first = services.interactions.log_interaction(admin, contact(lukasz))
    second = services.interactions.log_interaction(admin, contact(twin, "libraries"))
    survivor, merged = services.residents.get(admin, lukasz), services.residents.get(admin, twin)
    services.residents.merge(admin, lukasz, twin, expected_survivor_version=survivor.version,
                             expected_merged_version=merged.version)
    assert {i.reference for i in services.timeline.for_resident(admin, lukasz)} == {first, second}
    with pytest.raises(NotFound, match="merged into another one"):
        services.timeline.for_resident(admin, twin)


def test_later_work_adds_its_own_kinds_of_item(services, admin, lukasz, clock, monkeypatch):
    monkeypatch.setattr(timeline_module, "_SOURCES", dict(timeline_module._SOURCES))

    def cases(context):
        assert context.resident_id == lukasz and context.session is not None
        yield TimelineItem("case_opened", context.clock.now() + timedelta(days=1), "Case opened: Housing", "",
                           "CA-0000-00", "case", 7)

    register_timeline_source("cases", cases)
    services.interactions.log_interaction(admin, contact(lukasz))
    items = services.timeline.for_resident(admin, lukasz)
    assert [(i.kind, i.open_kind, i.open_id) for i in items][0] == ("case_opened", "case", 7)
    assert items[1].kind == "interaction"
    only_cases = TimelineService(services.db, clock, sources={"cases": cases})
    assert [i.kind for i in only_cases.for_resident(admin, lukasz)] == ["case_opened"]


def test_the_timeline_needs_view_residents(services, admin, lukasz, monkeypatch):
    desk = make_actor(services, admin, "desk1", Role.DESK)
    assert services.timeline.for_resident(desk, lukasz) == ()
    monkeypatch.setitem(PERMISSIONS, Role.DESK, PERMISSIONS[Role.DESK] - {Permission.VIEW_RESIDENTS})
    with pytest.raises(PermissionDenied, match="may not view residents"):
        services.timeline.for_resident(desk, lukasz)
