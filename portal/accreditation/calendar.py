"""Deadlines as a list and as an iCalendar feed a person can subscribe to.

The feed is fetched by calendar programs without a session, so its URL carries
a secret per user; resetting it ends every subscription made with the old one."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext
from icalendar import Calendar, Event
from sqlalchemy.orm import joinedload

from portal.core import audit
from portal.core.access import may_see_accreditation
from portal.core.calendar_uid import calendar_uid
from portal.core.clock import local_today
from portal.core.extensions import db
from portal.core.i18n import in_language, recipient_language
from portal.core.translated import translated
from portal.models import Accreditation, Milestone, Partner, User, utcnow

# METHOD in the Content-Type matches the body's (RFC 5545 §3.7.2).
FEED_CONTENT_TYPE = "text/calendar; method=PUBLISH; charset=UTF-8"


@dataclass
class Deadline:
    uid: str
    day: date
    title: str
    partner: Partner
    done: bool
    accreditation_id: int

    @property
    def overdue(self) -> bool:
        return not self.done and self.day < local_today()


def deadlines(user: User) -> list[Deadline]:
    """The milestone due dates `user` may see, soonest first (one query)."""
    milestones = db.session.scalars(
        db.select(Milestone)
        .join(Accreditation, Milestone.accreditation_id == Accreditation.id)
        .join(Partner, Accreditation.partner_id == Partner.id)
        .where(may_see_accreditation(user), Partner.status.in_(("active", "on_hold")))
        .options(joinedload(Milestone.accreditation).joinedload(Accreditation.partner))
        .order_by(Milestone.due_on, Milestone.position)
    ).all()
    return [
        Deadline(
            # Unique to this installation (see portal/core/calendar_uid.py): a staging
            # site's or a reset database's milestone #7 is not the one people subscribed to.
            uid=calendar_uid("milestone", m.id, m.accreditation.created_at),
            day=m.due_on,
            title=gettext("%(stage)s due", stage=translated(m, "name")),
            partner=m.accreditation.partner,
            done=m.completed_at is not None,
            accreditation_id=m.accreditation_id,
        )
        for m in milestones
    ]


def feed(user: User, programme: str, link_for) -> bytes:
    """The user's deadlines as an iCalendar file (all-day events), in their language
    (a calendar program fetches it without a session or a language of its own)."""
    with in_language(recipient_language(user)):
        return _feed(user, programme, link_for)


def _feed(user: User, programme: str, link_for) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", f"-//{programme}//Partner Portal//EN")
    calendar.add("version", "2.0")
    # A published calendar, not an invitation (as the feed's Content-Type says).
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", gettext("%(programme)s deadlines", programme=programme))
    stamp = utcnow()
    for deadline in deadlines(user):
        event = Event()
        event.add("uid", deadline.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", deadline.day)
        event.add("dtend", deadline.day + timedelta(days=1))
        prefix = "" if user.partner_id else f"{deadline.partner.display_name}: "
        title = deadline.title
        if deadline.done:
            title = gettext("%(title)s (done)", title=title)
        event.add("summary", f"{prefix}{title}")
        event.add("url", link_for(deadline))
        calendar.add_component(event)
    return calendar.to_ical()


def reset_token(user: User) -> str:
    """A new feed secret; the old URL stops working at once."""
    user.calendar_token = secrets.token_urlsafe(32)
    audit.record(user, "calendar_link_reset", user, partner_id=user.partner_id)
    db.session.commit()
    return user.calendar_token


def user_for_token(token: str) -> User | None:
    if not token or len(token) > 64:
        return None
    user = db.session.scalar(db.select(User).filter_by(calendar_token=token))
    return user if user is not None and user.active else None
