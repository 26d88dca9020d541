"""The classes of bad input that answered 500 (issue 10, item 7), each as a
person or an attacker would send it: the answer is a 404, 400 or 422 with the
message next to the field, and nothing is half-saved. The hypothesis suite in
test_hostile_input.py looks for more of them; these pin the ones it found."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import create_engine, event, text

from portal.core.extensions import db
from portal.core.inputs import DAYS_MESSAGE, LAST_DAY, MAX_ID, NUL_MESSAGE
from portal.models import Contact, Message
from tests.helpers import PASSWORD, snapshot, token_for

TOO_BIG = [str(MAX_ID + 1), str(2**63), "9" * 40]


@pytest.mark.parametrize("number", TOO_BIG)
def test_identifiers_no_column_holds_are_not_found(world, login, number):
    admin = login(world.admin.email)
    for path in (
        f"/partners/{number}",
        f"/accreditations/{number}",
        f"/accreditation-templates/{number}",
        f"/accreditations/{world.a.accreditation.id}/items/{number}/deadline",
        f"/review/{number}",
    ):
        response = admin.get(path)
        assert response.status_code == 404, path
        assert "There is nothing here" in response.get_data(as_text=True)


@pytest.mark.parametrize("number", TOO_BIG)
def test_numbers_in_query_strings_fall_back_or_are_ignored(world, login, number):
    admin = login(world.admin.email)
    assert admin.get(f"/emails?page={number}").status_code == 200
    assert admin.get(f"/notifications?page={number}").status_code == 200
    assert admin.get(f"/reports?page={number}").status_code == 200
    assert admin.get(f"/reports/new?partner_id={number}").status_code == 200
    assert admin.get(f"/reports/new?report={number}").status_code == 200
    focal = login(world.a.focal.email)
    token = token_for(focal)
    before = snapshot()
    response = focal.post("/notifications/read", data={"csrf_token": token, "up_to": number})
    assert response.status_code < 500
    assert snapshot() == before


def test_a_number_field_beyond_its_column_is_refused_next_to_it(world, login):
    admin = login(world.admin.email)
    page = admin.get(f"/accreditation-templates/{world.a.accreditation.template_id}/edit")
    form = dict(re.findall(r'name="([^"]+)"[^>]*value="([^"]*)"', page.get_data(as_text=True)))
    form["stages-0-duration_days"] = str(2**40)
    before = snapshot()
    response = admin.post(
        f"/accreditation-templates/{world.a.accreditation.template_id}/edit", data=form
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Enter a smaller number." in html
    assert snapshot() == before


def test_nul_in_a_text_field_is_refused_next_to_it_and_nothing_is_saved(world, login):
    """PostgreSQL cannot store NUL: it answered 500. On either database the
    person is told, next to the message box, and the message is not posted."""
    focal = login(world.a.focal.email)
    path = f"/accreditations/{world.a.accreditation.id}/messages"
    response = focal.post(
        path, data={"csrf_token": token_for(focal), "body": "Our report\x00 is attached"}
    )
    assert response.status_code == 422
    assert str(NUL_MESSAGE) in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Message.id))) == 0


def test_nul_in_the_address_is_a_bad_request(world, login):
    admin = login(world.admin.email)
    response = admin.get("/partners?q=al%00pha")
    assert response.status_code == 400
    assert "The request could not be understood" in response.get_data(as_text=True)


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", str(LAST_DAY + timedelta(days=1))])
def test_a_deadline_beyond_the_calendar_is_refused_next_to_the_field(world, login, day):
    admin = login(world.admin.email)
    a = world.a
    path = f"/accreditations/{a.accreditation.id}/milestones/{a.milestone.id}/deadline"
    before = snapshot()
    response = admin.post(
        path, data={"csrf_token": token_for(admin), "due_on": day, "reason": "Extension"}
    )
    assert response.status_code == 422
    assert str(DAYS_MESSAGE) in response.get_data(as_text=True)
    assert snapshot() == before


def test_the_latest_day_allowed_still_makes_a_calendar_feed(world, login):
    """A year-9999 deadline broke every feed that included it; the last day the
    portal accepts leaves room for the event's end, the day after."""
    admin = login(world.admin.email)
    a = world.a
    path = f"/accreditations/{a.accreditation.id}/milestones/{a.milestone.id}/deadline"
    response = admin.post(
        path,
        data={"csrf_token": token_for(admin), "due_on": LAST_DAY.isoformat(), "reason": "Later"},
    )
    assert response.status_code in (200, 302, 303)
    feed = login(None).get(f"/calendar/{a.feed_token}.ics")
    assert feed.status_code == 200
    starts = [e.decoded("dtstart") for e in Calendar.from_ical(feed.data).walk("VEVENT")]
    assert LAST_DAY in starts


