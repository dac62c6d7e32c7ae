"""residents' rights: legal holds, and residents flagged as erased

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 13:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('legal_hold',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('placed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('placed_by', sa.String(length=120), nullable=False),
    sa.Column('lifted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lifted_by', sa.String(length=120), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], name=op.f('fk_legal_hold_resident_id_resident')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_hold'))
    )
    with op.batch_alter_table('legal_hold', schema=None) as batch_op:
        batch_op.create_index('ix_legal_hold_resident_id', ['resident_id'], unique=False)

    with op.batch_alter_table('resident', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('erased_by', sa.String(length=120), server_default='', nullable=False))


def downgrade() -> None:
    op.drop_index('ix_legal_hold_resident_id', table_name='legal_hold')
    op.drop_table('legal_hold')
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite (3.35 and newer) drops a column in place. Batch mode would copy the table and
        # drop the old one, which the foreign keys other tables hold to residents refuse.
        op.execute('ALTER TABLE resident DROP COLUMN erased_by')
        op.execute('ALTER TABLE resident DROP COLUMN erased_at')
    else:
        op.drop_column('resident', 'erased_by')
        op.drop_column('resident', 'erased_at')
