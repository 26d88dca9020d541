"""Reminders to staff: each active staff member gets one email a day listing
the submissions assigned to them that have waited more than
STAFF_REVIEW_REMINDER_DAYS days, the unassigned ones that have (everyone who
reviews hears of those: admins and managers), and, for administrators (who take
final decisions), the accreditations ready for sign-off."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from flask_babel import gettext, ngettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.core.clock import local_day
from portal.core.extensions import db
from portal.mail.links import external_url
from portal.mail.queue import queue_email
from portal.models import (
    Accreditation,
    OutboxEmail,
    Partner,
    Submission,
    User,
)
from portal.reminders.schedule import Summary, has_endpoint, record_sent
from portal.tracking.overview import ready_for_sign_off


def remind_staff(today: date, summary: Summary) -> None:
    """One email per staff member with reviews waiting too long and accreditations
    ready for sign-off; once a day. One commit."""
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
    reviews_link = external_url("review.queue") if has_endpoint("review.queue") else ""
    sent: list[tuple[OutboxEmail | None, str, str, int]] = []
    for user in staff:
        if keys[user.id] in taken:
            continue
        mine = [s for s in waiting if s.assigned_to_id == user.id]
        ready = sign_off if user.is_admin else []
        if not (mine or unassigned or ready):
            continue
        fields = {
            "user": user,
            "days": days,
            "today": today,
            "mine": [_review_line(s, today) for s in mine],
            "unassigned": [_review_line(s, today) for s in unassigned],
            "sign_off": [
                {
                    "partner": row.partner_name,
                    "link": external_url(
                        "accreditation.show", accreditation_id=row.accreditation_id
                    ),
                }
                for row in ready
            ],
            "reviews_link": reviews_link,
        }
        email = queue_email(
            [user],
            "staff_reminder",
            fields,
            subject=_staff_subject(len(mine) + len(unassigned), len(ready)),
            idempotency_key=keys[user.id],
            key_checked=True,
        )
        for subject, stage in [
            *((f"submission:{s.id}", "review") for s in (*mine, *unassigned)),
            *((f"signoff:{row.accreditation_id}", "sign-off") for row in ready),
        ]:
            sent.append((email, subject, stage, user.id))
        summary.staff_emails += 1
    record_sent(sent, today)
    db.session.commit()


def _staff_subject(reviews: int, sign_offs: int):
    """The reminder's subject, written in its reader's language (queue_email calls it)."""

    def written() -> str:
        programme = current_app.config["PROGRAMME_NAME"]
        waiting = ngettext("%(num)d review waiting", "%(num)d reviews waiting", reviews)
        ready = ngettext("%(num)d ready for sign-off", "%(num)d ready for sign-off", sign_offs)
        if reviews and sign_offs:
            return gettext(
                "[%(programme)s] Reminder: %(waiting)s and %(ready)s",
                programme=programme,
                waiting=waiting,
                ready=ready,
            )
        return gettext(
            "[%(programme)s] Reminder: %(what)s",
            programme=programme,
            what=waiting if reviews else ready,
        )

    return written


def _review_line(submission: Submission, today: date) -> dict:
    return {
        "partner": submission.accreditation.partner.name,
        "document": submission.requirement.name,
        "version": submission.version,
        "days": (today - local_day(submission.uploaded_at)).days,
        "link": external_url("review.decide", submission_id=submission.id),
    }
