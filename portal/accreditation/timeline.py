"""A partner's timeline: each stage with its expected and actual dates, where the
accreditation is now, and how long the next stage usually takes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import DateTime, cast, func, or_
from sqlalchemy.orm import aliased

from portal.core.clock import local_day
from portal.core.extensions import db
from portal.models import Accreditation, AccreditationTemplate, Milestone


@dataclass
class StageDates:
    milestone: Milestone
    expected_start: date
    expected_end: date  # the milestone's due date (moved deadlines included)
    actual_start: date | None
    actual_end: date | None
    usual_days: int  # median of completed runs in the family, else the expected duration
    from_history: bool  # whether usual_days comes from completed runs

    @property
    def done(self) -> bool:
        return self.actual_end is not None

    @property
    def started(self) -> bool:
        return self.actual_start is not None

    def is_late(self, today: date) -> bool:
        return (self.actual_end or today) > self.expected_end


@dataclass
class Timeline:
    accreditation: Accreditation
    stages: list[StageDates]

    @property
    def current(self) -> StageDates | None:
        return next((s for s in self.stages if not s.done), None)

    @property
    def next(self) -> StageDates | None:
        current = self.current
        if current is None:
            return None
        index = self.stages.index(current)
        return self.stages[index + 1] if index + 1 < len(self.stages) else None


def _days(later, earlier, or_on):
    """SQL: days from the timestamp `earlier` (when NULL: the date `or_on`) to the
    timestamp `later`, on either database."""
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite keeps both as ISO text; CAST(... AS DATETIME) would make a number.
        return func.julianday(later) - func.julianday(func.coalesce(earlier, or_on))
    start = func.coalesce(earlier, cast(or_on, DateTime(timezone=True)))
    return func.extract("epoch", later - start) / 86400.0


def usual_durations(family_id: int) -> dict[int, float]:
    """Median days each stage (by position) took in completed runs of the family's
    templates, in one aggregate query.

    A stage starts when the one before it completes (the first when the cycle
    starts). Neither database has a portable median aggregate, so it is taken
    with window functions: the middle one or two values of each position.
    """
    earlier = aliased(Milestone)
    previous_done = (
        db.select(func.max(earlier.completed_at))
        .where(
            earlier.accreditation_id == Milestone.accreditation_id,
            earlier.position < Milestone.position,
        )
        .correlate(Milestone)
        .scalar_subquery()
    )
    duration = _days(Milestone.completed_at, previous_done, Accreditation.started_on).label("days")
    ranked = (
        db.select(
            Milestone.position.label("position"),
            duration,
            func.row_number()
            .over(partition_by=Milestone.position, order_by=duration)
            .label("rank"),
            func.count().over(partition_by=Milestone.position).label("runs"),
        )
        .join(Accreditation, Accreditation.id == Milestone.accreditation_id)
        .join(AccreditationTemplate, AccreditationTemplate.id == Accreditation.template_id)
        .where(AccreditationTemplate.family_id == family_id, Milestone.completed_at.is_not(None))
        .subquery()
    )
    rows = db.session.execute(
        db.select(ranked.c.position, func.avg(ranked.c.days))
        .where(
            or_(
                ranked.c.rank == (ranked.c.runs + 1) // 2,
                ranked.c.rank == (ranked.c.runs + 2) // 2,
            )
        )
        .group_by(ranked.c.position)
    ).all()
    return {position: float(days) for position, days in rows}


def timeline(accreditation: Accreditation) -> Timeline:
    """The stages of `accreditation` with expected and actual dates (milestones
    and their stages loaded, e.g. by progress.load_accreditation)."""
    usual = usual_durations(accreditation.template.family_id)
    stages = []
    expected_start = accreditation.started_on
    actual_start: date | None = accreditation.started_on
    for milestone in accreditation.milestones:
        actual_end = local_day(milestone.completed_at) if milestone.completed_at else None
        median = usual.get(milestone.position)
        stages.append(
            StageDates(
                milestone=milestone,
                expected_start=expected_start,
                expected_end=milestone.due_on,
                actual_start=actual_start,
                actual_end=actual_end,
                usual_days=max(round(median), 0)
                if median is not None
                else milestone.stage.duration_days,
                from_history=median is not None,
            )
        )
        expected_start = milestone.due_on
        actual_start = actual_end  # the next stage starts when this one completes
    return Timeline(accreditation, stages)


__all__ = ["StageDates", "Timeline", "timeline", "usual_durations"]
