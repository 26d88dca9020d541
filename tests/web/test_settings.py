"""/settings/notifications: each person chooses, for their own account only, how
the portal emails them."""

from __future__ import annotations

import re

from portal.core.extensions import db
from portal.models import AuditEvent, User
from tests.helpers import token_for


def _user(user) -> User:
    return db.session.get(User, user.id)


def test_the_page_shows_the_current_choices(world, login):
    client = login(world.a.focal.email)
    page = client.get("/settings/notifications")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert re.search(r'<input [^>]*checked[^>]*value="immediate"', html)
    assert not re.search(r'<input [^>]*checked[^>]*value="digest"', html)
    assert re.search(r'<input [^>]*checked[^>]*value="changes_requested"', html)
    assert "Changes requested" in html and "New submission" not in html  # a partner's kinds
    assert "Final decision" not in html.split("Email me about")[1].split("</fieldset>")[0]
    assert "final decisions, deadline reminders" in html


def test_the_notifications_page_links_to_the_settings(world, login):
    client = login(world.a.focal.email)
    assert "/settings/notifications" in client.get("/notifications").get_data(as_text=True)


def test_a_partner_chooses_the_digest_and_mutes_a_kind(world, login):
    client = login(world.a.focal.email)
    response = client.post(
        "/settings/notifications",
        data={
            "csrf_token": token_for(client),
            "delivery": "digest",
            "emailed": [
                "changes_requested",
                "document_reviewed",
                "milestone_reached",
                "survey_invitation",
                "obligation_due",
                "obligation_changed",
            ],
        },
    )
    assert response.status_code == 302
    assert response.location == "/settings/notifications"
    focal = _user(world.a.focal)
    assert focal.notice_delivery == "digest"
    assert focal.muted_notices == "new_message"
    assert focal.last_digest_at is not None
    page = client.get("/settings/notifications").get_data(as_text=True)
    assert "Your notification settings are saved." in page
    # Other people keep theirs.
    assert _user(world.b.focal).notice_delivery == "immediate"
    assert _user(world.admin).muted_notices == ""
    # The organisation's history says it in today's words.
    history = client.get("/organisation/history").get_data(as_text=True)
    assert "Notification preferences changed" in history
    assert "muted notifications" in history and "notice" not in history.lower()


def test_staff_choose_too(world, login):
    client = login(world.manager.email)
    assert "New submission" in client.get("/settings/notifications").get_data(as_text=True)
    response = client.post(
        "/settings/notifications",
        data={"csrf_token": token_for(client), "delivery": "immediate", "emailed": []},
    )
    assert response.status_code == 302
    manager = _user(world.manager)
    assert set(manager.muted_notices.split(",")) == {
        "milestone_reached",
        "new_message",
        "new_submission",
        "obligation_due",
        "obligation_changed",
    }


def test_bad_input_is_answered_next_to_the_field_and_changes_nothing(world, login):
    client = login(world.a.focal.email)
    token = token_for(client)
    audits = db.session.scalar(db.select(db.func.count(AuditEvent.id)))
    for data, message in (
        ({}, "Choose immediate emails or a daily digest."),
        ({"delivery": "hourly"}, "Choose immediate emails or a daily digest."),
        ({"delivery": "digest", "emailed": ["accreditation_decided"]}, "Unknown notification"),
        ({"delivery": "digest", "emailed": ["new_submission"]}, "Unknown notification"),
        ({"delivery": "digest", "emailed": ["<script>x</script>"]}, "Unknown notification"),
    ):
        response = client.post("/settings/notifications", data={"csrf_token": token, **data})
        assert response.status_code == 422, data
        html = response.get_data(as_text=True)
        assert message in html, data
        assert "<script>x</script>" not in html
        assert 'class="error" role="alert"' in html
    focal = _user(world.a.focal)
    assert (focal.notice_delivery, focal.muted_notices) == ("immediate", "")
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id))) == audits


def test_htmx_gets_the_form_back_with_its_errors(world, login):
    client = login(world.a.focal.email)
    response = client.post(
        "/settings/notifications",
        data={"csrf_token": token_for(client), "delivery": "weekly"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith("<form") and "<html" not in html
    assert "Choose immediate emails or a daily digest." in html


def test_partner_b_changes_only_their_own_row(world, login):
    client = login(world.b.focal.email)
    response = client.post(
        "/settings/notifications",
        data={"csrf_token": token_for(client), "delivery": "digest", "user_id": world.a.focal.id},
    )
    assert response.status_code == 302
    assert _user(world.b.focal).notice_delivery == "digest"
    assert _user(world.a.focal).notice_delivery == "immediate"


def test_without_a_csrf_token_nothing_changes(world, login):
    client = login(world.a.focal.email)
    response = client.post("/settings/notifications", data={"delivery": "digest"})
    assert response.status_code in (400, 422)
    assert _user(world.a.focal).notice_delivery == "immediate"


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/settings/notifications")
    assert response.status_code == 302 and response.location.startswith("/login")
