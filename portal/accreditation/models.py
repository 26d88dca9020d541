"""Accreditation: templates (stages and their required documents), each
partner's accreditation with its milestones, and the documents submitted."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    and_,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.extensions import db
from portal.core.translated import translations_column
from portal.core.types import UTCDateTime, utcnow
from portal.core.versions import versioned

SUBMISSION_STATUSES = ("submitted", "approved", "changes_requested", "superseded", "withdrawn")


@versioned
class AccreditationTemplate(db.Model):
    """One version of a template. Editing a template that accreditations run on
    makes a new version in the same family; they keep the one they started on."""

    __tablename__ = "accreditation_templates"
    __table_args__ = (UniqueConstraint("family_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # The first version's id; every later version points at it.
    family_id: Mapped[int | None] = mapped_column(
        ForeignKey("accreditation_templates.id"), index=True
    )
    version: Mapped[int] = mapped_column(default=1)
    description: Mapped[str] = mapped_column(Text, default="")
    # How long a final approval lasts unless the decision says otherwise.
    validity_months: Mapped[int] = mapped_column(default=24)
    # Set when a newer version replaces this one; new cycles use the newest.
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
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
    # The name in other languages, {"fr": {"name": "…"}} (portal.core.translated).
    translations = translations_column()

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
    # What the partner is told about how to get it right.
    guidance: Mapped[str] = mapped_column(Text, default="")
    required: Mapped[bool] = mapped_column(default=True)
    # An organisation document type (see portal.vault.models.DOCUMENT_TYPES): a valid
    # document of that type in the partner's vault satisfies the requirement.
    document_type: Mapped[str | None] = mapped_column(String(60))
    # File type keys of portal.core.filetypes, comma-separated; empty accepts all.
    accepted_formats: Mapped[str] = mapped_column(String(200), default="")
    # Days after the stage starts that the document is due; None: when the stage ends.
    due_offset_days: Mapped[int | None]
    # Name, description and guidance in other languages (portal.core.translated).
    translations = translations_column()

    stage = relationship("Stage", back_populates="requirements")

    __table_args__ = (
        CheckConstraint(
            "due_offset_days IS NULL OR due_offset_days >= 0", name="offset_not_negative"
        ),
    )

    @property
    def formats(self) -> list[str]:
        return [f for f in self.accepted_formats.split(",") if f]


class Accreditation(db.Model):
    __tablename__ = "accreditations"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("accreditation_templates.id"))
    started_on: Mapped[date] = mapped_column(Date)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The cycle this one renews, if any.
    renewal_of_id: Mapped[int | None] = mapped_column(ForeignKey("accreditations.id"))
    # The final approval: "accredited" (until valid_until) or "not_accredited".
    decision: Mapped[str | None] = mapped_column(String(20))
    decision_note: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    valid_until: Mapped[date | None] = mapped_column(Date, index=True)
    # Moves with every write to the row, Core UPDATEs included (the API's
    # `updated_since`, portal/api); a statement that sets it itself keeps its value.
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, index=True
    )

    partner = relationship("Partner", back_populates="accreditations")
    template = relationship("AccreditationTemplate")
    milestones = relationship(
        "Milestone", back_populates="accreditation", order_by="Milestone.position"
    )
    items = relationship(
        "ChecklistItem", back_populates="accreditation", order_by="ChecklistItem.id"
    )
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    renewal_of = relationship("Accreditation", remote_side=[id])

    __table_args__ = (
        CheckConstraint(
            "decision IS NULL OR decision IN ('accredited', 'not_accredited')",
            name="known_decision",
        ),
    )

    @hybrid_property
    def running(self) -> bool:
        """Neither decided nor closed: the cycle a partner works on. A partner has at
        most one (templates.open_cycle refuses a second; a merge closes one)."""
        return self.decision is None and self.completed_at is None

    @running.inplace.expression
    @classmethod
    def _running_expression(cls):
        return and_(cls.decision.is_(None), cls.completed_at.is_(None))

    @property
    def closed(self) -> bool:
        """Ended without a final decision (lifecycle.close_accreditation): its
        history stays readable, nothing more is owed on it."""
        return self.decision is None and self.completed_at is not None

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
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, index=True
    )

    accreditation = relationship("Accreditation", back_populates="milestones")
    stage = relationship("Stage")

    @property
    def translations(self) -> dict[str, dict[str, str]]:
        """The stage's other-language texts: `translated(milestone, "name")`."""
        return (self.stage.translations or {}) if self.stage is not None else {}

    def is_overdue(self, today: date) -> bool:
        return self.completed_at is None and self.due_on < today


class ChecklistItem(db.Model):
    """A requirement as it runs for one accreditation: its own deadline (which staff
    may move, with a reason) and whether it was waived as not applicable."""

    __tablename__ = "checklist_items"
    __table_args__ = (UniqueConstraint("accreditation_id", "requirement_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    accreditation_id: Mapped[int] = mapped_column(ForeignKey("accreditations.id"), index=True)
    requirement_id: Mapped[int] = mapped_column(ForeignKey("requirements.id"))
    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestones.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    not_applicable_reason: Mapped[str | None] = mapped_column(Text)
    not_applicable_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    not_applicable_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, index=True
    )

    accreditation = relationship("Accreditation", back_populates="items")
    requirement = relationship("Requirement")
    milestone = relationship("Milestone")

    @property
    def not_applicable(self) -> bool:
        return self.not_applicable_at is not None


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
    # Why it was sent back (portal.review.models.ChangeReason); None otherwise.
    change_reason_id: Mapped[int | None] = mapped_column(
        ForeignKey("change_reasons.id"), index=True
    )
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, index=True
    )

    accreditation = relationship("Accreditation")
    requirement = relationship("Requirement")
    uploaded_by = relationship("User", foreign_keys=[uploaded_by_id])
    reviewer = relationship("User", foreign_keys=[reviewer_id])
    assigned_to = relationship("User", foreign_keys=[assigned_to_id])
    change_reason = relationship("ChangeReason")
