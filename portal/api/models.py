"""API tokens: what lets a reporting tool (Power BI, Excel) read the API."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.extensions import db
from portal.core.types import UTCDateTime, utcnow


class ApiToken(db.Model):
    """A bearer token an administrator made. The secret itself is shown once and
    never stored: only its SHA-256 (a random 256-bit secret needs no slow hash:
    there is nothing to guess from a dictionary) and its first characters, so
    people can tell their tokens apart. Revoked tokens stay, for the history."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    # The resources it may read (names from portal.api.registry), e.g. ["partners"].
    scopes: Mapped[list] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    created_by = relationship("User", foreign_keys=[created_by_id])
    revoked_by = relationship("User", foreign_keys=[revoked_by_id])

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def may_read(self, scope: str) -> bool:
        return not self.revoked and scope in self.scopes
