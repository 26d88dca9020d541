"""How KPI figures are drawn and written: server-side SVG bar charts (no
JavaScript, a few hundred bytes each) and each figure in its unit."""

from __future__ import annotations

from dataclasses import dataclass

from babel import numbers
from flask_babel import gettext, ngettext

from portal.core.i18n import current_language
from portal.kpis import bp
from portal.kpis.definitions import Kpi

WIDTH, HEIGHT, PAD = 280, 100, 16


@bp.app_template_filter("kpi_value")
def kpi_value(value: float | None, kpi: Kpi) -> str:
    """A figure in its unit, in the reader's language: 82%, 3.5 days, 1.4 rounds, 3.8 / 5."""
    if value is None:
        return gettext("No data yet")
    if kpi.unit == "percent":
        return numbers.format_percent(value, locale=current_language())
    number = _short(value)
    count = int(abs(value)) if value == int(value) else 2  # "1.5 days"
    if kpi.unit == "days":
        return ngettext("%(number)s day", "%(number)s days", count, number=number)
    if kpi.unit == "working_days":
        return ngettext("%(number)s working day", "%(number)s working days", count, number=number)
    if kpi.unit == "rating":
        return gettext("%(number)s / 5", number=number)
    return number


def _short(value: float) -> str:
    """One decimal at most: 3.5, 4 ("3,5" in French)."""
    return numbers.format_decimal(round(value, 1), format="#,##0.#", locale=current_language())


@bp.app_template_filter("kpi_short")
def kpi_short(value: float, kpi: Kpi) -> str:
    """A figure as a chart's label: 82%, 3.5, 4."""
    if kpi.unit == "percent":
        return numbers.format_percent(value, locale=current_language())
    return _short(value)


@dataclass
class Bar:
    label: str
    value: float | None
    x: float
    y: float
    height: float
    width: float


@dataclass
class Chart:
    bars: list[Bar]
    target_y: float | None
    baseline_y: float
    width: int = WIDTH
    height: int = HEIGHT


def bars(
    points: list[tuple[str, float | None]], kpi: Kpi | None, target: float | None = None
) -> Chart:
    """Bars for (label, value) points on one scale, zero included, with the target
    as a line; a point with no data is a gap with its label. No `kpi`: counts."""
    values = [v for _, v in points if v is not None] + ([target] if target is not None else [])
    top = 1.0 if kpi and kpi.unit == "percent" else max([*values, 0.0])
    bottom = min([*values, 0.0])
    span = (top - bottom) or 1.0
    inner = HEIGHT - PAD

    def y_of(value: float) -> float:
        return round(inner - (value - bottom) / span * (inner - 14), 1)  # room for labels

    slot = WIDTH / max(len(points), 1)
    baseline = y_of(0.0)
    drawn = []
    for i, (label, value) in enumerate(points):
        top_y = y_of(value) if value is not None else baseline
        drawn.append(
            Bar(
                label,
                value,
                round(i * slot + slot * 0.15, 1),
                min(top_y, baseline),
                max(abs(baseline - top_y), 1.0 if value is not None else 0.0),
                round(slot * 0.7, 1),
            )
        )
    return Chart(drawn, y_of(target) if target is not None else None, baseline)


@bp.app_template_global("kpi_chart")
def kpi_chart(points, kpi: Kpi | None, target: float | None = None) -> Chart:
    return bars(list(points), kpi, target)


@bp.app_template_filter("trend_point")
def trend_point(point) -> tuple[str, float | None]:
    """(quarter label, value) of a trend's (Period, value): "Q3 2026", "T3 2026"."""
    period, value = point
    year, _, number = period.key.partition("-Q")
    if not number:
        return period.key, value
    return gettext("Q%(quarter)s %(year)s", quarter=number, year=year), value
