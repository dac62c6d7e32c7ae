"""Print records: each guide, plan or slip printed or saved as PDF — what, for whom (a resident,
or nobody registered), in which format and language, how (the printer's name, or saved as PDF),
by whom, where and when (UTC). Never edited: a print happened or it did not."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import Base, UtcDateTime
from ..desk.merge import link_to_resident


class PrintRecord(Base):
    __tablename__ = "print_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # PrintKind value: guide, plan, slip
    guide_slug: Mapped[str] = mapped_column(String(120), default="")  # "" for plans and slips
    title: Mapped[str] = mapped_column(String(300))  # the document's title as printed
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id"), nullable=True)
    format: Mapped[str] = mapped_column(String(20))  # PrintFormat value
    language: Mapped[str] = mapped_column(String(10))  # ISO 639-1
    method: Mapped[str] = mapped_column(String(10))  # PrintMethod value: printed, pdf
    printer_name: Mapped[str] = mapped_column(String(200), default="")  # "" when saved as PDF
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"), nullable=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    printed_by: Mapped[str] = mapped_column(String(120))  # the username, kept if the staff record goes
    printed_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("ix_print_record_resident", "resident_id"),
        Index("ix_print_record_printed_at", "printed_at", "kind"),
    )


link_to_resident(PrintRecord)  # a merge moves the merged record's prints to the survivor
