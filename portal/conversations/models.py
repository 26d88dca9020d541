"""Talking inside the portal: a message thread per accreditation (the support
channel with the programme team) and a comment thread per submission."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.extensions import db
from portal.core.types import UTCDateTime, utcnow


class Message(db.Model):
    """One message; with `submission_id` it is a comment on that submission."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_thread", "accreditation_id", "submission_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    accreditation_id: Mapped[int] = mapped_column(ForeignKey("accreditations.id"))
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    accreditation = relationship("Accreditation")
    submission = relationship("Submission")
    author = relationship("User")


class MessageRead(db.Model):
    """How far a user has read an accreditation's message thread."""

    __tablename__ = "message_reads"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    accreditation_id: Mapped[int] = mapped_column(ForeignKey("accreditations.id"), primary_key=True)
    last_read_message_id: Mapped[int] = mapped_column(default=0)
