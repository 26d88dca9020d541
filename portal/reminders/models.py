"""The record of reminders sent, so that none goes out twice."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.extensions import db


class ReminderSent(db.Model):
    """A reminder stage reached for one thing owed, for one person, on one day.

    `subject` names what is owed ("item:7", "submission:12", "signoff:3");
    `stage` is "before-14", "before-7", "before-1" or "overdue". Counting the
    overdue rows of a subject tells when to escalate and when to stop."""

    __tablename__ = "reminders_sent"
    __table_args__ = (
        UniqueConstraint("subject", "stage", "user_id", "sent_on"),
        Index("ix_reminders_sent_subject", "subject", "stage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(60))
    stage: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    sent_on: Mapped[date] = mapped_column(Date)
    email_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))
