"""Error answers a person can read: a whole page for a page request, and for an
HTMX request a small alert that htmx puts into the page's alert area."""

from __future__ import annotations

import io
import logging
import re

import pytest
from flask_login import current_user
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from portal.core.extensions import db
from portal.demo import sample_pdf
from portal.models import Partner, Submission, User
from tests.helpers import token_for

HTMX = {"HX-Request": "true"}
LEAKS = re.compile(r"Traceback|File \"/|werkzeug|sqlalchemy|IntegrityError|jinja2", re.I)


def assert_page(response, code: int, title: str, message: str) -> str:
    """A whole friendly page: the code, a heading, the message, a way back home."""
    assert response.status_code == code
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert page.lstrip().startswith("<!doctype html>")
    assert f"<h1>{title}</h1>" in page
    assert message in page
    assert re.search(r'<a class="button" href="/">Go to the start page</a>', page)
    assert not LEAKS.search(page), LEAKS.search(page)
    return page


def assert_fragment(response, code: int, title: str, message: str) -> str:
    """An alert for the page's alert area, whatever the request meant to swap."""
    assert response.status_code == code
    page = response.get_data(as_text=True)
    assert "<html" not in page and "<body" not in page
    assert page.startswith('<div class="alert alert-error" role="alert">')
    assert f"<strong>{title}.</strong>" in page
    assert message in page
    assert response.headers["HX-Retarget"] == "#alerts"
    assert response.headers["HX-Reswap"] == "innerHTML"
    assert not LEAKS.search(page)
    return page


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def upload(client, side, data: dict, headers: dict | None = None):
    """POST an upload as a browser encodes it, the body built in memory (the test
    client would spool a large one to a temporary file it never closes)."""
    boundary, body = encode_multipart(data)
    response = client.post(
        upload_url(side),
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers=headers or {},
    )
    response.get_data()
    response.close()
    return response


def upload_url(side) -> str:
    return f"/accreditations/{side.accreditation.id}/requirements/{side.requirement.id}/submissions"


# --- 404, 403, 405 ------------------------------------------------------------


def test_an_unknown_address_gets_a_friendly_page(client):
    response = client.get("/no/such/page")
    assert_page(response, 404, "Not found", "There is nothing here")


def test_an_unknown_address_under_htmx_gets_an_alert(client):
    response = client.get("/no/such/page", headers=HTMX)
    assert_fragment(response, 404, "Not found", "There is nothing here")


def test_a_logged_in_person_gets_the_same_page_with_their_menu(world, login):
    client = login(world.a.focal.email)
    page = assert_page(client.get("/no/such/page"), 404, "Not found", "There is nothing here")
    assert world.a.focal.name in page and "Log out" in page


def test_a_partner_on_a_staff_page_is_told_it_is_not_allowed(world, login):
    client = login(world.a.focal.email)
    assert_page(client.get("/review"), 403, "Not allowed", "You do not have permission")
    assert_fragment(
        client.get("/review", headers=HTMX), 403, "Not allowed", "You do not have permission"
    )


def test_a_wrong_method_gets_a_friendly_page(world, login):
    client = login(world.a.focal.email)
    response = client.get(upload_url(world.a))
    assert_page(response, 405, "Not allowed", "That action is not available here.")
    assert_fragment(
        client.delete("/logout", headers=HTMX), 405, "Not allowed", "not available here"
    )


def test_a_wrong_method_says_which_methods_are_allowed(client):
    """HTTP requires a 405 to list the methods the address accepts."""
    response = client.get("/logout")
    assert response.status_code == 405
    assert response.headers.get("Allow", "").split(", ").count("POST") == 1


# --- 500 ------------------------------------------------------------------------


@pytest.fixture
def failing_route(app):
    """A page that breaks halfway through a change: it has added a partner when the
    database refuses the next row (a second user with the same email)."""

    def fail_on_database():
        db.session.add(Partner(name="Ghost Partner", acronym="GP"))
        db.session.add(User(email=current_user.email, name="Twin", role="partner"))
        db.session.flush()
        return "unreachable"

    def fail_in_code():
        db.session.add(Partner(name="Ghost Partner", acronym="GP"))
        raise RuntimeError("secret internals: /srv/portal/portal/views.py line 42")

    # Rules can only be added before the app's first request.
    app.add_url_rule("/test/fail-on-database", view_func=fail_on_database, methods=["POST"])
    app.add_url_rule("/test/fail-in-code", view_func=fail_in_code)
    return app


