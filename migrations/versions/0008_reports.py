"""reports: each person's remembered choices, and assessment results as countable rows

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 06:30:00
"""
from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

BATCH = 5_000


def upgrade() -> None:
    op.create_table('staff_preference',
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_staff_preference_staff_id_staff'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('staff_id', 'key', name=op.f('pk_staff_preference'))
    )
    levels = op.create_table('skills_result_level',
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('area', sa.String(length=20), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('on_my_own', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['skills_assessment.id'],
                            name=op.f('fk_skills_result_level_assessment_id_skills_assessment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('assessment_id', 'area', 'level', name=op.f('pk_skills_result_level'))
    )
    _backfill(levels)
    # Reports count a year of contacts and walk-in waits from these indexes alone.
    op.create_index('ix_interaction_report', 'interaction', ['occurred_at', 'site_id', 'channel', 'help_type',
                                                             'outcome', 'avoidable', 'satisfaction', 'resident_id'])
    op.create_index('ix_callback_due_by', 'callback', ['due_by', 'site_id', 'status', 'completed_at'])
    op.create_index('ix_queue_ticket_started', 'queue_ticket', ['started_at', 'site_id', 'arrived_at'])
    op.create_index('ix_referral_resident_created', 'referral', ['resident_id', 'created_at'])
    op.create_index('ix_skills_assessment_resident_completed', 'skills_assessment',
                    ['resident_id', 'state', 'completed_at'])
    op.create_index('ix_skills_assessment_report', 'skills_assessment',
                    ['completed_at', 'state', 'resident_id', 'kind', 'framework_version', 'site_id'])


def _backfill(levels: sa.Table) -> None:
    """Completed assessments already frozen as JSON get their rows, read from that JSON."""
    connection = op.get_bind()
    assessment = sa.table('skills_assessment', sa.column('id', sa.Integer), sa.column('state', sa.String),
                          sa.column('result_json', sa.Text))
    rows = connection.execute(sa.select(assessment.c.id, assessment.c.result_json).where(
        assessment.c.state == 'completed', assessment.c.result_json != '')).all()
    batch: list[dict] = []
    for assessment_id, text in rows:
        for values in result_rows(assessment_id, text):
            batch.append(values)
        if len(batch) >= BATCH:
            connection.execute(levels.insert(), batch)
            batch = []
    if batch:
        connection.execute(levels.insert(), batch)


def result_rows(assessment_id: int, text: str) -> list[dict]:
    raw = json.loads(text)
    out = [{'assessment_id': assessment_id, 'area': '', 'level': s['level'], 'status': s['status'],
            'on_my_own': s['on_my_own']} for s in raw.get('overall', [])]
    for area in raw.get('areas', []):
        out.extend({'assessment_id': assessment_id, 'area': area['area'], 'level': s['level'],
                    'status': s['status'], 'on_my_own': s['on_my_own']} for s in area['levels'])
    return out


def downgrade() -> None:
    op.drop_index('ix_skills_assessment_report', table_name='skills_assessment')
    op.drop_index('ix_skills_assessment_resident_completed', table_name='skills_assessment')
    op.drop_index('ix_callback_due_by', table_name='callback')
    op.drop_index('ix_referral_resident_created', table_name='referral')
    op.drop_index('ix_queue_ticket_started', table_name='queue_ticket')
    op.drop_index('ix_interaction_report', table_name='interaction')
    op.drop_table('skills_result_level')
    op.drop_table('staff_preference')
