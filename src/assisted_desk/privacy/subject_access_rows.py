"""Reading everything held about one resident, as plain JSON-ready dicts (for subject access).

Rows are found through the one registry of tables that point at a resident
(`desk.merge.RESIDENT_LINKS`), then the rows that hang off them (a case's notes, a request's
history...). Every column is copied except the few listed below as technical (search keys,
delivery leases, version counters) or as details about someone else; so a column added later
is exported without anyone remembering to. A table added later is caught by
`uncovered_tables()`, which the tests keep empty. Beside codes that only the database can put into
words it adds `<column>_label` (a consent's or authority's services, a case's status in its type's
words), `case_type_name`, and each skills answer's `statement`; the codes themselves stay.

Left out, because they are about other people (UK GDPR Art. 15(4); DPA 2018 Sch. 2 para 16):
- Case lines marked internal ("colleagues only, never printed"). That is where advocates put
  what others told them in confidence and safeguarding concerns about other people; a
  restriction's own line ("Restricted: <why>") is always internal. They are counted, not shown.
- Why a case is restricted (`restricted_reason`): it names the risk, which is usually another
  person. The pack says the case is restricted.
- A representative's own phone, email and address: they are that person's details, not the
  resident's. Their name, relationship and authority stay, because they explain the resident's
  own record."""

from __future__ import annotations

import json
import re
from datetime import date, datetime

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..casework.case_types import type_record
from ..casework.models import CaseActivity, CaseMember, CaseType
from ..core.clock import as_utc
from ..core.db import Base
from ..core.models import AuditEvent, Site, Staff
from ..desk.attachment_models import AttachmentContent
from ..desk.catalogue import ALL_SERVICES
from ..desk.vocab import ConsentPurpose
from ..desk.merge import RESIDENT_LINKS, ResidentLink
from ..desk.models import CallbackAttempt, Representative, Resident, ResidentMerge, ServiceEntry
from ..desk.submission_models import SubmissionEvent
from ..inclusion.framework import FrameworkError, shipped_frameworks
from ..inclusion.models import SkillsAnswer, SkillsBarrier, SkillsGoal, SkillsResultLevel
from ..inclusion.partner_models import PartnerOrganisation, PartnerService
from ..inclusion.referral_models import ReferralEvent

_CHUNK = 500

# The pack's section for each table registered in RESIDENT_LINKS (JSON key = section name).
SECTIONS: dict[str, str] = {
    "resident_equality": "equality",
    "representative": "representatives",
    "consent": "consents",
    "interaction": "contacts",
    "record_reference": "references",
    "queue_ticket": "queue_visits",
    "callback": "callbacks",
    "submission": "requests",
    "attachment": "attachments",
    "advocacy_case": "cases",
    "skills_assessment": "assessments",
    "referral": "referrals",
    "print_record": "prints",
    # A hold keeps their records from erasure while a claim runs: they are told it exists and why
    # (the audit, which they also get, names it anyway).
    "legal_hold": "legal_holds",
}

# Rows that hang off a section's rows: (model, column pointing at the parent, key in the parent).
CHILDREN: dict[str, tuple[tuple[type, str, str], ...]] = {
    "callback": ((CallbackAttempt, "callback_id", "attempts"),),
    "submission": ((SubmissionEvent, "submission_id", "history"),),
    "advocacy_case": ((CaseActivity, "case_id", "activities"), (CaseMember, "case_id", "team")),
    "skills_assessment": ((SkillsAnswer, "assessment_id", "answers"), (SkillsBarrier, "assessment_id", "barriers"),
                          (SkillsGoal, "assessment_id", "goals"),
                          (SkillsResultLevel, "assessment_id", "result_levels")),
    "referral": ((ReferralEvent, "referral_id", "history"),),
}

# Tables read some other way: the record itself, its merges, and attachment files (the archive).
READ_DIRECTLY = {"resident", "resident_merge", "attachment_content"}
# Tables about a resident that are deliberately not exported, and why.
LEFT_OUT = {
    "resident_name_word": "search keys made from the names, which are exported with the record",
    "resident_name_variant": "search keys made from the names, which are exported with the record",
}

# Columns that say nothing about the person: search keys, counters, the outbox's machinery.
_TECHNICAL = {
    "*": {"version"},
    "resident": {"postcode_key", "email_key", "sort_name"},
    "submission": {"idempotency_key", "lease_owner", "lease_until"},
    "referral": {"idempotency_key", "lease_owner", "lease_until"},
    "resident_merge": {"moved"},
}
# Columns about someone else (see the module docstring): withheld and counted.
THIRD_PARTY = {
    "representative": ("phone", "email", "address"),
    "advocacy_case": ("restricted_reason",),
}
_JSON_COLUMNS = {"services", "need_areas"}  # JSON kept in text columns whose names do not say so
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def covered_tables() -> set[str]:
    tables = set(SECTIONS) | READ_DIRECTLY
    for children in CHILDREN.values():
        tables |= {model.__tablename__ for model, _, _ in children}
    return tables


