"""Logging in and out, one-time password links, the session cookie and CSRF,
as a person at a browser meets them."""

from __future__ import annotations

import html
import io
import json
import re
import stat
from datetime import timedelta

import pytest

from portal import create_app
from portal.accounts.passwords import issue_token
from portal.core import config as settings
from portal.core.extensions import db
from portal.demo import sample_pdf
from portal.models import PasswordToken, Submission, utcnow
from tests.helpers import PASSWORD, Auth, csrf_token, token_for

GOOD_PASSWORD = "a-brand-new-passphrase"


def field_errors(page: str, field_id: str) -> list[str]:
    """The error messages shown next to one form field."""
    match = re.search(rf'<div id="{field_id}-help">(.*?)</div>', page, re.S)
    assert match, f"no field {field_id!r} on the page"
    return [html.unescape(m) for m in re.findall(r'<p class="error">(.*?)</p>', match.group(1))]


def post_login(client, email: str, password: str, next_: str | None = None):
    token = csrf_token(client, "/login")
    return client.post(
        "/login",
        query_string={"next": next_} if next_ is not None else None,
        data={"email": email, "password": password, "csrf_token": token},
    )


def is_logged_in(client) -> bool:
    """Whether a protected page opens (rather than sending to the login page)."""
    response = client.get("/")
    return not response.location.startswith("/login")


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def upload_url(side) -> str:
    return f"/accreditations/{side.accreditation.id}/requirements/{side.requirement.id}/submissions"


def body_token(client) -> str:
    """The token htmx sends: the X-CSRFToken of `<body hx-headers>`."""
    page = client.get("/accreditation").get_data(as_text=True)
    match = re.search(r"<body hx-headers='([^']+)'>", page)
    assert match, "no hx-headers on <body>"
    return json.loads(html.unescape(match.group(1)))["X-CSRFToken"]


# --- logging in -------------------------------------------------------------


def test_a_partner_lands_on_their_accreditation(client, make_partner):
    _, focal, _ = make_partner()
    response = post_login(client, focal.email, PASSWORD)
    assert response.status_code == 302
    assert response.location == "/accreditation"
    page = client.get("/accreditation").get_data(as_text=True)
    assert "Alpha Health" in page and focal.name in page


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_staff_land_on_their_own_actions(client, staff, role):
    response = post_login(client, staff[role].email, PASSWORD)
    assert response.status_code == 302
    assert response.location == "/my-actions"
    assert client.get("/").location == "/my-actions"


def test_the_email_is_not_case_sensitive(client, make_partner):
    _, focal, _ = make_partner()
    response = post_login(client, focal.email.upper(), PASSWORD)
    assert response.status_code == 302
    assert is_logged_in(client)


def test_wrong_password_and_unknown_email_get_the_same_answer(app, make_partner):
    """Nobody can learn from the login form which addresses have an account."""
    _, focal, _ = make_partner()
    answers = {}
    for email in (focal.email, "nobody@nowhere.example.org"):
        client = app.test_client()
        response = post_login(client, email, "not-the-password")
        page = response.get_data(as_text=True)
        assert response.status_code == 422
        assert field_errors(page, "password") == ["Email or password is incorrect."]
        assert f'value="{email}"' in page, "the email should stay in the form"
        assert 'name="password"' in page and "not-the-password" not in page
        assert not is_logged_in(client)
        # The same page apart from the address typed and the session's token.
        page = page.replace(email, "EMAIL")
        answers[email] = re.sub(r'(value="|"X-CSRFToken": ")[\w.-]{40,}', r"\1TOKEN", page)
    wrong_password, unknown_email = answers.values()
    assert wrong_password == unknown_email


def test_an_empty_form_shows_what_is_missing(client):
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"email": "", "password": "", "csrf_token": token})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_errors(page, "email") and field_errors(page, "password")


