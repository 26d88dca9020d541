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


def local_today() -> date:
    return utcnow().astimezone(programme_zone()).date()
