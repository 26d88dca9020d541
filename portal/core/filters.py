"""Template filters and globals: dates, times (in the configured zone), durations and
numbers in the reader's language; the labels of stored codes; htmx."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import dates, numbers
from flask import Flask, current_app
from flask_babel import gettext, lazy_gettext, ngettext

from portal.accounts.models import PARTNER_ROLES
from portal.core.clock import local_today
from portal.core.i18n import current_language
from portal.core.translated import translated
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

# strftime's directives as CLDR patterns, so that templates may keep writing
# "%d %b %Y" and still read "03 déc. 2026" in French.
_DIRECTIVES = {
    "%d": "dd", "%e": "d", "%b": "MMM", "%B": "MMMM", "%m": "MM", "%Y": "y",
    "%A": "EEEE", "%a": "EEE", "%H": "HH", "%M": "mm",
}  # fmt: skip


def _pattern(fmt: str) -> str:
    return re.sub(r"%[a-zA-Z]", lambda m: _DIRECTIVES.get(m.group(0), ""), fmt)


def localtime(value: datetime | None, fmt: str = "%d %b %Y %H:%M") -> str:
    """A moment in the programme's time zone, in the reader's language."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(current_app.config["TIMEZONE"]))
    return dates.format_datetime(local, _pattern(fmt), locale=current_language())


def day(value: date | None) -> str:
    """'03 Dec 2026', '03 déc. 2026'."""
    return dates.format_date(value, "dd MMM y", locale=current_language()) if value else ""


def waited(since: datetime | None) -> str:
    """How long since, in the largest unit that says it: '3 days', '5 hours'."""
    if since is None:
        return ""
    seconds = (utcnow() - since).total_seconds()
    if seconds < 60:
        return gettext("less than a minute")
    return dates.format_timedelta(seconds, threshold=1, locale=current_language())


def ago(since: datetime | None) -> str:
    """'3 days ago', 'il y a 3 jours'; 'just now' within the minute."""
    if since is None:
        return ""
    seconds = (utcnow() - since).total_seconds()
    if seconds < 60:
        return gettext("just now")
    return dates.format_timedelta(
        -seconds, threshold=1, add_direction=True, locale=current_language()
    )


def number(value: float | int | None) -> str:
    """'1,234.5' / '1 234,5'."""
    return "" if value is None else numbers.format_decimal(value, locale=current_language())


def percent(value: float | int | None) -> str:
    """A percentage given as 0-100: '45%' / '45 %'."""
    if value is None:
        return ""
    return numbers.format_percent(value / 100, locale=current_language())


def filesize(size: int) -> str:
    """'512 bytes', '1.5 MB' in the reader's language."""
    if size < 1024:
        return ngettext("%(num)d byte", "%(num)d bytes", size)
    unit = "kB" if size < 1024 * 1024 else "MB"
    amount = size / 1024 if unit == "kB" else size / (1024 * 1024)
    return f"{numbers.format_decimal(round(amount, 1), locale=current_language())} {unit}"


STATUS_LABELS = {
    "missing": lazy_gettext("Not yet uploaded"),
    "submitted": lazy_gettext("Submitted – awaiting review"),
    "approved": lazy_gettext("Approved"),
    "changes_requested": lazy_gettext("Changes requested"),
    "superseded": lazy_gettext("Replaced by a newer version"),
    "withdrawn": lazy_gettext("Withdrawn"),
    "in_vault": lazy_gettext("In the document vault"),
    "not_applicable": lazy_gettext("Not applicable"),
    "pending": lazy_gettext("Pending"),
    "sending": lazy_gettext("Sending"),
    "retrying": lazy_gettext("Retrying"),
    "sent": lazy_gettext("Sent"),
    "failed": lazy_gettext("Failed"),
    "active": lazy_gettext("Active"),
    "on_hold": lazy_gettext("On hold"),
    "closed": lazy_gettext("Closed"),
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
        return gettext("yes") if value else gettext("no")
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
    "notice_preferences_changed": lazy_gettext("notification preferences changed"),
    "notice_delivery": lazy_gettext("notification delivery"),
    "muted_notices": lazy_gettext("muted notifications"),
}


def audit_word(name: str) -> str:
    """An audit action or field name as words: "status_changed" → "status changed"."""
    return AUDIT_WORDS.get(name, name.replace("_", " "))


def days_phrase(days: int) -> str:
    """ "less than a day", "1 day", "12 days"."""
    if days < 1:
        return gettext("less than a day")
    return ngettext("%(num)d day", "%(num)d days", days)


def register(app: Flask) -> None:
    app.add_template_filter(audit_word)
    app.add_template_filter(days_phrase)
    app.add_template_filter(change_value)
    app.add_template_filter(localtime)
    app.add_template_filter(day)
    app.add_template_filter(waited)
    app.add_template_filter(ago)
    app.add_template_filter(translated)
    app.add_template_filter(number)
    app.add_template_filter(percent)
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
