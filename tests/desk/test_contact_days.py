"""Contacts counted per London day and site as they are logged (desk/contact_days.py), on SQLite
and PostgreSQL: the counts follow every contact, a contact that rolls back leaves no count, the
London day is the one the desk saw, a recount and the migration's backfill give the same table."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import inspect, select

from assisted_desk.core.migrate import downgrade, upgrade
from assisted_desk.core.security import Actor, Role
from assisted_desk.desk.contact_days import COUNTED, KEYS, recount_contact_days
from assisted_desk.desk.models import Interaction, InteractionDay
from assisted_desk.desk.vocab import AvoidableReason, Channel, HelpType, Outcome, Satisfaction

from ..conftest import PASSWORD
from .contact_fixtures import contact, register

UTC = timezone.utc


def _days(services) -> dict[tuple[date, int], dict[str, int]]:
    with services.db.unit_of_work() as session:
        return {(row.day, row.site_id): {key: getattr(row, key) for key in KEYS if getattr(row, key)}
                for row in session.scalars(select(InteractionDay))}


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
    kept = _days(services)
    assert sum(day["contacts"] for day in kept.values()) == 40 and len(kept) > 4
    with services.db.unit_of_work() as session:
        assert recount_contact_days(session) == len(kept)
    assert _days(services) == kept
    downgrade(services.db, "0008")
    upgrade(services.db)
    assert _days(services) == kept
    with services.db.unit_of_work() as session:  # and the contacts themselves agree, key by key
        for counted in COUNTED:
            found = session.scalar(select(Interaction.id.is_not(None)).where(counted.condition(
                Interaction.__table__.c)).limit(1))
            assert bool(found) == any(counted.key in day for day in kept.values()), counted.key


def test_every_count_has_its_column(services):
    """A new channel, help type or count must come with a migration that adds its column."""
    columns = {c["name"] for c in inspect(services.db.engine).get_columns("interaction_day")}
    assert set(KEYS) <= columns and set(KEYS) == columns - {"day", "site_id"}
