"""Guessing passwords: failed log-ins are counted per account and per client
address; while a budget is spent the right password is refused too, with a
plain answer saying when to try again; the account's owner is told once; an
unknown email is answered exactly like a known one. Asking for a new password
is throttled the same way."""

from __future__ import annotations

import re
import time
import uuid

import limits.storage.memory
import pytest
import redis

from portal import create_app
from portal.core.extensions import db
from portal.models import AuditEvent, OutboxEmail
from tests.helpers import PASSWORD, Auth, csrf_token

WRONG = "not-the-password"
ACCOUNT_MESSAGE = "Too many failed log-ins for this account. Try again in 15 minutes."
ADDRESS_MESSAGE = "Too many failed log-ins from your network. Try again in 15 minutes."
REDIS = "redis://127.0.0.1:6379/0"


def client_from(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def fail(client, email: str, times: int):
    auth = Auth(client)
    return [auth.login(email, WRONG).status_code for _ in range(times)]


@pytest.fixture
def focal(make_partner):
    return make_partner()[1]


@pytest.fixture
def clock(monkeypatch):
    """The limiter's memory store on a clock the test moves (no sleeping)."""

    class Clock:
        offset = 0.0

        def time(self) -> float:
            return time.time() + self.offset

        def advance(self, seconds: float) -> None:
            self.offset += seconds

    moving = Clock()
    monkeypatch.setattr(limits.storage.memory, "time", moving)
    return moving


def test_after_fifty_wrong_passwords_the_right_one_is_refused_with_the_reason(app, focal):
    client = client_from(app, "192.0.2.10")

    statuses = fail(client, focal.email, 50)
    right = Auth(client).login(focal.email, PASSWORD)

    assert statuses[:5] == [422] * 5  # "Email or password is incorrect."
    assert set(statuses[5:]) == {429}
    assert right.status_code == 429
    assert ACCOUNT_MESSAGE in text_of(right)
    assert 800 < int(right.headers["Retry-After"]) <= 900
    assert '<form id="login-form"' in right.get_data(as_text=True)  # the form, not a bare 429
    assert client.get("/").status_code == 302  # not logged in


def test_the_email_is_matched_as_log_in_matches_it(app, focal):
    client = client_from(app, "192.0.2.11")
    fail(client, focal.email.upper(), 5)

    assert Auth(client).login(focal.email).status_code == 429


def test_only_failures_count(app, focal):
    """The suite (and everyone who types their password right) logs in freely."""
    client = client_from(app, "192.0.2.12")
    auth = Auth(client)
    for _ in range(20):
        assert auth.login(focal.email).status_code == 302
        auth.logout()
    fail(client, focal.email, 4)
    assert auth.login(focal.email).status_code == 302
    auth.logout()
    assert fail(client, focal.email, 2) == [422, 429]  # the fifth failure spends it


def test_a_colleague_at_the_same_address_still_logs_in(app, make_partner, focal):
    _, colleague, _ = make_partner(name="Bravo Relief", acronym="BR")
    office = client_from(app, "192.0.2.20")
    fail(office, focal.email, 10)

    assert Auth(office).login(focal.email).status_code == 429
    assert Auth(office).login(colleague.email).status_code == 302


def test_an_address_that_fails_too_often_is_refused_for_every_account(app, make_partner, focal):
    _, colleague, _ = make_partner(name="Bravo Relief", acronym="BR")
    guesser = client_from(app, "192.0.2.30")
    for n in range(10):  # 10 accounts x 5 failures: the address's 50
        fail(guesser, f"guess{n}@example.org", 5)

    right = Auth(guesser).login(colleague.email)
    elsewhere = Auth(client_from(app, "192.0.2.31")).login(colleague.email)

    assert right.status_code == 429
    assert ADDRESS_MESSAGE in text_of(right)
    assert elsewhere.status_code == 302  # other addresses are not held up


def test_the_owner_is_told_once_in_the_inbox(app, smtp, focal):
    client = client_from(app, "192.0.2.40")
    fail(client, focal.email, 50)
    fail(client_from(app, "192.0.2.41"), focal.email, 5)  # another address, same window

    result = app.test_cli_runner().invoke(args=["outbox", "deliver"])
    assert result.exit_code == 0, result.output

    [notice] = smtp.inbox.to(focal.email)
    body = notice.get_body(("plain",)).get_content()
    assert "5 times" in body
    assert "http://127.0.0.1:5000/forgot-password" in body
    assert "/set-password/" not in body  # a link to ask for one, not a token
    [event] = db.session.scalars(db.select(AuditEvent).filter_by(action="login_throttled")).all()
    assert (event.object_id, event.partner_id) == (focal.id, focal.partner_id)


def test_an_unknown_email_is_answered_like_a_known_one(app, focal):
    client = client_from(app, "192.0.2.50")
    known = fail(client, focal.email, 6)
    unknown = fail(client, "nobody@example.org", 6)
    last = Auth(client).login("nobody@example.org", PASSWORD)

    assert known == unknown == [422] * 5 + [429]
    assert ACCOUNT_MESSAGE in text_of(last)
    recipients = db.session.scalars(db.select(OutboxEmail.recipients)).all()
    assert recipients == [focal.email]  # the owner's notice; nobody@ gets nothing


def test_the_limit_clears_after_the_window(app, clock, focal):
    client = client_from(app, "192.0.2.60")
    fail(client, focal.email, 5)

    clock.advance(14 * 60)
    assert Auth(client).login(focal.email).status_code == 429
    clock.advance(60 + 1)
    assert Auth(client).login(focal.email).status_code == 302


def test_under_htmx_the_form_comes_back_with_the_reason(app, focal):
    client = client_from(app, "192.0.2.70")
    fail(client, focal.email, 5)

    response = client.post(
        "/login",
        data={"email": focal.email, "password": PASSWORD},
        headers={"HX-Request": "true", "X-CSRFToken": csrf_token(client, "/login")},
    )

    assert response.status_code == 429
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<form id="login-form"') and "<html" not in body
    assert ACCOUNT_MESSAGE in text_of(response)


def test_with_redis_the_count_outlives_the_worker(app, database_url, focal, tmp_path):
    """The production store: what one worker counted, a newly started one knows."""
    prefix = f"throttle-test-{uuid.uuid4().hex}"
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "RATELIMIT_STORAGE_URI": REDIS,
        "RATELIMIT_KEY_PREFIX": prefix,
    }
    store = redis.Redis.from_url(REDIS)
    workers = []
    try:
        first = create_app(config, tmp_path)
        workers.append(first)
        assert fail(client_from(first, "192.0.2.80"), focal.email, 6) == [422] * 5 + [429]
        assert list(store.scan_iter(f"*{prefix}*")), "the failures are in Redis"

        restarted = create_app(config, tmp_path)
        workers.append(restarted)
        refused = Auth(client_from(restarted, "192.0.2.81")).login(focal.email)
        assert refused.status_code == 429
        assert ACCOUNT_MESSAGE in text_of(refused)
    finally:
        for key in store.scan_iter(f"*{prefix}*"):
            store.delete(key)
        store.close()
        for worker in workers:
            with worker.app_context():
                db.session.remove()
                db.engine.dispose()


