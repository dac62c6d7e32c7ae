"""partner directory (Open Referral UK import, our own notes kept apart) and referrals followed to their outcome

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 19:52:22.798832
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('partner_organisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('local_notes', sa.Text(), nullable=False),
    sa.Column('gone_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=120), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_organisation')),
    sa.UniqueConstraint('source', 'external_id', name='uq_partner_organisation_source_external')
    )
    op.create_table('postcode_point',
    sa.Column('postcode', sa.String(length=10), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=False),
    sa.Column('longitude', sa.Float(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('postcode', name=op.f('pk_postcode_point'))
    )
    op.create_table('partner_service',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('skill_areas', sa.Text(), nullable=False),
    sa.Column('offers', sa.Text(), nullable=False),
    sa.Column('delivery', sa.String(length=20), nullable=False),
    sa.Column('languages', sa.Text(), nullable=False),
    sa.Column('accessibility', sa.Text(), nullable=False),
    sa.Column('taxonomy_terms', sa.Text(), nullable=False),
    sa.Column('is_free', sa.Boolean(), nullable=False),
    sa.Column('cost_note', sa.Text(), nullable=False),
    sa.Column('min_age', sa.Integer(), nullable=True),
    sa.Column('max_age', sa.Integer(), nullable=True),
    sa.Column('residency_area', sa.String(length=200), nullable=False),
    sa.Column('benefits_required', sa.Boolean(), nullable=False),
    sa.Column('eligibility_note', sa.Text(), nullable=False),
    sa.Column('referral_method', sa.String(length=10), nullable=False),
    sa.Column('referral_email', sa.String(length=254), nullable=False),
    sa.Column('referral_phone', sa.String(length=40), nullable=False),
    sa.Column('referral_api_url', sa.String(length=500), nullable=False),
    sa.Column('accepting_referrals', sa.Boolean(), nullable=False),
    sa.Column('capacity_note', sa.Text(), nullable=False),
    sa.Column('local_accepting', sa.Boolean(), nullable=True),
    sa.Column('local_capacity_note', sa.Text(), nullable=False),
    sa.Column('local_notes', sa.Text(), nullable=False),
    sa.Column('gone_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=120), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['partner_organisation.id'], name=op.f('fk_partner_service_organisation_id_partner_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_service')),
    sa.UniqueConstraint('source', 'external_id', name='uq_partner_service_source_external')
    )
    with op.batch_alter_table('partner_service', schema=None) as batch_op:
        batch_op.create_index('ix_partner_service_organisation', ['organisation_id'], unique=False)

    op.create_table('partner_location',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('postcode', sa.String(length=10), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('accessibility', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['partner_service.id'], name=op.f('fk_partner_location_service_id_partner_service'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_location'))
    )
    with op.batch_alter_table('partner_location', schema=None) as batch_op:
        batch_op.create_index('ix_partner_location_service', ['service_id'], unique=False)

    op.create_table('partner_schedule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('byday', sa.String(length=40), nullable=False),
    sa.Column('opens_at', sa.String(length=5), nullable=False),
    sa.Column('closes_at', sa.String(length=5), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['partner_service.id'], name=op.f('fk_partner_schedule_service_id_partner_service'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_schedule'))
    )
    with op.batch_alter_table('partner_schedule', schema=None) as batch_op:
        batch_op.create_index('ix_partner_schedule_service', ['service_id'], unique=False)

    op.create_table('referral',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=True),
    sa.Column('need_areas', sa.Text(), nullable=False),
    sa.Column('need_text', sa.Text(), nullable=False),
    sa.Column('consent_id', sa.Integer(), nullable=True),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=False),
    sa.Column('rerouted_from_id', sa.Integer(), nullable=True),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('declined_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_session_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_update_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivery_state', sa.String(length=20), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lease_owner', sa.String(length=120), nullable=False),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('partner_reference', sa.String(length=120), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=120), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['skills_assessment.id'], name=op.f('fk_referral_assessment_id_skills_assessment')),
    sa.ForeignKeyConstraint(['consent_id'], ['consent.id'], name=op.f('fk_referral_consent_id_consent')),
    sa.ForeignKeyConstraint(['rerouted_from_id'], ['referral.id'], name=op.f('fk_referral_rerouted_from_id_referral')),
    sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], name=op.f('fk_referral_resident_id_resident')),
    sa.ForeignKeyConstraint(['service_id'], ['partner_service.id'], name=op.f('fk_referral_service_id_partner_service')),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_referral_site_id_site')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_referral_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral')),
    sa.UniqueConstraint('reference', name=op.f('uq_referral_reference'))
    )
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.create_index('ix_referral_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_referral_delivery', ['delivery_state', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_referral_resident', ['resident_id'], unique=False)
        batch_op.create_index('ix_referral_service', ['service_id'], unique=False)
        batch_op.create_index('ix_referral_status_update', ['status', 'last_update_at'], unique=False)

    op.create_table('referral_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=30), nullable=False),
    sa.Column('to_status', sa.String(length=30), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('happened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.String(length=120), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_referral_event_referral_id_referral')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_referral_event_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_event'))
    )
    with op.batch_alter_table('referral_event', schema=None) as batch_op:
        batch_op.create_index('ix_referral_event_referral', ['referral_id', 'recorded_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('referral_event', schema=None) as batch_op:
        batch_op.drop_index('ix_referral_event_referral')

    op.drop_table('referral_event')
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_index('ix_referral_status_update')
        batch_op.drop_index('ix_referral_service')
        batch_op.drop_index('ix_referral_resident')
        batch_op.drop_index('ix_referral_delivery')
        batch_op.drop_index('ix_referral_created_at')

    op.drop_table('referral')
    with op.batch_alter_table('partner_schedule', schema=None) as batch_op:
        batch_op.drop_index('ix_partner_schedule_service')

    op.drop_table('partner_schedule')
    with op.batch_alter_table('partner_location', schema=None) as batch_op:
        batch_op.drop_index('ix_partner_location_service')

    op.drop_table('partner_location')
    with op.batch_alter_table('partner_service', schema=None) as batch_op:
        batch_op.drop_index('ix_partner_service_organisation')

    op.drop_table('partner_service')
    op.drop_table('postcode_point')
    op.drop_table('partner_organisation')
