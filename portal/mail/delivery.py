"""Delivering the outbox through Flask-Mail, safely with several workers at once.

A worker claims a batch of due email in a short transaction of its own (status
"sending", claimed_by, claimed_until = now + lease), sends it over one SMTP
connection, and records each result at once, and only on rows it still holds.
A worker that dies keeps its claim until the lease passes; then the rows are due
again and another worker takes them. The one email in flight when a worker dies
may therefore go out twice; nothing is ever lost.

Two kinds of failure. The server as a whole is unavailable (it cannot be
reached, will not greet us, says "421 closing" or "4xx" to MAIL FROM, or drops
the connection and will not take a new one): no email is to blame, so none pays
an attempt; the batch goes back at once and the pass ends (the worker loop
backs off as a whole, see portal/mail/worker.py). The server refuses this one
email (5xx for every recipient, bad data, a 4xx about it): that email pays an
attempt and waits out its own back-off; the batch goes on.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_mail import Message
from sqlalchemy import and_, case, or_, update
from sqlalchemy.orm import selectinload

from portal.core.extensions import db
from portal.mail.smtp import (
    connect,
    connection_lost,
    disconnect,
    message,
    permanent,
    refusals,
    send,
    server_unavailable,
)
from portal.models import OutboxEmail, utcnow

log = logging.getLogger(__name__)


@dataclass
class DeliveryResult:
    sent: int = 0
    failed: int = 0  # attempts that failed in this run (retried later, or given up)
    given_up: int = 0  # of those, the ones that used their last attempt: now "failed"
    lost: int = 0  # claims another worker took over before this one recorded a result
    errors: list[tuple[int, str]] = field(default_factory=list)  # (email id, error)
    # Why the server as a whole was unavailable, when it was: the pass ended there.
    server_down: str | None = None
    waiting: int = 0  # emails given back untried because of that, no attempt used

    @property
    def claimed(self) -> int:
        return self.sent + self.failed + self.lost

    def add(self, other: DeliveryResult) -> None:
        self.sent += other.sent
        self.failed += other.failed
        self.given_up += other.given_up
        self.lost += other.lost
        self.errors += other.errors
        self.server_down = other.server_down or self.server_down
        self.waiting += other.waiting


def worker_id() -> str:
    """Unique per worker: the host and process say where it runs, the random
    part tells apart two workers in one process (threads, tests)."""
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(4)}"[-100:]


class _Clock:
    """Now, shifted by a fixed offset when the caller passes `now` (tests move
    time forward instead of waiting out a back-off or a lease)."""

    def __init__(self, now: datetime | None):
        self.offset = (now - utcnow()) if now is not None else timedelta(0)

    def __call__(self) -> datetime:
        return utcnow() + self.offset


def deliver_pending(
    limit: int | None = None,
    worker: str | None = None,
    *,
    now: datetime | None = None,
    batch: int | None = None,
    stop: threading.Event | None = None,
) -> DeliveryResult:
    """Send what is due, in claimed batches, until nothing due is left (or `limit`
    emails were taken, or `stop` is set). Safe with any number of workers at once.

    One pass: an email that fails here is due again only after its back-off, so
    it is not retried in the same pass.
    """
    config = current_app.config
    worker = worker or worker_id()
    clock = _Clock(now)
    cutoff = clock()  # due means due when the pass began
    size = batch or config["OUTBOX_BATCH"]
    result = DeliveryResult()
    while limit is None or result.claimed < limit:
        if stop is not None and stop.is_set():
            break
        take = size if limit is None else min(size, limit - result.claimed)
        emails = _claim(worker, take, cutoff, clock)
        if not emails:
            break
        result.add(_send_batch(worker, emails, clock, stop))
        if result.server_down:  # everything waits for a later pass, no attempt used up
            break
    return result


def _due(cutoff: datetime):
    """Pending and past its back-off."""
    return and_(
        OutboxEmail.status == "pending",
        or_(OutboxEmail.next_attempt_at.is_(None), OutboxEmail.next_attempt_at <= cutoff),
    )


def _recover_abandoned(now: datetime) -> None:
    """Email whose worker's lease ran out (it died, or hangs) is pending again.

    The attempt counts: that worker may have sent it, and an email that kills
    every worker that tries it must still end up "failed", not go round forever.
    """
    attempts = OutboxEmail.attempts + 1
    abandoned = db.select(OutboxEmail.id).where(
        OutboxEmail.status == "sending", OutboxEmail.claimed_until < now
    )
    if db.engine.dialect.name == "postgresql":
        # Two workers recovering at once: each takes what the other has not locked.
        abandoned = abandoned.with_for_update(skip_locked=True)
    db.session.execute(
        update(OutboxEmail)
        .where(
            OutboxEmail.id.in_(abandoned.scalar_subquery()),
            OutboxEmail.status == "sending",
            OutboxEmail.claimed_until < now,
        )
        .values(
            status=case(
                (attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"], "failed"),
                else_="pending",
            ),
            attempts=attempts,
            last_attempt_at=OutboxEmail.claimed_until,
            last_error="The worker sending it stopped before it could say whether it was sent.",
            next_attempt_at=None,
            claimed_by=None,
            claimed_until=None,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _claim(worker: str, limit: int, cutoff: datetime, clock: _Clock) -> list[OutboxEmail]:
    """Mark up to `limit` due emails as this worker's, in a transaction of its own.

    One UPDATE whose WHERE re-checks that each row is still due: on PostgreSQL
    the inner SELECT locks its rows and skips those another worker is claiming
    (FOR UPDATE SKIP LOCKED); SQLite runs one writer at a time, so the re-check
    inside the UPDATE is enough.
    """
    now = clock()
    _recover_abandoned(now)
    ids = db.select(OutboxEmail.id).where(_due(cutoff)).order_by(OutboxEmail.id).limit(limit)
    if db.engine.dialect.name == "postgresql":
        ids = ids.with_for_update(skip_locked=True)
    lease = timedelta(seconds=current_app.config["OUTBOX_CLAIM_SECONDS"])
    db.session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id.in_(ids.scalar_subquery()), _due(cutoff))
        .values(status="sending", claimed_by=worker, claimed_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return list(
        db.session.scalars(
            db.select(OutboxEmail)
            .where(OutboxEmail.claimed_by == worker, OutboxEmail.status == "sending")
            .options(selectinload(OutboxEmail.attachments))
            .order_by(OutboxEmail.id)
        )
    )


@dataclass
class _Claimed:
    """What the worker needs of a claimed email once the session has let go of it."""

    id: int
    attempts: int
    message: Message | Exception  # the exception if the message could not be built

    @property
    def recipients(self) -> list[str]:
        return sorted(self.message.send_to) if isinstance(self.message, Message) else []


def _send_batch(
    worker: str, emails: list[OutboxEmail], clock: _Clock, stop: threading.Event | None
) -> DeliveryResult:
    """Send a claimed batch over one connection; record each result as it happens.

    The result's `server_down` says the server as a whole was unavailable: the
    rest of the batch went back untried."""
    result = DeliveryResult()
    # Build every message first: after each commit the session would otherwise
    # reload each email (and its attachments) one query at a time.
    batch = [_Claimed(e.id, e.attempts, _built(e)) for e in emails]
    for email in emails:  # and each commit below need not expire them all again
        for attachment in email.attachments:
            db.session.expunge(attachment)
        db.session.expunge(email)
    lease = current_app.config["OUTBOX_CLAIM_SECONDS"]
    renewed = clock()
    connection = None
    try:
        for position, claimed in enumerate(batch):
            if stop is not None and stop.is_set():
                _release(worker, [c.id for c in batch[position:]])
                break
            if (clock() - renewed).total_seconds() > lease / 3:
                held = _renew(worker, [c.id for c in batch[position:]], clock)
                renewed = clock()
                if claimed.id not in held:
                    result.lost += 1
                    continue
            if isinstance(claimed.message, Exception):  # it could not even be built
                _record_failure(worker, claimed, claimed.message, clock, result, permanent=True)
                continue
            try:
                if connection is None:
                    connection = connect()
                refused = send(connection, claimed.message)
            except Exception as exc:  # noqa: BLE001 - every SMTP failure is recorded, not raised
                down = exc if connection is None or server_unavailable(exc) else None
                if down is None and _dropped(exc, connection):
                    # Gone under this email (smtplib closes it itself on a 421): the
                    # email's doing or the server's? A new connection tells.
                    disconnect(connection)
                    connection, down = _reconnect()
                if down is not None:
                    _release(worker, [c.id for c in batch[position:]], _unavailable(down))
                    result.server_down = _described(down)
                    result.waiting += len(batch) - position
                    return result
                _record_failure(worker, claimed, exc, clock, result, permanent(exc))
            else:
                _record_sent(worker, claimed, refused, clock, result)
    finally:
        disconnect(connection)
    return result


def _dropped(exc: Exception, connection) -> bool:
    return connection_lost(exc) or getattr(connection.host, "sock", None) is None


def _reconnect():
    """A new connection, or None and why not."""
    try:
        return connect(), None
    except Exception as exc:  # noqa: BLE001 - the server is down: the caller says so
        return None, exc


def _described(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def _unavailable(exc: Exception) -> str:
    return f"Not tried: the mail server was unavailable ({_described(exc)})."[:2000]


def _built(email: OutboxEmail) -> Message | Exception:
    try:
        return message(email)
    except Exception as exc:  # noqa: BLE001 - recorded on the email, the batch goes on
        return exc


def _mine(worker: str, email_id: int):
    """Only the worker that still holds the claim may record a result: one whose
    lease ran out and was taken over must not overwrite the other's."""
    return (
        update(OutboxEmail)
        .where(
            OutboxEmail.id == email_id,
            OutboxEmail.claimed_by == worker,
            OutboxEmail.status == "sending",
        )
        .execution_options(synchronize_session=False)
    )


