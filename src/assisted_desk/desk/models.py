"""The desk's tables: residents and how they are found, consent and authority to act, contacts,
references residents can quote, the walk-in queue and phone callbacks.

Every editable record carries `version` (optimistic locking) and who changed it last."""

from __future__ import annotations

import math
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import Base, UtcDateTime


class Resident(Base):
    """A person served at the desk. A merged record keeps `merged_into_id` and leaves search."""

    __tablename__ = "resident"

    id: Mapped[int] = mapped_column(primary_key=True)
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    preferred_name: Mapped[str] = mapped_column(String(100), default="")
    date_of_birth: Mapped[date | None] = mapped_column(Date, nullable=True)
    address_line1: Mapped[str] = mapped_column(String(120), default="")
    address_line2: Mapped[str] = mapped_column(String(120), default="")
    town: Mapped[str] = mapped_column(String(80), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")  # display form, "E1 6AN"
    postcode_key: Mapped[str] = mapped_column(String(8), default="")  # "E16AN", for search
    phone: Mapped[str] = mapped_column(String(20), default="")  # E.164, "+447700900123"
    email: Mapped[str] = mapped_column(String(254), default="")  # as typed
    email_key: Mapped[str] = mapped_column(String(254), default="")  # case-folded, for search
    library_card: Mapped[str] = mapped_column(String(20), default="")
    preferred_language: Mapped[str] = mapped_column(String(60), default="")
    interpreter_needed: Mapped[bool] = mapped_column(Boolean, default=False)
    accessibility_needs: Mapped[str] = mapped_column(Text, default="")
    preferred_contact: Mapped[str] = mapped_column(String(10), default="")  # ContactMethod value or ""
    sort_name: Mapped[str] = mapped_column(String(210), default="")  # folded "family given", for ordering
    last_contact_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id"), nullable=True)
    registered_site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"), nullable=True)
    # Erased (privacy/erasure.py): an anonymised stub kept so reports' counts stay whole;
    # never found, edited or merged again.
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    erased_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        Index("ix_resident_date_of_birth", "date_of_birth"),
        Index("ix_resident_postcode_key", "postcode_key"),
        Index("ix_resident_phone", "phone"),
        Index("ix_resident_email_key", "email_key"),
        Index("ix_resident_library_card", "library_card"),
        Index("ix_resident_merged_into_id", "merged_into_id"),
    )
    __mapper_args__ = {"version_id_col": version}


# Residents in the order search results are shown, so a common name or area walks the index
# instead of sorting tens of thousands of candidates (benchmarks/, scenario search). DESC puts
# residents never contacted last on both databases.
Index("ix_resident_search_order", Resident.last_contact_at.desc(), Resident.sort_name, Resident.id,
      Resident.merged_into_id)


# Prefix search compares name words byte by byte (word >= 'luk' AND word < 'luk' + U+10FFFF), so on
# PostgreSQL they use the "C" collation whatever the database's default; SQLite compares bytes anyway.
_SEARCH_KEY = String(100).with_variant(String(100, collation="C"), "postgresql")


