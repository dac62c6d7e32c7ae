"""The Inclusion area: digital-skills assessments (referrals to partners join later)."""

from .page import InclusionPage, SkillsTab

__all__ = ["InclusionPage", "SkillsTab"]
