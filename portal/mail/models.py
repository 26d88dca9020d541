"""Email waiting to be sent, the record of what was sent, and the email
templates administrators edit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.extensions import db
from portal.core.types import UTCDateTime, utcnow

# pending: waiting for its first or next attempt (at next_attempt_at); sending: a
# worker has claimed it until claimed_until (a worker that dies loses its claim
# when that passes); sent; failed: every attempt used, waiting for a person.
OUTBOX_STATUSES = ("pending", "sending", "sent", "failed")


class OutboxEmail(db.Model):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipients: Mapped[str] = mapped_column(Text)  # comma-separated addresses
    cc: Mapped[str] = mapped_column(Text, default="")  # comma-separated, e.g. escalations
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    template: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # Automatic mail carries a key so that a scheduler run twice queues it once.
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Not before this time (growing back-off after a failure); None: at once.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The server's answer for each recipient of the last attempt that reached
    # them: [{"address", "accepted", "code", "message"}] (code and message for
    # the refused); None until then. A server may take some and refuse others.
    recipient_results: Mapped[list | None] = mapped_column(JSON)

    attachments = relationship("OutboxAttachment", order_by="OutboxAttachment.id")

    @property
    def recipient_list(self) -> list[str]:
        return [r for r in self.recipients.split(",") if r]

    @property
    def cc_list(self) -> list[str]:
        return [r for r in (self.cc or "").split(",") if r]

    @property
    def refused(self) -> list[dict]:
        """The recipients the server refused, with its answer."""
        return [r for r in self.recipient_results or () if not r.get("accepted")]


class OutboxAttachment(db.Model):
    """A file sent with an email (e.g. a check-in's .ics invitation)."""

    __tablename__ = "outbox_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    email_id: Mapped[int] = mapped_column(ForeignKey("outbox.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    data: Mapped[bytes] = mapped_column(LargeBinary)


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
