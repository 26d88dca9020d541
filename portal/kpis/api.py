"""The published KPI figures (kpis.published) as an API resource: one row per
partner, KPI and period, for Power BI and Excel."""

from __future__ import annotations

from portal.api.registry import (
    Resource,
    choice,
    day,
    integer,
    number,
    register,
    standard_fields,
    text,
)
from portal.kpis.definitions import BY_KEY, GROUPS, KPIS, english
from portal.kpis.figures import STATES
from portal.models import KpiValue

# The API is read by reporting tools: its documentation (OpenAPI) is in English
# for every caller, so its text stays out of the catalogues.
DOCUMENTED = {
    "resource": "Each partner's figure for each KPI in the recent quarters and fiscal "
    "years, as published daily (`flask api publish`), with its benchmark and state. "
    "Percentages are fractions (0.75 is 75%). The definitions are the portal's "
    "/kpis/definitions page.",
    "period": '"2026-Q3" (a fiscal quarter) or "FY2026".',
    "value": "null: no data (any more).",
    "events": "The events the figure counts.",
    "state": "Against the benchmark.",
}

register(
    Resource(
        name="kpis",
        title="KPI value",
        description=DOCUMENTED["resource"],
        model=KpiValue,
        fields=standard_fields(
            integer("partner_id"),
            choice("kpi", [k.key for k in KPIS]),
            text("kpi_title", lambda v: english(BY_KEY[v.kpi].title)),
            choice("kpi_group", GROUPS, lambda v: BY_KEY[v.kpi].group),
            choice("unit", sorted({k.unit for k in KPIS}), lambda v: BY_KEY[v.kpi].unit),
            choice("better", ["higher", "lower"], lambda v: BY_KEY[v.kpi].better),
            text("period", description=DOCUMENTED["period"]),
            day("period_start"),
            day("period_end"),
            number("value", nullable=True, description=DOCUMENTED["value"]),
            integer("events", description=DOCUMENTED["events"]),
            choice("state", STATES, nullable=True, description=DOCUMENTED["state"]),
            number("target"),
            number("warning"),
        ),
    )
)
