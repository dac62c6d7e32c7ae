"""Likely duplicates of a resident being registered: the same date of birth with a similar name,
or the same phone number, or the same email address.

"Similar" is generous on purpose — one typo per word, given and family names in either order, a
name missing on one side — because the date of birth already narrows the field to a handful, and
a person at the desk decides."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from .models import Resident
from .names import name_words, within_one_edit
from .resident_input import CleanResident

SAME_BIRTH_SIMILAR_NAME = "same date of birth, similar name"
SAME_PHONE = "same phone number"
SAME_EMAIL = "same email address"
MAX_CANDIDATES = 20


@dataclass(frozen=True)
class DuplicateCandidate:
    """An existing record that may be the same person, with enough to tell them apart."""

    resident_id: int
    name: str
    date_of_birth: date | None
    postcode: str
    last_contact_at: datetime | None
    reasons: tuple[str, ...]

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


def words_similar(a: str, b: str) -> bool:
    """Equal, or one typo apart when the longer word has at least four letters ("ana"/"anna")."""
    if a == b:
        return True
    return max(len(a), len(b)) >= 4 and within_one_edit(a, b)


def names_similar(first: list[str], second: list[str]) -> bool:
    """Every word of the shorter name matches a different word of the other, in any order."""
    if not first or not second:
        return False
    short, long_ = (first, second) if len(first) <= len(second) else (second, first)
    unused = list(long_)
    # Exact matches first, so a typo-match never takes a word another word matches exactly.
    pending = []
    for word in short:
        if word in unused:
            unused.remove(word)
        else:
            pending.append(word)
    for word in pending:
        match = next((other for other in unused if words_similar(word, other)), None)
        if match is None:
            return False
        unused.remove(match)
    return True


def _display_name(row: Resident) -> str:
    return " ".join(part for part in (row.given_name, row.family_name) if part)


def find_duplicates(session: Session, clean: CleanResident, exclude_id: int | None = None
                    ) -> tuple[DuplicateCandidate, ...]:
    """Records (never merged ones) that match one of the rules, most reasons first."""
    conditions = []
    if clean.date_of_birth is not None:
        conditions.append(Resident.date_of_birth == clean.date_of_birth)
    if clean.phone:
        conditions.append(Resident.phone == clean.phone)
    if clean.email_key:
        conditions.append(Resident.email_key == clean.email_key)
    if not conditions:
        return ()
    query = select(Resident).where(or_(*conditions), Resident.merged_into_id.is_(None))
    if exclude_id is not None:
        query = query.where(Resident.id != exclude_id)
    own_words = name_words(clean.given_name, clean.family_name, clean.preferred_name)
    found: list[DuplicateCandidate] = []
    for row in session.scalars(query.order_by(Resident.sort_name, Resident.id)):
        reasons = []
        if (clean.date_of_birth is not None and row.date_of_birth == clean.date_of_birth
                and _similar_to(own_words, clean, row)):
            reasons.append(SAME_BIRTH_SIMILAR_NAME)
        if clean.phone and row.phone == clean.phone:
            reasons.append(SAME_PHONE)
        if clean.email_key and row.email_key == clean.email_key:
            reasons.append(SAME_EMAIL)
        if reasons:
            found.append(DuplicateCandidate(row.id, _display_name(row), row.date_of_birth, row.postcode,
                                            row.last_contact_at, tuple(reasons)))
    found.sort(key=lambda c: -len(c.reasons))  # stable: name order within the same count
    return tuple(found[:MAX_CANDIDATES])


def _similar_to(own_words: list[str], clean: CleanResident, row: Resident) -> bool:
    # The legal names compared word by word; a preferred name ("Bob" for Robert) counts as well.
    legal = name_words(clean.given_name, clean.family_name)
    theirs = name_words(row.given_name, row.family_name)
    if names_similar(legal, theirs):
        return True
    if clean.preferred_name or row.preferred_name:
        return names_similar(own_words, name_words(row.given_name, row.family_name, row.preferred_name))
    return False