@pytest.mark.parametrize(
    "target",
    ["//evil.example/x", "http://evil.example", "/\\evil.example", "\\\\evil", "", "%00", "/\x00x"],
)
def test_a_malformed_next_is_never_followed_off_the_site(world, login, target):
    client = login(None)
    token = token_for(client, logged_in=False)
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": world.a.focal.email, "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code in (302, 400, 429)
    location = response.headers.get("Location", "/")
    assert location.startswith("/") and not location.startswith("//")
    assert "evil" not in location


def test_a_stale_form_naming_an_ended_contact_is_a_conflict(world, login):
    """Someone removed a contact while another person had the partner's form
    open; saving that form answered 500."""
    admin = login(world.admin.email)
    a = world.a
    page = admin.get(f"/partners/{a.partner.id}/edit").get_data(as_text=True)
    page = page[page.index("<main") :]  # the partner's form, not the header's
    form = dict(re.findall(r'name="([^"]+)"[^>]*value="([^"]*)"', page))
    form.update({"primary": "0", "reason": "Update", "action": "save"})
    contact = db.session.get(Contact, int(form["contacts-0-id"]))
    replacement = Contact(partner_id=a.partner.id, name="New Focal", email="new@ahi.example.org")
    contact.ended_at, contact.is_primary = db.func.now(), False
    db.session.add(replacement)
    db.session.commit()
    before = snapshot()
    response = admin.post(f"/partners/{a.partner.id}/edit", data=form)
    assert response.status_code in (409, 422)
    assert "This contact was removed or replaced since the form was opened" in (
        response.get_data(as_text=True)
    )
    assert snapshot() == before


def test_a_merged_partners_old_link_keeps_repeated_arguments(world, login):
    """`?partner_id=` on the old link clashed with the path's argument (500)."""
    admin = login(world.admin.email)
    survivor, other = world.a.partner, world.b.partner
    other.status, other.merged_into_id = "merged", survivor.id  # as a merge leaves it
    db.session.commit()
    response = admin.get(f"/partners/{other.id}?partner_id=1&tab=a&tab=b")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(f"/partners/{survivor.id}?")
    assert "tab=a" in location and "tab=b" in location


# --- the database connection drops -----------------------------------------------


@pytest.fixture
def postgres_only(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("a connection to drop: SQLite is a file in the process, not a server")


def _drop_the_connection_on_its_first_statement(database_url):
    """Terminate the request's own database session from outside, once, as a
    restart or failover would, just before its first statement."""
    killer = create_engine(database_url)
    done = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if not done:
            done.append(True)
            pid = conn.connection.dbapi_connection.info.backend_pid
            with killer.begin() as other:
                other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

    return killer, before


def test_a_read_survives_the_connection_dropping_under_it(
    world, login, database_url, postgres_only
):
    admin = login(world.admin.email)
    path, name = f"/partners/{world.a.partner.id}", world.a.partner.name
    killer, before = _drop_the_connection_on_its_first_statement(database_url)
    event.listen(db.engine, "before_cursor_execute", before)
    try:
        response = admin.get(path)
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
        killer.dispose()
    assert response.status_code == 200
    assert name in response.get_data(as_text=True)


def test_a_change_under_a_dropped_connection_is_a_friendly_503(
    world, login, database_url, postgres_only
):
    focal = login(world.a.focal.email)
    token, path = token_for(focal), f"/accreditations/{world.a.accreditation.id}/messages"
    killer, before = _drop_the_connection_on_its_first_statement(database_url)
    event.listen(db.engine, "before_cursor_execute", before)
    try:
        response = focal.post(
            path,
            data={"csrf_token": token, "body": "Sent while the database restarts"},
        )
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
        killer.dispose()
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert "lost its connection to the database" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Message.id))) == 0
    assert focal.get("/", follow_redirects=True).status_code == 200  # the next is served


def test_a_database_that_is_down_gives_the_503_page(world, login, app):
    """PostgreSQL stopped: every page is the friendly 503, not a traceback."""
    admin = login(world.admin.email)
    partner_id = world.a.partner.id
    engine = db.engine
    down = create_engine("postgresql+psycopg://postgres@127.0.0.1:1/none")
    db.session.remove()
    app.extensions["sqlalchemy"]._app_engines[app][None] = down
    try:
        response = admin.get("/partners")
    finally:
        app.extensions["sqlalchemy"]._app_engines[app][None] = engine
        down.dispose()
    assert response.status_code == 503
    assert "Briefly unavailable" in response.get_data(as_text=True)
    assert admin.get(f"/partners/{partner_id}").status_code == 200  # and back up
