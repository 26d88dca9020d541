"""What staff set and record for the KPIs (benchmarks, engagement assessments),
and the figures published for reporting tools."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext
from sqlalchemy import CheckConstraint, Date, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.extensions import db
from portal.core.types import UTCDateTime, utcnow

RATINGS = {
    1: lazy_gettext("Poor"),
    2: lazy_gettext("Fair"),
    3: lazy_gettext("Good"),
    4: lazy_gettext("Very good"),
    5: lazy_gettext("Excellent"),
}


class Benchmark(db.Model):
    """An administrator's target and warning threshold for one KPI (the defaults
    in kpis.definitions apply until one is set)."""

    __tablename__ = "kpi_benchmarks"

    id: Mapped[int] = mapped_column(primary_key=True)
    kpi: Mapped[str] = mapped_column(String(40), unique=True)
    target: Mapped[float] = mapped_column(Float)
    warning: Mapped[float] = mapped_column(Float)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def name(self) -> str:  # what the audit trail calls it
        return f"Benchmark for {self.kpi.replace('_', ' ')}"


class Assessment(db.Model):
    """The programme team's view of how a partner took part, after a stage or a
    cycle: two ratings on a fixed scale and a note."""

    __tablename__ = "engagement_assessments"
    __table_args__ = (
        CheckConstraint("engagement BETWEEN 1 AND 5", name="engagement_on_scale"),
        CheckConstraint("proactivity BETWEEN 1 AND 5", name="proactivity_on_scale"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    accreditation_id: Mapped[int] = mapped_column(ForeignKey("accreditations.id"), index=True)
    # The stage assessed; None: the whole cycle.
    milestone_id: Mapped[int | None] = mapped_column(ForeignKey("milestones.id"))
    engagement: Mapped[int]  # how well the partner engaged with the process
    proactivity: Mapped[int]  # whether it resolved issues before being chased
    note: Mapped[str] = mapped_column(Text, default="")
    assessed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    accreditation = relationship("Accreditation")
    milestone = relationship("Milestone")
    assessed_by = relationship("User")

    @property
    def name(self) -> str:  # what the audit trail calls it
        return f"Engagement assessment ({self.stage_name})"

    @property
    def stage_name(self) -> str:
        return self.milestone.name if self.milestone else "Whole cycle"


class KpiValue(db.Model):
    """A partner's figure for one KPI in one period, as last published (`flask
    api publish`, daily): what the API serves to reporting tools. `updated_at`
    moves only when the figure, its count or its benchmark changed."""

    __tablename__ = "kpi_values"
    __table_args__ = (UniqueConstraint("partner_id", "kpi", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    kpi: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(24))  # "2026-Q3", "FY2026"
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    value: Mapped[float | None] = mapped_column(Float)  # None: no data (any more)
    events: Mapped[int] = mapped_column(default=0)
    state: Mapped[str | None] = mapped_column(String(10))
    target: Mapped[float] = mapped_column(Float)
    warning: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
