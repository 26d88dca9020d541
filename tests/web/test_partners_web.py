"""Adding a partner in the slide-in panel (and without JavaScript), the list as
the programme manager sees it, and a partner's history."""

from __future__ import annotations

import html
import re

import pytest
from werkzeug.datastructures import MultiDict

from portal.accreditation.submissions import review_submission
from portal.core.extensions import db
from portal.models import Accreditation, AuditEvent, OutboxEmail, Partner, User
from tests.helpers import a_reason, csrf_token

HTMX = {"HX-Request": "true"}


def form(token: str, **values) -> dict:
    """The add-partner form as a browser sends it: one contact, the primary."""
    data = {
        "csrf_token": token,
        "name": "Zulu Outreach",
        "acronym": "ZO",
        "scope_of_work": "",
        "contacts-0-id": "",
        "contacts-0-name": "Zed Zulu",
        "contacts-0-title": "Director",
        "contacts-0-email": "zed@zulu.example.org",
        "contacts-0-phone": "",
        "contacts-0-address": "",
        "primary": "0",
        "area_q": "",
        "language": "en",
        "reporting_frequency": "quarterly",
        "invoice_format": "pdf",
        "next_review_on": "",
        "action": "summary",
    }
    data.update(values)
    return data


def htmx_headers(client, path: str = "/partners") -> dict:
    """What htmx sends from the partner list: its marker, the token, the page's URL."""
    return HTMX | {
        "X-CSRFToken": csrf_token(client, path),
        "HX-Current-URL": f"http://localhost{path}",
    }


def confirm(client, summary_page: str, headers: dict | None = None):
    """Press "Save partner" on the summary: its form carries what was typed."""
    found = re.search(r'<form method="post" action="/partners/new".*?</form>', summary_page, re.S)
    assert found, "no confirmation form on the summary"
    confirmation = found.group(0)
    pairs = [
        (html.unescape(name), html.unescape(value))
        for name, value in re.findall(
            r'<input type="hidden" name="([^"]+)" value="([^"]*)">', confirmation
        )
    ]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', confirmation)
    fields = MultiDict([*pairs, ("csrf_token", token.group(1)), ("action", "save")])
    return client.post("/partners/new", data=fields, headers=headers or {})


def help_text(page: str, field_id: str) -> str:
    """The hint and errors under one field."""
    match = re.search(rf'<div id="{re.escape(field_id)}-help">(.*?)</div>', page, re.S)
    assert match, f"no help block for {field_id}"
    return match.group(1)


def counts() -> tuple[int, int, int, int]:
    return tuple(
        db.session.scalar(db.select(db.func.count()).select_from(model))
        for model in (Partner, User, OutboxEmail, AuditEvent)
    )


# --- the panel ----------------------------------------------------------------------


def test_the_panel_is_a_fragment_for_htmx_and_a_whole_page_without_it(staff, login):
    client = login(staff["admin"].email)

    fragment = client.get("/partners/new", headers=HTMX)
    page = client.get("/partners/new")

    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200
    assert "<html" not in body and "<body" not in body
    assert body.lstrip().startswith('<div class="panel-sheet')
    assert 'role="dialog"' in body and 'aria-modal="true"' in body
    assert 'name="name"' in body and 'name="contacts-0-email"' in body
    assert "HX-Request" in fragment.headers["Vary"]

    full = page.get_data(as_text=True)
    assert page.status_code == 200
    assert full.lstrip().startswith("<!doctype html>")
    assert 'role="dialog"' in full and 'action="/partners/new"' in full


def test_an_invalid_form_shows_each_error_next_to_its_field_and_keeps_what_was_typed(staff, login):
    client = login(staff["admin"].email)
    before = counts()

    response = client.post(
        "/partners/new",
        data=form("", name="", **{"contacts-0-email": "zed-at-zulu"}),
        headers=htmx_headers(client),
    )

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "<html" not in page and 'role="dialog"' in page
    # The message is a lazily translated constant, written out as it is (no &#39;).
    assert "Enter the partner's legal name." in html.unescape(help_text(page, "name"))
    assert "Enter a valid email address." in help_text(page, "contacts-0-email")
    assert re.search(r'<input aria-describedby="name-help" aria-invalid="true"', page)
    # What was typed is still there to correct.
    assert 'value="ZO"' in page
    assert 'value="Zed Zulu"' in page
    assert 'value="zed-at-zulu"' in page
    assert counts() == before


def test_an_email_someone_already_uses_is_refused_on_the_email_field(world, login):
    client = login(world.admin.email)
    before = counts()

    response = client.post(
        "/partners/new",
        data=form("", **{"contacts-0-email": world.a.focal.email.upper()}),
        headers=htmx_headers(client),
    )

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Someone already uses this email address." in help_text(page, "contacts-0-email")
    assert "Someone already uses" not in help_text(page, "name")
    assert counts() == before


# --- adding -------------------------------------------------------------------------


