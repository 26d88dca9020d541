"""Progress reports sent to partners, the email templates staff edit, and the
record of reminders sent (so that none goes out twice)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow


class ProgressReport(db.Model):
    """One report as sent to one partner: what it said is kept as sent."""

    __tablename__ = "progress_reports"
    __table_args__ = (Index("ix_progress_reports_partner_period", "partner_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    # "2026-Q3" (fiscal quarter) or "2026-11" (month, for monthly reporters).
    period: Mapped[str] = mapped_column(String(10))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    language: Mapped[str] = mapped_column(String(5), default="en")
    intro: Mapped[str] = mapped_column(Text, default="")
    subject: Mapped[str] = mapped_column(String(300))
    # The figures it reported (stage, completion, remaining actions with deadlines).
    content: Mapped[dict] = mapped_column(JSON, default=dict)
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: scheduler
    email_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    partner = relationship("Partner")
    sent_by = relationship("User")
    email = relationship("OutboxEmail")


class EmailTemplate(db.Model):
    """One version of an editable email (report, reminder, invitation, welcome) in
    one language; the newest version of each (key, language) is the one used."""

    __tablename__ = "email_templates"
    __table_args__ = (UniqueConstraint("key", "language", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(5), default="en")
    version: Mapped[int] = mapped_column(default=1)
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="")  # what changed, for the history
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by = relationship("User")


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
