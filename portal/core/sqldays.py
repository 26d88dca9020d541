"""Days, working days and medians in SQL, the same on SQLite and PostgreSQL, so
the figures over thousands of rows are one statement and not a Python loop.

- `local_date(column)`: the programme's calendar day of a UTC instant. PostgreSQL
  converts with its time-zone database; SQLite has none, so it adds the zone's
  offset as it is today (in a zone with summer time a time within an hour of
  midnight may count on the neighbouring day; production runs on PostgreSQL).
- `working_days(start, end)`: Monday to Friday days after `start` up to and
  including `end` (negative when `end` is earlier), as review.assignment counts.
- `median(value, *by)`: a select of (by..., median) over a select's column,
  with window functions both databases have (SQLite has no median function).
"""

from __future__ import annotations

from sqlalchemy import Date, Integer, case, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from portal.core.clock import programme_zone
from portal.core.types import utcnow

# A Monday: day numbers count from it, so that a number modulo 7 is the weekday.
_EPOCH = "1970-01-05"


class local_date(FunctionElement):  # noqa: N801 (an SQL function, named like one)
    """The programme's calendar day of a UTC instant column."""

    type = Date()
    # The zone is read when the statement is compiled: never reuse a compiled
    # statement, which would keep another app's (or an older offset's) zone.
    inherit_cache = False


@compiles(local_date)
def _local_date_default(element, compiler, **kw):
    (column,) = element.clauses
    zone = programme_zone().key
    return compiler.process(func.timezone(literal(zone), column).cast(Date()), **kw)


@compiles(local_date, "sqlite")
def _local_date_sqlite(element, compiler, **kw):
    (column,) = element.clauses
    offset = programme_zone().utcoffset(utcnow().replace(tzinfo=None))
    minutes = int(offset.total_seconds() // 60) if offset else 0
    return compiler.process(func.date(column, literal(f"{minutes:+d} minutes")), **kw)


class day_number(FunctionElement):  # noqa: N801
    """Days since a Monday in 1970 of a date (or `local_date`) expression."""

    type = Integer()
    inherit_cache = True


@compiles(day_number)
def _day_number_default(element, compiler, **kw):
    (day,) = element.clauses
    return f"(({compiler.process(day, **kw)}) - DATE '{_EPOCH}')"


@compiles(day_number, "sqlite")
def _day_number_sqlite(element, compiler, **kw):
    (day,) = element.clauses
    return f"CAST(julianday({compiler.process(day, **kw)}) - julianday('{_EPOCH}') AS INTEGER)"


def _weekdays_until(day) -> ColumnElement:
    """Monday-to-Friday days from the epoch up to and including `day`."""
    number = day_number(day) + 1
    within_week = number % 7
    return (number // 7) * 5 + case((within_week > 5, 5), else_=within_week)


def days_between(start, end) -> ColumnElement:
    """Calendar days from `start` to `end` (dates): positive when `end` is later."""
    return day_number(end) - day_number(start)


def working_days(start, end) -> ColumnElement:
    return _weekdays_until(end) - _weekdays_until(start)


def median(statement, value: str, by: tuple[str, ...] = ()):
    """(by..., median) of column `value` of `statement` (a select), per group `by`:
    the middle value, or the mean of the two middle ones. NULLs are left out."""
    rows = statement.subquery("median_of")
    groups = [rows.c[name] for name in by]
    ranked = (
        select(
            *groups,
            rows.c[value].label("value"),
            func.row_number().over(partition_by=groups, order_by=rows.c[value]).label("rank"),
            func.count().over(partition_by=groups).label("n"),
        )
        .where(rows.c[value].is_not(None))
        .subquery("ranked")
    )
    middle = ranked.c.rank.in_([(ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2])
    grouped = [ranked.c[name] for name in by]
    return (
        select(*grouped, func.avg(ranked.c.value * 1.0).label("median"))
        .where(middle)
        .group_by(*grouped)
    )
