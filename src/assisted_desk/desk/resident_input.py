"""What staff type when registering or editing a resident, and how it is checked.

`ResidentInput` is the form as typed (strings, a tick box); `clean_resident` turns it into the
stored values or refuses with a ValidationError that names the field, what is wrong and what is
allowed. The input is never changed, so a refused form can be shown again exactly as typed."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, fields
from datetime import date

from ..core.errors import ValidationError
from ..core.validation import clean_text
from .contact_details import check_date_of_birth, check_email, check_phone, check_postcode, email_key
from .names import sort_name
from .vocab import ContactMethod

NAME_MAX = 100  # the columns' size; longer names are not seen in practice
ADDRESS_LINE_MAX = 120
TOWN_MAX = 80
LANGUAGE_MAX = 60
ACCESSIBILITY_MAX = 2000


@dataclass(frozen=True)
class ResidentInput:
    """A resident's details as typed. Empty strings mean "not given"; the date of birth may be
    text in any of the usual written forms, or a date."""

    given_name: str = ""
    family_name: str = ""
    preferred_name: str = ""
    date_of_birth: str | date | None = None
    address_line1: str = ""
    address_line2: str = ""
    town: str = ""
    postcode: str = ""
    phone: str = ""
    email: str = ""
    library_card: str = ""
    preferred_language: str = ""
    interpreter_needed: bool = False
    accessibility_needs: str = ""
    preferred_contact: str | ContactMethod | None = None


@dataclass(frozen=True)
class CleanResident:
    """The stored form of a `ResidentInput`: every value checked and normalised."""

    given_name: str
    family_name: str
    preferred_name: str
    date_of_birth: date | None
    address_line1: str
    address_line2: str
    town: str
    postcode: str
    postcode_key: str
    phone: str
    email: str
    email_key: str
    library_card: str
    preferred_language: str
    interpreter_needed: bool
    accessibility_needs: str
    preferred_contact: str
    sort_name: str

    def values(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


# What a person reads for each stored field, in audit summaries ("changed: phone, address").
FIELD_LABELS = {
    "given_name": "given name",
    "family_name": "family name",
    "preferred_name": "preferred name",
    "date_of_birth": "date of birth",
    "address_line1": "address",
    "address_line2": "address",
    "town": "town",
    "postcode": "postcode",
    "phone": "phone",
    "email": "email",
    "library_card": "library card",
    "preferred_language": "preferred language",
    "interpreter_needed": "interpreter needed",
    "accessibility_needs": "accessibility needs",
    "preferred_contact": "preferred contact method",
}

# Joining and abbreviating marks that belong in names ("O'Brien", "Smith-Jones", "St. John").
_NAME_PUNCTUATION = set("'’‘ʼ`-‐‑.")
# Zero-width (non-)joiners shape Persian, Urdu and Indic names; they are part of the spelling.
_JOINERS = {"\u200c", "\u200d"}
_LIBRARY_CARD = re.compile(r"^[A-Z0-9]{4,20}$")


def clean_name(value: str, *, field: str, label: str) -> str:
    """A name in any script, kept exactly as written (NFC). Refuses digits, symbols and
    text with no letter in it."""
    text = clean_text(value, field=field, label=label, max_length=NAME_MAX, required=False)
    if not text:
        return ""
    for ch in text:
        category = unicodedata.category(ch)
        if category[0] in "LM" or ch == " " or ch in _NAME_PUNCTUATION or ch in _JOINERS:
            continue
        raise ValidationError(
            f"{label} cannot contain '{ch}'. A name may have letters in any script, spaces, hyphens, "
            "apostrophes and full stops.",
            field=field,
        )
    if not any(unicodedata.category(ch)[0] == "L" for ch in text):
        raise ValidationError(f"{label} must contain at least one letter.", field=field)
    return text


def clean_library_card(value: str) -> str:
    """Upper case, without the spaces or dashes some cards print between groups."""
    raw = (value or "").strip()
    card = re.sub(r"[\s\-]+", "", raw).upper()
    if not card:
        return ""
    if not _LIBRARY_CARD.match(card):
        raise ValidationError(
            f"Library card '{raw}' is not a card number. It is 4 to 20 letters and digits, as printed "
            "on the card (spaces and dashes are left out).",
            field="library_card",
        )
    return card


def clean_resident(data: ResidentInput, *, today: date) -> CleanResident:
    """Check every field of the form, in the order the form shows them, so the first problem
    reported is the first one the person meets."""
    given = clean_name(data.given_name, field="given_name", label="Given name")
    family = clean_name(data.family_name, field="family_name", label="Family name")
    preferred = clean_name(data.preferred_name, field="preferred_name", label="Preferred name")
    if not given and not family:
        raise ValidationError(
            "Give at least one name: a given name (first name) or a family name (surname). "
            "A resident known by one name only can have just that one.",
            field="given_name",
        )
    born = data.date_of_birth
    if isinstance(born, date):
        # The same checks as typed text: not in the future, not beyond 120 years.
        born = check_date_of_birth(born.isoformat(), today=today)
    else:
        born = check_date_of_birth(born or "", today=today)
    line1 = clean_text(data.address_line1, field="address_line1", label="Address line 1",
                       max_length=ADDRESS_LINE_MAX, required=False)
    line2 = clean_text(data.address_line2, field="address_line2", label="Address line 2",
                       max_length=ADDRESS_LINE_MAX, required=False)
    town = clean_text(data.town, field="town", label="Town", max_length=TOWN_MAX, required=False)
    postcode, postcode_key = check_postcode(data.postcode)
    phone = check_phone(data.phone)
    email = check_email(data.email)
    card = clean_library_card(data.library_card)
    language = clean_text(data.preferred_language, field="preferred_language", label="Preferred language",
                          max_length=LANGUAGE_MAX, required=False)
    interpreter = bool(data.interpreter_needed)
    if interpreter and not language:
        raise ValidationError(
            "An interpreter is needed: say for which language in Preferred language.", field="preferred_language"
        )
    needs = clean_text(data.accessibility_needs.replace("\r\n", "\n") if data.accessibility_needs else "",
                       field="accessibility_needs", label="Accessibility needs",
                       max_length=ACCESSIBILITY_MAX, required=False)
    contact = _preferred_contact(data.preferred_contact, phone=phone, email=email, line1=line1, postcode=postcode)
    return CleanResident(
        given_name=given, family_name=family, preferred_name=preferred, date_of_birth=born,
        address_line1=line1, address_line2=line2, town=town, postcode=postcode, postcode_key=postcode_key,
        phone=phone, email=email, email_key=email_key(email), library_card=card,
        preferred_language=language, interpreter_needed=interpreter, accessibility_needs=needs,
        preferred_contact=contact, sort_name=sort_name(given, family),
    )


def _preferred_contact(value, *, phone: str, email: str, line1: str, postcode: str) -> str:
    """A preferred way of contact the desk can actually use with the details given."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    method = ContactMethod.parse(value, field="preferred_contact", what="Preferred contact method")
    needed = {
        ContactMethod.PHONE: (phone, "a phone number"),
        ContactMethod.SMS: (phone, "a phone number"),
        ContactMethod.EMAIL: (email, "an email address"),
        ContactMethod.POST: (line1 and postcode, "the first line of the address and a postcode"),
    }
    present, what = needed[method]
    if not present:
        raise ValidationError(
            f"Preferred contact method is {method.label}, which needs {what}: add it, or choose another "
            "method (or none).",
            field="preferred_contact",
        )
    return method.value
