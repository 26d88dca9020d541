"""Every route, as every kind of person: walks `app.url_map`, so a route is
covered the moment it is added (an argument this test does not know fails it).

The objects in the URLs always belong to partner A. Anonymous visitors are sent
to log in; partner B never reads or changes anything of A's; the programme
manager changes no partner record; admin and A themselves get real pages, which
shows the refusals above are about permission and not about broken URLs."""

from __future__ import annotations

import io
import re

import pytest

from portal.demo import sample_pdf
from tests.helpers import Side, snapshot, token_for

# Where each URL argument comes from: always partner A's object.
ARGUMENTS = {
    "accreditation_id": lambda a: a.accreditation.id,
    "requirement_id": lambda a: a.requirement.id,
    "submission_id": lambda a: a.submission.id,
    "partner_id": lambda a: a.partner.id,
    "email_id": lambda a: a.email.id,
    "document_id": lambda a: a.document.id,
    "user_id": lambda a: a.focal.id,
    "feed_token": lambda a: a.feed_token,
    "token": lambda a: a.token,
    "filename": lambda a: "css/portal.css",
    "template_id": lambda a: a.accreditation.template_id,
    "item_id": lambda a: a.item.id,
    "milestone_id": lambda a: a.milestone.id,
    "vault_document_id": lambda a: a.vault_document.id,
    "notification_id": lambda a: a.notification.id,
    "checkin_id": lambda a: a.checkin.id,
}
# Arguments that name something belonging to one partner.
OWNED = {
    "accreditation_id",
    "requirement_id",
    "submission_id",
    "partner_id",
    "email_id",
    "document_id",
    "user_id",
    "item_id",
    "milestone_id",
    "vault_document_id",
    "notification_id",
    "checkin_id",
}
# Open without logging in (the calendar feed: its secret URL is the permission).
PUBLIC = {"auth.login", "auth.forgot_password", "auth.set_password", "static", "calendar.ics"}
# POSTs about the walker's own account (session, calendar link): tested on their own.
SKIP_POST = {"auth.logout", "auth.login", "calendar.reset"}
# What a programme manager may change: review decisions, never partner records.
# (Managers talk to partners, assign reviews, send reminders and hold check-ins;
# templates, deadlines, waivers, decisions and the vault are administrators'.)
MANAGER_MAY_POST = {
    "review.decide",
    "review.assign",
    "conversations.thread",
    "conversations.comment",
    "notifications.read",
    "notifications.read_all",
    "tracking.bulk",
    "checkins.new",
    "checkins.record",
    "checkins.cancel",
    "settings.notifications",  # their own notification preferences
}


def routes(app):
    """(endpoint, method, path) for every rule, with partner A's objects filled in."""
    return [
        (rule.endpoint, method, rule.arguments)
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    ]


def build(app, endpoint: str, arguments, a: Side) -> str:
    unknown = set(arguments) - set(ARGUMENTS)
    assert not unknown, (
        f"{endpoint} takes {sorted(unknown)}: teach tests/web/test_permissions.py "
        "which of partner A's objects to put there"
    )
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **{name: ARGUMENTS[name](a) for name in arguments})


def form_data(token: str) -> dict:
    """A form that would pass validation on any of the portal's POST routes, so a
    refusal is about who asks, not about what they sent."""
    return {
        "csrf_token": token,
        "file": (io.BytesIO(sample_pdf("Walker")), "walker.pdf"),
        "decision": "approve",
        "feedback": "Looks right.",
        "name": "Zulu Outreach",
        "acronym": "ZO",
        "focal_name": "Zed Zulu",
        "focal_email": "zed@zulu.example.org",
        "password": "a-long-enough-password",
        "confirm": "a-long-enough-password",
    }


def request(client, method: str, path: str, token: str):
    """The response, read and closed (a file download streams from an open file)."""
    if method == "GET":
        response = client.get(path)
    else:
        response = client.open(path, method=method, data=form_data(token))
    response.get_data()
    response.close()
    return response


def secrets_of(a: Side) -> list[str]:
    """What partner B must never read: A's name, people and files."""
    return [a.partner.name, a.focal.email, a.filename, a.document.filename]


def test_every_route_is_walked(app):
    """The walk below covers the routes the core loop has, and more as they come."""
    endpoints = {endpoint for endpoint, _, _ in routes(app)}
    assert {
        "accreditation.show",
        "accreditation.upload",
        "accreditation.download",
        "review.decide",
        "partners.new",
        "partners.show",
        "emails.read",
    } <= endpoints


