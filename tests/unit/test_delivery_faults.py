"""Delivery under faults, with a real SMTP server on 127.0.0.1 and real worker
processes: the server down for a while, a server that keeps saying "later",
several workers at once, and a worker killed in the middle of a batch. The
promise each time: every email arrives, and (but for the one a killed worker had
in flight) exactly once, counted by Message-ID at the server."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import threading
import time
from collections import Counter
from datetime import timedelta

from portal.core.extensions import db
from portal.mail.delivery import backoff, deliver_pending
from portal.mail.smtp import message_id
from portal.models import OutboxEmail, utcnow
from tests.helpers import ROOT, Auth, Inbox, csrf_token


def queue(count: int) -> dict[str, int]:
    """`count` emails in the outbox; returns {Message-ID: email id}."""
    emails = [
        OutboxEmail(
            recipients=f"person{n}@example.org",
            subject=f"Email {n}",
            body_text=f"Text {n}",
            body_html=f"<p>HTML {n}</p>",
            template="invitation",
        )
        for n in range(count)
    ]
    db.session.add_all(emails)
    db.session.commit()
    return {message_id(e): e.id for e in emails}


def arrivals(inbox: Inbox) -> Counter:
    with inbox.lock:
        return Counter(m["Message-ID"] for m in inbox.messages)


def assert_each_arrived_once(inbox: Inbox, expected: dict[str, int]) -> None:
    counted = arrivals(inbox)
    assert set(counted) == set(expected), "lost or unknown email"
    assert [mid for mid, n in counted.items() if n > 1] == [], "sent twice"


def statuses() -> Counter:
    db.session.expire_all()
    return Counter(db.session.scalars(db.select(OutboxEmail.status)))


def log_states(app, user) -> Counter:
    """The states the Email log shows, read as the given staff member."""
    client = app.test_client()
    Auth(client).login(user.email)
    page = client.get("/emails?page=1").get_data(as_text=True)
    return Counter(re.findall(r'<span class="badge badge-(\w+)">', page))


# --- the server down, then up -------------------------------------------------------


def test_mail_queued_while_the_server_is_down_arrives_once_when_it_is_back(app, smtp, staff):
    expected = queue(30)
    smtp.stop()

    result = deliver_pending()

    # Down is the server's state, not the emails': no attempt used, no back-off.
    assert (result.sent, result.failed, result.waiting) == (0, 0, 30)
    assert statuses() == {"pending": 30}
    rows = db.session.scalars(db.select(OutboxEmail)).all()
    assert {(e.attempts, e.next_attempt_at) for e in rows} == {(0, None)}
    assert log_states(app, staff["manager"]) == {"pending": 30}

    smtp.start()
    result = deliver_pending()

    assert (result.sent, result.failed) == (30, 0)
    assert_each_arrived_once(smtp.inbox, expected)
    assert statuses() == {"sent": 30}
    assert log_states(app, staff["manager"]) == {"sent": 30}
    # Later runs send nothing again.
    assert deliver_pending(now=utcnow() + timedelta(days=1)).claimed == 0
    assert_each_arrived_once(smtp.inbox, expected)


class LaterInbox(Inbox):
    """A server that answers every message "451 try again later" while `busy`."""

    busy = True

    async def handle_DATA(self, server, session, envelope):
        if self.busy:
            return "451 Try again later"
        return await super().handle_DATA(server, session, envelope)


def test_mail_the_server_keeps_deferring_fails_then_a_retry_delivers_it(app, smtp, staff):
    app.config["OUTBOX_MAX_ATTEMPTS"] = 3
    smtp.stop()
    smtp.inbox = LaterInbox()
    smtp.start()
    expected = queue(2)
    now = utcnow()
    for attempt in range(1, 4):
        result = deliver_pending(now=now)
        assert result.failed == 2
        now += backoff(attempt) + timedelta(seconds=1)
    assert result.given_up == 2
    assert statuses() == {"failed": 2}
    assert deliver_pending(now=now + timedelta(days=1)).claimed == 0

    client = app.test_client()
    Auth(client).login(staff["admin"].email)
    page = client.get("/emails?status=failed").get_data(as_text=True)
    assert page.count("SMTPDataError: (451, b&#39;Try again later&#39;)") == 2
    assert page.count(">Retry now</button>") == 2
    smtp.inbox.busy = False
    token = csrf_token(client, "/emails")
    for email_id in expected.values():
        response = client.post(f"/emails/{email_id}/retry", data={"csrf_token": token})
        assert response.status_code == 302

    assert deliver_pending().sent == 2
    assert_each_arrived_once(smtp.inbox, expected)


class ClosingInbox(Inbox):
    """A server that, once, gives up in the middle of a message: "421 closing"."""

    closed_on: str | None = "Email 3"

    async def handle_DATA(self, server, session, envelope):
        if self.closed_on and f"Subject: {self.closed_on}" in envelope.content.decode():
            self.closed_on = None
            return "421 Service closing transmission channel"
        return await super().handle_DATA(server, session, envelope)


def test_a_connection_lost_mid_batch_costs_only_the_email_in_flight(app, smtp):
    smtp.stop()
    smtp.inbox = ClosingInbox()
    smtp.start()
    expected = queue(8)

    result = deliver_pending()

    assert (result.sent, result.failed) == (7, 1)
    [(email_id, error)] = result.errors
    assert error.startswith("SMTPDataError: (421")
    assert statuses() == {"sent": 7, "pending": 1}
    assert deliver_pending(now=utcnow() + backoff(1) + timedelta(seconds=1)).sent == 1
    assert_each_arrived_once(smtp.inbox, expected)


# --- several workers at once --------------------------------------------------------


def test_two_workers_in_threads_send_each_email_once(app, smtp):
    expected = queue(200)
    results = []

    def worker():
        with app.app_context():
            results.append(deliver_pending(batch=10))
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sum(r.sent for r in results) == 200
    assert all(r.sent > 0 for r in results), "one worker did everything: no overlap tested"
    assert_each_arrived_once(smtp.inbox, expected)
    assert statuses() == {"sent": 200}


def worker_process(database_url: str, smtp, *args: str, **settings) -> subprocess.Popen:
    """`flask outbox deliver ...` in a process of its own, on the test's database."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,  # SQLite: the test database is a file
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp.port),
        "PORTAL_URL": "https://portal.example.org",  # as a deployed worker has
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15",
        "SECRET_KEY": "a-worker-secret",  # and its own key: the repository's instance/ stays alone
        **{k: str(v) for k, v in settings.items()},
    }
    return subprocess.Popen(
        [str(ROOT / ".venv/bin/flask"), "--app", "wsgi", "outbox", "deliver", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_two_worker_processes_send_each_email_once(app, smtp, database_url):
    expected = queue(200)

    workers = [worker_process(database_url, smtp, "--batch", "10") for _ in range(2)]
    outputs = [w.communicate(timeout=60)[0] for w in workers]

    assert [w.returncode for w in workers] == [0, 0], outputs
    assert_each_arrived_once(smtp.inbox, expected)
    assert statuses() == {"sent": 200}
    sent = sorted(int(out.split("Sent ")[1].split(",")[0]) for out in outputs)
    assert sum(sent) == 200, outputs


class SlowInbox(Inbox):
    """A server that takes 50 ms over each message, after it has taken it: a
    worker killed in that moment has sent an email it never recorded as sent."""

    slow = True

    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)
        if self.slow:
            await asyncio.sleep(0.05)
        return answer


def slow_server(smtp) -> None:
    smtp.stop()
    smtp.inbox = SlowInbox()
    smtp.start()


def wait_for(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_worker_killed_mid_batch_loses_nothing(app, smtp, database_url):
    slow_server(smtp)
    expected = queue(60)
    worker = worker_process(database_url, smtp, "--loop", "--batch", "100")  # claims all
    wait_for(lambda: len(smtp.inbox.messages) >= 10)

    worker.kill()  # SIGKILL: no chance to record or give anything back
    worker.communicate(timeout=10)
    smtp.inbox.slow = False

    arrived = sum(arrivals(smtp.inbox).values())
    assert arrived < 60
    states = statuses()
    assert states["sending"] > 0  # still claimed by the dead worker
    # Within the lease nobody takes them; once it has passed, another worker does.
    assert deliver_pending().claimed == 0
    lease = app.config["OUTBOX_CLAIM_SECONDS"]
    result = deliver_pending(now=utcnow() + timedelta(seconds=lease + 1))

    assert result.sent == states["sending"]
    assert statuses() == {"sent": 60}
    counted = arrivals(smtp.inbox)
    assert set(counted) == set(expected), "an email was lost"
    # The worker commits "sent" right after the server accepts each email, so
    # the only one that can go twice is the one in flight when it was killed:
    # accepted by the server, not yet recorded as sent.
    assert sum(n - 1 for n in counted.values()) <= 1


def test_a_worker_told_to_stop_finishes_its_email_and_gives_back_the_rest(app, smtp, database_url):
    slow_server(smtp)
    expected = queue(60)
    worker = worker_process(database_url, smtp, "--loop", "--batch", "50")
    wait_for(lambda: len(smtp.inbox.messages) >= 5)

    worker.send_signal(signal.SIGTERM)
    output = worker.communicate(timeout=10)[0]
    smtp.inbox.slow = False

    assert worker.returncode == 0, output
    assert output.rstrip().endswith("Stopped.")
    states = statuses()
    assert states["sending"] == 0  # nothing left waiting for a lease to pass
    assert states["sent"] == sum(arrivals(smtp.inbox).values()) < 60
    assert deliver_pending().sent == states["pending"]
    assert_each_arrived_once(smtp.inbox, expected)
