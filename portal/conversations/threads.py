"""Talking inside the portal: the message thread of an accreditation (the support
channel between the partner and the programme team) and the comment thread of a
submission. Writing one notifies and emails the other side, never the author."""

from __future__ import annotations

from collections import defaultdict

from flask_babel import LazyString, force_locale, gettext, lazy_gettext
from sqlalchemy import func
from sqlalchemy.orm import joinedload

from portal.core import audit
from portal.core.access import may_write_messages, require
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.filters import number
from portal.mail.links import external_url
from portal.mail.queue import queue_email
from portal.models import Accreditation, Message, MessageRead, Submission, User
from portal.notifications import bell as notifications
from portal.notifications.bell import notify, partner_users, path_for, staff_users

MAX_BODY = 5000


# --- reading ---------------------------------------------------------------


def thread(accreditation_id: int) -> list[Message]:
    """The accreditation's message thread, oldest first, authors loaded (one query)."""
    return list(
        db.session.scalars(
            db.select(Message)
            .where(Message.accreditation_id == accreditation_id, Message.submission_id.is_(None))
            .options(joinedload(Message.author))
            .order_by(Message.id)
        )
    )


def comments_by_submission(accreditation_id: int) -> dict[int, list[Message]]:
    """Every submission comment of an accreditation, by submission, oldest first:
    one query for the whole dashboard rather than one per requirement."""
    comments: dict[int, list[Message]] = defaultdict(list)
    for message in db.session.scalars(
        db.select(Message)
        .where(Message.accreditation_id == accreditation_id, Message.submission_id.is_not(None))
        .options(joinedload(Message.author))
        .order_by(Message.id)
    ):
        comments[message.submission_id].append(message)
    return dict(comments)


def unread_count(user: User, accreditation_id: int) -> int:
    """Messages in the thread written by others since `user` last read it (one query)."""
    last_read = (
        db.select(MessageRead.last_read_message_id)
        .where(MessageRead.user_id == user.id, MessageRead.accreditation_id == accreditation_id)
        .scalar_subquery()
    )
    return db.session.scalar(
        db.select(func.count(Message.id)).where(
            Message.accreditation_id == accreditation_id,
            Message.submission_id.is_(None),
            Message.author_id != user.id,
            Message.id > func.coalesce(last_read, 0),
        )
    )


def mark_thread_read(user: User, accreditation_id: int, up_to: int | None = None) -> int:
    """Remember that `user` has read the thread (up to message `up_to`, else all
    of it); returns where they had read to before, so a page can mark what is new.
    Writes and commits only when something changed: reading should rarely write."""
    if up_to is None:
        up_to = db.session.scalar(
            db.select(func.coalesce(func.max(Message.id), 0)).where(
                Message.accreditation_id == accreditation_id, Message.submission_id.is_(None)
            )
        )
    before = _advance_read(user, accreditation_id, up_to)
    if before < up_to:
        # The bell's "new message" entries about this thread are read now too.
        notifications.mark_read_about(
            user, path_for("conversations.thread", accreditation_id=accreditation_id)
        )
        db.session.commit()
    return before


def _advance_read(user: User, accreditation_id: int, up_to: int) -> int:
    read = db.session.get(MessageRead, (user.id, accreditation_id))
    if read is None:
        db.session.add(
            MessageRead(
                user_id=user.id, accreditation_id=accreditation_id, last_read_message_id=up_to
            )
        )
        return 0
    before = read.last_read_message_id
    read.last_read_message_id = max(before, up_to)
    return before


# --- writing ---------------------------------------------------------------


def _checked_body(body: str | None) -> str:
    body = (body or "").strip()
    if not body:
        raise DomainError(gettext("Write a message first."), field="body")
    if len(body) > MAX_BODY:
        raise DomainError(
            gettext(
                "Keep it under %(max)s characters (this one has %(length)s).",
                max=number(MAX_BODY),
                length=number(len(body)),
            ),
            field="body",
        )
    return body


def post_message(actor: User, accreditation: Accreditation, body: str) -> Message:
    """Add a message to the accreditation's thread and tell the other side."""
    message = _post(actor, accreditation, None, body)
    link = path_for("conversations.thread", accreditation_id=accreditation.id)
    url = external_url("conversations.thread", accreditation_id=accreditation.id)
    about = lazy_gettext("the message thread")
    _tell_other_side(actor, accreditation, message, about, link, url)
    # The author has read their own message (and everything before it).
    _advance_read(actor, accreditation.id, message.id)
    db.session.commit()
    return message


def post_comment(actor: User, submission: Submission, body: str) -> Message:
    """Add a comment on a submission and tell the other side."""
    accreditation = submission.accreditation
    message = _post(actor, accreditation, submission, body)
    anchor = f"requirement-{submission.requirement_id}"
    link = path_for("accreditation.show", accreditation_id=accreditation.id, _anchor=anchor)
    url = external_url("accreditation.show", accreditation_id=accreditation.id, _anchor=anchor)
    about = lazy_gettext(
        "%(document)s (version %(version)s)",
        document=submission.requirement.name,
        version=submission.version,
    )
    _tell_other_side(actor, accreditation, message, about, link, url)
    db.session.commit()
    return message


def _post(
    actor: User, accreditation: Accreditation, submission: Submission | None, body: str
) -> Message:
    # Views answer 403/404 before this; the domain does not rely on them.
    require(may_write_messages(actor, accreditation))
    message = Message(
        accreditation_id=accreditation.id,
        submission_id=submission.id if submission else None,
        author_id=actor.id,
        body=_checked_body(body),
    )
    db.session.add(message)
    audit.record(
        actor,
        "comment_posted" if submission else "message_posted",
        message,
        partner_id=accreditation.partner_id,
        changes={"length": (None, len(message.body))},
    )
    return message


def _tell_other_side(
    actor: User,
    accreditation: Accreditation,
    message: Message,
    about: LazyString,
    link: str,
    url: str,
) -> None:
    """Partner wrote: the programme team hears; staff wrote: the partner's people."""
    partner = accreditation.partner
    if actor.is_staff:
        recipients = partner_users(partner.id)
        subject = lazy_gettext("New message from the programme team about %(about)s", about=about)
    else:
        recipients = staff_users()
        subject = lazy_gettext(
            "New message from %(partner)s about %(about)s", partner=partner.name, about=about
        )
    with force_locale("en"):  # the bell keeps its titles as written, in English
        title = str(subject)
    recipients = [u for u in recipients if u.id != actor.id]
    notify(recipients, "new_message", title, link, exclude=actor)
    queue_email(
        recipients,
        "new_message",
        {
            "partner": partner,
            "author": actor,
            "about": about,  # lazy: in each recipient's language
            "body": message.body,
            "link": url,
            "to_partner": actor.is_staff,
        },
        subject=subject,
        notification="new_message",
    )