def recipient_results(recipients: list[str], refused: dict[str, tuple[int, bytes]]) -> list[dict]:
    """What the server answered for each recipient: accepted, or refused with
    its code and message."""
    results = [{"address": a, "accepted": True} for a in recipients if a not in refused]
    for address, (code, text) in sorted(refused.items()):
        message = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
        results.append({"address": address, "accepted": False, "code": code, "message": message})
    return results


def _record_sent(
    worker: str,
    claimed: _Claimed,
    refused: dict[str, tuple[int, bytes]],
    clock: _Clock,
    result: DeliveryResult,
) -> None:
    """Sent: to every recipient, or to those the server took (the refused ones
    are recorded with the server's answer, for staff to see)."""
    now = clock()
    done = db.session.execute(
        _mine(worker, claimed.id).values(
            status="sent",
            recipient_results=recipient_results(claimed.recipients, refused),
            sent_at=now,
            last_attempt_at=now,
            attempts=claimed.attempts + 1,
            last_error=None,
            next_attempt_at=None,
            claimed_by=None,
            claimed_until=None,
        )
    )
    # Committed at once: a crash after this never resends what went out.
    db.session.commit()
    if done.rowcount:
        result.sent += 1
    else:
        result.lost += 1
        log.warning("outbox email %s was sent after %s lost its claim", claimed.id, worker)


