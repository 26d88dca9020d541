"""Which language a page is in: the reader's own choice, else their partner's
reporting language, else their browser's; and the days they type, day first."""

from __future__ import annotations

import re
from datetime import date

import pytest

from portal.core.extensions import db
from portal.core.forms import typed_day
from tests.helpers import csrf_token


def language_of(response) -> str:
    return re.search(r'<html lang="([a-z]+)"', response.get_data(as_text=True)).group(1)


def choose(client, language: str, next_page: str = "/login"):
    token = csrf_token(client, next_page)
    return client.post(
        "/language", data={"language": language, "next": next_page, "csrf_token": token}
    )


def test_the_browser_s_language_decides_for_someone_not_logged_in(client):
    french = client.get("/login", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})
    assert language_of(french) == "fr"
    assert 'value="fr" lang="fr" aria-current="true" title="Français"' in french.get_data(
        as_text=True
    )
    assert language_of(client.get("/login", headers={"Accept-Language": "de"})) == "en"
    assert language_of(client.get("/login")) == "en"


def test_the_switcher_is_remembered_before_and_after_logging_in(client, auth, make_partner):
    _, focal, _ = make_partner()
    answer = choose(client, "fr")
    assert answer.status_code == 302 and answer.headers["Location"] == "/login"
    assert language_of(client.get("/login", headers={"Accept-Language": "en"})) == "fr"

    auth.login(focal.email)
    page = client.get("/accreditation", follow_redirects=True)
    assert language_of(page) == "fr"
    assert "Se déconnecter" in page.get_data(as_text=True)

    choose(client, "en", "/accreditation")
    db.session.refresh(focal)
    assert focal.language == "en"  # kept on the account: the next session too
    auth.logout()
    client.delete_cookie("session")
    auth.login(focal.email)
    assert language_of(client.get("/accreditation", headers={"Accept-Language": "fr"})) == "en"


def test_a_partner_reads_in_its_reporting_language_unless_they_chose(client, auth, make_partner):
    partner, focal, _ = make_partner()
    partner.language = "fr"
    db.session.commit()
    auth.login(focal.email)
    page = client.get("/accreditation", follow_redirects=True, headers={"Accept-Language": "en"})
    assert language_of(page) == "fr" and "Mon accréditation" in page.get_data(as_text=True)


def test_kinyarwanda_falls_back_to_english_message_by_message(client):
    choose(client, "rw")
    page = client.get("/login")
    assert language_of(page) == "rw"
    assert "Ikinyarwanda" in page.get_data(as_text=True)


def test_a_language_the_portal_does_not_speak_changes_nothing(client):
    choose(client, "fr")
    choose(client, "xx")
    assert language_of(client.get("/login")) == "fr"


def test_the_switcher_only_follows_a_path_on_this_site(client):
    token = csrf_token(client, "/login")
    answer = client.post(
        "/language", data={"language": "fr", "next": "//evil.example/", "csrf_token": token}
    )
    assert answer.headers["Location"] == "/"


def test_french_dates_in_pages(app):
    from flask_babel import force_locale

    from portal.core.filters import day, filesize

    with app.test_request_context(), force_locale("fr"):
        assert day(date(2026, 12, 3)) == "03 déc. 2026"
        assert filesize(1536) == "1,5 kB"
    with app.test_request_context():
        assert day(date(2026, 12, 3)) == "03 Dec 2026"
        assert filesize(2) == "2 bytes"


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("03/12/2026", date(2026, 12, 3)),
        ("3.12.2026", date(2026, 12, 3)),
        (" 2026-12-03 ", date(2026, 12, 3)),
        ("31/02/2027", None),
        ("12/31/2026", None),  # month first is not how the pages write dates
        ("03/12/26", None),
        ("tomorrow", None),
    ],
)
def test_days_are_typed_day_first_or_iso(typed, meant):
    assert typed_day(typed) == meant
