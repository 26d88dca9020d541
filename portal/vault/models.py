"""The organisation document vault: documents that belong to the partner rather
than to one accreditation, kept with a valid-until date and reused by every
requirement asking for their type while they are valid."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext
from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.extensions import db
from portal.core.types import UTCDateTime, utcnow

# The document types an organisation holds once; requirements name one of these.
# Their labels are read in the reader's language (lazy_gettext).
DOCUMENT_TYPES = {
    "registration_certificate": lazy_gettext("Registration certificate"),
    "audited_accounts": lazy_gettext("Audited accounts"),
    "tax_clearance": lazy_gettext("Tax clearance"),
    "governance_charter": lazy_gettext("Governance charter"),
    "insurance_certificate": lazy_gettext("Insurance certificate"),
}
# accepted: usable while valid; rejected: staff found it wrong (reason given);
# replaced: a newer document of the same type took its place.
VAULT_STATUSES = ("accepted", "rejected", "replaced")


class OrganisationDocument(db.Model):
    __tablename__ = "organisation_documents"
    __table_args__ = (
        Index("ix_organisation_documents_partner_type", "partner_id", "document_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    document_type: Mapped[str] = mapped_column(String(60))
    valid_until: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), default="accepted")
    filename: Mapped[str] = mapped_column(String(255))
    storage_key: Mapped[str] = mapped_column(String(255), unique=True)
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    rejected_reason: Mapped[str | None] = mapped_column(Text)
    rejected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    partner = relationship("Partner")
    uploaded_by = relationship("User", foreign_keys=[uploaded_by_id])
    rejected_by = relationship("User", foreign_keys=[rejected_by_id])

    @property
    def type_label(self) -> str:
        return DOCUMENT_TYPES.get(self.document_type, self.document_type)

    def is_valid(self, today: date) -> bool:
        return self.status == "accepted" and self.valid_until >= today
