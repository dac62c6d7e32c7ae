"""The Guides area: find a step-by-step guide by the resident's words, preview it, print it or
save it as PDF."""

from .page import GuidesPage

__all__ = ["GuidesPage"]
