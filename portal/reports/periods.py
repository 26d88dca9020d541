"""Reporting periods: fiscal quarters ("2026-Q3") and months ("2026-11").

Quarters follow the programme's fiscal year, which starts in the month
FISCAL_YEAR_START_MONTH (1 = January, the calendar year). A fiscal year is
named by the calendar year in which it *starts*: with a July start, "2026-Q1"
is July–September 2026 and "2026-Q4" is April–June 2027. (So a quarter's label
never names a year that has not begun, and with a January start the labels
are the calendar's own.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app

from portal.core.errors import DomainError

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Period:
    key: str  # "2026-Q3" or "2026-11"
    kind: str  # "quarter" or "month"
    start: date
    end: date  # inclusive

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.start:%B %Y}"
        return f"{self.key.replace('-', ' ')} ({self.start:%b %Y} – {self.end:%b %Y})"

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def previous(self, start_month: int = 1) -> Period:
        before = self.start - timedelta(days=1)
        return month_of(before) if self.kind == "month" else quarter_of(before, start_month)


def _month_start(year: int, month: int) -> date:
    """The first day of `month` counted from January of `year` (month may pass 12)."""
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return date(year, month, 1)


def _check_start_month(start_month: int) -> int:
    if not 1 <= start_month <= 12:
        raise ValueError(f"FISCAL_YEAR_START_MONTH must be 1-12, not {start_month}")
    return start_month


def quarter(fiscal_year: int, number: int, start_month: int = 1) -> Period:
    """Quarter `number` (1-4) of the fiscal year that starts in `fiscal_year`."""
    start = _month_start(fiscal_year, _check_start_month(start_month) + 3 * (number - 1))
    end = _month_start(start.year, start.month + 3) - timedelta(days=1)
    return Period(f"{fiscal_year}-Q{number}", "quarter", start, end)


def quarter_of(day: date, start_month: int = 1) -> Period:
    """The fiscal quarter `day` falls in."""
    offset = (day.month - _check_start_month(start_month)) % 12
    fiscal_year = day.year if day.month >= start_month else day.year - 1
    return quarter(fiscal_year, offset // 3 + 1, start_month)


def month_of(day: date) -> Period:
    start = day.replace(day=1)
    end = _month_start(start.year, start.month + 1) - timedelta(days=1)
    return Period(f"{start:%Y-%m}", "month", start, end)


def parse(text: str, start_month: int = 1) -> Period:
    """ "2026-Q3" or "2026-11"; anything else is refused with the expected form."""
    text = (text or "").strip().upper()
    if match := _QUARTER.match(text):
        return quarter(int(match[1]), int(match[2]), start_month)
    if (match := _MONTH.match(text)) and 1 <= int(match[2]) <= 12:
        return month_of(date(int(match[1]), int(match[2]), 1))
    raise DomainError(
        "Choose a period like 2026-Q3 (a quarter) or 2026-11 (a month).", field="period"
    )


def reportable(text: str, today: date, start_month: int = 1) -> Period:
    """A period a report may be sent for: the current one or a past one."""
    period = parse(text, start_month)
    if period.start > today:
        raise DomainError(
            f"{period.key} has not started yet: choose the current or a past period.",
            field="period",
        )
    return period


def recent_quarters(today: date, start_month: int = 1, count: int = 5) -> list[Period]:
    """The current quarter and the `count - 1` before it, newest first."""
    periods = [quarter_of(today, start_month)]
    while len(periods) < count:
        periods.append(periods[-1].previous(start_month))
    return periods


def recent_months(today: date, count: int = 3) -> list[Period]:
    periods = [month_of(today)]
    while len(periods) < count:
        periods.append(periods[-1].previous())
    return periods


def fiscal_start() -> int:
    return current_app.config["FISCAL_YEAR_START_MONTH"]


def period_choices(today: date) -> list[Period]:
    """The periods the compose form offers: this quarter and the four before it,
    then this month and the two before it (for monthly reporters)."""
    return recent_quarters(today, fiscal_start()) + recent_months(today)
