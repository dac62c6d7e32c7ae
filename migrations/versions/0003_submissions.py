"""back-office submissions: the outbox and each request's history; evidence attachments and
their bytes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 16:31:35.226264
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('submission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=12), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('interaction_id', sa.Integer(), nullable=False),
    sa.Column('representative_id', sa.Integer(), nullable=True),
    sa.Column('request_type', sa.String(length=40), nullable=False),
    sa.Column('service_code', sa.String(length=40), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('fields_json', sa.Text(), nullable=False),
    sa.Column('resident_json', sa.Text(), nullable=False),
    sa.Column('envelope_json', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('idempotency_key', sa.String(length=36), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lease_owner', sa.String(length=80), nullable=False),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('may_have_arrived', sa.Boolean(), nullable=False),
    sa.Column('back_office_reference', sa.String(length=64), nullable=True),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('back_office_status', sa.String(length=20), nullable=False),
    sa.Column('back_office_status_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('back_office_message', sa.Text(), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=120), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['interaction_id'], ['interaction.id'], name=op.f('fk_submission_interaction_id_interaction')),
    sa.ForeignKeyConstraint(['representative_id'], ['representative.id'], name=op.f('fk_submission_representative_id_representative')),
    sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], name=op.f('fk_submission_resident_id_resident')),
    sa.ForeignKeyConstraint(['service_code'], ['service_entry.code'], name=op.f('fk_submission_service_code_service_entry')),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_submission_site_id_site')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_submission_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submission')),
    sa.UniqueConstraint('back_office_reference', name='uq_submission_back_office_reference'),
    sa.UniqueConstraint('idempotency_key', name='uq_submission_idempotency_key'),
    sa.UniqueConstraint('reference', name='uq_submission_reference')
    )
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.create_index('ix_submission_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_submission_resident_created', ['resident_id', 'created_at'], unique=False)
        batch_op.create_index('ix_submission_state_due', ['state', 'next_attempt_at'], unique=False)

    op.create_table('attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=True),
    sa.Column('interaction_id', sa.Integer(), nullable=True),
    sa.Column('submission_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('media_type', sa.String(length=80), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('added_by', sa.String(length=120), nullable=False),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('removed_by', sa.String(length=120), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['interaction_id'], ['interaction.id'], name=op.f('fk_attachment_interaction_id_interaction')),
    sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], name=op.f('fk_attachment_resident_id_resident')),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_attachment_submission_id_submission')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachment'))
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index('ix_attachment_interaction', ['interaction_id'], unique=False)
        batch_op.create_index('ix_attachment_resident', ['resident_id'], unique=False)
        batch_op.create_index('ix_attachment_submission', ['submission_id'], unique=False)

    op.create_table('submission_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('by', sa.String(length=120), nullable=False),
    sa.Column('change_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_submission_event_submission_id_submission'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submission_event')),
    sa.UniqueConstraint('submission_id', 'change_id', name='uq_submission_event_change')
    )
    with op.batch_alter_table('submission_event', schema=None) as batch_op:
        batch_op.create_index('ix_submission_event_submission_at', ['submission_id', 'at'], unique=False)

    op.create_table('attachment_content',
    sa.Column('attachment_id', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['attachment_id'], ['attachment.id'], name=op.f('fk_attachment_content_attachment_id_attachment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('attachment_id', name=op.f('pk_attachment_content'))
    )


def downgrade() -> None:
    op.drop_table('attachment_content')
    with op.batch_alter_table('submission_event', schema=None) as batch_op:
        batch_op.drop_index('ix_submission_event_submission_at')

    op.drop_table('submission_event')
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index('ix_attachment_submission')
        batch_op.drop_index('ix_attachment_resident')
        batch_op.drop_index('ix_attachment_interaction')

    op.drop_table('attachment')
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_index('ix_submission_state_due')
        batch_op.drop_index('ix_submission_resident_created')
        batch_op.drop_index('ix_submission_created_at')

    op.drop_table('submission')
