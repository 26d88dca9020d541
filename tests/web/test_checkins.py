"""Check-ins in the browser's terms: staff schedule from the partner page, both
sides read and download them, staff record notes or cancel; partners schedule
nothing and never see another partner's meetings; the invitation really arrives."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from icalendar import Calendar

from portal.checkins.days import series_days
from portal.checkins.forms import shown_days
from portal.checkins.invitations import uid
from portal.core.clock import local_today, programme_zone
from portal.core.extensions import db
from portal.mail.delivery import deliver_pending
from portal.models import CheckIn, FollowUp, OutboxEmail, utcnow
from tests.helpers import token_for


def _form(token: str, weekend: str | None = "keep", **changes) -> dict:
    """The form as posted; with `weekend`, as posted once the warning about the
    series' weekend days (whichever they are from today) was answered."""
    values = {
        "csrf_token": token,
        "starts_on": (local_today() + timedelta(days=20)).isoformat(),
        "start_time": "09:30",
        "end_time": "10:30",
        "location": "https://meet.example.org/alpha",
        "agenda": "Where the documents stand",
        "repeat": "monthly",
        "meetings": "4",
    } | changes
    try:
        first = date.fromisoformat(values["starts_on"])
        days = series_days(first, values["repeat"], int(values["meetings"]))
    except (ValueError, KeyError):
        return values
    shown = shown_days([d for d in days if d.weekday() >= 5])
    if weekend and shown:
        values |= {"weekend": weekend, "weekend_days": shown}
    return values


def _checkins(partner_id: int) -> list[CheckIn]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            db.select(CheckIn).filter_by(partner_id=partner_id).order_by(CheckIn.starts_at)
        )
    )


def test_staff_schedule_a_series_from_the_partner_page(world, login):
    a = world.a
    client = login(world.admin.email)
    page = client.get(f"/partners/{a.partner.id}").get_data(as_text=True)
    assert "Schedule a check-in" in page
    form = client.get(f"/partners/{a.partner.id}/checkins/new")
    assert form.status_code == 200 and "Place or call link" in form.get_data(as_text=True)

    response = client.post(f"/partners/{a.partner.id}/checkins/new", data=_form(token_for(client)))

    assert response.status_code == 302
    assert response.location == f"/partners/{a.partner.id}"
    new = [c for c in _checkins(a.partner.id) if c.id != a.checkin.id]
    assert len(new) == 4 and {c.series_id for c in new} == {new[0].id}
    assert [c.starts_at.astimezone(programme_zone()).strftime("%H:%M") for c in new] == [
        "09:30"
    ] * 4
    page = client.get(f"/partners/{a.partner.id}").get_data(as_text=True)
    assert "4 check-ins are scheduled" in page
    assert page.count('data-testid="upcoming-checkin"') == 5  # the world's one and these four


