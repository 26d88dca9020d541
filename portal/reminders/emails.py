"""The reminder email's merge fields, built one way for the daily run, the
board's "send a reminder now" and the email-template editor's preview, so
what staff preview is what partners get."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from portal.core import i18n
from portal.models import Partner


def reminder_fields(
    partner: Partner | None,
    greeting_name: str,
    owed: Iterable[tuple[str, date | None]],
    today: date,
    portal_link: str,
) -> dict:
    """Fields of the editable "reminder": `owed` is (title, deadline) of each thing."""
    return {
        "partner_name": partner.name if partner else "",
        "greeting_name": greeting_name,
        "portal_link": portal_link,
        "items": [
            {"title": title, "deadline": due_on, "overdue": due_on is not None and due_on < today}
            for title, due_on in owed
        ],
    }


def reading_language(partner: Partner | None) -> str:
    """The language a partner's people read their reminders in."""
    language = partner.language if partner else None
    return language if language in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE
