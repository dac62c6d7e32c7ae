"""Logging a contact: what a resident (or an anonymous visitor) asked about, what help they had,
how it ended. Every contact gets a reference the resident can quote (AD-7K3P-9Q).

Help done on the resident's behalf goes through the consent check in the same transaction as
the write, so a consent withdrawn a moment earlier is never relied on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from ..core.audit import record_audit
from ..core.clock import Clock
from ..core.db import Database
from ..core.errors import NotFound, ValidationError
from ..core.models import Site, Staff
from ..core.security import Actor, Permission, require
from ..core.validation import clean_text
from .attachments import AttachmentInput, AttachmentService, store_attachments
from .catalogue import ServiceCatalogue, active_service
from .consent import ConsentService, authority_for
from .contact_days import count_contact
from .drafts import ContactDrafts, DraftRecord, discard_draft_in
from .models import Interaction, QueueTicket, Representative, Resident, ServiceEntry
from .references import INTERACTION_PREFIX, issue_reference, unused_reference
from .representatives import full_name, open_resident
from .vocab import AvoidableReason, Channel, HelpType, Outcome, RepresentativeKind, Satisfaction

__all__ = ["ContactInput", "DraftRecord", "InteractionRecord", "InteractionService", "MAX_MINUTES"]

MAX_MINUTES = 600
MAX_NOTES = 20_000


@dataclass(frozen=True)
class ContactInput:
    resident_id: int | None  # None: an anonymous contact, counted but not linked to anyone
    channel: Channel | str
    service_code: str
    help_type: HelpType | str
    outcome: Outcome | str
    avoidable: AvoidableReason | str | None = None  # None or "": not avoidable
    minutes: int = 0
    satisfaction: Satisfaction | str | None = None
    satisfaction_reason: str = ""
    notes: str = ""
    representative_id: int | None = None  # the contact was with this representative
    queue_ticket_id: int | None = None  # the walk-in ticket it served


@dataclass(frozen=True)
class InteractionRecord:
    id: int
    reference: str
    resident_id: int | None
    resident_name: str  # "" for an anonymous contact
    representative_id: int | None
    representative_label: str
    site_id: int
    site_name: str
    staff_name: str
    queue_ticket_id: int | None
    occurred_at: datetime
    channel: Channel
    service_code: str
    service_name: str  # a retired service keeps its name here
    help_type: HelpType
    outcome: Outcome
    avoidable: AvoidableReason | None
    minutes: int
    satisfaction: Satisfaction | None
    satisfaction_reason: str
    notes: str


def interaction_record(session: Session, row: Interaction) -> InteractionRecord:
    resident = session.get(Resident, row.resident_id) if row.resident_id else None
    rep = session.get(Representative, row.representative_id) if row.representative_id else None
    site = session.get(Site, row.site_id)
    staff = session.get(Staff, row.staff_id) if row.staff_id else None
    service = session.get(ServiceEntry, row.service_code)
    return InteractionRecord(
        row.id, row.reference, row.resident_id, full_name(resident) if resident else "", row.representative_id,
        f"{rep.name} ({RepresentativeKind(rep.relationship).label})" if rep else "", row.site_id,
        site.name if site else "", staff.display_name if staff else row.updated_by, row.queue_ticket_id,
        row.occurred_at, Channel(row.channel), row.service_code, service.name if service else row.service_code,
        HelpType(row.help_type), Outcome(row.outcome), AvoidableReason(row.avoidable) if row.avoidable else None,
        row.minutes, Satisfaction(row.satisfaction) if row.satisfaction else None, row.satisfaction_reason, row.notes,
    )


class InteractionService(ContactDrafts):
    def __init__(self, db: Database, clock: Clock, consent: ConsentService, catalogue: ServiceCatalogue,
                 attachments: AttachmentService) -> None:
        self.db = db
        self.attachments = attachments
        self.clock = clock
        self.consent = consent
        self.catalogue = catalogue

    def log_interaction(self, actor: Actor, contact: ContactInput,
                        attachments: Sequence[AttachmentInput] = ()) -> str:
        """Log one contact and return its reference (AD-XXXX-XX); the actor's draft is discarded
        and the resident's last contact time moves on. Refuses without log-contacts, an unknown
        channel, help type, outcome, avoidable reason or satisfaction, a service not offered now,
        minutes outside 0 to 600, a satisfaction reason without a rating, notes over 20,000
        characters, a representative or walk-in ticket that is not this resident's, help on the
        resident's behalf with no current consent or authority (AuthorityMissing, saying why), and
        on-behalf help for an anonymous contact, and an attachment that is not an allowed kind of file or
        is over the size limit."""
        require(actor, Permission.LOG_CONTACTS)
        values = self.checked_contact(actor, contact)
        checked = [self.attachments.check(item) for item in attachments]
        with self.db.unit_of_work() as session:
            row = self.write_contact(session, actor, contact, values)
            if checked:
                store_attachments(session, self.clock, actor, checked, resident_id=row.resident_id,
                                  interaction_id=row.id)
        return row.reference

    def checked_contact(self, actor: Actor, contact: ContactInput) -> dict[str, object]:
        """The contact's values checked before any unit of work opens (see log_interaction)."""
        if actor.site_id is None:
            raise ValidationError("A contact is logged at a site: sign in at a desk to log one.")
        values = self._checked(contact)
        self.catalogue.ensure_seeded()
        return values

    def write_contact(self, session: Session, actor: Actor, contact: ContactInput,
                      values: dict[str, object]) -> Interaction:
        """Write one checked contact inside the caller's unit of work, so a request it causes (an
        outbox row) commits or rolls back with it. The caller has checked the permission."""
        service = active_service(session, contact.service_code)
        resident = open_resident(session, contact.resident_id) if contact.resident_id is not None else None
        help_type = values["help_type"]
        if resident is None:
            if help_type == HelpType.ON_BEHALF.value:
                raise ValidationError(
                    "An anonymous contact cannot be help done on someone's behalf: without knowing who they are "
                    "there is no consent to check. Find or register the resident, or choose another type of "
                    "help.", field="help_type")
            if contact.representative_id is not None:
                raise ValidationError("A representative acts for a known resident: find the resident first.",
                                      field="representative")
        else:
            self._check_representative(session, resident, contact.representative_id)
            if help_type == HelpType.ON_BEHALF.value:
                authority_for(session, self.clock, resident.id, service.code, contact.representative_id)
        self._check_ticket(session, resident, contact.queue_ticket_id)
        now = self.clock.now()
        reference = unused_reference(session, INTERACTION_PREFIX)
        row = Interaction(
            reference=reference, resident_id=resident.id if resident else None,
            representative_id=contact.representative_id if resident else None, site_id=actor.site_id,
            staff_id=actor.staff_id, queue_ticket_id=contact.queue_ticket_id, occurred_at=now,
            service_code=service.code, created_at=now, updated_at=now, updated_by=actor.username, **values,
        )
        session.add(row)
        session.flush()
        count_contact(session, row)
        issue_reference(session, self.clock, INTERACTION_PREFIX, "interaction", row.id, row.resident_id,
                        reference)
        # A plain UPDATE: a contact must not bump the resident's version (that would make a
        # colleague's open edit look stale).
        if resident is not None:
            session.execute(update(Resident).where(
                Resident.id == resident.id,
                or_(Resident.last_contact_at.is_(None), Resident.last_contact_at < now),
            ).values(last_contact_at=now).execution_options(synchronize_session=False))
        discard_draft_in(session, actor)
        who = f"resident {resident.id}" if resident else "anonymous"
        record_audit(session, self.clock, actor, "interaction.logged", "interaction", row.id,
                     f"{reference} {who}: {service.code}, {help_type}, {values['outcome']}")
        return row

    def get(self, actor: Actor, interaction_id: int) -> InteractionRecord:
        """One logged contact, as recorded. Refuses without view-residents, or an unknown id."""
        require(actor, Permission.VIEW_RESIDENTS)
        with self.db.unit_of_work() as session:
            row = session.get(Interaction, interaction_id)
            if row is None:
                raise NotFound("That contact no longer exists.")
            return interaction_record(session, row)

    # ---- checks ---------------------------------------------------------------------------

    @staticmethod
    def _checked(contact: ContactInput) -> dict[str, object]:
        channel = Channel.parse(contact.channel, field="channel", what="Channel")
        help_type = HelpType.parse(contact.help_type, field="help_type", what="Type of help")
        outcome = Outcome.parse(contact.outcome, field="outcome", what="Outcome")
        avoidable = "" if contact.avoidable in (None, "") else \
            AvoidableReason.parse(contact.avoidable, field="avoidable", what="Avoidable contact").value
        minutes = contact.minutes
        if isinstance(minutes, str) and minutes.strip().isdigit():
            minutes = int(minutes.strip())
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 <= minutes <= MAX_MINUTES:
            raise ValidationError(f"Minutes spent '{contact.minutes}' is not allowed: give a whole number from 0 to "
                                  f"{MAX_MINUTES} (10 hours).", field="minutes")
        satisfaction = "" if contact.satisfaction in (None, "") else \
            Satisfaction.parse(contact.satisfaction, field="satisfaction", what="Satisfaction").value
        reason = clean_text(contact.satisfaction_reason, field="satisfaction_reason", label="Reason for the rating",
                            max_length=500, required=False)
        if reason and not satisfaction:
            raise ValidationError("A reason goes with a satisfaction rating: choose good, average or poor, or clear "
                                  "the reason.", field="satisfaction")
        notes = clean_text((contact.notes or "").replace("\r\n", "\n").replace("\r", "\n"), field="notes",
                           label="Notes", max_length=MAX_NOTES, required=False)
        return {"channel": channel.value, "help_type": help_type.value, "outcome": outcome.value,
                "avoidable": avoidable, "minutes": minutes, "satisfaction": satisfaction,
                "satisfaction_reason": reason, "notes": notes}

    @staticmethod
    def _check_representative(session: Session, resident: Resident, representative_id: int | None) -> None:
        if representative_id is None:
            return
        rep = session.get(Representative, representative_id)
        if rep is None or rep.resident_id != resident.id:
            raise ValidationError(f"That representative is not recorded for {full_name(resident)}.",
                                  field="representative")
        if rep.ended_at is not None:
            raise ValidationError(f"{rep.name} no longer represents {full_name(resident)}.", field="representative")

    @staticmethod
    def _check_ticket(session: Session, resident: Resident | None, ticket_id: int | None) -> None:
        if ticket_id is None:
            return
        ticket = session.get(QueueTicket, ticket_id)
        if ticket is None:
            raise ValidationError("That walk-in ticket does not exist.", field="queue_ticket")
        if ticket.resident_id is not None and (resident is None or ticket.resident_id != resident.id):
            raise ValidationError(f"Walk-in ticket {ticket.number} is for another resident.", field="queue_ticket")
