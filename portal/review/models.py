"""Review: the reasons staff choose from when they send a document back."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.extensions import db
from portal.core.translated import translations_column
from portal.core.types import UTCDateTime, utcnow

# What the first migration seeds, in this order (and the demo and tests, whose
# tables are made without migrations). Administrators change the list afterwards.
DEFAULT_REASONS = ("Incomplete", "Wrong document", "Not signed", "Expired", "Illegible", "Other")


class ChangeReason(db.Model):
    """Why a document was sent back. Retired, never deleted: documents sent back
    for a reason keep it, and the analytics still count it. `label` is English
    (exports, the audit trail); `translations` holds the other languages'."""

    __tablename__ = "change_reasons"
    __table_args__ = (
        # Two active reasons never share a label (the domain also refuses case
        # variants; this holds when two administrators save at once).
        Index(
            "uq_change_reasons_active_label",
            "label",
            unique=True,
            sqlite_where=text("retired_at IS NULL"),
            postgresql_where=text("retired_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(120))
    position: Mapped[int]
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The label in the other languages staff wrote it in ({"fr": {"label": "…"}});
    # read through core.translated.translated(reason, "label"), English otherwise.
    translations = translations_column()

    @property
    def retired(self) -> bool:
        return self.retired_at is not None

    def __repr__(self) -> str:
        return f"<ChangeReason {self.id} {self.label}>"