class ResidentNameWord(Base):
    """Each folded word of a resident's names ("lukasz", "zolc"): prefix search as you type."""

    __tablename__ = "resident_name_word"

    word: Mapped[str] = mapped_column(_SEARCH_KEY, primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id", ondelete="CASCADE"), primary_key=True)

    __table_args__ = (Index("ix_resident_name_word_resident_id", "resident_id"), {"sqlite_with_rowid": False})


class ResidentNameVariant(Base):
    """Each folded name word with one letter left out ("lkasz", "lukaz"...): one typo is forgiven
    by looking up the typed word's own variants (symmetric deletion)."""

    __tablename__ = "resident_name_variant"

    variant: Mapped[str] = mapped_column(_SEARCH_KEY, primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id", ondelete="CASCADE"), primary_key=True)

    __table_args__ = (Index("ix_resident_name_variant_resident_id", "resident_id"), {"sqlite_with_rowid": False})


class ResidentEquality(Base):
    """Optional equality monitoring, kept apart from the record and separately permissioned."""

    __tablename__ = "resident_equality"

    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id", ondelete="CASCADE"), primary_key=True)
    age_band: Mapped[str] = mapped_column(String(20), default="")
    sex: Mapped[str] = mapped_column(String(30), default="")
    ethnicity: Mapped[str] = mapped_column(String(80), default="")
    disability: Mapped[str] = mapped_column(String(30), default="")
    first_language: Mapped[str] = mapped_column(String(60), default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class ResidentMerge(Base):
    """Two records found to be one person. `moved` lists (as JSON) every row that moved to the
    survivor, so the merge can be undone within 30 days."""

    __tablename__ = "resident_merge"

    id: Mapped[int] = mapped_column(primary_key=True)
    survivor_id: Mapped[int] = mapped_column(ForeignKey("resident.id"))
    merged_id: Mapped[int] = mapped_column(ForeignKey("resident.id"))
    moved: Mapped[str] = mapped_column(Text)
    merged_at: Mapped[datetime] = mapped_column(UtcDateTime)
    merged_by: Mapped[str] = mapped_column(String(120))
    undone_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    undone_by: Mapped[str] = mapped_column(String(120), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (Index("ix_resident_merge_merged_id", "merged_id"),)
    __mapper_args__ = {"version_id_col": version}


class Representative(Base):
    """Someone acting for a resident: family member, carer, advocate, attorney under an LPA."""

    __tablename__ = "representative"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id"))
    name: Mapped[str] = mapped_column(String(120))
    relationship: Mapped[str] = mapped_column(String(20))  # RepresentativeKind value
    phone: Mapped[str] = mapped_column(String(20), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    # Service codes this person may act on, comma-separated; "*" is every council service.
    authority_scope: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[str] = mapped_column(String(200), default="")  # e.g. LPA registration number
    valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (Index("ix_representative_resident_id", "resident_id"),)
    __mapper_args__ = {"version_id_col": version}


class Consent(Base):
    """Consent for one purpose and scope: act with a named service, share with a named partner,
    or contact by a channel. Withdrawal stops use at once; a consent is never deleted."""

    __tablename__ = "consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id"))
    purpose: Mapped[str] = mapped_column(String(20))  # ConsentPurpose value
    scope: Mapped[str] = mapped_column(String(120))  # service code, partner name, or contact method
    method: Mapped[str] = mapped_column(String(10))  # ConsentMethod value
    representative_id: Mapped[int | None] = mapped_column(ForeignKey("representative.id"), nullable=True)
    given_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    withdrawn_by: Mapped[str] = mapped_column(String(120), default="")
    withdrawal_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (Index("ix_consent_resident_purpose", "resident_id", "purpose"),)
    __mapper_args__ = {"version_id_col": version}


class ServiceEntry(Base):
    """A council service in the desk's catalogue. Seeded from resources/; admins add and retire."""

    __tablename__ = "service_entry"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (UniqueConstraint("name", name="uq_service_entry_name"),)
    __mapper_args__ = {"version_id_col": version}


class Interaction(Base):
    """One contact with a resident (or an anonymous one): what was asked, what help, what outcome."""

    __tablename__ = "interaction"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(12))
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id"), nullable=True)
    representative_id: Mapped[int | None] = mapped_column(ForeignKey("representative.id"), nullable=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    queue_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("queue_ticket.id"), nullable=True)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    channel: Mapped[str] = mapped_column(String(20))  # Channel value
    service_code: Mapped[str] = mapped_column(ForeignKey("service_entry.code"))
    help_type: Mapped[str] = mapped_column(String(20))  # HelpType value
    outcome: Mapped[str] = mapped_column(String(20))  # Outcome value
    avoidable: Mapped[str] = mapped_column(String(20), default="")  # AvoidableReason value, "" if not
    minutes: Mapped[int] = mapped_column(Integer, default=0)
    satisfaction: Mapped[str] = mapped_column(String(10), default="")  # Satisfaction value or ""
    satisfaction_reason: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        UniqueConstraint("reference", name="uq_interaction_reference"),
        Index("ix_interaction_resident_occurred", "resident_id", "occurred_at"),
        Index("ix_interaction_site_occurred", "site_id", "occurred_at"),
        Index("ix_interaction_occurred_at", "occurred_at"),
        # Reports count a year of contacts from this index alone, never reading the table.
        Index("ix_interaction_report", "occurred_at", "site_id", "channel", "help_type", "outcome", "avoidable",
              "satisfaction", "resident_id"),
    )
    __mapper_args__ = {"version_id_col": version}


class InteractionDay(Base):
    """Contacts logged at a site on one London day, counted as each is logged (contact_days.py):
    what reports sum instead of reading every contact. Contacts are never edited or deleted, so
    a count only ever goes up; `recount_contact_days` rebuilds the table from the contacts."""

    __tablename__ = "interaction_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)  # London date of occurred_at
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), primary_key=True)
    contacts: Mapped[int] = mapped_column(Integer, default=0)
    resolved: Mapped[int] = mapped_column(Integer, default=0)
    no_avoidable: Mapped[int] = mapped_column(Integer, default=0)
    escalated_contacts: Mapped[int] = mapped_column(Integer, default=0)
    rated: Mapped[int] = mapped_column(Integer, default=0)
    good: Mapped[int] = mapped_column(Integer, default=0)
    channel_face_to_face: Mapped[int] = mapped_column(Integer, default=0)
    channel_phone: Mapped[int] = mapped_column(Integer, default=0)
    channel_email: Mapped[int] = mapped_column(Integer, default=0)
    channel_webchat: Mapped[int] = mapped_column(Integer, default=0)
    channel_post: Mapped[int] = mapped_column(Integer, default=0)
    help_information: Mapped[int] = mapped_column(Integer, default=0)
    help_assisted: Mapped[int] = mapped_column(Integer, default=0)
    help_on_behalf: Mapped[int] = mapped_column(Integer, default=0)