def test_a_deactivated_user_cannot_log_in(client, make_partner):
    _, focal, _ = make_partner()
    focal.active = False
    db.session.commit()
    response = post_login(client, focal.email, PASSWORD)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    # The right password: told the account is deactivated (and whom to ask, see
    # test_account_report_fixes); a wrong one is told nothing more than anyone.
    (error,) = field_errors(page, "password")
    assert error.startswith("This account is deactivated.")
    assert not is_logged_in(client)
    wrong = post_login(client, focal.email, "not-the-password").get_data(as_text=True)
    assert field_errors(wrong, "password") == ["Email or password is incorrect."]


def test_deactivating_a_user_ends_their_open_session(login, make_partner):
    _, focal, _ = make_partner()
    client = login(focal.email)
    assert client.get("/accreditation").status_code == 200
    focal.active = False
    db.session.commit()
    response = client.get("/accreditation")
    assert response.status_code == 302
    assert response.location.startswith("/login")


# --- where to go after logging in -----------------------------------------


def test_a_local_next_page_is_followed(client, make_partner):
    _, focal, accreditation = make_partner()
    target = f"/accreditations/{accreditation.id}"
    # The login page is where an anonymous visit to the page sent them.
    sent = client.get(target)
    assert sent.location == f"/login?next={target}"
    response = post_login(client, focal.email, PASSWORD, next_=target)
    assert response.status_code == 302
    assert response.location == target
    assert client.get(target).status_code == 200


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "http://evil.example/accreditation",
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",  # browsers drop tabs: this would be //evil.example
        "javascript:alert(document.cookie)",
        "accreditation",
    ],
)
def test_a_next_page_elsewhere_is_not_followed(client, make_partner, target):
    _, focal, _ = make_partner()
    response = post_login(client, focal.email, PASSWORD, next_=target)
    assert response.status_code == 302
    assert response.location == "/accreditation"


# --- the session cookie -----------------------------------------------------


def session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, "logging in set no session cookie"
    return cookies[-1]


def test_the_session_cookie_is_out_of_reach_of_scripts_and_other_sites(client, make_partner):
    _, focal, _ = make_partner()
    cookie = session_cookie(Auth(client).login(focal.email))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


@pytest.mark.parametrize(
    ("env_secure", "debug", "secure"),
    [
        (None, False, True),  # production: the default
        (None, True, False),  # `flask run --debug` on http://127.0.0.1
        ("0", False, False),  # plain HTTP on a trusted network, said out loud
    ],
)
def test_the_session_cookie_is_https_only_unless_in_debug(
    app, database_url, make_partner, monkeypatch, tmp_path, env_secure, debug, secure
):
    """An app built with the default setting, as `wsgi.py` builds it."""
    _, focal, _ = make_partner()
    if env_secure is None:
        monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    else:
        monkeypatch.setenv("SESSION_COOKIE_SECURE", env_secure)
    monkeypatch.setenv("FLASK_DEBUG", "1" if debug else "0")
    deployed = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
        },
        instance_path=tmp_path / "deployed",
    )
    try:
        assert deployed.debug is debug
        response = Auth(deployed.test_client()).login(focal.email)
        assert response.status_code == 302
        cookie = session_cookie(response)
        assert ("Secure" in cookie.split("; ")) is secure
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    finally:
        with deployed.app_context():
            db.session.remove()
            db.engine.dispose()


# --- the secret key ---------------------------------------------------------


def test_without_secret_key_one_is_generated_once_and_kept(tmp_path, monkeypatch):
    """Sessions survive a restart: the generated key is written and read back."""
    monkeypatch.delenv("SECRET_KEY", raising=False)
    instance = tmp_path / "instance"  # not there yet, as on a fresh checkout
    first = settings.load(instance, debug=False)["SECRET_KEY"]
    stored = instance / "secret_key"
    assert stored.read_text().strip() == first
    assert len(first) >= 64
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600, "only the owner may read the key"
    assert settings.load(instance, debug=False)["SECRET_KEY"] == first
    # Another installation gets a key of its own.
    assert settings.load(tmp_path / "other", debug=False)["SECRET_KEY"] != first


