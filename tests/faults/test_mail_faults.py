"""The mail fault suite: 1,000 queued emails, two real `flask outbox deliver --loop`
workers, a real SMTP server on 127.0.0.1, and one fault each time: the server
down for a long stretch mid-send, a worker killed with SIGKILL again and again,
a server refusing some recipients. Each test prints what came of it (sent,
duplicates, lost, failed; shown at the end of the run) and holds the promise:
nothing lost, at most one duplicate per kill (the email a killed worker had in
flight, or the one the server took as it went down, unanswered)."""

from __future__ import annotations

import signal
import subprocess
import time
from collections import Counter
from dataclasses import dataclass

import pytest

from portal.core.extensions import db
from portal.mail.smtp import message_id
from portal.models import OutboxEmail
from tests.helpers import FAULT_FIGURES
from tests.unit.test_delivery_faults import SlowInbox, arrivals, worker_process

pytestmark = pytest.mark.faults

EMAILS = 1000
# Small waits, so that a long outage in back-off terms (many worker passes)
# takes seconds: per email 0.1 s, 0.2 s ... 0.4 s, 8 attempts (a server-down
# pass that charged attempts would give every email up within about 3 s); the
# worker's own outage wait 0.1 s ... 0.5 s; a dead worker's claim lapses after 21 s
# (above twice the SMTP timeout, as the portal requires).
# The SMTP timeout stays at the suite's 10 s floor: shorter, a busy machine's slow
# answer would look like an outage and send an accepted email again.
SETTINGS = {
    "OUTBOX_BACKOFF_SECONDS": 0.1,
    "OUTBOX_BACKOFF_MAX_SECONDS": 0.4,
    "OUTBOX_MAX_ATTEMPTS": 8,
    "OUTBOX_OUTAGE_SECONDS": 0.1,
    "OUTBOX_OUTAGE_MAX_SECONDS": 0.5,
    "OUTBOX_IDLE_SECONDS": 0.1,
    "OUTBOX_CLAIM_SECONDS": 21,
    "OUTBOX_SMTP_TIMEOUT": 10,
}
OUTAGE_SECONDS = 12  # four times as long as the old way took to give everything up
LIMIT = 300  # seconds, overall, for any one condition: generous on a loaded machine


def queue(recipients_of) -> dict[str, int]:
    """EMAILS emails, the n-th to `recipients_of(n)`; returns {Message-ID: id}."""
    emails = [
        OutboxEmail(
            recipients=",".join(recipients_of(n)),
            subject=f"Fault {n}",
            body_text=f"Text {n}",
            body_html=f"<p>HTML {n}</p>",
            template="invitation",
        )
        for n in range(EMAILS)
    ]
    db.session.add_all(emails)
    db.session.commit()
    return {message_id(e): e.id for e in emails}


def one_each(n: int) -> list[str]:
    return [f"person{n}@example.org"]


def statuses() -> Counter:
    db.session.rollback()  # a fresh snapshot: the workers write in other processes
    return Counter(db.session.scalars(db.select(OutboxEmail.status)))


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + LIMIT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}: {statuses()}"
        time.sleep(0.05)


def settled() -> bool:
    done = statuses()
    return done["sent"] + done["failed"] == EMAILS


@dataclass
class Figures:
    sent: int
    duplicates: int
    lost: int
    failed: int

    def line(self, fault: str, extra: str = "") -> str:
        return (
            f"mail fault, {fault}: sent {self.sent}, duplicates {self.duplicates}, "
            f"lost {self.lost}, failed {self.failed}{extra}"
        )


def figures(smtp, expected: dict[str, int]) -> Figures:
    """Counted at the server (by Message-ID) and in the outbox."""
    counted = arrivals(smtp.inbox)
    states = statuses()
    failed_ids = set(
        db.session.scalars(db.select(OutboxEmail.id).where(OutboxEmail.status == "failed"))
    )
    # Lost: neither received by the server nor failed (for staff to see).
    lost = sum(1 for mid, i in expected.items() if mid not in counted and i not in failed_ids)
    return Figures(
        sent=states["sent"],
        duplicates=sum(n - 1 for n in counted.values()),
        lost=lost,
        failed=states["failed"],
    )


class Workers:
    """Two `flask outbox deliver --loop` processes on the test's database."""

    def __init__(self, database_url: str, smtp):
        self.database_url, self.smtp = database_url, smtp
        self.outputs: list[str] = []
        self.running = [self.start() for _ in range(2)]

    def start(self) -> subprocess.Popen:
        return worker_process(self.database_url, self.smtp, "--loop", "--batch", "20", **SETTINGS)

    def kill_and_restart(self, position: int) -> None:
        worker = self.running[position]
        worker.kill()  # SIGKILL: no chance to record or give anything back
        self.outputs.append(worker.communicate(timeout=30)[0])
        self.running[position] = self.start()

    def stop(self) -> None:
        for worker in self.running:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in self.running:
            try:
                self.outputs.append(worker.communicate(timeout=60)[0])
            except subprocess.TimeoutExpired:
                worker.kill()
                self.outputs.append(worker.communicate()[0])


