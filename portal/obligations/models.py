"""An agreement with a partner, the obligations it holds for each side, what was
observed of each occurrence, and the templates of standard obligations."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext, lazy_gettext
from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.english import english
from portal.core.extensions import db
from portal.core.types import UTCDateTime, utcnow

SIDES = {"programme": lazy_gettext("Programme"), "partner": lazy_gettext("Partner")}
RECURRENCES = {
    "once": lazy_gettext("Once"),
    "monthly": lazy_gettext("Monthly"),
    "quarterly": lazy_gettext("Quarterly"),
    "yearly": lazy_gettext("Yearly"),
}
OBSERVED_BY = {
    "evidence": lazy_gettext("Evidence the responsible side uploads"),
    "confirmation": lazy_gettext("The other side confirms it"),
    "automatic": lazy_gettext("Automatically, from what the portal records"),
}
# Automatic rules: what the portal already records that tells whether it was kept.
RULES = {
    "reviews_within": lazy_gettext("The programme reviews each submission within N working days"),
    "documents_on_time": lazy_gettext(
        "The partner hands in its required documents by their deadlines"
    ),
}
RULE_SIDES = {"reviews_within": "programme", "documents_on_time": "partner"}
# What an observation row says of its occurrence.
OBSERVATION_KINDS = {
    "evidence": lazy_gettext("Evidence uploaded"),
    "confirmation": lazy_gettext("Confirmed"),
    "closed": lazy_gettext("Closed"),
}


class Agreement(db.Model):
    """The terms agreed with a partner; its signed documents are attachments
    (PartnerDocument.agreement_id)."""

    __tablename__ = "agreements"
    __table_args__ = (
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="agreement_ends_after"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    partner = relationship("Partner")
    obligations = relationship(
        "Obligation", back_populates="agreement", order_by="(Obligation.side, Obligation.id)"
    )
    documents = relationship("PartnerDocument", order_by="PartnerDocument.valid_from")

    @property
    def name(self) -> str:  # how the audit trail names it
        return f"Agreement {self.title}"


class Obligation(db.Model):
    """One thing a side owes: once, or recurring from its first due date."""

    __tablename__ = "obligations"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"), index=True)
    side: Mapped[str] = mapped_column(String(20))
    responsible_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    description: Mapped[str] = mapped_column(Text)
    recurrence: Mapped[str] = mapped_column(String(20), default="once")
    # The due date of a one-off obligation, the first occurrence of a recurring one.
    first_due_on: Mapped[date] = mapped_column(Date)
    observed_by: Mapped[str] = mapped_column(String(20))
    rule: Mapped[str | None] = mapped_column(String(40))
    rule_days: Mapped[int | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Ended: no occurrence falls due after this day (the agreement closed, exit).
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_note: Mapped[str | None] = mapped_column(Text)

    agreement = relationship("Agreement", back_populates="obligations")
    responsible = relationship("User", foreign_keys=[responsible_user_id])

    @property
    def label(self) -> str:
        """As the records, the bell and emails name it (English)."""
        return f"{english(SIDES.get(self.side, self.side))}: {self.description}"

    @property
    def shown_label(self) -> str:
        """As a page names it, in the reader's language."""
        side = SIDES.get(self.side, self.side)
        return gettext("%(side)s: %(obligation)s", side=side, obligation=self.description)

    @property
    def name(self) -> str:  # how the audit trail names it
        return f"Obligation of the {self.label}"

    @property
    def active(self) -> bool:
        return self.ended_on is None


class Observation(db.Model):
    """What was observed of one occurrence: evidence uploaded, a confirmation by
    the other side, or the occurrence closed with a note."""

    __tablename__ = "obligation_observations"
    __table_args__ = (UniqueConstraint("obligation_id", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    obligation_id: Mapped[int] = mapped_column(ForeignKey("obligations.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    filename: Mapped[str | None] = mapped_column(String(255))
    storage_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    content_type: Mapped[str | None] = mapped_column(String(120))
    size: Mapped[int | None]
    sha256: Mapped[str | None] = mapped_column(String(64))
    observed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    obligation = relationship("Obligation")
    observed_by = relationship("User")

    @property
    def name(self) -> str:  # how the audit trail names it
        return f"{self.obligation.label}, due {self.due_on:%d %b %Y}"


class ObligationTemplate(db.Model):
    """A set of standard obligations an administrator applies to a new agreement."""

    __tablename__ = "obligation_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    items = relationship(
        "ObligationTemplateItem", order_by="ObligationTemplateItem.id", back_populates="template"
    )


class ObligationTemplateItem(db.Model):
    """A standard obligation; it first falls due the day before `first_due_months`
    months after the agreement starts (from 1 July, 3 months: 30 September)."""

    __tablename__ = "obligation_template_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("obligation_templates.id"), index=True)
    side: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    recurrence: Mapped[str] = mapped_column(String(20))
    first_due_months: Mapped[int] = mapped_column(default=1)
    observed_by: Mapped[str] = mapped_column(String(20))
    rule: Mapped[str | None] = mapped_column(String(40))
    rule_days: Mapped[int | None]

    template = relationship("ObligationTemplate", back_populates="items")
