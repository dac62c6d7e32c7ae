"""Legal holds: a resident's records kept from erasure and the retention sweep while a claim,
complaint or investigation runs. A hold is placed and lifted, never deleted: who held a record,
when and why stays on file (and in the audit)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import Base, UtcDateTime
from ..desk.merge import link_to_resident


class LegalHold(Base):
    __tablename__ = "legal_hold"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id"))
    reason: Mapped[str] = mapped_column(Text)
    placed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    placed_by: Mapped[str] = mapped_column(String(120))
    lifted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    lifted_by: Mapped[str] = mapped_column(String(120), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (Index("ix_legal_hold_resident_id", "resident_id"),)
    __mapper_args__ = {"version_id_col": version}


# A hold follows the person: a merge moves it to the record kept, an undo moves it back.
link_to_resident(LegalHold)
