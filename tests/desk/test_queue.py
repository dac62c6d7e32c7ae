"""The walk-in queue, on SQLite and PostgreSQL: numbering per site and London day, two desks at
once, every transition and refusal, waits, the target, transfers and a day's wait summary."""

from __future__ import annotations

import threading
from datetime import date, datetime, timezone

import pytest

from assisted_desk.core.config import parse_database_url
from assisted_desk.core.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from assisted_desk.core.security import Role
from assisted_desk.desk.models import Resident
from assisted_desk.desk.queue_records import nearest_rank
from assisted_desk.desk.vocab import TicketStatus
from assisted_desk.services import open_services

from ..conftest import make_actor
from .queue_fixtures import (
    audit_events,
    just_before,
    move_clock,
    register,
    second_site,
    set_target_wait,
)

NAMES = ["Łukasz Żółć", "Ștefan Popescu", "محمد الحسن", "પ્રિયા પટેલ", "Zoë O'Brien-Smith"]


@pytest.fixture
def ana(services, admin):
    return make_actor(services, admin, "ana", Role.DESK)


@pytest.fixture
def ben(services, admin):
    return make_actor(services, admin, "ben", Role.ADVOCATE)


@pytest.fixture
def other_desk(paths, database_url, clock, hashing):
    """A second desk: its own Services, engine and connections on the same database."""
    built = open_services(paths, parse_database_url(database_url), clock=clock, hashing=hashing, migrate=False)
    yield built
    built.close()


# ---- numbering ----------------------------------------------------------------------------------


def test_tickets_number_from_one_per_site_and_london_day(services, admin, ana, clock):
    first = [services.queue.issue_ticket(ana).number for _ in range(3)]
    rivera = second_site(services, admin)
    elsewhere = services.queue.issue_ticket(rivera)
    assert first == [1, 2, 3]
    assert elsewhere.number == 1 and elsewhere.site_id == rivera.site_id
    assert services.queue.issue_ticket(ana).number == 4
    clock.advance(days=1)
    tomorrow = services.queue.issue_ticket(ana)
    assert (tomorrow.number, tomorrow.day) == (1, date(2026, 11, 24))


def test_the_day_is_londons_not_utcs_in_summer_time(services, ana, clock):
    # 23:50 on 14 July in London is 22:50 UTC; 00:10 on 15 July in London is still 14 July in UTC.
    move_clock(clock, datetime(2026, 7, 14, 22, 50, tzinfo=timezone.utc))
    late = services.queue.issue_ticket(ana, visitor_name="Late")
    move_clock(clock, datetime(2026, 7, 14, 23, 10, tzinfo=timezone.utc))
    early = services.queue.issue_ticket(ana, visitor_name="Early")
    assert (late.day, late.number) == (date(2026, 7, 14), 1)
    assert (early.day, early.number) == (date(2026, 7, 15), 1)
    # Only the London day's tickets wait: the ticket from before midnight is not in today's list.
    assert [e.ticket.visitor_name for e in services.queue.waiting(ana).entries] == ["Early"]
    assert [t.visitor_name for t in services.queue.today(ana)] == ["Early"]


def test_in_winter_london_and_utc_agree_at_midnight(services, ana, clock):
    move_clock(clock, datetime(2026, 11, 23, 23, 59, tzinfo=timezone.utc))
    assert services.queue.issue_ticket(ana).day == date(2026, 11, 23)
    clock.advance(minutes=2)
    after = services.queue.issue_ticket(ana)
    assert (after.day, after.number) == (date(2026, 11, 24), 1)


def test_two_desks_issuing_at_the_same_moment_get_different_numbers(services, other_desk, ana, ben):
    taken = []
    with just_before(services.db.engine, "INSERT INTO queue_ticket",
                     lambda: taken.append(other_desk.queue.issue_ticket(ben, visitor_name="Other desk"))) as fired:
        mine = services.queue.issue_ticket(ana, visitor_name="This desk")
    assert fired and taken[0].number == 1
    assert mine.number == 2  # the clash on number 1 was retried, not refused
    assert sorted(t.number for t in services.queue.today(ana)) == [1, 2]


