"""The daily digest: one email with a person's notifications since the last,
for those who chose it."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from flask import current_app
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.core.extensions import db
from portal.mail.links import external_url
from portal.mail.queue import queue_email
from portal.models import (
    Notification,
    OutboxEmail,
    User,
    utcnow,
)
from portal.notifications.models import NOTIFICATION_KINDS
from portal.notifications.preferences import ESSENTIAL_KINDS, muted
from portal.reminders.schedule import Summary, has_endpoint


def send_digests(today: date, summary: Summary) -> None:
    """For each person on the daily digest: one email with the notifications they have
    had since their last digest (not the muted kinds, not the essential ones,
    which were emailed at once). One commit."""
    now = utcnow()
    users = db.session.scalars(
        select(User)
        .where(User.active, User.notice_delivery == "digest")
        .order_by(User.id)
        .options(selectinload(User.partner))  # each reads the digest in their language
    ).all()
    if not users:
        return
    keys = {u.id: f"digest:{u.id}:{today.isoformat()}" for u in users}
    taken = set(
        db.session.scalars(
            select(OutboxEmail.idempotency_key).where(
                OutboxEmail.idempotency_key.in_(list(keys.values()))
            )
        )
    )
    users = [u for u in users if keys[u.id] not in taken]
    default_since = now - timedelta(days=1)
    since = {u.id: u.last_digest_at or default_since for u in users}
    if not users:
        return
    notifications: dict[int, list[Notification]] = defaultdict(list)
    for notification in db.session.scalars(
        select(Notification)
        .where(
            Notification.user_id.in_(list(since)),
            Notification.created_at > min(since.values()),
            Notification.created_at <= now,
            Notification.kind.not_in(ESSENTIAL_KINDS),
        )
        .order_by(Notification.id)
    ):
        notifications[notification.user_id].append(notification)
    portal = external_url("notifications.index").removesuffix("/notifications")
    for user in users:
        hidden = muted(user)
        mine = [
            n
            for n in notifications[user.id]
            if n.created_at > since[user.id] and n.kind not in hidden
        ]
        user.last_digest_at = now
        if not mine:
            continue
        fields = {
            "user": user,
            "notifications": [
                {
                    "kind": NOTIFICATION_KINDS.get(n.kind, n.kind),
                    "title": n.title,
                    "link": portal + n.link,
                    "created_at": n.created_at,
                }
                for n in mine
            ],
            "settings_link": external_url("settings.notifications")
            if has_endpoint("settings.notifications")
            else "",
        }
        queue_email(
            [user],
            "digest",
            fields,
            subject=_digest_subject(len(mine)),
            idempotency_key=keys[user.id],
            key_checked=True,
        )
        summary.digests += 1
    db.session.commit()


def _digest_subject(count: int):
    """The digest's subject, written in its recipient's language (queue_email calls it)."""

    def written() -> str:
        return ngettext(
            "[%(programme)s] Your daily summary: %(num)d notification",
            "[%(programme)s] Your daily summary: %(num)d notifications",
            count,
            programme=current_app.config["PROGRAMME_NAME"],
        )

    return written
