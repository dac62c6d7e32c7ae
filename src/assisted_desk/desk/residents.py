"""Residents: registering and editing their records, spotting likely duplicates on the way in,
merging two records of one person (and undoing it), and optional equality monitoring.

The checks on what is typed live in `resident_input`, the duplicate rules in `duplicates`, the
merge in `merge` and equality monitoring in `equality`; this service is the one door to them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from ..core.audit import record_audit
from ..core.clock import LONDON, Clock
from ..core.db import Database
from ..core.errors import DeskError, NotFound, ValidationError
from ..core.security import Actor, Permission, require
from ..core.staff import check_version
from .contact_details import show_phone
from .duplicates import DuplicateCandidate, find_duplicates
from .equality import EqualityAnswers, EqualityMonitoring, EqualityRecord
from .merge import MergeRecord, ResidentMerges
from .models import Resident
from .resident_input import FIELD_LABELS, CleanResident, ResidentInput, clean_resident
from .vocab import ContactMethod

__all__ = [
    "DuplicateCandidate", "DuplicateSuspected", "EqualityAnswers", "EqualityRecord", "MergeRecord",
    "ResidentInput", "ResidentRecord", "ResidentService",
]


class DuplicateSuspected(DeskError):
    """Registering was stopped because these existing records may be the same person."""

    def __init__(self, candidates: tuple[DuplicateCandidate, ...]) -> None:
        count = len(candidates)
        super().__init__(
            f"{count} existing record{'s' if count != 1 else ''} may be this person. Open one of them, or "
            "confirm this is a different person and register again."
        )
        self.candidates = candidates


@dataclass(frozen=True)
class ResidentRecord:
    id: int
    given_name: str
    family_name: str
    preferred_name: str
    date_of_birth: date | None
    address_line1: str
    address_line2: str
    town: str
    postcode: str
    phone: str  # E.164
    phone_display: str  # as a person reads it: 07700 900123
    email: str
    library_card: str
    preferred_language: str
    interpreter_needed: bool
    accessibility_needs: str
    preferred_contact: ContactMethod | None
    last_contact_at: datetime | None
    merged_into_id: int | None
    registered_site_id: int | None
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
    version: int
    erased_at: datetime | None = None  # erased at the resident's request (privacy/erasure.py): a stub

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.given_name, self.family_name) if part)

    @property
    def display_name(self) -> str:
        """The name with the one they go by, as search results show it: "Robert (Bob) Smith"."""
        if self.preferred_name and self.preferred_name not in (self.given_name, self.name):
            return f"{self.given_name} ({self.preferred_name}) {self.family_name}".strip()
        return self.name

    @property
    def address_lines(self) -> tuple[str, ...]:
        return tuple(part for part in (self.address_line1, self.address_line2, self.town, self.postcode) if part)

    def as_input(self) -> ResidentInput:
        """The record as a form would hold it, for editing."""
        return ResidentInput(
            given_name=self.given_name, family_name=self.family_name, preferred_name=self.preferred_name,
            date_of_birth=self.date_of_birth, address_line1=self.address_line1,
            address_line2=self.address_line2, town=self.town, postcode=self.postcode, phone=self.phone,
            email=self.email, library_card=self.library_card, preferred_language=self.preferred_language,
            interpreter_needed=self.interpreter_needed, accessibility_needs=self.accessibility_needs,
            preferred_contact=self.preferred_contact,
        )


def resident_record(row: Resident) -> ResidentRecord:
    return ResidentRecord(
        row.id, row.given_name, row.family_name, row.preferred_name, row.date_of_birth, row.address_line1,
        row.address_line2, row.town, row.postcode, row.phone, show_phone(row.phone), row.email,
        row.library_card, row.preferred_language, row.interpreter_needed, row.accessibility_needs,
        ContactMethod(row.preferred_contact) if row.preferred_contact else None, row.last_contact_at,
        row.merged_into_id, row.registered_site_id, row.created_at, row.created_by, row.updated_at,
        row.updated_by, row.version, row.erased_at,
    )


def _index_names(session: Session, resident_id: int, given: str, family: str, preferred: str) -> None:
    # Imported when used: the search module may itself read residents.
    from .search import index_resident_names

    index_resident_names(session, resident_id, given, family, preferred)


def _labels(names) -> str:
    return ", ".join(dict.fromkeys(FIELD_LABELS[name] for name in names)) or "nothing"


class ResidentService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self._merges = ResidentMerges(db, clock, _index_names)
        self._equality = EqualityMonitoring(db, clock)

    def _today(self) -> date:
        return self.clock.now().astimezone(LONDON).date()

    # ---- the record --------------------------------------------------------------------------

    def get(self, actor: Actor, resident_id: int) -> ResidentRecord:
        """The whole record, merged ones included (`merged_into_id` says where to go instead).

        Refuses without view-residents. Not audited: desk staff open records all day as the
        job itself, and an audit row per look would bury the changes that matter."""
        require(actor, Permission.VIEW_RESIDENTS)
        with self.db.unit_of_work() as session:
            return resident_record(self._resident(session, resident_id))

    def possible_duplicates(self, actor: Actor, data: ResidentInput, *, exclude_id: int | None = None
                            ) -> tuple[DuplicateCandidate, ...]:
        """Existing records that may be the same person: same date of birth with a similar name
        (words equal or one typo apart, in either order), the same phone, or the same email.

        Refuses without view-residents, and input that would be refused on registering."""
        require(actor, Permission.VIEW_RESIDENTS)
        clean = clean_resident(data, today=self._today())
        with self.db.unit_of_work() as session:
            return find_duplicates(session, clean, exclude_id)

    def register(self, actor: Actor, data: ResidentInput, *, confirm_not_duplicate: bool = False
                 ) -> ResidentRecord:
        """Add a resident at the actor's site and make them findable by name.

        Refuses without edit-residents, with a ValidationError naming the first field that cannot
        be accepted, and — unless `confirm_not_duplicate` — with DuplicateSuspected carrying the
        records that may be this person."""
        require(actor, Permission.EDIT_RESIDENTS)
        clean = clean_resident(data, today=self._today())
        with self.db.unit_of_work() as session:
            candidates = find_duplicates(session, clean)
            if candidates and not confirm_not_duplicate:
                raise DuplicateSuspected(candidates)
            now = self.clock.now()
            row = Resident(**clean.values(), registered_site_id=actor.site_id, created_at=now,
                           created_by=actor.username, updated_at=now, updated_by=actor.username)
            session.add(row)
            session.flush()
            _index_names(session, row.id, clean.given_name, clean.family_name, clean.preferred_name)
            given = [name for name, value in clean.values().items() if name in FIELD_LABELS and value]
            summary = "recorded: " + _labels(given)
            if candidates:
                summary += "; confirmed a different person from record(s) " + ", ".join(
                    str(c.resident_id) for c in candidates)
            record_audit(session, self.clock, actor, "resident.registered", "resident", row.id, summary)
            return resident_record(row)

    def update(self, actor: Actor, resident_id: int, data: ResidentInput, expected_version: int
               ) -> ResidentRecord:
        """Save an edited record. The audit names the fields that changed, never their values.

        Refuses without edit-residents, a field that cannot be accepted (ValidationError naming
        it), a record someone else saved since `expected_version` (ConflictError), and a record
        that was merged into another."""
        require(actor, Permission.EDIT_RESIDENTS)
        clean = clean_resident(data, today=self._today())
        with self.db.unit_of_work() as session:
            row = self._resident(session, resident_id)
            if row.merged_into_id is not None:
                raise ValidationError(
                    f"This record was merged into record {row.merged_into_id}; change that one instead.")
            if row.erased_at is not None:  # privacy/erasure.py: nothing personal may come back
                raise ValidationError("This record was erased at the resident's request; it cannot be changed.")
            check_version("resident's record", row, expected_version, "resident", ("resident.updated",))
            changed = self._apply(row, clean)
            if not changed:
                return resident_record(row)  # nothing to save, nothing to audit
            row.updated_at, row.updated_by = self.clock.now(), actor.username
            if {"given_name", "family_name", "preferred_name"} & set(changed):
                _index_names(session, row.id, clean.given_name, clean.family_name, clean.preferred_name)
            session.flush()
            record_audit(session, self.clock, actor, "resident.updated", "resident", row.id,
                         "changed: " + _labels(changed))
            return resident_record(row)

    @staticmethod
    def _apply(row: Resident, clean: CleanResident) -> list[str]:
        changed = []
        for name, value in clean.values().items():
            if getattr(row, name) != value:
                setattr(row, name, value)
                if name in FIELD_LABELS:
                    changed.append(name)
        return changed

    @staticmethod
    def _resident(session: Session, resident_id: int) -> Resident:
        row = session.get(Resident, resident_id)
        if row is None:
            raise NotFound("That resident's record does not exist.")
        return row

    # ---- merging -------------------------------------------------------------------------------

    def merge(self, actor: Actor, survivor_id: int, merged_id: int, *, expected_survivor_version: int,
              expected_merged_version: int) -> MergeRecord:
        """Move the whole history of `merged_id` (every row in every table linked to a resident)
        to `survivor_id`; the merged record leaves search and points at the survivor. Undoable for
        30 days. Both records are audited.

        Refuses without merge-residents, a record merged into itself, a survivor that was itself
        merged, a record already merged, a record others were merged into (a chain), and either
        record changed since it was read (ConflictError)."""
        return self._merges.merge(actor, survivor_id, merged_id, expected_survivor_version=expected_survivor_version,
                                  expected_merged_version=expected_merged_version)

    def undo_merge(self, actor: Actor, merge_id: int) -> MergeRecord:
        """Move back exactly the rows the merge moved, make the merged record findable again and
        clear its merged-into pointer. Both records are audited.

        Refuses without merge-residents, a merge already undone, and one made over 30 days ago."""
        return self._merges.undo_merge(actor, merge_id)

    def recent_merges(self, actor: Actor, limit: int = 100) -> tuple[MergeRecord, ...]:
        """Merges of the last 30 days (the ones that may still be undone), newest first.
        Refuses without merge-residents."""
        return self._merges.recent_merges(actor, limit)

    def merge_record(self, actor: Actor, merge_id: int) -> MergeRecord:
        """One merge as it stands now. Refuses without merge-residents."""
        return self._merges.merge_record(actor, merge_id)

    # ---- equality monitoring --------------------------------------------------------------------

    def get_equality(self, actor: Actor, resident_id: int) -> EqualityRecord:
        """The resident's equality answers (all blank, version None, when none are recorded).
        Audited. Refuses without record-equality."""
        return self._equality.get(actor, resident_id)

    def record_equality(self, actor: Actor, resident_id: int, answers: EqualityAnswers,
                        expected_version: int | None) -> EqualityRecord:
        """Record or change the answers; pass the version read (None when there were none).
        Audited with the questions changed, never the answers.

        Refuses without record-equality, an answer not on its list, a stale version
        (ConflictError), and a record that was merged into another."""
        return self._equality.record(actor, resident_id, answers, expected_version)
