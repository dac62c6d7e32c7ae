"""print records: each guide, plan or slip printed or saved as PDF (what, for whom, format, language, how)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 21:15:01.670924
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('print_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('guide_slug', sa.String(length=120), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=True),
    sa.Column('format', sa.String(length=20), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('printer_name', sa.String(length=200), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('printed_by', sa.String(length=120), nullable=False),
    sa.Column('printed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], name=op.f('fk_print_record_resident_id_resident')),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_print_record_site_id_site')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_print_record_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_print_record'))
    )
    with op.batch_alter_table('print_record', schema=None) as batch_op:
        batch_op.create_index('ix_print_record_printed_at', ['printed_at', 'kind'], unique=False)
        batch_op.create_index('ix_print_record_resident', ['resident_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('print_record', schema=None) as batch_op:
        batch_op.drop_index('ix_print_record_resident')
        batch_op.drop_index('ix_print_record_printed_at')

    op.drop_table('print_record')