class InteractionDayGroup(Base):
    """Contacts logged at a site on one London day by the equality group of the resident, for
    each question (`dimension`, a column of resident_equality; `grp` the answer, or "Not
    recorded"). Kept as contacts are logged and as answers change or records merge
    (contact_days.regrouped), so an equality breakdown sums these rows, never a contact."""

    __tablename__ = "interaction_day_group"

    # A breakdown reads one question over a range of days: the key is in that order.
    dimension: Mapped[str] = mapped_column(String(20), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), primary_key=True)
    grp: Mapped[str] = mapped_column(String(80), primary_key=True)
    contacts: Mapped[int] = mapped_column(Integer, default=0)
    resolved: Mapped[int] = mapped_column(Integer, default=0)
    no_avoidable: Mapped[int] = mapped_column(Integer, default=0)
    rated: Mapped[int] = mapped_column(Integer, default=0)
    good: Mapped[int] = mapped_column(Integer, default=0)


class InteractionDraft(Base):
    """The contact a staff member is typing, saved as they type so a crash loses nothing."""

    __tablename__ = "interaction_draft"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True)
    payload: Mapped[str] = mapped_column(Text)  # JSON of the form's fields
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RecordReference(Base):
    """Every short reference a resident can quote (AD-7K3P-9Q), whatever record it names, so one
    search box finds interactions now and cases, referrals and submissions as they arrive."""

    __tablename__ = "record_reference"

    reference: Mapped[str] = mapped_column(String(12), primary_key=True)
    record_type: Mapped[str] = mapped_column(String(30))
    record_id: Mapped[int] = mapped_column(Integer)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("ix_record_reference_record", "record_type", "record_id"),
        Index("ix_record_reference_resident_id", "resident_id"),
    )


class QueueTicket(Base):
    """A walk-in's place in a site's queue. Wait = called - arrived; service = ended - called."""

    __tablename__ = "queue_ticket"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    day: Mapped[date] = mapped_column(Date)  # the London day, tickets number from 1 each day
    number: Mapped[int] = mapped_column(Integer)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id"), nullable=True)
    visitor_name: Mapped[str] = mapped_column(String(120), default="")  # when not (yet) a resident
    reason: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(12))  # TicketStatus value
    arrived_at: Mapped[datetime] = mapped_column(UtcDateTime)
    called_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # Whole seconds from arriving to being served, kept from the two times on every write
    # (wait_seconds below): reports group a year of waits on it without date arithmetic.
    wait_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    served_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    transferred_to_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    transfer_note: Mapped[str] = mapped_column(Text, default="")  # for the colleague it went to
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        UniqueConstraint("site_id", "day", "number", name="uq_queue_ticket_site_day_number"),
        Index("ix_queue_ticket_site_status", "site_id", "status"),
        Index("ix_queue_ticket_resident_id", "resident_id"),
        Index("ix_queue_ticket_started", "started_at", "site_id", "wait_seconds"),  # walk-in waits, for reports
    )
    __mapper_args__ = {"version_id_col": version}


def wait_seconds(arrived_at: datetime | None, started_at: datetime | None) -> int | None:
    """Whole seconds (half a second rounds up) from arriving to being served; None until served."""
    if arrived_at is None or started_at is None:
        return None
    return math.floor((started_at - arrived_at).total_seconds() + 0.5)


@event.listens_for(QueueTicket, "before_insert")
@event.listens_for(QueueTicket, "before_update")
def _keep_wait_seconds(_mapper, _connection, ticket: QueueTicket) -> None:
    ticket.wait_seconds = wait_seconds(ticket.arrived_at, ticket.started_at)


class Callback(Base):
    """A promise to ring a resident back by a time."""

    __tablename__ = "callback"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id"), nullable=True)
    caller_name: Mapped[str] = mapped_column(String(120), default="")  # when not a known resident
    phone: Mapped[str] = mapped_column(String(20))  # E.164
    reason: Mapped[str] = mapped_column(Text)
    due_by: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(12))  # CallbackStatus value
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        Index("ix_callback_site_status_due", "site_id", "status", "due_by"),
        Index("ix_callback_resident_id", "resident_id"),
        Index("ix_callback_due_by", "due_by", "site_id", "status", "completed_at"),  # on time or not, for reports
    )
    __mapper_args__ = {"version_id_col": version}


class CallbackAttempt(Base):
    """One try at a callback and how it went. Never edited."""

    __tablename__ = "callback_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    callback_id: Mapped[int] = mapped_column(ForeignKey("callback.id", ondelete="CASCADE"))
    attempted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    outcome: Mapped[str] = mapped_column(String(20))  # AttemptOutcome value
    note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_callback_attempt_callback_id", "callback_id"),)
