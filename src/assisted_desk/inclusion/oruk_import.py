"""Importing and refreshing the partner directory from an Open Referral UK API.

The list pages (`/services?page=N&per_page=M`) give each service's id; each service's full record
then comes from `/services/{id}`, because a list page "need not contain arrays of child entities"
(the standard's words): locations, schedules and taxonomy terms are only sure to be in the
detail. Everything is fetched and checked before the database is touched, and then written in ONE
transaction: a directory that fails halfway changes nothing. Records that cannot be used are
skipped and reported one by one (their id and what is wrong); the rest are imported.

A refresh matches on (directory address, id): no duplicates. Services the directory no longer lists
are marked gone, not deleted; one that comes back is brought back. Our own columns (local_*) are
never written here. Places with a postcode and a position teach the postcode table
(PostcodePoint, source "directory") where that postcode is."""

from __future__ import annotations

import json
import re
from collections.abc import Generator
from dataclasses import dataclass
from urllib.parse import quote

import requests
from sqlalchemy import select

from ..core.audit import record_audit
from ..core.clock import Clock
from ..core.db import Database
from ..core.errors import EnvironmentFault, ValidationError
from ..core.security import Actor, Permission, require
from .directory import (OrganisationInput, ServiceInput, clean_organisation, clean_service, organisation_values,
                        places_of, replace_places, service_values, stored_places)
from .framework import FrameworkLibrary
from .oruk import RecordProblem, read_page, read_service, record_id
from .partner_models import PartnerOrganisation, PartnerService, PostcodePoint

Progress = tuple[int, int, str]  # (done, total, what is happening)
MAX_PAGES = 2000


class ImportFailed(EnvironmentFault):
    """The directory could not be read whole; nothing was changed."""


@dataclass(frozen=True)
class SkippedRecord:
    id: str  # the record's id, or where it was when it had none ("page 2, item 3")
    problem: str

    def __post_init__(self) -> None:
        # A problem quotes what the directory sent, which may hold NUL, other controls or half an
        # emoji: shown with a replacement mark, so the summary can be stored (audit) and shown.
        object.__setattr__(self, "id", _printable(self.id))
        object.__setattr__(self, "problem", _printable(self.problem))


_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


def _printable(text: str) -> str:
    return _UNPRINTABLE.sub("\ufffd", text)


@dataclass(frozen=True)
class ImportSummary:
    source: str
    listed: int
    added: int
    changed: int
    unchanged: int
    gone: int
    skipped: tuple[SkippedRecord, ...]
    organisations_added: int

    def text(self) -> str:
        line = (f"{self.source}: {self.added} added, {self.changed} changed, {self.unchanged} unchanged, "
                f"{self.gone} gone, {len(self.skipped)} skipped")
        return "\n".join([line] + [f"  skipped {s.id}: {s.problem}" for s in self.skipped])


@dataclass(frozen=True)
class _Fetched:
    external_id: str
    organisation_id: str
    organisation: OrganisationInput
    service: ServiceInput


def clean_directory_url(text: str) -> str:
    """The directory's base address, without a trailing slash or `/services`."""
    url = (text or "").strip()
    if not re.match(r"^https?://[^\s/?#]+", url, re.IGNORECASE) or " " in url or len(url) > 300:
        raise ValidationError(f"'{url}' is not the address of a directory. Give its API address, starting with "
                              "https:// (or http://), such as https://directory.example.org/api.", field="url")
    url = url.split("?", 1)[0].rstrip("/")
    return url[: -len("/services")] if url.endswith("/services") else url


def import_oruk(db: Database, clock: Clock, actor: Actor, base_url: str, *,
                session: requests.Session | None = None, per_page: int = 100, timeout: float = 20.0,
                frameworks: FrameworkLibrary | None = None) -> Generator[Progress, None, ImportSummary]:
    """Import (or refresh) every service of the directory at `base_url`, yielding progress and
    returning the summary. Refuses without manage-partners and a bad address at once (before the
    first step); raises ImportFailed, changing nothing, when the directory cannot be read whole."""
    require(actor, Permission.MANAGE_PARTNERS)
    source = clean_directory_url(base_url)
    if not isinstance(per_page, int) or not 1 <= per_page <= 1000:
        raise ValidationError("Services per page must be a whole number from 1 to 1000.", field="per_page")
    return _run(db, clock, actor, source, session, per_page, timeout, frameworks)


