"""Who hears of a concern, in the bell and by email (callers commit). The text of
a concern never goes into an email: the link leads to the page, which checks
who may read it."""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app

from portal.core.extensions import db
from portal.mail.links import external_url
from portal.mail.queue import queue_email
from portal.models import Concern, User
from portal.notifications.bell import notify, partner_users, path_for, staff_users


def admins() -> list[User]:
    return list(db.session.scalars(db.select(User).where(User.role == "admin", User.active)))


def partner_side(concern: Concern) -> list[User]:
    """The partner's people who may see it: a confidential one, its raiser only."""
    if concern.confidential:
        return [concern.raised_by] if concern.raised_by.active else []
    return partner_users(concern.partner_id)


def on_raising(concern: Concern) -> list[User]:
    """The other side, and the administrators."""
    if concern.raised_by_side == "partner":
        return admins() if concern.confidential else staff_users()
    return [*partner_side(concern), *admins()]


def followers(concern: Concern) -> list[User]:
    """Who hears of each step and answer: the raiser, the partner's people who
    may see it, and the administrators (managers when they raised it)."""
    people = [*partner_side(concern), *admins()]
    if concern.raised_by.active:
        people.append(concern.raised_by)
    return people


def tell(
    people: Iterable[User],
    concern: Concern,
    *,
    actor: User | None,
    kind: str,
    template: str,
    heading: str,
    key: str | None = None,
    **fields,
) -> int:
    """Bell and email to `people` but the actor; how many were told."""
    people = [p for p in {p.id: p for p in people}.values() if actor is None or p.id != actor.id]
    link = path_for("concerns.show", concern_id=concern.id)
    made = notify(people, kind, heading, link, idempotency_key=key)
    if key is not None and not made:
        return 0  # told already (the daily run ran twice)
    programme = current_app.config["PROGRAMME_NAME"]
    queue_email(
        [p for p in people if key is None or any(n.user_id == p.id for n in made)],
        template,
        {
            "concern": concern,
            "partner": concern.partner.display_name,
            "actor": actor,
            "heading": heading,
            "link": external_url("concerns.show", concern_id=concern.id),
            **fields,
        },
        subject=f"[{programme}] {heading}",
        notification=kind,
        idempotency_key=f"{key}:email" if key else None,
    )
    return len(people)
