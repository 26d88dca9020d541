"""Template filters and globals: times in the configured zone, durations, htmx."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app

from portal.accounts.models import PARTNER_ROLES
from portal.core.clock import local_today
from portal.models import utcnow
from portal.partners.models import (
    DOCUMENT_KINDS,
    INVOICE_FORMATS,
    LANGUAGES,
    PARTNERSHIP_TYPES,
    REPORTING_FREQUENCIES,
    STATUS_NAMES,
)
from portal.vault.models import DOCUMENT_TYPES


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
    "withdrawn": "Withdrawn",
    "in_vault": "In the document vault",
    "not_applicable": "Not applicable",
    "pending": "Pending",
    "sending": "Sending",
    "retrying": "Retrying",
    "sent": "Sent",
    "failed": "Failed",
    "active": "Active",
    "on_hold": "On hold",
    "closed": "Closed",
}


def _value_labels() -> dict[str, str]:
    labels = {}
    for mapping in (
        DOCUMENT_KINDS,
        DOCUMENT_TYPES,
        INVOICE_FORMATS,
        LANGUAGES,
        STATUS_NAMES,
        PARTNERSHIP_TYPES,
        REPORTING_FREQUENCIES,
        STATUS_LABELS,
    ):
        labels.update(mapping)
    labels.update({k: v.split(" (")[0] for k, v in PARTNER_ROLES.items()})
    return labels


def change_value(value) -> str:
    """A value from the audit trail as a person reads it: dates as dates, yes/no,
    codes by their labels ("fr" → "Français", "funding, supervision" → ...)."""
    if value is None or value == "":
        return "—"
    if value is True or value is False:
        return "yes" if value else "no"
    text = str(value)
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return day(date.fromisoformat(text))
        except ValueError:
            return text
    labels = _value_labels()
    if ", " in text and all(part in labels for part in text.split(", ")):
        return ", ".join(labels[part] for part in text.split(", "))
    return labels.get(text, text)


# Names the audit trail stored before the wording changed, as people read them now.
AUDIT_WORDS = {
    "notice_preferences_changed": "notification preferences changed",
    "notice_delivery": "notification delivery",
    "muted_notices": "muted notifications",
}


def audit_word(name: str) -> str:
    """An audit action or field name as words: "status_changed" → "status changed"."""
    return AUDIT_WORDS.get(name, name.replace("_", " "))


def days_phrase(days: int) -> str:
    """ "less than a day", "1 day", "12 days"."""
    if days < 1:
        return "less than a day"
    return f"{days} day{'s' if days != 1 else ''}"


def register(app: Flask) -> None:
    app.add_template_filter(audit_word)
    app.add_template_filter(days_phrase)
    app.add_template_filter(change_value)
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
            "today": local_today(),
        }
