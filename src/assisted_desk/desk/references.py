"""Short references a resident can quote over the phone: `AD-7K3P-9Q`.

Crockford's base32 (no I, L, O or U) so nothing is misread; typed references are read leniently
(lower case, O for 0, I or L for 1, missing or extra dashes). Every reference, whatever record it
names, is kept in one table so the desk's search box can find the resident behind it."""

from __future__ import annotations

import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.clock import Clock
from ..core.errors import NotFound, ValidationError
from .models import RecordReference, Resident

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_TYPED = re.compile(r"^\s*([A-Za-z]{2})\s*-?\s*([0-9A-Za-z]{4})\s*-?\s*([0-9A-Za-z]{2})\s*$")
_MISREAD = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})

# Two letters say what a reference names, so staff can tell at a glance.
INTERACTION_PREFIX = "AD"
SUBMISSION_PREFIX = "RQ"  # a request sent to the back office


def new_reference(prefix: str) -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(6))
    return f"{prefix}-{body[:4]}-{body[4:]}"


def parse_reference(text: str) -> str | None:
    """The canonical form of something typed that could be a reference, else None."""
    match = _TYPED.match(text or "")
    if not match:
        return None
    prefix = match.group(1).upper()
    body = (match.group(2) + match.group(3)).upper().translate(_MISREAD)
    if any(ch not in ALPHABET for ch in body):
        return None
    return f"{prefix}-{body[:4]}-{body[4:]}"


def unused_reference(session: Session, prefix: str) -> str:
    """A new reference no record has yet, for a record about to be created with it."""
    while True:
        reference = new_reference(prefix)
        if session.get(RecordReference, reference) is None:
            return reference


def issue_reference(
    session: Session, clock: Clock, prefix: str, record_type: str, record_id: int, resident_id: int | None,
    reference: str | None = None,
) -> str:
    """Register a reference (a new one unless given, from `unused_reference`) for a record, inside
    the caller's unit of work."""
    reference = reference or unused_reference(session, prefix)
    session.add(RecordReference(reference=reference, record_type=record_type, record_id=record_id,
                                resident_id=resident_id, created_at=clock.now()))
    return reference


def find_reference(session: Session, text: str) -> RecordReference | None:
    reference = parse_reference(text)
    if reference is None:
        return None
    return session.scalar(select(RecordReference).where(RecordReference.reference == reference))


_RECORD_NUMBER = re.compile(r"^\s*(?:record\s*)?#?\s*(\d{1,12})\s*$", re.IGNORECASE)


def resident_by_reference(session: Session, text: str) -> Resident:
    """The resident behind what an administrator types: a record number ("1234", "Record 1234",
    as the resident's details show it) or a reference the resident quotes (AD-7K3P-9Q, RQ-...,
    CS-..., RF-...). Says what was wrong with anything that finds nobody."""
    typed = (text or "").strip()
    number = _RECORD_NUMBER.match(typed)
    if number:
        row = session.get(Resident, int(number.group(1)))
        if row is None:
            raise NotFound(f"There is no resident with record number {number.group(1)}. The number is shown as "
                           "'Record' on the resident's details.")
        return row
    if parse_reference(typed) is None:
        raise ValidationError(f"'{typed}' is neither a record number nor a reference. Give the resident's record "
                              "number (shown as 'Record' on their details, e.g. 1234) or a reference they quote, "
                              "such as AD-7K3P-9Q.", field="reference")
    found = find_reference(session, typed)
    if found is None:
        raise NotFound(f"No record has the reference {parse_reference(typed)}. Check it with the resident, or give "
                       "their record number instead.")
    if found.resident_id is None:
        raise NotFound(f"{found.reference} is a contact with nobody registered: there is no resident to act on.")
    return session.get(Resident, found.resident_id)
