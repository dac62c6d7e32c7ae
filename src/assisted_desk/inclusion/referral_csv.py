"""A partner's spreadsheet of updates on our referrals ("RF-7K3P-9Q, accepted, 24/11/2026"),
previewed row by row with what each would change or what is wrong with it, then applied in one
transaction.

Partners write these by hand in whatever spreadsheet they have, so the reading is forgiving about
what is merely a habit (a byte-order mark, Windows-1252, semicolons, column order, "DNA" for did
not attend) and strict about what would record something false (an unknown reference, another
partner's referral, a date in the future, a step the closed loop does not allow). A cell that is
a spreadsheet formula is refused, never stored: it would run in the next spreadsheet it reaches."""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.audit import record_audit
from ..core.clock import LONDON, Clock, as_utc
from ..core.db import Database
from ..core.errors import ConflictError, DeskError, NotFound, ValidationError
from ..core.security import Actor, Permission, require
from ..desk.references import parse_reference
from ..desk.representatives import full_name, long_date
from ..desk.models import Resident
from .partner_models import PartnerOrganisation, PartnerService
from .referral_flow import MAX_NOTE, MAX_REASON, TransitionRefused, apply_transition, check_transition
from .referral_models import Referral, ReferralEvent
from .referral_sender import take_out_of_outbox
from .referral_vocab import REFERRAL_PREFIX, ReferralStatus, UpdateSource

MAX_BYTES = 2_000_000
MAX_ROWS = 5_000

_S = ReferralStatus
# What a partner may tell us; sending and re-routing are ours.
PARTNER_STATUSES = (_S.ACCEPTED, _S.DECLINED, _S.ATTENDED_FIRST_SESSION, _S.DID_NOT_ATTEND, _S.COMPLETED,
                    _S.STOPPED, _S.WITHDRAWN)
STATUS_WORDS: dict[str, ReferralStatus] = {
    **{s.value.replace("_", " "): s for s in PARTNER_STATUSES},
    **{s.label.casefold(): s for s in PARTNER_STATUSES},
    "accept": _S.ACCEPTED, "taken on": _S.ACCEPTED, "place offered": _S.ACCEPTED,
    "decline": _S.DECLINED, "rejected": _S.DECLINED, "refused": _S.DECLINED, "not accepted": _S.DECLINED,
    "attended": _S.ATTENDED_FIRST_SESSION, "started": _S.ATTENDED_FIRST_SESSION,
    "first session attended": _S.ATTENDED_FIRST_SESSION,
    "did not attend": _S.DID_NOT_ATTEND, "didn't attend": _S.DID_NOT_ATTEND, "dna": _S.DID_NOT_ATTEND,
    "no show": _S.DID_NOT_ATTEND, "no-show": _S.DID_NOT_ATTEND, "not attended": _S.DID_NOT_ATTEND,
    "complete": _S.COMPLETED, "finished": _S.COMPLETED,
    "stop": _S.STOPPED, "dropped out": _S.STOPPED, "left": _S.STOPPED,
    "withdrew": _S.WITHDRAWN,
}
STATUS_HELP = "accepted, declined, attended, did not attend (or DNA), completed, stopped or withdrawn"

COLUMNS: dict[str, tuple[str, ...]] = {
    "reference": ("reference", "ref", "our reference", "referral reference", "referral ref", "referral"),
    "status": ("status", "outcome", "update", "progress"),
    "date": ("date", "when", "date of update", "happened", "happened on", "date happened"),
    "reason": ("reason", "why"),
    "note": ("note", "notes", "comment", "comments"),
}
# "-" starts a formula too ("-1+1", "-A1"), but not a plain negative number or "- called twice".
_FORMULA = re.compile(r"^(?:[=+@\t\r]|-(?!\s|$|[\d.,]+(?:\s|$)))")
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T\s]\d{1,2}:\d{2}(?::\d{2})?)?$")


