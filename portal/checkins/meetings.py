"""Check-in meetings with a partner: scheduling a series (each side gets an .ics
invitation), cancelling one meeting, and recording what came out of it.

Times are typed in the programme's time zone and stored in UTC. Each meeting of
a series is converted on its own day, so "10:00 every month" stays 10:00 across
a daylight-saving change.

No meeting lands on a Saturday or Sunday unnoticed: a plan whose series has
weekend days is refused (WeekendMeetings lists them) until staff say what to do
with them: keep them, or move each to the Friday before or the Monday after."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app
from flask_babel import gettext, lazy_gettext
from sqlalchemy import or_
from sqlalchemy.orm import joinedload, selectinload

from portal.accreditation.lifecycle import partner_emails
from portal.checkins.days import WEEKEND_CHOICES, WeekendMeetings, meeting_days, weekend_days
from portal.checkins.invitations import invitation
from portal.checkins.models import REPEATS
from portal.core import audit
from portal.core.clock import programme_zone, to_utc
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.filters import localtime
from portal.kpis.definitions import BY_KEY
from portal.mail.links import external_url
from portal.mail.queue import queue_email
from portal.models import CheckIn, FollowUp, Partner, User, utcnow
from portal.notifications.bell import notify, partner_users, path_for

MAX_MEETINGS = 12
DEFAULT_MEETINGS = 6
MAX_DURATION_MINUTES = 8 * 60
FOLLOW_UP_OWNERS = {
    "partner": lazy_gettext("The partner"),
    "programme": lazy_gettext("The programme team"),
}


@dataclass
class CheckInPlan:
    """What staff typed: the first meeting, in the programme's local time, and how it repeats."""

    starts_on: date
    start_time: time
    duration_minutes: int
    location: str
    agenda: str = ""
    repeat: str = "once"
    meetings: int = 1
    kpi: str | None = None  # a coaching call about this KPI
    # The series' days on a Saturday or Sunday: "ask" refuses the plan, listing
    # them (WeekendMeetings); "keep", "friday" (the Friday before) or "monday"
    # (the Monday after) is what staff chose once they saw them.
    weekend: str = "ask"


@dataclass
class FollowUpDraft:
    description: str
    owner: str = "partner"
    due_on: date | None = None


# --- scheduling ---------------------------------------------------------------