def _run(db, clock, actor, source, session, per_page, timeout, frameworks) -> Generator[Progress, None, ImportSummary]:
    http = session or requests.Session()
    try:
        skipped: list[SkippedRecord] = []
        ids = yield from _list_ids(http, source, per_page, timeout, skipped)
        fetched: list[_Fetched] = []
        for done, external_id in enumerate(ids, start=1):
            record = _get_json(http, f"{source}/services/{quote(external_id, safe='')}", timeout, source,
                               missing_ok=True)
            try:
                if record is None:
                    raise RecordProblem("the directory lists it, but has no record at /services/" + external_id)
                if isinstance(record, _BadDetail):
                    raise RecordProblem(record.problem)
                found = read_service(record)
                if found.external_id != external_id:
                    raise RecordProblem(f"its record carries another id ({found.external_id})")
                organisation = clean_organisation(found.organisation)
                service = clean_service(found.service, frameworks)
            except RecordProblem as problem:
                skipped.append(SkippedRecord(external_id, problem.message))
            except ValidationError as problem:
                skipped.append(SkippedRecord(external_id, problem.message))
            else:
                fetched.append(_Fetched(external_id, found.organisation_external_id, organisation, service))
                yield done, len(ids), f"Read {service.name}"
                continue
            yield done, len(ids), f"Skipped {external_id}"
    finally:
        if session is None:
            http.close()
    yield len(ids), len(ids), "Saving the directory"
    return _save(db, clock, actor, source, len(ids), fetched, skipped)


def _list_ids(http, source, per_page, timeout, skipped) -> Generator[Progress, None, list[str]]:
    ids: dict[str, None] = {}
    for page_number in range(1, MAX_PAGES + 1):
        payload = _get_json(http, f"{source}/services?page={page_number}&per_page={per_page}", timeout, source)
        try:
            page = read_page(payload)
        except RecordProblem as problem:
            raise ImportFailed(f"The directory at {source} sent something that is not an Open Referral UK list of "
                               f"services (page {page_number}): {problem.message}.",
                               "Check that this is the directory's API address. Nothing was changed.") from None
        new = 0
        for n, item in enumerate(page.items, start=1):
            try:
                external_id = record_id(item)
            except RecordProblem as problem:
                skipped.append(SkippedRecord(f"page {page_number}, item {n}", problem.message))
                continue
            if external_id not in ids:
                ids[external_id] = None
                new += 1
        total = max(page.total_items or 0, len(ids))
        pages = page.total_pages
        yield 0, total, f"Read page {page_number}" + (f" of {pages}" if pages else "")
        if (not page.items or page.last or (pages is not None and page_number >= pages)
                or (page.last is None and pages is None and new == 0)):
            return list(ids)
    raise ImportFailed(f"The directory at {source} has more than {MAX_PAGES} pages of services.",
                       "Import it with more services per page. Nothing was changed.")


@dataclass(frozen=True)
class _BadDetail:
    problem: str


