"""Case types, set up by an administrator: the statuses a case moves through, which moves are
allowed, SLA targets in working days, and the activities expected along the way.

A type in use is never deleted (its cases keep pointing at it); it is retired, and then offered
for no new case. A status a case is in cannot be removed from its type."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..core.audit import record_audit
from ..core.clock import Clock
from ..core.db import Database
from ..core.errors import NotFound, ValidationError
from ..core.security import Actor, Permission, require
from ..core.staff import check_version
from ..core.validation import clean_text
from .calendar import MAX_TARGET_DAYS
from .models import Case, CaseType
from .vocab import CLOSED, ActivityKind

_CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
MAX_STATUSES = 15
MAX_EXPECTED = 20
EXPECTABLE = (ActivityKind.CALL, ActivityKind.LETTER, ActivityKind.EMAIL, ActivityKind.MEETING,
              ActivityKind.NOTE, ActivityKind.TASK)


@dataclass(frozen=True)
class CaseStatus:
    code: str
    label: str


@dataclass(frozen=True)
class ExpectedActivity:
    kind: ActivityKind
    label: str
    within_days: int  # working days from opening


@dataclass(frozen=True)
class CaseTypeRecord:
    id: int | None  # None for a type not saved yet
    code: str
    name: str
    statuses: tuple[CaseStatus, ...]  # the first is where a new (or reopened) case starts
    transitions: Mapping[str, tuple[str, ...]]
    first_response_days: int
    resolution_days: int
    expected_activities: tuple[ExpectedActivity, ...] = ()
    active: bool = True
    version: int = 0

    @property
    def first_status(self) -> str:
        return self.statuses[0].code

    def label_of(self, status: str) -> str:
        if status == CLOSED:
            return "Closed"
        return next((s.label for s in self.statuses if s.code == status), status.replace("_", " ").capitalize())

    def next_statuses(self, status: str) -> tuple[str, ...]:
        return tuple(self.transitions.get(status, ()))


def type_record(row: CaseType) -> CaseTypeRecord:
    statuses = tuple(CaseStatus(s["code"], s["label"]) for s in json.loads(row.statuses))
    transitions = {k: tuple(v) for k, v in json.loads(row.transitions).items()}
    expected = tuple(ExpectedActivity(ActivityKind(e["kind"]), e["label"], int(e["within_days"]))
                     for e in json.loads(row.expected_activities or "[]"))
    return CaseTypeRecord(row.id, row.code, row.name, statuses, transitions, row.first_response_days,
                          row.resolution_days, expected, row.active, row.version)


def checked_type(definition: CaseTypeRecord) -> CaseTypeRecord:
    """The definition cleaned, or a ValidationError that says which part is wrong."""
    name = clean_text(definition.name, field="name", label="The case type's name", max_length=120)
    code = (definition.code or "").strip().lower()
    if not _CODE.match(code):
        raise ValidationError("A case type's code is 2 to 40 lower-case letters, digits or underscores, "
                              "starting with a letter (for example housing_repairs).", field="code")
    if not definition.statuses:
        raise ValidationError("A case type needs at least one status for an open case.", field="statuses")
    if len(definition.statuses) > MAX_STATUSES:
        raise ValidationError(f"A case type may have at most {MAX_STATUSES} statuses.", field="statuses")
    statuses: list[CaseStatus] = []
    for status in definition.statuses:
        status_code = (status.code or "").strip().lower()
        if not _CODE.match(status_code):
            raise ValidationError(f"Status code '{status.code}' must be lower-case letters, digits or underscores.",
                                  field="statuses")
        if status_code == CLOSED:
            raise ValidationError("'closed' is not a status to list: every type closes the same way, "
                                  "with an outcome.", field="statuses")
        if any(s.code == status_code for s in statuses):
            raise ValidationError(f"Status '{status_code}' is listed twice.", field="statuses")
        label = clean_text(status.label, field="statuses", label=f"The label of status '{status_code}'", max_length=60)
        statuses.append(CaseStatus(status_code, label))
    known = {s.code for s in statuses}
    transitions: dict[str, tuple[str, ...]] = {}
    for source, targets in definition.transitions.items():
        if source not in known:
            raise ValidationError(f"A move starts from '{source}', which is not one of this type's statuses.",
                                  field="transitions")
        cleaned = []
        for target in targets:
            if target not in known:
                raise ValidationError(f"A move from '{source}' goes to '{target}', which is not one of this "
                                      "type's statuses.", field="transitions")
            if target == source:
                raise ValidationError(f"A move from '{source}' to itself is not a move.", field="transitions")
            if target not in cleaned:
                cleaned.append(target)
        if cleaned:
            transitions[source] = tuple(cleaned)
    first = _days(definition.first_response_days, "first_response_days", "The first-response target")
    resolution = _days(definition.resolution_days, "resolution_days", "The resolution target")
    if first > resolution:
        raise ValidationError(f"The first-response target ({first} working days) is longer than the "
                              f"resolution target ({resolution}).", field="first_response_days")
    if len(definition.expected_activities) > MAX_EXPECTED:
        raise ValidationError(f"At most {MAX_EXPECTED} expected activities.", field="expected_activities")
    expected = []
    for item in definition.expected_activities:
        kind = ActivityKind.parse(item.kind, field="expected_activities", what="Activity")
        if kind not in EXPECTABLE:
            allowed = ", ".join(k.label for k in EXPECTABLE)
            raise ValidationError(f"An expected activity is one of: {allowed}.", field="expected_activities")
        label = clean_text(item.label, field="expected_activities", label="An expected activity's description",
                           max_length=200)
        within = _days(item.within_days, "expected_activities", f"'{label}' is expected within")
        if within > resolution:
            raise ValidationError(f"'{label}' is expected within {within} working days, after the case is due "
                                  f"to be resolved ({resolution}).", field="expected_activities")
        expected.append(ExpectedActivity(kind, label, within))
    return CaseTypeRecord(definition.id, code, name, tuple(statuses), transitions, first, resolution,
                          tuple(expected), definition.active, definition.version)


def _days(value: object, field: str, label: str) -> int:
    try:
        days = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValidationError(f"{label} must be a whole number of working days.", field=field) from None
    if not 1 <= days <= MAX_TARGET_DAYS:
        raise ValidationError(f"{label} must be between 1 and {MAX_TARGET_DAYS} working days.", field=field)
    return days


def _store(row: CaseType, definition: CaseTypeRecord) -> None:
    row.code = definition.code
    row.name = definition.name
    row.statuses = json.dumps([{"code": s.code, "label": s.label} for s in definition.statuses], ensure_ascii=False)
    row.transitions = json.dumps({k: list(v) for k, v in definition.transitions.items()})
    row.first_response_days = definition.first_response_days
    row.resolution_days = definition.resolution_days
    row.expected_activities = json.dumps(
        [{"kind": e.kind.value, "label": e.label, "within_days": e.within_days} for e in definition.expected_activities],
        ensure_ascii=False)
    row.active = definition.active


class CaseTypes:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def list(self, actor: Actor, *, include_retired: bool = False) -> list[CaseTypeRecord]:
        """Every type, by name; retired ones only when asked (the admin screen)."""
        query = select(CaseType).order_by(CaseType.name)
        if not include_retired:
            query = query.where(CaseType.active.is_(True))
        with self.db.unit_of_work() as session:
            return [type_record(row) for row in session.scalars(query)]

    def get(self, actor: Actor, type_id: int) -> CaseTypeRecord:
        with self.db.unit_of_work() as session:
            return type_record(_row(session, type_id))

    def save(self, actor: Actor, definition: CaseTypeRecord) -> CaseTypeRecord:
        """Add a type (id None) or change one. Refuses a code in use by another type, and removing
        a status some open case is in. New SLA targets apply to cases opened from now on."""
        require(actor, Permission.MANAGE_CASE_TYPES)
        cleaned = checked_type(definition)
        with self.db.unit_of_work() as session:
            clash = session.scalar(select(CaseType).where(CaseType.code == cleaned.code))
            if clash is not None and clash.id != cleaned.id:
                raise ValidationError(f"Another case type ({clash.name}) already has the code '{cleaned.code}'.",
                                      field="code")
            if cleaned.id is None:
                row = CaseType(updated_at=self.clock.now(), updated_by=actor.username)
                _store(row, cleaned)
                session.add(row)
                session.flush()
                record_audit(session, self.clock, actor, "case_type.added", "case_type", row.id, cleaned.name)
                return type_record(row)
            row = _row(session, cleaned.id)
            check_version("case type", row, cleaned.version or None)
            if cleaned.code != row.code:
                in_use = session.scalar(select(func.count()).select_from(Case).where(Case.case_type_id == row.id))
                if in_use:
                    raise ValidationError("The code of a type with cases cannot change (reports group by it).",
                                          field="code")
            kept = {s.code for s in cleaned.statuses}
            stranded = session.execute(
                select(Case.status, func.count()).where(Case.case_type_id == row.id, Case.status != CLOSED,
                                                        Case.status.not_in(kept)).group_by(Case.status)
            ).all()
            if stranded:
                words = ", ".join(f"{count} in '{status}'" for status, count in stranded)
                raise ValidationError(f"Open cases are in statuses this change removes ({words}). Move them first.",
                                      field="statuses")
            _store(row, cleaned)
            row.updated_at = self.clock.now()
            row.updated_by = actor.username
            session.flush()
            record_audit(session, self.clock, actor, "case_type.changed", "case_type", row.id, cleaned.name)
            return type_record(row)


def _row(session: Session, type_id: int) -> CaseType:
    row = session.get(CaseType, type_id)
    if row is None:
        raise NotFound("That case type no longer exists.")
    return row