@dataclass(frozen=True)
class CsvRowPreview:
    line: int  # the row's line in the file; the header is line 1
    reference: str  # as written
    status_text: str
    date_text: str
    reason: str
    note: str
    referral_id: int | None
    resident_name: str
    service_name: str
    organisation_name: str
    from_status: ReferralStatus | None  # where the referral will be when this row is reached
    to_status: ReferralStatus | None
    happened_at: datetime | None
    expected_version: int | None  # the referral's version when previewed
    problems: tuple[str, ...]
    unchanged: bool  # the referral already is where this row says: nothing to do

    @property
    def ok(self) -> bool:
        """Will be applied."""
        return not self.problems and not self.unchanged

    @property
    def change(self) -> str:
        if self.problems or self.from_status is None or self.to_status is None:
            return ""
        if self.unchanged:
            return f"Already {self.to_status.label.lower()}: nothing to change"
        return f"{self.from_status.label} → {self.to_status.label}"

    @property
    def error(self) -> str:
        return " ".join(self.problems)


@dataclass(frozen=True)
class CsvPreview:
    rows: tuple[CsvRowPreview, ...]
    organisation_id: int | None  # the partner the file came from, when the import is tied to one
    organisation_name: str

    @property
    def to_apply(self) -> int:
        return sum(1 for row in self.rows if row.ok)

    @property
    def with_problems(self) -> int:
        return sum(1 for row in self.rows if row.problems)

    @property
    def unchanged(self) -> int:
        return sum(1 for row in self.rows if row.unchanged and not row.problems)


@dataclass(frozen=True)
class CsvApplied:
    applied: int  # rows applied
    referrals_changed: int
    skipped_with_problems: int
    unchanged: int


# ---- reading the file -----------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    if not data or not data.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        raise ValidationError("The file is empty. Choose the partner's CSV file of updates.", field="file")
    if len(data) > MAX_BYTES:
        raise ValidationError(f"The file is {len(data) // 1000:,} kB; at most {MAX_BYTES // 1_000_000} MB can be "
                              "read at a time. Split it into smaller files.", field="file")
    if data.startswith(b"PK\x03\x04"):
        raise ValidationError("This is a spreadsheet workbook (such as .xlsx), not a CSV file. Open it and save "
                              "it as \"CSV UTF-8\", then choose that file.", field="file")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    elif b"\x00" not in data:
        if data.startswith(codecs.BOM_UTF8):
            data = data[len(codecs.BOM_UTF8):]
        for encoding in ("utf-8", "cp1252"):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue
    raise ValidationError("This is not a CSV file: it does not read as text. Save the partner's spreadsheet as "
                          "\"CSV UTF-8\" and choose that file.", field="file")


def _rows(text: str) -> list[tuple[int, list[str]]]:
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(",;\t", key=first.count) if any(d in first for d in ",;\t") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows = []
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                rows.append((reader.line_num, cells))
            if len(rows) > MAX_ROWS + 1:
                raise ValidationError(f"The file has more than {MAX_ROWS:,} rows of updates; at most {MAX_ROWS:,} "
                                      "can be read at a time. Split it into smaller files.", field="file")
    except csv.Error as exc:
        raise ValidationError(f"Line {reader.line_num} cannot be read as CSV ({exc}). Check the quotes on that "
                              "line, or save the spreadsheet as CSV again.", field="file") from None
    return rows