def test_two_desks_issuing_in_parallel_never_share_a_number(services, other_desk, ana, ben):
    failures = []

    def issue(desk, actor, count):
        try:
            for _ in range(count):
                desk.queue.issue_ticket(actor)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=issue, args=(services, ana, 12)),
               threading.Thread(target=issue, args=(other_desk, ben, 12))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(t.number for t in services.queue.today(ana)) == list(range(1, 25))


# ---- issuing --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_visitor_and_resident_names_in_any_script_round_trip(services, ana, name):
    given, family = name.split(" ", 1)
    resident_id = register(services, ana, given, family)
    by_resident = services.queue.issue_ticket(ana, resident_id=resident_id, reason="Council Tax – bill")
    by_name = services.queue.issue_ticket(ana, visitor_name=f"  {name}  ", reason="Blue badge")
    assert by_resident.name == name and by_resident.resident_id == resident_id
    assert by_resident.reason == "Council Tax – bill"
    assert (by_name.name, by_name.visitor_name) == (name, name)
    assert [e.ticket.name for e in services.queue.waiting(ana).entries] == [name, name]


def test_an_anonymous_ticket_needs_no_name(services, ana):
    ticket = services.queue.issue_ticket(ana)
    assert (ticket.name, ticket.resident_id, ticket.status) == ("", None, TicketStatus.WAITING)
    assert ticket.arrived_at == services.clock.now()


@pytest.mark.parametrize("kwargs, field, match", [
    ({"visitor_name": "x" * 121}, "visitor_name", "121 characters"),
    ({"reason": "y" * 201}, "reason", "at most 200"),
    ({"visitor_name": "bell\x07"}, "visitor_name", "control characters"),
])
def test_bad_ticket_input_is_named(services, ana, kwargs, field, match):
    with pytest.raises(ValidationError, match=match) as refused:
        services.queue.issue_ticket(ana, **kwargs)
    assert refused.value.field == field
    assert services.queue.today(ana) == ()


def test_an_unknown_resident_is_refused(services, ana):
    with pytest.raises(NotFound, match="no longer exists"):
        services.queue.issue_ticket(ana, resident_id=999_999)


def test_a_merged_resident_leads_to_the_surviving_record(services, ana):
    survivor = register(services, ana, "Siobhán", "O'Connor")
    merged = register(services, ana, "Siobhan", "OConnor")
    with services.db.unit_of_work() as session:
        session.get(Resident, merged).merged_into_id = survivor
    assert services.queue.issue_ticket(ana, resident_id=merged).resident_id == survivor


def test_another_sites_queue_is_for_administrators_only(services, admin, ana):
    rivera = second_site(services, admin)
    with pytest.raises(PermissionDenied, match="only an administrator"):
        services.queue.issue_ticket(ana, site_id=rivera.site_id)
    theirs = services.queue.issue_ticket(rivera)
    with pytest.raises(PermissionDenied, match="another site"):
        services.queue.call_ticket(ana, theirs.id)
    with pytest.raises(PermissionDenied):
        services.queue.waiting(ana, site_id=rivera.site_id)
    by_admin = services.queue.issue_ticket(admin, site_id=rivera.site_id, visitor_name="Helped by admin")
    assert (by_admin.site_id, by_admin.number) == (rivera.site_id, 2)
    assert [e.ticket.number for e in services.queue.waiting(admin, site_id=rivera.site_id).entries] == [1, 2]


def test_a_closed_site_issues_no_tickets(services, admin):
    site = services.staff.add_site(admin, "Old Library", "library")
    services.staff.update_site(admin, site.id, site.version, site.name, "library", False)
    with pytest.raises(ValidationError, match="Old Library is closed"):
        services.queue.issue_ticket(admin, site_id=site.id)


