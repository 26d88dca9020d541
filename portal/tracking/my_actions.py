"""A staff member's own outstanding actions: the reviews waiting for them (and for
anyone), the accreditations ready for final sign-off, the messages unanswered."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.concerns.health import OpenConcern, past_deadline
from portal.conversations.waiting import unanswered, unanswered_questions
from portal.core.clock import local_today
from portal.core.extensions import db
from portal.models import Accreditation, Submission, User
from portal.review.assignment import review_due_on
from portal.tracking.overview import OverviewRow, ready_for_sign_off

SHOWN = 50  # per list; the review queue and the overview have the rest


@dataclass
class Review:
    submission: Submission
    review_by: date


@dataclass
class MyActions:
    assigned: list[Review]
    unassigned: list[Review]
    sign_off: list[OverviewRow]
    unanswered: list  # of portal.conversations.waiting.Unanswered
    today: date
    shown: int = SHOWN
    concerns: list[OpenConcern] = field(default_factory=list)  # past their deadline
    # Partners' questions on documents (any version), of conversations.waiting.Question
    questions: list = field(default_factory=list)


def _waiting(*conditions) -> list[Review]:
    submissions = db.session.scalars(
        select(Submission)
        .where(Submission.status == "submitted", *conditions)
        .options(
            joinedload(Submission.accreditation).joinedload(Accreditation.partner),
            joinedload(Submission.requirement),
        )
        .order_by(Submission.uploaded_at, Submission.id)
        .limit(SHOWN + 1)
    ).all()
    return [Review(s, review_due_on(s)) for s in submissions]


def my_actions(user: User, today: date | None = None) -> MyActions:
    """Seven queries, however much is waiting."""
    today = today or local_today()
    return MyActions(
        assigned=_waiting(Submission.assigned_to_id == user.id),
        unassigned=_waiting(Submission.assigned_to_id.is_(None)),
        sign_off=ready_for_sign_off(today, limit=SHOWN + 1),
        unanswered=unanswered(limit=SHOWN + 1),
        today=today,
        concerns=past_deadline(user, today, limit=SHOWN + 1),
        questions=unanswered_questions(limit=SHOWN + 1),
    )
