"""The council services a contact can be about: seeded from resources/service_catalogue.json,
added to, renamed, retired and restored by administrators.

A code, once used, is stored on contacts and consents for good, so entries are never deleted:
a retired service is no longer offered for new contacts, and old contacts keep its name."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..core.audit import record_audit
from ..core.clock import Clock
from ..core.db import Database
from ..core.errors import NotFound, ValidationError
from ..core.paths import resources_dir
from ..core.security import Actor, Permission, require
from ..core.staff import check_version
from ..core.validation import clean_text
from .models import ServiceEntry
from .names import fold

log = logging.getLogger(__name__)

CATALOGUE_FILE = "service_catalogue.json"
ALL_SERVICES = "*"  # in a consent or a representative's scope: every council service
SEEDED_BY = "catalogue seed"
_CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


@dataclass(frozen=True)
class ServiceRecord:
    code: str
    name: str
    active: bool
    position: int
    updated_at: datetime
    updated_by: str
    version: int


def service_record(entry: ServiceEntry) -> ServiceRecord:
    return ServiceRecord(entry.code, entry.name, entry.active, entry.position, entry.updated_at,
                         entry.updated_by, entry.version)


def read_seed(path: Path | None = None) -> list[tuple[str, str]]:
    """(code, name) pairs from the shipped catalogue file, in the order the desk offers them."""
    path = path or resources_dir() / CATALOGUE_FILE
    data = json.loads(path.read_text(encoding="utf-8"))
    pairs = [(str(item["code"]), str(item["name"])) for item in data["services"]]
    for code, _name in pairs:
        if not _CODE.match(code):
            raise ValueError(f"{path}: service code {code!r} is not lower-case letters, digits and _")
    return pairs


def code_for(name: str) -> str:
    """A stable code from a service's name: "Blue Badge" gives "blue_badge"."""
    words = re.findall(r"[a-z0-9]+", fold(name))
    code = "_".join(words)[:40].strip("_")
    if not code or not code[0].isalpha():
        code = ("service_" + code)[:40].strip("_")
    return code


def describe_scope(session: Session, codes: list[str]) -> str:
    """"Council Tax, Parking" or "all council services", for messages and lists."""
    if ALL_SERVICES in codes:
        return "all council services"
    names = dict(session.execute(select(ServiceEntry.code, ServiceEntry.name)
                                 .where(ServiceEntry.code.in_(codes))).all()) if codes else {}
    return ", ".join(names.get(code, code) for code in codes) or "no services"


def check_service_codes(session: Session, codes, *, field: str, label: str, already: tuple[str, ...] = ()
                        ) -> list[str]:
    """Service codes for a scope: each an active catalogue entry, or "*" alone for all services.
    Codes in `already` (the scope as saved) may stay even if their service was retired since."""
    if isinstance(codes, str):
        codes = codes.split(",")
    wanted = [str(c).strip() for c in (codes or ()) if str(c).strip()]
    if ALL_SERVICES in wanted:
        return [ALL_SERVICES]
    unique = list(dict.fromkeys(wanted))
    for code in unique:
        entry = session.get(ServiceEntry, code)
        if entry is None or not entry.active and code not in already:
            raise ValidationError(
                f"{label}: '{code}' is not a service the desk offers now. Choose services from the catalogue, "
                "or all council services.", field=field)
    return unique


