"""What waits for the programme team's answer: accreditation threads whose last
word is the partner's, and partners' questions on documents, on any version of the
document (a question asked on version 1 still waits when version 2 arrives), until
staff write on that document."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.orm import aliased, contains_eager, joinedload

from portal.core.extensions import db
from portal.models import Accreditation, Message, Partner, Submission, User


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
