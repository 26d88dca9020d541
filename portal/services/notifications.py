"""In-portal notifications: made beside the emails for the same events, for the
people who may see what they are about. Callers commit."""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app, has_request_context, url_for
from sqlalchemy import func

from portal.extensions import db
from portal.models import Notification, User, utcnow


def path_for(endpoint: str, **values) -> str:
    """A portal path for a notification's link, also from the command line."""
    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context():
        return url_for(endpoint, **values)


def partner_users(partner_id: int) -> list[User]:
    return list(
        db.session.scalars(db.select(User).where(User.partner_id == partner_id, User.active))
    )


def staff_users() -> list[User]:
    return list(
        db.session.scalars(db.select(User).where(User.role.in_(("admin", "manager")), User.active))
    )


def notify(
    users: Iterable[User],
    kind: str,
    title: str,
    link: str,
    *,
    idempotency_key: str | None = None,
    exclude: User | None = None,
) -> list[Notification]:
    """One notification per user (not the one who caused it). With a key, a
    second call with the same key adds nothing (the key is per user)."""
    made = []
    for user in {u.id: u for u in users}.values():
        if exclude is not None and user.id == exclude.id:
            continue
        key = f"{idempotency_key}:u{user.id}" if idempotency_key else None
        if key and db.session.scalar(
            db.select(Notification.id).where(Notification.idempotency_key == key)
        ):
            continue
        notification = Notification(
            user_id=user.id, kind=kind, title=title[:300], link=link, idempotency_key=key
        )
        db.session.add(notification)
        made.append(notification)
    return made


def unread_count(user: User) -> int:
    return db.session.scalar(
        db.select(func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    )


def mark_read(user: User, notification_id: int | None = None) -> int:
    """Mark one of `user`'s notifications (or all of them) read; how many changed."""
    query = db.update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    return db.session.execute(query.values(read_at=utcnow())).rowcount
