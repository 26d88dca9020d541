"""The iCalendar invitation each side of a check-in receives: one VEVENT per
meeting with a stable UID and SEQUENCE, so an update or a cancel replaces it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr

from flask import current_app
from flask_babel import gettext
from icalendar import Calendar, Event, vCalAddress, vText

from portal.mail.links import external_url
from portal.models import CheckIn, utcnow


@dataclass
class Invitation:
    """What one side is sent: the .ics bytes of a series, ready to attach."""

    data: bytes
    filename: str = "invitation.ics"
    content_type: str = "text/calendar"

    @property
    def attachment(self) -> tuple[str, str, bytes]:
        return (self.filename, self.content_type, self.data)


def uid(checkin: CheckIn) -> str:
    """Stable per meeting, so a later update or cancel replaces the same event."""
    return f"checkin-{checkin.id}@partner-portal"


def summary(checkin: CheckIn) -> str:
    """The event's title, in the language being written (an email's recipients')."""
    return gettext(
        "Check-in: %(partner)s and %(programme)s",
        partner=checkin.partner.name,
        programme=current_app.config["PROGRAMME_NAME"],
    )


def invitation(
    meetings: Iterable[CheckIn], method: str = "REQUEST", attendees: Iterable[str] = ()
) -> Invitation:
    """An iCalendar file with one VEVENT per meeting (METHOD REQUEST, CANCEL or PUBLISH)."""
    programme = current_app.config["PROGRAMME_NAME"]
    cal = Calendar()
    cal.add("prodid", f"-//{programme}//Partner Portal//EN")
    cal.add("version", "2.0")
    cal.add("method", method)
    stamp = utcnow().replace(microsecond=0)
    sender = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[1] or "portal@localhost"
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
        organizer = vCalAddress(f"mailto:{sender}")
        organizer.params["cn"] = vText(programme)
        event.add("organizer", organizer)
        for address in attendees:
            attendee = vCalAddress(f"mailto:{address}")
            attendee.params["role"] = vText("REQ-PARTICIPANT")
            event.add("attendee", attendee, encode=0)
        cal.add_component(event)
    return Invitation(cal.to_ical())


def ends_at(checkin: CheckIn) -> datetime:
    return checkin.starts_at + timedelta(minutes=checkin.duration_minutes)
