"""The kinds of site, kept apart from the tables so the first window can offer them quickly."""

from __future__ import annotations

import enum

from .errors import ValidationError


class SiteKind(str, enum.Enum):
    LIBRARY = "library"
    HUB = "hub"

    @property
    def label(self) -> str:
        return {SiteKind.LIBRARY: "Library", SiteKind.HUB: "Community hub"}[self]

    @classmethod
    def parse(cls, text: str) -> "SiteKind":
        try:
            return cls(str(text).strip().lower())
        except ValueError:
            raise ValidationError("A site is either a library or a hub.", field="kind") from None
