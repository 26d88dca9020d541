"""Delivering the outbox to a real SMTP server, and what happens when it is down."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from portal.extensions import db
from portal.models import OutboxEmail
from portal.services.outbox import deliver_pending
from portal.services.partners import PartnerDraft, add_partner
from portal.services.passwords import authenticate, set_password_with_token

PARTNERS = [
    ("Beta Care", "BC", "Bea Focal", "bea@beta.example.org"),
    ("Gamma Aid", "GA", "Gus Focal", "gus@gamma.example.org"),
    ("Delta Trust", "DT", "Dee Focal", "dee@delta.example.org"),
]


def _invite(admin, count: int = 1) -> list[str]:
    """Add partners, each of which queues one invitation; return the addresses."""
    for name, acronym, focal_name, email in PARTNERS[:count]:
        add_partner(admin, PartnerDraft.new(name, acronym, focal_name, email))
    return [p[3] for p in PARTNERS[:count]]


def _emails() -> list[OutboxEmail]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(OutboxEmail).order_by(OutboxEmail.id)))


def test_an_invitation_arrives_with_a_working_set_password_link(app, smtp, staff):
    [address] = _invite(staff["admin"])

    result = deliver_pending()

    assert (result.sent, result.failed) == (1, 0)
    [message] = smtp.inbox.messages
    assert message["X-Envelope-To"] == address
    assert message["To"] == address
    assert message["Subject"] == f"Your invitation to the {app.config['PROGRAMME_NAME']} portal"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    link = re.search(r"https?://\S+", text).group(0)
    parts = urlsplit(link)
    assert parts.scheme in ("http", "https") and parts.netloc
    assert parts.path.startswith("/set-password/")
    assert link in html
    [email] = _emails()
    assert (email.status, email.attempts, email.last_error) == ("sent", 1, None)
    assert email.sent_at is not None

    # The link is the one that lets this person in.
    token = parts.path.removeprefix("/set-password/")
    set_password_with_token(token, "my-own-password")
    assert authenticate(address, "my-own-password").email == address


def test_an_invitation_link_uses_the_configured_portal_address(app, smtp, staff):
    app.config["PORTAL_URL"] = "https://portal.example.org"
    _invite(staff["admin"])

    deliver_pending()

    [message] = smtp.inbox.messages
    text = message.get_body(("plain",)).get_content()
    assert re.search(r"https://portal\.example\.org/set-password/\S+", text)


def test_mail_waits_while_the_server_is_down_and_goes_once_it_is_back(smtp, staff):
    addresses = _invite(staff["admin"], 3)
    smtp.stop()

    result = deliver_pending()

    assert (result.sent, result.failed) == (0, 3)
    emails = _emails()
    assert [e.status for e in emails] == ["failed"] * 3
    assert all(e.last_error and e.attempts == 1 and e.sent_at is None for e in emails)
    assert smtp.inbox.messages == []

    smtp.start()
    result = deliver_pending()

    assert (result.sent, result.failed) == (3, 0)
    assert sorted(m["X-Envelope-To"] for m in smtp.inbox.messages) == sorted(addresses)
    emails = _emails()
    assert [(e.status, e.last_error, e.attempts) for e in emails] == [("sent", None, 2)] * 3

    # Nothing is sent twice.
    result = deliver_pending()
    assert (result.sent, result.failed) == (0, 0)
    assert len(smtp.inbox.messages) == 3


def test_mail_that_keeps_failing_is_given_up_after_the_configured_attempts(app, smtp, staff):
    app.config["OUTBOX_MAX_ATTEMPTS"] = 2
    _invite(staff["admin"])
    smtp.stop()

    assert deliver_pending().failed == 1
    assert deliver_pending().failed == 1
    assert deliver_pending().failed == 0  # two attempts made: it stays failed, for staff to see

    smtp.start()
    assert deliver_pending().sent == 0
    [email] = _emails()
    assert (email.status, email.attempts) == ("failed", 2)
    assert smtp.inbox.messages == []


def test_the_deliver_command_sends_pending_mail(runner, smtp, staff):
    [address] = _invite(staff["admin"])

    result = runner.invoke(args=["outbox", "deliver"])

    assert result.exit_code == 0, result.output
    assert "Sent 1, failed 0." in result.output
    assert [m["X-Envelope-To"] for m in smtp.inbox.messages] == [address]
    assert [e.status for e in _emails()] == ["sent"]


def test_the_deliver_command_reports_failures_when_the_server_is_down(runner, smtp, staff):
    _invite(staff["admin"], 2)
    smtp.stop()

    result = runner.invoke(args=["outbox", "deliver"])

    assert result.exit_code == 0, result.output
    assert "Sent 0, failed 2." in result.output
    assert [e.status for e in _emails()] == ["failed", "failed"]


def test_without_a_mail_server_the_command_says_so_and_mail_waits(app, runner, staff):
    app.config["MAIL_SERVER"] = ""
    _invite(staff["admin"], 2)

    result = runner.invoke(args=["outbox", "deliver"])

    assert result.exit_code == 0, result.output
    assert "No MAIL_SERVER configured; 2 email(s) wait in the Email log." in result.output
    assert [(e.status, e.attempts) for e in _emails()] == [("pending", 0), ("pending", 0)]
