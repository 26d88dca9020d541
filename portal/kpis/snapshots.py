"""KPIs that are a state on a day rather than events in a period: compliance
(on the period's last day, or today) and vault documents expired or expiring.
Same columns as kpis.events, with `day` the day of the state."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Integer, and_, case, func, literal, null, or_, select
from sqlalchemy.orm import aliased

from portal.core.sqldays import local_date
from portal.models import (
    Accreditation,
    AccreditationTemplate,
    ChecklistItem,
    Milestone,
    OrganisationDocument,
    Partner,
    Requirement,
    Submission,
)

EXPIRING_DAYS = 60


def _closed_by(accreditation, day: date):
    """Closed without a decision on or before `day`: nothing more was owed on it."""
    return and_(
        accreditation.decision.is_(None),
        accreditation.completed_at.is_not(None),
        local_date(accreditation.completed_at) <= day,
    )


def _current_cycle(day: date):
    """The partner's newest cycle begun by `day` and not closed by then."""
    other = aliased(Accreditation)
    newest = (
        select(func.max(other.id))
        .where(
            other.partner_id == Accreditation.partner_id,
            other.started_on <= day,
            ~_closed_by(other, day),
        )
        .scalar_subquery()
    )
    return Accreditation.id == newest


def _satisfied_on(day: date):
    approved = (
        select(Submission.id)
        .where(
            Submission.accreditation_id == ChecklistItem.accreditation_id,
            Submission.requirement_id == ChecklistItem.requirement_id,
            Submission.status == "approved",
            local_date(Submission.reviewed_at) <= day,
        )
        .exists()
    )
    in_vault = (
        select(OrganisationDocument.id)
        .where(
            OrganisationDocument.partner_id == Accreditation.partner_id,
            OrganisationDocument.document_type == Requirement.document_type,
            local_date(OrganisationDocument.uploaded_at) <= day,
            OrganisationDocument.valid_until >= day,
            or_(
                OrganisationDocument.rejected_at.is_(None),
                local_date(OrganisationDocument.rejected_at) > day,
            ),
        )
        .exists()
    )
    return or_(approved, and_(Requirement.document_type.is_not(None), in_vault))


def compliance_items(day: date):
    """Applicable required documents of each partner's current cycle on `day`,
    1 when approved or covered by a valid vault document then; with the stage."""
    value = case((_satisfied_on(day), 1), else_=0)
    return (
        select(
            Accreditation.partner_id.label("partner_id"),
            AccreditationTemplate.family_id.label("family_id"),
            literal(day).label("day"),
            value.label("value"),
            Milestone.name.label("stage"),
            Milestone.position.label("position"),
        )
        .select_from(ChecklistItem)
        .join(Requirement, Requirement.id == ChecklistItem.requirement_id)
        .join(Milestone, Milestone.id == ChecklistItem.milestone_id)
        .join(Accreditation, Accreditation.id == ChecklistItem.accreditation_id)
        .join(AccreditationTemplate, AccreditationTemplate.id == Accreditation.template_id)
        .where(
            _current_cycle(day),
            Requirement.required,
            or_(
                ChecklistItem.not_applicable_at.is_(None),
                local_date(ChecklistItem.not_applicable_at) > day,
            ),
        )
    )


def compliance(day: date):
    rows = compliance_items(day).subquery("compliance")
    return select(rows.c.partner_id, rows.c.family_id, rows.c.day, rows.c.value)


def vault_expiring(day: date):
    """Per partner: its vault documents in use that have expired, or expire within
    EXPIRING_DAYS of `day` (0 for a partner with none)."""
    expiring = and_(
        OrganisationDocument.partner_id == Partner.id,
        OrganisationDocument.status == "accepted",
        local_date(OrganisationDocument.uploaded_at) <= day,
        OrganisationDocument.valid_until < day + timedelta(days=EXPIRING_DAYS),
    )
    count = select(func.count(OrganisationDocument.id)).where(expiring).scalar_subquery()
    return select(
        Partner.id.label("partner_id"),
        null().cast(Integer).label("family_id"),
        literal(day).label("day"),
        count.label("value"),
    ).where(Partner.status != "merged")
