"""Referrals: a resident referred to a partner's service, followed until the outcome is known.

Every status change is a `ReferralEvent` row naming who recorded it, where it came from and
when; the referral row holds the current status and the timestamps reports need. A referral
sent by a partner's API waits in the outbox columns (`delivery_*`), with the same lease,
back-off and idempotency key as back-office requests, so nothing is lost while offline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import Base, UtcDateTime
from ..desk.merge import link_to_resident


class Referral(Base):
    __tablename__ = "referral"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)  # RF-XXXX-XX
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("partner_service.id"))
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("skills_assessment.id"), nullable=True)
    need_areas: Mapped[str] = mapped_column(Text, default="[]")  # skill area codes and/or ServiceOffer values
    need_text: Mapped[str] = mapped_column(Text, default="")  # the need in words, shared with the partner
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("consent.id"), nullable=True)  # the consent it was sent under
    method: Mapped[str] = mapped_column(String(10))  # ReferralMethod value, copied from the service when made
    status: Mapped[str] = mapped_column(String(30))  # ReferralStatus value
    status_reason: Mapped[str] = mapped_column(Text, default="")
    rerouted_from_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id"), nullable=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"), nullable=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(120))
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    declined_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    first_session_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_update_at: Mapped[datetime] = mapped_column(UtcDateTime)  # any news, for the follow-up list
    # The outbox, for referrals sent through a partner's API (DeliveryState value).
    delivery_state: Mapped[str] = mapped_column(String(20), default="not_by_api")
    idempotency_key: Mapped[str] = mapped_column(String(64), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    lease_owner: Mapped[str] = mapped_column(String(120), default="")
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    partner_reference: Mapped[str] = mapped_column(String(120), default="")  # the partner's own id for it
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        Index("ix_referral_resident", "resident_id"),
        Index("ix_referral_resident_created", "resident_id", "created_at"),  # repeat referrals, for reports
        Index("ix_referral_service", "service_id"),
        Index("ix_referral_status_update", "status", "last_update_at"),
        Index("ix_referral_delivery", "delivery_state", "next_attempt_at"),
        Index("ix_referral_created_at", "created_at"),
    )
    __mapper_args__ = {"version_id_col": version}


class ReferralEvent(Base):
    """One step of a referral's history. Never edited or deleted."""

    __tablename__ = "referral_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"))
    from_status: Mapped[str] = mapped_column(String(30), default="")  # "" for the first event
    to_status: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(20))  # UpdateSource value
    happened_at: Mapped[datetime] = mapped_column(UtcDateTime)  # when it happened (a session's date, say)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)  # when we learned it
    recorded_by: Mapped[str] = mapped_column(String(120))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)

    __table_args__ = (Index("ix_referral_event_referral", "referral_id", "recorded_at"),)


link_to_resident(Referral)  # a merge moves the merged record's referrals to the survivor
