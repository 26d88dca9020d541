"""When reminders go out, and what a run did.

Partners: every document a partner owes (tracking/overview.py: owed_condition) is reminded of
REMINDER_DAYS_BEFORE days before its deadline (14, 7, 1), the day after it passes,
then every REMINDER_OVERDUE_EVERY_DAYS days, at most REMINDER_MAX_OVERDUE overdue
times; it stops by itself once the document is in, waiting for review, waived or
the cycle decided (it is no longer owed). A stage missed (the daily run did not
happen that day) is sent late, once.

A ReminderSent row per (item and deadline, stage, person, day) is what makes a
second run the same day send nothing again; the outbox key is the second lock.
The subject carries the deadline ("item:7:2026-12-01"), so a deadline moved by
staff starts its reminders afresh.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import insert

from portal.core.extensions import db
from portal.models import (
    OutboxEmail,
)
from portal.reminders.models import ReminderSent

KIND = "deadline_approaching"


# --- the schedule -----------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    days_before: tuple[int, ...]
    overdue_every: int
    max_overdue: int
    escalate_after: int

    @classmethod
    def from_config(cls, config) -> Schedule:
        days = config["REMINDER_DAYS_BEFORE"]
        if isinstance(days, str):
            days = [int(d) for d in days.split(",") if d.strip()]
        return cls(
            days_before=tuple(sorted({int(d) for d in days if int(d) >= 0}, reverse=True)),
            overdue_every=max(1, int(config["REMINDER_OVERDUE_EVERY_DAYS"])),
            max_overdue=max(0, int(config["REMINDER_MAX_OVERDUE"])),
            escalate_after=max(0, int(config["REMINDER_ESCALATE_AFTER"])),
        )

    @property
    def horizon(self) -> int:
        return max(self.days_before, default=0)

    def due_stage(
        self, due_on: date, today: date, sent: dict[str, set[date]]
    ) -> tuple[str, int] | None:
        """The stage to remind of today, with its overdue number (0 before the
        deadline), or None. `sent` maps each stage to the days it went out."""
        left = (due_on - today).days
        if left >= 0:
            reached = [n for n in self.days_before if n >= left]
            if not reached:
                return None
            stage = f"before-{min(reached)}"
            if any(d != today for d in sent.get(stage, ())):
                return None  # sent on an earlier day
            return stage, 0
        overdue = sent.get("overdue", set())
        earlier = sorted(d for d in overdue if d != today)
        if len(earlier) >= self.max_overdue:
            return None  # enough: staff follow it up from the overview
        if today in overdue or not earlier or today >= earlier[-1] + timedelta(self.overdue_every):
            return "overdue", len(earlier) + 1
        return None

    def escalates(self, overdue_number: int) -> bool:
        return overdue_number > self.escalate_after


@dataclass
class Summary:
    partner_emails: int = 0
    items: int = 0
    escalated: int = 0
    staff_emails: int = 0
    digests: int = 0
    reports: int = 0
    survey_reminders: int = 0
    obligation_reminders: int = 0
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"Partner reminders: {self.partner_emails} email(s) about {self.items} document(s)"
            f" ({self.escalated} escalated).",
            f"Staff reminders: {self.staff_emails} email(s).",
            f"Digests: {self.digests} email(s).",
            f"Progress reports: {self.reports} queued.",
            f"Survey reminders: {self.survey_reminders} sent.",
            f"Obligation reminders: {self.obligation_reminders} email(s).",
            *self.notes,
        ]


def record_sent(sent: list[tuple[OutboxEmail | None, str, str, int]], today: date) -> None:
    """ReminderSent rows pointing at their emails (one flush gives every email its id)."""
    if not sent:
        return
    db.session.flush()
    # One executemany for the thousands of rows of a big run.
    db.session.execute(
        insert(ReminderSent),
        [
            {
                "subject": subject,
                "stage": stage,
                "user_id": user_id,
                "sent_on": today,
                "email_id": email.id if email is not None else None,
            }
            for email, subject, stage, user_id in sent
        ],
    )


def has_endpoint(endpoint: str) -> bool:
    return endpoint in current_app.view_functions
