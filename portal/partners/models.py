"""Partner organisations: the profile, its contacts, what it covers, its
agreements and its annual reviews."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, String, Text, and_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.clock import local_today
from portal.core.extensions import db
from portal.core.types import UTCDateTime, utcnow

# Statuses staff choose; "merged" is set only by merging two partners, and a
# prospective partner leaves "prospective" only by the decision on its need check.
PARTNER_STATUSES = {"active": "Active", "on_hold": "On hold", "closed": "Closed"}
STATUS_NAMES = {"prospective": "Prospective", **PARTNER_STATUSES, "merged": "Merged"}
PARTNERSHIP_TYPES = {
    "funding": "Funding",
    "supervision": "Supervision",
    "technical_assistance": "Technical assistance",
}
LANGUAGES = {"en": "English", "fr": "Français"}
REPORTING_FREQUENCIES = {"monthly": "Monthly", "quarterly": "Quarterly", "annually": "Annually"}
INVOICE_FORMATS = {
    "pdf": "PDF by email",
    "xlsx": "Excel spreadsheet",
    "einvoice": "Electronic invoice (UBL)",
    "paper": "Paper, by post",
}
DOCUMENT_KINDS = {
    "agreement": "Partnership agreement",
    "mou": "Memorandum of understanding",
    "renewal": "Renewal letter",
}


class Partner(db.Model):
    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    acronym: Mapped[str | None] = mapped_column(String(50))
    # Name and acronym folded (case, accents, punctuation) for search and duplicates.
    search_key: Mapped[str] = mapped_column(String(400), default="", index=True)
    # search_key plus current contacts' names and emails and covered districts'
    # names, folded: the list's search is one scan of one table.
    search_text: Mapped[str] = mapped_column(Text, default="", deferred=True)
    scope_of_work: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(5), default="en")
    reporting_frequency: Mapped[str] = mapped_column(String(20), default="quarterly")
    invoice_format: Mapped[str] = mapped_column(String(20), default="pdf")
    status: Mapped[str] = mapped_column(String(20), default="active", index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_effective_on: Mapped[date | None] = mapped_column(Date)
    next_review_on: Mapped[date | None] = mapped_column(Date, index=True)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Moves with every write to the row (the API's `updated_since`, portal/api).
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, index=True
    )
    # When a partner user last changed the record, for "changed since your last look".
    partner_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Two staff may edit a partner at once: the stale write must fail loudly.
    version: Mapped[int] = mapped_column(default=1)

    users = relationship("User", back_populates="partner", order_by="User.name")
    accreditations = relationship(
        "Accreditation", back_populates="partner", order_by="Accreditation.id"
    )
    types = relationship(
        "PartnershipType", cascade="all, delete-orphan", order_by="PartnershipType.kind"
    )
    # The current contacts (ended ones stay in the table, for the history).
    contacts = relationship(
        "Contact",
        order_by="(Contact.is_primary.desc(), Contact.name)",
        primaryjoin="and_(Contact.partner_id == Partner.id, Contact.ended_at.is_(None))",
        viewonly=True,
    )
    coverage = relationship("Coverage", order_by="Coverage.starts_on", viewonly=True)
    documents = relationship(
        "PartnerDocument", back_populates="partner", order_by="PartnerDocument.valid_until"
    )
    merged_into = relationship("Partner", remote_side=[id])

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        # PostgreSQL: a trigram index answers the list's "contains" search without
        # reading every partner (bench/partners.py). SQLite scans, which is fast enough.
        Index(
            "ix_partners_search_text_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
    )

    @property
    def display_name(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    @property
    def type_keys(self) -> list[str]:
        return [t.kind for t in self.types]

    @property
    def primary_contact(self) -> Contact | None:
        return next((c for c in self.contacts if c.is_primary), None)

    def __repr__(self) -> str:
        return f"<Partner {self.id} {self.name}>"


class PartnershipType(db.Model):
    """What a partner does for the programme; several per partner."""

    __tablename__ = "partnership_types"

    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), primary_key=True, index=True)


class Contact(db.Model):
    """A person at a partner. Never deleted: a replaced contact gets `ended_at`."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254), default="", index=True)
    phone: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    # The login of this person, when they have one.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    partner = relationship("Partner")
    user = relationship("User")

    __table_args__ = (
        # Exactly one current primary focal person per partner (at most one here;
        # the service makes sure there is one).
        Index(
            "uq_contacts_one_primary",
            "partner_id",
            unique=True,
            sqlite_where=and_(is_primary.is_(True), ended_at.is_(None)),
            postgresql_where=and_(is_primary.is_(True), ended_at.is_(None)),
        ),
    )


class Coverage(db.Model):
    """What a partner covers: one org unit, one org-unit group, or the whole country."""

    __tablename__ = "coverage"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    org_unit_id: Mapped[str | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    org_unit_group_id: Mapped[str | None] = mapped_column(ForeignKey("org_unit_groups.id"))
    nationwide: Mapped[bool] = mapped_column(Boolean, default=False)
    # The district the covered unit lies in (or is), for search, filters and grouping.
    district_id: Mapped[str | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    scope_note: Mapped[str] = mapped_column(String(300), default="")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)

    partner = relationship("Partner")
    org_unit = relationship("OrgUnit", foreign_keys=[org_unit_id])
    district = relationship("OrgUnit", foreign_keys=[district_id])
    org_unit_group = relationship("OrgUnitGroup")

    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN org_unit_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN org_unit_group_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN nationwide THEN 1 ELSE 0 END) = 1",
            name="one_target",
        ),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_start"),
    )

    @property
    def current(self) -> bool:
        return self.ends_on is None or self.ends_on >= local_today()

    @property
    def target_name(self) -> str:
        if self.nationwide:
            return "Whole country"
        if self.org_unit is not None:
            return self.org_unit.name
        return f"{self.org_unit_group.name} (group)"


class PartnerDocument(db.Model):
    """An agreement, memorandum of understanding or renewal letter."""

    __tablename__ = "partner_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    reference: Mapped[str] = mapped_column(String(100))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date, index=True)
    filename: Mapped[str] = mapped_column(String(255))
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The agreement (portal.obligations) this signed document belongs to, if any.
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id"), index=True)

    partner = relationship("Partner", back_populates="documents")
    uploaded_by = relationship("User")

    __table_args__ = (
        CheckConstraint(
            "valid_until IS NULL OR valid_until >= valid_from", name="valid_after_from"
        ),
    )


class PartnerReview(db.Model):
    """One annual review of a partner: who, when, and what they noted."""

    __tablename__ = "partner_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    reviewed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")
    next_review_on: Mapped[date] = mapped_column(Date)

    reviewed_by = relationship("User")


class PartnerLook(db.Model):
    """When a staff member last looked at a partner, to show what changed since."""

    __tablename__ = "partner_looks"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