class ServiceCatalogue:
    def __init__(self, db: Database, clock: Clock, seed_file: Path | None = None) -> None:
        self.db = db
        self.clock = clock
        self.seed_file = seed_file
        self._seeded = False

    # ---- seeding --------------------------------------------------------------------------

    def seed(self) -> int:
        """Add the shipped services whose codes the database lacks; return how many were added.
        Refuses nothing; a malformed catalogue file is a bug in the release (ValueError).

        Never changes an existing entry: a retired service stays retired, a renamed one keeps its
        new name. A shipped name an administrator already gave to another code is skipped."""
        pairs = read_seed(self.seed_file)
        for attempt in range(2):
            try:
                with self.db.unit_of_work() as session:
                    added = self._insert_missing(session, pairs)
                self._seeded = True
                return added
            except IntegrityError:
                # Another desk started at the same moment and seeded first; look again.
                if attempt:
                    raise
        return 0  # pragma: no cover

    def _insert_missing(self, session: Session, pairs: list[tuple[str, str]]) -> int:
        existing = {code: name for code, name in session.execute(select(ServiceEntry.code, ServiceEntry.name))}
        names = {name.casefold() for name in existing.values()}
        top = max((e.position for e in session.scalars(select(ServiceEntry))), default=0)
        now = self.clock.now()
        added = 0
        for index, (code, name) in enumerate(pairs):
            if code in existing:
                continue
            if name.casefold() in names:
                log.warning("catalogue seed: %s skipped, its name %r is already used", code, name)
                continue
            # Shipped entries keep their shipped order; a new shipped one goes after what is there.
            position = (index + 1) * 10 if not existing else top + 10 * (added + 1)
            session.add(ServiceEntry(code=code, name=name, active=True, position=position, updated_at=now,
                                     updated_by=SEEDED_BY))
            names.add(name.casefold())
            added += 1
        # Not audited: no person did this, nothing personal changed, and each row says
        # "catalogue seed" as who last changed it. Opening a screen must not add audit events.
        return added

    def ensure_seeded(self) -> None:
        """Seed once per start, before the first use (other services call this too)."""
        if not self._seeded:
            self.seed()

    # ---- reading --------------------------------------------------------------------------

    def entries(self, actor: Actor, include_retired: bool = False) -> tuple[ServiceRecord, ...]:
        """The catalogue in the order the desk offers it; retired entries only when asked.
        Refuses anyone who may not use the desk."""
        require(actor, Permission.USE_DESK)
        self.ensure_seeded()
        with self.db.unit_of_work() as session:
            query = select(ServiceEntry).order_by(ServiceEntry.position, ServiceEntry.name)
            if not include_retired:
                query = query.where(ServiceEntry.active.is_(True))
            return tuple(service_record(e) for e in session.scalars(query))

    def get(self, actor: Actor, code: str) -> ServiceRecord:
        """One entry, retired or not (old contacts still name it). Refuses an unknown code."""
        require(actor, Permission.USE_DESK)
        self.ensure_seeded()
        with self.db.unit_of_work() as session:
            return service_record(self._entry(session, code))

    def labels(self, actor: Actor) -> dict[str, str]:
        """Every code's name, retired ones included, for showing old records."""
        require(actor, Permission.USE_DESK)
        self.ensure_seeded()
        with self.db.unit_of_work() as session:
            return dict(session.execute(select(ServiceEntry.code, ServiceEntry.name)).all())

    # ---- administration -------------------------------------------------------------------

    def add(self, actor: Actor, name: str, code: str | None = None) -> ServiceRecord:
        """Add a service at the end of the list. The code is made from the name unless given.
        Refuses without manage-catalogue, a name or code already in the catalogue (retired ones
        too: restore those instead), or a code that is not lower-case letters, digits and _."""
        require(actor, Permission.MANAGE_CATALOGUE)
        clean = clean_text(name, field="name", label="Service name", max_length=120)
        wanted = (code or "").strip().lower() or code_for(clean)
        if not _CODE.match(wanted):
            raise ValidationError(
                f"Code '{wanted}' is not allowed: use 2 to 40 lower-case letters, digits and _, starting with a "
                "letter (for example blue_badge).", field="code")
        self.ensure_seeded()
        with self.db.unit_of_work() as session:
            self._refuse_duplicate_name(session, clean, None)
            clash = session.get(ServiceEntry, wanted)
            if clash is not None:
                state = "" if clash.active else " (retired: restore it instead)"
                raise ValidationError(f"The code {wanted} is already used by {clash.name}{state}. "
                                      "Give this service a different code.", field="code")
            top = session.scalar(select(func.max(ServiceEntry.position))) or 0
            now = self.clock.now()
            entry = ServiceEntry(code=wanted, name=clean, active=True, position=top + 10, updated_at=now,
                                 updated_by=actor.username)
            session.add(entry)
            session.flush()
            record_audit(session, self.clock, actor, "catalogue.added", "service_entry", wanted, clean)
            return service_record(entry)

    def rename(self, actor: Actor, code: str, name: str, expected_version: int | None = None) -> ServiceRecord:
        """Change the name staff see; the code, and every contact that used it, stay.
        Refuses without manage-catalogue, a name another entry has, or a stale version."""
        require(actor, Permission.MANAGE_CATALOGUE)
        clean = clean_text(name, field="name", label="Service name", max_length=120)
        self.ensure_seeded()
        with self.db.unit_of_work() as session:
            entry = self._entry(session, code)
            check_version("service", entry, expected_version)
            self._refuse_duplicate_name(session, clean, code)
            if entry.name != clean:
                old = entry.name
                entry.name = clean
                entry.updated_at, entry.updated_by = self.clock.now(), actor.username
                session.flush()
                record_audit(session, self.clock, actor, "catalogue.renamed", "service_entry", code,
                             f"{old} -> {clean}")
            return service_record(entry)

    def set_active(self, actor: Actor, code: str, active: bool, expected_version: int | None = None) -> ServiceRecord:
        """Retire a service (no longer offered for new contacts or consents) or restore it.
        Refuses without manage-catalogue, or a stale version."""
        require(actor, Permission.MANAGE_CATALOGUE)
        self.ensure_seeded()
        with self.db.unit_of_work() as session:
            entry = self._entry(session, code)
            check_version("service", entry, expected_version)
            if entry.active != active:
                entry.active = active
                entry.updated_at, entry.updated_by = self.clock.now(), actor.username
                session.flush()
                record_audit(session, self.clock, actor, "catalogue.restored" if active else "catalogue.retired",
                             "service_entry", code, entry.name)
            return service_record(entry)

    @staticmethod
    def _entry(session: Session, code: str) -> ServiceEntry:
        entry = session.get(ServiceEntry, (code or "").strip())
        if entry is None:
            raise NotFound(f"There is no service with the code '{code}' in the catalogue.")
        return entry

    @staticmethod
    def _refuse_duplicate_name(session: Session, name: str, own_code: str | None) -> None:
        # Compared in Python: SQLite's lower() knows only ASCII, and the catalogue is short.
        clash = next((e for e in session.scalars(select(ServiceEntry))
                      if e.name.casefold() == name.casefold()), None)
        if clash is not None and clash.code != own_code:
            state = "" if clash.active else " (retired: restore it instead)"
            raise ValidationError(f"There is already a service called {clash.name}{state}.", field="name")


def active_service(session: Session, code: str, *, field: str = "service") -> ServiceEntry:
    """The catalogue entry for a new contact or consent: it must exist and not be retired."""
    entry = session.get(ServiceEntry, (code or "").strip())
    if entry is None:
        raise ValidationError(f"Service '{code}' is not in the catalogue. Choose one from the list.", field=field)
    if not entry.active:
        raise ValidationError(f"{entry.name} has been retired from the catalogue and is not offered for new "
                              "contacts. Choose another service, or ask an administrator to restore it.", field=field)
    return entry
