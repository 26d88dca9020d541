"""Template filters and globals: times in the configured zone, durations, htmx."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app

from portal.models import utcnow


def localtime(value: datetime | None, fmt: str = "%d %b %Y %H:%M") -> str:
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).strftime(fmt)


def day(value: date | None) -> str:
    return value.strftime("%d %b %Y") if value else ""


def waited(since: datetime | None) -> str:
    """How long ago, in the largest unit that says it: '3 days', '5 hours'."""
    if since is None:
        return ""
    seconds = int((utcnow() - since).total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return "just now"


def filesize(size: int) -> str:
    for unit in ("bytes", "KB", "MB"):
        if size < 1024 or unit == "MB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return str(size)


STATUS_LABELS = {
    "missing": "Not yet uploaded",
    "submitted": "Submitted – awaiting review",
    "approved": "Approved",
    "changes_requested": "Changes requested",
    "superseded": "Replaced by a newer version",
    "pending": "Pending",
    "sent": "Sent",
    "failed": "Failed",
    "active": "Active",
    "on_hold": "On hold",
    "closed": "Closed",
}


def register(app: Flask) -> None:
    app.add_template_filter(localtime)
    app.add_template_filter(day)
    app.add_template_filter(waited)
    app.add_template_filter(filesize)
    app.add_template_filter(lambda s: STATUS_LABELS.get(s, s), "status_label")

    @app.context_processor
    def globals_():
        return {
            "programme": app.config["PROGRAMME_NAME"],
            "htmx_url": app.config["HTMX_URL"],
            "htmx_sri": app.config["HTMX_SRI"],
            "today": utcnow().date(),
        }
