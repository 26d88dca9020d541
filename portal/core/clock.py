"""The programme's own clock: its time zone (TIMEZONE) and its today."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app

from portal.core.types import utcnow


def programme_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def to_utc(day: date, at: time) -> datetime:
    """A local day and time of the programme as a UTC instant."""
    return datetime.combine(day, at, tzinfo=programme_zone()).astimezone(UTC)


def local_day(at: datetime) -> date:
    """The programme's calendar day at instant `at`."""
    return local_time(at).date()


def local_time(at: datetime) -> datetime:
    """Instant `at` on the programme's clock."""
    return at.astimezone(programme_zone())


def local_today() -> date:
    """Today where the programme is: what "due today", "overdue" and "expired"
    mean everywhere (never date.today(), the server's zone, nor UTC's date)."""
    return local_day(utcnow())
