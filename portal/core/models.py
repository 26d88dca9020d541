"""The audit trail: who changed what, when, and why. Never deleted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.extensions import db
from portal.core.types import UTCDateTime, utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(50))
    object_type: Mapped[str] = mapped_column(String(50))
    object_id: Mapped[int]
    # What the object was called at the time, e.g. "Safeguarding policy, version 2".
    summary: Mapped[str] = mapped_column(String(300), default="")
    # The partner the change concerns, so a partner's history is one query.
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    # {"field": [before, after], ...}
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    reason: Mapped[str | None] = mapped_column(Text)

    actor = relationship("User")
