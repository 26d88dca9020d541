"""Who reviews a submission, and by when."""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext

from portal.core import audit
from portal.core.access import may_assign_reviews, require
from portal.core.clock import local_day
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.models import Submission, User


def add_working_days(start: date, days: int) -> date:
    """`days` working days (Monday to Friday) after `start`."""
    day = start
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def review_due_on(submission: Submission) -> date:
    """The date by which staff should have decided (REVIEW_WORKING_DAYS after upload)."""
    days = current_app.config["REVIEW_WORKING_DAYS"]
    return add_working_days(local_day(submission.uploaded_at), days)


def reviewers() -> list[User]:
    """The staff who may be assigned a review."""
    return db.session.scalars(
        db.select(User)
        .where(User.role.in_(("admin", "manager")), User.active.is_(True))
        .order_by(User.name)
    ).all()


def assign_reviewer(actor: User, submission: Submission, reviewer: User | None) -> None:
    """Give the submission to `reviewer` (None: to nobody in particular)."""
    require(may_assign_reviews(actor))
    if submission.status != "submitted":
        raise DomainError(
            gettext("This document is already reviewed or replaced."), field="reviewer_id"
        )
    if reviewer is not None and not (reviewer.is_staff and reviewer.active):
        raise DomainError(gettext("Choose a member of the programme team."), field="reviewer_id")
    before = submission.assigned_to.name if submission.assigned_to else None
    after = reviewer.name if reviewer else None
    if before == after:
        return
    submission.assigned_to = reviewer
    audit.record(
        actor,
        "review_assigned",
        submission,
        partner_id=submission.accreditation.partner_id,
        changes={"reviewer": (before, after)},
    )
    db.session.commit()
