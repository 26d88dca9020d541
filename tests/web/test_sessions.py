"""Sessions end when they should: at logout (a copied cookie too), on a password
change and on deactivation (reactivating revives no old cookie); logging in
starts a new session with a new CSRF token."""

from __future__ import annotations

from portal.accounts.passwords import issue_token
from portal.core.extensions import db
from portal.models import User
from portal.partners.people import set_user_access
from tests.helpers import PASSWORD, Auth, csrf_token


def _copy_of(app, client):
    """A second browser holding the same session cookie (a stolen copy)."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def _signed_in(client) -> bool:
    return client.get("/notifications").status_code == 200


def test_a_copied_cookie_stops_working_at_logout(app, world, login):
    client = login(world.a.focal.email)
    copy = _copy_of(app, client)
    assert _signed_in(copy)

    assert Auth(client).logout().status_code == 302

    assert not _signed_in(client)
    response = copy.get("/notifications")
    assert response.status_code == 302 and "/login" in response.location


def test_logout_ends_the_users_other_sessions_too(app, world, login):
    laptop, phone = login(world.a.focal.email), login(world.a.focal.email)
    Auth(laptop).logout()
    assert not _signed_in(phone)
    assert _signed_in(login(world.a.focal.email))  # and a new login works


def test_logging_in_starts_a_new_session_with_a_new_csrf_token(app, world):
    client = app.test_client()
    before = csrf_token(client, "/login")
    planted = client.get_cookie("session").value
    assert Auth(client).login(world.a.focal.email).status_code == 302
    assert client.get_cookie("session").value != planted
    after = csrf_token(client, "/")
    assert after != before
    # The token from before the login no longer passes.
    response = client.post("/logout", data={"csrf_token": before})
    assert response.status_code == 400
    assert _signed_in(client)


def test_deactivating_ends_the_sessions_and_reactivating_revives_none(app, world, login):
    client = login(world.a.focal.email)
    colleague = db.session.get(User, world.a.focal.id)
    set_user_access(world.admin, colleague, active=False)
    db.session.commit()
    assert not _signed_in(client)
    set_user_access(world.admin, db.session.get(User, colleague.id), active=True)
    db.session.commit()
    assert not _signed_in(client), "the old cookie must not come back to life"
    assert _signed_in(login(world.a.focal.email))


def test_a_new_password_ends_every_other_session(app, world, login):
    old = login(world.a.focal.email)
    raw = issue_token(db.session.get(User, world.a.focal.id))
    db.session.commit()
    browser = app.test_client()
    token = csrf_token(browser, f"/set-password/{raw}")
    response = browser.post(
        f"/set-password/{raw}",
        data={"csrf_token": token, "password": PASSWORD + "-new", "confirm": PASSWORD + "-new"},
    )
    assert response.status_code == 302
    assert _signed_in(browser)
    assert not _signed_in(old)
