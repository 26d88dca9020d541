"""KPI figures: the events of each KPI (kpis.events, kpis.snapshots) aggregated in
SQL per partner, programme-wide and per quarter, for a scope (a period and the
filters), and judged against the benchmark.

Each figure is a constant number of statements, whatever the number of partners:
per partner (one GROUP BY), programme-wide (one), by quarter (one; a state KPI
takes one per quarter). The programme median is the median of the partners'
figures; the programme-wide figure pools every event. Figures are kept (the
app's cache, KPI_CACHE_SECONDS) until anything is recorded: pages read in a
quiet hour cost one statement, not dozens.
"""

from __future__ import annotations

import contextlib
import statistics
from dataclasses import dataclass, field
from datetime import date

from babel import numbers
from flask import current_app, g, has_request_context
from flask_babel import gettext, lazy_gettext
from redis.exceptions import RedisError
from sqlalchemy import func, or_, select

from portal.core import periods
from portal.core.extensions import cache, db
from portal.core.i18n import current_language
from portal.core.periods import Period
from portal.core.sqldays import median, month_index
from portal.kpis.definitions import Kpi
from portal.models import AuditEvent, Benchmark, Partner, utcnow
from portal.partners.listing import Filters, conditions

TREND_QUARTERS = 5


@dataclass(frozen=True)
class Scope:
    """What the figures are for: a period, and which partners' events count."""

    period: Period
    type: str = ""
    district: str = ""
    family: int | None = None
    partner_id: int | None = None

    def args(self) -> dict:
        """The query string of a link to this scope (the partner is in the path)."""
        values = {"period": self.period.key, "type": self.type, "district": self.district}
        return {k: v for k, v in values.items() if v} | (
            {"family": self.family} if self.family else {}
        )

    def of_partner(self, partner_id: int | None) -> Scope:
        return Scope(self.period, self.type, self.district, self.family, partner_id)

    def during(self, period: Period) -> Scope:
        return Scope(period, self.type, self.district, self.family, self.partner_id)


@dataclass(frozen=True)
class Bench:
    target: float
    warning: float
    set_by_admin: bool = False


def benchmarks(kpis) -> dict[str, Bench]:
    """The benchmark of each KPI: an administrator's, or the default."""
    saved = {b.kpi: b for b in db.session.scalars(select(Benchmark))}
    return {
        k.key: Bench(saved[k.key].target, saved[k.key].warning, True)
        if k.key in saved
        else Bench(k.target, k.warning)
        for k in kpis
    }


def state(kpi: Kpi, bench: Bench, value: float | None) -> str | None:
    """good (meets the target), watch (not past the warning threshold), or act."""
    if value is None:
        return None
    if not kpi.is_better(bench.target, value):
        return "good"
    if not kpi.is_better(bench.warning, value):
        return "watch"
    return "act"


STATES = {"good": lazy_gettext("Good"), "watch": lazy_gettext("Watch"), "act": lazy_gettext("Act")}
_RANK = {"good": 0, "watch": 1, "act": 2}


def worse(before: str | None, now: str | None) -> bool:
    return before is not None and now is not None and _RANK[now] > _RANK[before]


@dataclass
class Figure:
    kpi: Kpi
    bench: Bench
    value: float | None
    count: int | None = None  # the events counted (shares, means and counts)
    hits: float | None = None  # of which "yes" (shares)
    median: float | None = None  # the programme median: the middle partner's figure

    @property
    def state(self) -> str | None:
        return state(self.kpi, self.bench, self.value)


# --- the statements ---------------------------------------------------------------


def _events(kpi: Kpi, scope: Scope, today: date, start: date, end: date):
    """The KPI's events dated in [start, end] that the scope counts, as a subquery."""
    statement = kpi.snapshot(min(end, today)) if kpi.snapshot is not None else kpi.events(today)
    rows = statement.subquery("events")
    where = [rows.c.day >= start, rows.c.day <= end]
    if scope.partner_id is not None:
        where.append(rows.c.partner_id == scope.partner_id)
    if scope.type or scope.district:
        chosen = Filters(status="all", type=scope.type, district=scope.district)
        where.append(rows.c.partner_id.in_(select(Partner.id).where(*conditions(chosen))))
    else:
        where.append(rows.c.partner_id.in_(select(Partner.id).where(Partner.status != "merged")))
    if scope.family is not None:
        # Events about the partner rather than a cycle (check-ins, the vault) stay in.
        where.append(or_(rows.c.family_id == scope.family, rows.c.family_id.is_(None)))
    return select(rows).where(*where).subquery("counted")


def _aggregated(kpi: Kpi, rows, *by):
    """(by..., value, count, hits) of the counted events."""
    groups = [rows.c[name] if isinstance(name, str) else name for name in by]
    if kpi.aggregate == "median":
        labelled = [g.label(f"g{i}") for i, g in enumerate(groups)]
        inner = select(*labelled, rows.c.value)
        return median(inner, "value", tuple(f"g{i}" for i in range(len(groups))))
    value = func.sum(rows.c.value) if kpi.aggregate == "sum" else func.avg(rows.c.value * 1.0)
    return select(*groups, value, func.count(), func.sum(rows.c.value)).group_by(*groups)


def _unpack(row, groups: int) -> tuple:
    key = tuple(row[:groups])
    rest = tuple(row[groups:]) + (None, None)
    value = float(rest[0]) if rest[0] is not None else None
    count = rest[1]
    hits = float(rest[2]) if rest[2] is not None else None
    return key, value, count, hits


