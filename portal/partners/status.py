"""A partner's status (on hold, closed, reopened), its yearly review, and the
staff's last look at it; and the programme team's email when any of it moves."""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext, lazy_gettext
from sqlalchemy.exc import IntegrityError

from portal.core import audit
from portal.core.clock import local_today
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.mail.links import external_url
from portal.mail.queue import queue_email
from portal.models import (
    Partner,
    PartnerLook,
    PartnerReview,
    User,
    utcnow,
)
from portal.partners.drafts import one_year_after
from portal.partners.forms import label
from portal.partners.models import PARTNER_STATUSES

LOOK_WINDOW = timedelta(minutes=5)


def change_status(
    actor: User, partner: Partner, status: str, *, reason: str, effective_on: date | None
) -> None:
    """Put a partner on hold, close or reopen it. Closing ends its coverage and
    its users' logins and keeps everything else."""
    if status not in PARTNER_STATUSES:
        raise DomainError(gettext("Choose a status from the list."), field="status")
    if partner.status == "prospective":
        raise DomainError(
            gettext(
                "%(partner)s is prospective: decide on its need check whether to go ahead.",
                partner=partner.name,
            ),
            field="status",
        )
    if status == partner.status:
        raise DomainError(
            gettext(
                "%(partner)s is already %(status)s.",
                partner=partner.name,
                status=label(status, PARTNER_STATUSES).lower(),
            ),
            "status",
        )
    if not (reason or "").strip():
        raise DomainError(gettext("Say why the status changes."), field="reason")
    if effective_on is None:
        raise DomainError(gettext("Enter the date the change takes effect."), field="effective_on")
    if effective_on > local_today():
        # The change applies now (logins end at once); a future date would say otherwise.
        raise DomainError(
            gettext("Choose today or an earlier date: the change applies when you make it."),
            field="effective_on",
        )
    before = partner.status
    partner.status, partner.status_reason = status, reason.strip()
    partner.status_effective_on = effective_on
    audit.record(
        actor,
        "status_changed",
        partner,
        partner_id=partner.id,
        changes={"status": (before, status), "effective_on": (None, effective_on)},
        reason=reason.strip(),
    )
    summary = [
        f"Status: {PARTNER_STATUSES[before]} → {PARTNER_STATUSES[status]}"
        f" from {effective_on:%d %b %Y}."
    ]
    if status == "closed":
        for cover in partner.coverage:
            if cover.ends_on is None or cover.ends_on > effective_on:
                before_end = cover.ends_on
                cover.ends_on = max(effective_on, cover.starts_on)
                audit.record(
                    actor,
                    "coverage_ended",
                    cover,
                    partner_id=partner.id,
                    changes={"ends_on": (before_end, cover.ends_on)},
                    reason=reason.strip(),
                )
        for user in partner.users:
            if user.active:
                user.active = False
                user.end_sessions()
                audit.record(
                    actor,
                    "user_deactivated",
                    user,
                    partner_id=partner.id,
                    changes={"active": (True, False)},
                    reason=reason.strip(),
                )
        summary.append("Its coverage ended and its users can no longer log in.")
    notify_programme_team(actor, partner, summary, reason.strip())
    db.session.commit()


def mark_reviewed(actor: User, partner: Partner, note: str) -> PartnerReview:
    """Record this year's review; the next one is due a year from today."""
    next_on = one_year_after(local_today())
    review = PartnerReview(
        partner_id=partner.id, reviewed_by_id=actor.id, note=note.strip(), next_review_on=next_on
    )
    db.session.add(review)
    before = partner.next_review_on
    partner.next_review_on = next_on
    audit.record(
        actor,
        "partner_reviewed",
        partner,
        partner_id=partner.id,
        changes={"next_review_on": (before, next_on)},
        reason=note.strip() or None,
    )
    db.session.commit()
    return review


def record_look(user: User, partner: Partner) -> PartnerLook | None:
    """Remember when a staff member looked at the partner; returns the previous look.
    Looks within a few minutes of the last count as one (no write per page view)."""
    look = db.session.get(PartnerLook, (user.id, partner.id))
    previous = PartnerLook(seen_at=look.seen_at) if look else None
    now = utcnow()
    if look is not None and now - look.seen_at < LOOK_WINDOW:
        return previous
    if look is None:
        db.session.add(PartnerLook(user_id=user.id, partner_id=partner.id, seen_at=now))
    else:
        look.seen_at = now
    try:
        db.session.commit()
    except IntegrityError:  # the same person's other tab recorded it first
        db.session.rollback()
    return previous


def notify_programme_team(actor: User, partner: Partner, summary: list[str], reason: str | None):
    """One email to the programme team's list about what changed (callers commit)."""
    team = current_app.config["PROGRAMME_TEAM_EMAILS"]
    if not team or not summary:
        return
    queue_email(
        team,
        "partner_changed",
        {
            "partner": partner,
            "actor": actor,
            "summary": summary,
            "reason": reason,
            "link": external_url("partners.show", partner_id=partner.id),
        },
        subject=lazy_gettext(
            "%(partner)s: status, scope or coverage changed", partner=partner.display_name
        ),
    )
