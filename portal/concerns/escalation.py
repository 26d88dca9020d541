"""The daily run's part for concerns (portal.reminders.daily): a step waiting
for the administrators past its deadline escalates to them, once per step (a
ReminderSent row per administrator and the bell's and outbox's idempotency keys:
a second run sends nothing); a decision the raiser neither confirmed nor
contested within CONCERN_CONFIRM_DAYS is closed as not contested, recorded in
its history. One commit."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.concerns import path
from portal.concerns.redress import close_not_contested
from portal.concerns.telling import admins, followers, tell
from portal.core.english import english
from portal.core.extensions import db
from portal.models import Concern, ReminderSent
from portal.reminders.schedule import Summary, record_sent


def subject_of(concern: Concern) -> str:
    """The ReminderSent subject: the step and its deadline, so a contest (a new
    review with a new deadline) escalates afresh."""
    return f"concern:{concern.id}:{concern.step}:{concern.due_on.isoformat()}"


def escalate_concerns(today: date, summary: Summary) -> None:
    late = db.session.scalars(
        select(Concern)
        .where(Concern.step.in_((*path.PROGRAMME_STEPS, "decided")), Concern.due_on < today)
        .options(selectinload(Concern.partner), selectinload(Concern.raised_by))
        .order_by(Concern.due_on, Concern.id)
    ).all()
    if not late:
        summary.notes.append("Concerns: none past their deadline.")
        return
    escalating = [c for c in late if c.step in path.PROGRAMME_STEPS]
    done = set(
        db.session.execute(
            select(ReminderSent.subject, ReminderSent.user_id).where(
                ReminderSent.subject.in_([subject_of(c) for c in escalating]),
                ReminderSent.stage == "escalated",
            )
        ).all()
    )
    people = admins()
    sent, escalated, closed = [], 0, 0
    for concern in escalating:
        subject = subject_of(concern)
        fresh = [a for a in people if (subject, a.id) not in done]
        if not fresh:
            continue
        tell(
            fresh,
            concern,
            actor=None,
            kind="concern_escalated",
            template="concern_escalated",
            heading=f"Past its deadline: {concern.display_name}",
            key=subject,
            step=english(path.STEPS[concern.step]),
            due=concern.due_on,
            late=(today - concern.due_on).days,
        )
        sent.extend((None, subject, "escalated", a.id) for a in fresh)
        escalated += 1
    for concern in late:
        if concern.step == "decided":
            close_not_contested(concern)
            tell(
                followers(concern),
                concern,
                actor=None,
                kind="concern_step",
                template="concern_step",
                heading=f"{concern.display_name}: closed, not contested",
                what=english(path.CLOSED_HOW["not_contested"]) + ".",
                due=None,
                next_step="",
            )
            closed += 1
    record_sent(sent, today)
    db.session.commit()
    summary.notes.append(
        f"Concerns: {escalated} past their deadline escalated, {closed} closed as not contested."
    )
