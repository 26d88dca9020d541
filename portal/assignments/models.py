"""DHIS2 data sets (metadata, imported with the org units) and the partners
assigned to report or be paid on them."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext
from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.clock import local_today
from portal.core.extensions import db
from portal.core.types import UTCDateTime, utcnow

# What an assignment is for: the partner reports the data set, is paid on it, or both.
PURPOSES = {
    "reports": "Reports",
    "paid_on": "Paid on",
    "both": "Reports and paid on",
}
# PURPOSES as pages show them, in the reader's language (PURPOSES stays the English
# the audit trail and the exports write).
PURPOSE_LABELS = {
    "reports": lazy_gettext("Reports"),
    "paid_on": lazy_gettext("Paid on"),
    "both": lazy_gettext("Reports and paid on"),
}


class DataSet(db.Model):
    """A DHIS2 data set as its metadata export describes it."""

    __tablename__ = "data_sets"

    # The DHIS2 uid, kept so re-imports update.
    id: Mapped[str] = mapped_column(String(11), primary_key=True)
    name: Mapped[str] = mapped_column(String(230))
    short_name: Mapped[str | None] = mapped_column(String(50))
    code: Mapped[str | None] = mapped_column(String(50))
    # DHIS2's period type: Monthly, Quarterly, Yearly, ...
    period_type: Mapped[str | None] = mapped_column(String(30))

    def __repr__(self) -> str:
        return f"<DataSet {self.id} {self.name}>"


class DataSetAssignment(db.Model):
    """A partner reports (or is paid) on a data set from `starts_on`, until `ends_on`."""

    __tablename__ = "data_set_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    data_set_id: Mapped[str] = mapped_column(ForeignKey("data_sets.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(10), default="both")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    data_set = relationship("DataSet")
    partner = relationship("Partner")

    __table_args__ = (
        CheckConstraint(
            "ends_on IS NULL OR ends_on >= starts_on", name="assignment_ends_after_start"
        ),
        CheckConstraint("purpose IN ('reports', 'paid_on', 'both')", name="assignment_purpose"),
        Index("ix_data_set_assignments_partner_ends", "partner_id", "ends_on"),
    )

    @property
    def current(self) -> bool:
        return self.ends_on is None or self.ends_on >= local_today()

    @property
    def name(self) -> str:
        """What the audit trail and pages call it."""
        return f"{self.data_set.name} ({PURPOSES.get(self.purpose, self.purpose).lower()})"

    @property
    def purpose_label(self) -> str:
        """In the reader's language; exports use PURPOSES."""
        return str(PURPOSE_LABELS.get(self.purpose, self.purpose))
