"""What each council request needs: the fields declared in resources/service_requests.json.

The desk builds the request form from a declaration and checks what was typed against it before
anything is queued, so a request the back office would refuse for a missing or malformed field
never leaves the desk. Coordinators edit the file; a mistake in it is reported with the file, the
line where it can be found, and what is wrong."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from ..core.errors import FileProblem, ValidationError
from ..core.paths import resources_dir
from ..core.validation import clean_text
from .contact_details import DATE_FORMS, check_email, check_phone, check_postcode, read_date

REQUESTS_FILE = "service_requests.json"
FIELD_TYPES = ("text", "long_text", "choice", "date", "number", "yes_no", "postcode", "phone", "email")
RESIDENT_DETAILS = ("date_of_birth", "address", "postcode", "phone", "email", "preferred_language")
_CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
_TEXT_LIMIT = 300
_LONG_TEXT_LIMIT = 2000

FieldValue = str | int | bool


class DeclarationError(FileProblem):
    """The declarations file is broken: says which file, which line, and what is wrong."""


@dataclass(frozen=True)
class RequestField:
    name: str
    label: str
    type: str  # one of FIELD_TYPES
    required: bool
    help: str = ""
    choices: tuple[tuple[str, str], ...] = ()  # (value, label), for "choice"
    max_length: int = 0  # for text and long_text
    minimum: int | None = None  # for number
    maximum: int | None = None
    earliest_days: int | None = None  # for date: the window relative to today
    latest_days: int | None = None
    pattern: str = ""  # for text: the whole value must match
    pattern_help: str = ""
    upper: bool = False  # for text: stored in capitals (registrations)

    def choice_label(self, value: str) -> str:
        return dict(self.choices).get(value, value)


@dataclass(frozen=True)
class RequestType:
    code: str  # what the back office calls it (service_code in the interface)
    service_code: str  # the catalogue service it belongs to
    name: str
    help: str
    fields: tuple[RequestField, ...]
    required_details: tuple[str, ...]  # resident details that must be on the record
    optional_details: tuple[str, ...]  # sent when the record has them

    def field(self, name: str) -> RequestField:
        for item in self.fields:
            if item.name == name:
                return item
        raise KeyError(name)

    def describe(self, values: Mapping[str, FieldValue]) -> list[tuple[str, str]]:
        """(label, value as a person reads it) for every field with a value, in form order."""
        lines = []
        for item in self.fields:
            if item.name not in values or values[item.name] in ("", None):
                continue
            lines.append((item.label, show_value(item, values[item.name])))
        return lines


def show_value(item: RequestField, value: FieldValue) -> str:
    if item.type == "yes_no":
        return "Yes" if value else "No"
    if item.type == "choice":
        return item.choice_label(str(value))
    if item.type == "date" and isinstance(value, str):
        try:
            return date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    return str(value)


def check_request_fields(request: RequestType, raw: Mapping[str, object], *, today: date) -> dict[str, FieldValue]:
    """The typed values made ready to send: trimmed, dates as YYYY-MM-DD, numbers as integers,
    choices as their stored value. Refuses (ValidationError naming the field) a missing required
    value, a field this request does not have, and a value outside what the field allows."""
    unknown = sorted(set(raw) - {item.name for item in request.fields})
    if unknown:
        raise ValidationError(f"'{request.name}' has no field called {', '.join(unknown)}.", field=unknown[0])
    values: dict[str, FieldValue] = {}
    for item in request.fields:
        value = _check_field(item, raw.get(item.name), today)
        if value not in ("", None):
            values[item.name] = value
        elif item.type == "yes_no":
            values[item.name] = False
    return values


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _check_field(item: RequestField, value: object, today: date) -> FieldValue | None:
    if item.type == "yes_no":
        if _blank(value):
            return False
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("yes", "y", "true", "1"):
            return True
        if text in ("no", "n", "false", "0"):
            return False
        raise ValidationError(f"{item.label}: answer yes or no.", field=item.name)
    if _blank(value):
        if item.required:
            raise ValidationError(f"{item.label} is required for this request.", field=item.name)
        return None
    if item.type == "choice":
        text = str(value).strip()
        for stored, label in item.choices:
            if text in (stored, label) or text.casefold() == label.casefold():
                return stored
        allowed = "; ".join(label for _stored, label in item.choices)
        raise ValidationError(f"{item.label} '{text}' is not one of: {allowed}.", field=item.name)
    if item.type == "date":
        return _check_date(item, value, today)
    if item.type == "number":
        return _check_number(item, value)
    if item.type == "postcode":
        try:
            return check_postcode(str(value))[0]
        except ValidationError as error:
            raise ValidationError(f"{item.label}: {error.message}", field=item.name) from None
    if item.type == "phone":
        return check_phone(str(value), field=item.name, label=item.label)
    if item.type == "email":
        try:
            return check_email(str(value), field=item.name)
        except ValidationError as error:
            raise ValidationError(f"{item.label}: {error.message}", field=item.name) from None
    text = clean_text(str(value).replace("\r\n", "\n"), field=item.name, label=item.label,
                      max_length=item.max_length, required=item.required)
    if item.type == "text" and "\n" in text:
        raise ValidationError(f"{item.label} is one line: put the rest in the longer fields.", field=item.name)
    if item.upper:
        text = text.upper()
    if item.pattern and not re.fullmatch(item.pattern, text):
        raise ValidationError(f"{item.label} '{text}' is not in the right form: {item.pattern_help}.",
                              field=item.name)
    return text


def _check_date(item: RequestField, value: object, today: date) -> str:
    if isinstance(value, date):
        day = value
    else:
        text = str(value).strip()
        day = read_date(text, today=today)
        if day is None:
            raise ValidationError(f"{item.label} '{text}' is not a date we can read. Write {DATE_FORMS}.",
                                  field=item.name)
        # read_date takes a two-digit year as the latest one not in the future (right for a date
        # of birth); a permit's start date "1/12/26" means the coming one.
        if re.search(r"(?<!\d)\d{2}$", text) and day.year < today.year - 50:
            try:
                day = day.replace(year=day.year + 100)
            except ValueError:  # 29 February
                pass
    if item.earliest_days is not None and day < today + timedelta(days=item.earliest_days):
        earliest = today + timedelta(days=item.earliest_days)
        raise ValidationError(f"{item.label} {day:%d/%m/%Y} is too early: it must be on or after "
                              f"{earliest:%d/%m/%Y}.", field=item.name)
    if item.latest_days is not None and day > today + timedelta(days=item.latest_days):
        latest = today + timedelta(days=item.latest_days)
        raise ValidationError(f"{item.label} {day:%d/%m/%Y} is too late: it must be on or before "
                              f"{latest:%d/%m/%Y}.", field=item.name)
    return day.isoformat()


def _check_number(item: RequestField, value: object) -> int:
    if isinstance(value, bool):
        raise ValidationError(f"{item.label}: give a whole number.", field=item.name)
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        if not re.fullmatch(r"-?\d{1,9}", text):
            raise ValidationError(f"{item.label} '{text}' is not a whole number.", field=item.name)
        number = int(text)
    low = item.minimum if item.minimum is not None else None
    high = item.maximum if item.maximum is not None else None
    if (low is not None and number < low) or (high is not None and number > high):
        raise ValidationError(f"{item.label} {number} is outside what is allowed: from {low} to {high}.",
                              field=item.name)
    return number


# ---- reading the declarations ----------------------------------------------------------------


class RequestDeclarations:
    """Every request type the desk can send, by code; read once from the file."""

    def __init__(self, types: tuple[RequestType, ...], version: int) -> None:
        self.types = types
        self.version = version
        self._by_code = {t.code: t for t in types}

    def get(self, code: str) -> RequestType:
        try:
            return self._by_code[code]
        except KeyError:
            raise ValidationError(f"The desk cannot send a request of type '{code}'.", field="request_type") \
                from None

    def for_service(self, service_code: str) -> tuple[RequestType, ...]:
        return tuple(t for t in self.types if t.service_code == service_code)

    @classmethod
    def read(cls, path: Path | None = None) -> "RequestDeclarations":
        """Refuses (DeclarationError) a file that is not JSON, or a declaration with a missing or
        malformed part; the message names the file and the line."""
        path = path or resources_dir() / REQUESTS_FILE
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise DeclarationError(path, None, f"cannot be read ({error})") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise DeclarationError(path, error.lineno, f"is not valid JSON: {error.msg}") from None
        reader = _Reader(path, text)
        if not isinstance(data, dict) or not isinstance(data.get("requests"), list):
            raise DeclarationError(path, 1, 'must be an object with a list called "requests"')
        types = tuple(reader.request(item) for item in data["requests"])
        codes = [t.code for t in types]
        for code in codes:
            if codes.count(code) > 1:
                raise DeclarationError(path, reader.line_of(f'"code": "{code}"', last=True),
                                       f"request code '{code}' is declared twice")
        return cls(types, int(data.get("version", 1)))


@lru_cache(maxsize=1)
def shipped_declarations() -> RequestDeclarations:
    return RequestDeclarations.read()


class _Reader:
    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def line_of(self, needle: str, *, last: bool = False) -> int | None:
        found = [i for i, line in enumerate(self.lines, start=1) if needle in line]
        return (found[-1] if last else found[0]) if found else None

    def fail(self, near: str, problem: str) -> DeclarationError:
        return DeclarationError(self.path, self.line_of(near), problem)

    def request(self, item: object) -> RequestType:
        if not isinstance(item, dict):
            raise DeclarationError(self.path, None, "every entry under \"requests\" must be an object")
        code = item.get("code")
        if not isinstance(code, str) or not _CODE.match(code):
            raise self.fail('"code"', f"request code {code!r} must be lower-case letters, digits and _ "
                                      "(2 to 40 characters)")
        near = f'"code": "{code}"'
        for key in ("service", "name"):
            if not isinstance(item.get(key), str) or not item[key].strip():
                raise self.fail(near, f"request '{code}' needs a \"{key}\"")
        details = item.get("resident_details", {})
        required = tuple(details.get("required", ())) if isinstance(details, dict) else ()
        optional = tuple(details.get("optional", ())) if isinstance(details, dict) else ()
        for detail in required + optional:
            if detail not in RESIDENT_DETAILS:
                raise self.fail(near, f"request '{code}' asks for resident detail '{detail}'; known details are "
                                      f"{', '.join(RESIDENT_DETAILS)}")
        fields = item.get("fields")
        if not isinstance(fields, list) or not fields:
            raise self.fail(near, f"request '{code}' needs a list of \"fields\"")
        checked = tuple(self.field(code, f) for f in fields)
        names = [f.name for f in checked]
        for name in names:
            if names.count(name) > 1:
                raise self.fail(f'"name": "{name}"', f"request '{code}' declares field '{name}' twice")
        return RequestType(code, item["service"], item["name"].strip(), str(item.get("help", "")).strip(), checked,
                           required, tuple(d for d in optional if d not in required))

    def field(self, code: str, item: object) -> RequestField:
        if not isinstance(item, dict):
            raise self.fail(f'"code": "{code}"', f"a field of request '{code}' is not an object")
        name = item.get("name")
        if not isinstance(name, str) or not _CODE.match(name):
            raise self.fail(f'"code": "{code}"', f"a field of request '{code}' has no usable \"name\" "
                                                 "(lower-case letters, digits and _)")
        near = f'"name": "{name}"'
        kind = item.get("type")
        if kind not in FIELD_TYPES:
            raise self.fail(near, f"field '{name}' of '{code}' has type {kind!r}; known types are "
                                  f"{', '.join(FIELD_TYPES)}")
        label = item.get("label")
        if not isinstance(label, str) or not label.strip():
            raise self.fail(near, f"field '{name}' of '{code}' needs a \"label\"")
        choices: tuple[tuple[str, str], ...] = ()
        if kind == "choice":
            raw = item.get("choices")
            if not isinstance(raw, list) or not raw or not all(
                    isinstance(c, list) and len(c) == 2 and all(isinstance(p, str) and p for p in c) for c in raw):
                raise self.fail(near, f"field '{name}' of '{code}' is a choice: give \"choices\" as "
                                      "[[\"value\", \"Label\"], ...]")
            choices = tuple((c[0], c[1]) for c in raw)
        limit = _LONG_TEXT_LIMIT if kind == "long_text" else _TEXT_LIMIT
        max_length = item.get("max_length", limit)
        numbers = {key: item.get(key) for key in ("max_length", "min", "max", "earliest_days", "latest_days")}
        for key, value in numbers.items():
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise self.fail(near, f"field '{name}' of '{code}': \"{key}\" must be a whole number")
        if not 1 <= max_length <= 20_000:
            raise self.fail(near, f"field '{name}' of '{code}': \"max_length\" must be from 1 to 20000")
        pattern = item.get("pattern", "")
        if pattern:
            try:
                re.compile(pattern)
            except re.error as error:
                raise self.fail(near, f"field '{name}' of '{code}': \"pattern\" is not a regular expression "
                                      f"({error})") from None
            if not item.get("pattern_help"):
                raise self.fail(near, f"field '{name}' of '{code}' has a pattern but no \"pattern_help\" telling "
                                      "staff what is allowed")
        return RequestField(
            name, label.strip(), kind, bool(item.get("required", False)), str(item.get("help", "")).strip(),
            choices, max_length, item.get("min"), item.get("max"), item.get("earliest_days"),
            item.get("latest_days"), pattern, str(item.get("pattern_help", "")), bool(item.get("upper", False)),
        )


__all__ = [
    "DeclarationError", "FIELD_TYPES", "FieldValue", "RESIDENT_DETAILS", "RequestDeclarations", "RequestField",
    "RequestType", "check_request_fields", "shipped_declarations", "show_value",
]