@pytest.fixture
def workers(app, smtp, database_url):
    started = []

    def start():
        started.append(Workers(database_url, smtp))
        return started[-1]

    yield start
    for group in started:
        group.stop()


def test_the_smtp_server_down_for_a_long_stretch_mid_send_loses_nothing(app, smtp, workers):
    expected = queue(one_each)
    group = workers()
    wait_for(lambda: statuses()["sent"] >= 300, "300 sent")

    smtp.stop()
    down_at = statuses()["sent"]
    time.sleep(OUTAGE_SECONDS)  # the fault itself: how long the server stays down
    during = statuses()
    smtp.start()  # back, on the same port
    back = time.monotonic()
    wait_for(lambda: statuses()["sent"] > during["sent"], "the first email after the outage")
    resumed_in = time.monotonic() - back
    wait_for(settled, "every email sent or failed")
    finished_in = time.monotonic() - back
    group.stop()

    found = figures(smtp, expected)
    FAULT_FIGURES.append(
        found.line(
            f"SMTP down {OUTAGE_SECONDS} s after {down_at} sent, 2 workers",
            f"; during the outage {during['failed']} failed, {during['pending']} waiting; "
            f"sending again {resumed_in:.1f} s after the server was back, "
            f"all sent after {finished_in:.1f} s",
        )
    )
    assert during["failed"] == 0
    assert (found.lost, found.failed, found.sent) == (0, 0, EMAILS)
    # The server may take an email in the instant it goes down without the
    # worker hearing its "250": that one goes again. At most one per worker.
    assert found.duplicates <= 2
    said = "\n".join(group.outputs)
    # Said once per worker and outage, not once a pass.
    assert said.count("Trying again in growing waits") == 2, said
    assert 1 <= said.count("Mail server back after") <= 2, said
    rows = db.session.scalars(db.select(OutboxEmail.attempts)).all()
    assert max(rows) == 1  # the outage cost no email an attempt


def test_a_worker_killed_again_and_again_mid_batch_loses_nothing(app, smtp, workers):
    smtp.stop()
    smtp.inbox = SlowInbox()  # 50 ms after taking each email: kills land mid-batch
    smtp.start()
    expected = queue(one_each)
    group = workers()
    kills = 0
    for target in (150, 300, 450, 600):
        wait_for(lambda t=target: len(smtp.inbox.messages) >= t, f"{target} received")
        group.kill_and_restart(kills % 2)
        kills += 1
    smtp.inbox.slow = False
    wait_for(settled, "every email sent or failed")
    group.stop()

    found = figures(smtp, expected)
    FAULT_FIGURES.append(found.line(f"a worker killed with SIGKILL {kills} times, 2 workers"))
    assert (found.lost, found.failed, found.sent) == (0, 0, EMAILS)
    assert found.duplicates <= kills


def test_a_server_refusing_some_recipients_records_each_and_loses_nothing(app, smtp, workers):
    # Every tenth email goes to an address the server does not know (failed at
    # once, not retried); every tenth, five further on, also copies one (sent to
    # the other, the refusal recorded).
    def recipients_of(n: int) -> list[str]:
        if n % 10 == 0:
            return [f"gone{n}@example.org"]
        if n % 10 == 5:
            return [f"person{n}@example.org", f"gone{n}@example.org"]
        return one_each(n)

    smtp.inbox.refuse.update(
        {f"gone{n}@example.org": "550 5.1.1 No such user" for n in range(EMAILS)}
    )
    expected = queue(recipients_of)
    group = workers()
    wait_for(settled, "every email sent or failed")
    group.stop()

    found = figures(smtp, expected)
    db.session.rollback()
    emails = db.session.scalars(db.select(OutboxEmail)).all()
    partly = [e for e in emails if e.status == "sent" and e.refused]
    FAULT_FIGURES.append(
        found.line(
            "a server refusing some recipients (100 emails' only one, 100 emails' second one)"
            ", 2 workers",
            f"; {len(partly)} sent with a refusal recorded",
        )
    )
    assert (found.lost, found.duplicates) == (0, 0)
    assert (found.sent, found.failed, len(partly)) == (900, 100, 100)
    failed = [e for e in emails if e.status == "failed"]
    assert {(e.attempts, e.refused[0]["code"]) for e in failed} == {(1, 550)}
    assert {r["address"] for e in partly for r in e.refused} == {
        f"gone{n}@example.org" for n in range(5, EMAILS, 10)
    }
