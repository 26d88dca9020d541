"""When an obligation falls due: recurrences across month ends, leap years and
the fiscal year boundary, and schedules that never fall due refused."""

from __future__ import annotations

from datetime import date

import pytest

from portal.core.errors import DomainError
from portal.obligations import schedule
from portal.obligations.schedule import check_falls_due, due_dates, period_label, windows


def test_monthly_on_the_31st_falls_on_each_month_end():
    dates = due_dates(date(2027, 1, 31), "monthly", date(2027, 6, 30))
    assert dates == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
        date(2027, 5, 31),
        date(2027, 6, 30),
    ]


def test_monthly_on_the_31st_in_a_leap_year_is_29_february():
    assert due_dates(date(2028, 1, 31), "monthly", date(2028, 3, 31))[1] == date(2028, 2, 29)


def test_a_day_that_is_not_a_month_end_is_clipped_without_drifting():
    """Monthly on the 30th: 28 February, then back to the 30th (counted from the
    first due date, never from the clipped one)."""
    dates = due_dates(date(2027, 1, 30), "monthly", date(2027, 4, 30))
    assert dates == [date(2027, 1, 30), date(2027, 2, 28), date(2027, 3, 30), date(2027, 4, 30)]


def test_quarterly_at_quarter_ends_across_the_fiscal_year_boundary():
    """A July fiscal year: 30 September is the end of its first quarter; the
    quarter after 30 June is the next fiscal year's first."""
    dates = due_dates(date(2026, 9, 30), "quarterly", date(2027, 12, 31))
    assert dates == [
        date(2026, 9, 30),
        date(2026, 12, 31),
        date(2027, 3, 31),
        date(2027, 6, 30),
        date(2027, 9, 30),
        date(2027, 12, 31),
    ]
    labels = [period_label(d, "quarterly", fiscal_start_month=7) for d in dates]
    assert labels == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4", "2027-Q1", "2027-Q2"]
    assert period_label(date(2027, 6, 30), "yearly", 7) == "FY2026"
    assert period_label(date(2027, 7, 31), "yearly", 7) == "FY2027"
    # The calendar year's quarters with the default January start.
    assert period_label(date(2026, 12, 31), "quarterly") == "2026-Q4"


def test_yearly_on_29_february_is_28_february_in_other_years():
    dates = due_dates(date(2028, 2, 29), "yearly", date(2032, 12, 31))
    assert dates == [
        date(2028, 2, 29),
        date(2029, 2, 28),
        date(2030, 2, 28),
        date(2031, 2, 28),
        date(2032, 2, 29),
    ]


def test_nothing_falls_due_after_the_agreement_ends_and_once_is_once():
    assert due_dates(date(2027, 1, 31), "monthly", date(2030, 1, 1), ends_on=date(2027, 3, 15)) == [
        date(2027, 1, 31),
        date(2027, 2, 28),
    ]
    assert due_dates(date(2027, 5, 1), "once", date(2030, 1, 1)) == [date(2027, 5, 1)]
    assert due_dates(date(2027, 5, 1), "once", date(2027, 4, 1)) == []


def test_each_occurrence_covers_the_days_since_the_previous_one():
    dates = due_dates(date(2027, 1, 31), "monthly", date(2027, 3, 31))
    found = windows(date(2027, 1, 31), "monthly", date(2026, 6, 1), dates)
    assert [(w.start, w.due_on) for w in found] == [
        (date(2027, 1, 1), date(2027, 1, 31)),  # one month back, not from the agreement's start
        (date(2027, 2, 1), date(2027, 2, 28)),
        (date(2027, 3, 1), date(2027, 3, 31)),
    ]


@pytest.mark.parametrize(
    ("recurrence", "first", "ends", "field"),
    [
        ("fortnightly", date(2027, 2, 1), None, "recurrence"),
        (None, date(2027, 2, 1), None, "recurrence"),
        ("monthly", None, None, "first_due_on"),
        ("monthly", date(2026, 12, 31), None, "first_due_on"),  # before the start
        ("quarterly", date(2028, 1, 31), date(2027, 12, 31), "first_due_on"),  # after the end
    ],
)
def test_a_schedule_that_never_falls_due_is_refused(recurrence, first, ends, field):
    with pytest.raises(DomainError) as refused:
        check_falls_due(recurrence, first, date(2027, 1, 1), ends)
    assert refused.value.field == field


def test_a_standard_obligation_first_falls_due_the_day_before_its_months_are_up():
    assert schedule.template_first_due(date(2026, 7, 1), 3) == date(2026, 9, 30)
    assert schedule.template_first_due(date(2027, 1, 31), 1) == date(2027, 2, 27)


def test_an_occurrence_that_is_not_a_whole_period_is_named_by_its_days():
    assert period_label(date(2027, 3, 31), "quarterly", 1, start=date(2027, 1, 1)) == "2027-Q1"
    assert period_label(date(2027, 2, 28), "monthly", 1, start=date(2027, 2, 1)) == "February 2027"
    assert period_label(date(2027, 2, 15), "monthly", 1, start=date(2027, 1, 16)) == (
        "16 Jan – 15 Feb 2027"
    )
