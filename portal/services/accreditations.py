"""Opening accreditations and moving them forward as documents are approved."""

from __future__ import annotations

from datetime import date, timedelta

from portal.extensions import db
from portal.models import (
    Accreditation,
    AccreditationTemplate,
    Milestone,
    Partner,
    Submission,
    User,
    utcnow,
)
from portal.services import audit
from portal.services.mail import external_url, queue_email


def default_template() -> AccreditationTemplate | None:
    """The template new partners start on: the newest one."""
    return db.session.scalar(
        db.select(AccreditationTemplate).order_by(AccreditationTemplate.id.desc()).limit(1)
    )


def open_accreditation(
    actor: User | None, partner: Partner, template: AccreditationTemplate, started_on: date
) -> Accreditation:
    """Start `partner` on `template`; each milestone is due when its stage's time runs out."""
    accreditation = Accreditation(partner=partner, template=template, started_on=started_on)
    db.session.add(accreditation)
    due = started_on
    for stage in template.stages:
        due += timedelta(days=stage.duration_days)
        accreditation.milestones.append(
            Milestone(stage=stage, position=stage.position, name=stage.name, due_on=due)
        )
    audit.record(
        actor,
        "accreditation_opened",
        accreditation,
        partner_id=partner.id,
        changes={"template": (None, template.name), "started_on": (None, started_on)},
    )
    return accreditation


def approved_requirement_ids(accreditation: Accreditation) -> set[int]:
    return set(
        db.session.scalars(
            db.select(Submission.requirement_id).where(
                Submission.accreditation_id == accreditation.id,
                Submission.status == "approved",
            )
        )
    )


def advance(actor: User, accreditation: Accreditation) -> list[Milestone]:
    """Complete every milestone, in order, whose required documents are all approved."""
    approved = approved_requirement_ids(accreditation)
    reached = []
    for milestone in accreditation.milestones:
        if milestone.completed_at is not None:
            continue
        needed = {r.id for r in milestone.stage.requirements if r.required}
        if not needed <= approved:
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
    if reached and accreditation.current_milestone is None:
        accreditation.completed_at = utcnow()
    for milestone in reached:
        _notify_milestone(accreditation, milestone)
    return reached


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
    for recipients in (partner_emails(partner.id), staff_emails()):
        queue_email(recipients, "milestone_reached", subject, **context)
