"""The daily scheduler (`flask reminders send`): deadline reminders to partners,
review and sign-off reminders to staff, the due progress reports, and the daily
digests of notices.

Partners: every document a partner owes (tracking.owed_condition) is reminded of
REMINDER_DAYS_BEFORE days before its deadline (14, 7, 1), the day after it passes,
then every REMINDER_OVERDUE_EVERY_DAYS days, at most REMINDER_MAX_OVERDUE overdue
times; it stops by itself once the document is in, waiting for review, waived or
the cycle decided (it is no longer owed). A stage missed (the scheduler did not run
that day) is sent late, once. Each partner's reminders go in ONE email to its
primary focal person; from the overdue reminder after the REMINDER_ESCALATE_AFTER-th,
the partner's other focal points and editors and the staff member concerned (the
one assigned its last submission, else the one who last reviewed it) are copied.

A ReminderSent row per (item and deadline, stage, person, day) is what makes a
second run the same day send nothing again; the outbox key is the second lock.
The subject carries the deadline ("item:7:2026-12-01"), so a deadline moved by
staff starts its reminders afresh.

Staff: each active staff member gets one email a day listing the submissions
assigned to them that have waited more than STAFF_REVIEW_REMINDER_DAYS days, the
unassigned ones that have (everyone who reviews hears of those: admins and
managers), and, for administrators (who take final decisions), the
accreditations ready for sign-off.

Every part reads what it needs in a fixed number of queries, however many
partners, items and people there are.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal.core.extensions import db
from portal.mail.queue import external_url, queue_email
from portal.models import (
    Accreditation,
    ChecklistItem,
    Contact,
    Notification,
    OutboxEmail,
    Partner,
    Requirement,
    Submission,
    User,
    utcnow,
)
from portal.notifications.bell import notify, path_for
from portal.notifications.models import NOTIFICATION_KINDS
from portal.notifications.preferences import ESSENTIAL_KINDS, muted
from portal.reminders.models import ReminderSent
from portal.tracking.overview import owed_condition

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


# --- what a run did ----------------------------------------------------------------


@dataclass
class Summary:
    partner_emails: int = 0
    items: int = 0
    escalated: int = 0
    staff_emails: int = 0
    digests: int = 0
    reports: int = 0
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"Partner reminders: {self.partner_emails} email(s) about {self.items} document(s)"
            f" ({self.escalated} escalated).",
            f"Staff reminders: {self.staff_emails} email(s).",
            f"Digests: {self.digests} email(s).",
            f"Progress reports: {self.reports} queued.",
            *self.notes,
        ]


def run(today: date | None = None) -> Summary:
    """Everything the daily scheduler sends; safe to run as often as wanted."""
    today = today or utcnow().date()
    summary = Summary()
    for part in (remind_partners, remind_staff, send_digests):
        try:
            part(today, summary)
        except IntegrityError:
            # Another run got there first (the unique keys refused our copy).
            db.session.rollback()
            summary.notes.append(f"{part.__name__}: another run sent these at the same time.")
    summary.reports = send_due_reports(today)
    return summary


def send_due_reports(today: date) -> int:
    """The progress reports whose period has come (monthly or quarterly reporters)."""
    from portal.reports.sending import send_due_reports as send

    return send(today)


# --- partners -----------------------------------------------------------------------


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
        for line in lines:
            if line.escalated:
                copied.update({u.id: u for u in others.get(partner_id, [])})
                if line.item_id in staff:
                    copied[staff[line.item_id].id] = staff[line.item_id]
        copied.pop(person.id, None)
        email = _queue_reminder(
            partners[partner_id],
            person,
            list(copied.values()),
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
    _record(sent, today)
    db.session.commit()


def _record(sent: list[tuple[OutboxEmail | None, str, str, int]], today: date) -> None:
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
    copied: list[User],
    lines: list[Owed],
    today: date,
    key: str,
) -> OutboxEmail | None:
    """The reminder email from the template administrators edit, in the partner's
    reporting language."""
    from portal.core import i18n
    from portal.mail.email_templates import render_email
    from portal.mail.queue import queue_prepared

    links: dict[int, str] = {}
    for line in lines:
        if line.accreditation_id not in links:
            links[line.accreditation_id] = external_url(
                "accreditation.show", accreditation_id=line.accreditation_id
            )
    fields = {
        "partner_name": partner.name,
        "greeting_name": person.name,
        "portal_link": links[lines[0].accreditation_id],
        "items": [
            {"title": o.name, "deadline": o.due_on, "overdue": o.due_on < today} for o in lines
        ],
    }
    language = partner.language if partner.language in i18n.LANGUAGES else "en"
    rendered = render_email("reminder", fields, language)
    # The keys were looked up for the whole run at once; queue_prepared would ask
    # again for each email, so the key is set here.
    email = queue_prepared(
        [person.email],
        rendered.subject,
        rendered.text,
        rendered.html,
        template="reminder",
        cc=[u.email for u in copied],
    )
    if email is not None:
        email.idempotency_key = key
    return email


# --- staff --------------------------------------------------------------------------


def remind_staff(today: date, summary: Summary) -> None:
    """One email per staff member with reviews waiting too long and accreditations
    ready for sign-off; once a day. One commit."""
    from portal.tracking.overview import ready_for_sign_off

    days = current_app.config["STAFF_REVIEW_REMINDER_DAYS"]
    cutoff = datetime.combine(today - timedelta(days=days), time.min, tzinfo=UTC)
    waiting = db.session.scalars(
        select(Submission)
        .join(Accreditation, Accreditation.id == Submission.accreditation_id)
        .join(Partner, Partner.id == Accreditation.partner_id)
        .where(
            Submission.status == "submitted",
            Submission.uploaded_at < cutoff,
            Partner.status != "merged",
        )
        .options(
            joinedload(Submission.accreditation).joinedload(Accreditation.partner),
            joinedload(Submission.requirement),
        )
        .order_by(Submission.uploaded_at, Submission.id)
    ).all()
    sign_off = ready_for_sign_off(today)
    if not waiting and not sign_off:
        return
    staff = db.session.scalars(
        select(User).where(User.role.in_(("admin", "manager")), User.active).order_by(User.id)
    ).all()
    staff_ids = {u.id for u in staff}
    keys = {u.id: f"staff-reminder:{u.id}:{today.isoformat()}" for u in staff}
    taken = set(
        db.session.scalars(
            select(OutboxEmail.idempotency_key).where(
                OutboxEmail.idempotency_key.in_(list(keys.values()))
            )
        )
    )
    # A review assigned to someone who has left is everyone's again.
    unassigned = [s for s in waiting if s.assigned_to_id not in staff_ids]
    reviews_link = external_url("review.queue") if _has_endpoint("review.queue") else ""
    sent: list[tuple[OutboxEmail | None, str, str, int]] = []
    for user in staff:
        if keys[user.id] in taken:
            continue
        mine = [s for s in waiting if s.assigned_to_id == user.id]
        ready = sign_off if user.is_admin else []
        if not (mine or unassigned or ready):
            continue
        email = queue_email(
            [user.email],
            "staff_reminder",
            _staff_subject(len(mine) + len(unassigned), len(ready)),
            idempotency_key=keys[user.id],
            user=user,
            days=days,
            today=today,
            mine=[_review_line(s, today) for s in mine],
            unassigned=[_review_line(s, today) for s in unassigned],
            sign_off=[
                {
                    "partner": row.partner_name,
                    "link": external_url(
                        "accreditation.show", accreditation_id=row.accreditation_id
                    ),
                }
                for row in ready
            ],
            reviews_link=reviews_link,
        )
        for subject, stage in [
            *((f"submission:{s.id}", "review") for s in (*mine, *unassigned)),
            *((f"signoff:{row.accreditation_id}", "sign-off") for row in ready),
        ]:
            sent.append((email, subject, stage, user.id))
        summary.staff_emails += 1
    _record(sent, today)
    db.session.commit()


def _has_endpoint(endpoint: str) -> bool:
    return endpoint in current_app.view_functions


def _staff_subject(reviews: int, sign_offs: int) -> str:
    parts = []
    if reviews:
        parts.append(f"{reviews} review{'s' if reviews != 1 else ''} waiting")
    if sign_offs:
        parts.append(f"{sign_offs} ready for sign-off")
    programme = current_app.config["PROGRAMME_NAME"]
    return f"[{programme}] Reminder: {' and '.join(parts)}"


def _review_line(submission: Submission, today: date) -> dict:
    return {
        "partner": submission.accreditation.partner.name,
        "document": submission.requirement.name,
        "version": submission.version,
        "days": (today - submission.uploaded_at.date()).days,
        "link": external_url("review.decide", submission_id=submission.id),
    }


# --- digests ------------------------------------------------------------------------


def send_digests(today: date, summary: Summary) -> None:
    """For each person on the daily digest: one email with the notices they have
    had since their last digest (not the muted kinds, not the essential ones,
    which were emailed at once). One commit."""
    now = utcnow()
    users = db.session.scalars(
        select(User).where(User.active, User.notice_delivery == "digest").order_by(User.id)
    ).all()
    if not users:
        return
    keys = {u.id: f"digest:{u.id}:{today.isoformat()}" for u in users}
    taken = set(
        db.session.scalars(
            select(OutboxEmail.idempotency_key).where(
                OutboxEmail.idempotency_key.in_(list(keys.values()))
            )
        )
    )
    users = [u for u in users if keys[u.id] not in taken]
    default_since = now - timedelta(days=1)
    since = {u.id: u.last_digest_at or default_since for u in users}
    if not users:
        return
    notices: dict[int, list[Notification]] = defaultdict(list)
    for notice in db.session.scalars(
        select(Notification)
        .where(
            Notification.user_id.in_(list(since)),
            Notification.created_at > min(since.values()),
            Notification.created_at <= now,
            Notification.kind.not_in(ESSENTIAL_KINDS),
        )
        .order_by(Notification.id)
    ):
        notices[notice.user_id].append(notice)
    portal = external_url("notifications.index").removesuffix("/notifications")
    for user in users:
        hidden = muted(user)
        mine = [
            n for n in notices[user.id] if n.created_at > since[user.id] and n.kind not in hidden
        ]
        user.last_digest_at = now
        if not mine:
            continue
        queue_email(
            [user.email],
            "digest",
            f"[{current_app.config['PROGRAMME_NAME']}] Your daily summary: "
            f"{len(mine)} notice{'s' if len(mine) != 1 else ''}",
            idempotency_key=keys[user.id],
            user=user,
            notices=[
                {
                    "kind": NOTIFICATION_KINDS.get(n.kind, n.kind),
                    "title": n.title,
                    "link": portal + n.link,
                    "created_at": n.created_at,
                }
                for n in mine
            ],
            settings_link=external_url("settings.notifications")
            if _has_endpoint("settings.notifications")
            else "",
        )
        summary.digests += 1
    db.session.commit()
