"""Equality monitoring: optional answers about age band, sex, ethnicity, disability and first
language, for the reports on who the desk serves.

Kept apart from the resident's record and separately permissioned (RECORD_EQUALITY) for reading
as well as writing. Every answer may be left blank or be "Prefer not to say". Reads and changes
are audited, naming the questions, never the answers."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy.orm import Session

from ..core.audit import record_audit
from ..core.clock import Clock
from ..core.db import Database
from ..core.errors import ConflictError, NotFound, ValidationError
from ..core.security import Actor, Permission, require
from ..core.staff import check_version
from ..core.validation import clean_text
from .contact_days import regrouped
from .models import Resident, ResidentEquality
from .vocab import AGE_BANDS, DISABILITY, ETHNICITIES, PREFER_NOT_TO_SAY, SEXES

FIRST_LANGUAGE_MAX = 60


@dataclass(frozen=True)
class EqualityAnswers:
    """The answers as given; "" means the question was not answered."""

    age_band: str = ""
    sex: str = ""
    ethnicity: str = ""
    disability: str = ""
    first_language: str = ""


# (field, label, the allowed answers — None for free text)
QUESTIONS: tuple[tuple[str, str, tuple[str, ...] | None], ...] = (
    ("age_band", "Age band", AGE_BANDS),
    ("sex", "Sex", SEXES),
    ("ethnicity", "Ethnicity", ETHNICITIES),
    ("disability", "Disability", DISABILITY),
    ("first_language", "First language", None),
)


@dataclass(frozen=True)
class EqualityRecord:
    resident_id: int
    answers: EqualityAnswers
    updated_at: datetime | None  # None while nothing has been recorded
    updated_by: str
    version: int | None  # None while nothing has been recorded: pass it back when recording

    @property
    def answered(self) -> int:
        return sum(1 for f in fields(self.answers) if getattr(self.answers, f.name))


def clean_answers(answers: EqualityAnswers) -> EqualityAnswers:
    """Each answer one of its list (any case) or blank; first language free text."""
    cleaned = {}
    for name, label, allowed in QUESTIONS:
        value = clean_text(getattr(answers, name), field=name, label=label, max_length=FIRST_LANGUAGE_MAX
                           if allowed is None else 100, required=False)
        if value.casefold() == PREFER_NOT_TO_SAY.casefold():
            value = PREFER_NOT_TO_SAY
        elif value and allowed is not None:
            match = next((option for option in allowed if option.casefold() == value.casefold()), None)
            if match is None:
                raise ValidationError(
                    f"{label} '{value}' is not one of the answers: {', '.join(allowed)} — or leave it blank.",
                    field=name)
            value = match
        cleaned[name] = value
    return EqualityAnswers(**cleaned)


def _record(resident_id: int, row: ResidentEquality | None) -> EqualityRecord:
    if row is None:
        return EqualityRecord(resident_id, EqualityAnswers(), None, "", None)
    answers = EqualityAnswers(**{f.name: getattr(row, f.name) for f in fields(EqualityAnswers)})
    return EqualityRecord(resident_id, answers, row.updated_at, row.updated_by, row.version)


class EqualityMonitoring:
    """Reached through `ResidentService` (services.residents.get_equality / record_equality)."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def get(self, actor: Actor, resident_id: int) -> EqualityRecord:
        require(actor, Permission.RECORD_EQUALITY)
        with self.db.unit_of_work() as session:
            self._resident(session, resident_id)
            row = session.get(ResidentEquality, resident_id)
            # Special-category data: who looked is recorded, unlike the everyday resident record.
            record_audit(session, self.clock, actor, "resident.equality_viewed", "resident", resident_id)
            return _record(resident_id, row)

    def record(self, actor: Actor, resident_id: int, answers: EqualityAnswers,
               expected_version: int | None) -> EqualityRecord:
        require(actor, Permission.RECORD_EQUALITY)
        clean = clean_answers(answers)
        with self.db.unit_of_work() as session:
            resident = self._resident(session, resident_id)
            if resident.merged_into_id is not None:
                raise ValidationError(
                    f"This record was merged into record {resident.merged_into_id}; record the answers there.")
            if resident.erased_at is not None:  # privacy/erasure.py: the kept answers are counts now
                raise ValidationError("This record was erased at the resident's request; it cannot be changed.")
            row = session.get(ResidentEquality, resident_id)
            now = self.clock.now()
            if row is None:
                if expected_version is not None:
                    raise ConflictError("The equality answers you opened have been removed; reload them.")
                row = ResidentEquality(resident_id=resident_id, updated_at=now, updated_by=actor.username,
                                       **{name: "" for name, _label, _allowed in QUESTIONS})
                session.add(row)
                changed = [label for name, label, _a in QUESTIONS if getattr(clean, name)]
                action = "resident.equality_recorded"
            else:
                if expected_version is None:
                    raise ConflictError(
                        f"{row.updated_by} recorded equality answers for this resident while you were "
                        "answering; yours were not saved. Reload them and apply yours again.")
                check_version("set of equality answers", row, expected_version)
                changed = [label for name, label, _a in QUESTIONS if getattr(row, name) != getattr(clean, name)]
                action = "resident.equality_updated"
            if row in session.new or changed:
                with regrouped(session, [resident_id]):  # the resident's contacts change group with them
                    for name, _label, _allowed in QUESTIONS:
                        setattr(row, name, getattr(clean, name))
                    row.updated_at, row.updated_by = now, actor.username
                    session.flush()
                record_audit(session, self.clock, actor, action, "resident", resident_id,
                             "answered: " + (", ".join(changed) or "none") if action.endswith("recorded")
                             else "changed: " + ", ".join(changed))
            return _record(resident_id, row)

    @staticmethod
    def _resident(session: Session, resident_id: int) -> Resident:
        resident = session.get(Resident, resident_id)
        if resident is None:
            raise NotFound("That resident's record does not exist.")
        return resident
