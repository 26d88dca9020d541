"""When an obligation falls due: once, or monthly, quarterly or yearly from its
first due date.

Each occurrence is counted from the first due date (never from the previous
occurrence), so a month too short for the day clips it without drifting: monthly
from 31 January is 28 (or 29) February, 31 March, 30 April, 31 May. A first due
date on the last day of its month keeps to month ends (30 September, 31
December, 31 March, 30 June: quarter ends). python-dateutil's relativedelta does
the calendar arithmetic.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from babel import dates as babel_dates
from dateutil.relativedelta import relativedelta
from flask_babel import gettext

from portal.core import periods
from portal.core.errors import DomainError
from portal.core.i18n import current_language

MONTHS = {"once": None, "monthly": 1, "quarterly": 3, "yearly": 12}
# However long an agreement runs, a list stays readable and a computation short.
MAX_OCCURRENCES = 600


def _month_end(day: date) -> bool:
    return day.day == calendar.monthrange(day.year, day.month)[1]


def nth_due(first_due_on: date, recurrence: str, n: int) -> date:
    """The n-th occurrence (0: the first)."""
    step = MONTHS[recurrence]
    if step is None or n == 0:
        return first_due_on
    if _month_end(first_due_on):
        return first_due_on + relativedelta(months=step * n, day=31)
    return first_due_on + relativedelta(months=step * n)


def due_dates(
    first_due_on: date, recurrence: str, until: date, ends_on: date | None = None
) -> list[date]:
    """Every due date from the first up to `until` and never after `ends_on`."""
    last = min(until, ends_on) if ends_on else until
    dates: list[date] = []
    for n in range(MAX_OCCURRENCES):
        due = nth_due(first_due_on, recurrence, n)
        if due > last:
            break
        dates.append(due)
        if MONTHS[recurrence] is None:
            break
    return dates


@dataclass(frozen=True)
class Window:
    """One occurrence: what it covers (automatic observation looks at what
    happened from `start` to `due_on`) and when it falls due."""

    start: date
    due_on: date


def windows(
    first_due_on: date, recurrence: str, starts_on: date, dates: list[date]
) -> list[Window]:
    """Each due date with the days it covers: from the day after the previous one
    (the first from the agreement's start, or from one step before its due date
    when the agreement started long before)."""
    result = []
    previous: date | None = None
    for due in dates:
        if previous is not None:
            start = previous + timedelta(days=1)
        elif MONTHS[recurrence] is None:
            start = min(starts_on, due)
        else:
            one_step_back = due - relativedelta(months=MONTHS[recurrence]) + timedelta(days=1)
            start = max(min(starts_on, due), one_step_back)
        result.append(Window(start, due))
        previous = due
    return result


def _day(value: date) -> str:
    """'03 Dec 2026', '03 déc. 2026' (as the pages' |day filter writes it)."""
    return babel_dates.format_date(value, "dd MMM y", locale=current_language())


def period_label(
    due_on: date, recurrence: str, fiscal_start_month: int = 1, start: date | None = None
) -> str:
    """The period an occurrence is for, in the programme's words: a month, a
    fiscal quarter ("2026-Q4") or a fiscal year ("FY2026"); an occurrence that
    covers other days than those (`start` to `due_on`) is named by its days."""
    if recurrence == "once":
        return gettext("due %(day)s", day=_day(due_on))
    if recurrence == "monthly":
        period = periods.month_of(due_on)
        label = babel_dates.format_date(due_on, "LLLL y", locale=current_language())
    elif recurrence == "quarterly":
        period = periods.quarter_of(due_on, fiscal_start_month)
        label = period.key
    else:
        period = periods.fiscal_year_of(due_on, fiscal_start_month)
        label = period.key
    if start is None or (start, due_on) == (period.start, period.end):
        return label
    first = babel_dates.format_date(start, "dd MMM", locale=current_language())
    return f"{first} – {_day(due_on)}"


def check_falls_due(
    recurrence: str | None, first_due_on: date | None, starts_on: date, ends_on: date | None
) -> None:
    """Refuse a schedule that never falls due within the agreement."""
    if recurrence not in MONTHS:
        raise DomainError(gettext("Choose once, monthly, quarterly or yearly."), field="recurrence")
    if first_due_on is None:
        raise DomainError(gettext("Enter the date it is (first) due."), field="first_due_on")
    if first_due_on < starts_on:
        raise DomainError(
            gettext(
                "The agreement starts on %(day)s: nothing can fall due before.",
                day=_day(starts_on),
            ),
            field="first_due_on",
        )
    if ends_on is not None and first_due_on > ends_on:
        raise DomainError(
            gettext(
                "This never falls due: the agreement ends on %(ends)s, before %(due)s.",
                ends=_day(ends_on),
                due=_day(first_due_on),
            ),
            field="first_due_on",
        )


def template_first_due(starts_on: date, months: int) -> date:
    """A standard obligation's first due date: the day before `months` months
    after the agreement starts."""
    return starts_on + relativedelta(months=max(1, months)) - timedelta(days=1)