def check_plan(plan: CheckInPlan, now: datetime | None = None) -> None:
    """Refuse a plan that cannot be a meeting; the field says where to look."""
    now = now or utcnow()
    today = now.astimezone(programme_zone()).date()
    if plan.repeat not in REPEATS:
        raise DomainError(gettext("Choose how often the check-in repeats."), field="repeat")
    if REPEATS[plan.repeat] is not None and not 1 <= plan.meetings <= MAX_MEETINGS:
        raise DomainError(
            gettext("A series has between 1 and %(max)d meetings.", max=MAX_MEETINGS),
            field="meetings",
        )
    if plan.starts_on < today:
        raise DomainError(gettext("The date is in the past."), field="starts_on")
    if to_utc(plan.starts_on, plan.start_time) <= now:
        raise DomainError(gettext("This time has already passed today."), field="start_time")
    if plan.duration_minutes <= 0:
        raise DomainError(gettext("The meeting ends before it starts."), field="end_time")
    if plan.duration_minutes > MAX_DURATION_MINUTES:
        raise DomainError(
            gettext("A check-in lasts at most %(num)d hours.", num=MAX_DURATION_MINUTES // 60),
            field="end_time",
        )
    if not plan.location.strip():
        raise DomainError(
            gettext("Say where the meeting is, or paste the call link."), field="location"
        )
    if len(plan.location.strip()) > 300:
        raise DomainError(
            gettext("Keep the place or link under %(max)d characters.", max=300), field="location"
        )
    if plan.weekend != "ask" and plan.weekend not in WEEKEND_CHOICES:
        raise DomainError(gettext("Choose what to do with the weekend dates."), field="weekend")
    weekend = weekend_days(plan)
    if weekend and plan.weekend == "ask":
        raise WeekendMeetings(weekend)
    first = meeting_days(plan)[0]
    if first < today or to_utc(first, plan.start_time) <= now:
        raise DomainError(
            gettext(
                "On the Friday before, the first meeting would be in the past: keep it "
                "on its day or move it to the Monday after."
            ),
            field="weekend",
        )


def schedule(actor: User, partner: Partner, plan: CheckInPlan) -> list[CheckIn]:
    """Create the meetings of a series, invite both sides and tell the partner."""
    check_plan(plan)
    if plan.kpi is not None and plan.kpi not in BY_KEY:
        raise DomainError(gettext("That is not one of the KPIs."))
    if partner.status == "closed":
        raise DomainError(
            gettext("%(partner)s is closed; it takes no new check-ins.", partner=partner.name)
        )
    meetings = [
        CheckIn(
            partner_id=partner.id,
            repeat=plan.repeat,
            starts_at=to_utc(day, plan.start_time),
            duration_minutes=plan.duration_minutes,
            location=plan.location.strip(),
            agenda=plan.agenda.strip(),
            kpi=plan.kpi,
            created_by_id=actor.id,
        )
        for day in meeting_days(plan)
    ]
    db.session.add_all(meetings)
    db.session.flush()
    for meeting in meetings:
        meeting.series_id = meetings[0].id
    first = meetings[0]
    audit.record(
        actor,
        "checkin_scheduled",
        first,
        partner_id=partner.id,
        changes={
            "starts_at": (None, first.starts_at.isoformat()),
            "duration_minutes": (None, first.duration_minutes),
            "repeat": (None, plan.repeat),
            "meetings": (None, len(meetings)),
            "location": (None, first.location),
            "agenda": (None, first.agenda or None),
            "coaching_for": (None, BY_KEY[plan.kpi].title if plan.kpi else None),
        },
    )
    _send(actor, partner, meetings, "REQUEST", "checkin_invitation", _subject(partner, meetings))
    when = first.starts_at.astimezone(programme_zone())
    notify(
        partner_users(partner.id),
        "checkin_scheduled",
        f"Check-in with the programme team on {when:%d %b %Y at %H:%M}"
        + (f" ({len(meetings)} meetings)" if len(meetings) > 1 else ""),
        path_for("checkins.show", checkin_id=first.id),
    )
    db.session.commit()
    return meetings


def _subject(partner: Partner, meetings: list[CheckIn]):
    """The invitation's subject, written in each recipient's language (queue_email calls it)."""

    def written() -> str:
        first = meetings[0]
        when = localtime(first.starts_at)
        if first.is_coaching:
            text = gettext("Coaching call: %(partner)s – %(when)s", partner=partner.name, when=when)
        else:
            text = gettext("Check-in: %(partner)s – %(when)s", partner=partner.name, when=when)
        if len(meetings) > 1 and first.repeat == "monthly":
            return gettext("%(subject)s, then monthly", subject=text)
        if len(meetings) > 1 and first.repeat == "bimonthly":
            return gettext("%(subject)s, then every two months", subject=text)
        return text

    return written


# In English for the email subjects (their helper translates them); the form shows
# REPEAT_CHOICES, in the reader's language.
REPEAT_LABELS = {"once": "Once", "monthly": "Monthly", "bimonthly": "Every two months"}
REPEAT_CHOICES = {
    "once": lazy_gettext("Once"),
    "monthly": lazy_gettext("Monthly"),
    "bimonthly": lazy_gettext("Every two months"),
}


def _send(
    actor: User,
    partner: Partner,
    meetings: list[CheckIn],
    method: str,
    template: str,
    subject: Callable[[], str],
) -> None:
    """One email to the partner's people and one to the programme side, each with
    its own invitation. Partners never see the programme side's addresses as
    attendees; their invitation names only the organiser (the staff member who
    scheduled the meetings, to whom their calendar's answer goes)."""
    programme_side = sorted({actor.email, *(m.created_by.email for m in meetings if m.created_by)})
    context = {
        "partner": partner,
        "meetings": meetings,
        "link": external_url("checkins.show", checkin_id=meetings[0].id),
        "zone": current_app.config["TIMEZONE"],
    }
    for recipients, for_staff in ((partner_emails(partner.id), False), (programme_side, True)):
        if not recipients:
            continue

        def attachments(language: str, attendees: list[str] = recipients) -> list:
            """The invitation, its title in `language`, for everyone of this side."""
            invite = invitation(meetings, method, attendees=attendees, organizer=actor)
            return [invite.attachment]

        queue_email(
            recipients,
            template,
            context | {"for_staff": for_staff},
            subject=subject,
            attachments=attachments,
        )


# --- cancelling and recording -------------------------------------------------


def cancel(actor: User, checkin: CheckIn, reason: str = "") -> CheckIn:
    """Cancel one meeting; both sides get a CANCEL for their calendars."""
    if checkin.cancelled_at is not None:
        raise DomainError(gettext("This check-in is already cancelled."))
    if checkin.starts_at <= utcnow():
        raise DomainError(gettext("This check-in has already started; record its notes instead."))
    checkin.cancelled_at = utcnow()
    checkin.sequence += 1
    audit.record(
        actor,
        "checkin_cancelled",
        checkin,
        partner_id=checkin.partner_id,
        changes={"cancelled_at": (None, checkin.cancelled_at.isoformat())},
        reason=reason or None,
    )
    partner = checkin.partner
    when = checkin.starts_at.astimezone(programme_zone())

    def subject() -> str:  # in each recipient's language
        return gettext(
            "Cancelled: check-in with %(partner)s on %(when)s",
            partner=partner.name,
            when=localtime(checkin.starts_at),
        )

    _send(actor, partner, [checkin], "CANCEL", "checkin_cancelled", subject)
    notify(
        partner_users(partner.id),
        "checkin_cancelled",
        f"Check-in on {when:%d %b %Y at %H:%M} cancelled",
        path_for("checkins.show", checkin_id=checkin.id),
    )
    db.session.commit()
    return checkin


def record(
    actor: User,
    checkin: CheckIn,
    notes: str,
    follow_ups: Iterable[FollowUpDraft] = (),
    done: Iterable[int] = (),
) -> CheckIn:
    """Notes and agreed actions after the meeting; `done` closes open follow-ups."""
    if checkin.cancelled_at is not None:
        raise DomainError(gettext("This check-in was cancelled; there is nothing to record."))
    if checkin.starts_at > utcnow():
        raise DomainError(
            gettext("Notes can be recorded once the meeting has started."), field="notes"
        )
    drafts = [f for f in follow_ups if f.description.strip()]
    done = set(done)
    for draft in drafts:
        if draft.owner not in FOLLOW_UP_OWNERS:
            raise DomainError(gettext("Choose who owns the follow-up."), field="follow_ups")
    notes = notes.strip()
    if not notes and not drafts and not done:
        raise DomainError(gettext("Write the notes of the meeting."), field="notes")
    before = checkin.notes
    if notes:
        checkin.notes = notes
    closed = []
    now = utcnow()
    for follow_up in checkin.follow_ups:
        if follow_up.id in done and follow_up.done_at is None:
            follow_up.done_at = now
            closed.append(follow_up.description)
    added = [
        FollowUp(description=d.description.strip(), owner=d.owner, due_on=d.due_on) for d in drafts
    ]
    checkin.follow_ups.extend(added)
    changes = {"notes": (before, checkin.notes)}
    if added:
        changes["follow_ups_added"] = (None, "; ".join(f.description for f in added))
    if closed:
        changes["follow_ups_done"] = (None, "; ".join(closed))
    audit.record(actor, "checkin_recorded", checkin, partner_id=checkin.partner_id, changes=changes)
    if before is None and checkin.notes:
        notify(
            partner_users(checkin.partner_id),
            "checkin_notes",
            "Notes and follow-ups of your check-in are ready",
            path_for("checkins.show", checkin_id=checkin.id),
        )
    db.session.commit()
    return checkin


# --- reading ------------------------------------------------------------------


def series_of(checkin: CheckIn) -> list[CheckIn]:
    """Every meeting of `checkin`'s series, in order (one query)."""
    root = checkin.series_id or checkin.id
    return list(
        db.session.scalars(
            db.select(CheckIn)
            .where(or_(CheckIn.series_id == root, CheckIn.id == root))
            .order_by(CheckIn.starts_at)
        )
    )


def upcoming(partner_id: int, limit: int = 2) -> list[CheckIn]:
    return list(
        db.session.scalars(
            db.select(CheckIn)
            .where(
                CheckIn.partner_id == partner_id,
                CheckIn.cancelled_at.is_(None),
                CheckIn.starts_at > utcnow() - timedelta(hours=1),
            )
            .order_by(CheckIn.starts_at)
            .limit(limit)
        )
    )


def past(partner_id: int, limit: int = 5) -> list[CheckIn]:
    return list(
        db.session.scalars(
            db.select(CheckIn)
            .where(
                CheckIn.partner_id == partner_id,
                CheckIn.cancelled_at.is_(None),
                CheckIn.starts_at <= utcnow() - timedelta(hours=1),
            )
            .order_by(CheckIn.starts_at.desc())
            .limit(limit)
        )
    )


def open_follow_ups(partner_id: int, owner: str | None = "partner") -> list[FollowUp]:
    """Agreed actions not yet done, soonest due first (one query)."""
    query = (
        db.select(FollowUp)
        .join(CheckIn, FollowUp.checkin_id == CheckIn.id)
        .where(CheckIn.partner_id == partner_id, FollowUp.done_at.is_(None))
        .options(joinedload(FollowUp.checkin))
        .order_by(FollowUp.due_on.is_(None), FollowUp.due_on, FollowUp.id)
    )
    if owner:
        query = query.where(FollowUp.owner == owner)
    return list(db.session.scalars(query))


def next_days(days: int = 14) -> list[CheckIn]:
    """Every partner's check-ins in the coming `days`, with their partners (one query)."""
    now = utcnow()
    return list(
        db.session.scalars(
            db.select(CheckIn)
            .where(
                CheckIn.cancelled_at.is_(None),
                CheckIn.starts_at > now - timedelta(hours=1),
                CheckIn.starts_at <= now + timedelta(days=days),
            )
            .options(joinedload(CheckIn.partner))
            .order_by(CheckIn.starts_at)
        )
    )


def meeting_options() -> tuple:
    """What a meeting's page shows besides the meeting: partner, author, follow-ups."""
    return (
        selectinload(CheckIn.follow_ups),
        joinedload(CheckIn.partner),
        joinedload(CheckIn.created_by),
    )