def test_anonymous_visitors_are_sent_to_log_in(app, world, login):
    client = login(None)
    token = token_for(client, logged_in=False)
    before = snapshot()
    for endpoint, method, arguments in routes(app):
        path = build(app, endpoint, arguments, world.a)
        if endpoint in PUBLIC:
            if method == "GET":  # their forms are tested in test_auth
                assert request(client, method, path, token).status_code == 200, path
            continue
        response = request(client, method, path, token)
        assert response.status_code == 302, f"{method} {path}: {response.status_code}"
        assert response.location.startswith("/login?next="), f"{method} {path}"
    assert snapshot() == before


def test_partner_b_never_reads_or_changes_partner_a(app, world, login):
    a, b = world.a, world.b
    client = login(b.focal.email)
    token = token_for(client)
    before = snapshot()
    for endpoint, method, arguments in routes(app):
        if endpoint in PUBLIC or (method == "POST" and endpoint in SKIP_POST):
            continue
        path = build(app, endpoint, arguments, a)
        response = request(client, method, path, token)
        where = f"{method} {path} as partner B"
        if OWNED & set(arguments):
            assert response.status_code in (403, 404), f"{where}: {response.status_code}"
        else:
            # B's own pages: they may answer, or refuse B's walker form (422).
            assert response.status_code in (200, 302, 403, 422), f"{where}: {response.status_code}"
        body = response.get_data(as_text=True)
        for secret in secrets_of(a):
            assert secret not in body, f"{where} shows {secret!r}"
    assert snapshot() == before


def test_partner_a_reaches_their_own_objects(app, world, login):
    """The other side of the walk above: the same URLs work for their owner."""
    client = login(world.a.focal.email)
    for endpoint in (
        "accreditation.mine",
        "accreditation.show",
        "accreditation.download",
        "partners.agreement_file",
    ):
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        path = build(app, endpoint, rule.arguments, world.a)
        assert request(client, "GET", path, "").status_code == 200, endpoint
    page = client.get("/accreditation").get_data(as_text=True)
    assert world.a.partner.name in page and world.a.requirement.name in page


def test_partners_may_not_use_staff_pages(app, world, login):
    client = login(world.a.focal.email)
    for path in ("/review", "/partners", "/partners/new", "/emails"):
        assert client.get(path).status_code == 403, path


def test_the_manager_changes_no_partner_record(app, world, login):
    client = login(world.manager.email)
    token = token_for(client)
    before = snapshot()
    walked = 0
    for endpoint, method, arguments in routes(app):
        if method == "GET" or endpoint in SKIP_POST | MANAGER_MAY_POST | PUBLIC:
            continue
        path = build(app, endpoint, arguments, world.a)
        response = request(client, method, path, token)
        assert response.status_code in (403, 405), f"{method} {path}: {response.status_code}"
        walked += 1
    assert walked >= 2  # at least upload and add partner
    assert snapshot() == before


def test_the_manager_sees_every_staff_page_without_edit_controls(app, world, login):
    client = login(world.manager.email)
    for endpoint, method, arguments in routes(app):
        if method != "GET" or endpoint in PUBLIC:
            continue
        path = build(app, endpoint, arguments, world.a)
        response = request(client, "GET", path, "")
        assert response.status_code in (200, 302, 403), f"GET {path}: {response.status_code}"
    listing = client.get("/partners").get_data(as_text=True)
    assert world.a.partner.name in listing
    assert "Add partner" not in listing
    record = client.get(f"/partners/{world.a.partner.id}").get_data(as_text=True)
    assert world.a.partner.name in record
    for control in ("/edit", "Change status", "Mark reviewed"):
        assert control not in record, control


@pytest.mark.parametrize("who", ["admin", "manager"])
def test_staff_get_every_page(app, world, login, who):
    """No page errors for the people who see the most."""
    client = login(getattr(world, who).email)
    for endpoint, method, arguments in routes(app):
        if method != "GET" or endpoint in PUBLIC:
            continue
        path = build(app, endpoint, arguments, world.a)
        response = request(client, "GET", path, "")
        # Managers read everything; the admin-only forms answer them 403.
        allowed = (200, 302) if who == "admin" else (200, 302, 403)
        assert response.status_code in allowed, f"GET {path} as {who}"
        html = response.get_data(as_text=True)
        assert not re.search(r"Traceback|jinja2\.exceptions", html), path