def test_a_secret_key_from_the_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    instance = tmp_path / "instance"
    assert settings.load(instance, debug=False)["SECRET_KEY"] == "from-the-environment"
    assert not (instance / "secret_key").exists()


def test_with_the_key_in_the_environment_the_sqlite_folder_is_still_made(tmp_path, monkeypatch):
    """Production sets SECRET_KEY; the first `flask db upgrade` on the default
    SQLite file must still find its folder."""
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    instance = tmp_path / "instance"
    url = settings.load(instance, debug=False)["SQLALCHEMY_DATABASE_URI"]
    assert instance.is_dir() and url == f"sqlite:///{instance / 'portal.db'}"


def test_the_app_uses_the_key_kept_in_its_instance_folder(database_url, monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    instance = tmp_path / "instance"
    built = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url}, instance)
    with built.app_context():
        db.engine.dispose()
    assert built.instance_path == str(instance)
    assert built.config["SECRET_KEY"] == (instance / "secret_key").read_text().strip()


# --- logging out ------------------------------------------------------------


def test_logging_out_ends_the_session(auth, client, make_partner):
    _, focal, accreditation = make_partner()
    auth.login(focal.email)
    response = auth.logout()
    assert response.status_code == 302
    assert response.location == "/login"
    assert "You are logged out." in client.get("/login").get_data(as_text=True)
    for path in ("/", "/accreditation", f"/accreditations/{accreditation.id}"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.location.startswith("/login?next="), path


def test_a_link_cannot_log_anyone_out(auth, client, make_partner):
    _, focal, _ = make_partner()
    auth.login(focal.email)
    response = client.get("/logout")
    assert response.status_code == 405
    assert "That action is not available here." in response.get_data(as_text=True)
    assert is_logged_in(client)


def test_logging_out_needs_the_csrf_token(auth, client, make_partner):
    """Another site cannot post a form that logs the user out."""
    _, focal, _ = make_partner()
    auth.login(focal.email)
    response = client.post("/logout", data={})
    assert response.status_code == 400
    assert "Reload the page and try again" in response.get_data(as_text=True)
    assert is_logged_in(client)
    response = client.post("/logout", data={"csrf_token": "forged"})
    assert response.status_code == 400
    assert is_logged_in(client)


# --- one-time password links ------------------------------------------------


@pytest.fixture
def invited(make_user):
    """A new user with no password yet, and the raw token of their link."""
    user = make_user("newcomer@example.org", role="manager", password=None)
    token = issue_token(user)
    db.session.commit()
    return user, f"/set-password/{token}"


def post_password(client, link: str, password: str, confirm: str):
    token = csrf_token(client, link)
    return client.post(link, data={"password": password, "confirm": confirm, "csrf_token": token})


def test_the_link_shows_the_set_password_form(client, invited):
    _, link = invited
    response = client.get(link)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Set your password" in page
    assert 'name="password"' in page and 'name="confirm"' in page
    assert "At least 10 characters." in page


def test_passwords_that_differ_are_refused_next_to_the_field(client, invited):
    user, link = invited
    response = post_password(client, link, GOOD_PASSWORD, GOOD_PASSWORD + "x")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_errors(page, "confirm") == ["The passwords do not match."]
    assert field_errors(page, "password") == []
    assert GOOD_PASSWORD not in page, "a password is never echoed back"
    assert not is_logged_in(client)
    db.session.refresh(user)
    assert user.password_hash is None
    assert client.get(link).status_code == 200, "the link still works"


def test_a_short_password_is_refused_next_to_the_field(client, invited):
    user, link = invited
    response = post_password(client, link, "short", "short")
    assert response.status_code == 422
    errors = field_errors(response.get_data(as_text=True), "password")
    assert len(errors) == 1 and "10" in errors[0]
    assert not is_logged_in(client)
    db.session.refresh(user)
    assert user.password_hash is None
    assert client.get(link).status_code == 200, "the link still works"
    # And the person can go on to set a good one with it.
    assert post_password(client, link, GOOD_PASSWORD, GOOD_PASSWORD).status_code == 302


def test_a_good_password_logs_in_and_the_link_then_stops_working(app, client, invited):
    user, link = invited
    response = post_password(client, link, GOOD_PASSWORD, GOOD_PASSWORD)
    assert response.status_code == 302
    assert response.location == "/my-actions"
    page = client.get("/my-actions").get_data(as_text=True)
    assert "Your password is set." in page and user.name in page

    again = app.test_client().get(link)
    assert again.status_code == 410
    assert "This link is no longer valid" in again.get_data(as_text=True)
    # Nor can it be posted to again, even by the browser that still has the form.
    response = post_password(app.test_client(), link, "someone-elses-password", "x")
    assert response.status_code == 410
    # The new password is the one that works.
    other = app.test_client()
    assert post_login(other, user.email, GOOD_PASSWORD).status_code == 302
    assert post_login(app.test_client(), user.email, "someone-elses-password").status_code == 422


def test_an_expired_link_is_refused(client, invited):
    user, link = invited
    token = db.session.scalar(db.select(PasswordToken).filter_by(user_id=user.id))
    token.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = client.get(link)
    assert response.status_code == 410
    page = response.get_data(as_text=True)
    assert "This link is no longer valid" in page
    assert 'href="/login"' in page
    assert "Traceback" not in page
    # A form opened before it expired cannot be used either.
    response = client.post(
        link,
        data={
            "password": GOOD_PASSWORD,
            "confirm": GOOD_PASSWORD,
            "csrf_token": csrf_token(client, "/login"),
        },
    )
    assert response.status_code == 410
    db.session.refresh(user)
    assert user.password_hash is None


@pytest.mark.parametrize("token", ["not-a-real-token", "x" * 43])
def test_an_unknown_link_gets_a_friendly_page(client, token):
    response = client.get(f"/set-password/{token}")
    assert response.status_code in (404, 410)
    page = response.get_data(as_text=True)
    assert "<h1>" in page and "Traceback" not in page
    assert re.search(r"ask the programme\s+team to send you a new invitation", page)


# --- CSRF -------------------------------------------------------------------


def test_logging_in_needs_the_csrf_token(client, make_partner):
    _, focal, _ = make_partner()
    response = client.post("/login", data={"email": focal.email, "password": PASSWORD})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Your session expired or the form was stale." in page
    assert not is_logged_in(client)


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_a_post_without_csrf_token_is_refused_and_changes_nothing(world, login, htmx):
    client = login(world.a.focal.email)
    before = count(Submission)
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(
        upload_url(world.a),
        data={"file": (io.BytesIO(sample_pdf("Forged")), "forged.pdf")},
        headers=headers,
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Your session expired or the form was stale." in page
    assert "nothing was saved" in page
    assert ("<html" in page) is not htmx
    if htmx:
        assert response.headers["HX-Retarget"] == "#alerts"
    assert count(Submission) == before


def test_a_token_of_another_session_is_refused(world, login):
    """A token is good for the session it was given to, not for another person's."""
    client = login(world.a.focal.email)
    stolen = token_for(login(world.b.focal.email))
    before = count(Submission)
    response = client.post(
        upload_url(world.a),
        data={"file": (io.BytesIO(sample_pdf("Forged")), "forged.pdf")},
        headers={"HX-Request": "true", "X-CSRFToken": stolen},
    )
    assert response.status_code == 400
    assert count(Submission) == before


def test_htmx_sends_the_token_from_the_body_and_is_accepted(world, login):
    client = login(world.a.focal.email)
    before = count(Submission)
    response = client.post(
        upload_url(world.a),
        data={"file": (io.BytesIO(sample_pdf("New version")), "new-version.pdf")},
        headers={"HX-Request": "true", "X-CSRFToken": body_token(client)},
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<html" not in page
    assert "version 2 uploaded and sent for review" in page
    assert count(Submission) == before + 1
