"""The daily run's part for obligations (portal.reminders.daily): the person
responsible for an obligation observed by evidence or confirmation hears of each
occurrence REMINDER_DAYS_BEFORE days before it falls due, the day after, and
every REMINDER_OVERDUE_EVERY_DAYS days after that until observed (at most
REMINDER_MAX_OVERDUE times): the same Schedule as document deadlines.

Automatic obligations are not reminded here: what they are observed from (a
document's deadline, a review waiting) has its own reminders already.

One email a day per person, through queue_email as the notification kind
"obligation_due" (so a person on the daily digest gets it there, and one who
muted it does not), and a bell notification beside it. ReminderSent rows named
"obligation:<id>:<due>" make a second run the same day send nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext

from portal.core.extensions import db
from portal.mail.links import external_url
from portal.mail.queue import queue_email
from portal.models import Agreement, Obligation, OutboxEmail, Partner, User
from portal.notifications.bell import notify
from portal.obligations.observation import Occurrence, loaded_obligations, occurrences
from portal.obligations.sides import responsible_people, side_link
from portal.reminders.schedule import Schedule, Summary, record_sent
from portal.reminders.to_partners import _history

KIND = "obligation_due"


@dataclass
class Line:
    occurrence: Occurrence
    stage: str
    partner: Partner

    @property
    def subject(self) -> str:
        return _subject(self.occurrence)


def _subject(occurrence: Occurrence) -> str:
    """What ReminderSent names: the occurrence, by its due date (a moved date starts afresh)."""
    return f"obligation:{occurrence.obligation.id}:{occurrence.due_on.isoformat()}"


def remind_obligations(today: date, summary: Summary) -> None:
    """Remind each responsible person of the occurrences due a reminder today. One commit."""
    schedule = Schedule.from_config(current_app.config)
    obligations = loaded_obligations(
        Obligation.ended_on.is_(None),
        Obligation.observed_by.in_(("evidence", "confirmation")),
        Agreement.partner.has(Partner.status == "active"),
    )
    found = occurrences(obligations, today)
    open_ = [
        x
        for o in obligations
        for x in found[o.id]
        if x.status in ("pending", "missed") and x.observation is None
    ]
    subjects = [_subject(x) for x in open_]
    days, today_users = _history(subjects, today)
    per_person: dict[int, list[Line]] = defaultdict(list)
    people: dict[int, User] = {}
    for occurrence in open_:
        subject = _subject(occurrence)
        stage = schedule.due_stage(occurrence.due_on, today, days[subject])
        if stage is None:
            continue
        partner = occurrence.obligation.agreement.partner
        for person in responsible_people(occurrence.obligation, partner.id):
            if person.id in today_users[(subject, stage[0])]:
                continue
            people[person.id] = person
            per_person[person.id].append(Line(occurrence, stage[0], partner))
    sent: list[tuple[OutboxEmail | None, str, str, int]] = []
    for person_id, lines in per_person.items():
        person = people[person_id]
        email = _queue(person, lines, today)
        for line in lines:
            sent.append((email, line.subject, line.stage, person.id))
            notify(
                [person],
                KIND,
                _title(line, today),
                side_link(line.occurrence.obligation.side, line.partner.id),
                idempotency_key=f"{line.subject}:{line.stage}:{today.isoformat()}",
            )
        summary.obligation_reminders += 1
    record_sent(sent, today)
    db.session.commit()


def _title(line: Line, today: date) -> str:
    o = line.occurrence
    when = "was due" if o.due_on < today else "is due"
    return f"{o.obligation.label} {when} {o.due_on:%d %b %Y} – {line.partner.name}"


def _queue(person: User, lines: list[Line], today: date) -> OutboxEmail | None:
    programme = current_app.config["PROGRAMME_NAME"]
    late = sum(line.occurrence.due_on < today for line in lines)
    fields = {
        "user": person,
        "today": today,
        "lines": [
            {
                "partner": line.partner.name,
                "what": line.occurrence.obligation.label,
                "due_on": line.occurrence.due_on,
                "overdue": line.occurrence.due_on < today,
                "how": line.occurrence.obligation.observed_by,
                "link": _link(person, line),
            }
            for line in lines
        ],
    }
    if late:
        subject = lazy_gettext(
            "[%(programme)s] Obligations due: %(count)s (%(late)s overdue)",
            programme=programme,
            count=len(lines),
            late=late,
        )
    else:
        subject = lazy_gettext(
            "[%(programme)s] Obligations due: %(count)s", programme=programme, count=len(lines)
        )
    return queue_email(
        [person],
        "obligation_due",
        fields,
        # Short: a subject folded over two lines reads badly in some mail clients.
        subject=subject,
        notification=KIND,
        idempotency_key=f"obligation-reminder:{person.id}:{today.isoformat()}",
    )


def _link(person: User, line: Line) -> str:
    if person.is_staff:
        return external_url("partners.show", partner_id=line.partner.id) + "#obligations"
    return external_url("obligations.mine")