# ---- calling and serving -------------------------------------------------------------------------


def test_working_a_ticket_end_to_end_measures_wait_and_service(services, ana, clock):
    ticket = services.queue.issue_ticket(ana, visitor_name="Łukasz Żółć")
    clock.advance(minutes=4)
    called = services.queue.call_next(ana)
    assert (called.id, called.status, called.served_by_name) == (ticket.id, TicketStatus.CALLED, "Ana")
    assert called.wait_minutes == 4
    assert services.queue.my_current(ana).id == ticket.id
    clock.advance(minutes=1)
    started = services.queue.start_service(ana, ticket.id, called.version)
    assert started.status == TicketStatus.SERVING and started.started_at == clock.now()
    clock.advance(minutes=11)
    ended = services.queue.end_service(ana, ticket.id, started.version)
    assert ended.status == TicketStatus.DONE
    assert (ended.wait_minutes, ended.service_minutes) == (4, 12)
    assert services.queue.my_current(ana) is None
    assert services.queue.waiting(ana).entries == ()


def test_call_next_takes_the_oldest_and_none_when_nobody_waits(services, admin, ana, ben, clock):
    assert services.queue.call_next(ana) is None
    first = services.queue.issue_ticket(ana, visitor_name="First")
    clock.advance(minutes=1)
    second = services.queue.issue_ticket(ana, visitor_name="Second")
    assert services.queue.call_next(ben).id == first.id
    assert services.queue.call_next(ana).id == second.id
    assert services.queue.call_next(admin) is None


def test_one_ticket_at_a_time_per_person(services, ana):
    services.queue.issue_ticket(ana)
    other = services.queue.issue_ticket(ana)
    services.queue.call_next(ana)
    with pytest.raises(ValidationError, match="You are still with ticket 1"):
        services.queue.call_next(ana)
    with pytest.raises(ValidationError, match="You are still with ticket 1"):
        services.queue.call_ticket(ana, other.id)


def test_calling_a_chosen_ticket_out_of_order(services, ana, clock):
    services.queue.issue_ticket(ana, visitor_name="First")
    chosen = services.queue.issue_ticket(ana, visitor_name="Second")
    called = services.queue.call_ticket(ana, chosen.id, chosen.version)
    assert called.status == TicketStatus.CALLED and called.number == 2
    assert [e.ticket.visitor_name for e in services.queue.waiting(ana).entries] == ["First"]


def test_a_ticket_already_called_is_refused_with_who_and_when(services, ana, ben, clock):
    ticket = services.queue.issue_ticket(ana)
    clock.advance(minutes=42)  # 10:42 in London (GMT in November)
    services.queue.call_ticket(ana, ticket.id)
    with pytest.raises(ValidationError, match=r"^Ticket 1 was already called by Ana at 10:42\.$"):
        services.queue.call_ticket(ben, ticket.id)
    # A desk whose list still shows the ticket waiting is told the same, as a conflict.
    with pytest.raises(ConflictError, match=r"Ticket 1 was already called by Ana at 10:42\. Nothing was changed"):
        services.queue.call_ticket(ben, ticket.id, ticket.version)


def test_two_desks_calling_one_ticket_at_once_one_wins(services, other_desk, ana, ben):
    ticket = services.queue.issue_ticket(ana)
    wins = []
    with just_before(services.db.engine, "UPDATE queue_ticket",
                     lambda: wins.append(other_desk.queue.call_ticket(ben, ticket.id))) as fired:
        with pytest.raises(ConflictError, match="Ticket 1 was already called by Ben at 10:00"):
            services.queue.call_ticket(ana, ticket.id, ticket.version)
    assert fired and wins[0].served_by_name == "Ben"
    now = services.queue.get(ana, ticket.id)
    assert (now.status, now.served_by_id) == (TicketStatus.CALLED, ben.staff_id)


