"""The partner directory service: organisations and the services they run, added by hand or
imported from an Open Referral UK directory (oruk_import.py), read back whole for matching and export.

Reading needs refer-to-partners; changing needs manage-partners. A record imported from a
directory is that directory's to change: here only our own knowledge of it may be edited (notes,
whether it takes referrals now), which a refresh never overwrites. Hand-added records are edited
in full and are marked gone (never deleted: referrals point at them) when a partner stops.

The inputs and their validation live in directory_input.py, the read models and row mapping in
directory_records.py; both are re-exported here so callers keep importing from this module."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.audit import record_audit
from ..core.clock import Clock
from ..core.db import Database
from ..core.errors import NotFound, ValidationError
from ..core.security import Actor, Permission, require
from ..core.staff import check_version
from ..core.validation import clean_text
from .directory_input import (DAYS, ISO_639_1, LANGUAGE_NAMES, MAX_LOCATIONS, MAX_SCHEDULES, STATUSES, LocationInput,
                              OrganisationInput, ScheduleInput, ServiceInput, check_url, clean_location,
                              clean_organisation, clean_schedule, clean_service)
from .directory_records import (LocationRecord, OrganisationRecord, ScheduleRecord, ServiceRecord, _organisation_record,
                                load_match_candidates, load_services, organisation_values, places_of, replace_places,
                                service_values, stored_places)
from .framework import FrameworkLibrary, shipped_frameworks
from .partner_models import PartnerOrganisation, PartnerService

__all__ = [
    # the service (this module)
    "ORGANISATION", "SERVICE", "PartnerDirectory",
    # directory_input
    "DAYS", "ISO_639_1", "LANGUAGE_NAMES", "MAX_LOCATIONS", "MAX_SCHEDULES", "STATUSES",
    "LocationInput", "OrganisationInput", "ScheduleInput", "ServiceInput",
    "check_url", "clean_location", "clean_organisation", "clean_schedule", "clean_service",
    # directory_records
    "LocationRecord", "OrganisationRecord", "ScheduleRecord", "ServiceRecord",
    "load_match_candidates", "load_services", "organisation_values", "places_of", "replace_places",
    "service_values", "stored_places",
]

ORGANISATION = "partner_organisation"
SERVICE = "partner_service"


def _matches(words: Sequence[str], *texts: str) -> bool:
    haystack = " ".join(texts).casefold()
    return all(word in haystack for word in words)


def _search_words(text: str) -> list[str]:
    return [w.casefold() for w in clean_text(text, field="search", label="Search", max_length=200,
                                             required=False).split()]


# ---- the service ----------------------------------------------------------------------------------

class PartnerDirectory:
    def __init__(self, db: Database, clock: Clock, frameworks: FrameworkLibrary | None = None) -> None:
        self.db, self.clock = db, clock
        self.frameworks = frameworks or shipped_frameworks()

    # reading

    def list_organisations(self, actor: Actor, words: str = "", *, include_gone: bool = False
                           ) -> tuple[OrganisationRecord, ...]:
        """Organisations whose name or description holds every word (any script, any case), by name."""
        require(actor, Permission.REFER_TO_PARTNERS)
        wanted = _search_words(words)
        with self.db.unit_of_work() as session:
            query = select(PartnerOrganisation).order_by(PartnerOrganisation.name, PartnerOrganisation.id)
            if not include_gone:
                query = query.where(PartnerOrganisation.gone_at.is_(None))
            return tuple(_organisation_record(row) for row in session.scalars(query)
                         if _matches(wanted, row.name, row.description))

    def list_services(self, actor: Actor, words: str = "", *, include_gone: bool = False,
                      organisation_id: int | None = None) -> tuple[ServiceRecord, ...]:
        """Services whose name, description or organisation name holds every word, by name."""
        require(actor, Permission.REFER_TO_PARTNERS)
        wanted = _search_words(words)
        conditions = []
        if not include_gone:
            conditions += [PartnerService.gone_at.is_(None), PartnerOrganisation.gone_at.is_(None)]
        if organisation_id is not None:
            conditions.append(PartnerService.organisation_id == organisation_id)
        with self.db.unit_of_work() as session:
            return tuple(record for record in load_services(session, *conditions)
                         if _matches(wanted, record.name, record.description, record.organisation_name))

    def get_organisation(self, actor: Actor, organisation_id: int) -> OrganisationRecord:
        require(actor, Permission.REFER_TO_PARTNERS)
        with self.db.unit_of_work() as session:
            return _organisation_record(self._organisation(session, organisation_id))

    def get_service(self, actor: Actor, service_id: int) -> ServiceRecord:
        """One service with everything about it, gone or not."""
        require(actor, Permission.REFER_TO_PARTNERS)
        with self.db.unit_of_work() as session:
            return self._read_service(session, service_id)

    # changing by hand

    def add_organisation(self, actor: Actor, data: OrganisationInput) -> OrganisationRecord:
        """Add a partner organisation by hand. Refuses without manage-partners and bad details."""
        require(actor, Permission.MANAGE_PARTNERS)
        clean = clean_organisation(data)
        now = self.clock.now()
        with self.db.unit_of_work() as session:
            row = PartnerOrganisation(source="", external_id=None, local_notes="", created_at=now,
                                      created_by=actor.username, updated_at=now, updated_by=actor.username,
                                      **organisation_values(clean))
            session.add(row)
            session.flush()
            record_audit(session, self.clock, actor, "partner.organisation_added", ORGANISATION, row.id, clean.name)
            return _organisation_record(row)

    def edit_organisation(self, actor: Actor, organisation_id: int, data: OrganisationInput,
                          expected_version: int | None) -> OrganisationRecord:
        """Change a hand-added organisation. Refuses one imported from a directory (its directory
        changes it), one someone else saved since it was read, and bad details."""
        require(actor, Permission.MANAGE_PARTNERS)
        clean = clean_organisation(data)
        with self.db.unit_of_work() as session:
            row = self._organisation(session, organisation_id)
            self._refuse_imported(row, "organisation")
            check_version("organisation", row, expected_version)
            changed = sorted(k for k, v in organisation_values(clean).items() if getattr(row, k) != v)
            for key, value in organisation_values(clean).items():
                setattr(row, key, value)
            self._touch(row, actor)
            session.flush()
            record_audit(session, self.clock, actor, "partner.organisation_changed", ORGANISATION, row.id,
                         ", ".join(changed) or "no change")
            return _organisation_record(row)

    def add_service(self, actor: Actor, organisation_id: int, data: ServiceInput) -> ServiceRecord:
        """Add a service of a hand-added organisation, with its places and schedules. Refuses an
        organisation that is gone or imported, and anything `clean_service` refuses."""
        require(actor, Permission.MANAGE_PARTNERS)
        clean = clean_service(data, self.frameworks)
        now = self.clock.now()
        with self.db.unit_of_work() as session:
            org = self._organisation(session, organisation_id)
            self._refuse_imported(org, "organisation", "add services to it")
            if org.gone_at is not None:
                raise ValidationError(f"{org.name} is marked as gone. Bring it back before adding services.",
                                      field="organisation")
            row = PartnerService(organisation_id=org.id, source="", external_id=None, created_at=now,
                                 created_by=actor.username, updated_at=now, updated_by=actor.username,
                                 local_capacity_note="", local_notes="", **service_values(clean))
            session.add(row)
            session.flush()
            replace_places(session, row, clean)
            session.flush()
            record_audit(session, self.clock, actor, "partner.service_added", SERVICE, row.id,
                         f"{clean.name} ({org.name})")
            return self._read_service(session, row.id)

    def edit_service(self, actor: Actor, service_id: int, data: ServiceInput,
                     expected_version: int | None) -> ServiceRecord:
        """Change a hand-added service; its places and schedules are replaced by the ones given.
        Refuses an imported service, a stale version and anything `clean_service` refuses."""
        require(actor, Permission.MANAGE_PARTNERS)
        clean = clean_service(data, self.frameworks)
        with self.db.unit_of_work() as session:
            row = self._service(session, service_id)
            self._refuse_imported(row, "service")
            check_version("service", row, expected_version)
            values = service_values(clean)
            changed = sorted(k for k, v in values.items() if getattr(row, k) != v)
            if stored_places(session, row.id) != places_of(clean):
                changed.append("places and times")
            for key, value in values.items():
                setattr(row, key, value)
            replace_places(session, row, clean)
            self._touch(row, actor)
            session.flush()
            record_audit(session, self.clock, actor, "partner.service_changed", SERVICE, row.id,
                         ", ".join(changed) or "no change")
            return self._read_service(session, row.id)

    # our own knowledge, kept through every refresh

    def set_organisation_notes(self, actor: Actor, organisation_id: int, notes: str,
                               expected_version: int | None = None) -> OrganisationRecord:
        """Our notes on an organisation (imported or not; up to 4,000 characters)."""
        require(actor, Permission.MANAGE_PARTNERS)
        text = _notes(notes)
        with self.db.unit_of_work() as session:
            row = self._organisation(session, organisation_id)
            check_version("organisation", row, expected_version)
            row.local_notes = text
            self._touch(row, actor)
            session.flush()
            record_audit(session, self.clock, actor, "partner.notes", ORGANISATION, row.id,
                         "notes cleared" if not text else f"notes ({len(text)} characters)")
            return _organisation_record(row)

    def set_service_notes(self, actor: Actor, service_id: int, notes: str,
                          expected_version: int | None = None) -> ServiceRecord:
        """Our notes on a service (imported or not; up to 4,000 characters)."""
        require(actor, Permission.MANAGE_PARTNERS)
        text = _notes(notes)
        with self.db.unit_of_work() as session:
            row = self._service(session, service_id)
            check_version("service", row, expected_version)
            row.local_notes = text
            self._touch(row, actor)
            session.flush()
            record_audit(session, self.clock, actor, "partner.notes", SERVICE, row.id,
                         "notes cleared" if not text else f"notes ({len(text)} characters)")
            return self._read_service(session, row.id)

    def set_service_capacity(self, actor: Actor, service_id: int, accepting: bool | None, note: str = "",
                             expected_version: int | None = None) -> ServiceRecord:
        """Say whether the service takes referrals now, whatever its directory says (None: follow
        the directory again), with a note such as "full until January"."""
        require(actor, Permission.MANAGE_PARTNERS)
        if accepting is not None and not isinstance(accepting, bool):
            raise ValidationError("Taking referrals must be yes, no, or as the directory says.", field="accepting")
        text = clean_text(note, field="local_capacity_note", label="Capacity note", max_length=1000,
                          required=False)
        with self.db.unit_of_work() as session:
            row = self._service(session, service_id)
            check_version("service", row, expected_version)
            row.local_accepting, row.local_capacity_note = accepting, text
            self._touch(row, actor)
            session.flush()
            said = {None: "as the directory says", True: "taking referrals", False: "not taking referrals"}[accepting]
            record_audit(session, self.clock, actor, "partner.capacity", SERVICE, row.id,
                         said + (f": {text}" if text else ""))
            return self._read_service(session, row.id)

    def set_organisation_gone(self, actor: Actor, organisation_id: int, gone: bool,
                              expected_version: int | None) -> OrganisationRecord:
        """Mark a hand-added organisation gone (its services are then gone with it), or bring it
        back. Refuses an imported one: its directory says whether it is there."""
        require(actor, Permission.MANAGE_PARTNERS)
        with self.db.unit_of_work() as session:
            row = self._organisation(session, organisation_id)
            self._refuse_imported(row, "organisation", "mark it gone or bring it back")
            check_version("organisation", row, expected_version)
            row.gone_at = self.clock.now() if gone else None
            self._touch(row, actor)
            session.flush()
            record_audit(session, self.clock, actor, "partner.gone" if gone else "partner.back", ORGANISATION,
                         row.id, row.name)
            return _organisation_record(row)

    def set_service_gone(self, actor: Actor, service_id: int, gone: bool,
                         expected_version: int | None) -> ServiceRecord:
        """Mark a hand-added service gone, or bring it back. Refuses an imported one."""
        require(actor, Permission.MANAGE_PARTNERS)
        with self.db.unit_of_work() as session:
            row = self._service(session, service_id)
            self._refuse_imported(row, "service", "mark it gone or bring it back")
            check_version("service", row, expected_version)
            row.gone_at = self.clock.now() if gone else None
            self._touch(row, actor)
            session.flush()
            record_audit(session, self.clock, actor, "partner.gone" if gone else "partner.back", SERVICE, row.id,
                         row.name)
            return self._read_service(session, row.id)

    # inside a unit of work

    def _organisation(self, session: Session, organisation_id: int) -> PartnerOrganisation:
        row = session.get(PartnerOrganisation, organisation_id)
        if row is None:
            raise NotFound("That partner organisation does not exist.")
        return row

    def _service(self, session: Session, service_id: int) -> PartnerService:
        row = session.get(PartnerService, service_id)
        if row is None:
            raise NotFound("That partner service does not exist.")
        return row

    def _read_service(self, session: Session, service_id: int) -> ServiceRecord:
        found = load_services(session, PartnerService.id == service_id)
        if not found:
            raise NotFound("That partner service does not exist.")
        return found[0]

    def _refuse_imported(self, row, kind: str, doing: str = "change its details") -> None:
        if row.source:
            raise ValidationError(f"This {kind} comes from the directory at {row.source}, which keeps it up to "
                                  f"date; you cannot {doing} here. Add our own notes, or say whether it takes "
                                  "referrals now, instead.", field="source")

    def _touch(self, row, actor: Actor) -> None:
        row.updated_at, row.updated_by = self.clock.now(), actor.username


def _notes(text: str) -> str:
    typed = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return clean_text(typed, field="local_notes", label="Notes", max_length=4000, required=False)
