"""Digital-skills assessments: one row per assessment, its answers, barriers and goals.

An assessment names the framework version it was taken against. While in progress each answer
is written as it is given, so a crash or a power cut loses nothing; when completed its result is
frozen (`result_json`), so no later framework version can rewrite it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import Base, UtcDateTime
from ..desk.merge import link_to_resident


class SkillsAssessment(Base):
    __tablename__ = "skills_assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id"))
    framework_version: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(10))  # AssessmentKind value
    state: Mapped[str] = mapped_column(String(20))  # AssessmentState value
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"), nullable=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    position: Mapped[int] = mapped_column(Integer, default=0)  # where the flow was left, to resume there
    goals_own_words: Mapped[str] = mapped_column(Text, default="")
    result_json: Mapped[str] = mapped_column(Text, default="")  # frozen when completed
    discard_reason: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    started_by: Mapped[str] = mapped_column(String(120))
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        Index("ix_skills_assessment_resident_started", "resident_id", "started_at"),
        Index("ix_skills_assessment_completed_at", "completed_at"),
        # Reports: each resident's first and latest completed assessment, and a period's assessments.
        Index("ix_skills_assessment_resident_completed", "resident_id", "state", "completed_at"),
        Index("ix_skills_assessment_report", "completed_at", "state", "resident_id", "kind", "framework_version",
              "site_id"),
    )
    __mapper_args__ = {"version_id_col": version}


class SkillsAnswer(Base):
    __tablename__ = "skills_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("skills_assessment.id", ondelete="CASCADE"))
    statement_code: Mapped[str] = mapped_column(String(20))
    answer: Mapped[str] = mapped_column(String(20))  # Answer value
    evidence: Mapped[str] = mapped_column(String(10))  # Evidence value
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("assessment_id", "statement_code", name="uq_skills_answer_statement"),)


class SkillsBarrier(Base):
    __tablename__ = "skills_barrier"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("skills_assessment.id", ondelete="CASCADE"))
    barrier: Mapped[str] = mapped_column(String(30))  # Barrier value
    detail: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (UniqueConstraint("assessment_id", "barrier", name="uq_skills_barrier_kind"),)


class SkillsGoal(Base):
    __tablename__ = "skills_goal"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("skills_assessment.id", ondelete="CASCADE"))
    goal: Mapped[str] = mapped_column(String(30))  # Goal value

    __table_args__ = (UniqueConstraint("assessment_id", "goal", name="uq_skills_goal_kind"),)


class SkillsResultLevel(Base):
    """A completed assessment's result, one row per level of each area ("" for the overall
    levels): the same figures as `result_json`, kept as columns so reports count them in SQL."""

    __tablename__ = "skills_result_level"

    assessment_id: Mapped[int] = mapped_column(ForeignKey("skills_assessment.id", ondelete="CASCADE"),
                                               primary_key=True)
    area: Mapped[str] = mapped_column(String(20), primary_key=True)  # framework area code; "" overall
    level: Mapped[str] = mapped_column(String(10), primary_key=True)  # Level value
    status: Mapped[str] = mapped_column(String(20))  # Reached value
    on_my_own: Mapped[int] = mapped_column(Integer, default=0)  # tasks done on the resident's own


link_to_resident(SkillsAssessment)  # a merge moves the merged record's assessments to the survivor
