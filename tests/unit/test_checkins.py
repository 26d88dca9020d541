"""Check-ins: series dates, the .ics invitations both sides get, cancelling one
meeting, recording notes and follow-ups, and what the dashboards read."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta

import pytest
from flask import render_template
from flask_babel import get_locale, refresh
from flask_login import login_user
from icalendar import Calendar

from portal.checkins import days as checkin_days
from portal.checkins import meetings as service
from portal.checkins.days import add_months, series_days
from portal.checkins.invitations import uid
from portal.checkins.meetings import CheckInPlan, FollowUpDraft
from portal.core.clock import local_today, programme_zone
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.models import AuditEvent, CheckIn, FollowUp, Notification, OutboxEmail, utcnow


def far() -> date:
    """31 January, on a month's last day, of a year at least two years away and
    not a leap year (so its monthly series runs 31 Jan, 28 Feb, 31 Mar): in the
    future whenever the test runs."""
    year = local_today().year + 2
    while calendar.isleap(year):
        year += 1
    return date(year, 1, 31)


def plan(**changes) -> CheckInPlan:
    values = {
        "starts_on": far(),
        "start_time": time(10, 0),
        "duration_minutes": 60,
        "location": "https://meet.example.org/alpha",
        "agenda": "Documents still missing\nNext steps",
        "repeat": "once",
        "meetings": 1,
        # Whatever weekday far() falls on: the weekend warning has its own tests.
        "weekend": "keep",
    }
    return CheckInPlan(**(values | changes))


def emails() -> list[OutboxEmail]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(OutboxEmail).order_by(OutboxEmail.id)))


def parse(email: OutboxEmail, method: str = "REQUEST") -> Calendar:
    [attachment] = email.attachments
    assert (attachment.filename, attachment.content_type) == (
        "invitation.ics",
        f"text/calendar; method={method}; charset=UTF-8",
    )
    calendar = Calendar.from_ical(attachment.data)
    assert calendar["METHOD"] == method
    return calendar


def events(calendar: Calendar) -> list:
    return [c for c in calendar.walk("VEVENT")]


# --- dates --------------------------------------------------------------------


def test_a_monthly_series_from_the_31st_falls_back_to_each_months_last_day():
    assert series_days(date(2031, 1, 31), "monthly", 4) == [
        date(2031, 1, 31),
        date(2031, 2, 28),
        date(2031, 3, 31),  # back to the 31st: counted from the first meeting
        date(2031, 4, 30),
    ]
    assert add_months(date(2032, 1, 31), 1) == date(2032, 2, 29)  # a leap year


def test_a_two_monthly_series_crosses_the_year_end():
    assert series_days(date(2030, 12, 31), "bimonthly", 5) == [
        date(2030, 12, 31),
        date(2031, 2, 28),
        date(2031, 4, 30),
        date(2031, 6, 30),
        date(2031, 8, 31),
    ]


def test_a_single_meeting_ignores_the_number_of_meetings():
    assert series_days(date(2031, 5, 5), "once", 6) == [date(2031, 5, 5)]


# --- scheduling ---------------------------------------------------------------


def test_a_monthly_series_is_stored_in_utc_from_the_programme_time(
    app, staff, make_partner, make_user
):
    app.config["TIMEZONE"] = "Africa/Nairobi"  # UTC+3 all year
    partner, focal, _ = make_partner()
    make_user("editor@ah.example.org", partner=partner, partner_role="editor")

    meetings = service.schedule(staff["manager"], partner, plan(repeat="monthly", meetings=3))

    rows = db.session.scalars(db.select(CheckIn).order_by(CheckIn.starts_at)).all()
    assert [m.id for m in rows] == [m.id for m in meetings]
    assert {m.series_id for m in rows} == {rows[0].id}
    year = far().year
    assert [m.starts_at for m in rows] == [
        datetime(year, 1, 31, 7, 0, tzinfo=UTC),
        datetime(year, 2, 28, 7, 0, tzinfo=UTC),
        datetime(year, 3, 31, 7, 0, tzinfo=UTC),
    ]
    assert all(m.repeat == "monthly" and m.duration_minutes == 60 for m in rows)
    kinds = db.session.scalars(db.select(Notification.kind)).all()
    assert kinds == ["checkin_scheduled", "checkin_scheduled"]  # the partner's two users
    assert db.session.scalar(db.select(AuditEvent).filter_by(action="checkin_scheduled"))


def test_a_series_keeps_the_local_time_across_daylight_saving(app, staff, make_partner):
    app.config["TIMEZONE"] = "Europe/London"
    partner, _, _ = make_partner()

    meetings = service.schedule(
        staff["admin"],
        partner,
        plan(starts_on=date(far().year, 2, 10), repeat="monthly", meetings=3),
    )

    # 10:00 in London: GMT in February, BST from the end of March.
    assert [m.starts_at.hour for m in meetings] == [10, 10, 9]


def test_each_side_gets_one_email_with_the_whole_series_as_an_invitation(
    app, staff, make_partner, make_user
):
    partner, focal, _ = make_partner()
    make_user("viewer@ah.example.org", partner=partner, partner_role="viewer")
    make_user("gone@ah.example.org", partner=partner, partner_role="viewer").active = False
    db.session.commit()

    meetings = service.schedule(staff["admin"], partner, plan(repeat="bimonthly", meetings=6))

    to_partner, to_staff = emails()
    assert to_partner.recipient_list == ["focal@ah.example.org", "viewer@ah.example.org"]
    assert to_staff.recipient_list == ["admin@example.org"]
    # Partners never see the programme's addresses in the email; the invitation
    # names only the organiser (the one who scheduled it), never as an attendee.
    assert "admin@example.org" not in to_partner.body_text + to_partner.body_html
    for event in events(parse(to_partner)):
        assert str(event["ORGANIZER"]) == "mailto:admin@example.org"
        attendees = (
            event["ATTENDEE"] if isinstance(event["ATTENDEE"], list) else [event["ATTENDEE"]]
        )
        assert [str(a) for a in attendees] == [
            "mailto:focal@ah.example.org",
            "mailto:viewer@ah.example.org",
        ]
    for email in (to_partner, to_staff):
        calendar = parse(email)
        assert calendar["METHOD"] == "REQUEST"
        found = events(calendar)
        assert len(found) == 6
        assert [str(e["UID"]) for e in found] == [uid(m) for m in meetings]
        assert len({str(e["UID"]) for e in found}) == 6
        assert [e.decoded("DTSTART") for e in found] == [m.starts_at for m in meetings]
        first = found[0]
        assert first.decoded("DTSTART").tzinfo is not None
        assert first.decoded("DTSTART").utcoffset() == timedelta(0)
        assert first.decoded("DTEND") - first.decoded("DTSTART") == timedelta(hours=1)
        assert first["SEQUENCE"] == 0
        assert str(first["SUMMARY"]) == (
            f"Check-in: Alpha Health and {app.config['PROGRAMME_NAME']}"
        )
        assert str(first["LOCATION"]) == "https://meet.example.org/alpha"
        assert str(first["DESCRIPTION"]) == "Documents still missing\nNext steps"
        assert str(first["ORGANIZER"]) == "mailto:admin@example.org"
    assert f"31 Jan {far().year}" in to_partner.subject
    assert to_partner.subject.endswith("then every two months")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"starts_on": date(2020, 1, 1)}, "starts_on"),
        ({"duration_minutes": -30}, "end_time"),
        ({"duration_minutes": 0}, "end_time"),
        ({"location": "   "}, "location"),
        ({"repeat": "monthly", "meetings": 13}, "meetings"),
        ({"repeat": "weekly"}, "repeat"),
    ],
)
def test_a_plan_that_cannot_be_a_meeting_creates_nothing(staff, make_partner, changes, field):
    partner, _, _ = make_partner()
    with pytest.raises(DomainError) as refused:
        service.schedule(staff["admin"], partner, plan(**changes))
    assert refused.value.field == field
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(CheckIn.id))) == 0
    assert emails() == []


def test_a_time_already_passed_today_is_refused(app):
    """Five minutes ago, today: the date is fine, the time is not (at noon, so that
    five minutes earlier is always still today)."""
    now = datetime.combine(date(2026, 11, 23), time(12, 0), tzinfo=programme_zone())
    earlier = now - timedelta(minutes=5)
    with pytest.raises(DomainError) as refused:
        service.check_plan(
            plan(starts_on=earlier.date(), start_time=earlier.time()), now=now.astimezone(UTC)
        )
    assert refused.value.field == "start_time"


# --- weekends -------------------------------------------------------------------


def a_friday_the_6th() -> date:
    """A Friday 6th, at least two years away: monthly from it, some meetings fall
    on a Saturday or Sunday."""
    day = date(local_today().year + 2, 1, 6)
    while day.weekday() != calendar.FRIDAY:
        day = add_months(day, 1)
    return day


def test_the_weekend_days_of_a_series_are_found_and_moved_as_chosen(app):
    first = a_friday_the_6th()
    weekend = plan(starts_on=first, repeat="monthly", meetings=12, weekend="ask")
    days = series_days(first, "monthly", 12)
    found = checkin_days.weekend_days(weekend)
    assert found and found == [d for d in days if d.weekday() >= 5]
    for choice, weekday in (("friday", calendar.FRIDAY), ("monday", calendar.MONDAY)):
        moved = checkin_days.meeting_days(
            plan(starts_on=first, repeat="monthly", meetings=12, weekend=choice)
        )
        assert all(d.weekday() < 5 for d in moved)
        for before, after in zip(days, moved, strict=True):
            if before in found:
                assert after.weekday() == weekday and abs((after - before).days) <= 2
            else:
                assert after == before
    assert checkin_days.meeting_days(plan(starts_on=first, repeat="monthly", meetings=12)) == days


def test_a_series_with_weekend_days_is_refused_listing_them_until_staff_choose(staff, make_partner):
    partner, _, _ = make_partner()
    first = a_friday_the_6th()
    asked = plan(starts_on=first, repeat="monthly", meetings=12, weekend="ask")

    with pytest.raises(service.WeekendMeetings) as refused:
        service.schedule(staff["admin"], partner, asked)

    assert refused.value.field == "weekend"
    assert refused.value.days == checkin_days.weekend_days(asked)
    for day in refused.value.days:
        assert checkin_days.weekday_label(day) in refused.value.message  # "Sat 6 Mar 2027"
    assert refused.value.message.startswith(f"{len(refused.value.days)} meetings fall on a weekend")
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(CheckIn.id))) == 0
    assert emails() == []

    asked.weekend = "monday"
    meetings = service.schedule(staff["admin"], partner, asked)
    local = [m.starts_at.astimezone(programme_zone()).date() for m in meetings]
    assert local == checkin_days.meeting_days(asked) and all(d.weekday() < 5 for d in local)

    kept = plan(starts_on=first, repeat="monthly", meetings=12, weekend="keep")
    kept_days = [
        m.starts_at.astimezone(programme_zone()).date()
        for m in service.schedule(staff["admin"], partner, kept)
    ]
    assert set(checkin_days.weekend_days(kept)) <= set(kept_days)  # what staff confirmed


def test_a_single_weekend_meeting_is_asked_about_too(staff, make_partner):
    partner, _, _ = make_partner()
    saturday = a_friday_the_6th() + timedelta(days=1)
    with pytest.raises(service.WeekendMeetings) as refused:
        service.schedule(staff["admin"], partner, plan(starts_on=saturday, weekend="ask"))
    assert refused.value.message.startswith("This meeting falls on a weekend: Sat ")
    with pytest.raises(DomainError, match="weekend"):
        service.schedule(staff["admin"], partner, plan(starts_on=saturday, weekend="sunday"))


def test_moving_the_first_meeting_to_the_friday_before_may_not_go_into_the_past(app):
    friday_noon = datetime.combine(a_friday_the_6th(), time(12, 0), tzinfo=programme_zone())
    saturday = friday_noon.date() + timedelta(days=1)
    tomorrow = plan(starts_on=saturday, start_time=time(10, 0), weekend="friday")
    with pytest.raises(DomainError) as refused:
        service.check_plan(tomorrow, now=friday_noon.astimezone(UTC))
    assert refused.value.field == "weekend"
    tomorrow.weekend = "monday"
    service.check_plan(tomorrow, now=friday_noon.astimezone(UTC))


# --- cancelling ---------------------------------------------------------------


def test_cancelling_one_meeting_sends_a_cancel_with_the_next_sequence(staff, make_partner):
    partner, _, _ = make_partner()
    meetings = service.schedule(staff["admin"], partner, plan(repeat="monthly", meetings=3))
    second = meetings[1]

    service.cancel(staff["manager"], second, "Partner on field visit")

    assert second.cancelled_at is not None and second.sequence == 1
    assert meetings[0].cancelled_at is None and meetings[2].cancelled_at is None
    to_partner, to_staff = emails()[2:]
    assert to_partner.recipient_list == ["focal@ah.example.org"]
    # The one who scheduled it and the one who cancelled it both hear.
    assert to_staff.recipient_list == ["admin@example.org", "manager@example.org"]
    for email in (to_partner, to_staff):
        calendar = parse(email, "CANCEL")
        [event] = events(calendar)
        assert str(event["UID"]) == uid(second)  # the event the invitation made
        # Still organised by whoever scheduled it, though the manager cancelled.
        assert str(event["ORGANIZER"]) == "mailto:admin@example.org"
        assert event["SEQUENCE"] == 1
        assert str(event["STATUS"]) == "CANCELLED"
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="checkin_cancelled"))
    assert event.reason == "Partner on field visit"

    with pytest.raises(DomainError, match="already cancelled"):
        service.cancel(staff["admin"], second)


def test_a_meeting_that_has_started_cannot_be_cancelled(staff, make_partner):
    partner, _, _ = make_partner()
    [meeting] = service.schedule(staff["admin"], partner, plan())
    meeting.starts_at = utcnow() - timedelta(minutes=10)
    db.session.commit()
    with pytest.raises(DomainError, match="already started"):
        service.cancel(staff["admin"], meeting)


# --- recording ----------------------------------------------------------------


def test_notes_wait_for_the_meeting_to_start(staff, make_partner):
    partner, _, _ = make_partner()
    [meeting] = service.schedule(staff["admin"], partner, plan())
    with pytest.raises(DomainError, match="once the meeting has started"):
        service.record(staff["admin"], meeting, "Too early")
    db.session.rollback()
    assert db.session.get(CheckIn, meeting.id).notes is None


def test_notes_and_follow_ups_are_recorded_and_audited(staff, make_partner):
    partner, _, _ = make_partner()
    [meeting] = service.schedule(staff["admin"], partner, plan())
    meeting.starts_at = utcnow() - timedelta(hours=2)
    db.session.commit()

    service.record(
        staff["manager"],
        meeting,
        "Audited accounts are late; agreed a new date.",
        [
            FollowUpDraft("Upload the audited accounts", "partner", date(far().year, 3, 1)),
            FollowUpDraft("Send the template for the budget", "programme"),
            FollowUpDraft("   "),  # an empty row of the form
        ],
    )

    meeting = db.session.get(CheckIn, meeting.id)
    assert meeting.notes == "Audited accounts are late; agreed a new date."
    assert [(f.description, f.owner, f.due_on) for f in meeting.follow_ups] == [
        ("Upload the audited accounts", "partner", date(far().year, 3, 1)),
        ("Send the template for the budget", "programme", None),
    ]
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="checkin_recorded"))
    assert event.actor_id == staff["manager"].id and event.partner_id == partner.id
    assert [f.description for f in service.open_follow_ups(partner.id)] == [
        "Upload the audited accounts"
    ]

    # Later: one is done; the notes stay when none are typed.
    done = meeting.follow_ups[0].id
    service.record(staff["admin"], meeting, "", done={done})
    assert db.session.get(FollowUp, done).done_at is not None
    assert db.session.get(CheckIn, meeting.id).notes.startswith("Audited accounts")
    assert service.open_follow_ups(partner.id) == []


def test_a_follow_up_needs_a_known_owner(staff, make_partner):
    partner, _, _ = make_partner()
    [meeting] = service.schedule(staff["admin"], partner, plan())
    meeting.starts_at = utcnow() - timedelta(hours=2)
    db.session.commit()
    with pytest.raises(DomainError, match="who owns"):
        service.record(staff["admin"], meeting, "Notes", [FollowUpDraft("Do it", "nobody")])


# --- what dashboards read -----------------------------------------------------


def _many(staff, partner, count: int) -> None:
    service.schedule(
        staff["admin"],
        partner,
        plan(starts_on=local_today() + timedelta(days=1), repeat="monthly", meetings=count),
    )
    for meeting in db.session.scalars(db.select(CheckIn)):
        meeting.follow_ups.append(FollowUp(description=f"Follow-up of {meeting.id}"))
    db.session.commit()


@pytest.mark.parametrize("partial", ["checkins/_upcoming.html", "checkins/_partner_section.html"])
def test_the_partner_partials_cost_the_same_queries_for_one_or_many_meetings(
    app, staff, make_partner, count_queries, partial
):
    partner, focal, accreditation = make_partner()
    counts = []
    for count in (1, 12):
        db.session.execute(db.delete(FollowUp))
        db.session.execute(db.delete(CheckIn))
        db.session.commit()
        _many(staff, partner, count)
        with app.test_request_context():
            login_user(staff["admin"])
            db.session.expire_all()
            # The page's language is chosen once a request, before any partial.
            refresh()
            get_locale()
            with count_queries() as queries:
                html = render_template(
                    partial, partner=partner, accreditation=accreditation, today=local_today()
                )
        counts.append(queries.count)
        assert "Check-in" in html
    assert counts[0] == counts[1]


def test_the_staff_list_of_the_next_fourteen_days(app, staff, make_partner, count_queries):
    alpha, _, _ = make_partner()
    bravo, _, _ = make_partner(name="Bravo Relief", acronym="BR")
    soon = local_today() + timedelta(days=3)
    service.schedule(staff["admin"], alpha, plan(starts_on=soon))
    service.schedule(staff["admin"], bravo, plan(starts_on=soon + timedelta(days=2)))
    service.schedule(staff["admin"], bravo, plan(starts_on=soon + timedelta(days=30)))
    with app.test_request_context():
        db.session.expire_all()
        login_user(staff["manager"])
        assert staff["manager"].is_staff  # loaded with the request, before the partial
        with count_queries() as queries:
            html = render_template("checkins/_staff_upcoming.html")
    assert html.count('data-testid="staff-checkin"') == 2
    assert "Alpha Health (AH)" in html and "Bravo Relief (BR)" in html
    assert queries.count == 1