def test_adding_a_partner_with_htmx_updates_the_list_and_invites_the_focal_point(
    staff, make_template, make_partner, login
):
    make_partner(name="Alpha Health", acronym="AH")
    client = login(staff["admin"].email)
    headers = htmx_headers(client)

    summary = client.post("/partners/new", data=form(""), headers=headers)
    assert summary.status_code == 200
    summary_page = summary.get_data(as_text=True)
    assert "Check and save" in summary_page and "zed@zulu.example.org" in summary_page
    assert db.session.scalar(db.select(Partner).filter_by(name="Zulu Outreach")) is None

    response = confirm(client, summary_page, headers)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # The panel closes (nothing of it is left); list and notice change out of band.
    assert 'role="dialog"' not in page
    listing = re.search(r'<section id="partner-list"[^>]*>.*?</section>', page, re.S).group(0)
    assert 'hx-swap-oob="true"' in listing.split(">", 1)[0]
    assert listing.count('data-testid="partner-row"') == 2
    assert ">Zulu Outreach</a>" in listing and ">Alpha Health</a>" in listing
    alert = re.search(r'<div id="alerts" hx-swap-oob="true">(.*?)</div></div>', page, re.S)
    assert alert
    assert "Zulu Outreach added; an invitation was emailed to zed@zulu.example.org." in alert.group(
        1
    )

    partner = db.session.scalar(db.select(Partner).filter_by(name="Zulu Outreach"))
    assert partner is not None and partner.acronym == "ZO"
    focal = db.session.scalar(db.select(User).filter_by(email="zed@zulu.example.org"))
    assert (focal.role, focal.partner_id, focal.password_hash) == ("partner", partner.id, None)
    assert db.session.scalar(db.select(Accreditation).filter_by(partner_id=partner.id))
    [invitation] = db.session.scalars(
        db.select(OutboxEmail).filter_by(recipients="zed@zulu.example.org")
    ).all()
    assert (invitation.template, invitation.status) == ("invitation", "pending")
    assert re.search(r"https?://\S+/set-password/\S+", invitation.body_text)
    created = db.session.scalar(
        db.select(AuditEvent).filter_by(partner_id=partner.id, action="partner_created")
    )
    assert created is not None and created.actor_id == staff["admin"].id
    assert created.changes["name"] == [None, "Zulu Outreach"]


def test_adding_a_partner_without_javascript_goes_to_a_page_with_the_message(
    staff, make_template, login
):
    make_template()
    client = login(staff["admin"].email)
    token = csrf_token(client, "/partners/new")

    summary = client.post("/partners/new", data=form(token))
    assert summary.status_code == 200
    assert summary.get_data(as_text=True).lstrip().startswith("<!doctype html>")
    response = confirm(client, summary.get_data(as_text=True))

    partner = db.session.scalar(db.select(Partner).filter_by(name="Zulu Outreach"))
    assert partner is not None
    assert response.status_code == 302
    assert response.location == f"/partners/{partner.id}"
    page = client.get(response.location).get_data(as_text=True)
    assert "Zulu Outreach added; an invitation was emailed to zed@zulu.example.org." in page
    assert "<h1>Zulu Outreach</h1>" in page


# --- the manager -----------------------------------------------------------------------


def test_the_manager_sees_the_list_but_cannot_add(world, login):
    client = login(world.manager.email)

    listing = client.get("/partners")
    assert listing.status_code == 200
    page = listing.get_data(as_text=True)
    assert world.a.partner.name in page and world.b.partner.name in page
    assert "Add partner" not in page and 'href="/partners/new"' not in page

    before = counts()
    token = csrf_token(client, "/partners")
    for action in ("summary", "save"):
        response = client.post("/partners/new", data=form(token, action=action))
        assert response.status_code == 403
    assert client.get("/partners/new").status_code == 403
    assert counts() == before


# --- history ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin", "manager"])
def test_staff_see_the_partners_history_field_by_field(world, login, who):
    a = world.a
    review_submission(world.manager, a.submission, "request_changes", "Sign page 2.", a_reason())
    client = login(getattr(world, who).email)

    page = client.get(f"/partners/{a.partner.id}").get_data(as_text=True)

    events = re.findall(r'<li data-testid="history-event">(.*?)</li>', page, re.S)
    reviewed = next(e for e in events if "Document reviewed" in e)
    assert f"{a.requirement.name}, version 1" in reviewed
    assert "Manu Manager" in reviewed
    assert re.search(
        r'<th>status</th><td class="before">Submitted – awaiting review</td><td>→</td>'
        r'<td class="after">Changes requested</td>',
        reviewed,
    )
    # No "before" for a value that did not exist: the cell stays empty.
    assert re.search(r'<th>feedback</th><td class="before"></td>.*Sign page 2\.', reviewed)
    # Newest first: the review came after the upload.
    actions = [re.search(r"<strong>([^<]*)</strong>", e).group(1) for e in events]
    assert actions.index("Document reviewed") < actions.index("Document submitted")
    # Only this partner's events, not the other partner's.
    own = db.session.scalar(
        db.select(db.func.count(AuditEvent.id)).filter_by(partner_id=a.partner.id)
    )
    assert len(events) == own
