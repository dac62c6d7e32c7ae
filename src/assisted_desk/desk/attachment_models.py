"""Evidence attached to a contact or a request: scans, photos, PDFs. Kept in the database so
every desk on a shared server sees the same file; the bytes live in their own table so listing
attachments never reads them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import Base, UtcDateTime


class Attachment(Base):
    """A file attached to one interaction and, when it is evidence for a request, to that
    request too. Removed attachments keep their row (who removed it, when) but lose the bytes."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id"), nullable=True)
    interaction_id: Mapped[int | None] = mapped_column(ForeignKey("interaction.id"), nullable=True)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id"), nullable=True)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(80))  # from the content, never from the name
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime)
    added_by: Mapped[str] = mapped_column(String(120))
    removed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    removed_by: Mapped[str] = mapped_column(String(120), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        Index("ix_attachment_interaction", "interaction_id"),
        Index("ix_attachment_submission", "submission_id"),
        Index("ix_attachment_resident", "resident_id"),
    )
    __mapper_args__ = {"version_id_col": version}


class AttachmentContent(Base):
    """The bytes of one attachment."""

    __tablename__ = "attachment_content"

    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachment.id", ondelete="CASCADE"), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
