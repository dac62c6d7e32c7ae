"""Checks on free text shared by every form: names in any script, never control characters."""

from __future__ import annotations

import re
import unicodedata

from .errors import ValidationError

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_text(value: str | None, *, field: str, label: str, max_length: int, required: bool = True) -> str:
    """Trimmed, NFC-normalised text; refuses empty (when required), too long, or control characters."""
    text = unicodedata.normalize("NFC", (value or "").strip())
    if required and not text:
        raise ValidationError(f"{label} is required.", field=field)
    if len(text) > max_length:
        raise ValidationError(
            f"{label} is {len(text)} characters long; at most {max_length} are allowed.", field=field
        )
    if _CONTROL.search(text):
        raise ValidationError(f"{label} contains invisible control characters; please retype it.", field=field)
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
