"""A concern raised by one side of a partnership, and its history step by step."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext
from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.english import english
from portal.core.extensions import db
from portal.core.types import UTCDateTime, utcnow

# A fixed list, so the analytics can count by it.
CATEGORIES = {
    "obligation": lazy_gettext("An obligation not kept"),
    "communication": lazy_gettext("Communication"),
    "payment": lazy_gettext("Payment"),
    "conduct": lazy_gettext("Conduct"),
    "data": lazy_gettext("Data and reporting"),
    "other": lazy_gettext("Other"),
}
SIDES = {"partner": lazy_gettext("Partner"), "programme": lazy_gettext("Programme team")}
OUTCOMES = {
    "upheld": lazy_gettext("Upheld"),
    "partly_upheld": lazy_gettext("Partly upheld"),
    "not_upheld": lazy_gettext("Not upheld"),
}


class Concern(db.Model):
    __tablename__ = "concerns"
    __table_args__ = (Index("ix_concerns_partner_step", "partner_id", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    # The obligation it is about (None: the partnership as a whole).
    obligation_id: Mapped[int | None] = mapped_column(ForeignKey("obligations.id"))
    category: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(Text)
    remedy: Mapped[str] = mapped_column(Text)
    # Seen by the administrators and the person who raised it only.
    confidential: Mapped[bool] = mapped_column(default=False)
    raised_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    raised_by_side: Mapped[str] = mapped_column(String(20))  # partner or programme
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Where it is on the path (portal.concerns.path.STEPS) and since when.
    step: Mapped[str] = mapped_column(String(20), default="raised", index=True)
    step_since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The current step's deadline (None once closed or withdrawn).
    due_on: Mapped[date | None] = mapped_column(Date)
    # How often the raiser contested a decision (a second contest: the final word).
    contests: Mapped[int] = mapped_column(default=0)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(20))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    redress: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # confirmed, not_contested, final_decision, withdrawn, programme_exit
    closed_how: Mapped[str | None] = mapped_column(String(30))

    partner = relationship("Partner")
    raised_by = relationship("User")
    events = relationship("ConcernEvent", back_populates="concern", order_by="ConcernEvent.id")

    @property
    def display_name(self) -> str:
        """What the audit trail names it: never its text, and for a confidential one
        not even its category (the partner's History page is read by managers)."""
        if self.confidential:
            return f"Confidential concern #{self.id}"
        return f"Concern #{self.id}: {english(CATEGORIES.get(self.category, self.category))}"

    @property
    def category_label(self) -> str:
        return CATEGORIES.get(self.category, self.category)

    @property
    def outcome_label(self) -> str:
        return OUTCOMES.get(self.outcome or "", "")

    @property
    def is_open(self) -> bool:
        return self.step not in ("closed", "withdrawn")


class ConcernEvent(db.Model):
    """One step or one answer on a concern: who, when, what, the text, and a file
    of evidence if one came with it."""

    __tablename__ = "concern_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    concern_id: Mapped[int] = mapped_column(ForeignKey("concerns.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the daily run
    side: Mapped[str] = mapped_column(String(20))  # partner, programme or system
    kind: Mapped[str] = mapped_column(String(30))
    step: Mapped[str] = mapped_column(String(20))  # the step after it
    text: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    filename: Mapped[str | None] = mapped_column(String(255))
    storage_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    content_type: Mapped[str | None] = mapped_column(String(120))
    size: Mapped[int | None] = mapped_column()
    sha256: Mapped[str | None] = mapped_column(String(64))

    concern = relationship("Concern", back_populates="events")
    actor = relationship("User", lazy="joined")
