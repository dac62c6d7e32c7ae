"""The partner directory: organisations, the services they run, where and when, and the postcode
points distances are measured from.

Rows imported from an Open Referral UK directory carry `source` (the directory's address) and
`external_id` (its id), so a refresh updates them in place and never duplicates them. Our own
knowledge of a partner (`local_notes`, and for services `local_accepting` / `local_capacity_note`)
sits in columns a refresh never writes, so it survives. A record that disappears from its
directory is marked `gone_at`, not deleted: referrals still point at it.

Lists (skill areas, offers, languages, accessibility, taxonomy terms) are JSON text: they are
read whole for matching and export, never queried by element."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import Base, UtcDateTime


class PartnerOrganisation(Base):
    __tablename__ = "partner_organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(300), default="")  # directory URL; "" when added by hand
    external_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    url: Mapped[str] = mapped_column(String(500), default="")
    local_notes: Mapped[str] = mapped_column(Text, default="")  # ours; a refresh never touches it
    gone_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)  # no longer in its directory
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (UniqueConstraint("source", "external_id", name="uq_partner_organisation_source_external"),)
    __mapper_args__ = {"version_id_col": version}


class PartnerService(Base):
    __tablename__ = "partner_service"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("partner_organisation.id"))
    source: Mapped[str] = mapped_column(String(300), default="")
    external_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(500), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[str] = mapped_column(String(20), default="active")  # ORUK: active, inactive, defunct, temporarily closed
    skill_areas: Mapped[str] = mapped_column(Text, default="[]")  # framework area codes taught
    offers: Mapped[str] = mapped_column(Text, default="[]")  # ServiceOffer values
    delivery: Mapped[str] = mapped_column(String(20), default="either")  # Delivery value
    languages: Mapped[str] = mapped_column(Text, default="[]")  # ISO 639-1 codes, e.g. ["en", "pl"]
    accessibility: Mapped[str] = mapped_column(Text, default="[]")  # Accessibility values
    taxonomy_terms: Mapped[str] = mapped_column(Text, default="[]")  # [{"vocabulary", "id", "name"}] as imported
    is_free: Mapped[bool] = mapped_column(Boolean, default=True)
    cost_note: Mapped[str] = mapped_column(Text, default="")
    min_age: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_age: Mapped[int | None] = mapped_column(Integer, nullable=True)
    residency_area: Mapped[str] = mapped_column(String(200), default="")  # "" any; else postcode districts, e.g. "E1 E2"
    benefits_required: Mapped[bool] = mapped_column(Boolean, default=False)
    eligibility_note: Mapped[str] = mapped_column(Text, default="")
    referral_method: Mapped[str] = mapped_column(String(10), default="email")  # ReferralMethod value
    referral_email: Mapped[str] = mapped_column(String(254), default="")
    referral_phone: Mapped[str] = mapped_column(String(40), default="")
    referral_api_url: Mapped[str] = mapped_column(String(500), default="")
    accepting_referrals: Mapped[bool] = mapped_column(Boolean, default=True)  # as the directory says
    capacity_note: Mapped[str] = mapped_column(Text, default="")
    # Ours, never written by a refresh: None follows the directory, True/False overrides it.
    local_accepting: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    local_capacity_note: Mapped[str] = mapped_column(Text, default="")
    local_notes: Mapped[str] = mapped_column(Text, default="")
    gone_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        UniqueConstraint("source", "external_id", name="uq_partner_service_source_external"),
        Index("ix_partner_service_organisation", "organisation_id"),
    )
    __mapper_args__ = {"version_id_col": version}


class PartnerLocation(Base):
    """Where a service is delivered. Replaced whole when its service is refreshed or edited."""

    __tablename__ = "partner_location"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("partner_service.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(200), default="")
    name: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(Text, default="")  # one line per part
    postcode: Mapped[str] = mapped_column(String(10), default="")  # normalised, "E1 6AN"
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    accessibility: Mapped[str] = mapped_column(Text, default="[]")  # Accessibility values at this place

    __table_args__ = (Index("ix_partner_location_service", "service_id"),)


class PartnerSchedule(Base):
    """When a service runs: a weekly pattern (RFC 5545 BYDAY codes and times) or words."""

    __tablename__ = "partner_schedule"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("partner_service.id", ondelete="CASCADE"))
    byday: Mapped[str] = mapped_column(String(40), default="")  # "MO,WE"
    opens_at: Mapped[str] = mapped_column(String(5), default="")  # "10:00", local time
    closes_at: Mapped[str] = mapped_column(String(5), default="")
    description: Mapped[str] = mapped_column(Text, default="")  # "First Tuesday of the month"

    __table_args__ = (Index("ix_partner_schedule_service", "service_id"),)


class PostcodePoint(Base):
    """A postcode's position, learned from directory locations or a postcode lookup, so distances
    can be measured without asking anyone at the moment of matching."""

    __tablename__ = "postcode_point"

    postcode: Mapped[str] = mapped_column(String(10), primary_key=True)  # normalised, "E1 6AN"
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(20))  # "directory" or "lookup"
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
