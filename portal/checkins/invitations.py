"""The iCalendar invitation each side of a check-in receives: one VEVENT per
meeting with a UID unique to this installation and a SEQUENCE, so an update or a
cancel replaces it (iTIP, RFC 5546; sent by email as iMIP, RFC 6047)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr

from flask import current_app
from flask_babel import gettext
from icalendar import Calendar, Event, vCalAddress, vText

from portal.core.calendar_uid import calendar_uid
from portal.core.extensions import db
from portal.mail.links import external_url
from portal.models import CheckIn, User, utcnow


@dataclass
class Invitation:
    """What one side is sent: the .ics bytes of a series, ready to attach."""

    data: bytes
    method: str = "REQUEST"
    filename: str = "invitation.ics"

    @property
    def content_type(self) -> str:
        """iMIP (RFC 6047 §2.4): the part says its METHOD, the same as the body's,
        so mail programs offer Accept / Decline (or remove the event) at once."""
        return f"text/calendar; method={self.method}; charset=UTF-8"

    @property
    def attachment(self) -> tuple[str, str, bytes]:
        return (self.filename, self.content_type, self.data)


def uid(checkin: CheckIn) -> str:
    """Stable per meeting, so a later update or cancel replaces the same event;
    unique to this installation (portal/core/calendar_uid.py says how)."""
    return calendar_uid("checkin", checkin.id, checkin.created_at)


def summary(checkin: CheckIn) -> str:
    """The event's title, in the language being written (an email's recipients')."""
    return gettext(
        "Check-in: %(partner)s and %(programme)s",
        partner=checkin.partner.name,
        programme=current_app.config["PROGRAMME_NAME"],
    )


def _names(addresses: list[str]) -> dict[str, str]:
    """The people's names by address, for ATTENDEE's CN (one query)."""
    if not addresses:
        return {}
    rows = db.session.execute(
        db.select(User.email, User.name).where(
            db.func.lower(User.email).in_([a.lower() for a in addresses])
        )
    )
    return {email.lower(): name for email, name in rows if name}


def _organizer(meetings: list[CheckIn], fallback: User | None) -> vCalAddress | None:
    """The staff member who organises: the one who scheduled the meeting (replies
    and later changes come from them), else `fallback` (who sends this one). Only
    when neither is known (an old meeting whose author is gone, downloaded by a
    partner) the programme team's first address, or the portal's sending address
    if it is a real one; never a made-up one like portal@localhost (then none)."""
    person = next((m.created_by for m in meetings if m.created_by is not None), None) or fallback
    if person is not None and person.email:
        address, name = person.email, person.name or person.email
    else:
        config = current_app.config
        sender = parseaddr(config["MAIL_DEFAULT_SENDER"] or "")[1]
        team = config.get("PROGRAMME_TEAM_EMAILS") or []
        address = team[0] if team else sender
        if not address or address.rpartition("@")[2] in ("", "localhost"):
            return None
        name = config["PROGRAMME_NAME"]
    organizer = vCalAddress(f"mailto:{address}")
    organizer.params["cn"] = vText(name)
    return organizer


def _attendee(address: str, name: str, method: str) -> vCalAddress:
    attendee = vCalAddress(f"mailto:{address}")
    attendee.params["cn"] = vText(name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    if method == "REQUEST":
        # Each is asked to answer; calendars show the invitation as not yet answered.
        attendee.params["partstat"] = vText("NEEDS-ACTION")
        attendee.params["rsvp"] = vText("TRUE")
    return attendee


def invitation(
    meetings: Iterable[CheckIn],
    method: str = "REQUEST",
    attendees: Iterable[str] = (),
    organizer: User | None = None,
) -> Invitation:
    """An iCalendar file with one VEVENT per meeting (METHOD REQUEST, CANCEL or
    PUBLISH). `organizer` stands in when a meeting has no known author. A CANCEL
    names its attendees without asking them to answer; a PUBLISH (the file
    downloaded from the meeting's page) names none."""
    meetings = list(meetings)
    addresses = list(dict.fromkeys(attendees)) if method != "PUBLISH" else []
    names = _names(addresses)
    programme = current_app.config["PROGRAMME_NAME"]
    cal = Calendar()
    cal.add("prodid", f"-//{programme}//Partner Portal//EN")
    cal.add("version", "2.0")
    cal.add("method", method)
    stamp = utcnow().replace(microsecond=0)
    for meeting in meetings:
        event = Event()
        event.add("uid", uid(meeting))
        event.add("sequence", meeting.sequence)
        event.add("dtstamp", stamp)
        event.add("dtstart", meeting.starts_at.astimezone(UTC))
        event.add("dtend", ends_at(meeting).astimezone(UTC))
        event.add("summary", summary(meeting))
        event.add("location", meeting.location)
        if meeting.agenda:
            event.add("description", meeting.agenda)
        event.add("url", external_url("checkins.show", checkin_id=meeting.id))
        cancelled = method == "CANCEL" or meeting.cancelled_at is not None
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        if (organised_by := _organizer([meeting, *meetings], organizer)) is not None:
            event.add("organizer", organised_by)
        for address in addresses:
            name = names.get(address.lower()) or address
            event.add("attendee", _attendee(address, name, method), encode=0)
        cal.add_component(event)
    return Invitation(cal.to_ical(), method=method)


def ends_at(checkin: CheckIn) -> datetime:
    return checkin.starts_at + timedelta(minutes=checkin.duration_minutes)
