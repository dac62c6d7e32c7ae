"""Two desks editing the same resident, case or referral, each with its own services (its own
connection pool) on one database, as two computers in a borough would be.

The second save is refused, saying what changed and by whom; nothing of the second person's is
written; what they typed (the input they passed) is untouched and saves when they apply it again
to the record as it is now. The race where both read before either writes (caught by the
version on the UPDATE itself, not by the check before it) is proved on the real PostgreSQL server."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import event

from assisted_desk.core.config import Paths, parse_database_url
from assisted_desk.core.errors import ConflictError
from assisted_desk.core.security import Role
from assisted_desk.desk.resident_input import ResidentInput
from assisted_desk.inclusion.referral_vocab import ReferralStatus as S
from assisted_desk.services import open_services

from ..casework.case_fixtures import open_case, register
from ..conftest import make_actor
from ..inclusion.referral_fixtures import add_partner, agree_to_share


@pytest.fixture
def other_desk(services, database_url, clock, hashing, tmp_path):
    """A second computer: its own home folder and its own connections to the same database."""
    desk = open_services(Paths.for_home(tmp_path / "other-desk"), parse_database_url(database_url),
                         clock=clock, hashing=hashing, migrate=False)
    yield desk
    desk.close()


def as_typed(record) -> ResidentInput:
    return ResidentInput(given_name=record.given_name, family_name=record.family_name, phone=record.phone_display,
                         postcode=record.postcode, email=record.email)


def saves_first_during_our_save(desk_services, save):
    """Run `save` (the other desk) once, inside our unit of work just before it writes: both desks
    have read the same version, and theirs commits first."""
    done = []

    def before_flush(session, flush_context, instances):
        if not done:
            done.append(True)
            save()

    event.listen(desk_services.db._sessions, "before_flush", before_flush)
    return lambda: event.remove(desk_services.db._sessions, "before_flush", before_flush)


def sent_referral(services, admin, given: str, family: str):
    """Two coordinators, and a referral of a new resident sent under their consent."""
    coordinator = make_actor(services, admin, "coordinator", Role.COORDINATOR)
    colleague = make_actor(services, admin, "colleague", Role.COORDINATOR)
    resident_id = register(services, admin, given, family)
    service_id = add_partner(services, "Good Things Foundation")
    agree_to_share(services, coordinator, resident_id, "Good Things Foundation")
    draft = services.referrals.draft(coordinator, resident_id, service_id, need_areas=["transacting"])
    return coordinator, colleague, services.referrals.send(coordinator, draft.id, draft.version).referral


def test_the_second_save_of_a_resident_is_refused_saying_what_changed_and_by_whom(services, other_desk, admin, clock):
    ana = make_actor(services, admin, "ana", Role.DESK)
    ben = make_actor(services, admin, "ben", Role.DESK)
    resident_id = register(services, admin, "Łukasz", "Żółć", phone="07400 123456", postcode="E1 6AN")
    opened_by_ana = services.residents.get(ana, resident_id)
    opened_by_ben = other_desk.residents.get(ben, resident_id)

    clock.advance(minutes=3)
    services.residents.update(ana, resident_id, replace(as_typed(opened_by_ana), phone="07400 654321"),
                              opened_by_ana.version)
    services.residents.get_equality(ana, resident_id)  # audited on the record, but changes nothing
    bens_typing = replace(as_typed(opened_by_ben), email="lukasz@example.org", postcode="E2 7QJ")
    with pytest.raises(ConflictError) as refused:
        other_desk.residents.update(ben, resident_id, bens_typing, opened_by_ben.version)
    said = refused.value.message
    assert "changed by ana" in said and "not saved" in said
    assert "The last change recorded: ana at 23/11/2026 10:03, updated (changed: phone)." in said  # what, who, when
    now = services.residents.get(admin, resident_id)
    assert (now.phone_display.replace(" ", ""), now.email, now.postcode) == ("07400654321", "", "E1 6AN")

    # Ben's typing is still his to apply to the record as it is now.
    assert bens_typing.email == "lukasz@example.org"
    saved = other_desk.residents.update(ben, resident_id, replace(bens_typing, phone=now.phone_display), now.version)
    assert (saved.email, saved.postcode, saved.phone_display.replace(" ", "")) == \
        ("lukasz@example.org", "E2 7QJ", "07400654321")


def test_a_case_changed_at_another_desk_refuses_the_stale_save_with_who_and_what(services, other_desk, admin):
    advocate = make_actor(services, admin, "advocate", Role.ADVOCATE)
    manager = make_actor(services, admin, "manager", Role.MANAGER)
    case = services.cases.get_case(advocate, open_case(services, advocate, register(services, admin)).id)
    other_desk.cases.escalate(manager, case.id, 1, "No reply from the landlord in 10 days", case.version)
    other_desk.cases.record_activity(manager, case.id, "note", "Left a message")  # the case itself unchanged
    with pytest.raises(ConflictError) as refused:
        services.cases.change_status(advocate, case.id, "in_progress", "Called the landlord", case.version)
    said = refused.value.message
    assert "changed by manager" in said and "The last change recorded: manager at" in said and "escalated" in said
    assert "note" not in said
    now = services.cases.get_case(advocate, case.id)
    assert now.escalation_level == 1 and now.status == case.status
    assert services.cases.change_status(advocate, case.id, "in_progress", "Called the landlord",
                                        now.version).status == "in_progress"


def test_a_referral_updated_at_another_desk_refuses_the_stale_update(services, other_desk, admin):
    coordinator, colleague, referral = sent_referral(services, admin, "Ștefan", "Popescu")
    other_desk.referrals.record_update(colleague, referral.id, S.ACCEPTED, expected_version=referral.version,
                                       note="Rang to say yes")
    with pytest.raises(ConflictError) as refused:
        services.referrals.record_update(coordinator, referral.id, S.DECLINED, expected_version=referral.version,
                                         reason="Course full")
    said = refused.value.message
    assert "changed by Colleague" in said and "colleague at" in said and "accepted" in said
    now = services.referrals.get(coordinator, referral.id)
    assert now.status == S.ACCEPTED and [e.to_status for e in now.events][-1] == S.ACCEPTED


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_desks_saving_one_resident_at_the_same_moment_one_wins_and_nothing_is_lost(services, other_desk, admin):
    ana = make_actor(services, admin, "ana", Role.DESK)
    ben = make_actor(services, admin, "ben", Role.DESK)
    resident_id = register(services, admin, "محمد", "الحسن", postcode="E1 6AN")
    read = services.residents.get(ana, resident_id)
    # Both pass the version check; Ana's desk commits between Ben's check and Ben's write.
    undo = saves_first_during_our_save(other_desk, lambda: services.residents.update(
        ana, resident_id, replace(as_typed(read), postcode="E3 4QQ"), read.version))
    try:
        with pytest.raises(ConflictError, match="at the same moment"):
            other_desk.residents.update(ben, resident_id, replace(as_typed(read), email="m@example.org"), read.version)
    finally:
        undo()
    now = services.residents.get(admin, resident_id)
    assert (now.postcode, now.email, now.version) == ("E3 4QQ", "", read.version + 1)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_desks_moving_one_referral_at_the_same_moment_record_one_step(services, other_desk, admin):
    coordinator, colleague, referral = sent_referral(services, admin, "પ્રિયા", "Patel")
    undo = saves_first_during_our_save(other_desk, lambda: services.referrals.record_update(
        coordinator, referral.id, S.ACCEPTED, expected_version=referral.version))
    try:
        with pytest.raises(ConflictError, match="at the same moment"):
            other_desk.referrals.record_update(colleague, referral.id, S.DECLINED, expected_version=referral.version,
                                               reason="Course full")
    finally:
        undo()
    now = services.referrals.get(coordinator, referral.id)
    assert now.status == S.ACCEPTED
    assert [e.to_status for e in now.events].count(S.DECLINED) == 0
    assert [e.to_status for e in now.events].count(S.ACCEPTED) == 1