def _get_json(http: requests.Session, url: str, timeout: float, source: str, *, missing_ok: bool = False):
    """The JSON at `url`. A list page that cannot be read fails the whole import; a single
    service's record that is not JSON is that record's problem (missing_ok)."""
    nothing = "Nothing was changed."
    try:
        response = http.get(url, timeout=timeout, headers={"Accept": "application/json"})
    except requests.Timeout:
        raise ImportFailed(f"The directory at {source} did not answer within {timeout:g} seconds.",
                           f"Try again later. {nothing}") from None
    except requests.RequestException as exc:
        reason = type(exc).__name__.replace("Error", " error").strip()
        raise ImportFailed(f"The directory at {source} could not be reached ({reason}).",
                           f"Check the address and this computer's network, then try again. {nothing}") from None
    if missing_ok and response.status_code in (404, 410):
        return None
    if response.status_code != 200:
        raise ImportFailed(f"The directory at {source} answered {response.status_code} {response.reason or ''} "
                           f"for {url[len(source):]}.".replace("  ", " "), f"Try again later. {nothing}")
    try:
        return json.loads(response.content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        problem = "not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else "not JSON"
        if missing_ok:
            return _BadDetail(f"its record is {problem}")
        raise ImportFailed(f"The directory at {source} sent {problem} for {url[len(source):]}.",
                           f"Check that this is an Open Referral UK API address. {nothing}") from None


def _save(db: Database, clock: Clock, actor: Actor, source: str, listed: int, fetched: list[_Fetched],
          skipped: list[SkippedRecord]) -> ImportSummary:
    now = clock.now()
    added = changed = unchanged = gone = organisations_added = 0
    with db.unit_of_work() as session:
        orgs = {row.external_id: row for row in session.scalars(
            select(PartnerOrganisation).where(PartnerOrganisation.source == source))}
        services = {row.external_id: row for row in session.scalars(
            select(PartnerService).where(PartnerService.source == source))}

        def stamp(row) -> None:
            row.updated_at, row.updated_by = now, actor.username

        seen_orgs: set[str] = set()
        for item in fetched:
            if item.organisation_id in seen_orgs:
                continue  # the first service naming an organisation speaks for it in this import
            seen_orgs.add(item.organisation_id)
            values = organisation_values(item.organisation)
            row = orgs.get(item.organisation_id)
            if row is None:
                row = PartnerOrganisation(source=source, external_id=item.organisation_id, local_notes="",
                                          created_at=now, created_by=actor.username, **values)
                stamp(row)
                session.add(row)
                orgs[item.organisation_id] = row
                organisations_added += 1
            elif any(getattr(row, k) != v for k, v in values.items()) or row.gone_at is not None:
                for key, value in values.items():
                    setattr(row, key, value)
                row.gone_at = None
                stamp(row)
        session.flush()

        for item in fetched:
            values = service_values(item.service)
            org = orgs[item.organisation_id]
            row = services.get(item.external_id)
            if row is None:
                row = PartnerService(organisation_id=org.id, source=source, external_id=item.external_id,
                                     local_capacity_note="", local_notes="", created_at=now,
                                     created_by=actor.username, **values)
                stamp(row)
                session.add(row)
                session.flush()
                replace_places(session, row, item.service)
                added += 1
                continue
            differs = (any(getattr(row, k) != v for k, v in values.items()) or row.organisation_id != org.id
                       or stored_places(session, row.id) != places_of(item.service))
            if differs or row.gone_at is not None:
                for key, value in values.items():
                    setattr(row, key, value)
                row.organisation_id, row.gone_at = org.id, None
                replace_places(session, row, item.service)
                stamp(row)
                changed += 1
            else:
                unchanged += 1

        # A record skipped this time is still listed: it keeps its state (and its organisation).
        present = {item.external_id for item in fetched} | {s.id for s in skipped}
        kept_orgs = set(seen_orgs)
        for external_id, row in services.items():
            if external_id in present:
                kept_orgs.update(k for k, o in orgs.items() if o.id == row.organisation_id)
            elif row.gone_at is None:
                row.gone_at = now
                stamp(row)
                gone += 1
        for external_id, row in orgs.items():
            if external_id not in kept_orgs and row.gone_at is None:
                row.gone_at = now
                stamp(row)

        _learn_postcodes(session, fetched, now)
        summary = ImportSummary(source, listed, added, changed, unchanged, gone, tuple(skipped), organisations_added)
        session.flush()
        record_audit(session, clock, actor, "partner.imported", "partner_directory", source[:60], summary.text())
    return summary


def _learn_postcodes(session, fetched: list[_Fetched], now) -> None:
    points: dict[str, tuple[float, float]] = {}
    for item in fetched:
        for place in item.service.locations:
            if place.postcode and place.latitude is not None and place.longitude is not None:
                points.setdefault(place.postcode, (place.latitude, place.longitude))
    if not points:
        return
    known = {p.postcode: p for p in session.scalars(select(PostcodePoint)
                                                    .where(PostcodePoint.postcode.in_(list(points))))}
    for postcode, (lat, lon) in points.items():
        point = known.get(postcode)
        if point is None:
            session.add(PostcodePoint(postcode=postcode, latitude=lat, longitude=lon, source="directory",
                                      updated_at=now))
        elif point.source == "directory" and (point.latitude, point.longitude) != (lat, lon):
            point.latitude, point.longitude, point.updated_at = lat, lon, now
