"""The days of a check-in series: each counted from the first (31 Jan, then the
last day of February, then 31 Mar), and what to do with those that fall on a
Saturday or Sunday: staff keep them or move each to the Friday before or the
Monday after; until they say, WeekendMeetings lists them."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import TYPE_CHECKING

from babel import dates as babel_dates
from flask_babel import lazy_gettext, ngettext

from portal.checkins.models import REPEATS
from portal.core.errors import DomainError
from portal.core.i18n import current_language

if TYPE_CHECKING:
    from portal.checkins.meetings import CheckInPlan


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter
    (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def series_days(first: date, repeat: str, meetings: int) -> list[date]:
    """The meeting days of a series. Each is counted from the first day, not from
    the one before, so a series from 31 Jan keeps the 31st when the month has one."""
    months = REPEATS[repeat]
    if months is None:
        return [first]
    return [add_months(first, months * n) for n in range(meetings)]


WEEKEND = (calendar.SATURDAY, calendar.SUNDAY)
WEEKEND_CHOICES = {
    "keep": lazy_gettext("Keep the weekend days as they are"),
    "friday": lazy_gettext("Move each to the Friday before"),
    "monday": lazy_gettext("Move each to the Monday after"),
}


def weekend_days(plan: CheckInPlan) -> list[date]:
    """The days of the plan's series that fall on a Saturday or Sunday."""
    days = series_days(plan.starts_on, plan.repeat, plan.meetings)
    return [day for day in days if day.weekday() in WEEKEND]


def meeting_days(plan: CheckInPlan) -> list[date]:
    """The series' days once its weekend days are moved as `plan.weekend` says."""
    days = series_days(plan.starts_on, plan.repeat, plan.meetings)
    if plan.weekend == "friday":
        return [d - timedelta(days=d.weekday() - 4) if d.weekday() in WEEKEND else d for d in days]
    if plan.weekend == "monday":
        return [d + timedelta(days=7 - d.weekday()) if d.weekday() in WEEKEND else d for d in days]
    return days


def weekday_label(day: date) -> str:
    """ "Sat 30 Jan 2027" / "sam. 30 janv. 2027", in the reader's language."""
    return babel_dates.format_date(day, "EEE d MMM y", locale=current_language())


class WeekendMeetings(DomainError):
    """The plan has meetings on a Saturday or Sunday and staff have not said what
    to do with them; `days` lists them."""

    def __init__(self, days: list[date]):
        listed = ", ".join(weekday_label(day) for day in days)
        super().__init__(
            ngettext(
                "This meeting falls on a weekend: %(days)s. Keep it on that day, or move "
                "it to the Friday before or the Monday after.",
                "%(num)d meetings fall on a weekend: %(days)s. Keep them on these days, "
                "or move each to the Friday before or the Monday after.",
                len(days),
                days=listed,
            ),
            field="weekend",
        )
        self.days = days
