"""Check-in meetings between the programme team and a partner, and what came out
of them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.extensions import db
from portal.core.types import UTCDateTime, utcnow

# How often a series repeats: months between meetings (None: once).
REPEATS = {"once": None, "monthly": 1, "bimonthly": 2}


class CheckIn(db.Model):
    __tablename__ = "checkins"
    __table_args__ = (Index("ix_checkins_partner_starts", "partner_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    # The meetings of one series share the first one's id.
    series_id: Mapped[int | None] = mapped_column(ForeignKey("checkins.id"))
    repeat: Mapped[str] = mapped_column(String(20), default="once")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    duration_minutes: Mapped[int] = mapped_column(default=60)
    location: Mapped[str] = mapped_column(String(300), default="")  # a place or a call link
    agenda: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str | None] = mapped_column(Text)
    # The iCalendar SEQUENCE: bumped when the meeting changes, so calendars update it.
    sequence: Mapped[int] = mapped_column(default=0)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A coaching call offered because this KPI crossed its warning threshold.
    kpi: Mapped[str | None] = mapped_column(String(40))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    partner = relationship("Partner")
    created_by = relationship("User")
    follow_ups = relationship("FollowUp", back_populates="checkin", order_by="FollowUp.id")

    @property
    def is_coaching(self) -> bool:
        return self.kpi is not None


class FollowUp(db.Model):
    """An action agreed at a check-in."""

    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkins.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(20), default="partner")  # partner or programme
    due_on: Mapped[date | None] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    checkin = relationship("CheckIn", back_populates="follow_ups")