def test_call_next_at_two_desks_at_once_gives_each_a_different_person(services, other_desk, ana, ben, clock):
    first = services.queue.issue_ticket(ana, visitor_name="First")
    clock.advance(minutes=1)
    second = services.queue.issue_ticket(ana, visitor_name="Second")
    theirs = []
    with just_before(services.db.engine, "UPDATE queue_ticket",
                     lambda: theirs.append(other_desk.queue.call_next(ben))):
        mine = services.queue.call_next(ana)
    assert theirs[0].id == first.id
    assert mine.id == second.id


def test_refused_transitions_say_what_to_do(services, ana, ben, clock):
    ticket = services.queue.issue_ticket(ana)
    with pytest.raises(ValidationError, match="has not been called yet; call it first"):
        services.queue.start_service(ana, ticket.id)
    with pytest.raises(ValidationError, match="no service to end"):
        services.queue.end_service(ana, ticket.id)
    with pytest.raises(ValidationError, match="already waiting"):
        services.queue.back_to_waiting(ana, ticket.id)
    services.queue.call_ticket(ana, ticket.id)
    with pytest.raises(ValidationError, match="Ticket 1 is with Ana .*only Ana or an administrator"):
        services.queue.start_service(ben, ticket.id)
    for change in (services.queue.end_service, services.queue.mark_no_show, services.queue.back_to_waiting):
        with pytest.raises(ValidationError, match="only Ana or an administrator"):
            change(ben, ticket.id)
    clock.advance(minutes=3)
    services.queue.start_service(ana, ticket.id)
    with pytest.raises(ValidationError, match="already being served by Ana \\(since 10:03\\)"):
        services.queue.start_service(ana, ticket.id)
    with pytest.raises(ValidationError, match="the person did come: end the service instead"):
        services.queue.mark_no_show(ana, ticket.id)
    with pytest.raises(ValidationError, match="has started: end it or transfer it instead"):
        services.queue.back_to_waiting(ana, ticket.id)
    clock.advance(minutes=5)
    services.queue.end_service(ana, ticket.id)
    for change in (services.queue.call_ticket, services.queue.start_service, services.queue.end_service,
                   services.queue.mark_no_show, services.queue.back_to_waiting):
        with pytest.raises(ValidationError, match="already been served: Ana ended it at 10:08"):
            change(ana, ticket.id)
    with pytest.raises(ValidationError, match="already been served"):
        services.queue.transfer(ana, ticket.id, ben.staff_id)
    with pytest.raises(NotFound):
        services.queue.start_service(ana, 999_999)


def test_an_administrator_may_step_in_for_a_colleague(services, admin, ana):
    ticket = services.queue.issue_ticket(ana)
    services.queue.call_ticket(ana, ticket.id)
    assert services.queue.mark_no_show(admin, ticket.id).status == TicketStatus.NO_SHOW


def test_no_show_after_a_call_or_while_waiting(services, ana, clock):
    called = services.queue.issue_ticket(ana)
    left = services.queue.issue_ticket(ana)
    clock.advance(minutes=6)
    services.queue.call_ticket(ana, called.id)
    clock.advance(minutes=2)
    gone = services.queue.mark_no_show(ana, called.id)
    assert (gone.status, gone.wait_minutes, gone.service_minutes) == (TicketStatus.NO_SHOW, 6, None)
    assert services.queue.my_current(ana) is None  # free to call the next person
    walked_off = services.queue.mark_no_show(ana, left.id)
    assert walked_off.status == TicketStatus.NO_SHOW and walked_off.called_at is None
    with pytest.raises(ValidationError, match="marked as a no-show by Ana at 10:08"):
        services.queue.call_ticket(ana, called.id)


def test_back_to_waiting_forgets_a_mistaken_call(services, ana, ben, clock):
    first = services.queue.issue_ticket(ana, visitor_name="First")
    clock.advance(minutes=1)
    services.queue.issue_ticket(ana, visitor_name="Second")
    clock.advance(minutes=2)
    services.queue.call_ticket(ana, first.id)
    back = services.queue.back_to_waiting(ana, first.id)
    assert (back.status, back.called_at, back.served_by_id) == (TicketStatus.WAITING, None, None)
    assert [e.ticket.visitor_name for e in services.queue.waiting(ana).entries] == ["First", "Second"]
    assert services.queue.call_next(ben).id == first.id  # its old place


