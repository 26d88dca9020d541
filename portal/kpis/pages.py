"""What the KPI pages show, assembled from kpis.figures: the programme dashboard
(every KPI, its trend, the spread across partners, who needs attention), one
partner's figures against the programme median, and the partners to offer a
coaching call."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from portal.core.extensions import db
from portal.core.periods import Period
from portal.kpis.definitions import GROUPS, KPIS, Kpi
from portal.kpis.figures import (
    Bench,
    Distribution,
    Figure,
    Scope,
    benchmarks,
    partner_values,
    pooled,
    programme_median,
    quarters_up_to,
    state,
    trend,
    worse,
)
from portal.models import CheckIn, Partner, utcnow

# A coaching call offered for a KPI this recently is not offered again.
COACHING_QUIET_DAYS = 60


@dataclass
class KpiRow:
    figure: Figure
    trend: list[tuple[Period, float | None]]
    distribution: Distribution
    states: Counter

    @property
    def kpi(self) -> Kpi:
        return self.figure.kpi


@dataclass
class Issue:
    kpi: Kpi
    value: float
    state: str
    previous: float | None
    worsening: bool


@dataclass
class Attention:
    partner: Partner
    issues: list[Issue] = field(default_factory=list)

    @property
    def acting(self) -> int:
        return sum(1 for issue in self.issues if issue.state == "act")


@dataclass
class Dashboard:
    scope: Scope
    groups: dict[str, list[KpiRow]]
    attention: list[Attention]  # the most pressing first, `shown` of them
    needing: int  # partners needing attention in all

    @property
    def more(self) -> int:
        return self.needing - len(self.attention)


def _figure(kpi: Kpi, bench: Bench, values: dict, together: tuple) -> Figure:
    value, count, hits = together
    return Figure(kpi, bench, value, count, hits, programme_median(values))


ATTENTION_SHOWN = 20


def dashboard(scope: Scope, today: date, shown: int | None = ATTENTION_SHOWN) -> Dashboard:
    """Every KPI for the scope; the partners past a warning threshold, or whose
    state got worse since the period before, first those with most to act on
    (`shown` of them; None: all)."""
    benches = benchmarks(KPIS)
    groups: dict[str, list[KpiRow]] = {key: [] for key in GROUPS}
    issues: dict[int, list[Issue]] = {}
    before = scope.during(scope.period.previous())
    for kpi in KPIS:
        bench = benches[kpi.key]
        values = partner_values(kpi, scope, today)
        earlier = partner_values(kpi, before, today) if kpi.about_partner else {}
        states = Counter(state(kpi, bench, v[0]) for v in values.values())
        row = KpiRow(
            _figure(kpi, bench, values, pooled(kpi, scope, today)),
            trend(kpi, scope, today),
            Distribution(sorted(v[0] for v in values.values())),
            states,
        )
        groups[kpi.group].append(row)
        for partner_id, (value, _, _) in values.items() if kpi.about_partner else ():
            now = state(kpi, bench, value)
            previous = earlier.get(partner_id, (None,))[0]
            worsening = worse(state(kpi, bench, previous), now)
            if now == "act" or worsening:
                issues.setdefault(partner_id, []).append(
                    Issue(kpi, value, now, previous, worsening)
                )

    def pressing(item):
        return (-sum(1 for i in item[1] if i.state == "act"), -len(item[1]), item[0])

    chosen = sorted(issues.items(), key=pressing)[:shown]
    wanted = select(Partner).where(Partner.id.in_([pid for pid, _ in chosen]))
    partners = {p.id: p for p in db.session.scalars(wanted)}
    attention = [Attention(partners[pid], found) for pid, found in chosen]
    attention.sort(key=lambda a: (-a.acting, -len(a.issues), a.partner.name))
    return Dashboard(scope, groups, attention, len(issues))


@dataclass
class PartnerFigure:
    figure: Figure
    trend: list[tuple[Period, float | None]]


def partner_figures(partner_id: int, scope: Scope, today: date, service: bool = False):
    """The partner's own figures, each with the programme median and benchmark (the
    median is the middle partner's figure: no other partner is named or shown).
    Grouped; `service` adds the programme team's own figures for this partner."""
    benches = benchmarks(KPIS)
    own = scope.of_partner(partner_id)
    groups: dict[str, list[PartnerFigure]] = {}
    for kpi in KPIS:
        if not (kpi.about_partner or service):
            continue
        values = partner_values(kpi, scope.of_partner(None), today)
        value, count, hits = values.get(partner_id, (None, 0, None))
        figure = Figure(kpi, benches[kpi.key], value, count, hits, programme_median(values))
        groups.setdefault(kpi.group, []).append(PartnerFigure(figure, trend(kpi, own, today)))
    return groups


def past_warning(today: date) -> dict[int, list[tuple[Kpi, float]]]:
    """Per partner, its KPIs past their warning threshold this quarter, with the
    value: what coaching is offered for and what weakens a partnership's health."""
    scope = Scope(quarters_up_to(today, 1)[0])
    benches = benchmarks(KPIS)
    found: dict[int, list[tuple[Kpi, float]]] = {}
    for kpi in (k for k in KPIS if k.about_partner):
        for partner_id, (value, _, _) in partner_values(kpi, scope, today).items():
            if state(kpi, benches[kpi.key], value) == "act":
                found.setdefault(partner_id, []).append((kpi, value))
    return found


def coaching_candidates(today: date, limit: int = 20) -> list[tuple[Partner, Kpi, float]]:
    """(partner, kpi, value) for each partner past a warning threshold this quarter
    and not offered a coaching call for that KPI lately: staff offer one."""
    since = utcnow() - timedelta(days=COACHING_QUIET_DAYS)
    offered = set(
        db.session.execute(
            select(CheckIn.partner_id, CheckIn.kpi).where(
                CheckIn.kpi.is_not(None), CheckIn.created_at >= since
            )
        ).all()
    )
    found = [
        (partner_id, kpi, value)
        for partner_id, acting in past_warning(today).items()
        for kpi, value in acting
        if (partner_id, kpi.key) not in offered
    ]
    partners = {
        p.id: p
        for p in db.session.scalars(
            select(Partner).where(Partner.id.in_({pid for pid, _, _ in found}))
        )
    }
    found.sort(key=lambda f: (partners[f[0]].name, f[1].title))
    return [(partners[pid], kpi, value) for pid, kpi, value in found[:limit]]
