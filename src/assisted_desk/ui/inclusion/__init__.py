"""The Inclusion area: digital-skills assessments, referrals to partners and the partner directory."""

from .page import InclusionPage, SkillsTab

__all__ = ["InclusionPage", "SkillsTab"]
