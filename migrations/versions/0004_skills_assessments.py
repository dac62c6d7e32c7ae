"""digital-skills assessments: answers, barriers and goals, each result frozen with its framework version

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 19:34:16.080955
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('skills_assessment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('framework_version', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('goals_own_words', sa.Text(), nullable=False),
    sa.Column('result_json', sa.Text(), nullable=False),
    sa.Column('discard_reason', sa.Text(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_by', sa.String(length=120), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=120), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], name=op.f('fk_skills_assessment_resident_id_resident')),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_skills_assessment_site_id_site')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_skills_assessment_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skills_assessment'))
    )
    with op.batch_alter_table('skills_assessment', schema=None) as batch_op:
        batch_op.create_index('ix_skills_assessment_completed_at', ['completed_at'], unique=False)
        batch_op.create_index('ix_skills_assessment_resident_started', ['resident_id', 'started_at'], unique=False)

    op.create_table('skills_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('statement_code', sa.String(length=20), nullable=False),
    sa.Column('answer', sa.String(length=20), nullable=False),
    sa.Column('evidence', sa.String(length=10), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['skills_assessment.id'], name=op.f('fk_skills_answer_assessment_id_skills_assessment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skills_answer')),
    sa.UniqueConstraint('assessment_id', 'statement_code', name='uq_skills_answer_statement')
    )
    op.create_table('skills_barrier',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('barrier', sa.String(length=30), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['skills_assessment.id'], name=op.f('fk_skills_barrier_assessment_id_skills_assessment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skills_barrier')),
    sa.UniqueConstraint('assessment_id', 'barrier', name='uq_skills_barrier_kind')
    )
    op.create_table('skills_goal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('goal', sa.String(length=30), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['skills_assessment.id'], name=op.f('fk_skills_goal_assessment_id_skills_assessment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skills_goal')),
    sa.UniqueConstraint('assessment_id', 'goal', name='uq_skills_goal_kind')
    )


def downgrade() -> None:
    op.drop_table('skills_goal')
    op.drop_table('skills_barrier')
    op.drop_table('skills_answer')
    with op.batch_alter_table('skills_assessment', schema=None) as batch_op:
        batch_op.drop_index('ix_skills_assessment_resident_started')
        batch_op.drop_index('ix_skills_assessment_completed_at')

    op.drop_table('skills_assessment')
