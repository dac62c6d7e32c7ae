"""The Residents area: finding, registering and editing residents, merging duplicates, and equality
monitoring."""

from .equality_dialog import EqualityDialog
from .merge_dialog import MergeDialog
from .page import ResidentsPage
from .resident_dialog import ResidentDialog

__all__ = ["EqualityDialog", "MergeDialog", "ResidentDialog", "ResidentsPage"]
