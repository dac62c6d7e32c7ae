"""Subject access (UK GDPR Art. 15): everything held about one resident, as one .zip archive.

The archive holds
- `subject-access.json`: the machine-readable pack (format below),
- `subject-access.pdf`: the same, readable, with London times and plain-English labels,
- `attachments/<id>-<name>`: each file attached to the resident's contacts and requests.

JSON format ("format": "assisted-desk/subject-access", "format_version": 1). Keys are stable;
a new version number means a key changed meaning or went. Times are ISO-8601 in UTC, dates
ISO-8601; codes are the stored values (the PDF shows their words). Each row keeps every column
the database holds (less technical ones: see subject_access_rows) and, beside each id that names
a person, site or service, `<name>_name`. Rows say which record they are held under
(`resident_record_id`): the resident's own, or a record merged into it.

- `generated_at`, `generated_by`, `resident_id`, `resident_name`
- `resident`: the record; `merged_records`: records merged into it; `merges`: merges and undos
- `equality`, `representatives`, `consents`, `contacts`, `references`, `queue_visits`,
  `callbacks` (+ `attempts`), `requests` (+ `history`), `attachments` (+ `file`, the name in the
  archive, or null once removed), `cases` (+ `activities`, `team`, `internal_lines_withheld`),
  `assessments` (+ `answers`, `barriers`, `goals`, `result_levels`), `referrals` (+ `history`),
  `prints`, `legal_holds`: the rows of each kind, oldest first
- `audit`: every audit event about the resident and these records: when, who, role, site,
  action, record, and the event's summary (which never holds values)
- `withheld`: what was left out because it is about other people, how many, and why"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from ..casework.case_work import RECORD as CASE_RECORD
from ..casework.cases import OPENED_RESTRICTED
from ..core.audit import record_audit
from ..core.clock import Clock
from ..core.db import Database
from ..core.errors import EnvironmentFault, NotFound, ValidationError
from ..core.security import Actor, Permission, require
from ..desk.merge import RESIDENT_LINKS
from ..desk.models import Resident
from ..desk.references import resident_by_reference
from . import subject_access_rows as rows

FORMAT = "assisted-desk/subject-access"
FORMAT_VERSION = 1
JSON_NAME = "subject-access.json"
PDF_NAME = "subject-access.pdf"

_WITHHELD_WORDS = {
    "case_activity.internal": "Case notes marked internal (colleagues only): what advocates record about "
                              "other people or were told in confidence.",
    "advocacy_case.restricted_reason": "Why a case is restricted: it usually describes a risk from another person.",
    "representative.phone": "A representative's phone number: their details, not the resident's.",
    "representative.email": "A representative's email address: their details, not the resident's.",
    "representative.address": "A representative's address: their details, not the resident's.",
}


@dataclass(frozen=True)
class SubjectAccessPack:
    """What is held about one resident: `data` is the JSON document, `files` the attachments."""

    resident_id: int
    resident_name: str
    data: dict
    files: tuple[tuple[str, bytes], ...]

    def to_json(self) -> str:
        return json.dumps(self.data, ensure_ascii=False, indent=2, sort_keys=False)

    def count(self, section: str) -> int:
        return len(self.data.get(section, ()))


@dataclass(frozen=True)
class ArchiveResult:
    path: Path
    resident_id: int
    resident_name: str
    pdf_pages: int
    attachments: int
    audit_events: int
    merged_records: int
    withheld: int


@dataclass(frozen=True)
class FoundResident:
    """A resident found from what someone typed; `merged_from` is the record typed when it was
    merged into this one."""

    resident_id: int
    name: str
    merged_from: int | None = None


def _name(row: Resident) -> str:
    return " ".join(part for part in (row.given_name, row.family_name) if part)


class SubjectAccessService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def find_resident(self, actor: Actor, text: str) -> FoundResident:
        """The resident behind a record number ("1234", as the Residents page shows it) or a
        reference they quote (AD-7K3P-9Q, RQ-..., CS-..., RF-...). A record merged into another
        gives the record it was merged into. Refuses without the export permission, and says
        what was wrong with anything it cannot find."""
        require(actor, Permission.EXPORT_PERSONAL_DATA)
        with self.db.unit_of_work() as session:
            resident = resident_by_reference(session, text)
            merged_from = None
            if resident.merged_into_id is not None:
                merged_from = resident.id
                resident = session.get(Resident, resident.merged_into_id)
            return FoundResident(resident.id, _name(resident), merged_from)

    def export(self, actor: Actor, resident_id: int) -> SubjectAccessPack:
        """Everything held about a resident (and the records merged into them), audited as an
        export. Refuses without the export permission, and a record merged away (export the
        record it was merged into: it holds everything)."""
        require(actor, Permission.EXPORT_PERSONAL_DATA)
        with self.db.unit_of_work() as session:
            pack = self._collect(session, actor, resident_id)
            record_audit(session, self.clock, actor, "resident.exported", "resident", resident_id,
                         _audit_words(pack, archive=False))
            _record_what_was_read(session, self.clock, actor, pack)
        return pack

    def write_archive(self, actor: Actor, resident_id: int, path: str | os.PathLike) -> ArchiveResult:
        """Write the pack as one .zip at `path` (JSON, PDF, attachments), audited. The file
        appears whole or not at all: built beside the target, renamed only once the audit is
        committed. Refuses without the permission, an unknown or merged-away resident, and a
        folder that does not exist or cannot be written."""
        require(actor, Permission.EXPORT_PERSONAL_DATA)
        from ..printing.guide_pdf import RenderProblem
        from ..printing.subject_access_pdf import render_subject_access  # ReportLab only when needed

        target = Path(path)
        folder = target.parent if str(target.parent) else Path(".")
        if target.is_dir():
            raise ValidationError(f"{target} is a folder: give a file name inside it, such as "
                                  f"{target / 'subject-access.zip'}.", field="path")
        if not folder.is_dir():
            raise ValidationError(f"Cannot write {target}: the folder {folder} does not exist.", field="path")
        with self.db.unit_of_work() as session:
            pack = self._collect(session, actor, resident_id)
        pdf = io.BytesIO()
        try:
            pages = render_subject_access(pack.data, pdf)
        except RenderProblem as exc:
            raise ValidationError(f"The PDF could not be laid out: {exc} Nothing was written.") from exc
        try:
            handle, temp = tempfile.mkstemp(prefix=".subject-access-", suffix=".zip.part", dir=folder)
        except OSError as exc:
            raise EnvironmentFault(f"Cannot write in {folder}: {exc.strerror or exc}.",
                                   "Choose a folder this account may write to.") from exc
        try:
            with os.fdopen(handle, "wb") as stream, zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
                archive.writestr(JSON_NAME, pack.to_json())
                archive.writestr(PDF_NAME, pdf.getvalue())
                for name, data in pack.files:
                    archive.writestr(name, data)
            with self.db.unit_of_work() as session:
                record_audit(session, self.clock, actor, "resident.exported", "resident", resident_id,
                             _audit_words(pack, archive=True))
                _record_what_was_read(session, self.clock, actor, pack)
            os.replace(temp, target)
        except OSError as exc:
            _remove(temp)
            self._record_not_written(actor, resident_id)
            raise EnvironmentFault(f"Cannot write {target}: {exc.strerror or exc}.",
                                   "Check there is room on the disk and that the folder may be written to.") from exc
        except BaseException:
            _remove(temp)
            raise
        return ArchiveResult(target, pack.resident_id, pack.resident_name, pages, len(pack.files),
                             pack.count("audit"), pack.count("merged_records"),
                             sum(item["count"] for item in pack.data["withheld"]))

    # ---- gathering -------------------------------------------------------------------------------

    def _record_not_written(self, actor: Actor, resident_id: int) -> None:
        """The export was recorded as prepared, then the file could not be put in place: say so
        in the audit too, unless the database is out of reach as well."""
        try:
            with self.db.unit_of_work() as session:
                record_audit(session, self.clock, actor, "resident.export_not_written", "resident", resident_id,
                             "the archive could not be written; nothing was handed over")
        except EnvironmentFault:
            pass

    def _collect(self, session: Session, actor: Actor, resident_id: int) -> SubjectAccessPack:
        resident = session.get(Resident, resident_id)
        if resident is None:
            raise NotFound(f"There is no resident with record number {resident_id}.")
        if resident.merged_into_id is not None:
            raise ValidationError(f"Record {resident_id} was merged into record {resident.merged_into_id}, which "
                                  "holds its history now: export that record (it includes this one).",
                                  field="resident")
        names = rows.Names(session)
        withheld: dict[str, int] = {}
        merged = rows.merged_in(session, resident_id)
        ids = [resident_id] + [row.id for row in merged]
        data: dict = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "generated_at": rows.plain(self.clock.now()),
            "generated_by": actor.username,
            "resident_id": resident_id,
            "resident_name": _name(resident),
            "resident": rows.row_dict(resident, names, withheld),
            "merged_records": [rows.row_dict(row, names, withheld) for row in merged],
            "merges": rows.merges(session, resident_id),
        }
        about: dict[str, list[int]] = {"resident": ids}
        files: list[tuple[str, bytes]] = []
        for link in RESIDENT_LINKS:
            table = link.model.__tablename__
            section = rows.SECTIONS.get(table, table)
            items = rows.section_rows(session, link, ids, names, withheld)
            if table == "attachment":
                files = rows.attachment_files(session, items)
            data[section] = data.get(section, []) + items
            about[table] = [item["id"] for item in items if "id" in item]
        for section in rows.SECTIONS.values():
            data.setdefault(section, [])
        data["audit"] = rows.audit_rows(session, about, names)
        data["withheld"] = [{"what": key, "count": count, "why": _WITHHELD_WORDS.get(key, "")}
                            for key, count in sorted(withheld.items())]
        return SubjectAccessPack(resident_id, _name(resident), data, tuple(files))


def _record_what_was_read(session, clock, actor: Actor, pack: SubjectAccessPack) -> None:
    """An export reads what the exporter's role may not open elsewhere: an administrator does not
    read cases, a service manager does not see equality answers. Subject access needs all of it, so
    it is read — and recorded where those readings are always recorded: in each restricted case's
    access log, and as a viewing of the equality answers."""
    for case in pack.data.get("cases", ()):
        if case.get("restricted"):
            record_audit(session, clock, actor, OPENED_RESTRICTED, CASE_RECORD, case["id"],
                         f"{case.get('reference', '')} read for a subject access export".strip())
    if pack.data.get("equality"):
        record_audit(session, clock, actor, "resident.equality_viewed", "resident", pack.resident_id,
                     "read for a subject access export")


def _audit_words(pack: SubjectAccessPack, *, archive: bool) -> str:
    """Counts only: the audit never holds the data (nor the file's name, which may hold a name)."""
    what = "archive prepared (written only if this is recorded)" if archive else "read for subject access"
    return (f"{what}: {pack.count('contacts')} contacts, {pack.count('cases')} cases, {len(pack.files)} "
            f"attachments, {pack.count('audit')} audit events, {pack.count('merged_records')} merged records")


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
