"""Partner organisations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow

PARTNER_STATUSES = ("active", "on_hold", "closed")


class Partner(db.Model):
    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    acronym: Mapped[str | None] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(20), default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Two staff may edit a partner at once: the stale write must fail loudly.
    version: Mapped[int] = mapped_column(default=1)

    users = relationship("User", back_populates="partner")
    accreditations = relationship(
        "Accreditation", back_populates="partner", order_by="Accreditation.id"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def display_name(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    def __repr__(self) -> str:
        return f"<Partner {self.id} {self.name}>"
