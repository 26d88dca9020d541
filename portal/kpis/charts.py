"""How KPI figures are drawn and written: server-side SVG bar charts (no
JavaScript, a few hundred bytes each) and each figure in its unit."""

from __future__ import annotations

from dataclasses import dataclass

from portal.kpis import bp
from portal.kpis.definitions import Kpi

WIDTH, HEIGHT, PAD = 280, 100, 16


@bp.app_template_filter("kpi_value")
def kpi_value(value: float | None, kpi: Kpi) -> str:
    """A figure in its unit: 82%, 3.5 days, 1.4 rounds, 3.8 / 5."""
    if value is None:
        return "No data yet"
    if kpi.unit == "percent":
        return f"{value * 100:.0f}%"
    number = f"{value:.1f}".removesuffix(".0")
    if kpi.unit == "days":
        return f"{number} day{'' if abs(value) == 1 else 's'}"
    if kpi.unit == "working_days":
        return f"{number} working day{'' if abs(value) == 1 else 's'}"
    if kpi.unit == "rating":
        return f"{number} / 5"
    return number


@bp.app_template_filter("kpi_short")
def kpi_short(value: float, kpi: Kpi) -> str:
    """A figure as a chart's label: 82%, 3.5, 4."""
    if kpi.unit == "percent":
        return f"{value * 100:.0f}%"
    return f"{value:.1f}".removesuffix(".0")


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
    """(quarter label, value) of a trend's (Period, value)."""
    period, value = point
    return period.key, value
