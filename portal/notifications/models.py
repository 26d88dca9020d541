"""In-portal notifications: the bell. Made for the same events that send email."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.extensions import db
from portal.core.types import UTCDateTime, utcnow

NOTIFICATION_KINDS = {
    "document_reviewed": "Document approved",
    "changes_requested": "Changes requested",
    "milestone_reached": "Milestone reached",
    "new_message": "New message",
    "deadline_approaching": "Deadline approaching",
    "new_submission": "New submission",
    "checkin_scheduled": "Check-in scheduled",
    "accreditation_decided": "Final decision",
    "survey_invitation": "Feedback survey",
    "concern_raised": "Concern raised",
    "concern_step": "Concern moved on or answered",
    "concern_escalated": "Concern past its deadline",
    "obligation_due": "Obligation due",
    "obligation_changed": "Agreement changed",
}
# The same kinds as the pages name them, in the reader's language (NOTIFICATION_KINDS
# stays the English word the emails are built from).
KIND_LABELS = {
    "document_reviewed": lazy_gettext("Document approved"),
    "changes_requested": lazy_gettext("Changes requested"),
    "milestone_reached": lazy_gettext("Milestone reached"),
    "new_message": lazy_gettext("New message"),
    "deadline_approaching": lazy_gettext("Deadline approaching"),
    "new_submission": lazy_gettext("New submission"),
    "checkin_scheduled": lazy_gettext("Check-in scheduled"),
    "accreditation_decided": lazy_gettext("Final decision"),
    "survey_invitation": lazy_gettext("Feedback survey"),
    "concern_raised": lazy_gettext("Concern raised"),
    "concern_step": lazy_gettext("Concern moved on or answered"),
    "concern_escalated": lazy_gettext("Concern past its deadline"),
    "obligation_due": lazy_gettext("Obligation due"),
    "obligation_changed": lazy_gettext("Agreement changed"),
}


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_unread", "user_id", "read_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    # A path inside the portal; the page it names checks permission again.
    link: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # So that a scheduler run twice notifies once (e.g. "deadline-approaching:item:7:7d").
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)

    user = relationship("User")
