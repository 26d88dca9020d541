"""Opening accreditations and moving them forward as documents are approved."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext

from portal.accreditation.progress import satisfied_requirement_ids
from portal.core import audit
from portal.core.extensions import db
from portal.mail.links import external_url
from portal.mail.queue import queue_email
from portal.models import (
    Accreditation,
    AccreditationTemplate,
    ChecklistItem,
    Milestone,
    Partner,
    User,
    utcnow,
)
from portal.notifications.bell import notify, partner_users, path_for, staff_users


def default_template() -> AccreditationTemplate | None:
    """The template new partners start on: the newest current version."""
    return db.session.scalar(
        db.select(AccreditationTemplate)
        .where(AccreditationTemplate.superseded_at.is_(None))
        .order_by(AccreditationTemplate.id.desc())
        .limit(1)
    )


def open_accreditation(
    actor: User | None, partner: Partner, template: AccreditationTemplate, started_on: date
) -> Accreditation:
    """Start `partner` on `template`; each milestone is due when its stage's time runs out."""
    accreditation = Accreditation(partner=partner, template=template, started_on=started_on)
    db.session.add(accreditation)
    stage_starts = started_on
    for stage in template.stages:
        due = stage_starts + timedelta(days=stage.duration_days)
        milestone = Milestone(stage=stage, position=stage.position, name=stage.name, due_on=due)
        accreditation.milestones.append(milestone)
        for requirement in stage.requirements:
            offset = requirement.due_offset_days
            accreditation.items.append(
                ChecklistItem(
                    requirement=requirement,
                    milestone=milestone,
                    # A document due "30 days in" is due then, but never after its stage.
                    due_on=due if offset is None else min(due, stage_starts + timedelta(offset)),
                )
            )
        stage_starts = due
    audit.record(
        actor,
        "accreditation_opened",
        accreditation,
        partner_id=partner.id,
        changes={"template": (None, template.name), "started_on": (None, started_on)},
    )
    db.session.flush()
    advance(actor, accreditation)  # documents already valid in the vault count at once
    return accreditation


def advance(actor: User | None, accreditation: Accreditation) -> list[Milestone]:
    """Complete every milestone, in order, whose required documents are all in hand
    (approved, valid in the vault, or not applicable). The last stage is final
    approval: it completes only with the final decision (portal.accreditation.decisions)."""
    satisfied = satisfied_requirement_ids(accreditation)
    reached = []
    for milestone in accreditation.milestones[:-1]:
        if milestone.completed_at is not None:
            continue
        needed = {r.id for r in milestone.stage.requirements if r.required}
        if not needed <= satisfied:
            break
        milestone.completed_at = utcnow()
        reached.append(milestone)
        audit.record(
            actor,
            "milestone_completed",
            milestone,
            partner_id=accreditation.partner_id,
            changes={"completed_at": (None, milestone.completed_at)},
        )
    for milestone in reached:
        _notify_milestone(accreditation, milestone)
    return reached


def close_accreditation(actor: User, accreditation: Accreditation, reason: str) -> None:
    """End a running cycle without a final decision (callers commit). Its milestones,
    submissions, reviews and messages stay as they are, readable; nothing more is
    owed on it, so no reminder names it and another cycle may run."""
    accreditation.completed_at = utcnow()
    accreditation.decision_note = reason
    audit.record(
        actor,
        "accreditation_closed",
        accreditation,
        partner_id=accreditation.partner_id,
        changes={"status": ("running", "closed")},
        reason=reason,
    )


def staff_emails() -> list[str]:
    return list(
        db.session.scalars(
            db.select(User.email).where(User.role.in_(("admin", "manager")), User.active)
        )
    )


def partner_emails(partner_id: int) -> list[str]:
    return list(
        db.session.scalars(db.select(User.email).where(User.partner_id == partner_id, User.active))
    )


def _notify_milestone(accreditation: Accreditation, milestone: Milestone) -> None:
    """Tell both sides, in separate emails: partners do not see staff addresses."""
    partner = accreditation.partner
    context = {
        "partner": partner,
        "milestone": milestone,
        "next_milestone": accreditation.current_milestone,
        "link": external_url("accreditation.show", accreditation_id=accreditation.id),
    }
    subject = f"Milestone reached: {milestone.name} – {partner.name}"
    partner_side, staff_side = partner_users(partner.id), staff_users()
    for people in (partner_side, staff_side):
        queue_email(
            people,
            "milestone_reached",
            context,
            subject=lazy_gettext(
                "Milestone reached: %(milestone)s – %(partner)s",
                milestone=milestone.name,
                partner=partner.name,
            ),
            notification="milestone_reached",
        )
    link = path_for("accreditation.show", accreditation_id=accreditation.id)
    notify([*partner_side, *staff_side], "milestone_reached", subject, link)