def test_yesterdays_tickets_are_not_called(services, ana, clock):
    stale = services.queue.issue_ticket(ana, visitor_name="Yesterday")
    clock.advance(days=1)
    assert services.queue.call_next(ana) is None
    with pytest.raises(ValidationError, match="issued on 23/11/2026; only today's tickets are called"):
        services.queue.call_ticket(ana, stale.id)


# ---- waiting and the target ----------------------------------------------------------------------


def test_waiting_list_oldest_first_with_minutes_and_the_target(services, admin, ana, clock):
    services.queue.issue_ticket(ana, visitor_name="Oldest")
    clock.advance(minutes=2)
    services.queue.issue_ticket(ana, visitor_name="Newest")
    clock.advance(minutes=3)  # Oldest has waited exactly 5 minutes: not yet past the target
    listing = services.queue.waiting(ana)
    assert listing.target_wait_minutes == 5 and listing.site_name == "Central Library"
    assert [(e.ticket.visitor_name, e.waited_minutes, e.over_target) for e in listing.entries] == [
        ("Oldest", 5, False), ("Newest", 3, False)]
    clock.advance(seconds=1)
    assert [e.over_target for e in services.queue.waiting(ana).entries] == [True, False]
    assert services.queue.waiting(ana).over_target_count == 1
    set_target_wait(services, ana.site_id, 10)
    listing = services.queue.waiting(ana)
    assert listing.target_wait_minutes == 10 and listing.over_target_count == 0


def test_today_lists_every_ticket_with_status_and_wait(services, ana, clock):
    served = services.queue.issue_ticket(ana, visitor_name="Served")
    services.queue.issue_ticket(ana, visitor_name="Waiting")
    clock.advance(minutes=7)
    services.queue.call_ticket(ana, served.id)
    services.queue.end_service(ana, served.id)
    assert [(t.number, t.visitor_name, t.status, t.wait_minutes) for t in services.queue.today(ana)] == [
        (1, "Served", TicketStatus.DONE, 7), (2, "Waiting", TicketStatus.WAITING, None)]


# ---- transfers ------------------------------------------------------------------------------------


def test_a_transferred_ticket_waits_for_that_colleague_alone(services, admin, ana, ben, clock):
    carla = make_actor(services, admin, "carla", Role.DESK)
    ticket = services.queue.issue_ticket(ana, visitor_name="Ștefan Popescu", reason="Housing")
    clock.advance(minutes=3)
    services.queue.call_ticket(ana, ticket.id)
    clock.advance(minutes=4)
    moved = services.queue.transfer(ana, ticket.id, ben.staff_id, "Needs a housing officer – speaks Română")
    assert (moved.status, moved.transferred_to_name, moved.served_by_id) == (TicketStatus.WAITING, "Ben", None)
    assert moved.transfer_note == "Needs a housing officer – speaks Română"
    assert services.queue.my_current(ana) is None
    entry = services.queue.waiting(ana).entries[0]
    assert entry.ticket.transferred_to_name == "Ben"
    # Nobody else calls it, not even with "call next".
    assert services.queue.call_next(carla) is None
    with pytest.raises(ValidationError, match="transferred to Ben; only Ben can call it. To take it over"):
        services.queue.call_ticket(carla, ticket.id)
    clock.advance(minutes=2)
    with_ben = services.queue.call_next(ben)
    assert with_ben.id == ticket.id and with_ben.served_by_name == "Ben"
    clock.advance(minutes=10)
    done = services.queue.end_service(ben, ticket.id)
    # The wait ended at the first call; the service ran from it to the end, across the transfer.
    assert (done.wait_minutes, done.service_minutes) == (3, 16)


