"""Accreditation: templates (stages and their required documents), each
partner's accreditation with its milestones, and the documents submitted."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow

SUBMISSION_STATUSES = ("submitted", "approved", "changes_requested", "superseded")


class AccreditationTemplate(db.Model):
    __tablename__ = "accreditation_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    stages = relationship("Stage", back_populates="template", order_by="Stage.position")


class Stage(db.Model):
    """One step of a template, e.g. "Document submission", with its requirements."""

    __tablename__ = "stages"
    __table_args__ = (UniqueConstraint("template_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("accreditation_templates.id"))
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    duration_days: Mapped[int] = mapped_column(default=30)

    template = relationship("AccreditationTemplate", back_populates="stages")
    requirements = relationship(
        "Requirement", back_populates="stage", order_by="Requirement.position"
    )


class Requirement(db.Model):
    """A document a partner is asked for at a stage."""

    __tablename__ = "requirements"

    id: Mapped[int] = mapped_column(primary_key=True)
    stage_id: Mapped[int] = mapped_column(ForeignKey("stages.id"), index=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    required: Mapped[bool] = mapped_column(default=True)

    stage = relationship("Stage", back_populates="requirements")


class Accreditation(db.Model):
    __tablename__ = "accreditations"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("accreditation_templates.id"))
    started_on: Mapped[date] = mapped_column(Date)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    partner = relationship("Partner", back_populates="accreditations")
    template = relationship("AccreditationTemplate")
    milestones = relationship(
        "Milestone", back_populates="accreditation", order_by="Milestone.position"
    )

    @property
    def current_milestone(self) -> Milestone | None:
        return next((m for m in self.milestones if m.completed_at is None), None)


class Milestone(db.Model):
    """A stage as it runs for one accreditation: due date, completion."""

    __tablename__ = "milestones"
    __table_args__ = (UniqueConstraint("accreditation_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    accreditation_id: Mapped[int] = mapped_column(ForeignKey("accreditations.id"))
    stage_id: Mapped[int] = mapped_column(ForeignKey("stages.id"))
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date] = mapped_column(Date)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    accreditation = relationship("Accreditation", back_populates="milestones")
    stage = relationship("Stage")

    def is_overdue(self, today: date) -> bool:
        return self.completed_at is None and self.due_on < today


class Submission(db.Model):
    """One uploaded version of a required document, and its review."""

    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("accreditation_id", "requirement_id", "version"),
        # Completion counts approved submissions per accreditation: without this the
        # planner may pick the status index, which matches half the table.
        Index("ix_submissions_accreditation_status", "accreditation_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    accreditation_id: Mapped[int] = mapped_column(ForeignKey("accreditations.id"), index=True)
    requirement_id: Mapped[int] = mapped_column(ForeignKey("requirements.id"))
    version: Mapped[int]
    filename: Mapped[str] = mapped_column(String(255))
    storage_key: Mapped[str] = mapped_column(String(255), unique=True)
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default="submitted", index=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    feedback: Mapped[str | None] = mapped_column(Text)
    # Who is to review it (any staff member may still decide).
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)

    accreditation = relationship("Accreditation")
    requirement = relationship("Requirement")
    uploaded_by = relationship("User", foreign_keys=[uploaded_by_id])
    reviewer = relationship("User", foreign_keys=[reviewer_id])
    assigned_to = relationship("User", foreign_keys=[assigned_to_id])
