"""Checks on free text shared by every form: names in any script, never control characters."""

from __future__ import annotations

import re
import unicodedata

from .errors import ValidationError

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Half of a UTF-16 pair on its own (pasted from broken software) cannot be stored in any encoding.
_SURROGATE = re.compile("[\ud800-\udfff]")


def refuse_unstorable(text: str, *, field: str, label: str) -> None:
    """Refuses control characters (other than tab and line breaks) and lone surrogates: text that
    could not be stored, or shown, as it was typed. PostgreSQL refuses NUL where SQLite keeps it,
    so both databases are given the same clear refusal before either sees it."""
    if _CONTROL.search(text):
        raise ValidationError(f"{label} contains invisible control characters; please retype it.", field=field)
    if _SURROGATE.search(text):
        raise ValidationError(
            f"{label} contains a broken character (half of an emoji or symbol, often from copying and "
            "pasting); please retype it.", field=field)


def clean_text(value: str | None, *, field: str, label: str, max_length: int, required: bool = True) -> str:
    """Trimmed, NFC-normalised text; refuses empty (when required), too long, control characters or
    lone surrogates."""
    text = unicodedata.normalize("NFC", (value or "").strip())
    if required and not text:
        raise ValidationError(f"{label} is required.", field=field)
    if len(text) > max_length:
        raise ValidationError(
            f"{label} is {len(text)} characters long; at most {max_length} are allowed.", field=field
        )
    refuse_unstorable(text, field=field, label=label)
    return text


_USERNAME = re.compile(r"^[\w.\-@]{3,64}$")


def clean_username(value: str | None) -> str:
    """User names compare case-insensitively, so they are stored case-folded."""
    text = unicodedata.normalize("NFC", (value or "").strip()).casefold()
    if not text:
        raise ValidationError("User name is required.", field="username")
    if not _USERNAME.match(text):
        raise ValidationError(
            "A user name is 3 to 64 letters, digits, dots, hyphens, underscores or @, with no spaces.",
            field="username",
        )
    return text
