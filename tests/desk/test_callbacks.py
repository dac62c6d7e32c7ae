"""Phone callbacks, on SQLite and PostgreSQL: what is accepted, the list by due time with overdue
ones flagged, attempts and their outcomes, made on time, cancelling, locking and the audit."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from assisted_desk.core.clock import LONDON
from assisted_desk.core.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from assisted_desk.core.security import Role
from assisted_desk.desk.callbacks import made_on_time
from assisted_desk.desk.vocab import AttemptOutcome, CallbackStatus

from ..conftest import make_actor
from .queue_fixtures import audit_events, register, second_site

NAMES = ["Łukasz Żółć", "Ștefan Popescu", "محمد الحسن", "પ્રિયા પટેલ"]
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def ana(services, admin):
    return make_actor(services, admin, "ana", Role.DESK)


def later(**kwargs) -> datetime:
    return NOW + timedelta(**kwargs)


def new_callback(services, actor, *, hours: float = 2, **more):
    values = dict(reason="Council Tax bill query", due_by=later(hours=hours), phone="07911 123456",
                  caller_name="Caller")
    values.update(more)
    return services.callbacks.create(actor, **values)


# ---- creating -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_a_callback_for_a_resident_keeps_their_name_exactly(services, ana, name):
    given, family = name.split(" ", 1)
    resident_id = register(services, ana, given, family)
    made = services.callbacks.create(ana, resident_id=resident_id, phone="020 7946 0000",
                                     reason=f"Ring {name} about the form", due_by=later(hours=1))
    assert (made.name, made.resident_id, made.status) == (name, resident_id, CallbackStatus.OPEN)
    assert (made.phone, made.phone_display) == ("+442079460000", "020 7946 0000")
    assert made.reason == f"Ring {name} about the form"
    assert services.callbacks.get(ana, made.id).name == name


def test_a_caller_who_is_not_a_resident_by_name(services, ana):
    made = new_callback(services, ana, caller_name="  Ștefan Popescu ", phone="+40 21 312 3456")
    assert (made.name, made.resident_id, made.phone) == ("Ștefan Popescu", None, "+40213123456")


def test_the_residents_own_number_is_used_when_none_is_given(services, ana):
    resident_id = register(services, ana, phone="07400 123456")
    made = services.callbacks.create(ana, resident_id=resident_id, reason="Blue badge", due_by=later(hours=1))
    assert made.phone == "+447400123456"


def test_a_time_without_a_zone_is_london_time(services, ana, clock):
    clock.advance(days=200)  # June 2027: London is an hour ahead of UTC
    due = datetime(2027, 6, 11, 15, 30)
    made = new_callback(services, ana, due_by=due)
    assert made.due_by == datetime(2027, 6, 11, 14, 30, tzinfo=timezone.utc)


@pytest.mark.parametrize("changes, field, match", [
    ({"phone": "12345"}, "phone", "'12345' is not a phone number we can ring"),
    ({"phone": "", "caller_name": "No Number"}, "phone", "Phone number is required"),
    ({"caller_name": ""}, "caller_name", "choose a resident or type the caller's name"),
    ({"reason": "   "}, "reason", "Reason is required"),
    ({"due_by": NOW}, "due_by", "Due by 23/11/2026 10:00 is not in the future"),
    ({"due_by": NOW - timedelta(minutes=1)}, "due_by", "not in the future \\(it is now 23/11/2026 10:00\\)"),
    ({"due_by": NOW + timedelta(days=91)}, "due_by", "more than 90 days ahead"),
    ({"assigned_to_id": 999_999}, "assigned_to", "active colleague"),
])
def test_bad_callbacks_are_refused_naming_the_field(services, ana, changes, field, match):
    with pytest.raises(ValidationError, match=match) as refused:
        new_callback(services, ana, **changes)
    assert refused.value.field == field
    assert services.callbacks.open_callbacks(ana) == ()


def test_an_unknown_resident_is_refused(services, ana):
    with pytest.raises(NotFound):
        services.callbacks.create(ana, resident_id=999_999, reason="x", due_by=later(hours=1), phone="07911123456")


def test_assigned_to_a_colleague_at_the_site(services, admin, ana):
    ben = make_actor(services, admin, "ben", Role.ADVOCATE)
    made = new_callback(services, ana, assigned_to_id=ben.staff_id)
    assert made.assigned_to_name == "Ben"
    rivera = second_site(services, admin)
    with pytest.raises(ValidationError, match="works at Central Library"):
        services.callbacks.assign(ana, made.id, rivera.staff_id, made.version)
    unassigned = services.callbacks.assign(ana, made.id, None, made.version)
    assert unassigned.assigned_to_id is None
    assert [c.display_name for c in services.callbacks.colleagues(ana)] == ["Amara Okafor", "Ana", "Ben"]


# ---- the list -------------------------------------------------------------------------------------


def test_open_callbacks_are_sorted_by_due_time_with_overdue_flagged(services, admin, ana, clock):
    later_one = new_callback(services, ana, hours=3, caller_name="Third")
    soonest = new_callback(services, ana, hours=0.5, caller_name="First")
    middle = new_callback(services, ana, hours=1, caller_name="Second")
    rivera = second_site(services, admin)
    new_callback(services, rivera, caller_name="Elsewhere")
    listing = services.callbacks.open_callbacks(ana)
    assert [c.id for c in listing] == [soonest.id, middle.id, later_one.id]
    assert not any(c.overdue for c in listing)
    clock.advance(minutes=31)
    assert [c.overdue for c in services.callbacks.open_callbacks(ana)] == [True, False, False]
    with pytest.raises(PermissionDenied):
        services.callbacks.open_callbacks(ana, site_id=rivera.site_id)
    assert [c.name for c in services.callbacks.open_callbacks(admin, site_id=rivera.site_id)] == ["Elsewhere"]


# ---- attempts -------------------------------------------------------------------------------------


def test_attempts_are_logged_and_reached_closes_the_callback(services, ana, clock):
    made = new_callback(services, ana)
    clock.advance(minutes=10)
    once = services.callbacks.log_attempt(ana, made.id, AttemptOutcome.NO_ANSWER, "Rang twice", expected_version=1)
    assert (once.status, once.attempt_count, once.last_outcome) == (CallbackStatus.OPEN, 1, AttemptOutcome.NO_ANSWER)
    clock.advance(minutes=20)
    twice = services.callbacks.log_attempt(ana, made.id, "voicemail", expected_version=once.version)
    clock.advance(minutes=5)
    done = services.callbacks.log_attempt(ana, made.id, "Reached", "Sorted – payment plan agreed",
                                          expected_version=twice.version)
    assert (done.status, done.completed_at) == (CallbackStatus.DONE, later(minutes=35))
    assert services.callbacks.open_callbacks(ana) == ()
    history = services.callbacks.history(ana, made.id)
    assert [(a.outcome, a.staff_name, a.note) for a in history.attempts] == [
        (AttemptOutcome.NO_ANSWER, "Ana", "Rang twice"),
        (AttemptOutcome.VOICEMAIL, "Ana", ""),
        (AttemptOutcome.REACHED, "Ana", "Sorted – payment plan agreed"),
    ]
    assert [a.attempted_at for a in history.attempts] == [later(minutes=10), later(minutes=30), later(minutes=35)]
    with pytest.raises(ValidationError, match="already made: Ana reached them at 23/11/2026 10:35"):
        services.callbacks.log_attempt(ana, made.id, AttemptOutcome.NO_ANSWER)


def test_a_wrong_number_can_be_corrected(services, ana):
    made = new_callback(services, ana)
    fixed = services.callbacks.log_attempt(ana, made.id, AttemptOutcome.WRONG_NUMBER, "A shop answered",
                                           corrected_phone="07911 123999")
    assert (fixed.phone, fixed.status) == ("+447911123999", CallbackStatus.OPEN)
    unchanged = services.callbacks.log_attempt(ana, made.id, AttemptOutcome.WRONG_NUMBER, "Still wrong")
    assert unchanged.phone == "+447911123999"


@pytest.mark.parametrize("outcome, phone, field, match", [
    ("hung up", "", "outcome", "Outcome 'hung up' is not one of: Reached, No answer"),
    (AttemptOutcome.NO_ANSWER, "07911 123999", "corrected_phone", "goes with the outcome Wrong number"),
    (AttemptOutcome.WRONG_NUMBER, "999", "corrected_phone", "Corrected number '999' is not a phone number"),
    (AttemptOutcome.WRONG_NUMBER, "07911 123456", "corrected_phone", "the number that was wrong"),
])
def test_bad_attempts_are_refused(services, ana, outcome, phone, field, match):
    made = new_callback(services, ana)
    with pytest.raises(ValidationError, match=match) as refused:
        services.callbacks.log_attempt(ana, made.id, outcome, corrected_phone=phone)
    assert refused.value.field == field
    assert services.callbacks.history(ana, made.id).attempts == ()
    assert services.callbacks.get(ana, made.id).phone == "+447911123456"


def test_a_stale_version_is_refused(services, admin, ana):
    ben = make_actor(services, admin, "ben", Role.DESK)
    made = new_callback(services, ana)
    services.callbacks.log_attempt(ben, made.id, AttemptOutcome.NO_ANSWER)
    with pytest.raises(ConflictError, match="changed by Ben at 23/11/2026 10:00. Nothing was changed"):
        services.callbacks.log_attempt(ana, made.id, AttemptOutcome.REACHED, expected_version=made.version)
    assert services.callbacks.get(ana, made.id).status == CallbackStatus.OPEN


def test_another_sites_callback_is_refused(services, admin, ana):
    rivera = second_site(services, admin)
    theirs = new_callback(services, rivera)
    with pytest.raises(PermissionDenied, match="another site"):
        services.callbacks.log_attempt(ana, theirs.id, AttemptOutcome.REACHED)
    with pytest.raises(NotFound):
        services.callbacks.get(ana, 999_999)


# ---- cancelling -----------------------------------------------------------------------------------


def test_cancelling_needs_a_reason_and_closes_the_callback(services, ana, clock):
    made = new_callback(services, ana)
    with pytest.raises(ValidationError, match="Reason for cancelling is required") as refused:
        services.callbacks.cancel(ana, made.id, "  ")
    assert refused.value.field == "cancel_reason"
    clock.advance(minutes=15)
    cancelled = services.callbacks.cancel(ana, made.id, "Came in to the library instead", made.version)
    assert (cancelled.status, cancelled.cancel_reason) == (CallbackStatus.CANCELLED, "Came in to the library instead")
    assert services.callbacks.open_callbacks(ana) == ()
    with pytest.raises(ValidationError, match="cancelled by Ana at 23/11/2026 10:15 \\(Came in to the library"):
        services.callbacks.log_attempt(ana, made.id, AttemptOutcome.REACHED)
    with pytest.raises(ValidationError, match="cancelled by Ana"):
        services.callbacks.cancel(ana, made.id, "again")


# ---- made on time ---------------------------------------------------------------------------------


def test_made_on_time_rule():
    due = later(hours=1)
    assert made_on_time(due, due, NOW) is True  # at the due time counts as on time
    assert made_on_time(due, due + timedelta(seconds=1), NOW) is False
    assert made_on_time(due, None, NOW) is None  # not yet due
    assert made_on_time(due, None, due + timedelta(seconds=1)) is False  # missed


def test_made_on_time_and_the_days_figures(services, ana, clock):
    on_time = new_callback(services, ana, hours=1)
    late = new_callback(services, ana, hours=1)
    missed = new_callback(services, ana, hours=2)
    not_yet = new_callback(services, ana, hours=12)  # 22:00 London, still today
    cancelled = new_callback(services, ana, hours=3)
    tomorrow = new_callback(services, ana, hours=24)
    clock.advance(minutes=30)
    services.callbacks.log_attempt(ana, late.id, AttemptOutcome.NO_ANSWER)
    clock.advance(minutes=30)  # exactly the due time
    services.callbacks.log_attempt(ana, on_time.id, AttemptOutcome.REACHED)
    clock.advance(minutes=5)
    services.callbacks.log_attempt(ana, late.id, AttemptOutcome.REACHED)
    services.callbacks.cancel(ana, cancelled.id, "Resolved online")
    clock.advance(hours=2)
    assert services.callbacks.made_on_time(ana, on_time.id) is True
    assert services.callbacks.made_on_time(ana, late.id) is False
    assert services.callbacks.made_on_time(ana, missed.id) is False
    assert services.callbacks.made_on_time(ana, not_yet.id) is None
    assert services.callbacks.made_on_time(ana, cancelled.id) is None
    day = services.callbacks.timeliness(ana, date(2026, 11, 23), date(2026, 11, 23))
    assert (day.made_on_time, day.late, day.missed, day.not_yet_due, day.cancelled) == (1, 1, 1, 1, 1)
    assert day.on_time_rate == pytest.approx(1 / 3)
    two_days = services.callbacks.timeliness(ana, date(2026, 11, 23), date(2026, 11, 24))
    assert two_days.not_yet_due == 2 and services.callbacks.made_on_time(ana, tomorrow.id) is None
    with pytest.raises(ValidationError, match="last day comes before the first"):
        services.callbacks.timeliness(ana, date(2026, 11, 24), date(2026, 11, 23))


def test_london_days_bound_the_figures_in_summer(services, ana, clock):
    clock.advance(days=200)  # 11 June 2027, 11:00 London
    due = datetime(2027, 6, 11, 23, 30, tzinfo=LONDON)  # 22:30 UTC: still 11 June in London
    new_callback(services, ana, due_by=due)
    just_after = datetime(2027, 6, 12, 0, 30, tzinfo=LONDON)  # 23:30 UTC on 11 June: 12 June in London
    new_callback(services, ana, due_by=just_after)
    day = services.callbacks.timeliness(ana, date(2027, 6, 11), date(2027, 6, 11))
    assert day.not_yet_due == 1


# ---- audit ----------------------------------------------------------------------------------------


def test_every_change_is_audited_without_the_number(services, ana):
    made = new_callback(services, ana)
    services.callbacks.log_attempt(ana, made.id, AttemptOutcome.WRONG_NUMBER, corrected_phone="07911 123999")
    services.callbacks.assign(ana, made.id, ana.staff_id)
    services.callbacks.cancel(ana, made.id, "No longer needed")
    events = audit_events(services, "callback")
    assert [a for a, _, _ in events] == ["callback.created", "callback.attempt", "callback.assigned",
                                         "callback.cancelled"]
    assert all(record_id == str(made.id) for _, record_id, _ in events)
    assert events[1][2] == "wrong_number, number corrected"
    assert events[3][2] == "No longer needed"
    assert not any("123999" in summary or "123456" in summary for _, _, summary in events)
