"""The analytics of reviews themselves: which requirements are sent back and
why, and how the review work is spread across the team. Each table is two or
three grouped statements, whatever the number of partners or reviews."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import and_, case, func, or_, select

from portal.core.extensions import db
from portal.core.sqldays import local_date, median, working_days
from portal.models import ChangeReason, Requirement, Submission, User
from portal.review.analytics import DECIDED, Filters, Options, Share, as_float, scope, within

NO_REASON = "No reason recorded"  # sent back before reasons were asked for
TOP_REASONS = 3


def _reviewed(filters: Filters, table):
    """Conditions: a decided submission of an accreditation in scope, decided in the period."""
    return [
        Submission.accreditation_id == table.c.accreditation_id,
        Submission.status.in_(DECIDED),
        within(Submission.reviewed_at, filters.period),
    ]


def _sent_back():
    return case((Submission.status == "changes_requested", 1), else_=0)


# --- 1. requirements most often sent back -----------------------------------------


@dataclass
class RequirementRow:
    family: str
    requirement: str
    sent_back: Share  # of the reviews in the period
    reasons: list[tuple[str, int]] = field(default_factory=list)  # the most frequent first

    @property
    def reviews(self) -> int:
        return self.sent_back.whole


def sent_back_by_requirement(
    filters: Filters, offered: Options, labels: dict[int | None, str]
) -> list[RequirementRow]:
    """Per requirement (by name within its template family, so its versions count
    together): reviews in the period, how many were sent back, and the reasons
    given most often. Most sent back first."""
    table = scope(filters)
    sent = func.sum(_sent_back())
    rows = db.session.execute(
        select(table.c.family_id, Requirement.name, func.count(), sent)
        .select_from(Submission)
        .join(table, table.c.accreditation_id == Submission.accreditation_id)
        .join(Requirement, Requirement.id == Submission.requirement_id)
        .where(*_reviewed(filters, table))
        .group_by(table.c.family_id, Requirement.name)
        .order_by(sent.desc(), func.count().desc(), Requirement.name)
    ).all()
    reasons: dict[tuple[int, str], list[tuple[str, int]]] = defaultdict(list)
    for family_id, name, reason_id, count in db.session.execute(
        select(table.c.family_id, Requirement.name, Submission.change_reason_id, func.count())
        .select_from(Submission)
        .join(table, table.c.accreditation_id == Submission.accreditation_id)
        .join(Requirement, Requirement.id == Submission.requirement_id)
        .where(*_reviewed(filters, table), Submission.status == "changes_requested")
        .group_by(table.c.family_id, Requirement.name, Submission.change_reason_id)
        .order_by(func.count().desc(), Submission.change_reason_id)
    ):
        reasons[(family_id, name)].append((labels.get(reason_id, NO_REASON), count))
    return [
        RequirementRow(
            offered.family_name(family_id),
            name,
            Share(int(sent or 0), count),
            reasons[(family_id, name)][:TOP_REASONS],
        )
        for family_id, name, count, sent in rows
    ]


# --- 2. the reasons ------------------------------------------------------------------


@dataclass
class ReasonRow:
    label: str
    retired: bool
    share: Share  # of every document sent back in the period


def reason_labels() -> tuple[list[ChangeReason], dict[int | None, str]]:
    """Every reason, retired ones too (old send-backs keep theirs), and their labels."""
    every = db.session.scalars(
        select(ChangeReason).order_by(ChangeReason.position, ChangeReason.id)
    ).all()
    return every, {r.id: r.label for r in every} | {None: NO_REASON}


def reasons_given(filters: Filters, every: list[ChangeReason]) -> list[ReasonRow]:
    """Each reason's count and share of the documents sent back in the period:
    the offered reasons (with none as 0), retired ones that were given, and the
    send-backs recorded without one. Empty when nothing was sent back."""
    table = scope(filters)
    counts = dict(
        db.session.execute(
            select(Submission.change_reason_id, func.count())
            .select_from(Submission)
            .join(table, table.c.accreditation_id == Submission.accreditation_id)
            .where(*_reviewed(filters, table), Submission.status == "changes_requested")
            .group_by(Submission.change_reason_id)
        ).all()
    )
    total = sum(counts.values())
    if not total:
        return []
    rows = [
        ReasonRow(r.label, r.retired, Share(counts.get(r.id, 0), total))
        for r in every
        if not r.retired or counts.get(r.id)
    ]
    if counts.get(None):
        rows.append(ReasonRow(NO_REASON, False, Share(counts[None], total)))
    return sorted(rows, key=lambda row: -row.share.part)  # stable: list order among equals


# --- 5. review load by reviewer ---------------------------------------------------------


@dataclass
class ReviewerRow:
    name: str  # "Not assigned" for the documents nobody was given
    active: bool
    decided: int
    median_working_days: float | None
    within_target: Share  # decided within REVIEW_WORKING_DAYS, of those decided
    waiting: int  # assigned and still waiting now
    oldest_waiting: datetime | None

    @property
    def in_period(self) -> bool:
        return self.decided > 0


NOT_ASSIGNED = "Not assigned"


def review_load(filters: Filters) -> list[ReviewerRow]:
    """Per member of staff: documents they decided in the period, the median working
    days from upload to their decision and the share decided within
    REVIEW_WORKING_DAYS; the documents assigned to them and waiting now, and the
    oldest of those; then the waiting documents assigned to nobody. Active staff
    with nothing in the period are listed with nothing; the table is empty when
    nobody decided anything and nothing waits."""
    target = current_app.config["REVIEW_WORKING_DAYS"]
    table = scope(filters)
    took = working_days(local_date(Submission.uploaded_at), local_date(Submission.reviewed_at))
    decided = (
        select(Submission.reviewer_id.label("reviewer_id"), took.label("took"))
        .join(table, table.c.accreditation_id == Submission.accreditation_id)
        .where(*_reviewed(filters, table))
    )
    done = decided.subquery("done")
    stats = (
        select(
            done.c.reviewer_id,
            func.count().label("decided"),
            func.sum(case((done.c.took <= target, 1), else_=0)).label("within"),
        )
        .group_by(done.c.reviewer_id)
        .subquery("stats")
    )
    medians = median(decided, "took", ("reviewer_id",)).subquery("medians")
    waiting = (
        select(
            Submission.assigned_to_id.label("user_id"),
            func.count().label("waiting"),
            func.min(Submission.uploaded_at).label("oldest"),
        )
        .join(table, table.c.accreditation_id == Submission.accreditation_id)
        .where(Submission.status == "submitted")
        .group_by(Submission.assigned_to_id)
        .subquery("waiting")
    )
    people = db.session.execute(
        select(
            User.name,
            User.active,
            func.coalesce(stats.c.decided, 0),
            medians.c.median,
            func.coalesce(stats.c.within, 0),
            func.coalesce(waiting.c.waiting, 0),
            waiting.c.oldest,
        )
        .select_from(User)
        .outerjoin(stats, stats.c.reviewer_id == User.id)
        .outerjoin(medians, medians.c.reviewer_id == User.id)
        .outerjoin(waiting, waiting.c.user_id == User.id)
        .where(
            or_(
                and_(User.role.in_(("admin", "manager")), User.active),
                stats.c.decided.is_not(None),
                waiting.c.waiting.is_not(None),
            )
        )
        .order_by(func.coalesce(stats.c.decided, 0).desc(), User.name)
    ).all()
    rows = [
        ReviewerRow(name, active, n, as_float(m), Share(int(within), n), int(w), oldest)
        for name, active, n, m, within, w, oldest in people
    ]
    nobody = db.session.execute(
        select(waiting.c.waiting, waiting.c.oldest).where(waiting.c.user_id.is_(None))
    ).first()
    if nobody:
        rows.append(ReviewerRow(NOT_ASSIGNED, True, 0, None, Share(0, 0), *nobody))
    if not any(r.decided or r.waiting for r in rows):
        return []
    return rows