def test_the_form_opens_in_the_panel_and_closes_on_success(world, login):
    a = world.a
    client = login(world.manager.email)  # managers hold check-ins too
    headers = {"HX-Request": "true"}
    panel = client.get(f"/partners/{a.partner.id}/checkins/new", headers=headers)
    assert panel.status_code == 200 and "<html" not in panel.get_data(as_text=True)

    response = client.post(
        f"/partners/{a.partner.id}/checkins/new",
        data=_form(token_for(client), repeat="once"),
        headers=headers,
    )

    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == f"/partners/{a.partner.id}"
    assert len(_checkins(a.partner.id)) == 2


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"starts_on": "2020-03-01"}, "The date is in the past."),
        ({"end_time": "09:00"}, "The meeting ends before it starts."),
        ({"location": ""}, "Say where the meeting is"),
        ({"meetings": "13"}, "between 1 and 12 meetings"),
        ({"starts_on": "not a date"}, "Enter the date as dd/mm/yyyy"),
    ],
)
def test_bad_input_is_answered_next_to_the_field(world, login, changes, message):
    a = world.a
    client = login(world.admin.email)
    before = db.session.scalar(db.select(db.func.count(OutboxEmail.id)))

    response = client.post(
        f"/partners/{a.partner.id}/checkins/new",
        data=_form(token_for(client), **changes),
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and 'class="field has-error"' in html
    assert "<html" not in html  # the panel re-renders in place
    assert [c.id for c in _checkins(a.partner.id)] == [a.checkin.id]
    assert db.session.scalar(db.select(db.func.count(OutboxEmail.id))) == before


def _next_saturday() -> date:
    day = local_today() + timedelta(days=8)
    return day + timedelta(days=(5 - day.weekday()) % 7)


def test_weekend_meetings_are_shown_and_asked_about_before_anything_is_scheduled(world, login):
    a = world.a
    client = login(world.admin.email)
    headers = {"HX-Request": "true"}
    saturday = _next_saturday()
    before = db.session.scalar(db.select(db.func.count(OutboxEmail.id)))
    form = _form(token_for(client), weekend=None, starts_on=saturday.isoformat(), repeat="once")

    warned = client.post(f"/partners/{a.partner.id}/checkins/new", data=form, headers=headers)

    assert warned.status_code == 422
    html = warned.get_data(as_text=True)
    assert 'data-testid="weekend-days"' in html
    assert "This meeting falls on a weekend: Sat " in html
    for choice in ("keep", "friday", "monday"):
        assert f'name="weekend" type="radio" value="{choice}"' in html
    assert f'name="weekend_days" type="hidden" value="{saturday.isoformat()}"' in html
    assert [c.id for c in _checkins(a.partner.id)] == [a.checkin.id]
    assert db.session.scalar(db.select(db.func.count(OutboxEmail.id))) == before

    # A choice made for other days does not count: the new days are asked about.
    moved = form | {"weekend": "keep", "weekend_days": saturday.isoformat()}
    sunday = (saturday + timedelta(days=1)).isoformat()
    again = client.post(
        f"/partners/{a.partner.id}/checkins/new",
        data=moved | {"starts_on": sunday},
        headers=headers,
    )
    assert again.status_code == 422 and "falls on a weekend: Sun " in again.get_data(as_text=True)

    answered = client.post(
        f"/partners/{a.partner.id}/checkins/new",
        data=moved | {"weekend": "monday"},
        headers=headers,
    )
    assert answered.status_code == 204
    [new] = [c for c in _checkins(a.partner.id) if c.id != a.checkin.id]
    assert new.starts_at.astimezone(programme_zone()).date() == saturday + timedelta(days=2)


def test_a_series_without_weekend_days_asks_nothing(world, login):
    a = world.a
    client = login(world.admin.email)
    monday = _next_saturday() + timedelta(days=2)
    form = _form(token_for(client), weekend=None, starts_on=monday.isoformat(), repeat="once")
    response = client.post(f"/partners/{a.partner.id}/checkins/new", data=form)
    assert response.status_code == 302


def test_partners_read_their_meetings_but_schedule_nothing(world, login):
    a = world.a
    client = login(a.focal.email)
    token = token_for(client)
    assert client.get(f"/partners/{a.partner.id}/checkins/new").status_code == 403
    refused = client.post(f"/partners/{a.partner.id}/checkins/new", data=_form(token))
    assert refused.status_code == 403
    assert (
        client.post(f"/checkins/{a.checkin.id}/cancel", data={"csrf_token": token}).status_code
        == 403
    )
    notes = {"csrf_token": token, "notes": "Ours"}
    assert client.post(f"/checkins/{a.checkin.id}/notes", data=notes).status_code == 403

    page = client.get(f"/checkins/{a.checkin.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Progress on documents" in html and "https://meet.example.org/checkin" in html
    assert "Cancel this meeting" not in html
    dashboard = client.get(f"/accreditations/{a.accreditation.id}").get_data(as_text=True)
    assert 'data-testid="upcoming-checkin"' in dashboard
    ics = client.get(f"/checkins/{a.checkin.id}/invitation.ics")
    assert ics.status_code == 200 and ics.mimetype == "text/calendar"
    assert ics.headers["Content-Type"] == "text/calendar; method=PUBLISH; charset=UTF-8"
    downloaded = Calendar.from_ical(ics.data)
    assert downloaded["METHOD"] == "PUBLISH"
    [event] = downloaded.walk("VEVENT")
    assert str(event["UID"]) == uid(db.session.get(CheckIn, a.checkin.id))
    assert "ATTENDEE" not in event  # a file to keep, not an invitation to answer
    assert _checkins(a.partner.id)[0].cancelled_at is None


def test_another_partners_meeting_is_not_found(world, login):
    client = login(world.b.focal.email)
    for path in (
        f"/checkins/{world.a.checkin.id}",
        f"/checkins/{world.a.checkin.id}/invitation.ics",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert world.a.partner.name not in response.get_data(as_text=True)
    assert client.get(f"/checkins/{world.b.checkin.id}").status_code == 200


def test_notes_are_refused_before_the_meeting_and_recorded_after(world, login):
    a = world.a
    staff = login(world.admin.email)
    data = {
        "csrf_token": token_for(staff),
        "notes": "Went through the missing documents.",
        "follow_ups-0-description": "Upload the tax clearance",
        "follow_ups-0-owner": "partner",
        "follow_ups-0-due_on": (local_today() + timedelta(days=14)).isoformat(),
        "follow_ups-1-description": "Share the budget template",
        "follow_ups-1-owner": "programme",
        "follow_ups-1-due_on": "",
    }
    early = staff.post(f"/checkins/{a.checkin.id}/notes", data=data)
    assert early.status_code == 422
    assert "once the meeting has started" in early.get_data(as_text=True)
    assert db.session.get(CheckIn, a.checkin.id).notes is None

    db.session.get(CheckIn, a.checkin.id).starts_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    response = staff.post(f"/checkins/{a.checkin.id}/notes", data=data)

    assert response.status_code == 302
    follow_ups = db.session.scalars(db.select(FollowUp).order_by(FollowUp.id)).all()
    assert [(f.description, f.owner) for f in follow_ups] == [
        ("Upload the tax clearance", "partner"),
        ("Share the budget template", "programme"),
    ]
    partner = login(a.focal.email)
    page = partner.get(f"/checkins/{a.checkin.id}").get_data(as_text=True)
    assert "Went through the missing documents." in page and "Upload the tax clearance" in page
    dashboard = partner.get(f"/accreditations/{a.accreditation.id}").get_data(as_text=True)
    assert "Upload the tax clearance" in dashboard  # the partner owns it
    assert "Share the budget template" not in dashboard  # the programme does


def test_cancelling_a_meeting_tells_both_sides(world, login):
    a = world.a
    client = login(world.manager.email)
    before = db.session.scalar(db.select(db.func.count(OutboxEmail.id)))

    response = client.post(
        f"/checkins/{a.checkin.id}/cancel", data={"csrf_token": token_for(client), "reason": "Ill"}
    )

    assert response.status_code == 302
    meeting = db.session.get(CheckIn, a.checkin.id)
    assert meeting.cancelled_at is not None and meeting.sequence == 1
    assert db.session.scalar(db.select(db.func.count(OutboxEmail.id))) == before + 2
    page = client.get(f"/checkins/{a.checkin.id}").get_data(as_text=True)
    assert "This meeting was cancelled" in page
    again = client.post(f"/checkins/{a.checkin.id}/cancel", data={"csrf_token": token_for(client)})
    assert again.status_code == 422 and "already cancelled" in again.get_data(as_text=True)


def test_the_invitation_arrives_by_email_with_a_calendar_file(world, login, smtp):
    a = world.a
    client = login(world.admin.email)
    deliver_pending()  # what the world queued before
    smtp.inbox.messages.clear()

    client.post(f"/partners/{a.partner.id}/checkins/new", data=_form(token_for(client)))
    result = deliver_pending()

    assert (result.sent, result.failed) == (2, 0)
    [message] = smtp.inbox.to(a.focal.email)
    [attachment] = [
        p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"
    ]
    assert attachment.get_filename() == "invitation.ics"
    # iMIP: the part says its method (as the body does) and its charset.
    assert attachment.get_param("method") == "REQUEST"
    assert attachment.get_content_charset() == "utf-8"
    calendar = Calendar.from_ical(attachment.get_content())
    assert calendar["METHOD"] == "REQUEST"
    found = calendar.walk("VEVENT")
    assert len(found) == 4
    # The partner's copy names the organiser (who scheduled it: answers go to
    # them) and the partner's people; no other staff address, in the text either.
    assert {str(e["ORGANIZER"]) for e in found} == {f"mailto:{world.admin.email}"}
    assert found[0]["ORGANIZER"].params["CN"] == world.admin.name
    attendees = found[0]["ATTENDEE"]
    attendees = attendees if isinstance(attendees, list) else [attendees]
    assert all(world.admin.email not in str(person) for person in attendees)
    for part in message.walk():
        if part.get_content_maintype() == "text" and part is not attachment:
            assert world.admin.email not in part.get_content()
    new = [c for c in _checkins(a.partner.id) if c.id != a.checkin.id]
    assert [e.decoded("DTSTART") for e in found] == [c.starts_at for c in new]
    [to_staff] = smtp.inbox.to(world.admin.email)
    assert "You scheduled 4 check-ins" in to_staff.get_body(("plain",)).get_content()