def test_a_crash_shows_a_friendly_page_and_saves_nothing(failing_route, world, login, caplog):
    client = login(world.a.focal.email)
    with caplog.at_level(logging.ERROR, logger=failing_route.logger.name):
        response = client.post("/test/fail-on-database", data={"csrf_token": token_for(client)})
    page = assert_page(response, 500, "Something went wrong", "Nothing you entered was saved")
    # The page around the message still knows who is logged in: the session was
    # rolled back, so the database can still be asked after the failed change.
    assert world.a.focal.name in page and world.a.partner.acronym in page
    assert db.session.scalar(db.select(Partner).filter_by(name="Ghost Partner")) is None
    assert "Unhandled error" in caplog.text, "the error should be logged for the team"
    # The next request works as usual.
    assert client.get("/accreditation").status_code == 200


def test_a_crash_under_htmx_gets_an_alert(failing_route, world, login):
    client = login(world.a.focal.email)
    response = client.get("/test/fail-in-code", headers=HTMX)
    page = assert_fragment(response, 500, "Something went wrong", "Nothing you entered was saved")
    assert "secret internals" not in page
    assert db.session.scalar(db.select(Partner).filter_by(name="Ghost Partner")) is None


def test_a_crash_page_does_not_show_the_exception(failing_route, world, login):
    client = login(world.a.focal.email)
    response = client.get("/test/fail-in-code")
    page = assert_page(response, 500, "Something went wrong", "please try again")
    assert "secret internals" not in page and "RuntimeError" not in page


# --- 413 ------------------------------------------------------------------------


@pytest.fixture
def one_mb_limit(app):
    """A 1 MB limit, set the way portal/core/config.py derives it, to keep the test fast."""
    app.config["MAX_UPLOAD_MB"] = 1
    app.config["MAX_CONTENT_LENGTH"] = 1 * 1024 * 1024 + 64 * 1024
    return app


def stored_files(app) -> list:
    from pathlib import Path

    root = Path(app.config["UPLOAD_DIR"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def big_pdf(size: int) -> FileStorage:
    """A real PDF of `size` bytes (a PDF comment pads it), as a browser sends it."""
    data = sample_pdf("Scanned annual report")
    data += b"%" * (size - len(data))
    return FileStorage(io.BytesIO(data), filename="scan.pdf", content_type="application/pdf")


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_a_body_over_the_limit_is_refused_with_the_limit_in_mb(one_mb_limit, world, login, htmx):
    client = login(world.a.focal.email)
    before, files = count(Submission), stored_files(one_mb_limit)
    response = upload(
        client,
        world.a,
        {"csrf_token": token_for(client), "file": big_pdf(2 * 1024 * 1024)},
        HTMX if htmx else {},
    )
    check = assert_fragment if htmx else assert_page
    check(response, 413, "File too large", "larger than the 1 MB limit")
    assert count(Submission) == before
    assert stored_files(one_mb_limit) == files


def test_a_file_just_over_the_limit_is_refused_by_the_upload_form(one_mb_limit, world, login):
    """Within the multipart headroom the body gets through, and the upload form
    itself says the file is too large, next to the document it was meant for."""
    client = login(world.a.focal.email)
    before, files = count(Submission), stored_files(one_mb_limit)
    response = upload(
        client,
        world.a,
        {"csrf_token": token_for(client), "file": big_pdf(1024 * 1024 + 1)},
        HTMX,
    )
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "<html" not in page
    error = re.search(rf'id="file-{world.a.requirement.id}-help" role="alert">([^<]*)<', page)
    assert error and error.group(1) == "The file is larger than 1 MB."
    assert count(Submission) == before
    assert stored_files(one_mb_limit) == files, "no partial file is left behind"


def test_a_file_within_the_limit_is_accepted(one_mb_limit, world, login):
    """The other side of the tests above: the limit is the limit, not less."""
    client = login(world.a.focal.email)
    before = count(Submission)
    response = upload(
        client, world.a, {"csrf_token": token_for(client), "file": big_pdf(1024 * 1024)}
    )
    assert response.status_code == 302
    assert count(Submission) == before + 1


def test_signed_in_pages_are_never_cached_and_https_is_remembered(app, world, login, client):
    app.config["SESSION_COOKIE_SECURE"] = True
    anonymous = client.get("/login")
    assert "Cache-Control" not in anonymous.headers
    assert anonymous.headers["Strict-Transport-Security"] == "max-age=31536000"
    signed_in = login(world.a.focal.email)
    for path in ("/accreditation", "/notifications", f"/vault/{world.a.vault_document.id}/file"):
        response = signed_in.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
        response.close()
    static = signed_in.get("/static/css/portal.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")  # the same for all
    static.close()
    app.config["SESSION_COOKIE_SECURE"] = False  # plain HTTP on a trusted network
    assert "Strict-Transport-Security" not in client.get("/login").headers
