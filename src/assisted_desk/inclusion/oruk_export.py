"""Exporting the partner directory as Open Referral UK JSON, checked against the published schema.

The file is one `/services` list page of the UK profile of HSDS 3.0 (`contents`, `total_items`,
...), each service complete with its organisation, places and schedules, so another directory (or
this one, through oruk_import) can read it back. Our own notes and capacity overrides are never
exported: they are ours. Before anything is written every service is validated against
resources/oruk/service.json (the profile's published compiled schema, see resources/oruk/SOURCES.md);
a document that does not validate is refused, not written."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy import true

from ..core.audit import record_audit
from ..core.clock import Clock
from ..core.db import Database
from ..core.errors import ValidationError
from ..core.paths import resources_dir
from ..core.security import Actor, Permission, require
from .directory import load_services
from .framework import FrameworkLibrary, shipped_frameworks
from .oruk import list_page, service_to_oruk
from .partner_models import PartnerOrganisation, PartnerService

SCHEMA_FILE = "service.json"


@dataclass(frozen=True)
class ExportSummary:
    path: Path
    services: int


def schema_path() -> Path:
    return resources_dir() / "oruk" / SCHEMA_FILE


@lru_cache(maxsize=1)
def _validator():
    import jsonschema  # only needed when exporting

    with schema_path().open(encoding="utf-8") as handle:
        schema = json.load(handle)
    # The file names no $schema; its keywords are those of every draft since 4. Formats
    # (uuid, email, date-time) are checked too.
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def schema_problems(document: dict) -> list[str]:
    """Every way the document's services break the published service schema (empty: valid)."""
    problems = []
    services = document.get("contents") if isinstance(document, dict) else None
    if not isinstance(services, list):
        return ["the document has no 'contents' list of services"]
    for n, service in enumerate(services):
        name = service.get("name", f"service {n + 1}") if isinstance(service, dict) else f"service {n + 1}"
        for error in sorted(_validator().iter_errors(service), key=lambda e: list(e.absolute_path)):
            where = ".".join(str(p) for p in error.absolute_path) or "(service)"
            problems.append(f"{name}: {where}: {error.message}")
    return problems


def export_document(db: Database, actor: Actor, *, include_gone: bool = False,
                    frameworks: FrameworkLibrary | None = None) -> dict:
    """The directory as an Open Referral UK list page (services by name). Refuses without
    manage-partners."""
    require(actor, Permission.MANAGE_PARTNERS)
    titles = {area.code: area.title for area in (frameworks or shipped_frameworks()).current().areas}
    conditions = [true()] if include_gone else [PartnerService.gone_at.is_(None),
                                                 PartnerOrganisation.gone_at.is_(None)]
    with db.unit_of_work() as session:
        records = load_services(session, *conditions)
    return list_page([service_to_oruk(record, titles) for record in records])


def export_directory(db: Database, clock: Clock, actor: Actor, path: Path | str, *, include_gone: bool = False,
                     frameworks: FrameworkLibrary | None = None) -> ExportSummary:
    """Write the directory to `path` as Open Referral UK JSON (whole or not at all). Refuses
    without manage-partners, and a document the published schema would reject (naming the
    first problems)."""
    document = export_document(db, actor, include_gone=include_gone, frameworks=frameworks)
    problems = schema_problems(document)
    if problems:
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        raise ValidationError(f"The export does not satisfy the Open Referral UK schema, so it was not written: "
                              f"{shown}.", field="export")
    target = Path(path)
    if not target.parent.is_dir():
        raise ValidationError(f"There is no folder {target.parent} to write the export into.", field="path")
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".oruk-", suffix=".json")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(document, out, ensure_ascii=False, indent=2)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    with db.unit_of_work() as session:
        record_audit(session, clock, actor, "partner.exported", "partner_directory", target.name,
                     f"{document['total_items']} services to {target}")
    return ExportSummary(target, document["total_items"])
