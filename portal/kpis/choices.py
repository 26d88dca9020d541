"""What the KPI pages' forms offer: periods, filters, the benchmark form of each
KPI and the stages a partner's assessment may be about."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.core import periods
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.filters import day
from portal.core.forms import typed_day
from portal.core.inputs import identifier_or_none
from portal.kpis.definitions import BY_KEY, Kpi
from portal.kpis.figures import Bench, Scope
from portal.kpis.forms import AssessmentForm, BenchmarkForm
from portal.models import Accreditation, AccreditationTemplate, Partner
from portal.partners.listing import districts
from portal.partners.models import PARTNERSHIP_TYPES

TYPES = PARTNERSHIP_TYPES
KEYS = BY_KEY


def options(today: date, filters: bool = True) -> dict:
    """The periods to choose from (recent quarters, this and last fiscal year) and,
    on the programme's pages, the filters' choices."""
    start = periods.fiscal_start()
    year = periods.fiscal_year_of(today, start)
    chosen = {
        "quarters": periods.recent_quarters(today, start),
        "years": [year, year.previous(start)],
    }
    if filters:
        chosen |= {
            "types": TYPES,
            "districts": districts(),
            "families": db.session.execute(
                select(AccreditationTemplate.family_id, AccreditationTemplate.name)
                .where(AccreditationTemplate.superseded_at.is_(None))
                .order_by(AccreditationTemplate.name)
            ).all(),
        }
    return chosen


def benchmark_form(kpi: Kpi, bench: Bench) -> BenchmarkForm:
    """The form of one KPI's row, as it stands (percentages as 0–100)."""
    scale = 100 if kpi.unit == "percent" else 1
    return BenchmarkForm(
        formdata=None,
        prefix=kpi.key,
        target=_plain(bench.target * scale),
        warning=_plain(bench.warning * scale),
    )


def _plain(number: float) -> float | int:
    """90 rather than 90.0 in the form."""
    rounded = round(number, 2)
    return int(rounded) if rounded == int(rounded) else rounded


def assessment_form(partner: Partner, form: AssessmentForm | None = None) -> AssessmentForm:
    """The stages of the partner's cycles (newest first), each cycle as a whole too."""
    form = form or AssessmentForm(formdata=None)
    cycles = db.session.scalars(
        select(Accreditation)
        .where(Accreditation.partner_id == partner.id)
        .options(selectinload(Accreditation.milestones), selectinload(Accreditation.template))
        .order_by(Accreditation.started_on.desc(), Accreditation.id.desc())
    ).all()
    stages = [("", gettext("Choose…"))]
    for cycle in cycles:
        name, started = cycle.template.name, day(cycle.started_on)
        whole = gettext(
            "%(template)s, started %(day)s: the whole cycle", template=name, day=started
        )
        stages.append((str(cycle.id), whole))
        stages += [
            (
                f"{cycle.id}-{m.id}",
                gettext(
                    "%(template)s, started %(day)s: %(stage)s",
                    template=name,
                    day=started,
                    stage=m.name,
                ),
            )
            for m in cycle.milestones
        ]
    form.stage.choices = stages
    return form


def stage_of(value: str | None) -> tuple[int | None, int | None]:
    """(accreditation id, milestone id or None) of a stage choice; (None, None) if unreadable."""
    cycle, _, milestone = (value or "").partition("-")
    accreditation_id = identifier_or_none(cycle)
    milestone_id = identifier_or_none(milestone) if milestone else None
    if accreditation_id is None or (milestone and milestone_id is None):
        return None, None
    return accreditation_id, milestone_id


@dataclass(frozen=True)
class PeriodError:
    """Why the period asked for cannot be shown, and which day box is at fault
    ("from", "to"; "" for both; "period" for the list), for the page to say it there."""

    message: str
    field: str = ""


def _typed_range(args) -> tuple[str, PeriodError | None]:
    """The "from".."to" days typed day first (dd/mm/yyyy, as the pages write
    dates in every language), as the period key periods.parse reads."""
    days = {}
    for name in ("from", "to"):
        text = (args.get(name) or "").strip()[:40]
        if not text:
            return "", PeriodError(
                gettext("Enter both days, or choose a period above."), field=name
            )
        typed = typed_day(text)
        if typed is None:
            return "", PeriodError(
                gettext(
                    "Enter the date as dd/mm/yyyy, for example %(example)s.",
                    example="31/01/2027",
                ),
                field=name,
            )
        days[name] = typed
    if days["to"] < days["from"]:
        return "", PeriodError(
            gettext("The period must end on or after the day it starts."), field="to"
        )
    return f"{days['from'].isoformat()}..{days['to'].isoformat()}", None


def scope_from_args(args, today: date) -> tuple[Scope, PeriodError | None]:
    """The period and filters asked for; a period that cannot be read falls back to
    the current quarter, with the reason for the page to show."""
    default = periods.quarter_of(today, periods.fiscal_start())
    error = None
    text = args.get("period", "")
    if args.get("from") or args.get("to"):
        text, error = _typed_range(args)
    try:
        period = periods.parse(text, periods.fiscal_start()) if text else default
    except DomainError as refused:
        typed = bool(args.get("from") or args.get("to"))
        period, error = default, PeriodError(refused.message, "" if typed else "period")
    type_ = args.get("type", "")
    district = args.get("district", "")[:50]
    return (
        Scope(
            period,
            type=type_ if type_ in TYPES else "",
            district=district,
            family=identifier_or_none(args.get("family")),
        ),
        error,
    )
