"""Deadlines as a page and as an iCalendar feed behind a secret, resettable link,
read back with a real iCalendar parser."""

from __future__ import annotations

import re

from icalendar import Calendar

from portal.core.extensions import db
from portal.core.translated import set_translations
from portal.models import Partner
from tests.helpers import csrf_token


def feed_path(page: str) -> str:
    found = re.search(r'value="(https?://[^"]+\.ics)"', page)
    assert found, "no calendar link on the page"
    return re.sub(r"^https?://[^/]+", "", found.group(1))


def make_link(client, says: str = "") -> str:
    """Press the button on the calendar page; the path of the new feed link."""
    token = csrf_token(client, "/calendar")
    answer = client.post("/calendar/link", data={"csrf_token": token})
    assert answer.status_code == 302
    page = client.get("/calendar").get_data(as_text=True)
    assert says in page
    return feed_path(page)


def events(body: bytes) -> list:
    return [c for c in Calendar.from_ical(body).walk() if c.name == "VEVENT"]


def test_a_partner_subscribes_to_their_own_deadlines(world, login, app):
    a, b = world.a, world.b
    client = login(a.focal.email)
    page = client.get("/calendar").get_data(as_text=True)
    for milestone in a.accreditation.milestones:
        assert f"{milestone.due_on:%d %b %Y}" in page
    assert b.partner.name not in page

    path = make_link(client)
    anonymous = app.test_client()  # a calendar program: no session
    answer = anonymous.get(path)
    assert answer.status_code == 200
    assert answer.mimetype == "text/calendar"
    found = events(answer.data)
    milestones = a.accreditation.milestones
    assert [(e.decoded("dtstart"), str(e["summary"])) for e in found] == [
        (m.due_on, f"{m.name} due") for m in milestones
    ]
    assert all(f"/accreditations/{a.accreditation.id}" in str(e["url"]) for e in found)
    assert len({str(e["uid"]) for e in found}) == len(found)


def test_a_french_partners_feed_speaks_french_whatever_the_calendar_program_asks(world, login, app):
    world.a.focal.language = "fr"
    first = world.a.accreditation.milestones[0]
    set_translations(first.stage, "fr", {"name": "Dépôt des documents"})
    db.session.commit()
    path = make_link(login(world.a.focal.email))
    calendar_program = app.test_client()
    answer = calendar_program.get(path, headers={"Accept-Language": "en-US"})
    summaries = [str(e["summary"]) for e in events(answer.data)]
    assert summaries[0] == "Échéance : Dépôt des documents"
    assert summaries[1] == f"Échéance : {world.a.accreditation.milestones[1].name}"
    calendar = Calendar.from_ical(answer.data)
    assert str(calendar["x-wr-calname"]).startswith("Échéances")


def test_staff_see_every_partners_deadlines_named_by_partner(world, login, app):
    client = login(world.manager.email)
    assert "You have no calendar link yet." in client.get("/calendar").get_data(as_text=True)
    body = app.test_client().get(make_link(client, says="Your calendar link is ready.")).data
    summaries = {str(e["summary"]) for e in events(body)}
    for side in (world.a, world.b):
        first = side.accreditation.milestones[0]
        assert f"{side.partner.display_name}: {first.name} due" in summaries


def test_resetting_the_link_ends_the_old_one(world, login, app):
    client = login(world.a.focal.email)
    old = make_link(client, says="A new calendar link is ready; the old one no longer works.")
    new = make_link(client, says="A new calendar link is ready; the old one no longer works.")
    assert old != new
    calendar_program = app.test_client()
    assert calendar_program.get(old).status_code == 404
    assert calendar_program.get(new).status_code == 200


def test_a_wrong_token_or_a_deactivated_user_gets_nothing(world, login, app):
    client = login(world.a.focal.email)
    path = make_link(client)
    calendar_program = app.test_client()
    assert calendar_program.get("/calendar/not-a-real-token.ics").status_code == 404
    world.a.focal.active = False
    db.session.commit()
    assert calendar_program.get(path).status_code == 404


def test_closed_partners_drop_out_of_the_staff_feed(world, login, app):
    client = login(world.admin.email)
    path = make_link(client)
    db.session.get(Partner, world.b.partner.id).status = "closed"
    db.session.commit()
    summaries = " ".join(str(e["summary"]) for e in events(app.test_client().get(path).data))
    assert world.a.partner.display_name in summaries
    assert world.b.partner.display_name not in summaries
