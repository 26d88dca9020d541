"""Publishing the KPI figures for reporting tools: each partner's figure for each
KPI in the recent quarters and fiscal years, kept as rows (KpiValue) that the
API serves with `updated_since`. `flask api publish` runs it (daily, by cron);
running it twice changes nothing the second time."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.core import periods
from portal.core.extensions import db
from portal.kpis.definitions import KPIS
from portal.kpis.figures import Scope, benchmarks, compute_partner_values, quarters_up_to, state
from portal.models import KpiValue, utcnow

QUARTERS = 5  # the current one and the four before


def published_periods(today: date) -> list[periods.Period]:
    start = periods.fiscal_start()
    year = periods.fiscal_year_of(today, start)
    return [*quarters_up_to(today, QUARTERS), year.previous(start), year]


def publish(today: date) -> int:
    """Bring the published figures up to date; how many rows changed."""
    benches = benchmarks(KPIS)
    chosen = published_periods(today)
    kept = {
        (v.partner_id, v.kpi, v.period): v
        for v in db.session.scalars(
            select(KpiValue).where(KpiValue.period.in_([p.key for p in chosen]))
        )
    }
    seen, changed = set(), 0
    for period in chosen:
        for kpi in KPIS:
            bench = benches[kpi.key]
            # Computed afresh: a published figure never comes from the page cache.
            for partner_id, (value, count, _) in compute_partner_values(
                kpi, Scope(period), today
            ).items():
                key = (partner_id, kpi.key, period.key)
                seen.add(key)
                figure = (value, count or 0, state(kpi, bench, value), bench.target, bench.warning)
                changed += _put(kept.get(key), key, period, figure)
    for key, row in kept.items():  # no figure any more (a partner merged away): say so
        if key not in seen and row.value is not None:
            changed += _put(row, key, None, (None, 0, None, row.target, row.warning))
    db.session.commit()
    return changed


def _put(row: KpiValue | None, key, period, figure) -> int:
    value, events, figure_state, target, warning = figure
    if row is None:
        partner_id, kpi, _ = key
        db.session.add(
            KpiValue(
                partner_id=partner_id,
                kpi=kpi,
                period=period.key,
                period_start=period.start,
                period_end=period.end,
                value=value,
                events=events,
                state=figure_state,
                target=target,
                warning=warning,
            )
        )
        return 1
    if (row.value, row.events, row.state, row.target, row.warning) == figure:
        return 0
    row.value, row.events, row.state, row.target, row.warning = figure
    row.updated_at = utcnow()
    return 1
