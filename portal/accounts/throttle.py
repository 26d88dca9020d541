"""Throttling guesses at passwords. Failed log-ins are counted per account (the
email typed, known or not, so the answer says nothing about who has a login)
and per client address, in the limiter's store (Redis in production). While a
budget is spent every log-in there is refused, the right password too; only
failures count, so people who type their password right are never slowed by
it. When an account's budget runs out its owner is told once per window.

Password-reset requests are counted the same way, every request, since each
one sends an email."""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext, ngettext
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse
from limits.errors import StorageError

from portal.core import audit
from portal.core.extensions import db, limiter
from portal.mail.links import external_url
from portal.mail.queue import queue_email
from portal.models import User


@dataclass(frozen=True)
class Throttled:
    """A refusal: whose budget is spent ("account" or "address") and until when."""

    scope: str
    retry_at: float  # seconds since the epoch, as the limiter's store counts them

    @property
    def minutes(self) -> int:
        return max(1, math.ceil((self.retry_at - time.time()) / 60))

    @property
    def retry_after(self) -> str:
        """The Retry-After header's value, in seconds."""
        return str(max(1, math.ceil(self.retry_at - time.time())))

    def message(self, kind: str = "login") -> str:
        """Why this is refused and when to try again; `kind` is "login" or "reset"."""
        minutes = self.minutes
        messages = {
            ("login", "account"): ngettext(
                "Too many failed log-ins for this account. Try again in %(num)d minute.",
                "Too many failed log-ins for this account. Try again in %(num)d minutes.",
                minutes,
            ),
            ("login", "address"): ngettext(
                "Too many failed log-ins from your network. Try again in %(num)d minute.",
                "Too many failed log-ins from your network. Try again in %(num)d minutes.",
                minutes,
            ),
            ("reset", "account"): ngettext(
                "Too many requests for a new password for this account."
                " Try again in %(num)d minute.",
                "Too many requests for a new password for this account."
                " Try again in %(num)d minutes.",
                minutes,
            ),
            ("reset", "address"): ngettext(
                "Too many requests for a new password from your network."
                " Try again in %(num)d minute.",
                "Too many requests for a new password from your network."
                " Try again in %(num)d minutes.",
                minutes,
            ),
        }
        return messages[(kind, self.scope)]


# When the store cannot be reached, log-ins go on unthrottled (and it is logged):
# an outage of the counters must not lock everyone out; argon2 still slows guesses.


def login_refusal(email: str) -> Throttled | None:
    """Why a log-in as `email` from this request's address is refused now, if it is."""
    try:
        return _spent(_budgets("login", "LOGIN_FAILURES", email))
    except StorageError:
        current_app.logger.exception("The rate-limit store is unreachable; log-in not checked")
        return None


def record_failed_login(email: str) -> None:
    """Count a failed log-in; the owner of an account whose budget this spends is
    told (once per window) and the event is audited."""
    budgets = _budgets("login", "LOGIN_FAILURES", email)
    item, identifiers = budgets["account"]
    try:
        for budget, budget_identifiers in budgets.values():
            limiter.limiter.hit(budget, *budget_identifiers)
        spent = limiter.limiter.get_window_stats(item, *identifiers).remaining == 0
    except StorageError:
        current_app.logger.exception("The rate-limit store is unreachable; failure not counted")
        return
    if spent:
        _tell_the_owner(email, item)


def reset_refusal(email: str) -> Throttled | None:
    """Count a request for a password-reset link; say why it is refused, if it is."""
    budgets = _budgets("reset", "PASSWORD_RESETS", email)
    try:
        if refusal := _spent(budgets):
            return refusal
        for item, identifiers in budgets.values():
            limiter.limiter.hit(item, *identifiers)
    except StorageError:
        current_app.logger.exception("The rate-limit store is unreachable; request not counted")
    return None


def _budgets(kind: str, setting: str, email: str) -> dict[str, tuple[RateLimitItem, list[str]]]:
    config = current_app.config
    prefix = config["RATELIMIT_KEY_PREFIX"]
    return {
        "account": (
            parse(config[f"{setting}_PER_ACCOUNT"]),
            [prefix, kind, "account", _account_key(email)],
        ),
        "address": (
            parse(config[f"{setting}_PER_ADDRESS"]),
            [prefix, kind, "address", get_remote_address() or "unknown"],
        ),
    }


def _account_key(email: str) -> str:
    # Normalised as log-in normalises it, and hashed: the store holds no addresses.
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def _spent(budgets: dict[str, tuple[RateLimitItem, list[str]]]) -> Throttled | None:
    for scope, (item, identifiers) in budgets.items():
        if not limiter.limiter.test(item, *identifiers):
            reset_at = limiter.limiter.get_window_stats(item, *identifiers).reset_time
            return Throttled(scope, reset_at)
    return None


def _tell_the_owner(email: str, item: RateLimitItem) -> None:
    """One email per window to the account's owner (nobody, for an unknown email)."""
    user = db.session.scalar(db.select(User).filter_by(email=email.strip().lower()))
    if user is None or not user.active:
        return
    window = item.get_expiry()
    minutes = window // 60
    email_queued = queue_email(
        [user],
        "login_throttled",
        {
            "user": user,
            "failures": item.amount,
            "minutes": minutes,
            "link": external_url("auth.forgot_password"),
        },
        subject=lazy_gettext("Log-ins to your account are paused after failed attempts"),
        idempotency_key=f"login-throttled:{user.id}:{int(time.time() // window)}",
    )
    if email_queued is not None:
        audit.record(
            None,
            "login_throttled",
            user,
            partner_id=user.partner_id,
            reason=f"{item.amount} failed log-ins within {minutes} minutes",
        )
    db.session.commit()
