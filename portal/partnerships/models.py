"""The "need for a partnership" checklist of a prospective partner and the
decision taken on it. Kept after the decision, for future staff to read."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.extensions import db
from portal.core.types import UTCDateTime, utcnow

# The checklist's sections, in the order of the programme's guidance; `tested`
# says whether the item is one to test with the potential partner.
NEED_SECTIONS = {
    "benefit": (lazy_gettext("Benefits and goals"), True),
    "commitment": (lazy_gettext("Potential commitments from the partner organisation"), False),
    "strategy": (lazy_gettext("Strategy, plan or local priorities it supports"), True),
}
DECISIONS = {"go": lazy_gettext("Go ahead"), "no_go": lazy_gettext("Do not go ahead")}


class NeedCheck(db.Model):
    """One per partner that started as prospective: the research on duplicate
    partnerships and the decision."""

    __tablename__ = "need_checks"

    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), primary_key=True)
    # What the duplicate search found and what was concluded from it.
    research_note: Mapped[str] = mapped_column(Text, default="")
    decision: Mapped[str | None] = mapped_column(String(10))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    items = relationship(
        "NeedItem", order_by="(NeedItem.section, NeedItem.id)", cascade="all, delete-orphan"
    )
    decided_by = relationship("User")

    __table_args__ = (
        CheckConstraint("decision IS NULL OR decision IN ('go', 'no_go')", name="known_decision"),
    )

    def of_section(self, section: str) -> list[NeedItem]:
        return [i for i in self.items if i.section == section]


class NeedItem(db.Model):
    """One benefit or goal, commitment, or strategy the partnership supports."""

    __tablename__ = "need_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("need_checks.partner_id"), index=True)
    section: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    # Tested with the potential partner (benefits and strategy); None where
    # the section is not one to test.
    tested: Mapped[bool | None] = mapped_column(Boolean)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