def _header(cells: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        name = " ".join(cell.replace("\ufeff", "").replace("_", " ").split()).casefold()
        for column, names in COLUMNS.items():
            if name in names and column not in found:
                found[column] = index
    if "reference" not in found or "status" not in found:
        given = ", ".join(f'"{c.strip()}"' for c in cells if c.strip()) or "nothing"
        raise ValidationError("The first row must name the columns: Reference and Status are needed; Date, Reason "
                              f"and Note are optional. The first row has {given}.", field="file")
    return found


def _status(text: str) -> ReferralStatus | None:
    word = " ".join(text.replace("_", " ").split()).casefold().rstrip(".")
    return STATUS_WORDS.get(word)


def _date(text: str) -> date | None:
    raw = text.strip()
    if m := _DMY.match(raw):
        day, month, year = int(m[1]), int(m[2]), int(m[3])
    elif m := _YMD.match(raw):
        year, month, day = int(m[1]), int(m[2]), int(m[3])
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _is_formula(text: str) -> bool:
    """Whether a cell would run as a formula; tested on the text as it would be stored (stripped),
    so a leading space cannot carry "=HYPERLINK(...)" past the check."""
    return bool(_FORMULA.match(unicodedata.normalize("NFC", text.strip())))


def _text(value: str, label: str, limit: int, problems: list[str]) -> str:
    text = unicodedata.normalize("NFC", value.strip())
    if _is_formula(text):
        problems.append(f"{label} \"{text[:40]}\" is a spreadsheet formula, not words; write the words instead.")
        return ""
    if len(text) > limit:
        problems.append(f"{label} is {len(text)} characters long; at most {limit} are allowed.")
        return ""
    if re.search(r"[\x00-\x08\x0b-\x1f\x7f]", text):
        problems.append(f"{label} contains invisible control characters.")
        return ""
    return text


# ---- the import ---------------------------------------------------------------------------------------


class PartnerUpdatesImport:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db, self.clock = db, clock

    def preview(self, actor: Actor, data: bytes, *, organisation_id: int | None = None) -> CsvPreview:
        """Read a partner's CSV of updates and say, row by row, what each would change or what is
        wrong with it; nothing is written. Refuses (for the whole file) without refer-to-partners, an
        empty file, one that is not CSV text, over 2 MB or 5,000 rows, and a first row that does not
        name the Reference and Status columns. Row problems: an unknown reference, another partner's
        referral (when `organisation_id` says whose file it is), an unknown status word, a bad or
        future date, a missing reason where one is needed, a step not allowed from where the referral
        will be, a formula in a cell, and the same update twice."""
        require(actor, Permission.REFER_TO_PARTNERS)
        rows = _rows(_decode(data))
        if not rows:
            raise ValidationError("The file is empty. Choose the partner's CSV file of updates.", field="file")
        columns = _header(rows[0][1])
        body = rows[1:]
        if not body:
            raise ValidationError("The file names its columns but has no updates below them.", field="file")
        now = self.clock.now()
        today = now.astimezone(LONDON).date()
        with self.db.unit_of_work() as session:
            organisation = session.get(PartnerOrganisation, organisation_id) if organisation_id is not None else None
            if organisation_id is not None and organisation is None:
                raise NotFound("That partner organisation is not in the directory.")
            known = self._load(session, [_cell(cells, columns, "reference") for _line, cells in body])
            state: dict[int, tuple[ReferralStatus, datetime]] = {}  # where each referral will be, row by row
            seen: dict[tuple[int, ReferralStatus], int] = {}
            previews = [self._row(known, line, cells, columns, organisation, state, seen, now, today)
                        for line, cells in body]
        return CsvPreview(tuple(previews), organisation.id if organisation else None,
                          organisation.name if organisation else "")

    def apply(self, actor: Actor, preview: CsvPreview,
              expected_versions: Mapping[int, int] | None = None) -> CsvApplied:
        """Apply every row of the preview that has no problem, in one transaction, as updates from
        the partner's spreadsheet; rows with problems are left out. Refuses without
        refer-to-partners, when there is nothing to apply, and (ConflictError, nothing applied) when
        any referral changed since the preview: preview the file again."""
        require(actor, Permission.REFER_TO_PARTNERS)
        rows = [row for row in preview.rows if row.ok]
        if not rows:
            raise ValidationError("Nothing to apply: every row has a problem or is already recorded.", field="file")
        versions = {row.referral_id: row.expected_version for row in reversed(rows)}
        versions.update(expected_versions or {})
        with self.db.unit_of_work() as session:
            found = {r.id: r for r in session.scalars(select(Referral).where(Referral.id.in_(list(versions))))}
            referrals = {rid: found.get(rid) for rid in versions}
            for rid, referral in referrals.items():
                if referral is None:
                    raise NotFound("A referral in this file no longer exists. Preview the file again.")
                if referral.version != versions[rid]:
                    raise ConflictError(f"Referral {referral.reference} was changed by {referral.updated_by} since "
                                        "the preview, so nothing was applied. Preview the file again.")
            for row in rows:
                try:
                    apply_transition(session, self.clock, referrals[row.referral_id], row.to_status,
                                     source=UpdateSource.PARTNER_CSV, actor=actor, happened_at=row.happened_at,
                                     reason=row.reason, note=row.note)
                    take_out_of_outbox(session, self.clock, referrals[row.referral_id], actor)
                except DeskError as exc:
                    raise ValidationError(f"Line {row.line}: {exc} Nothing was applied.", field="file") from None
            record_audit(session, self.clock, actor, "referral.csv_applied", "partner_organisation",
                         preview.organisation_id or "", f"{len(rows)} updates to {len(referrals)} referrals from a "
                         f"partner's spreadsheet{f' ({preview.organisation_name})' if preview.organisation_name else ''}")
        return CsvApplied(len(rows), len(referrals), preview.with_problems, preview.unchanged)

    # ---- one row ------------------------------------------------------------------------------------

    @staticmethod
    def _load(session: Session, reference_cells: list[str]) -> "_Known":
        """Everything the rows refer to, in a handful of queries whatever the file's length."""
        wanted = {ref for ref in (parse_reference(text.strip()) for text in reference_cells if text.strip())
                  if ref is not None and ref.startswith(REFERRAL_PREFIX + "-")}
        known = _Known()
        for chunk in _chunks(sorted(wanted)):
            known.referrals.update((r.reference, r) for r in session.scalars(
                select(Referral).where(Referral.reference.in_(chunk))))
        rows = list(known.referrals.values())
        if not rows:
            return known
        ids = [r.id for r in rows]
        for chunk in _chunks(sorted({r.service_id for r in rows})):
            known.services.update((x.id, x) for x in session.scalars(
                select(PartnerService).where(PartnerService.id.in_(chunk))))
        for chunk in _chunks(sorted({x.organisation_id for x in known.services.values()})):
            known.organisations.update((o.id, o) for o in session.scalars(
                select(PartnerOrganisation).where(PartnerOrganisation.id.in_(chunk))))
        for chunk in _chunks(sorted({r.resident_id for r in rows})):
            known.residents.update((p.id, full_name(p)) for p in session.scalars(
                select(Resident).where(Resident.id.in_(chunk))))
        events: dict[int, list[tuple[str, datetime]]] = {}
        for chunk in _chunks(ids):
            for rid, status, at in session.execute(select(ReferralEvent.referral_id, ReferralEvent.to_status,
                                                          ReferralEvent.happened_at)
                                                   .where(ReferralEvent.referral_id.in_(chunk))):
                events.setdefault(rid, []).append((status, at))
        for row in rows:
            mine = events.get(row.id, [])
            last = max((as_utc(at) for _status, at in mine), default=as_utc(row.created_at))
            known.where[row.id] = (ReferralStatus(row.status), last, {ReferralStatus(st) for st, _at in mine})
        return known

    def _row(self, known: "_Known", line: int, cells: list[str], columns: dict[str, int],
             organisation: PartnerOrganisation | None, state: dict, seen: dict, now: datetime,
             today: date) -> CsvRowPreview:
        def cell(name: str) -> str:
            return _cell(cells, columns, name)

        problems: list[str] = []
        reference_text, status_text, date_text = cell("reference").strip(), cell("status").strip(), cell("date").strip()
        reason = _text(cell("reason"), "Reason", MAX_REASON, problems)
        note = _text(cell("note"), "Note", MAX_NOTE, problems)
        names = ("", "", "")
        referral = None
        if not reference_text:
            problems.append("The reference is missing.")
        elif _is_formula(reference_text):
            problems.append(f"The reference \"{reference_text[:40]}\" is a spreadsheet formula, not a reference.")
        else:
            reference = parse_reference(reference_text)
            if reference is None or not reference.startswith(REFERRAL_PREFIX + "-"):
                problems.append(f"\"{reference_text[:40]}\" is not one of our referral references (they look like "
                                f"{REFERRAL_PREFIX}-7K3P-9Q).")
            else:
                referral = known.referrals.get(reference)
                if referral is None:
                    problems.append(f"No referral has the reference {reference}.")
        if referral is not None:
            service = known.services[referral.service_id]
            owner = known.organisations[service.organisation_id]
            names = (known.residents.get(referral.resident_id, ""), service.name, owner.name)
            if organisation is not None and owner.id != organisation.id:
                problems.append(f"{referral.reference} was made to {owner.name}, not {organisation.name}.")
                referral = None

        target = None
        if not status_text:
            problems.append("The status is missing.")
        elif _is_formula(status_text):
            problems.append(f"The status \"{status_text[:40]}\" is a spreadsheet formula, not a status.")
        else:
            target = _status(status_text)
            if target is None:
                problems.append(f"Status \"{status_text[:40]}\" is not one we know: use {STATUS_HELP}.")

        day = None
        if date_text:
            day = _date(date_text)
            if day is None:
                problems.append(f"Date \"{date_text[:40]}\" is not a date: write it as 23/11/2026 or 2026-11-23.")
            elif day > today:
                problems.append(f"Date {day:%d/%m/%Y} is in the future.")
                day = None
        if target is not None and target.needs_reason and not reason and not any("Reason" in p for p in problems):
            problems.append(f"A reason is needed when a referral is {target.label.lower()}.")

        from_status, happened, unchanged, version = None, None, False, None
        if referral is not None:
            version = referral.version
            if referral.id not in state:
                state[referral.id] = known.where[referral.id]
            from_status, last, reached = state[referral.id]
            if target is not None:
                key = (referral.id, target)
                if key in seen:
                    problems.append(f"The same update as line {seen[key]}.")
                elif target == from_status or target in reached:
                    unchanged = True  # the file was imported before, or we heard it another way
                else:
                    try:
                        check_transition(from_status, target)
                    except TransitionRefused as exc:
                        problems.append(f"{referral.reference}: {exc}")
            if day is not None and not unchanged:
                happened = min(max(datetime.combine(day, time(12), tzinfo=LONDON).astimezone(timezone.utc), last),
                               now)
                if day < as_utc(last).astimezone(LONDON).date():
                    problems.append(f"Date {day:%d/%m/%Y} is before the referral's last update on {long_date(last)}.")
            if not problems:
                seen[(referral.id, target)] = line  # a later row saying the same again is a duplicate
                if not unchanged:
                    state[referral.id] = (target, happened or now, reached | {target})
        return CsvRowPreview(line, reference_text, status_text, date_text, reason, note,
                             referral.id if referral is not None else None, *names, from_status, target, happened,
                             version, tuple(problems), unchanged and not problems)


@dataclass
class _Known:
    """What a file's references point at, loaded once for the preview."""

    referrals: dict[str, Referral] = field(default_factory=dict)  # by reference
    services: dict[int, PartnerService] = field(default_factory=dict)
    organisations: dict[int, PartnerOrganisation] = field(default_factory=dict)
    residents: dict[int, str] = field(default_factory=dict)  # full names
    where: dict[int, tuple[ReferralStatus, datetime, set[ReferralStatus]]] = field(default_factory=dict)


_CHUNK = 500  # ids in one IN (...): well inside SQLite's and PostgreSQL's limits


def _chunks(values: list) -> list[list]:
    return [values[i:i + _CHUNK] for i in range(0, len(values), _CHUNK)]


def _cell(cells: list[str], columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    return cells[index] if index is not None and index < len(cells) else ""


__all__ = ["CsvApplied", "CsvPreview", "CsvRowPreview", "PartnerUpdatesImport", "STATUS_WORDS"]
