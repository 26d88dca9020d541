"""Password hashing, log-in checks and one-time password links."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext

from portal.core import audit
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.models import PasswordToken, User, utcnow

_hasher = PasswordHasher()
# Verified against when the email is unknown, so both answers take as long.
_DUMMY_HASH = _hasher.hash("not-a-real-password")
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


class AccountDeactivated(Exception):
    """The password is right but the account is deactivated: said only after the
    right password, so that it tells a guesser nothing."""

    def __init__(self, user: User):
        super().__init__(user.email)
        self.user = user


def authenticate(email: str, password: str) -> User | None:
    """Return the active user with these credentials, else None (log_in records
    the login)."""
    try:
        return check_credentials(email, password)
    except AccountDeactivated:
        return None


def check_credentials(email: str, password: str) -> User | None:
    """As authenticate, but the right password of a deactivated account raises
    AccountDeactivated, so that the log-in page can say so (and to whom to turn)."""
    user = db.session.scalar(db.select(User).filter_by(email=email.strip().lower()))
    stored = user.password_hash if user and user.password_hash else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.password_hash:
        return None
    if not user.active:
        raise AccountDeactivated(user)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
        db.session.commit()
    return user


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(user: User) -> str:
    """Add a one-time password link for `user`; return the raw token (callers commit)."""
    raw = secrets.token_urlsafe(32)
    hours = current_app.config["INVITATION_HOURS"]
    db.session.add(
        PasswordToken(
            user=user, token_hash=_digest(raw), expires_at=utcnow() + timedelta(hours=hours)
        )
    )
    return raw


def usable_token(raw: str) -> PasswordToken | None:
    token = db.session.scalar(db.select(PasswordToken).filter_by(token_hash=_digest(raw)))
    if token is None or token.used_at is not None or token.expires_at <= utcnow():
        return None
    return token


def set_password_with_token(raw: str, password: str) -> User:
    """Use a one-time link to set the password; the link then stops working."""
    token = usable_token(raw)
    if token is None:
        raise DomainError(gettext("This link has expired or has already been used."))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            gettext("Use at least %(num)d characters.", num=MIN_PASSWORD_LENGTH), field="password"
        )
    # Claim the token with a conditional update so that two tabs cannot both use it.
    claimed = db.session.execute(
        db.update(PasswordToken)
        .where(PasswordToken.id == token.id, PasswordToken.used_at.is_(None))
        .values(used_at=utcnow())
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        raise DomainError(gettext("This link has expired or has already been used."))
    user = token.user
    had_password = user.password_hash is not None
    user.password_hash = hash_password(password)
    user.end_sessions()  # whoever knew the old password is logged out everywhere
    audit.record(
        user,
        "password_reset" if had_password else "password_set",
        user,
        partner_id=user.partner_id,
    )
    db.session.commit()
    return user
