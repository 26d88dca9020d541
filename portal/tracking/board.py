"""The outstanding-actions board: what partners owe soon or late, and what waits
for the programme team, across all partners; and its bulk actions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.core.clock import local_today
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.inputs import identifier_or_none
from portal.models import (
    Accreditation,
    ChecklistItem,
    Partner,
    Requirement,
    Submission,
    User,
)
from portal.review.assignment import assign_reviewer, review_due_on
from portal.tracking.overview import owed_condition

DEFAULT_DAYS = 14
MAX_DAYS = 366
GROUPINGS = ("partner", "action")
# Closed partners' logins are disabled: nobody there to remind.
CURRENT_PARTNERS = ("active", "on_hold")


@dataclass
class DueItem:
    """A checklist item the partner still owes."""

    item: ChecklistItem
    partner_id: int
    partner_name: str
    requirement_name: str
    today: date

    @property
    def due_on(self) -> date:
        return self.item.due_on

    @property
    def overdue(self) -> bool:
        return self.item.due_on < self.today


@dataclass
class WaitingReview:
    """A submission waiting for the programme team, with its review-by date."""

    submission: Submission
    review_by: date
    today: date

    @property
    def partner_id(self) -> int:
        return self.submission.accreditation.partner_id

    @property
    def partner_name(self) -> str:
        return self.submission.accreditation.partner.name

    @property
    def requirement_name(self) -> str:
        return self.submission.requirement.name

    @property
    def due_on(self) -> date:
        return self.review_by

    @property
    def overdue(self) -> bool:
        return self.review_by < self.today


@dataclass
class Group:
    title: str
    items: list[DueItem] = field(default_factory=list)
    reviews: list[WaitingReview] = field(default_factory=list)

    @property
    def soonest(self) -> date:
        return min(r.due_on for r in [*self.items, *self.reviews])


@dataclass
class Board:
    days: int
    group: str
    items: list[DueItem]
    reviews: list[WaitingReview]

    def groups(self) -> list[Group]:
        """By partner, or by action ("Upload X" for the partner, "Review X" for staff),
        the most urgent group first."""
        groups: dict[str, Group] = {}
        for item in self.items:
            key = item.partner_name if self.group == "partner" else item.requirement_name
            groups.setdefault(key, Group(key)).items.append(item)
        for review in self.reviews:
            key = (
                review.partner_name
                if self.group == "partner"
                else gettext("Review: %(document)s", document=review.requirement_name)
            )
            groups.setdefault(key, Group(key)).reviews.append(review)
        return sorted(groups.values(), key=lambda g: (g.soonest, g.title))


def parse_days(value: str | None) -> int:
    try:
        return min(MAX_DAYS, max(0, int(value))) if value not in (None, "") else DEFAULT_DAYS
    except ValueError:
        return DEFAULT_DAYS


def due_items(days: int, today: date) -> list[DueItem]:
    """Documents owed within `days` days or overdue, soonest first (one query)."""
    rows = db.session.execute(
        select(ChecklistItem, Partner.id, Partner.name, Requirement.name)
        .join(Requirement, Requirement.id == ChecklistItem.requirement_id)
        .join(Accreditation, Accreditation.id == ChecklistItem.accreditation_id)
        .join(Partner, Partner.id == Accreditation.partner_id)
        .where(
            owed_condition(today),
            Partner.status.in_(CURRENT_PARTNERS),
            ChecklistItem.due_on <= today + timedelta(days=days),
        )
        .order_by(ChecklistItem.due_on, Partner.search_key, Requirement.name, ChecklistItem.id)
    )
    return [DueItem(item, pid, name, requirement, today) for item, pid, name, requirement in rows]


def waiting_reviews(today: date) -> list[WaitingReview]:
    """Every submission waiting for review, oldest first (one query)."""
    submissions = db.session.scalars(
        select(Submission)
        .where(Submission.status == "submitted")
        .options(
            joinedload(Submission.accreditation).joinedload(Accreditation.partner),
            joinedload(Submission.requirement),
            joinedload(Submission.assigned_to),
        )
        .order_by(Submission.uploaded_at, Submission.id)
    ).all()
    return [WaitingReview(s, review_due_on(s), today) for s in submissions]


def board(days: int = DEFAULT_DAYS, group: str = "partner", today: date | None = None) -> Board:
    today = today or local_today()
    group = group if group in GROUPINGS else "partner"
    return Board(days, group, due_items(days, today), waiting_reviews(today))


# --- the selection a bulk action works on --------------------------------------


def parse_ids(values: Iterable[str]) -> list[int]:
    """Checkbox values as ids; anything else is a tampered form."""
    ids = [identifier_or_none(value) for value in values]
    if None in ids:
        raise DomainError(gettext("The selection could not be read; choose the rows again."))
    return sorted(set(ids))


def selected_items(ids: Sequence[int]) -> list[ChecklistItem]:
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(ChecklistItem)
            .where(ChecklistItem.id.in_(ids))
            .options(
                joinedload(ChecklistItem.accreditation).joinedload(Accreditation.partner),
                joinedload(ChecklistItem.requirement),
            )
            .order_by(ChecklistItem.due_on, ChecklistItem.id)
        )
    )


def selected_submissions(ids: Sequence[int]) -> list[Submission]:
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Submission)
            .where(Submission.id.in_(ids))
            .options(
                joinedload(Submission.requirement),
                joinedload(Submission.assigned_to),
                joinedload(Submission.accreditation),
            )
            .order_by(Submission.id)
        )
    )


def assign_many(actor: User, submissions: Sequence[Submission], reviewer: User | None) -> int:
    """Give every selected waiting submission to `reviewer`; all or nothing is
    checked first, so a stale selection changes nothing."""
    if not submissions:
        raise DomainError(
            gettext("Choose at least one submission waiting for review to assign."),
            field="selection",
        )
    done = [s for s in submissions if s.status != "submitted"]
    if done:
        names = ", ".join(s.requirement.name for s in done)
        raise DomainError(
            gettext(
                "Already reviewed or replaced: %(documents)s. Refresh the board.", documents=names
            )
        )
    if reviewer is not None and not (reviewer.is_staff and reviewer.active):
        raise DomainError(gettext("Choose a member of the programme team."), field="reviewer_id")
    for submission in submissions:
        assign_reviewer(actor, submission, reviewer)
    return len(submissions)
