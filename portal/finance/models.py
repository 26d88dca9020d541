"""A partner's bank account for payments, and the changes to it that wait for
a second administrator's confirmation."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.extensions import db
from portal.core.types import UTCDateTime, utcnow

CHANGE_STATUSES = {
    "pending": lazy_gettext("Waiting for confirmation"),
    "confirmed": lazy_gettext("Confirmed"),
    "cancelled": lazy_gettext("Cancelled"),
}
# The fields a change proposes and an account holds, in the order pages show them.
BANK_FIELDS = ("holder", "bank", "account_number", "bic", "currency")


class BankAccount(db.Model):
    """The bank details payments go to: one per partner, set by a confirmed change."""

    __tablename__ = "bank_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), unique=True)
    holder: Mapped[str] = mapped_column(String(200))
    bank: Mapped[str] = mapped_column(String(200))
    # An IBAN (compact, upper case) or a national account number.
    account_number: Mapped[str] = mapped_column(String(40))
    bic: Mapped[str | None] = mapped_column(String(11))
    currency: Mapped[str] = mapped_column(String(3))
    # The change that set these values (who proposed it, who confirmed it).
    change_id: Mapped[int | None] = mapped_column(ForeignKey("bank_details_changes.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    change = relationship("BankDetailsChange", foreign_keys=[change_id])

    @property
    def name(self) -> str:  # what the audit trail calls it: never the number
        return "Bank details for payments"


class BankDetailsChange(db.Model):
    """Proposed bank details, with the reason; they replace the account only when
    an administrator other than the proposer confirms them. The proposer may cancel."""

    __tablename__ = "bank_details_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    holder: Mapped[str] = mapped_column(String(200))
    bank: Mapped[str] = mapped_column(String(200))
    account_number: Mapped[str] = mapped_column(String(40))
    bic: Mapped[str | None] = mapped_column(String(11))
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    proposed_by = relationship("User", foreign_keys=[proposed_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'confirmed', 'cancelled')", name="bank_change_status"
        ),
        # The database holds the two-person rule too: nobody confirms their own change.
        CheckConstraint(
            "status <> 'confirmed' OR decided_by_id <> proposed_by_id",
            name="bank_change_second_person",
        ),
        # One change at a time waits for a partner.
        Index(
            "ix_bank_details_changes_one_pending",
            "partner_id",
            unique=True,
            sqlite_where=db.text("status = 'pending'"),
            postgresql_where=db.text("status = 'pending'"),
        ),
    )

    @property
    def name(self) -> str:
        return f"Bank details change #{self.id}"

    @property
    def status_label(self) -> str:
        return CHANGE_STATUSES.get(self.status, self.status)