def test_call_next_offers_tickets_transferred_to_me_first(services, ana, ben, clock):
    services.queue.issue_ticket(ana, visitor_name="Waiting longest")
    clock.advance(minutes=1)
    for_ben = services.queue.issue_ticket(ana, visitor_name="For Ben")
    services.queue.transfer(ana, for_ben.id, ben.staff_id, "")
    assert services.queue.call_next(ben).id == for_ben.id


def test_anyone_at_the_site_can_take_over_a_waiting_transferred_ticket(services, admin, ana, ben):
    carla = make_actor(services, admin, "carla", Role.COORDINATOR)
    ticket = services.queue.issue_ticket(ana)
    services.queue.transfer(ana, ticket.id, ben.staff_id, "Ben knows the case")
    taken = services.queue.transfer(carla, ticket.id, carla.staff_id, "Ben has gone home")
    assert (taken.transferred_to_id, taken.transfer_note) == (carla.staff_id, "Ben has gone home")
    assert services.queue.call_next(carla).id == ticket.id


def test_transfer_refusals(services, admin, ana, ben):
    ticket = services.queue.issue_ticket(ana)
    rivera = second_site(services, admin)
    with pytest.raises(ValidationError, match="active colleague who works at Central Library") as refused:
        services.queue.transfer(ana, ticket.id, rivera.staff_id)
    assert refused.value.field == "to_staff"
    gone = make_actor(services, admin, "gone", Role.DESK)
    services.staff.set_active(admin, gone.staff_id, False)
    with pytest.raises(ValidationError, match="active colleague"):
        services.queue.transfer(ana, ticket.id, gone.staff_id)
    with pytest.raises(ValidationError, match="active colleague"):
        services.queue.transfer(ana, ticket.id, 999_999)
    with pytest.raises(ValidationError, match="at most 500"):
        services.queue.transfer(ana, ticket.id, ben.staff_id, "n" * 501)
    services.queue.transfer(ana, ticket.id, ben.staff_id)
    with pytest.raises(ValidationError, match="already waiting for Ben"):
        services.queue.transfer(ana, ticket.id, ben.staff_id)
    services.queue.call_ticket(ben, ticket.id)
    with pytest.raises(ValidationError, match="is with you already"):
        services.queue.transfer(ben, ticket.id, ben.staff_id)
    with pytest.raises(ValidationError, match="only Ben or an administrator"):
        services.queue.transfer(ana, ticket.id, ana.staff_id)


def test_back_to_waiting_after_a_transfer_keeps_the_first_call(services, ana, ben, clock):
    ticket = services.queue.issue_ticket(ana)
    clock.advance(minutes=2)
    first_call = services.queue.call_ticket(ana, ticket.id).called_at
    services.queue.transfer(ana, ticket.id, ben.staff_id)
    clock.advance(minutes=5)
    services.queue.call_ticket(ben, ticket.id)
    back = services.queue.back_to_waiting(ben, ticket.id)
    assert back.called_at == first_call and back.wait_minutes == 2
    assert back.transferred_to_id == ben.staff_id


def test_colleagues_are_active_staff_at_my_site_but_me(services, admin, ana, ben):
    second_site(services, admin)
    gone = make_actor(services, admin, "gone", Role.DESK)
    services.staff.set_active(admin, gone.staff_id, False)
    names = [c.display_name for c in services.queue.colleagues(ana)]
    assert names == ["Amara Okafor", "Ben"]


# ---- optimistic locking ---------------------------------------------------------------------------


def test_a_stale_version_is_refused_and_nothing_changes(services, ana):
    ticket = services.queue.issue_ticket(ana)
    services.queue.link_resident(ana, ticket.id, register(services, ana))
    with pytest.raises(ConflictError, match="Ticket 1 is waiting \\(last changed by Ana at 10:00\\)"):
        services.queue.call_ticket(ana, ticket.id, ticket.version)
    assert services.queue.get(ana, ticket.id).status == TicketStatus.WAITING


