"""Staff try a failed email again from the Email log."""

from __future__ import annotations

from flask_babel import gettext

from portal.core import audit
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.models import OutboxEmail, User


def may_retry(email: OutboxEmail) -> bool:
    """Given up, or waiting out a back-off."""
    return email.status == "failed" or (email.status == "pending" and email.attempts > 0)


def retry_now(actor: User, email: OutboxEmail) -> None:
    """Try a failed (or backing-off) email again on the next delivery run, with
    all its attempts back."""
    if not may_retry(email):
        raise DomainError(
            gettext("Only failed email, or email waiting to be retried, can be retried now.")
        )
    _requeue(actor, email)
    db.session.commit()


def retry_all_failed(actor: User) -> int:
    """Every failed email goes out again on the next delivery run, with all its
    attempts back (after an outage, or once an address is fixed); each is
    audited, with how many went back together. Returns how many."""
    failed = list(db.session.scalars(db.select(OutboxEmail).where(OutboxEmail.status == "failed")))
    for email in failed:
        _requeue(actor, email, f"Retry all failed: {len(failed)} email(s) re-queued together.")
    db.session.commit()
    return len(failed)


def _requeue(actor: User, email: OutboxEmail, reason: str | None = None) -> None:
    """Pending again with every attempt back, and audited (callers commit)."""
    before = (email.status, email.attempts, email.next_attempt_at)
    email.status, email.attempts, email.next_attempt_at = "pending", 0, None
    audit.record(
        actor,
        "email_retried",
        email,
        partner_id=None,
        changes={
            "status": (before[0], "pending"),
            "attempts": (before[1], 0),
            "next_attempt_at": (before[2], None),
        },
        reason=reason,
    )
