"""Review analytics, stages: which take longest against their planned duration
(milestones completed in the period) and which are open past their due date
now. Two grouped statements, whatever the number of partners."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select

from portal.core.extensions import db
from portal.core.sqldays import days_between, local_date, median
from portal.models import Milestone, Stage
from portal.review.analytics import Filters, Share, as_float, scope, within


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
