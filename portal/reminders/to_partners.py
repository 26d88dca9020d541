"""Deadline reminders to partners. Each partner's reminders go in ONE email to
its primary focal person; from the overdue reminder after the
REMINDER_ESCALATE_AFTER-th, the partner's other focal points and editors and the
staff member concerned (the one assigned its last submission, else the one who
last reviewed it) are copied; failing one, the programme team
(PROGRAMME_TEAM_EMAILS), so a partner with a single focal person is never
escalated to that person alone. No address is copied twice."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select

from portal.core.extensions import db
from portal.mail.links import external_url
from portal.mail.queue import queue_email
from portal.models import (
    Accreditation,
    ChecklistItem,
    Contact,
    OutboxEmail,
    Partner,
    Requirement,
    Submission,
    User,
)
from portal.notifications.bell import notify, path_for
from portal.reminders.emails import reminder_fields
from portal.reminders.models import ReminderSent
from portal.reminders.schedule import KIND, Schedule, Summary, record_sent
from portal.tracking.overview import owed_condition


@dataclass
class Owed:
    """One document owed, as a reminder line."""

    item_id: int
    accreditation_id: int
    requirement_id: int
    name: str
    due_on: date
    partner_id: int
    stage: str = ""
    overdue_number: int = 0
    escalated: bool = False

    @property
    def subject(self) -> str:
        return f"item:{self.item_id}:{self.due_on.isoformat()}"


def _owed(today: date, schedule: Schedule) -> list[Owed]:
    """Every document owed by an active partner due within the horizon or already
    late: one query."""
    horizon = today + timedelta(days=schedule.horizon)
    rows = db.session.execute(
        select(
            ChecklistItem.id,
            ChecklistItem.accreditation_id,
            ChecklistItem.requirement_id,
            Requirement.name,
            ChecklistItem.due_on,
            Accreditation.partner_id,
        )
        .join(Requirement, Requirement.id == ChecklistItem.requirement_id)
        .join(Accreditation, Accreditation.id == ChecklistItem.accreditation_id)
        .join(Partner, Partner.id == Accreditation.partner_id)
        .where(owed_condition(today), Partner.status == "active", ChecklistItem.due_on <= horizon)
        .order_by(Accreditation.partner_id, ChecklistItem.due_on, Requirement.name)
    )
    return [Owed(*row) for row in rows]


def _history(subjects: list[str], today: date):
    """For these subjects: the days each stage went out, and who got it today
    (one query)."""
    days: dict[str, dict[str, set[date]]] = defaultdict(lambda: defaultdict(set))
    today_users: dict[tuple[str, str], set[int]] = defaultdict(set)
    if not subjects:
        return days, today_users
    for subject, stage, user_id, sent_on in db.session.execute(
        select(
            ReminderSent.subject, ReminderSent.stage, ReminderSent.user_id, ReminderSent.sent_on
        ).where(ReminderSent.subject.in_(subjects))
    ):
        days[subject][stage].add(sent_on)
        if sent_on == today:
            today_users[(subject, stage)].add(user_id)
    return days, today_users


def _partner_people(partner_ids: list[int]) -> tuple[dict[int, User], dict[int, list[User]]]:
    """Each partner's primary focal person, and its other active focal points and
    editors (two queries)."""
    primary_ids = dict(
        db.session.execute(
            select(Contact.partner_id, Contact.user_id).where(
                Contact.partner_id.in_(partner_ids),
                Contact.is_primary,
                Contact.ended_at.is_(None),
                Contact.user_id.is_not(None),
            )
        ).all()
    )
    people: dict[int, list[User]] = defaultdict(list)
    for user in db.session.scalars(
        select(User)
        .where(
            User.partner_id.in_(partner_ids),
            User.active,
            User.role == "partner",
            User.partner_role.in_(("focal", "editor")),
        )
        # Focal points before editors, the oldest account first.
        .order_by(User.partner_role.desc(), User.id)
    ):
        people[user.partner_id].append(user)
    primary: dict[int, User] = {}
    for partner_id, users in people.items():
        chosen = next((u for u in users if u.id == primary_ids.get(partner_id)), users[0])
        primary[partner_id] = chosen
        users.remove(chosen)
    return primary, people


def _staff_concerned(lines: list[Owed]) -> dict[int, User]:
    """item id -> the active staff member assigned the item's last submission, else
    the one who last reviewed it (two queries, only when something escalates)."""
    pairs = {(o.accreditation_id, o.requirement_id): o.item_id for o in lines}
    if not pairs:
        return {}
    chosen: dict[int, int] = {}
    for accreditation_id, requirement_id, assigned, reviewer in db.session.execute(
        select(
            Submission.accreditation_id,
            Submission.requirement_id,
            Submission.assigned_to_id,
            Submission.reviewer_id,
        )
        .where(Submission.accreditation_id.in_({a for a, _ in pairs}))
        .order_by(Submission.id.desc())
    ):
        item_id = pairs.get((accreditation_id, requirement_id))
        if item_id is not None and item_id not in chosen and (assigned or reviewer):
            chosen[item_id] = assigned or reviewer
    staff = {
        u.id: u
        for u in db.session.scalars(
            select(User).where(
                User.id.in_(set(chosen.values())),
                User.active,
                User.role.in_(("admin", "manager")),
            )
        )
    }
    return {item_id: staff[uid] for item_id, uid in chosen.items() if uid in staff}


def _reminder_key(prefix: str, user: User, today: date, lines: list[Owed], taken: set[str]) -> str:
    """`prefix:user:day`; a later run the same day with something new (an item
    added since) gets a key naming what it holds."""
    key = f"{prefix}:{user.id}:{today.isoformat()}"
    if key not in taken:
        return key
    held = ",".join(sorted(f"{o.subject}/{o.stage}" for o in lines))
    return f"{key}:{hashlib.sha256(held.encode()).hexdigest()[:16]}"


def remind_partners(today: date, summary: Summary) -> None:
    """One reminder email per partner (to its primary focal person) listing every
    document due a reminder today. One commit."""
    schedule = Schedule.from_config(current_app.config)
    owed = _owed(today, schedule)
    days, today_users = _history([o.subject for o in owed], today)
    due: dict[int, list[Owed]] = defaultdict(list)
    for line in owed:
        stage = schedule.due_stage(line.due_on, today, days[line.subject])
        if stage is None:
            continue
        line.stage, line.overdue_number = stage
        line.escalated = line.stage == "overdue" and schedule.escalates(line.overdue_number)
        due[line.partner_id].append(line)
    if not due:
        return
    partners = {
        p.id: p for p in db.session.scalars(select(Partner).where(Partner.id.in_(list(due))))
    }
    primary, others = _partner_people(list(due))
    staff = _staff_concerned([o for lines in due.values() for o in lines if o.escalated])
    base_keys = [f"reminder:{u.id}:{today.isoformat()}" for u in primary.values()]
    taken = set(
        db.session.scalars(
            select(OutboxEmail.idempotency_key).where(OutboxEmail.idempotency_key.in_(base_keys))
        )
    )
    sent: list[tuple[OutboxEmail | None, str, str, int]] = []
    for partner_id, lines in due.items():
        person = primary.get(partner_id)
        if person is None:
            summary.notes.append(f"{partners[partner_id].name}: nobody to remind (no focal point).")
            continue
        # What this person already had today is not sent again.
        lines = [o for o in lines if person.id not in today_users[(o.subject, o.stage)]]
        if not lines:
            continue
        copied: dict[int, User] = {}
        team: list[str] = []
        for line in lines:
            if line.escalated:
                copied.update({u.id: u for u in others.get(partner_id, [])})
                if line.item_id in staff:
                    copied[staff[line.item_id].id] = staff[line.item_id]
                else:
                    team = current_app.config["PROGRAMME_TEAM_EMAILS"]
        copied.pop(person.id, None)
        email = _queue_reminder(
            partners[partner_id],
            person,
            [*(u.email for u in copied.values()), *team],
            lines,
            today,
            _reminder_key("reminder", person, today, lines, taken),
        )
        for line in lines:
            for user in (person, *copied.values()):
                if user.id not in today_users[(line.subject, line.stage)]:
                    today_users[(line.subject, line.stage)].add(user.id)
                    sent.append((email, line.subject, line.stage, user.id))
        # The bell beside the email; ReminderSent already keeps it to once a day.
        notify(
            [person, *copied.values()],
            KIND,
            _title(partners[partner_id], lines, today),
            path_for("accreditation.show", accreditation_id=lines[0].accreditation_id),
        )
        summary.partner_emails += 1
        summary.items += len(lines)
        summary.escalated += sum(o.escalated for o in lines)
    record_sent(sent, today)
    db.session.commit()


def _title(partner: Partner, lines: list[Owed], today: date) -> str:
    late = sum(o.due_on < today for o in lines)
    if len(lines) == 1:
        only = lines[0]
        when = "was due" if late else "is due"
        return f"Reminder: {only.name} {when} {only.due_on:%d %b %Y} – {partner.name}"
    overdue = f", {late} overdue" if late else ""
    return f"Reminder: {len(lines)} documents due{overdue} – {partner.name}"


def _queue_reminder(
    partner: Partner,
    person: User,
    copied: list[str],
    lines: list[Owed],
    today: date,
    key: str,
) -> OutboxEmail | None:
    """The reminder email from the template administrators edit, in the person's
    language (portal.core.i18n.recipient_language); `copied` are addresses
    (queue_email drops repeats and the person's own)."""
    link = external_url("accreditation.show", accreditation_id=lines[0].accreditation_id)
    fields = reminder_fields(partner, person.name, [(o.name, o.due_on) for o in lines], today, link)
    return queue_email(
        [person],
        "reminder",
        fields,
        cc=copied,
        idempotency_key=key,
        key_checked=True,  # the run looked up all its keys at once
    )