# --- asking for a new password ------------------------------------------------


def ask_for_a_link(client, email: str):
    token = csrf_token(client, "/forgot-password")
    return client.post("/forgot-password", data={"email": email, "csrf_token": token})


def test_a_forgotten_password_gets_a_link_and_the_answer_is_the_same_for_anyone(app, focal):
    client = client_from(app, "192.0.2.90")
    known = ask_for_a_link(client, focal.email)
    unknown = ask_for_a_link(client, "nobody@example.org")

    assert known.status_code == unknown.status_code == 200
    assert "a link to set a new password is on its way" in text_of(known)
    assert text_of(known).replace(focal.email, "X") == text_of(unknown).replace(
        "nobody@example.org", "X"
    )
    [email] = db.session.scalars(db.select(OutboxEmail)).all()
    assert email.recipients == focal.email
    link = re.search(r"http://\S+/set-password/\S+", email.body_text).group(0)
    assert client.get(link.removeprefix("http://127.0.0.1:5000")).status_code == 200


def test_asking_for_links_too_often_is_refused_plainly(app, focal):
    client = client_from(app, "192.0.2.91")
    statuses = [ask_for_a_link(client, focal.email).status_code for _ in range(5)]
    refused = ask_for_a_link(client, focal.email)

    assert statuses == [200] * 3 + [429] * 2
    assert "Too many requests for a new password for this account." in text_of(refused)
    assert db.session.scalar(db.select(db.func.count(OutboxEmail.id))) == 3


def test_behind_a_proxy_each_client_address_is_counted_apart(
    app, database_url, make_partner, tmp_path
):
    """PROXY_COUNT=1: the address the proxy saw, not the proxy's own."""
    _, focal, _ = make_partner()
    _, colleague, _ = make_partner(name="Bravo Relief", acronym="BR")
    proxied = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "PROXY_COUNT": 1},
        tmp_path,
    )
    try:
        guesser = client_from(proxied, "10.0.0.1")  # the proxy
        guesser.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.1"
        for n in range(10):
            fail(guesser, f"guess{n}@example.org", 5)
        office = client_from(proxied, "10.0.0.1")
        office.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.2"

        assert Auth(guesser).login(colleague.email).status_code == 429
        assert Auth(office).login(colleague.email).status_code == 302
    finally:
        with proxied.app_context():
            db.session.remove()
            db.engine.dispose()


def test_with_redis_down_people_still_log_in(app, database_url, focal, caplog, tmp_path):
    """The counters' outage is logged; it does not lock everyone out."""
    down = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        },
        tmp_path,
    )
    try:
        client = client_from(down, "192.0.2.100")
        assert fail(client, focal.email, 2) == [422, 422]
        assert Auth(client).login(focal.email).status_code == 302
        assert "rate-limit store is unreachable" in caplog.text
    finally:
        with down.app_context():
            db.session.remove()
            db.engine.dispose()
