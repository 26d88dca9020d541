"""What each editable email template may use: its merge fields (listed beside
the editor), the fields of list entries, size limits, and made-up values for
checking a template and for previews with no partner chosen."""

from __future__ import annotations

from datetime import date

from flask import current_app
from flask_babel import gettext, lazy_gettext

from portal.core.clock import local_today
from portal.core.errors import DomainError

TEMPLATE_KEYS = ("report", "reminder", "invitation", "welcome")
TEMPLATE_LABELS = {
    "report": lazy_gettext("Progress report"),
    "reminder": lazy_gettext("Deadline reminder"),
    "invitation": lazy_gettext("Invitation"),
    "welcome": lazy_gettext("Welcome (new focal point)"),
}

_ACCOUNT_FIELDS = {
    "user_name": lazy_gettext("The name of the person invited"),
    "partner_name": lazy_gettext("Their organisation's name (empty for staff accounts)"),
    "programme": lazy_gettext("The programme's name"),
    "link": lazy_gettext("The one-time link to set a password"),
    "hours": lazy_gettext("How many hours the link works"),
    "login_email": lazy_gettext("The email address they log in with"),
}

# What each template may use; the editor lists these beside the body.
MERGE_FIELDS: dict[str, dict[str, str]] = {
    "report": {
        "partner_name": lazy_gettext("The partner organisation's name"),
        "programme": lazy_gettext("The programme's name"),
        "quarter": lazy_gettext("The period reported on (e.g. 'Q3 2026' or 'November 2026')"),
        "stage": lazy_gettext("The accreditation's current stage"),
        "completion": lazy_gettext("Completion percentage; write {{ completion|percent }}"),
        "remaining_actions": lazy_gettext(
            "The actions still to do: a list, each with .title and "
            ".deadline (write {{ action.deadline|day }})"
        ),
        "next_deadline": lazy_gettext("The nearest deadline; write {{ next_deadline|day }}"),
        "portal_link": lazy_gettext("A link to the partner's page in the portal"),
        "sender_name": lazy_gettext("The name of the staff member who sends the report"),
        "sender_position": lazy_gettext("Their position"),
        "team_contact": lazy_gettext("The programme team's contact details"),
        "intro": lazy_gettext("The introduction typed when sending (may be empty)"),
        "greeting_name": lazy_gettext("The name to greet (the primary focal person)"),
    },
    "reminder": {
        "partner_name": lazy_gettext("The partner organisation's name (empty for staff reminders)"),
        "programme": lazy_gettext("The programme's name"),
        "items": lazy_gettext(
            "What is due: a list, each with .title, .deadline (write "
            "{{ item.deadline|day }}) and .overdue (true once the deadline has passed)"
        ),
        "portal_link": lazy_gettext("A link to the portal page where the items are done"),
        "greeting_name": lazy_gettext("The name to greet"),
    },
    "invitation": dict(_ACCOUNT_FIELDS),
    "welcome": dict(_ACCOUNT_FIELDS),
}

# The fields of each entry of a list field, checked where a template loops over it.
LIST_ITEM_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "report": {"remaining_actions": ("title", "deadline")},
    "reminder": {"items": ("title", "deadline", "overdue")},
}

SUBJECT_MAX = 300  # outbox.subject and progress_reports.subject
BODY_MAX = 20_000


def checked_key(key: str) -> str:
    if key not in MERGE_FIELDS:
        raise DomainError(
            gettext(
                "Unknown email template %(key)r: the templates are %(keys)s.",
                key=key,
                keys=", ".join(TEMPLATE_KEYS),
            ),
            field="key",
        )
    return key


def sample_fields(key: str, language: str = "en") -> dict:
    """Made-up values of every field, for checking a template and for the
    editor's preview when no partner is chosen."""
    today = local_today()
    soon = date.fromordinal(today.toordinal() + 21)
    common = {
        "partner_name": "Health Access Initiative",
        "programme": current_app.config["PROGRAMME_NAME"],
        "portal_link": "https://portal.example.org/accreditations/1",
        "greeting_name": "Grace Mensah",
    }
    if key == "report":
        return common | {
            "quarter": "Q3 2026",
            "stage": "Document review",
            "completion": 45,
            "remaining_actions": [
                {"title": "Upload Audited financial statements", "deadline": soon},
                {"title": "Revise Safeguarding policy", "deadline": None},
            ],
            "next_deadline": soon,
            "sender_name": "Amina Diallo",
            "sender_position": "Programme manager",
            "team_contact": "partners@example.org, +1 555 0100",
            "intro": "Thank you for your work this quarter.",
        }
    if key == "reminder":
        return common | {
            "items": [
                {
                    "title": "Upload Audited financial statements",
                    "deadline": soon,
                    "overdue": False,
                },
                {"title": "Governance review", "deadline": today, "overdue": True},
            ]
        }
    return {
        "user_name": "Grace Mensah",
        "partner_name": common["partner_name"],
        "programme": common["programme"],
        "link": "https://portal.example.org/set-password/abc123",
        "hours": current_app.config["INVITATION_HOURS"],
        "login_email": "grace@hai.example.org",
    }


def empty_fields(key: str) -> dict:
    """The sparsest real case: no lists entries, no optional text."""
    full = sample_fields(key)
    return {k: ([] if isinstance(v, list) else v) for k, v in full.items()} | {
        "intro": "",
        "next_deadline": None,
    }
