"""The Cases area: caseloads, and one case in its own window."""

from .page import CasesPage

__all__ = ["CasesPage"]
