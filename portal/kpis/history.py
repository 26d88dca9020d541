"""Around the figures: what would move a partner's (late actions, the documents
sent back most, and why), compliance stage by stage, and the programme team's
engagement assessments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.core.extensions import db
from portal.kpis.figures import Scope
from portal.kpis.snapshots import compliance_items
from portal.models import (
    Accreditation,
    Assessment,
    ChangeReason,
    ChecklistItem,
    Partner,
    Requirement,
    Submission,
)

SHOWN = 5


@dataclass
class Advice:
    late: list[tuple[str, date]]  # requirement, deadline: overdue and not handed in
    sent_back: list[tuple[str, int]]  # requirement, times sent back
    reasons: list[tuple[str, int]]  # why, how often


def advice_for(partner_id: int, today: date) -> Advice:
    """Three queries: the most overdue documents of the running cycle, the
    requirements sent back most often across the partner's cycles, and why."""
    handed_in = (
        select(Submission.id)
        .where(
            Submission.accreditation_id == ChecklistItem.accreditation_id,
            Submission.requirement_id == ChecklistItem.requirement_id,
            Submission.status.in_(("submitted", "approved")),
        )
        .exists()
    )
    late = db.session.execute(
        select(Requirement.name, ChecklistItem.due_on)
        .join(Requirement, Requirement.id == ChecklistItem.requirement_id)
        .join(Accreditation, Accreditation.id == ChecklistItem.accreditation_id)
        .where(
            Accreditation.partner_id == partner_id,
            Accreditation.running,
            Requirement.required,
            ChecklistItem.not_applicable_at.is_(None),
            ChecklistItem.due_on < today,
            ~handed_in,
        )
        .order_by(ChecklistItem.due_on, Requirement.name)
        .limit(SHOWN)
    ).all()
    sent_back = db.session.execute(
        select(Requirement.name, func.count(Submission.id).label("times"))
        .join(Requirement, Requirement.id == Submission.requirement_id)
        .join(Accreditation, Accreditation.id == Submission.accreditation_id)
        .where(Accreditation.partner_id == partner_id, Submission.status == "changes_requested")
        .group_by(Requirement.name)
        .order_by(func.count(Submission.id).desc(), Requirement.name)
        .limit(SHOWN)
    ).all()
    reasons = db.session.execute(
        select(ChangeReason.label, func.count(Submission.id))
        .join(ChangeReason, ChangeReason.id == Submission.change_reason_id)
        .join(Accreditation, Accreditation.id == Submission.accreditation_id)
        .where(Accreditation.partner_id == partner_id, Submission.status == "changes_requested")
        .group_by(ChangeReason.label)
        .order_by(func.count(Submission.id).desc(), ChangeReason.label)
        .limit(SHOWN)
    ).all()
    return Advice(*([tuple(r) for r in rows] for rows in (late, sent_back, reasons)))


def compliance_by_stage(scope: Scope, today: date) -> list[tuple[str, int, int]]:
    """(stage, documents in hand, applicable documents) on the scope's last day
    (or today), per stage of the current cycles: one grouped statement. The
    scope's partner, if it has one, alone."""
    items = compliance_items(min(scope.period.end, today)).subquery("items")
    statement = (
        select(items.c.stage, func.sum(items.c.value), func.count())
        .group_by(items.c.stage, items.c.position)
        .order_by(items.c.position, items.c.stage)
    )
    if scope.partner_id is not None:
        statement = statement.where(items.c.partner_id == scope.partner_id)
    else:
        statement = statement.where(
            items.c.partner_id.in_(select(Partner.id).where(Partner.status != "merged"))
        )
    return [(stage, int(done or 0), total) for stage, done, total in db.session.execute(statement)]


def assessments_of(partner_id: int) -> list[Assessment]:
    return db.session.scalars(
        select(Assessment)
        .where(Assessment.partner_id == partner_id)
        .options(
            selectinload(Assessment.milestone),
            selectinload(Assessment.assessed_by),
            selectinload(Assessment.accreditation).selectinload(Accreditation.template),
        )
        .order_by(Assessment.assessed_at.desc(), Assessment.id.desc())
    ).all()
