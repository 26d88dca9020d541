"""The calendar files the portal sends and serves, read with the icalendar library
as a calendar program reads them: iMIP invitations (RFC 6047) whose MIME type
says their METHOD, people named as the organiser and attendees, and UIDs that
belong to one installation, so a staging site or a reset database never
replaces (or cancels) the events people already have."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

import pytest
from icalendar import Calendar

from portal.accreditation.calendar import FEED_CONTENT_TYPE, deadlines, feed
from portal.checkins import meetings as service
from portal.checkins.invitations import invitation, uid
from portal.checkins.meetings import CheckInPlan
from portal.core.calendar_uid import calendar_uid
from portal.core.extensions import db
from portal.mail.smtp import message
from portal.models import CheckIn, OutboxEmail


def plan(**changes) -> CheckInPlan:
    values = {
        "starts_on": date(date.today().year + 2, 3, 6),
        "start_time": time(10, 0),
        "duration_minutes": 60,
        "location": "Room 4, Ministry building",
        "repeat": "once",
        "weekend": "keep",
    }
    return CheckInPlan(**(values | changes))


def outbox() -> list[OutboxEmail]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(OutboxEmail).order_by(OutboxEmail.id)))


def vevents(data: bytes) -> list:
    return Calendar.from_ical(data).walk("VEVENT")


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


@pytest.fixture
def scheduled(app, staff, make_partner, make_user):
    """A meeting the manager scheduled with Alpha Health (two people log in)."""
    app.config["MAIL_DEFAULT_SENDER"] = "Partner Portal <portal@localhost>"
    partner, focal, _ = make_partner()
    make_user("viewer@ah.example.org", partner=partner, partner_role="viewer", name="Vera Viewer")
    db.session.commit()
    [meeting] = service.schedule(staff["manager"], partner, plan())
    return partner, focal, meeting


# --- MIME type and METHOD -------------------------------------------------------


def test_the_invitation_and_the_cancel_say_their_method_in_the_mime_type_and_the_body(
    app, staff, scheduled
):
    partner, focal, meeting = scheduled
    service.cancel(staff["admin"], meeting, "Field visit")

    sent = outbox()
    assert len(sent) == 4  # an invitation and a cancel, for each side
    for email, method in zip(sent, ("REQUEST", "REQUEST", "CANCEL", "CANCEL"), strict=True):
        [attachment] = email.attachments
        assert attachment.content_type == f"text/calendar; method={method}; charset=UTF-8"
        assert Calendar.from_ical(attachment.data)["METHOD"] == method
        # As the mail server receives it (portal/mail/smtp.py builds the message).
        with app.test_request_context():
            mime = message(email)._message()
        [part] = [p for p in mime.walk() if p.get_content_type() == "text/calendar"]
        assert part["Content-Type"] == f"text/calendar; method={method}; charset=UTF-8"
        assert part.get_param("method") == method
        assert part.get_content_charset() == "utf-8"


def test_the_downloaded_file_and_the_deadline_feed_are_published_calendars(
    app, staff, make_partner
):
    partner, _, _ = make_partner()
    [meeting] = service.schedule(staff["admin"], partner, plan())
    ics = invitation([meeting], "PUBLISH", attendees=["focal@ah.example.org"])
    assert ics.content_type == "text/calendar; method=PUBLISH; charset=UTF-8"
    [event] = vevents(ics.data)
    assert "ATTENDEE" not in event  # nobody is asked to answer a file they keep
    assert FEED_CONTENT_TYPE == "text/calendar; method=PUBLISH; charset=UTF-8"
    with app.test_request_context():
        body = feed(staff["admin"], "Programme", lambda d: "https://portal.example.org/")
    assert Calendar.from_ical(body)["METHOD"] == "PUBLISH"


# --- who organises, who attends ---------------------------------------------------


def test_attendees_are_named_and_asked_to_answer(scheduled):
    partner, focal, meeting = scheduled
    to_partner, to_staff = outbox()[:2]

    [event] = vevents(to_partner.attachments[0].data)
    attendees = as_list(event["ATTENDEE"])
    assert [str(a) for a in attendees] == [
        "mailto:focal@ah.example.org",
        "mailto:viewer@ah.example.org",
    ]
    assert [a.params["CN"] for a in attendees] == [focal.name, "Vera Viewer"]
    for attendee in attendees:
        assert attendee.params["RSVP"] == "TRUE"
        assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
        assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
    [event] = vevents(to_staff.attachments[0].data)
    [attendee] = as_list(event["ATTENDEE"])
    assert (str(attendee), attendee.params["CN"]) == ("mailto:manager@example.org", "Manu Manager")


def test_the_organiser_is_the_staff_member_who_scheduled_never_the_portal(app, staff, scheduled):
    partner, focal, meeting = scheduled
    service.cancel(staff["admin"], meeting)  # someone else cancels: the organiser stays

    for email in outbox():
        raw = email.attachments[0].data
        assert b"portal@localhost" not in raw
        [event] = vevents(raw)
        organizer = event["ORGANIZER"]
        assert str(organizer) == "mailto:manager@example.org"
        assert organizer.params["CN"] == "Manu Manager"
    # A cancel asks nobody to answer; it still names whom it concerns.
    [event] = vevents(outbox()[2].attachments[0].data)
    for attendee in as_list(event["ATTENDEE"]):
        assert "RSVP" not in attendee.params and attendee.params["CN"]


def test_a_meeting_without_a_known_author_is_organised_by_whoever_sends_it(app, staff, scheduled):
    partner, focal, meeting = scheduled
    meeting.created_by_id = None
    db.session.commit()
    db.session.expire_all()
    meeting = db.session.get(CheckIn, meeting.id)
    [event] = vevents(invitation([meeting], "REQUEST", organizer=staff["admin"]).data)
    assert str(event["ORGANIZER"]) == "mailto:admin@example.org"
    assert event["ORGANIZER"].params["CN"] == "Ada Admin"
    # Nobody known at all (a partner downloads it): a real address or none, never
    # the portal's made-up sending address.
    [event] = vevents(invitation([meeting], "PUBLISH").data)
    assert "ORGANIZER" not in event
    app.config["PROGRAMME_TEAM_EMAILS"] = ["team@programme.example.org"]
    [event] = vevents(invitation([meeting], "PUBLISH").data)
    assert str(event["ORGANIZER"]) == "mailto:team@programme.example.org"
    assert event["ORGANIZER"].params["CN"] == app.config["PROGRAMME_NAME"]


# --- UIDs unique per installation -------------------------------------------------

UID = re.compile(r"^checkin-(\d+)\.(\d+)\.([0-9a-f]{12})@([\w.-]+)$")


def test_a_meeting_keeps_its_uid_from_invitation_to_cancel(app, staff, scheduled):
    partner, focal, meeting = scheduled
    first = uid(meeting)
    service.cancel(staff["admin"], meeting)
    uids = {str(e["UID"]) for email in outbox() for e in vevents(email.attachments[0].data)}
    assert uids == {first}
    match = UID.match(first)
    assert match and int(match[1]) == meeting.id
    assert int(match[2]) == int(meeting.created_at.timestamp())
    assert "partner-portal" not in first


def test_uids_differ_between_installations_hosts_and_database_lives(app, scheduled):
    partner, focal, meeting = scheduled
    here = uid(meeting)

    app.config["SECRET_KEY"] = "another installation's key"
    assert uid(meeting) != here
    elsewhere = UID.match(uid(meeting))
    assert elsewhere.group(1, 2) == UID.match(here).group(1, 2)  # same meeting
    assert elsewhere[3] != UID.match(here)[3]  # another installation

    app.config["PORTAL_URL"] = "https://staging.portal.example.org"
    assert uid(meeting).endswith("@staging.portal.example.org")

    # A reset database numbers its meetings from 1 again, never at the same moment.
    later = meeting.created_at + timedelta(days=3)
    assert calendar_uid("checkin", meeting.id, later) != uid(meeting)


def test_the_deadline_feed_uses_the_installations_uids(app, staff, make_partner):
    partner, _, accreditation = make_partner()
    with app.test_request_context():
        found = deadlines(staff["admin"])
        body = feed(staff["admin"], "Programme", lambda d: "https://portal.example.org/")
    assert found
    pattern = re.compile(r"^milestone-\d+\.\d+\.[0-9a-f]{12}@[\w.-]+$")
    assert all(pattern.match(d.uid) for d in found)
    assert [str(e["UID"]) for e in vevents(body)] == [d.uid for d in found]
    assert len({d.uid for d in found}) == len(found)
