"""Queueing email: rendered from a template pair into the outbox, in the
caller's transaction, so mail exists exactly when the change does."""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app, has_request_context, render_template, url_for

from portal.core.extensions import db
from portal.models import OutboxAttachment, OutboxEmail

# A file sent with an email: (filename, content type, bytes).
Attachment = tuple[str, str, bytes]


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an email: PORTAL_URL when set, else this request's host."""
    base = current_app.config["PORTAL_URL"]
    if base or not has_request_context():
        with current_app.test_request_context(base_url=base or "http://127.0.0.1:5000"):
            return url_for(endpoint, _external=True, **values)
    return url_for(endpoint, _external=True, **values)


def queue_email(
    recipients: Iterable[str],
    template: str,
    subject: str,
    *,
    idempotency_key: str | None = None,
    attachments: Iterable[Attachment] = (),
    cc: Iterable[str] = (),
    **context,
) -> OutboxEmail | None:
    """Render mail/bodies/<template>.txt and .html and add them to the outbox, with
    `attachments` (stored beside it, so the worker sends exactly what was queued)
    and `cc` (copied, e.g. when a reminder escalates; never someone already in To)."""
    to = sorted({r.strip().lower() for r in recipients if r and r.strip()})
    if not to:
        return None
    copied = sorted({c.strip().lower() for c in cc if c and c.strip()} - set(to))
    context = {"programme": current_app.config["PROGRAMME_NAME"], "subject": subject, **context}
    email = OutboxEmail(
        recipients=",".join(to),
        cc=",".join(copied),
        subject=subject,
        body_text=render_template(f"mail/bodies/{template}.txt", **context),
        body_html=render_template(f"mail/bodies/{template}.html", **context),
        template=template,
        idempotency_key=idempotency_key,
    )
    email.attachments = [
        OutboxAttachment(filename=filename, content_type=content_type, data=data)
        for filename, content_type, data in attachments
    ]
    db.session.add(email)
    return email


def queue_prepared(
    recipients: Iterable[str],
    subject: str,
    body_text: str,
    body_html: str,
    *,
    template: str,
    idempotency_key: str | None = None,
    cc: Iterable[str] = (),
    attachments: Iterable[Attachment] = (),
) -> OutboxEmail | None:
    """Add an email rendered elsewhere (an editable template, see
    mail/email_templates.py) to the outbox. None when there is no recipient,
    or when `idempotency_key` is queued already: a scheduler run twice sends once."""
    to = sorted({r.strip().lower() for r in recipients if r and r.strip()})
    if not to:
        return None
    if idempotency_key is not None and db.session.scalar(
        db.select(OutboxEmail.id).where(OutboxEmail.idempotency_key == idempotency_key)
    ):
        return None
    copied = sorted({c.strip().lower() for c in cc if c and c.strip()} - set(to))
    email = OutboxEmail(
        recipients=",".join(to),
        cc=",".join(copied),
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        template=template,
        idempotency_key=idempotency_key,
    )
    email.attachments = [
        OutboxAttachment(filename=filename, content_type=content_type, data=data)
        for filename, content_type, data in attachments
    ]
    db.session.add(email)
    return email
