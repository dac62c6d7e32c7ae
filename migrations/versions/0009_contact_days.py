"""contact days: contacts counted per London day and site (and equality group) as they are logged

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 10:00:00
"""
from __future__ import annotations

import math
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

BATCH = 5_000
# Each count column and the condition on a contact it counts (as of this revision).
COUNTS = (
    ('resolved', "outcome = 'resolved'"),
    ('no_avoidable', "avoidable = ''"),
    ('escalated_contacts', "outcome = 'escalated'"),
    ('rated', "satisfaction <> ''"),
    ('good', "satisfaction = 'good'"),
    ('channel_face_to_face', "channel = 'face_to_face'"),
    ('channel_phone', "channel = 'phone'"),
    ('channel_email', "channel = 'email'"),
    ('channel_webchat', "channel = 'webchat'"),
    ('channel_post', "channel = 'post'"),
    ('help_information', "help_type = 'information'"),
    ('help_assisted', "help_type = 'assisted'"),
    ('help_on_behalf', "help_type = 'on_behalf'"),
)
# The counts an equality breakdown shows, by the answer to each question (resident_equality columns).
GROUP_COUNTS = ('contacts', 'resolved', 'no_avoidable', 'rated', 'good')
DIMENSIONS = ('age_band', 'sex', 'ethnicity', 'disability', 'first_language')


def upgrade() -> None:
    days = op.create_table('interaction_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('contacts', sa.Integer(), nullable=False),
    *(sa.Column(name, sa.Integer(), nullable=False) for name, _condition in COUNTS),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_interaction_day_site_id_site')),
    sa.PrimaryKeyConstraint('day', 'site_id', name=op.f('pk_interaction_day'))
    )
    groups = op.create_table('interaction_day_group',
    sa.Column('dimension', sa.String(length=20), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('grp', sa.String(length=80), nullable=False),
    *(sa.Column(name, sa.Integer(), nullable=False) for name in GROUP_COUNTS),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_interaction_day_group_site_id_site')),
    sa.PrimaryKeyConstraint('dimension', 'day', 'site_id', 'grp', name=op.f('pk_interaction_day_group'))
    )
    _backfill(days)
    _backfill_groups(groups)
    # Walk-in waits in whole seconds, kept on each ticket, so reports need no date arithmetic.
    with op.batch_alter_table('queue_ticket') as batch:
        batch.add_column(sa.Column('wait_seconds', sa.Integer(), nullable=True))
    _backfill_waits()
    op.drop_index('ix_queue_ticket_started', table_name='queue_ticket')
    op.create_index('ix_queue_ticket_started', 'queue_ticket', ['started_at', 'site_id', 'wait_seconds'])


def _backfill_waits() -> None:
    """Each served ticket's wait, worked out exactly from its two times (half a second up)."""
    connection = op.get_bind()
    ticket = sa.table('queue_ticket', sa.column('id', sa.Integer), sa.column('arrived_at', sa.DateTime),
                      sa.column('started_at', sa.DateTime), sa.column('wait_seconds', sa.Integer))
    rows = connection.execute(sa.select(ticket.c.id, ticket.c.arrived_at, ticket.c.started_at)
                              .where(ticket.c.started_at.is_not(None))).all()
    update = ticket.update().where(ticket.c.id == sa.bindparam('ticket_id')).values(
        wait_seconds=sa.bindparam('seconds'))
    for start in range(0, len(rows), BATCH):
        connection.execute(update, [
            {'ticket_id': ticket_id, 'seconds': math.floor((_utc(started) - _utc(arrived)).total_seconds() + 0.5)}
            for ticket_id, arrived, started in rows[start:start + BATCH]])


def _utc(moment):
    """SQLite hands back text or naive times (UTC as stored), PostgreSQL aware ones."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def _hour() -> str:
    """'YYYY-MM-DD HH' of a contact's UTC time, in SQL: London is a whole number of hours from
    UTC, so an hour lies in one London day."""
    if op.get_bind().dialect.name == 'sqlite':
        return "substr(i.occurred_at, 1, 13)"
    return "to_char(i.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24')"


def _london_day(hour_text: str):
    moment = datetime.strptime(hour_text, '%Y-%m-%d %H').replace(tzinfo=timezone.utc)
    return moment.astimezone(ZoneInfo('Europe/London')).date()


def _insert(table: sa.Table, totals: dict[tuple, list[int]], keys: list[str], names: list[str]) -> None:
    rows = [{**dict(zip(keys, key)), **dict(zip(names, values))} for key, values in sorted(totals.items())]
    for start in range(0, len(rows), BATCH):
        op.get_bind().execute(table.insert(), rows[start:start + BATCH])


def _backfill_groups(groups: sa.Table) -> None:
    """Every contact already logged, by the equality answers its resident has now."""
    connection = op.get_bind()
    conditions = dict(COUNTS)
    sums = ", ".join(f"SUM(CASE WHEN i.{conditions[name]} THEN 1 ELSE 0 END)" for name in GROUP_COUNTS[1:])
    totals: dict[tuple, list[int]] = {}
    for dimension in DIMENSIONS:
        group = f"COALESCE(NULLIF(e.{dimension}, ''), 'Not recorded')"
        for hour_text, site_id, grp, *counts in connection.execute(sa.text(
                f"SELECT {_hour()} AS hour, i.site_id, {group} AS grp, COUNT(*), {sums} "
                "FROM interaction i LEFT JOIN resident_equality e ON e.resident_id = i.resident_id "
                f"GROUP BY 1, 2, 3")):
            row = totals.setdefault((_london_day(hour_text), site_id, dimension, grp), [0] * len(GROUP_COUNTS))
            for n, value in enumerate(counts):
                row[n] += int(value or 0)
    _insert(groups, totals, ['day', 'site_id', 'dimension', 'grp'], list(GROUP_COUNTS))


def _backfill(days: sa.Table) -> None:
    """Every contact already logged, grouped by UTC hour and site in SQL (London is a whole number
    of hours from UTC, so an hour lies in one London day), folded into London days here."""
    connection = op.get_bind()
    sums = ", ".join(f"SUM(CASE WHEN i.{condition} THEN 1 ELSE 0 END)" for _name, condition in COUNTS)
    totals: dict[tuple, list[int]] = {}
    for hour_text, site_id, *counts in connection.execute(sa.text(
            f"SELECT {_hour()} AS hour, i.site_id, COUNT(*), {sums} FROM interaction i GROUP BY 1, 2")):
        row = totals.setdefault((_london_day(hour_text), site_id), [0] * (len(COUNTS) + 1))
        for n, value in enumerate(counts):
            row[n] += int(value or 0)
    _insert(days, totals, ['day', 'site_id'], ['contacts', *(name for name, _condition in COUNTS)])


def downgrade() -> None:
    op.drop_index('ix_queue_ticket_started', table_name='queue_ticket')
    with op.batch_alter_table('queue_ticket') as batch:
        batch.drop_column('wait_seconds')
    op.create_index('ix_queue_ticket_started', 'queue_ticket', ['started_at', 'site_id', 'arrived_at'])
    op.drop_table('interaction_day_group')
    op.drop_table('interaction_day')