# --- kept figures -------------------------------------------------------------------


def _fingerprint() -> str:
    """What the figures were computed from: the newest audit event (every change
    writes one) and the hour (meetings pass their start time unrecorded)."""
    if has_request_context() and "kpi_fingerprint" in g:  # once per page
        return g.kpi_fingerprint
    newest = db.session.scalar(select(func.max(AuditEvent.id))) or 0
    fingerprint = f"{newest}:{utcnow():%Y%m%d%H}"
    if has_request_context():
        g.kpi_fingerprint = fingerprint
    return fingerprint


def _kept(what: str, kpi: Kpi, scope: Scope, today: date, compute):
    """`compute()`, or what it gave for the same question since the last change."""
    seconds = current_app.config["KPI_CACHE_SECONDS"]
    if not seconds:
        return compute()
    key = f"kpi:{what}:{kpi.key}:{scope!r}:{today}:{_fingerprint()}"
    try:
        found = cache.get(key)
    except RedisError:  # a cache that is down costs time, never an answer
        found = None
    if found is None:
        found = compute()
        with contextlib.suppress(RedisError):
            cache.set(key, found, timeout=seconds)
    return found


def partner_values(kpi: Kpi, scope: Scope, today: date) -> dict[int, tuple]:
    """partner id -> (value, count, hits) over the scope's period."""
    return _kept("partners", kpi, scope, today, lambda: compute_partner_values(kpi, scope, today))


def compute_partner_values(kpi: Kpi, scope: Scope, today: date) -> dict[int, tuple]:
    rows = _events(kpi, scope, today, scope.period.start, scope.period.end)
    result = {}
    for row in db.session.execute(_aggregated(kpi, rows, "partner_id")):
        (partner_id,), value, count, hits = _unpack(row, 1)
        if value is not None:
            result[partner_id] = (value, count, hits)
    return result


def pooled(kpi: Kpi, scope: Scope, today: date) -> tuple:
    """(value, count, hits) of every counted event together; value None: no data."""
    return _kept("pooled", kpi, scope, today, lambda: _pooled(kpi, scope, today))


def _pooled(kpi: Kpi, scope: Scope, today: date) -> tuple:
    rows = _events(kpi, scope, today, scope.period.start, scope.period.end)
    row = db.session.execute(_aggregated(kpi, rows)).first()
    if row is None:
        return None, 0, None
    _, value, count, hits = _unpack(row, 0)
    return value, (count if value is not None else 0), hits


def quarters_up_to(day: date, count: int = TREND_QUARTERS) -> list[Period]:
    start_month = periods.fiscal_start()
    quarters = [periods.quarter_of(day, start_month)]
    while len(quarters) < count:
        quarters.append(quarters[-1].previous(start_month))
    return quarters[::-1]


def trend(kpi: Kpi, scope: Scope, today: date) -> list[tuple[Period, float | None]]:
    """The figure in each of the last quarters up to the scope's period."""
    return _kept("trend", kpi, scope, today, lambda: _trend(kpi, scope, today))


def _trend(kpi: Kpi, scope: Scope, today: date) -> list[tuple[Period, float | None]]:
    quarters = quarters_up_to(min(scope.period.end, today))
    if kpi.snapshot is not None:
        return [(q, _pooled(kpi, scope.during(q), today)[0]) for q in quarters if q.start <= today]
    rows = _events(kpi, scope, today, quarters[0].start, quarters[-1].end)
    start_month = periods.fiscal_start()
    bucket = (month_index(rows.c.day) - (start_month - 1)) // 3
    found = {}
    for row in db.session.execute(_aggregated(kpi, rows, bucket.label("bucket"))):
        (key,), value, _, _ = _unpack(row, 1)
        found[key] = value
    return [(q, found.get(_bucket_of(q.start, start_month))) for q in quarters]


def _bucket_of(day: date, start_month: int) -> int:
    return (day.year * 12 + day.month - 1 - (start_month - 1)) // 3


def programme_median(values: dict[int, tuple]) -> float | None:
    return statistics.median(v[0] for v in values.values()) if values else None


@dataclass
class Distribution:
    """The partners' figures, in bins for the chart and as they are for the table."""

    values: list[float] = field(default_factory=list)

    def bins(self, kpi: Kpi, count: int = 5) -> list[tuple[str, int]]:
        if not self.values:
            return []
        if kpi.unit == "percent":
            edges = [i / count for i in range(count + 1)]
        else:
            low, high = min(self.values), max(self.values)
            step = (high - low) / count or 1
            edges = [low + i * step for i in range(count + 1)]
        result = []
        for i in range(count):
            last = i == count - 1
            n = sum(
                1
                for v in self.values
                if edges[i] <= v and (v < edges[i + 1] or (last and v <= edges[i + 1]))
            )
            low, high = _edge(kpi, edges[i]), _edge(kpi, edges[i + 1])
            if kpi.unit == "percent":
                result.append((f"{low}–{high}", n))
            else:
                result.append((gettext("%(low)s to %(high)s", low=low, high=high), n))
        return result


def _edge(kpi: Kpi, value: float) -> str:
    language = current_language()
    if kpi.unit == "percent":
        return numbers.format_percent(value, locale=language)
    return numbers.format_decimal(
        round(value) if abs(value) >= 10 else round(value, 1), format="#,##0.#", locale=language
    )
