"""casework: case types, cases, team members, activities and bank holidays

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 02:29:52.628108
"""
from __future__ import annotations

import json
from datetime import date, datetime, timezone

import sqlalchemy as sa
from alembic import op

from assisted_desk.core.paths import resources_dir

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bank_holiday',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_holiday')),
    sa.UniqueConstraint('day', name='uq_bank_holiday_day')
    )
    op.create_table('case_type',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('statuses', sa.Text(), nullable=False),
    sa.Column('transitions', sa.Text(), nullable=False),
    sa.Column('first_response_days', sa.Integer(), nullable=False),
    sa.Column('resolution_days', sa.Integer(), nullable=False),
    sa.Column('expected_activities', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=120), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_type')),
    sa.UniqueConstraint('code', name='uq_case_type_code')
    )
    op.create_table('advocacy_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('case_type_id', sa.Integer(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('priority', sa.String(length=10), nullable=False),
    sa.Column('services', sa.Text(), nullable=False),
    sa.Column('representative_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=40), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('from_interaction_id', sa.Integer(), nullable=True),
    sa.Column('restricted', sa.Boolean(), nullable=False),
    sa.Column('restricted_reason', sa.Text(), nullable=False),
    sa.Column('escalation_level', sa.Integer(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opened_by', sa.String(length=120), nullable=False),
    sa.Column('first_response_due_on', sa.Date(), nullable=False),
    sa.Column('first_response_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolution_due_on', sa.Date(), nullable=False),
    sa.Column('next_task_due_on', sa.Date(), nullable=True),
    sa.Column('last_activity_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('outcome_reason', sa.Text(), nullable=False),
    sa.Column('reopen_count', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=120), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_type_id'], ['case_type.id'], name=op.f('fk_advocacy_case_case_type_id_case_type')),
    sa.ForeignKeyConstraint(['from_interaction_id'], ['interaction.id'], name=op.f('fk_advocacy_case_from_interaction_id_interaction')),
    sa.ForeignKeyConstraint(['owner_id'], ['staff.id'], name=op.f('fk_advocacy_case_owner_id_staff')),
    sa.ForeignKeyConstraint(['representative_id'], ['representative.id'], name=op.f('fk_advocacy_case_representative_id_representative')),
    sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], name=op.f('fk_advocacy_case_resident_id_resident')),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_advocacy_case_site_id_site')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_advocacy_case')),
    sa.UniqueConstraint('reference', name=op.f('uq_advocacy_case_reference'))
    )
    with op.batch_alter_table('advocacy_case', schema=None) as batch_op:
        batch_op.create_index('ix_advocacy_case_open', ['closed_at', 'resolution_due_on'], unique=False)
        batch_op.create_index('ix_advocacy_case_opened_at', ['opened_at'], unique=False)
        batch_op.create_index('ix_advocacy_case_owner_open', ['owner_id', 'closed_at'], unique=False)
        batch_op.create_index('ix_advocacy_case_resident', ['resident_id'], unique=False)

    op.create_table('case_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('added_by', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['advocacy_case.id'], name=op.f('fk_case_member_case_id_advocacy_case')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_case_member_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_member')),
    sa.UniqueConstraint('case_id', 'staff_id', name='uq_case_member_case_id')
    )
    with op.batch_alter_table('case_member', schema=None) as batch_op:
        batch_op.create_index('ix_case_member_staff', ['staff_id'], unique=False)

    op.create_table('case_activity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('internal', sa.Boolean(), nullable=False),
    sa.Column('happened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.String(length=120), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('from_status', sa.String(length=40), nullable=False),
    sa.Column('to_status', sa.String(length=40), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_by', sa.String(length=120), nullable=False),
    sa.Column('interaction_id', sa.Integer(), nullable=True),
    sa.Column('submission_id', sa.Integer(), nullable=True),
    sa.Column('attachment_id', sa.Integer(), nullable=True),
    sa.Column('other_staff_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assignee_id'], ['staff.id'], name=op.f('fk_case_activity_assignee_id_staff')),
    sa.ForeignKeyConstraint(['attachment_id'], ['attachment.id'], name=op.f('fk_case_activity_attachment_id_attachment')),
    sa.ForeignKeyConstraint(['case_id'], ['advocacy_case.id'], name=op.f('fk_case_activity_case_id_advocacy_case')),
    sa.ForeignKeyConstraint(['interaction_id'], ['interaction.id'], name=op.f('fk_case_activity_interaction_id_interaction')),
    sa.ForeignKeyConstraint(['other_staff_id'], ['staff.id'], name=op.f('fk_case_activity_other_staff_id_staff')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_case_activity_staff_id_staff')),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_case_activity_submission_id_submission')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_activity'))
    )
    with op.batch_alter_table('case_activity', schema=None) as batch_op:
        batch_op.create_index('ix_case_activity_kind_happened', ['kind', 'happened_at'], unique=False)
        batch_op.create_index('ix_case_activity_case', ['case_id', 'happened_at'], unique=False)
        batch_op.create_index('ix_case_activity_open_tasks', ['assignee_id', 'done_at', 'due_on'], unique=False)


    _seed(op.get_bind())


def _seed(connection) -> None:
    """A new database starts with England and Wales bank holidays and the usual case types; from
    here on they are data administrators edit (resources/casework/README.md)."""
    now = datetime.now(timezone.utc)
    folder = resources_dir() / "casework"
    holidays = json.loads((folder / "bank-holidays-england-and-wales.json").read_text(encoding="utf-8"))
    holiday = sa.table("bank_holiday", sa.column("day", sa.Date), sa.column("name", sa.String),
                       sa.column("updated_at", sa.DateTime), sa.column("updated_by", sa.String))
    op.bulk_insert(holiday, [
        {"day": date.fromisoformat(event["date"]), "name": event["title"], "updated_at": now, "updated_by": "setup"}
        for event in holidays["events"]
    ])
    types = json.loads((folder / "case-types.json").read_text(encoding="utf-8"))["case_types"]
    case_type = sa.table("case_type", *(sa.column(name) for name in (
        "code", "name", "statuses", "transitions", "first_response_days", "resolution_days",
        "expected_activities", "active", "updated_at", "updated_by", "version")))
    op.bulk_insert(case_type, [
        {"code": t["code"], "name": t["name"], "statuses": json.dumps(t["statuses"]),
         "transitions": json.dumps(t["transitions"]), "first_response_days": t["first_response_days"],
         "resolution_days": t["resolution_days"], "expected_activities": json.dumps(t["expected_activities"]),
         "active": True, "updated_at": now, "updated_by": "setup", "version": 1}
        for t in types
    ])

def downgrade() -> None:
    with op.batch_alter_table('case_activity', schema=None) as batch_op:
        batch_op.drop_index('ix_case_activity_open_tasks')
        batch_op.drop_index('ix_case_activity_kind_happened')
        batch_op.drop_index('ix_case_activity_case')

    op.drop_table('case_activity')
    with op.batch_alter_table('case_member', schema=None) as batch_op:
        batch_op.drop_index('ix_case_member_staff')

    op.drop_table('case_member')
    with op.batch_alter_table('advocacy_case', schema=None) as batch_op:
        batch_op.drop_index('ix_advocacy_case_resident')
        batch_op.drop_index('ix_advocacy_case_owner_open')
        batch_op.drop_index('ix_advocacy_case_opened_at')
        batch_op.drop_index('ix_advocacy_case_open')

    op.drop_table('advocacy_case')
    op.drop_table('case_type')
    op.drop_table('bank_holiday')