def tables_about_residents() -> set[str]:
    """Every table that points at a resident, or at such a table, through its foreign keys."""
    found = {"resident"}
    while True:
        more = {table.name for table in Base.metadata.sorted_tables if table.name not in found
                and any(fk.column.table.name in found for column in table.columns for fk in column.foreign_keys)}
        if not more:
            return found
        found |= more


def uncovered_tables() -> list[str]:
    """Tables holding something about a resident that the export neither reads nor leaves out
    on purpose. A table a package adds must be given a section here (or a reason in LEFT_OUT)."""
    linked = {link.model.__tablename__ for link in RESIDENT_LINKS}
    return sorted((tables_about_residents() | linked) - covered_tables() - set(LEFT_OUT))


def plain(value, key: str = ""):
    """A stored value as JSON: times in ISO-8601 UTC, dates ISO-8601, JSON text parsed."""
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and (key.endswith("_json") or key in _JSON_COLUMNS) and value.strip():
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class Names:
    """Staff, sites, services, partners and representatives by id, looked up once each."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._cache: dict[tuple[str, object], str] = {}

    def of(self, table: str, key) -> str | None:
        if key is None:
            return None
        if (table, key) not in self._cache:
            self._cache[(table, key)] = self._look_up(table, key)
        return self._cache[(table, key)]

    def _look_up(self, table: str, key) -> str:
        session = self.session
        if table == "staff":
            row = session.get(Staff, key)
            return row.display_name if row else ""
        if table == "site":
            row = session.get(Site, key)
            return row.name if row else ""
        if table == "service_entry":
            row = session.get(ServiceEntry, key)
            return row.name if row else str(key)
        if table == "partner_service":
            row = session.get(PartnerService, key)
            if row is None:
                return ""
            org = session.get(PartnerOrganisation, row.organisation_id)
            return f"{row.name} ({org.name})" if org else row.name
        if table == "representative":
            row = session.get(Representative, key)
            return row.name if row else ""
        if table == "case_type":
            row = session.get(CaseType, key)
            return row.name if row else ""
        return ""

    def services(self, codes) -> str:
        """"Council Tax, Parking" for service codes; "every service" for "*" (a scope)."""
        if isinstance(codes, str):
            codes = codes.split(",")
        codes = [str(code).strip() for code in codes or () if str(code).strip()]
        if ALL_SERVICES in codes:
            return "every service"
        return ", ".join(self.of("service_entry", code) or code for code in codes)

    def case_status(self, case_type_id, status: str) -> str:
        """A case status in its type's words ("Waiting for the landlord" for "waiting_landlord")."""
        key = ("case_status", (case_type_id, status))
        if key not in self._cache:
            row = self.session.get(CaseType, case_type_id) if case_type_id is not None else None
            self._cache[key] = type_record(row).label_of(status) if row else status.replace("_", " ").capitalize()
        return self._cache[key]


_NAMED = {"staff", "site", "service_entry", "partner_service", "representative", "case_type"}


def _add_labels(table: str, out: dict, names: Names) -> None:
    """Words beside codes that only the database can turn into words (a person reads the PDF;
    the codes stay in the JSON for machines): services named by code, a case's own statuses."""
    if table == "consent" and out.get("purpose") == ConsentPurpose.ACT_ON_BEHALF.value and out.get("scope"):
        out["scope_label"] = names.services(out["scope"])
    elif table == "representative" and out.get("authority_scope"):
        out["authority_scope_label"] = names.services(out["authority_scope"])
    elif table == "advocacy_case" and out.get("status"):
        out["status_label"] = names.case_status(out.get("case_type_id"), out["status"])


def row_dict(row, names: Names, withheld: dict[str, int]) -> dict:
    """Every column of `row` (less technical ones and details about other people), with the
    name beside each id that points at a person, site or service."""
    table = row.__table__.name
    skip = _TECHNICAL["*"] | _TECHNICAL.get(table, set())
    hidden = THIRD_PARTY.get(table, ())
    out: dict = {}
    for attr in sa_inspect(type(row)).column_attrs:
        column = attr.columns[0]
        key = column.name
        if key in skip:
            continue
        value = getattr(row, attr.key)
        if key in hidden:
            if value:
                withheld[f"{table}.{key}"] = withheld.get(f"{table}.{key}", 0) + 1
            continue
        out[key] = plain(value, key)
        target = next((fk.column.table.name for fk in column.foreign_keys), None)
        if target in _NAMED:
            name_key = (key[:-3] if key.endswith("_id") else key) + "_name"
            out[name_key] = names.of(target, value)
    _add_labels(table, out, names)
    return out