# ---- the day's figures ----------------------------------------------------------------------------


def test_nearest_rank_percentile():
    assert nearest_rank([], 90) is None
    assert nearest_rank([4.0], 90) == 4.0
    assert nearest_rank([float(m) for m in range(10, 0, -1)], 90) == 9.0
    assert nearest_rank([1.0, 2.0, 3.0, 100.0], 90) == 100.0


def test_wait_summary_for_a_site_day(services, admin, ana, ben, clock):
    # Ten people arrive together; each is called a minute after the one before (waits 1..10).
    tickets = [services.queue.issue_ticket(ana) for _ in range(10)]
    services.queue.issue_ticket(ana, visitor_name="Left before being called")
    for minutes, ticket in enumerate(tickets, start=1):
        clock.advance(minutes=1)
        services.queue.call_ticket(ana, ticket.id)
        if minutes == 3:
            services.queue.mark_no_show(ana, ticket.id)
        else:
            services.queue.end_service(ana, ticket.id)
    rivera = second_site(services, admin)
    services.queue.issue_ticket(rivera)  # another site's day does not count
    summary = services.queue.wait_summary(ana, date(2026, 11, 23))
    assert (summary.issued, summary.count, summary.served, summary.no_shows) == (11, 10, 9, 1)
    assert summary.average_wait_minutes == pytest.approx(5.5)
    assert summary.p90_wait_minutes == pytest.approx(9)
    assert summary.longest_wait_minutes == pytest.approx(10)
    assert summary.over_target == 5 and summary.target_wait_minutes == 5
    assert summary.average_service_minutes == pytest.approx(0)
    empty = services.queue.wait_summary(ana, date(2026, 11, 22))
    assert (empty.count, empty.average_wait_minutes, empty.p90_wait_minutes) == (0, None, None)


def test_service_time_is_averaged_over_served_tickets(services, ana, clock):
    for minutes in (4, 8):
        ticket = services.queue.issue_ticket(ana)
        services.queue.call_ticket(ana, ticket.id)
        clock.advance(minutes=minutes)
        services.queue.end_service(ana, ticket.id)
    assert services.queue.wait_summary(ana, date(2026, 11, 23)).average_service_minutes == pytest.approx(6)


# ---- audit ----------------------------------------------------------------------------------------


def test_tickets_naming_a_person_are_audited_anonymous_ones_are_not(services, ana, ben):
    resident_id = register(services, ana)
    anonymous = services.queue.issue_ticket(ana)
    services.queue.call_ticket(ana, anonymous.id)
    services.queue.end_service(ana, anonymous.id)
    assert audit_events(services, "queue_ticket") == []
    linked = services.queue.issue_ticket(ana, resident_id=resident_id)
    services.queue.call_ticket(ana, linked.id)
    services.queue.transfer(ana, linked.id, ben.staff_id, "Needs an advocate")
    events = audit_events(services, "queue_ticket")
    assert [action for action, _, _ in events] == ["queue.issued", "queue.call", "queue.transfer"]
    assert all(record_id == str(linked.id) for _, record_id, _ in events)
    assert f"for resident {resident_id}" in events[0][2]
    assert f"for staff {ben.staff_id}" in events[2][2]
    assert services.queue.get(ben, linked.id).transfer_note == "Needs an advocate"


def test_linking_a_resident_later_is_audited(services, ana):
    ticket = services.queue.issue_ticket(ana, visitor_name="Zoë")
    resident_id = register(services, ana, "Zoë", "O'Brien-Smith")
    linked = services.queue.link_resident(ana, ticket.id, resident_id, ticket.version)
    assert (linked.resident_id, linked.name) == (resident_id, "Zoë O'Brien-Smith")
    assert [a for a, _, _ in audit_events(services, "queue_ticket")] == ["queue.issued", "queue.link"]
    with pytest.raises(NotFound):
        services.queue.link_resident(ana, ticket.id, 999_999)
