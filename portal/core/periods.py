"""Periods: fiscal quarters ("2026-Q3"), months ("2026-11"), fiscal years
("FY2026") and any range of days ("2026-01-15..2026-03-31"), for reports and
for the figures staff judge partners by.

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
from flask_babel import format_date, gettext

from portal.core.errors import DomainError
from portal.core.inputs import FIRST_DAY, LAST_DAY, day

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(?:FY)?(\d{4})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")
# A custom range may be long, not endless: the figures over it stay one read.
MAX_RANGE_DAYS = 366 * 5


@dataclass(frozen=True)
class Period:
    key: str  # "2026-Q3", "2026-11", "FY2026" or "2026-01-15..2026-03-31"
    kind: str  # "quarter", "month", "year" or "range"
    start: date
    end: date  # inclusive

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.start:%B %Y}"
        if self.kind == "range":
            return f"{self.start:%d %b %Y} – {self.end:%d %b %Y}"
        if self.kind == "year" and self.start.month == 1:
            return str(self.start.year)
        if self.kind == "year":
            return f"FY {self.start.year} ({self.start:%b %Y} – {self.end:%b %Y})"
        return f"{self.key.replace('-', ' ')} ({self.start:%b %Y} – {self.end:%b %Y})"

    @property
    def shown(self) -> str:
        """`label` in the reader's language, for the pages: in English the same
        words ("2026 Q3 (Jul 2026 – Sep 2026)"), in French "T3 2026 (juil. 2026 –
        sept. 2026)", "novembre 2026"; `label` stays the English one that files and
        the audit trail keep."""
        months = {"start": format_date(self.start, "MMM y"), "end": format_date(self.end, "MMM y")}
        if self.kind == "month":
            return format_date(self.start, "LLLL y")
        if self.kind == "range":
            start, end = format_date(self.start, "dd MMM y"), format_date(self.end, "dd MMM y")
            return f"{start} – {end}"
        if self.kind == "year" and self.start.month == 1:
            return str(self.start.year)
        if self.kind == "year":
            return gettext("FY %(year)s (%(start)s – %(end)s)", year=self.start.year, **months)
        year, _, number = self.key.partition("-Q")
        return gettext(
            "%(quarter)s (%(start)s – %(end)s)",
            quarter=gettext("%(year)s Q%(quarter)s", quarter=number, year=year),
            **months,
        )

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def previous(self, start_month: int = 1) -> Period:
        """The period of the same kind just before (a range: as long, ending the day before)."""
        before = self.start - timedelta(days=1)
        if self.kind == "month":
            return month_of(before)
        if self.kind == "year":
            return fiscal_year(self.start.year - 1, start_month)
        if self.kind == "range":
            return days(before - (self.end - self.start), before)
        return quarter_of(before, start_month)


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


def fiscal_year(year: int, start_month: int = 1) -> Period:
    """The fiscal year that starts in `year`, in month `start_month`."""
    start = _month_start(year, _check_start_month(start_month))
    end = _month_start(year + 1, start_month) - timedelta(days=1)
    return Period(f"FY{year}", "year", start, end)


def fiscal_year_of(day: date, start_month: int = 1) -> Period:
    return fiscal_year(day.year if day.month >= start_month else day.year - 1, start_month)


def days(start: date, end: date) -> Period:
    """Any range of days, both ends included."""
    return Period(f"{start.isoformat()}..{end.isoformat()}", "range", start, end)


def month_of(day: date) -> Period:
    start = day.replace(day=1)
    end = _month_start(start.year, start.month + 1) - timedelta(days=1)
    return Period(f"{start:%Y-%m}", "month", start, end)


def parse(text: str, start_month: int = 1) -> Period:
    """ "2026-Q3" or "2026-11"; anything else is refused with the expected form."""
    text = (text or "").strip().upper()
    year = re.match(r"^(?:FY)?(\d{4})", text)
    if year and not FIRST_DAY.year <= int(year[1]) < LAST_DAY.year:
        raise DomainError(
            gettext(
                "Choose a period between %(first)s and %(last)s.",
                first=FIRST_DAY.year,
                last=LAST_DAY.year - 1,
            ),
            field="period",
        )
    if match := _QUARTER.match(text):
        return quarter(int(match[1]), int(match[2]), start_month)
    if (match := _MONTH.match(text)) and 1 <= int(match[2]) <= 12:
        return month_of(date(int(match[1]), int(match[2]), 1))
    if match := _YEAR.match(text):
        return fiscal_year(int(match[1]), start_month)
    if match := _RANGE.match(text):
        return _range(match[1], match[2])
    raise DomainError(
        gettext(
            "Choose a period like 2026-Q3 (a quarter), 2026-11 (a month), FY2026 (a year) "
            "or 2026-01-15..2026-03-31 (from a day to a day)."
        ),
        field="period",
    )


def _range(first: str, last: str) -> Period:
    try:
        start, end = day(first), day(last)
    except ValueError:
        raise DomainError(gettext("Enter real days, as 2026-01-15."), field="period") from None
    if end < start:
        raise DomainError(
            gettext("The period must end on or after the day it starts."), field="period"
        )
    if (end - start).days > MAX_RANGE_DAYS:
        raise DomainError(gettext("Choose a period of at most five years."), field="period")
    return days(start, end)


def reportable(text: str, today: date, start_month: int = 1) -> Period:
    """A period a report may be sent for: the current one or a past one."""
    period = parse(text, start_month)
    if period.kind not in ("quarter", "month"):
        raise DomainError(gettext("Reports cover a quarter or a month."), field="period")
    if period.start > today:
        raise DomainError(
            gettext(
                "%(period)s has not started yet: choose the current or a past period.",
                period=period.key,
            ),
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
