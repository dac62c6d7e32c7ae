"""Advocacy cases and everything that happens on them.

A case row holds its current state and the dates the caseload sorts and counts by (first
response due, resolution due, next task due), so a caseload of thousands opens from this one
table. Everything that happened is a `CaseActivity` row, oldest first; status changes, handovers,
escalations and reopens are activities too, so the history is one list. Bank holidays are data an
administrator can edit, because the government adds and moves them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import Base, UtcDateTime
from ..desk.merge import link_to_resident


class CaseType(Base):
    """Set up by an administrator: the statuses a case of this type moves through, which moves
    are allowed, its SLA targets in working days and the activities expected along the way."""

    __tablename__ = "case_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    statuses: Mapped[str] = mapped_column(Text)  # JSON list of {"code", "label"}; the first is where a case starts
    transitions: Mapped[str] = mapped_column(Text)  # JSON {from_code: [to_code, ...]}
    first_response_days: Mapped[int] = mapped_column(Integer)
    resolution_days: Mapped[int] = mapped_column(Integer)
    expected_activities: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of {"kind", "label", "within_days"}
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (UniqueConstraint("code", name="uq_case_type_code"),)
    __mapper_args__ = {"version_id_col": version}


class Case(Base):
    __tablename__ = "advocacy_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)  # CS-XXXX-XX
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id"))
    case_type_id: Mapped[int] = mapped_column(ForeignKey("case_type.id"))
    summary: Mapped[str] = mapped_column(Text)
    priority: Mapped[str] = mapped_column(String(10))  # CasePriority value
    services: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of the services involved, in words
    representative_id: Mapped[int | None] = mapped_column(ForeignKey("representative.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(40))  # one of the type's status codes, or "closed"
    owner_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"), nullable=True)
    from_interaction_id: Mapped[int | None] = mapped_column(ForeignKey("interaction.id"), nullable=True)
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    restricted_reason: Mapped[str] = mapped_column(Text, default="")
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    opened_by: Mapped[str] = mapped_column(String(120))
    # The SLA clock, in London dates: due at the end of that working day.
    first_response_due_on: Mapped[date] = mapped_column(Date)
    first_response_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    resolution_due_on: Mapped[date] = mapped_column(Date)
    next_task_due_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # earliest open task
    last_activity_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    outcome: Mapped[str] = mapped_column(String(20), default="")  # CaseOutcome value when closed
    outcome_reason: Mapped[str] = mapped_column(Text, default="")
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        Index("ix_advocacy_case_resident", "resident_id"),
        Index("ix_advocacy_case_owner_open", "owner_id", "closed_at"),
        Index("ix_advocacy_case_open", "closed_at", "resolution_due_on"),
        Index("ix_advocacy_case_opened_at", "opened_at"),
    )
    __mapper_args__ = {"version_id_col": version}


class CaseMember(Base):
    """A named member of a case's team: may open it when it is restricted, and work it."""

    __tablename__ = "case_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("advocacy_case.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime)
    added_by: Mapped[str] = mapped_column(String(120))

    __table_args__ = (
        UniqueConstraint("case_id", "staff_id", name="uq_case_member_case_id"),
        Index("ix_case_member_staff", "staff_id"),
    )


class CaseActivity(Base):
    """One line of a case's history. Notes and contacts can be marked internal (left out of
    anything printed for the resident); tasks carry a due date, an assignee and when they were
    done. Never deleted; a task is completed, not removed."""

    __tablename__ = "case_activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("advocacy_case.id"))
    kind: Mapped[str] = mapped_column(String(20))  # ActivityKind value
    text: Mapped[str] = mapped_column(Text, default="")
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    happened_at: Mapped[datetime] = mapped_column(UtcDateTime)  # when it happened (a meeting yesterday)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_by: Mapped[str] = mapped_column(String(120))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    from_status: Mapped[str] = mapped_column(String(40), default="")
    to_status: Mapped[str] = mapped_column(String(40), default="")
    # Tasks
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    done_by: Mapped[str] = mapped_column(String(120), default="")
    # Links
    interaction_id: Mapped[int | None] = mapped_column(ForeignKey("interaction.id"), nullable=True)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id"), nullable=True)
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachment.id"), nullable=True)
    other_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)  # handover, team
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        Index("ix_case_activity_case", "case_id", "happened_at"),
        Index("ix_case_activity_open_tasks", "assignee_id", "done_at", "due_on"),
        Index("ix_case_activity_kind_happened", "kind", "happened_at"),  # escalations and reopens in a period
    )
    __mapper_args__ = {"version_id_col": version}


class BankHoliday(Base):
    """A day that is not a working day for the SLA clock (England and Wales)."""

    __tablename__ = "bank_holiday"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(120))

    __table_args__ = (UniqueConstraint("day", name="uq_bank_holiday_day"),)


link_to_resident(Case)  # a merge moves the merged record's cases to the survivor