def _chunks(values: list) -> list[list]:
    return [values[start:start + _CHUNK] for start in range(0, len(values), _CHUNK)]


def _rows(session: Session, model: type, column: str, keys: list) -> list:
    order = sa_inspect(model).primary_key
    found = []
    for chunk in _chunks(keys):
        found += session.scalars(select(model).where(getattr(model, column).in_(chunk)).order_by(*order)).all()
    return found


def _children(session: Session, table: str, items: list[dict], names: Names, withheld: dict[str, int]) -> None:
    ids = [item["id"] for item in items]
    for model, column, key in CHILDREN.get(table, ()):
        by_parent: dict[int, list[dict]] = {i: [] for i in ids}
        internal: dict[int, int] = {i: 0 for i in ids}
        for child in _rows(session, model, column, ids):
            if model is CaseActivity and child.internal:
                withheld["case_activity.internal"] = withheld.get("case_activity.internal", 0) + 1
                internal[child.case_id] += 1
                continue
            by_parent[getattr(child, column)].append(row_dict(child, names, withheld))
        for item in items:
            if model is SkillsAnswer:  # the statement's words beside its code, from the version asked
                for answer in by_parent[item["id"]]:
                    answer["statement"] = _statement(item.get("framework_version"), answer["statement_code"])
            if model is CaseActivity:  # a line's statuses are its case type's, in its words
                for line in by_parent[item["id"]]:
                    for status in ("from_status", "to_status"):
                        if line.get(status):
                            line[f"{status}_label"] = names.case_status(item.get("case_type_id"), line[status])
            item[key] = by_parent[item["id"]]
            if model is CaseActivity:
                item["internal_lines_withheld"] = internal[item["id"]]


def _statement(version, code: str) -> str:
    try:
        return shipped_frameworks().version(str(version)).statement(code).sentence
    except (FrameworkError, KeyError, LookupError):
        return ""


def archive_name(attachment_id: int, filename: str) -> str:
    """attachments/<id>-<name>, with nothing in the name that a file system would misread."""
    safe = _UNSAFE_NAME.sub("_", filename).strip().lstrip(".") or "file"
    return f"attachments/{attachment_id}-{safe[:120]}"


def section_rows(session: Session, link: ResidentLink, resident_ids: list[int], names: Names,
                 withheld: dict[str, int]) -> list[dict]:
    """One registered table's rows for these resident records, with their children; a table
    with no section yet still comes out whole (the tests catch it so it gets one)."""
    rows = _rows(session, link.model, link.column, resident_ids)
    items = []
    for row in rows:
        item = row_dict(row, names, withheld)
        item["resident_record_id"] = getattr(row, link.column)
        items.append(item)
    if items and "id" in items[0]:
        _children(session, link.model.__tablename__, items, names, withheld)
    return items


def attachment_files(session: Session, items: list[dict]) -> list[tuple[str, bytes]]:
    """The files themselves; each item gets `file` (its name in the archive, None when removed)."""
    files = []
    contents = {c.attachment_id: c.data for c in _rows(session, AttachmentContent, "attachment_id",
                                                       [item["id"] for item in items])}
    for item in items:
        data = contents.get(item["id"])
        item["file"] = archive_name(item["id"], item["filename"]) if data is not None else None
        if data is not None:
            files.append((item["file"], bytes(data)))
    return files


def merges(session: Session, resident_id: int) -> list[dict]:
    rows = session.scalars(select(ResidentMerge).where(or_(
        ResidentMerge.survivor_id == resident_id, ResidentMerge.merged_id == resident_id))
        .order_by(ResidentMerge.merged_at, ResidentMerge.id)).all()
    return [row_dict(row, Names(session), {}) for row in rows]


def merged_in(session: Session, resident_id: int) -> list[Resident]:
    return list(session.scalars(select(Resident).where(Resident.merged_into_id == resident_id)
                                .order_by(Resident.id)))


def audit_rows(session: Session, about: dict[str, list[int]], names: Names) -> list[dict]:
    """Every audit event about these records, oldest first: who, when, what (never values)."""
    found: dict[int, AuditEvent] = {}
    for record_type, ids in about.items():
        for chunk in _chunks(sorted({str(i) for i in ids})):
            for event in session.scalars(select(AuditEvent).where(AuditEvent.record_type == record_type,
                                                                  AuditEvent.record_id.in_(chunk))):
                found[event.id] = event
    events = sorted(found.values(), key=lambda e: (as_utc(e.occurred_at), e.id))
    return [{"id": e.id, "occurred_at": plain(e.occurred_at), "actor": e.actor, "role": e.role,
             "site_name": names.of("site", e.site_id), "action": e.action, "record_type": e.record_type,
             "record_id": e.record_id, "summary": e.summary} for e in events]
