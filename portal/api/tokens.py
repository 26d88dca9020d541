"""API tokens: creating, revoking, and what each request with one goes through
(who it is, whether it is within its rate, the audit of its use).

A token is `pp_` and 43 characters of a random 256-bit secret. Only its SHA-256
is stored: the secret is shown once, on the page that created it, and cannot
be read back (a lost token is revoked and replaced). Every request looks the
token up again, so a revocation holds from the next request on."""

from __future__ import annotations

import hashlib
import math
import secrets
import time
from datetime import timedelta

from flask import current_app
from flask_babel import gettext
from limits import parse
from limits.errors import StorageError
from sqlalchemy import or_

from portal.api import registry
from portal.api.errors import too_many, unauthorized
from portal.core import audit
from portal.core.access import may_manage_api_tokens, require
from portal.core.errors import DomainError
from portal.core.extensions import db, limiter
from portal.models import ApiToken, User, utcnow

SECRET_START = "pp_"  # noqa: S105 - how every token begins, not a secret
PREFIX_LENGTH = len(SECRET_START) + 8  # what lists show: "pp_" and 8 of the secret's 43
NAME_MAX = 100
USED_EVERY = timedelta(minutes=1)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


# --- administrators' side -------------------------------------------------------


def create_token(actor: User, name: str, scopes: list[str]) -> tuple[ApiToken, str]:
    """A new token named `name` that may read `scopes`; returns it with its
    secret, which nothing keeps afterwards."""
    require(may_manage_api_tokens(actor))
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(
            gettext("Name the token after who uses it, e.g. “Power BI – M&E team”."), "name"
        )
    if len(name) > NAME_MAX:
        raise DomainError(gettext("Keep the name under %(max)d characters.", max=NAME_MAX), "name")
    known = registry.scopes()
    chosen = [s for s in known if s in set(scopes or [])]
    if set(scopes or []) - set(known):
        raise DomainError(gettext("Choose among the listed resources."), "scopes")
    if not chosen:
        raise DomainError(gettext("Choose at least one resource the token may read."), "scopes")
    secret = SECRET_START + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name,
        secret_hash=digest(secret),
        prefix=secret[:PREFIX_LENGTH],
        scopes=chosen,
        created_by_id=actor.id,
    )
    db.session.add(token)
    audit.record(
        actor,
        "api_token_created",
        token,
        partner_id=None,
        changes=audit.created(token, ["name", "prefix"]) | {"scopes": (None, ", ".join(chosen))},
    )
    db.session.commit()
    return token, secret


def revoke_token(actor: User, token: ApiToken) -> None:
    """The token stops working at once; it stays listed, revoked."""
    require(may_manage_api_tokens(actor))
    now = utcnow()
    # Conditional, so two administrators revoking at once record one revocation.
    won = db.session.execute(
        db.update(ApiToken)
        .where(ApiToken.id == token.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now, revoked_by_id=actor.id)
    ).rowcount
    if won != 1:
        db.session.rollback()
        raise DomainError(gettext("“%(name)s” was revoked already.", name=token.name))
    db.session.refresh(token)
    audit.record(
        actor, "api_token_revoked", token, partner_id=None, changes={"revoked_at": (None, now)}
    )
    db.session.commit()


def tokens() -> list[ApiToken]:
    """Every token, the ones in use first, newest first."""
    query = db.select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())
    return list(db.session.scalars(query))


# --- each request ------------------------------------------------------------------


def bearer(header: str | None) -> ApiToken:
    """The token an Authorization header carries, or a 401. Cookies never count:
    the API has no session, so nothing a browser sends by itself gets in."""
    scheme, _, secret = (header or "").strip().partition(" ")
    if not header:
        raise unauthorized("Send a token in the Authorization header: “Bearer <token>”.")
    if scheme.lower() != "bearer" or not secret.strip():
        raise unauthorized("The Authorization header must be “Bearer <token>”.")
    token = db.session.scalar(db.select(ApiToken).filter_by(secret_hash=digest(secret.strip())))
    if token is None:
        raise unauthorized("This token is not known; check it was copied whole.", invalid=True)
    if token.revoked:
        raise unauthorized("This token was revoked; ask an administrator for a new one.", True)
    return token


def within_rate(token: ApiToken) -> None:
    """Count the request against the token's API_RATE_LIMIT, or answer 429. When
    the limiter's store is unreachable the request goes on (and it is logged):
    the counters' outage must not stop every report."""
    item = parse(current_app.config["API_RATE_LIMIT"])
    identifiers = [current_app.config["RATELIMIT_KEY_PREFIX"], "api", str(token.id)]
    try:
        if limiter.limiter.hit(item, *identifiers):
            return
        reset_at = limiter.limiter.get_window_stats(item, *identifiers).reset_time
    except StorageError:
        current_app.logger.exception("The rate-limit store is unreachable; API call not counted")
        return
    wait = max(1, math.ceil(reset_at - time.time()))
    raise too_many(
        f"This token may make {item.amount} requests per {item.get_expiry()} seconds; "
        f"try again in {wait} seconds.",
        wait,
    )


def record_use(token: ApiToken, path: str, rows: int) -> None:
    """Audit one answered request and note when the token was last used. The
    page is written by now: its rows leave the session first, so the commit does
    not expire thousands of objects nobody reads again (a third of a page's time)."""
    db.session.expunge_all()
    _mark_used(token)
    audit.record(None, "api_read", token, partner_id=None, reason=f"GET {path}: {rows} rows")
    db.session.commit()


def _mark_used(token: ApiToken) -> None:
    """last_used_at, to the minute: a tool walking pages in parallel would
    otherwise queue every request behind the one row's lock."""
    now = utcnow()
    db.session.execute(
        db.update(ApiToken)
        .where(ApiToken.id == token.id)
        .where(or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - USED_EVERY))
        .values(last_used_at=now)
    )


def record_refusal(token: ApiToken, path: str, status: int, message: str) -> None:
    """Audit a request the token made but was refused (outside its scopes, a bad query)."""
    db.session.rollback()  # nothing of the refused request is kept but this
    _mark_used(token)
    audit.record(
        None, "api_refused", token, partner_id=None, reason=f"GET {path}: {status} {message}"
    )
    db.session.commit()