def _record_failure(
    worker: str,
    claimed: _Claimed,
    exc: Exception,
    clock: _Clock,
    result: DeliveryResult,
    permanent: bool,
) -> None:
    now = clock()
    attempts = claimed.attempts + 1
    give_up = permanent or attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]
    error = _described(exc)
    refused = refusals(exc)
    done = db.session.execute(
        _mine(worker, claimed.id).values(
            status="failed" if give_up else "pending",
            recipient_results=recipient_results(claimed.recipients, refused) if refused else None,
            attempts=attempts,
            last_attempt_at=now,
            last_error=error,
            next_attempt_at=None if give_up else now + backoff(attempts),
            claimed_by=None,
            claimed_until=None,
        )
    )
    db.session.commit()
    if not done.rowcount:
        result.lost += 1
        return
    result.failed += 1
    result.given_up += give_up
    result.errors.append((claimed.id, error))


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failure: base, 2 x base, 4 x base ... capped."""
    config = current_app.config
    seconds = config["OUTBOX_BACKOFF_SECONDS"] * 2 ** min(attempts - 1, 30)
    return timedelta(seconds=min(seconds, config["OUTBOX_BACKOFF_MAX_SECONDS"]))


def _renew(worker: str, ids: list[int], clock: _Clock) -> set[int]:
    """Extend this worker's lease on what it has not sent yet; return what it still holds."""
    lease = timedelta(seconds=current_app.config["OUTBOX_CLAIM_SECONDS"])
    db.session.execute(
        update(OutboxEmail)
        .where(
            OutboxEmail.id.in_(ids),
            OutboxEmail.claimed_by == worker,
            OutboxEmail.status == "sending",
        )
        .values(claimed_until=clock() + lease)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return set(
        db.session.scalars(
            db.select(OutboxEmail.id).where(
                OutboxEmail.id.in_(ids), OutboxEmail.claimed_by == worker
            )
        )
    )


def _release(worker: str, ids: list[int], error: str | None = None) -> None:
    """Give back what a stopping worker had claimed but not sent, so it need not
    wait for the lease to run out; due again at once, no attempt used. `error`
    says why it was not tried (the server was unavailable)."""
    values = {"status": "pending", "claimed_by": None, "claimed_until": None}
    if error is not None:
        values["last_error"] = error
    db.session.execute(
        update(OutboxEmail)
        .where(
            OutboxEmail.id.in_(ids),
            OutboxEmail.claimed_by == worker,
            OutboxEmail.status == "sending",
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
