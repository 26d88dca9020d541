"""Review analytics, partners: where partners of each type or district struggle
(send-backs, documents late, documents overdue now). One grouped statement per
grouping, whatever the number of partners."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, func, literal, or_, select

from portal.accreditation.progress import satisfied_condition
from portal.core.extensions import db
from portal.core.sqldays import local_date
from portal.models import (
    Accreditation,
    ChecklistItem,
    Coverage,
    OrgUnit,
    PartnershipType,
    Requirement,
    Submission,
)
from portal.partners.models import PARTNERSHIP_TYPES
from portal.review.analytics import DECIDED, Filters, Share, scope, within
from portal.tracking.overview import owed_condition


@dataclass
class GroupRow:
    key: str | None  # the partnership type's key or the district's id; None: not recorded
    name: str
    partners: int
    sent_back: Share  # of the reviews in the period
    late: Share  # documents due in the period (and judged) that came late, of those
    overdue_now: int  # required documents owed and past their deadline today

    @property
    def in_period(self) -> bool:
        return bool(self.sent_back.whole or self.late.whole)


NO_TYPE = "No partnership type recorded"
NO_DISTRICT = "No district recorded"
NATIONWIDE = "Whole country"


def _partner_figures(filters: Filters, table):
    """Per partner in scope: reviews and send-backs in the period; required
    documents due in the period that can be judged, and how many came late; and
    documents owed and overdue today (subqueries joined by partner_id)."""
    period, today = filters.period, filters.today
    partners = select(table.c.partner_id).distinct().subquery("partners")
    reviews = (
        select(
            table.c.partner_id,
            func.count().label("reviews"),
            func.sum(case((Submission.status == "changes_requested", 1), else_=0)).label("sent"),
        )
        .join(table, table.c.accreditation_id == Submission.accreditation_id)
        .where(Submission.status.in_(DECIDED), within(Submission.reviewed_at, period))
        .group_by(table.c.partner_id)
        .subquery("reviews")
    )
    # The first upload of each document (a withdrawn one was taken back: not handed in).
    first = (
        select(
            Submission.accreditation_id,
            Submission.requirement_id,
            func.min(Submission.uploaded_at).label("first_at"),
        )
        .where(Submission.status != "withdrawn")
        .group_by(Submission.accreditation_id, Submission.requirement_id)
        .subquery("first")
    )
    handed_in = local_date(first.c.first_at)
    late = case((first.c.first_at.is_(None), 1), (handed_in > ChecklistItem.due_on, 1), else_=0)
    judged = (
        select(table.c.partner_id, func.count().label("due"), func.sum(late).label("late"))
        .select_from(ChecklistItem)
        .join(table, table.c.accreditation_id == ChecklistItem.accreditation_id)
        .join(Requirement, Requirement.id == ChecklistItem.requirement_id)
        .join(Accreditation, Accreditation.id == ChecklistItem.accreditation_id)
        .outerjoin(
            first,
            and_(
                first.c.accreditation_id == ChecklistItem.accreditation_id,
                first.c.requirement_id == ChecklistItem.requirement_id,
            ),
        )
        .where(
            Requirement.required,
            ChecklistItem.not_applicable_at.is_(None),
            ChecklistItem.due_on.between(period.start, period.end),
            # Judged once handed in or once the deadline has passed; a document the
            # vault covers, never uploaded, was never owed as an upload.
            or_(
                first.c.first_at.is_not(None),
                and_(ChecklistItem.due_on < today, ~satisfied_condition(today)),
            ),
        )
        .group_by(table.c.partner_id)
        .subquery("judged")
    )
    overdue = (
        select(table.c.partner_id, func.count().label("overdue"))
        .select_from(ChecklistItem)
        .join(table, table.c.accreditation_id == ChecklistItem.accreditation_id)
        .join(Requirement, Requirement.id == ChecklistItem.requirement_id)
        .join(Accreditation, Accreditation.id == ChecklistItem.accreditation_id)
        .where(owed_condition(today), ChecklistItem.due_on < today)
        .group_by(table.c.partner_id)
        .subquery("overdue")
    )
    return partners, reviews, judged, overdue


def _grouped(filters: Filters, key_of):
    """Rows of (key, name, partners, reviews, sent, due, late, overdue) with the
    partners grouped by `key_of(partners)`: a subquery (partner_id, key, name)."""
    table = scope(filters)
    partners, reviews, judged, overdue = _partner_figures(filters, table)
    keys = key_of(partners)
    total = func.coalesce

    def summed(column):
        return total(func.sum(column), 0)

    return db.session.execute(
        select(
            keys.c.key,
            keys.c.name,
            func.count(func.distinct(partners.c.partner_id)),
            summed(reviews.c.reviews),
            summed(reviews.c.sent),
            summed(judged.c.due),
            summed(judged.c.late),
            summed(overdue.c.overdue),
        )
        .select_from(partners)
        .outerjoin(keys, keys.c.partner_id == partners.c.partner_id)
        .outerjoin(reviews, reviews.c.partner_id == partners.c.partner_id)
        .outerjoin(judged, judged.c.partner_id == partners.c.partner_id)
        .outerjoin(overdue, overdue.c.partner_id == partners.c.partner_id)
        .group_by(keys.c.key, keys.c.name)
        .order_by(keys.c.key.is_(None), keys.c.name)
    ).all()


def _types(partners):
    return (
        select(
            PartnershipType.partner_id,
            PartnershipType.kind.label("key"),
            PartnershipType.kind.label("name"),
        )
        .where(PartnershipType.partner_id.in_(select(partners.c.partner_id)))
        .subquery("keys")
    )


def _districts(today: date):
    def key_of(partners):
        # What a partner covers now, once per district (the whole country as one place).
        place = case((Coverage.nationwide.is_(True), literal("*")), else_=Coverage.district_id)
        places = (
            select(Coverage.partner_id.label("partner_id"), place.label("key"))
            .where(
                or_(Coverage.ends_on.is_(None), Coverage.ends_on >= today),
                or_(Coverage.nationwide.is_(True), Coverage.district_id.is_not(None)),
                Coverage.partner_id.in_(select(partners.c.partner_id)),
            )
            .distinct()
            .subquery("places")
        )
        return (
            select(
                places.c.partner_id,
                places.c.key,
                func.coalesce(OrgUnit.name, literal(NATIONWIDE)).label("name"),
            )
            .outerjoin(OrgUnit, OrgUnit.id == places.c.key)
            .subquery("keys")
        )

    return key_of


def _rows(result, nobody: str, names: dict[str, str] | None = None) -> list[GroupRow]:
    rows = [
        GroupRow(
            key,
            (names or {}).get(key, name) if key is not None else nobody,
            n,
            Share(int(sent), int(reviews)),
            Share(int(late), int(due)),
            int(overdue),
        )
        for key, name, n, reviews, sent, due, late, overdue in result
    ]
    if not any(r.sent_back.whole or r.late.whole or r.overdue_now for r in rows):
        return []
    return rows


def by_partnership_type(filters: Filters) -> list[GroupRow]:
    """Per partnership type (a partner of two types counts in both)."""
    return _rows(_grouped(filters, _types), NO_TYPE, PARTNERSHIP_TYPES)


def by_district(filters: Filters) -> list[GroupRow]:
    """Per district the partners cover now (a partner covering two counts in both;
    nationwide partners under "Whole country")."""
    return _rows(_grouped(filters, _districts(filters.today)), NO_DISTRICT)
