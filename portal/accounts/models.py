"""People who log in, and the one-time links that let them set a password."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.extensions import db
from portal.core.types import UTCDateTime, utcnow

ROLES = ("admin", "manager", "partner")
# What a partner-side user may do for their organisation.
PARTNER_ROLES = {
    "focal": "Focal point (manages the organisation's users and details)",
    "editor": "Editor (uploads and answers)",
    "viewer": "Viewer (reads)",
}


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    partner_role: Mapped[str | None] = mapped_column(String(20))  # for role "partner"
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The secret in the user's calendar feed URL; resetting it kills old subscriptions.
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Notifications other than reminders and invitations: "immediate" emails each one,
    # "digest" gathers them into one email a day. Muted kinds (comma-separated,
    # non-essential only) are not emailed at all; the bell still shows them.
    notice_delivery: Mapped[str] = mapped_column(String(10), default="immediate")
    muted_notices: Mapped[str] = mapped_column(Text, default="")
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of every session's user id: raising it ends all of the user's sessions
    # (on logout, a password change, deactivation), copied cookies included.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # May take tables out of the portal (exports): staff with a need, not a role.
    can_export: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The language the pages are in, chosen in the header; none: their partner's
    # reporting language, else the browser's (portal.core.i18n.page_language).
    language: Mapped[str | None] = mapped_column(String(8))

    partner = relationship("Partner", back_populates="users")

    def get_id(self) -> str:
        """What the session cookie names: this user, in this session generation."""
        return f"{self.id}:{self.session_version}"

    def end_sessions(self) -> None:
        """Every session of this user stops working (callers commit)."""
        self.session_version += 1

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def is_staff(self) -> bool:
        return self.role in ("admin", "manager")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_focal(self) -> bool:
        return self.role == "partner" and self.partner_role == "focal"

    @property
    def can_edit(self) -> bool:
        """May upload and answer for their organisation (partner viewers only read)."""
        return self.role == "partner" and self.partner_role in ("focal", "editor")

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class PasswordToken(db.Model):
    """A one-time link to set a password; only its SHA-256 is stored."""

    __tablename__ = "password_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User")
