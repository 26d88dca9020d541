"""Delivering the outbox to a real SMTP server, and what happens when it is down."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest

from portal.accounts.passwords import authenticate, set_password_with_token
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.mail.delivery import backoff, deliver_pending
from portal.mail.queue import queue_email
from portal.mail.retry import retry_now
from portal.mail.worker import run
from portal.models import AuditEvent, OutboxEmail, utcnow
from portal.partners.drafts import PartnerDraft
from portal.partners.records import add_partner
from tests.helpers import Inbox


class RefusingInbox(Inbox):
    """A server that answers 550 for the addresses it does not know."""

    def __init__(self, unknown: set[str]):
        super().__init__()
        self.unknown = unknown

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.unknown:
            return "550 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"


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


def test_mail_waits_while_the_server_is_down_and_goes_once_it_is_back(app, smtp, staff):
    addresses = _invite(staff["admin"], 3)
    smtp.stop()

    result = deliver_pending()

    # The server is down, not the emails' fault: none pays an attempt.
    assert (result.sent, result.failed, result.waiting) == (0, 0, 3)
    assert result.server_down.startswith("ConnectionRefusedError")
    emails = _emails()
    assert [(e.status, e.attempts, e.next_attempt_at, e.claimed_by) for e in emails] == [
        ("pending", 0, None, None)
    ] * 3
    assert all(e.last_error.startswith("Not tried: the mail server was") for e in emails)
    assert smtp.inbox.messages == []

    smtp.start()
    result = deliver_pending()

    assert (result.sent, result.failed, result.server_down) == (3, 0, None)
    assert sorted(m["X-Envelope-To"] for m in smtp.inbox.messages) == sorted(addresses)
    emails = _emails()
    assert [(e.status, e.last_error, e.attempts) for e in emails] == [("sent", None, 1)] * 3

    # Nothing is sent twice.
    result = deliver_pending(now=_after_backoff(app, 5))
    assert (result.sent, result.failed) == (0, 0)
    assert len(smtp.inbox.messages) == 3


def test_a_long_outage_with_many_passes_loses_nothing_and_all_goes_once_it_is_back(
    app, smtp, staff
):
    """Three hours down, a pass every minute (the defaults once gave up on every
    email after about two hours): all still queued, none failed, no attempt used."""
    app.config.update(OUTBOX_BACKOFF_SECONDS=1, OUTBOX_BACKOFF_MAX_SECONDS=1)
    addresses = _invite(staff["admin"], 3)
    smtp.stop()
    now = utcnow()
    for _ in range(180):
        now += timedelta(minutes=1)
        assert deliver_pending(now=now).server_down

    assert {(e.status, e.attempts) for e in _emails()} == {("pending", 0)}
    smtp.start()
    result = deliver_pending(now=now + timedelta(seconds=1))

    assert (result.sent, result.failed) == (3, 0)
    assert sorted(m["X-Envelope-To"] for m in smtp.inbox.messages) == sorted(addresses)
    assert {(e.status, e.attempts) for e in _emails()} == {("sent", 1)}


def test_the_server_going_away_mid_batch_costs_no_attempt(app, smtp):
    """Down under the third email of a batch ("421 closing", and no new
    connection taken): it and the rest go back untried, and all go once the
    server is back. (A 421 after which a new connection works is that email's
    failure: tests/unit/test_delivery_faults.py.)"""
    expected = _queue_plain(6)

    class GoneInbox(Inbox):
        async def handle_DATA(self, server, session, envelope):
            if len(self.messages) == 2:
                smtp.controller.server.close()  # takes no new connection from now on
                return "421 Service not available, closing transmission channel"
            return await super().handle_DATA(server, session, envelope)

    smtp.stop()
    smtp.inbox = GoneInbox()
    smtp.start()

    result = deliver_pending()

    assert (result.sent, result.failed, result.waiting) == (2, 0, 4)
    assert result.server_down.startswith("ConnectionRefusedError")
    assert [(e.status, e.attempts) for e in _emails()] == [("sent", 1)] * 2 + [("pending", 0)] * 4
    smtp.stop()
    smtp.inbox = Inbox()
    smtp.start()
    assert deliver_pending().sent == 4
    assert sorted(m["Subject"] for m in smtp.inbox.messages) == expected[2:]


def test_a_server_saying_later_to_every_sender_costs_no_attempt(app, smtp):
    """ "451" to MAIL FROM is about the server (full, or throttling us), whoever
    the email is for: no attempt used, the batch goes back, the pass ends."""

    class BusyInbox(Inbox):
        busy = True

        async def handle_MAIL(self, server, session, envelope, address, mail_options):
            if self.busy:
                return "451 4.3.2 System not accepting network messages"
            envelope.mail_from = address
            return "250 OK"

    smtp.stop()
    smtp.inbox = BusyInbox()
    smtp.start()
    _queue_plain(3)

    result = deliver_pending()

    assert (result.sent, result.failed, result.waiting) == (0, 0, 3)
    assert result.server_down.startswith("SMTPSenderRefused: (451")
    assert {(e.status, e.attempts) for e in _emails()} == {("pending", 0)}
    smtp.inbox.busy = False
    assert deliver_pending().sent == 3


def test_the_worker_waits_longer_and_longer_while_the_server_is_down_and_says_it_once(
    app, smtp, staff
):
    """The --loop worker: no pass after pass against a dead server, but 5, 10, 20 ...
    at most 60 s between tries; one line when it goes down, one when it is back."""
    app.config.update(OUTBOX_OUTAGE_SECONDS=5, OUTBOX_OUTAGE_MAX_SECONDS=60, OUTBOX_IDLE_SECONDS=1)
    _invite(staff["admin"], 2)
    smtp.stop()
    stop = threading.Event()
    waits, said = [], []

    def sleep(seconds):  # instead of waiting: the server is back after the 7th try
        waits.append(seconds)
        if len(waits) == 7:
            smtp.start()
        if len(waits) == 8:
            stop.set()

    run(
        "worker-1",
        None,
        stop,
        echo=lambda text, err=False: said.append(text),
        report=lambda result: said.append(f"Sent {result.sent}, failed {result.failed}."),
        sleep=sleep,
    )

    assert waits == [5, 10, 20, 40, 60, 60, 60, 1]  # the last: idle, nothing left
    assert len(said) == 3, said
    assert said[0].startswith("Mail server unavailable (ConnectionRefusedError")
    assert said[1] == "Sent 2, failed 0."
    assert re.fullmatch(r"Mail server back after \d+ s \(7 tries\)\.", said[2])
    assert {(e.status, e.attempts) for e in _emails()} == {("sent", 1)}
    assert len(smtp.inbox.messages) == 2


def _queue_plain(count: int) -> list[str]:
    emails = [
        OutboxEmail(
            recipients=f"p{n}@example.org",
            subject=f"Plain {n}",
            body_text="Text",
            body_html="<p>HTML</p>",
            template="invitation",
        )
        for n in range(count)
    ]
    db.session.add_all(emails)
    db.session.commit()
    return [e.subject for e in emails]


def _after_backoff(app, attempts: int):
    """A moment when an email that failed `attempts` times is due again."""
    return utcnow() + backoff(attempts) + timedelta(seconds=1)


def test_each_failure_waits_twice_as_long_as_the_one_before_up_to_a_cap(app, smtp, staff):
    app.config.update(OUTBOX_BACKOFF_SECONDS=60, OUTBOX_BACKOFF_MAX_SECONDS=600)
    _invite(staff["admin"])
    smtp.inbox.deferring = True  # "451 try again later" to this email
    waits = []
    now = utcnow()
    for _ in range(6):
        deliver_pending(now=now)
        [email] = _emails()
        waits.append((email.next_attempt_at - now).total_seconds())
        now = email.next_attempt_at

    assert [round(w) for w in waits] == [60, 120, 240, 480, 600, 600]


def test_mail_that_keeps_failing_is_given_up_after_the_configured_attempts(app, smtp, staff):
    app.config["OUTBOX_MAX_ATTEMPTS"] = 2
    _invite(staff["admin"])
    smtp.inbox.deferring = True

    assert deliver_pending().failed == 1
    later = _after_backoff(app, 1)
    assert deliver_pending(now=later).given_up == 1
    [email] = _emails()
    assert (email.status, email.attempts, email.next_attempt_at) == ("failed", 2, None)
    assert email.last_error.startswith("SMTPDataError: (451")
    # Two attempts made: it stays failed, for staff to see.
    assert deliver_pending(now=later + timedelta(days=1)).failed == 0

    smtp.inbox.deferring = False
    assert deliver_pending(now=later + timedelta(days=1)).sent == 0
    [email] = _emails()
    assert (email.status, email.attempts) == ("failed", 2)
    assert smtp.inbox.messages == []


def test_an_address_the_server_refuses_for_good_is_not_retried(app, smtp, staff):
    """A 5xx answer (no such user) will be the same next time: failed at once."""
    add_partner(staff["admin"], PartnerDraft.new("Echo", "EC", "Nobody", "nobody@echo.example.org"))
    smtp.stop()
    smtp.inbox = RefusingInbox({"nobody@echo.example.org"})
    smtp.start()

    result = deliver_pending()

    assert (result.sent, result.failed, result.given_up) == (0, 1, 1)
    [email] = _emails()
    assert (email.status, email.attempts) == ("failed", 1)
    assert "550" in email.last_error and "nobody@echo.example.org" in email.last_error


def test_each_email_has_one_message_id_on_every_attempt_and_its_copies(app, smtp, staff):
    someone = SimpleNamespace(name="Someone")
    email = queue_email(
        ["to@example.org"],
        "new_message",
        {
            "about": "a document",
            "author": someone,
            "body": "Hello",
            "link": "http://portal.example.org/",
            "partner": someone,
            "to_partner": True,
        },
        subject="Copied",
        cc=["boss@example.org", "TO@example.org"],  # never copied to someone in To
    )
    db.session.commit()
    smtp.stop()
    deliver_pending()
    smtp.start()

    deliver_pending(now=_after_backoff(app, 1))

    [message] = smtp.inbox.messages
    created = int(email.created_at.timestamp())
    assert message["Message-ID"] == f"<outbox-{email.id}.{created}@localhost>"
    assert message["Cc"] == "boss@example.org"
    assert sorted(message["X-Envelope-To"].split(", ")) == ["boss@example.org", "to@example.org"]


def test_a_dead_workers_claim_is_taken_over_once_its_lease_has_passed(app, smtp, staff):
    _invite(staff["admin"], 2)
    # A worker claimed both and died before sending either.
    for email in _emails():
        email.status, email.claimed_by = "sending", "dead-worker"
        email.claimed_until = utcnow() + timedelta(minutes=5)
    db.session.commit()

    assert deliver_pending().claimed == 0  # still within its lease
    result = deliver_pending(now=utcnow() + timedelta(minutes=6))

    assert result.sent == 2 and len(smtp.inbox.messages) == 2
    # The dead worker's try counts: it may have sent them before it died.
    assert {(e.status, e.claimed_by, e.attempts) for e in _emails()} == {("sent", None, 2)}


def test_an_email_every_worker_dies_on_ends_up_failed(app, smtp, staff):
    app.config["OUTBOX_MAX_ATTEMPTS"] = 3
    _invite(staff["admin"])
    [email] = _emails()
    email.status, email.attempts, email.claimed_by = "sending", 2, "dead-worker"
    email.claimed_until = utcnow() - timedelta(seconds=1)
    db.session.commit()

    assert deliver_pending().claimed == 0

    [email] = _emails()
    assert (email.status, email.attempts, email.claimed_by) == ("failed", 3, None)
    assert email.last_error.startswith("The worker sending it stopped")
    assert smtp.inbox.messages == []


def test_a_worker_that_lost_its_claim_does_not_overwrite_the_new_owners_result(app, smtp, staff):
    from portal.mail.delivery import _Claimed, _Clock, _record_failure, _record_sent

    _invite(staff["admin"])
    [email] = _emails()
    email.status, email.claimed_by = "sent", None  # the new owner sent it
    db.session.commit()
    result = type(deliver_pending())()

    _record_failure(
        "old-worker", _Claimed(email.id, 0, None), OSError("late"), _Clock(None), result, False
    )
    _record_sent("old-worker", _Claimed(email.id, 0, None), {}, _Clock(None), result)

    assert (result.lost, result.failed, result.sent) == (2, 0, 0)
    [email] = _emails()
    assert (email.status, email.last_error, email.attempts) == ("sent", None, 0)


def test_retry_now_gives_a_failed_email_its_attempts_back_and_is_audited(app, smtp, staff):
    app.config["OUTBOX_MAX_ATTEMPTS"] = 1
    _invite(staff["admin"])
    smtp.inbox.deferring = True
    deliver_pending()
    [email] = _emails()
    assert email.status == "failed"

    retry_now(staff["admin"], email)

    [email] = _emails()
    assert (email.status, email.attempts, email.next_attempt_at) == ("pending", 0, None)
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "email_retried"))
    assert (event.object_type, event.object_id, event.actor_id) == (
        "OutboxEmail",
        email.id,
        staff["admin"].id,
    )
    assert event.changes["status"] == ["failed", "pending"]
    smtp.inbox.deferring = False
    assert deliver_pending().sent == 1


def test_only_failed_or_retrying_email_can_be_retried_now(app, staff):
    _invite(staff["admin"])
    [email] = _emails()

    with pytest.raises(DomainError) as refused:
        retry_now(staff["admin"], email)
    assert (refused.value.field, refused.value.message) == (
        None,
        "Only failed email, or email waiting to be retried, can be retried now.",
    )

    assert (
        db.session.scalar(
            db.select(db.func.count(AuditEvent.id)).where(AuditEvent.action == "email_retried")
        )
        == 0
    )


def test_the_deliver_command_sends_pending_mail(runner, smtp, staff):
    [address] = _invite(staff["admin"])

    result = runner.invoke(args=["outbox", "deliver"])

    assert result.exit_code == 0, result.output
    assert "Sent 1, failed 0." in result.output
    assert [m["X-Envelope-To"] for m in smtp.inbox.messages] == [address]
    assert [e.status for e in _emails()] == ["sent"]


def test_the_deliver_command_says_the_server_is_down_and_uses_no_attempt(runner, smtp, staff):
    _invite(staff["admin"], 2)
    smtp.stop()

    result = runner.invoke(args=["outbox", "deliver"])

    assert result.exit_code == 0, result.output
    assert "Sent 0, failed 0." in result.output
    assert "Mail server unavailable (ConnectionRefusedError" in result.output
    assert "2 email(s) wait for the next run, no attempt used." in result.output
    assert [(e.status, e.attempts) for e in _emails()] == [("pending", 0), ("pending", 0)]


def test_without_a_mail_server_the_command_says_so_and_mail_waits(app, runner, staff):
    app.config["MAIL_SERVER"] = ""
    _invite(staff["admin"], 2)

    result = runner.invoke(args=["outbox", "deliver"])

    assert result.exit_code == 0, result.output
    assert "No MAIL_SERVER configured; 2 email(s) wait in the Email log." in result.output
    assert [(e.status, e.attempts) for e in _emails()] == [("pending", 0), ("pending", 0)]


def test_a_paragraph_longer_than_smtp_allows_on_one_line_arrives_intact(smtp, staff):
    """SMTP refuses lines over 998 bytes; a report intro typed as one long line must
    still go out, word for word."""
    paragraph = "Thank you for a very productive quarter, señora. " * 60  # ~3,000 characters
    email = OutboxEmail(
        recipients="to@example.org",
        subject="Long",
        body_text=f"Hello,\n\n{paragraph}\n",
        body_html=f"<p>{paragraph}</p>",
        template="report",
    )
    db.session.add(email)
    db.session.commit()

    assert deliver_pending().sent == 1

    [message] = smtp.inbox.messages
    assert paragraph in message.get_body(("plain",)).get_content()
    assert paragraph in message.get_body(("html",)).get_content()


# --- each recipient's result ----------------------------------------------------------


def _to_three(subject: str = "To three") -> OutboxEmail:
    email = OutboxEmail(
        recipients="ann@example.org,bob@example.org,cy@example.org",
        subject=subject,
        body_text="Text",
        body_html="<p>HTML</p>",
        template="invitation",
    )
    db.session.add(email)
    db.session.commit()
    return email


def test_a_server_refusing_one_recipient_of_three_is_recorded_for_that_recipient(app, smtp):
    smtp.inbox.refuse["bob@example.org"] = "550 5.1.1 No such user"
    _to_three()

    result = deliver_pending()

    assert (result.sent, result.failed) == (1, 0)
    [message] = smtp.inbox.messages
    assert sorted(message["X-Envelope-To"].split(", ")) == ["ann@example.org", "cy@example.org"]
    [email] = _emails()
    assert (email.status, email.attempts) == ("sent", 1)
    assert email.recipient_results == [
        {"address": "ann@example.org", "accepted": True},
        {"address": "cy@example.org", "accepted": True},
        {
            "address": "bob@example.org",
            "accepted": False,
            "code": 550,
            "message": "5.1.1 No such user",
        },
    ]


def test_a_server_refusing_every_recipient_fails_the_email_with_each_reason(app, smtp):
    smtp.inbox.refuse.update(
        {a: "550 5.1.1 No such user" for a in ("ann@example.org", "bob@example.org")}
    )
    smtp.inbox.refuse["cy@example.org"] = "553 5.1.3 Bad address"
    _to_three()

    result = deliver_pending()

    assert (result.sent, result.failed, result.given_up) == (0, 1, 1)
    [email] = _emails()
    assert (email.status, email.attempts, email.next_attempt_at) == ("failed", 1, None)
    assert [(r["address"], r["code"], r["message"]) for r in email.refused] == [
        ("ann@example.org", 550, "5.1.1 No such user"),
        ("bob@example.org", 550, "5.1.1 No such user"),
        ("cy@example.org", 553, "5.1.3 Bad address"),
    ]
    assert deliver_pending(now=utcnow() + timedelta(days=1)).claimed == 0  # not retried
    assert smtp.inbox.messages == []
