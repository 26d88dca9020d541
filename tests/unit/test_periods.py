"""Reporting periods: fiscal quarters named by the year their fiscal year starts
in, months, parsing, and no report for a period that has not begun."""

from __future__ import annotations

from datetime import date

import pytest

from portal.core import periods
from portal.core.errors import DomainError


def test_calendar_quarters_with_a_january_fiscal_year():
    q = periods.quarter_of(date(2026, 11, 23))
    assert (q.key, q.start, q.end) == ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31))
    assert periods.quarter_of(date(2026, 1, 1)).key == "2026-Q1"
    assert periods.quarter_of(date(2026, 3, 31)).key == "2026-Q1"


def test_a_july_fiscal_year_is_named_by_the_year_it_starts_in():
    assert periods.quarter_of(date(2026, 7, 1), 7).key == "2026-Q1"
    assert periods.quarter_of(date(2026, 11, 23), 7).key == "2026-Q2"
    q4 = periods.quarter_of(date(2027, 5, 10), 7)
    assert (q4.key, q4.start, q4.end) == ("2026-Q4", date(2027, 4, 1), date(2027, 6, 30))
    assert periods.quarter_of(date(2026, 6, 30), 7).key == "2025-Q4"


def test_an_april_fiscal_year_parses_back_to_the_same_dates():
    q = periods.parse("2026-Q4", 4)
    assert (q.start, q.end) == (date(2027, 1, 1), date(2027, 3, 31))
    assert periods.quarter_of(date(2027, 2, 14), 4) == q


def test_previous_quarter_crosses_the_fiscal_year():
    assert periods.parse("2026-Q1", 7).previous(7).key == "2025-Q4"
    assert periods.parse("2026-Q1").previous().key == "2025-Q4"


def test_months():
    m = periods.parse("2026-11")
    assert (m.kind, m.start, m.end) == ("month", date(2026, 11, 1), date(2026, 11, 30))
    assert periods.parse("2024-02").end == date(2024, 2, 29)
    assert periods.month_of(date(2026, 1, 15)).previous().key == "2025-12"


@pytest.mark.parametrize("text", ["", "20266", "2026-Q5", "2026-13", "Q3-2026", "26-Q1", "2026-00"])
def test_malformed_periods_are_refused_with_the_form_expected(text):
    with pytest.raises(DomainError, match="like 2026-Q3") as error:
        periods.parse(text)
    assert error.value.field == "period"


def test_the_current_and_past_periods_are_reportable_a_future_one_is_not():
    today = date(2026, 11, 23)
    assert periods.reportable("2026-Q4", today).key == "2026-Q4"
    assert periods.reportable("2026-Q1", today).key == "2026-Q1"
    assert periods.reportable("2026-11", today).key == "2026-11"
    for future in ("2027-Q1", "2026-12"):
        with pytest.raises(DomainError, match="has not started yet"):
            periods.reportable(future, today)


def test_recent_quarters_are_the_current_and_four_before_it():
    keys = [p.key for p in periods.recent_quarters(date(2026, 11, 23), 7)]
    assert keys == ["2026-Q2", "2026-Q1", "2025-Q4", "2025-Q3", "2025-Q2"]


def test_a_start_month_out_of_range_is_a_configuration_error():
    with pytest.raises(ValueError):
        periods.quarter_of(date(2026, 1, 1), 13)


def test_fiscal_years_follow_the_start_month():
    assert periods.parse("2026").label == "2026"
    july = periods.parse("FY2026", 7)
    assert (july.kind, july.start, july.end) == ("year", date(2026, 7, 1), date(2027, 6, 30))
    assert july.label == "FY 2026 (Jul 2026 – Jun 2027)"
    assert july.previous(7).key == "FY2025"
    assert periods.fiscal_year_of(date(2027, 3, 1), 7).key == "FY2026"


def test_a_range_of_days_is_a_period_and_its_previous_is_as_long():
    custom = periods.parse("2026-01-15..2026-03-31")
    assert (custom.kind, custom.start, custom.end) == (
        "range",
        date(2026, 1, 15),
        date(2026, 3, 31),
    )
    before = custom.previous()
    assert before.end == date(2026, 1, 14) and (before.end - before.start) == (
        custom.end - custom.start
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-03-31..2026-01-15", "must end on or after"),
        ("2026-02-30..2026-03-01", "real days"),
        ("1800-01-01..1800-02-01", "real days"),
        ("2020-01-01..2026-03-01", "at most five years"),
    ],
)
def test_a_wrong_range_is_refused_with_the_reason(text, message):
    with pytest.raises(DomainError, match=message):
        periods.parse(text)


def test_reports_cover_a_quarter_or_a_month_only():
    with pytest.raises(DomainError, match="quarter or a month"):
        periods.reportable("FY2025", date(2026, 11, 23))
