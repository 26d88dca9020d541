"""The daily run (`flask reminders send`): deadline reminders to partners,
review and sign-off reminders to staff, the feedback survey's one reminder, the
daily digests, and the progress reports due. Every part reads what it needs in
a fixed number of queries, however many partners, items and people there are."""

from __future__ import annotations

from datetime import date

from sqlalchemy.exc import IntegrityError

from portal.concerns.escalation import escalate_concerns
from portal.core.clock import local_today
from portal.core.extensions import db
from portal.obligations.reminders import remind_obligations
from portal.reminders.digests import send_digests
from portal.reminders.schedule import Summary
from portal.reminders.to_partners import remind_partners
from portal.reminders.to_staff import remind_staff
from portal.reports.sending import send_due_reports
from portal.surveys.invitations import remind as remind_survey_invitees


def run(today: date | None = None) -> Summary:
    """Everything the daily scheduler sends; safe to run as often as wanted."""
    today = today or local_today()
    summary = Summary()
    for part in (
        remind_partners,
        remind_staff,
        _survey_reminders,
        remind_obligations,
        escalate_concerns,
        send_digests,
    ):
        try:
            part(today, summary)
        except IntegrityError:
            # Another run got there first (the unique keys refused our copy).
            db.session.rollback()
            summary.notes.append(f"{part.__name__}: another run sent these at the same time.")
    summary.reports = send_due_reports(today)
    return summary


def _survey_reminders(today: date, summary: Summary) -> None:
    # Before the digests: a reminder to someone on the digest is in today's.
    summary.survey_reminders = remind_survey_invitees(today)
