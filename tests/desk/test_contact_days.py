"""Contacts counted per London day and site (and equality group) as they are logged
(desk/contact_days.py), on SQLite and PostgreSQL: the counts follow every contact, a contact that
rolls back leaves no count, the London day is the one the desk saw, contacts change group when
answers change and when records merge or the merge is undone, and a recount and the migration's
backfill give the same tables."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import inspect, select

from assisted_desk.core.migrate import downgrade, upgrade
from assisted_desk.core.security import Actor, Role
from assisted_desk.desk.contact_days import COUNTED, GROUP_KEYS, KEYS, NOT_RECORDED, recount_contact_days
from assisted_desk.desk.models import Interaction, InteractionDay, InteractionDayGroup
from assisted_desk.desk.residents import EqualityAnswers
from assisted_desk.desk.vocab import AvoidableReason, Channel, HelpType, Outcome, Satisfaction

from ..conftest import PASSWORD
from .contact_fixtures import contact, register

UTC = timezone.utc


def _days(services) -> dict[tuple[date, int], dict[str, int]]:
    with services.db.unit_of_work() as session:
        return {(row.day, row.site_id): {key: getattr(row, key) for key in KEYS if getattr(row, key)}
                for row in session.scalars(select(InteractionDay))}


def _groups(services, dimension: str | None = None) -> dict[tuple, dict[str, int]]:
    with services.db.unit_of_work() as session:
        return {(row.day, row.site_id, row.dimension, row.grp): {k: getattr(row, k) for k in GROUP_KEYS
                                                                 if getattr(row, k)}
                for row in session.scalars(select(InteractionDayGroup))
                if (dimension is None or row.dimension == dimension) and row.contacts}


def _log(services, actor, clock, when: datetime, resident=None, **values) -> None:
    clock._at = when.astimezone(UTC)
    services.interactions.log_interaction(actor, contact(resident, **values))


@pytest.fixture
def other_site(services, admin):
    site = services.staff.add_site(admin, "Ștefan Hub", "hub")
    record = services.staff.add_staff(admin, "hubdesk", "Hub Desk", Role.DESK, site.id, PASSWORD,
                                      must_change_password=False)
    return Actor(record.id, record.username, record.display_name, Role.DESK, site.id, site.name)


def test_every_contact_logged_is_counted_on_its_london_day_at_its_site(services, admin, clock, other_site):
    lukasz = register(services, admin)
    # 23:30 UTC on a summer evening is 00:30 the next day in London; in winter it is the same day.
    _log(services, admin, clock, datetime(2026, 7, 14, 23, 30, tzinfo=UTC), lukasz, channel=Channel.PHONE,
         satisfaction=Satisfaction.GOOD)
    _log(services, admin, clock, datetime(2026, 7, 15, 9, 0, tzinfo=UTC), None, help_type=HelpType.INFORMATION,
         outcome=Outcome.ESCALATED, avoidable=AvoidableReason.CHASING, satisfaction=Satisfaction.POOR)
    _log(services, admin, clock, datetime(2026, 1, 14, 23, 30, tzinfo=UTC), lukasz, outcome=Outcome.FOLLOW_UP)
    _log(services, other_site, clock, datetime(2026, 7, 15, 10, 0, tzinfo=UTC), lukasz, channel=Channel.EMAIL)
    assert _days(services) == {
        (date(2026, 7, 15), admin.site_id): {
            "contacts": 2, "resolved": 1, "no_avoidable": 1, "escalated_contacts": 1, "rated": 2, "good": 1,
            "channel_phone": 1, "channel_face_to_face": 1, "help_assisted": 1, "help_information": 1},
        (date(2026, 1, 14), admin.site_id): {"contacts": 1, "no_avoidable": 1, "channel_face_to_face": 1,
                                             "help_assisted": 1},
        (date(2026, 7, 15), other_site.site_id): {"contacts": 1, "resolved": 1, "no_avoidable": 1,
                                                  "channel_email": 1, "help_assisted": 1},
    }


def test_a_contact_that_rolls_back_leaves_no_count(services, admin, clock):
    lukasz = register(services, admin)
    values = services.interactions.checked_contact(admin, contact(lukasz))
    with pytest.raises(RuntimeError):
        with services.db.unit_of_work() as session:
            services.interactions.write_contact(session, admin, contact(lukasz), values)
            assert session.scalar(select(InteractionDay.contacts)) == 1
            raise RuntimeError("the request this contact made could not be queued")
    assert _days(services) == {}
    services.interactions.log_interaction(admin, contact(lukasz))
    assert _days(services)[(clock.now().date(), admin.site_id)]["contacts"] == 1


def test_a_recount_and_the_migration_give_the_table_the_desk_kept(services, admin, clock, other_site):
    lukasz = register(services, admin)
    channels, outcomes = list(Channel), list(Outcome)
    for n in range(40):
        # Across the clock change at the end of March and round midnight.
        when = datetime(2026, 3, 27, 22, 0, tzinfo=UTC).replace(day=27 + n % 4, hour=(22 + n) % 24, minute=n)
        _log(services, admin if n % 3 else other_site, clock, when, lukasz if n % 5 else None,
             channel=channels[n % len(channels)], outcome=outcomes[n % len(outcomes)],
             avoidable=AvoidableReason.CHASING if n % 7 == 0 else None,
             satisfaction=list(Satisfaction)[n % len(Satisfaction)] if n % 2 else None)
    services.residents.record_equality(admin, lukasz, EqualityAnswers(sex="Female", first_language="Polski"), None)
    kept, kept_groups = _days(services), _groups(services)
    assert sum(day["contacts"] for day in kept.values()) == 40 and len(kept) > 4
    assert {key[3] for key in kept_groups if key[2] == "sex"} == {"Female", NOT_RECORDED}
    with services.db.unit_of_work() as session:
        assert recount_contact_days(session) == len(kept)
    assert (_days(services), _groups(services)) == (kept, kept_groups)
    downgrade(services.db, "0008")
    upgrade(services.db)
    assert (_days(services), _groups(services)) == (kept, kept_groups)
    with services.db.unit_of_work() as session:  # and the contacts themselves agree, key by key
        for counted in COUNTED:
            found = session.scalar(select(Interaction.id.is_not(None)).where(counted.condition(
                Interaction.__table__.c)).limit(1))
            assert bool(found) == any(counted.key in day for day in kept.values()), counted.key


def test_every_count_has_its_column(services):
    """A new channel, help type or count must come with a migration that adds its column."""
    columns = {c["name"] for c in inspect(services.db.engine).get_columns("interaction_day")}
    assert set(KEYS) <= columns and set(KEYS) == columns - {"day", "site_id"}


def _by_group(services, dimension: str) -> dict[str, int]:
    """Contacts in each group of `dimension`, every day and site."""
    out: dict[str, int] = {}
    for (_day, _site, _dimension, group), counts in _groups(services, dimension).items():
        out[group] = out.get(group, 0) + counts["contacts"]
    return out


def test_contacts_follow_their_resident_into_a_new_group_when_the_answers_change(services, admin, clock):
    priya = register(services, admin, "પ્રિયા", "Patel")
    _log(services, admin, clock, datetime(2026, 7, 14, 23, 30, tzinfo=UTC), priya, satisfaction=Satisfaction.GOOD)
    _log(services, admin, clock, datetime(2026, 7, 16, 9, 0, tzinfo=UTC), priya)
    _log(services, admin, clock, datetime(2026, 7, 16, 10, 0, tzinfo=UTC), None)
    assert _by_group(services, "ethnicity") == {NOT_RECORDED: 3}
    saved = services.residents.record_equality(admin, priya, EqualityAnswers(
        ethnicity="Asian or Asian British: Indian", first_language="ગુજરાતી"), None)
    assert _by_group(services, "ethnicity") == {"Asian or Asian British: Indian": 2, NOT_RECORDED: 1}
    assert _by_group(services, "first_language") == {"ગુજરાતી": 2, NOT_RECORDED: 1}
    assert _groups(services, "ethnicity")[(date(2026, 7, 15), admin.site_id, "ethnicity",
                                           "Asian or Asian British: Indian")] == {
        "contacts": 1, "resolved": 1, "no_avoidable": 1, "rated": 1, "good": 1}
    services.residents.record_equality(admin, priya, EqualityAnswers(ethnicity="Prefer not to say"), saved.version)
    assert _by_group(services, "ethnicity") == {"Prefer not to say": 2, NOT_RECORDED: 1}
    assert _by_group(services, "first_language") == {NOT_RECORDED: 3}
    _log(services, admin, clock, datetime(2026, 7, 17, 9, 0, tzinfo=UTC), priya)  # counted with the answers now
    assert _by_group(services, "ethnicity") == {"Prefer not to say": 3, NOT_RECORDED: 1}


def test_a_merge_and_its_undoing_move_contacts_between_groups(services, admin, clock):
    keep = register(services, admin, "Ștefan", "Popescu", born="01/02/1970")
    dupe = register(services, admin, "Stefan", "Popescu", born="01/02/1970", postcode="E2 7DJ")
    services.residents.record_equality(admin, keep, EqualityAnswers(sex="Male"), None)
    services.residents.record_equality(admin, dupe, EqualityAnswers(sex="Prefer not to say", disability="No"),
                                       None)
    for hour in (9, 10):
        _log(services, admin, clock, datetime(2026, 5, 5, hour, tzinfo=UTC), keep)
    for hour in (11, 12, 13):
        _log(services, admin, clock, datetime(2026, 5, 6, hour, tzinfo=UTC), dupe)
    before = _groups(services)
    assert _by_group(services, "sex") == {"Male": 2, "Prefer not to say": 3}
    keep_record, dupe_record = services.residents.get(admin, keep), services.residents.get(admin, dupe)
    merge = services.residents.merge(admin, keep, dupe, expected_survivor_version=keep_record.version,
                                     expected_merged_version=dupe_record.version)
    # The survivor keeps its own answers; the merged record's contacts are now the survivor's.
    assert _by_group(services, "sex") == {"Male": 5}
    assert _by_group(services, "disability") == {NOT_RECORDED: 5}
    with services.db.unit_of_work() as session:
        recount_contact_days(session)
    assert _by_group(services, "sex") == {"Male": 5}
    services.residents.undo_merge(admin, merge.id)
    assert _groups(services) == before


def _waits(services) -> dict[int, int | None]:
    from assisted_desk.desk.models import QueueTicket

    with services.db.unit_of_work() as session:
        return dict(session.execute(select(QueueTicket.id, QueueTicket.wait_seconds)).all())


def test_a_ticket_keeps_its_wait_in_whole_seconds_and_the_migration_works_it_out_alike(services, admin, clock):
    clock._at = datetime(2026, 7, 14, 9, 0, 0, 250_000, tzinfo=UTC)
    first = services.queue.issue_ticket(admin, visitor_name="Zoë").id
    second = services.queue.issue_ticket(admin, visitor_name="محمد").id
    never = services.queue.issue_ticket(admin, visitor_name="Ștefan").id
    assert _waits(services) == {first: None, second: None, never: None}  # not served yet
    clock.advance(minutes=12, seconds=34, microseconds=500_000)  # 754.5 s waited: half a second rounds up
    services.queue.start_service(admin, services.queue.call_next(admin).id)
    services.queue.end_service(admin, first)
    clock.advance(seconds=20)
    called = services.queue.call_next(admin)
    clock.advance(seconds=0.4)
    services.queue.start_service(admin, called.id)
    assert _waits(services) == {first: 755, second: 775, never: None}
    downgrade(services.db, "0008")
    upgrade(services.db)
    assert _waits(services) == {first: 755, second: 775, never: None}
