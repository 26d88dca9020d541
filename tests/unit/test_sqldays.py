"""Days in SQL agree with the portal's Python calendar, on both databases: the
KPIs' working days, local days and medians are computed by the database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import literal, select, union_all
from sqlalchemy.types import Date, Integer, String

from portal.core.clock import local_day
from portal.core.extensions import db
from portal.core.sqldays import days_between, local_date, median, working_days
from portal.models import Partner
from portal.review.assignment import add_working_days


def rows_of(rows, **types):
    """A table of literal rows (SQLite has no aliased VALUES lists)."""
    selects = [
        select(*(literal(v, t).label(n) for v, (n, t) in zip(row, types.items(), strict=True)))
        for row in rows
    ]
    return union_all(*selects).subquery("rows")


def test_working_days_match_the_review_calendar(app):
    start = date(2026, 11, 23)  # a Monday
    pairs = [
        (start + timedelta(a), start + timedelta(a + b)) for a in range(7) for b in range(-9, 16)
    ]
    table = rows_of(pairs, s=Date(), e=Date())
    got = db.session.execute(
        select(working_days(table.c.s, table.c.e), days_between(table.c.s, table.c.e))
    ).all()
    for (s, e), (working, calendar) in zip(pairs, got, strict=True):
        assert calendar == (e - s).days
        if e >= s:
            # add_working_days(s, n) is the n-th weekday after s: e is reached
            # after `working` of them (a weekend end counts as the Friday before).
            assert working == sum(
                1 for k in range(1, (e - s).days + 1) if (s + timedelta(k)).weekday() < 5
            )
            if working and e.weekday() < 5:
                assert add_working_days(s, working) == e
        else:
            assert working == -sum(
                1 for k in range(1, (s - e).days + 1) if (e + timedelta(k)).weekday() < 5
            )


@pytest.mark.parametrize("zone", ["UTC", "Africa/Nairobi", "Pacific/Kiritimati", "America/Bogota"])
def test_local_date_is_the_programme_day_of_an_instant(app, zone, make_partner):
    app.config["TIMEZONE"] = zone
    instants = [datetime(2026, 6, 30, h, 30, tzinfo=UTC) for h in (0, 9, 13, 21, 23)]
    for at in instants:
        partner, _, _ = make_partner(f"P {at.hour}", f"P{at.hour}")
        partner.created_at = at
    db.session.commit()
    rows = db.session.execute(
        select(Partner.created_at, local_date(Partner.created_at)).order_by(Partner.created_at)
    ).all()
    assert [day if isinstance(day, date) else date.fromisoformat(day) for _, day in rows] == [
        local_day(at) for at in instants
    ]


def test_median_of_odd_even_grouped_and_empty_groups(app):
    rows = [("a", 3), ("a", 1), ("a", 2), ("b", 4), ("b", 1), ("b", 10), ("b", 2), ("c", None)]
    table = rows_of(rows, g=String(), v=Integer())
    result = dict(db.session.execute(median(select(table.c.g, table.c.v), "v", ("g",))).all())
    assert result == {"a": 2, "b": 3}  # c has no values: no median, not 0
    overall = db.session.execute(median(select(table.c.v), "v")).scalar_one()
    assert overall == 2  # 1 1 2 [2] 3 4 10
    empty = union_all(select(literal(1).label("v")).where(literal(False)))
    assert db.session.execute(median(select(empty.subquery().c.v), "v")).scalar() is None
