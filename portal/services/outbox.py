"""Delivering the outbox through Flask-Mail."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_mail import Message

from portal.extensions import db, mail
from portal.models import OutboxEmail, utcnow


@dataclass
class DeliveryResult:
    sent: int = 0
    failed: int = 0


def _claim(limit: int) -> list[OutboxEmail]:
    """Pending and failed mail still worth trying, oldest first.

    On PostgreSQL the rows are locked with SKIP LOCKED so that two workers
    running at once never take the same email.
    """
    query = (
        db.select(OutboxEmail)
        .where(
            OutboxEmail.status.in_(("pending", "failed")),
            OutboxEmail.attempts < current_app.config["OUTBOX_MAX_ATTEMPTS"],
        )
        .order_by(OutboxEmail.id)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(db.session.scalars(query))


def _message(email: OutboxEmail) -> Message:
    message = Message(
        subject=email.subject,
        recipients=email.recipient_list,
        body=email.body_text,
        html=email.body_html,
    )
    for attachment in email.attachments:
        message.attach(attachment.filename, attachment.content_type, attachment.data)
    return message


def deliver_pending(limit: int = 500) -> DeliveryResult:
    """Send what is waiting; record each email as sent or failed with the error."""
    result = DeliveryResult()
    batch = _claim(limit)
    if not batch:
        db.session.commit()
        return result
    try:
        connection = mail.connect().__enter__()
    except OSError as exc:  # server down: every email in the batch waits for the next run
        for email in batch:
            _failed(email, exc)
        result.failed = len(batch)
        db.session.commit()
        return result
    try:
        for email in batch:
            email.attempts += 1
            email.last_attempt_at = utcnow()
            try:
                connection.send(_message(email))
            except Exception as exc:  # noqa: BLE001 - any SMTP failure is recorded, not raised
                _failed(email, exc, counted=True)
                result.failed += 1
            else:
                email.status, email.sent_at, email.last_error = "sent", utcnow(), None
                result.sent += 1
            # Commit after each email: a crash must not resend what already went out.
            db.session.commit()
    finally:
        connection.__exit__(None, None, None)
    return result


def _failed(email: OutboxEmail, exc: Exception, counted: bool = False) -> None:
    if not counted:
        email.attempts += 1
        email.last_attempt_at = utcnow()
    email.status = "failed"
    email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
