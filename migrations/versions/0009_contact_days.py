"""contact days: contacts counted per London day and site as they are logged, for reports

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 10:00:00
"""
from __future__ import annotations

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


def upgrade() -> None:
    days = op.create_table('interaction_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('contacts', sa.Integer(), nullable=False),
    *(sa.Column(name, sa.Integer(), nullable=False) for name, _condition in COUNTS),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_interaction_day_site_id_site')),
    sa.PrimaryKeyConstraint('day', 'site_id', name=op.f('pk_interaction_day'))
    )
    _backfill(days)


def _backfill(days: sa.Table) -> None:
    """Every contact already logged, grouped by UTC hour and site in SQL (London is a whole number
    of hours from UTC, so an hour lies in one London day), folded into London days here."""
    connection = op.get_bind()
    hour = ("substr(occurred_at, 1, 13)" if connection.dialect.name == 'sqlite'
            else "to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24')")
    sums = ", ".join(f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)" for _name, condition in COUNTS)
    london = ZoneInfo('Europe/London')
    totals: dict[tuple, list[int]] = {}
    for hour_text, site_id, *counts in connection.execute(sa.text(
            f"SELECT {hour} AS hour, site_id, COUNT(*), {sums} FROM interaction GROUP BY 1, 2")):
        moment = datetime.strptime(hour_text, '%Y-%m-%d %H').replace(tzinfo=timezone.utc)
        row = totals.setdefault((moment.astimezone(london).date(), site_id), [0] * (len(COUNTS) + 1))
        for n, value in enumerate(counts):
            row[n] += int(value or 0)
    names = ['contacts', *(name for name, _condition in COUNTS)]
    rows = [{'day': day, 'site_id': site_id, **dict(zip(names, values))}
            for (day, site_id), values in sorted(totals.items())]
    for start in range(0, len(rows), BATCH):
        connection.execute(days.insert(), rows[start:start + BATCH])


def downgrade() -> None:
    op.drop_table('interaction_day')
