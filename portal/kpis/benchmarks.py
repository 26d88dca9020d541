"""Setting a KPI's benchmark (administrators), and recording an engagement
assessment (staff): the KPI area's changes, each audited."""

from __future__ import annotations

import math

from flask_babel import gettext

from portal.core import audit
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.kpis.definitions import BY_KEY, Kpi
from portal.models import Accreditation, Assessment, Benchmark, Milestone, User, utcnow


def check_benchmark(kpi: Kpi, target: float, warning: float) -> None:
    """The warning threshold lies on the worse side of the target (or on it)."""
    for name, number in (("target", target), ("warning", warning)):
        if not (math.isfinite(number) and abs(number) <= 10_000):
            raise DomainError(gettext("Enter a number between -10,000 and 10,000."), field=name)
    if kpi.unit == "percent" and not (0 <= target <= 1 and 0 <= warning <= 1):
        raise DomainError(gettext("Enter percentages from 0 to 100."), field="target")
    if kpi.unit == "rating" and not (1 <= target <= 5 and 1 <= warning <= 5):
        raise DomainError(gettext("Ratings go from 1 to 5."), field="target")
    if kpi.is_better(warning, target):
        if kpi.better == "lower":
            message = gettext(
                "The warning threshold must not be better than the target: for %(kpi)s, "
                "lower is better, so the warning threshold goes at or above the target.",
                kpi=str(kpi.title).lower(),
            )
        else:
            message = gettext(
                "The warning threshold must not be better than the target: for %(kpi)s, "
                "higher is better, so the warning threshold goes at or below the target.",
                kpi=str(kpi.title).lower(),
            )
        raise DomainError(message, field="warning")


def set_benchmark(actor: User, key: str, target: float, warning: float) -> Benchmark:
    kpi = BY_KEY.get(key)
    if kpi is None:
        raise DomainError(gettext("There is no such KPI."))
    check_benchmark(kpi, target, warning)
    found = db.session.scalar(db.select(Benchmark).filter_by(kpi=key))
    benchmark = found or Benchmark(kpi=key, target=kpi.target, warning=kpi.warning)
    before = (benchmark.target, benchmark.warning)
    benchmark.target, benchmark.warning = target, warning
    benchmark.updated_by_id, benchmark.updated_at = actor.id, utcnow()
    db.session.add(benchmark)
    audit.record(
        actor,
        "benchmark_set",
        benchmark,
        partner_id=None,
        changes={"target": (before[0], target), "warning": (before[1], warning)},
    )
    db.session.commit()
    return benchmark


def record_assessment(
    actor: User,
    accreditation: Accreditation,
    milestone_id: int | None,
    engagement: int,
    proactivity: int,
    note: str,
) -> Assessment:
    """Staff's view of how the partner took part in a stage (or the whole cycle)."""
    milestone = None
    if milestone_id is not None:
        milestone = db.session.get(Milestone, milestone_id)
        if milestone is None or milestone.accreditation_id != accreditation.id:
            raise DomainError(gettext("Choose a stage of this cycle."), field="stage")
    for name, rating in (("engagement", engagement), ("proactivity", proactivity)):
        if rating not in range(1, 6):
            raise DomainError(gettext("Choose a rating from 1 to 5."), field=name)
    assessment = Assessment(
        partner_id=accreditation.partner_id,
        accreditation_id=accreditation.id,
        milestone=milestone,
        engagement=engagement,
        proactivity=proactivity,
        note=note.strip(),
        assessed_by_id=actor.id,
    )
    db.session.add(assessment)
    audit.record(
        actor,
        "engagement_assessed",
        assessment,
        partner_id=accreditation.partner_id,
        changes=audit.created(assessment, ["engagement", "proactivity", "note"])
        | {"stage": (None, milestone.name if milestone else "Whole cycle")},
    )
    db.session.commit()
    return assessment
