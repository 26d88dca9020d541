"""The KPIs as an export: each partner's figure for each KPI in the scope, with
its benchmark, state and the programme median (Power BI and Excel take it as is)."""

from __future__ import annotations

from sqlalchemy import select

from portal.core.clock import local_today
from portal.core.extensions import db
from portal.exports import Column, Table, exportable
from portal.kpis.choices import scope_from_args
from portal.kpis.definitions import GROUPS, KPIS, english
from portal.kpis.figures import STATES, benchmarks, partner_values, programme_median, state
from portal.models import Partner

COLUMNS = (
    Column("Partner"),
    Column("KPI"),
    Column("Group"),
    Column("Unit"),
    Column("Value", "number"),
    Column("Events counted", "int"),
    Column("State"),
    Column("Target", "number"),
    Column("Warning at", "number"),
    Column("Programme median", "number"),
    Column("Period"),
)


@exportable("kpis", "KPIs")
def kpis_table(args) -> Table:
    today = local_today()
    scope, _ = scope_from_args(args, today)
    benches = benchmarks(KPIS)
    rows = []
    names = dict(db.session.execute(select(Partner.id, Partner.name)).all())
    for kpi in KPIS:
        values = partner_values(kpi, scope, today)
        median = programme_median(values)
        bench = benches[kpi.key]
        for partner_id, (value, count, _) in sorted(values.items(), key=lambda v: names[v[0]]):
            rows.append(
                (
                    names[partner_id],
                    english(kpi.title),
                    english(GROUPS[kpi.group]),
                    kpi.unit.replace("_", " "),
                    value,
                    count,
                    english(STATES.get(state(kpi, bench, value) or "", "")),
                    bench.target,
                    bench.warning,
                    median,
                    scope.period.label,
                )
            )
    described = ", ".join(f"{k}={v}" for k, v in scope.args().items())
    return Table(COLUMNS, rows, filters=described)
