"""The analytics of progress: which stages take longest against their plan, and
where partners of each type or district struggle. Grouped statements, a fixed
number per table whatever the number of partners."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, func, literal, or_, select

from portal.accreditation.progress import satisfied_condition
from portal.core.extensions import db
from portal.core.sqldays import days_between, local_date, median
from portal.models import (
    Accreditation,
    ChecklistItem,
    Coverage,
    Milestone,
    OrgUnit,
    PartnershipType,
    Requirement,
    Stage,
    Submission,
)
from portal.partners.models import PARTNERSHIP_TYPES
from portal.review.analytics import DECIDED, Filters, Share, as_float, scope, within
from portal.tracking.overview import owed_condition

# --- 3. stages against their plan -------------------------------------------------------


@dataclass
class StageRow:
    name: str
    completed: int  # milestones completed in the period
    median_days: float | None  # from the stage's start to its completion
    planned: tuple[int, int] | None  # the stage's planned duration_days, lowest and highest
    median_over_plan: float | None  # actual minus planned days, per milestone
    late: Share  # completed after due_on, of those completed
    open_past_due: int  # open now, past due_on, on running cycles
    most_days_past_due: int | None

    @property
    def in_period(self) -> bool:
        return self.completed > 0

    @property
    def planned_label(self) -> str:
        if self.planned is None:
            return ""
        low, high = self.planned
        return str(low) if low == high else f"{low}–{high}"


def _milestones_in_order(table):
    """Every milestone of the accreditations in scope with the day its stage began:
    the previous milestone's completion day (a window over the cycle's milestones
    in order) or, for the first, the day the cycle started. Unknown (NULL) when
    the previous milestone never completed (a final decision that ends a cycle
    early completes the last stage alone)."""
    order = {"partition_by": Milestone.accreditation_id, "order_by": Milestone.position}
    ordered = (
        select(
            Milestone.name.label("name"),
            Milestone.due_on.label("due_on"),
            Milestone.completed_at.label("completed_at"),
            Stage.duration_days.label("planned"),
            table.c.started_on.label("started_on"),
            table.c.running.label("running"),
            func.lag(Milestone.completed_at).over(**order).label("previous_completed_at"),
            func.row_number().over(**order).label("place"),
        )
        .join(table, table.c.accreditation_id == Milestone.accreditation_id)
        .join(Stage, Stage.id == Milestone.stage_id)
        .subquery("ordered")
    )
    started = case(
        (ordered.c.place == 1, ordered.c.started_on),
        else_=local_date(ordered.c.previous_completed_at),
    )
    return ordered, started


def stages_against_plan(filters: Filters) -> list[StageRow]:
    """Per stage name: milestones completed in the period, the median of their
    actual days against the stage's planned duration, the share completed after
    their due date; and the milestones still open past their due date now."""
    ordered, started = _milestones_in_order(scope(filters))
    finished = local_date(ordered.c.completed_at)
    actual = days_between(started, finished)
    completed = select(
        ordered.c.name.label("name"),
        actual.label("actual"),
        (actual - ordered.c.planned).label("over"),
        ordered.c.planned.label("planned"),
        case((finished > ordered.c.due_on, 1), else_=0).label("late"),
    ).where(within(ordered.c.completed_at, filters.period))
    rows = completed.subquery("completed")
    counts = (
        select(
            rows.c.name,
            func.count().label("completed"),
            func.sum(rows.c.late).label("late"),
            func.min(rows.c.planned).label("low"),
            func.max(rows.c.planned).label("high"),
        )
        .group_by(rows.c.name)
        .subquery("counts")
    )
    actual_median = median(completed, "actual", ("name",)).subquery("actual_median")
    over_median = median(completed, "over", ("name",)).subquery("over_median")
    done = db.session.execute(
        select(
            counts.c.name,
            counts.c.completed,
            actual_median.c.median,
            counts.c.low,
            counts.c.high,
            over_median.c.median,
            counts.c.late,
        )
        .outerjoin(actual_median, actual_median.c.name == counts.c.name)
        .outerjoin(over_median, over_median.c.name == counts.c.name)
    ).all()
    today = filters.today
    open_now = {
        name: (count, oldest)
        for name, count, oldest in db.session.execute(
            select(ordered.c.name, func.count(), func.min(ordered.c.due_on))
            .where(
                ordered.c.completed_at.is_(None),
                ordered.c.running.is_(True),
                ordered.c.due_on < today,
            )
            .group_by(ordered.c.name)
        )
    }
    rows_by_name = {
        name: StageRow(
            name, n, as_float(m), (low, high), as_float(over), Share(int(late or 0), n), 0, None
        )
        for name, n, m, low, high, over, late in done
    }
    for name, (count, oldest) in open_now.items():
        row = rows_by_name.setdefault(
            name, StageRow(name, 0, None, None, None, Share(0, 0), 0, None)
        )
        row.open_past_due = count
        row.most_days_past_due = (today - _day(oldest)).days
    return sorted(
        rows_by_name.values(),
        key=lambda r: (r.median_over_plan is None, -(r.median_over_plan or 0), -r.open_past_due),
    )


def _day(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


# --- 4. where partners struggle ---------------------------------------------------------------


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
