"""Each person's say in the notifications they are emailed: at once or in one digest a
day, and which non-essential kinds not at all.

The bell (portal.notifications.bell.notify) always gets its row; that row is
what a daily digest is later made from. Only the immediate email is held back
here. Essential notifications (final decisions, deadline reminders, check-in
invitations, the steps of a concern, and the account emails that never come
through here: invitations and password links) are always emailed at once,
whatever a person chose.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext, lazy_gettext

from portal.core import audit
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.models import User, utcnow
from portal.notifications.models import KIND_LABELS, NOTIFICATION_KINDS

DELIVERIES = {
    "immediate": lazy_gettext("Email me each notification as it happens"),
    "digest": lazy_gettext("One email a day with the day's notifications"),
}
# Never muted, never held for the digest.
# A concern's steps carry deadlines for the side that hears of them, as reminders do.
ESSENTIAL_KINDS = frozenset(
    {
        "accreditation_decided",
        "deadline_approaching",
        "checkin_scheduled",
        "concern_raised",
        "concern_step",
        "concern_escalated",
    }
)
MUTABLE_KINDS = {k: v for k, v in NOTIFICATION_KINDS.items() if k not in ESSENTIAL_KINDS}
# Kinds only one side ever receives (the rest reach both).
_STAFF_ONLY = {"new_submission"}
_PARTNER_ONLY = {"document_reviewed", "changes_requested", "survey_invitation"}


def kinds_for(user: User) -> dict[str, str]:
    """The non-essential kinds `user` can receive, so the settings page offers
    only what could reach them."""
    other_side = _PARTNER_ONLY if user.is_staff else _STAFF_ONLY
    return {k: KIND_LABELS.get(k, v) for k, v in MUTABLE_KINDS.items() if k not in other_side}


def muted(user: User) -> set[str]:
    return {k for k in (user.muted_notices or "").split(",") if k}


def emails_now(user: User, kind: str, essential: bool = False) -> bool:
    """Whether a notification of `kind` is emailed to `user` as it happens."""
    if not user.active:
        return False
    if essential or kind in ESSENTIAL_KINDS:
        return True
    return user.notice_delivery != "digest" and kind not in muted(user)


def update_preferences(user: User, delivery: str, emailed_kinds: Iterable[str]) -> User:
    """Set `user`'s own delivery and muted kinds: the kinds offered to them that
    they did not keep. Audited; one commit."""
    if delivery not in DELIVERIES:
        raise DomainError(gettext("Choose immediate emails or a daily digest."), field="delivery")
    offered = kinds_for(user)
    kept = set(emailed_kinds)
    unknown = kept - set(offered)
    if unknown:
        raise DomainError(
            gettext(
                "Unknown notification: %(kinds)s. Reload the page and try again.",
                kinds=", ".join(sorted(unknown)),
            ),
            field="emailed",
        )
    before = (user.notice_delivery, user.muted_notices or "")
    # Kinds not offered to this user (the other side's) keep what they were.
    new_muted = (muted(user) - set(offered)) | (set(offered) - kept)
    user.muted_notices = ",".join(sorted(new_muted))
    if delivery == "digest" and user.notice_delivery != "digest":
        # The first digest gathers what arrives from now on, not the whole history.
        user.last_digest_at = utcnow()
    user.notice_delivery = delivery
    audit.record(
        user,
        "notice_preferences_changed",
        user,
        partner_id=user.partner_id,
        changes={
            "notice_delivery": (before[0], user.notice_delivery),
            "muted_notices": (before[1], user.muted_notices),
        },
    )
    db.session.commit()
    return user
