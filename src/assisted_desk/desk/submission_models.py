"""The outbox: council requests made at the desk on a resident's behalf, kept until the back
office acknowledges each with its own reference, and everything that happened to them since.

A request is written here in the same transaction as the contact that caused it; a background
sender delivers it later, so the desk never waits on the council's systems."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import Base, UtcDateTime


class Submission(Base):
    """One request to the back office. `state` is the desk's side (queued, sending, accepted,
    needs attention, cancelled); `back_office_status` is the council's side once accepted."""

    __tablename__ = "submission"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(12))  # the desk's own, AD-style, quotable
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id"))
    interaction_id: Mapped[int] = mapped_column(ForeignKey("interaction.id"))
    representative_id: Mapped[int | None] = mapped_column(ForeignKey("representative.id"), nullable=True)
    request_type: Mapped[str] = mapped_column(String(40))  # declared in resources/service_requests.json
    service_code: Mapped[str] = mapped_column(ForeignKey("service_entry.code"))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    fields_json: Mapped[str] = mapped_column(Text)  # the request's fields, as validated
    resident_json: Mapped[str] = mapped_column(Text)  # the resident details the service needs, as sent
    # Who made it, where, on whose authority: frozen when made, so every retry sends the same body.
    envelope_json: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20))  # SubmissionState value
    idempotency_key: Mapped[str] = mapped_column(String(36))  # the same on every retry of one body
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    lease_owner: Mapped[str] = mapped_column(String(80), default="")  # the sender delivering it now
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    # An attempt ended with no answer (timeout, dropped connection): the back office may have it.
    may_have_arrived: Mapped[bool] = mapped_column(Boolean, default=False)
    back_office_reference: Mapped[str | None] = mapped_column(String(64), nullable=True)
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    back_office_status: Mapped[str] = mapped_column(String(20), default="")  # BackOfficeStatus value or ""
    back_office_status_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    back_office_message: Mapped[str] = mapped_column(Text, default="")
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        UniqueConstraint("reference", name="uq_submission_reference"),
        UniqueConstraint("idempotency_key", name="uq_submission_idempotency_key"),
        UniqueConstraint("back_office_reference", name="uq_submission_back_office_reference"),
        Index("ix_submission_state_due", "state", "next_attempt_at"),
        Index("ix_submission_resident_created", "resident_id", "created_at"),
        Index("ix_submission_created_at", "created_at"),
    )
    __mapper_args__ = {"version_id_col": version}


class SubmissionEvent(Base):
    """One step in a request's life: queued, an attempt that failed, refused, accepted, a status
    change reported by the back office, fixed, cancelled. Never edited."""

    __tablename__ = "submission_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    kind: Mapped[str] = mapped_column(String(20))  # SubmissionEventKind value
    status: Mapped[str] = mapped_column(String(20), default="")  # BackOfficeStatus value, for status changes
    message: Mapped[str] = mapped_column(Text, default="")
    by: Mapped[str] = mapped_column(String(120))  # a staff username, or the sender's name
    change_id: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the back office's id of a change

    __table_args__ = (
        # Two desks polling at once, or a back office that repeats itself, record a change once.
        UniqueConstraint("submission_id", "change_id", name="uq_submission_event_change"),
        Index("ix_submission_event_submission_at", "submission_id", "at"),
    )
