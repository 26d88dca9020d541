"""Talking inside the portal: the message thread of an accreditation (the support
channel between the partner and the programme team) and the comment thread of a
submission. Writing one notifies and emails the other side, never the author."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from flask_babel import LazyString, force_locale, gettext, lazy_gettext
from sqlalchemy import func
from sqlalchemy.orm import aliased, contains_eager, joinedload

from portal.core import audit
from portal.core.access import may_write_messages, require
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.filters import number
from portal.mail.links import external_url
from portal.mail.queue import queue_email
from portal.models import Accreditation, Message, MessageRead, Partner, Submission, User
from portal.notifications import bell as notifications
from portal.notifications.bell import notify, partner_users, path_for, staff_users

MAX_BODY = 5000


@dataclass
class Unanswered:
    """An accreditation thread whose latest message came from the partner."""

    accreditation_id: int
    partner_id: int
    partner_name: str
    last_message: Message
    # The first partner message since staff last wrote (or since the thread began).
    waiting_since: datetime


def unanswered(limit: int | None = None) -> list[Unanswered]:
    """Accreditation threads waiting for the programme team, longest waiting first.

    One query: the latest message of each thread, kept when its author is a
    partner user, with the time of the first partner message after staff last
    wrote as a correlated subquery."""
    latest = (
        db.select(func.max(Message.id).label("id"))
        .where(Message.submission_id.is_(None))
        .group_by(Message.accreditation_id)
        .subquery()
    )
    staff_message = aliased(Message)
    staff_author = aliased(User)
    last_staff_id = (
        db.select(func.coalesce(func.max(staff_message.id), 0))
        .join(staff_author, staff_author.id == staff_message.author_id)
        .where(
            staff_message.accreditation_id == Message.accreditation_id,
            staff_message.submission_id.is_(None),
            staff_author.role != "partner",
        )
        .correlate(Message)  # the thread of the outer query's message, two levels up
        .scalar_subquery()
    )
    waiting = aliased(Message)
    waiting_since = (
        db.select(func.min(waiting.created_at))
        .where(
            waiting.accreditation_id == Message.accreditation_id,
            waiting.submission_id.is_(None),
            waiting.id > last_staff_id,
        )
        .correlate(Message)
        .scalar_subquery()
        .label("waiting_since")
    )
    query = (
        db.select(Message, Accreditation.partner_id, Partner.name, waiting_since)
        .join(latest, latest.c.id == Message.id)
        .join(Message.author)
        .join(Accreditation, Accreditation.id == Message.accreditation_id)
        .join(Partner, Partner.id == Accreditation.partner_id)
        .where(User.role == "partner")
        .options(contains_eager(Message.author))
        .order_by(waiting_since, Message.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return [
        Unanswered(
            accreditation_id=message.accreditation_id,
            partner_id=partner_id,
            partner_name=partner_name,
            last_message=message,
            waiting_since=since or message.created_at,
        )
        for message, partner_id, partner_name, since in db.session.execute(query)
    ]


@dataclass
class Question:
    """A document's comment thread (every version of one requirement of one
    accreditation) whose latest word is the partner's: a question waiting for
    the programme team, whichever version it was asked on."""

    accreditation_id: int
    partner_id: int
    partner_name: str
    document: str
    last_message: Message  # its .submission is the version it was asked on
    latest_version_id: int  # the document's newest version (its review page)
    # The first partner comment since staff last wrote on the document.
    waiting_since: datetime


def unanswered_questions(limit: int | None = None) -> list[Question]:
    """Documents whose comments end with the partner's, longest waiting first: a
    question asked on an earlier version still waits after a new upload, until
    someone on the programme team comments on any version of the document.

    One query, as `unanswered`: the latest comment of each document, kept when a
    partner user wrote it."""
    same_document = (Submission.accreditation_id, Submission.requirement_id)
    latest = (
        db.select(func.max(Message.id).label("id"))
        .join(Submission, Submission.id == Message.submission_id)
        .group_by(*same_document)
        .subquery()
    )
    version, staff_message, staff_author = aliased(Submission), aliased(Message), aliased(User)
    last_staff_id = (
        db.select(func.coalesce(func.max(staff_message.id), 0))
        .join(version, version.id == staff_message.submission_id)
        .join(staff_author, staff_author.id == staff_message.author_id)
        .where(
            version.accreditation_id == Submission.accreditation_id,
            version.requirement_id == Submission.requirement_id,
            staff_author.role != "partner",
        )
        .correlate(Submission)
        .scalar_subquery()
    )
    waiting, waiting_version = aliased(Message), aliased(Submission)
    waiting_since = (
        db.select(func.min(waiting.created_at))
        .join(waiting_version, waiting_version.id == waiting.submission_id)
        .where(
            waiting_version.accreditation_id == Submission.accreditation_id,
            waiting_version.requirement_id == Submission.requirement_id,
            waiting.id > last_staff_id,
        )
        .correlate(Submission)
        .scalar_subquery()
        .label("waiting_since")
    )
    newest = aliased(Submission)
    latest_version_id = (
        db.select(func.max(newest.id))
        .where(
            newest.accreditation_id == Submission.accreditation_id,
            newest.requirement_id == Submission.requirement_id,
        )
        .correlate(Submission)
        .scalar_subquery()
        .label("latest_version_id")
    )
    query = (
        db.select(Message, Accreditation.partner_id, Partner.name, waiting_since, latest_version_id)
        .join(latest, latest.c.id == Message.id)
        .join(Message.author)
        .join(Submission, Submission.id == Message.submission_id)
        .join(Accreditation, Accreditation.id == Submission.accreditation_id)
        .join(Partner, Partner.id == Accreditation.partner_id)
        .where(User.role == "partner")
        .options(
            contains_eager(Message.author),
            contains_eager(Message.submission).joinedload(Submission.requirement),
        )
        .order_by(waiting_since, Message.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return [
        Question(
            accreditation_id=message.accreditation_id,
            partner_id=partner_id,
            partner_name=partner_name,
            document=message.submission.requirement.name,
            last_message=message,
            latest_version_id=newest_id,
            waiting_since=since or message.created_at,
        )
        for message, partner_id, partner_name, since, newest_id in db.session.execute(query)
    ]


def document_comments(submission: Submission) -> list[Message]:
    """Every comment on every version of `submission`'s document, oldest first,
    each with its author and the version it was written on (one query)."""
    return list(
        db.session.scalars(
            db.select(Message)
            .join(Submission, Submission.id == Message.submission_id)
            .where(
                Submission.accreditation_id == submission.accreditation_id,
                Submission.requirement_id == submission.requirement_id,
            )
            .options(contains_eager(Message.submission), joinedload(Message.author))
            .order_by(Message.id)
        )
    )


def unanswered_among(comments: list[Message]) -> list[Message]:
    """The partner's comments since the programme team last wrote on the document
    (`comments` oldest first, as document_comments gives them)."""
    waiting: list[Message] = []
    for message in comments:
        waiting = [] if message.author.role != "partner" else [*waiting, message]
    return waiting


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
