"""Checking and normalising what residents tell us: UK postcodes, phone numbers (with the
`phonenumbers` library), email addresses, and dates of birth written in the usual ways.

Each `check_*` returns the stored form or raises ValidationError naming what is allowed; each
`*_key`/`read_*` is the lenient reading the search box uses and returns None instead of refusing."""

from __future__ import annotations

import re
from datetime import date

import phonenumbers

from ..core.errors import ValidationError
from ..core.validation import refuse_unstorable

# The UK postcode shapes (A9 9AA, A99 9AA, A9A 9AA, AA9 9AA, AA99 9AA, AA9A 9AA) and GIR 0AA.
_POSTCODE = re.compile(r"^(GIR0AA|[A-Z]{1,2}[0-9][0-9A-Z]?[0-9][A-Z]{2})$")
_OUTWARD = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?$")


def postcode_key(text: str) -> str:
    """Upper case without spaces: "e1 6an" gives "E16AN"."""
    return re.sub(r"\s+", "", text or "").upper()


def check_postcode(text: str, *, required: bool = False) -> tuple[str, str]:
    """(display form, search key) of a UK postcode; ("", "") when empty and allowed."""
    key = postcode_key(text)
    if not key:
        if required:
            raise ValidationError("Postcode is required.", field="postcode")
        return "", ""
    if not _POSTCODE.match(key):
        raise ValidationError(
            f"'{text.strip()}' is not a UK postcode. A postcode looks like SW1A 1AA or E1 6AN: one or two "
            "letters, a number (and sometimes a letter), a space, a number and two letters.",
            field="postcode",
        )
    return f"{key[:-3]} {key[-3:]}", key


def read_postcode(text: str) -> str | None:
    """A whole postcode or an outward code ("E1", "SW1A") typed into search, as a key prefix."""
    key = postcode_key(text)
    if _POSTCODE.match(key) or _OUTWARD.match(key):
        return key
    return None


def check_phone(text: str, *, field: str = "phone", label: str = "Phone number") -> str:
    """E.164 ("+447700900123") of a UK or international number; "" when empty."""
    raw = (text or "").strip()
    if not raw:
        return ""
    number = _parse_phone(raw)
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            f"{label} '{raw}' is not a phone number we can ring. Give a UK number such as 07400 123456 or "
            "020 7946 0000, or an international one starting with + and the country code.",
            field=field,
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def read_phone(text: str) -> str | None:
    """The E.164 form of something typed into search that reads as a phone number, else None."""
    raw = (text or "").strip()
    if sum(ch.isdigit() for ch in raw) < 10 or re.search(r"[A-Za-z]", raw):
        return None
    number = _parse_phone(raw)
    if number is None or not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _parse_phone(raw: str) -> "phonenumbers.PhoneNumber | None":
    cleaned = raw.replace("(0)", "")
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    try:
        return phonenumbers.parse(cleaned, "GB")
    except phonenumbers.NumberParseException:
        return None


def show_phone(e164: str) -> str:
    """How a stored number is shown: national form for UK numbers, international otherwise."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, "GB")
    except phonenumbers.NumberParseException:
        return e164
    fmt = (phonenumbers.PhoneNumberFormat.NATIONAL if number.country_code == 44
           else phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(number, fmt)


# Syntax only (RFC 5322's practical subset): a local part, one @, a domain with a dot. Whether the
# mailbox exists is not something a desk can know.
_EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"]{1,64}@[^@\s<>()\[\],;:\"_]{1,251}\.[^@\s<>()\[\],;:\"_.]{2,63}$")


def check_email(text: str, *, field: str = "email") -> str:
    raw = (text or "").strip()
    if not raw:
        return ""
    refuse_unstorable(raw, field=field, label="Email address")
    if len(raw) > 254 or not _EMAIL.match(raw) or ".." in raw or raw.split("@")[1].startswith("."):
        raise ValidationError(
            f"'{raw}' is not an email address. It should look like name@example.org: no spaces, one @, "
            "and a domain with a dot.",
            field=field,
        )
    return raw


def email_key(email: str) -> str:
    return email.strip().casefold()


_MONTHS = {name: i for i, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
     ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
     ("oct", "october"), ("nov", "november"), ("dec", "december")], start=1) for name in names}
_NUMERIC = re.compile(r"^(\d{1,2})[/.\-\s](\d{1,2})[/.\-\s](\d{2}|\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_WORDS = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+)\.?,?\s+(\d{2}|\d{4})$")
_COMPACT = re.compile(r"^(\d{2})(\d{2})(\d{4})$")

DATE_FORMS = "a day, month and year such as 14/03/1985, 14-3-85, 14 March 1985 or 1985-03-14"


def read_date(text: str, *, today: date) -> date | None:
    """A date written as people write them in the UK (day first), or None. Two-digit years are
    taken as the most recent such year not in the future (a date of birth)."""
    raw = (text or "").strip()
    day = month = year = None
    if m := _ISO.match(raw):
        year, month, day = int(m[1]), int(m[2]), int(m[3])
    elif m := _NUMERIC.match(raw) or _COMPACT.match(raw):
        day, month, year = int(m[1]), int(m[2]), _full_year(m[3], today)
    elif m := _WORDS.match(raw):
        month = _MONTHS.get(m[2].lower())
        day, year = int(m[1]), _full_year(m[3], today)
    if not (day and month and year):
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _full_year(text: str, today: date) -> int:
    if len(text) == 4:
        return int(text)
    year = 2000 + int(text)
    return year if year <= today.year else year - 100


def check_date_of_birth(text: str, *, today: date) -> date | None:
    raw = (text or "").strip()
    if not raw:
        return None
    born = read_date(raw, today=today)
    if born is None:
        raise ValidationError(f"'{raw}' is not a date we can read. Write {DATE_FORMS}.", field="date_of_birth")
    if born > today:
        raise ValidationError(f"The date of birth {born:%d/%m/%Y} is in the future.", field="date_of_birth")
    if born.year < today.year - 120:
        raise ValidationError(f"The date of birth {born:%d/%m/%Y} is more than 120 years ago; please check it.",
                              field="date_of_birth")
    return born
