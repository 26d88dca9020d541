"""In-portal notifications: made beside the emails for the same events, for the
people who may see what they are about. Callers commit."""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app, has_request_context, url_for
from flask_babel import gettext
from sqlalchemy import func

from portal.core.errors import DomainError
from portal.core.extensions import db
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
    people = [u for u in {u.id: u for u in users}.values() if exclude is None or u.id != exclude.id]
    keys = {u.id: f"{idempotency_key}:u{u.id}" if idempotency_key else None for u in people}
    # The keys already used, in one query however many people there are.
    done = (
        set(
            db.session.scalars(
                db.select(Notification.idempotency_key).where(
                    Notification.idempotency_key.in_(list(keys.values()))
                )
            )
        )
        if idempotency_key and people
        else set()
    )
    made = []
    for user in people:
        if keys[user.id] in done:
            continue
        notification = Notification(
            user_id=user.id, kind=kind, title=title[:300], link=link, idempotency_key=keys[user.id]
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


def mark_read_about(user: User, link: str) -> int:
    """Mark `user`'s unread notifications that point at `link` read (e.g. on
    opening the thread they announce). Callers commit."""
    return db.session.execute(
        db.update(Notification)
        .where(
            Notification.user_id == user.id,
            Notification.read_at.is_(None),
            Notification.link == link,
        )
        .values(read_at=utcnow())
    ).rowcount


def read(user: User, notification_id: int) -> Notification | None:
    """One of `user`'s own notifications, marked read (None: not theirs or none)."""
    notification = db.session.scalar(
        db.select(Notification).where(
            Notification.id == notification_id, Notification.user_id == user.id
        )
    )
    if notification is not None and notification.read_at is None:
        notification.read_at = utcnow()
        db.session.commit()
    return notification


def read_all(user: User, up_to: int | None) -> int:
    """Mark `user`'s notifications read, up to the newest they were shown (one
    that arrived after the page was loaded stays unread); how many changed."""
    if not up_to or up_to < 1:
        raise DomainError(
            gettext("Reload the page and try again: which notifications to mark is missing.")
        )
    changed = db.session.execute(
        db.update(Notification)
        .where(
            Notification.user_id == user.id,
            Notification.read_at.is_(None),
            Notification.id <= up_to,
        )
        .values(read_at=utcnow())
    ).rowcount
    db.session.commit()
    return changed


def newest_id(user: User) -> int:
    return db.session.scalar(
        db.select(func.coalesce(func.max(Notification.id), 0)).where(
            Notification.user_id == user.id
        )
    )


def page_of(user: User, page: int, per_page: int = 50):
    """`user`'s notifications, newest first, a page at a time (two queries)."""
    return db.paginate(
        db.select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.id.desc()),
        page=page,
        per_page=per_page,
        error_out=False,
    )
