"""What a deployment must get right: links in emails come from configuration
only (a request's Host header, which anyone can forge, never decides where an
invitation sends its reader), and settings that would do harm stop the start."""

from __future__ import annotations

import re

import pytest

from portal import create_app
from portal.accounts.invitations import invite
from portal.core.extensions import db
from portal.models import OutboxEmail

FORGED = "evil.example.org"
REDIS = "redis://127.0.0.1:6379/0"


def _invitation_under(app, host: str, user) -> str:
    """Invite `user` while handling a request that says it is for `host`."""
    with app.test_request_context("/organisation/people", base_url=f"http://{host}"):
        invite(user)
    db.session.commit()
    email = db.session.scalars(
        db.select(OutboxEmail).where(OutboxEmail.recipients == user.email)
    ).all()[-1]
    return re.search(r"https?://\S+/set-password/\S+", email.body_text).group(0)


def test_a_forged_host_does_not_reach_the_invitation(app, world):
    link = _invitation_under(app, FORGED, world.a.focal)
    assert FORGED not in link
    assert link.startswith("http://127.0.0.1:5000/set-password/")  # development: no PORTAL_URL


def test_with_portal_url_every_link_starts_there(app, world):
    app.config["PORTAL_URL"] = "https://portal.example.org"
    link = _invitation_under(app, FORGED, world.a.focal)
    assert link.startswith("https://portal.example.org/set-password/")


def test_trusted_hosts_turn_a_forged_host_away(app, world, client):
    app.config["TRUSTED_HOSTS"] = ["localhost", "portal.example.org"]
    assert client.get("/login", headers={"Host": FORGED}).status_code == 400
    assert client.get("/login", headers={"Host": "portal.example.org"}).status_code == 200
    link = _invitation_under(app, "portal.example.org", world.a.focal)
    assert link.startswith("http://portal.example.org/set-password/")


def test_a_deployed_start_without_portal_url_is_refused(database_url, monkeypatch, tmp_path):
    monkeypatch.setenv("FLASK_DEBUG", "0")
    monkeypatch.setenv("SECRET_KEY", "a-deployed-secret")
    monkeypatch.delenv("PORTAL_URL", raising=False)
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", REDIS)
    with pytest.raises(RuntimeError, match="PORTAL_URL is not set"):
        create_app({"SQLALCHEMY_DATABASE_URI": database_url}, tmp_path)
    monkeypatch.setenv("PORTAL_URL", "https://portal.example.org/")
    deployed = create_app({"SQLALCHEMY_DATABASE_URI": database_url}, tmp_path)
    assert deployed.config["PORTAL_URL"] == "https://portal.example.org"


@pytest.mark.parametrize("storage", [None, "memory://"])
def test_a_deployed_start_without_redis_for_the_limiter_is_refused(
    database_url, monkeypatch, storage, tmp_path
):
    """Failed log-ins counted in each worker's memory would be multiplied by the
    workers and forgotten at each restart."""
    monkeypatch.setenv("FLASK_DEBUG", "0")
    monkeypatch.setenv("SECRET_KEY", "a-deployed-secret")
    monkeypatch.setenv("PORTAL_URL", "https://portal.example.org")
    if storage is None:
        monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    else:
        monkeypatch.setenv("RATELIMIT_STORAGE_URI", storage)
    with pytest.raises(RuntimeError, match="RATELIMIT_STORAGE_URI is not a Redis address"):
        create_app({"SQLALCHEMY_DATABASE_URI": database_url}, tmp_path)
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", REDIS)
    deployed = create_app({"SQLALCHEMY_DATABASE_URI": database_url}, tmp_path)
    assert deployed.config["RATELIMIT_STORAGE_URI"] == REDIS


def test_in_development_failed_log_ins_are_counted_in_memory(app):
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"OUTBOX_CLAIM_SECONDS": 30, "OUTBOX_SMTP_TIMEOUT": 30}, "OUTBOX_CLAIM_SECONDS"),
        ({"OUTBOX_BACKOFF_SECONDS": 600, "OUTBOX_BACKOFF_MAX_SECONDS": 60}, "BACKOFF_MAX"),
        ({"OUTBOX_BATCH": 0}, "OUTBOX_BATCH"),
        ({"OUTBOX_OUTAGE_SECONDS": 120, "OUTBOX_OUTAGE_MAX_SECONDS": 60}, "OUTAGE_MAX"),
        ({"OUTBOX_OUTAGE_SECONDS": 0}, "OUTBOX_OUTAGE_SECONDS"),
        ({"LOGIN_FAILURES_PER_ACCOUNT": "five a day"}, "LOGIN_FAILURES_PER_ACCOUNT"),
    ],
)
def test_settings_that_contradict_each_other_are_refused_at_start(
    database_url, tmp_path, settings, named
):
    with pytest.raises(RuntimeError, match=named):
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, **settings}, tmp_path)
