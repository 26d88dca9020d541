"""Queueing email: rendered from a template pair into the outbox, in the
caller's transaction, so mail exists exactly when the change does."""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app, has_request_context, render_template, url_for

from portal.extensions import db
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
    **context,
) -> OutboxEmail | None:
    """Render emails/<template>.txt and .html and add them to the outbox, with
    `attachments` (stored beside it, so the worker sends exactly what was queued)."""
    to = sorted({r.strip().lower() for r in recipients if r and r.strip()})
    if not to:
        return None
    context = {"programme": current_app.config["PROGRAMME_NAME"], "subject": subject, **context}
    email = OutboxEmail(
        recipients=",".join(to),
        subject=subject,
        body_text=render_template(f"emails/{template}.txt", **context),
        body_html=render_template(f"emails/{template}.html", **context),
        template=template,
        idempotency_key=idempotency_key,
    )
    email.attachments = [
        OutboxAttachment(filename=filename, content_type=content_type, data=data)
        for filename, content_type, data in attachments
    ]
    db.session.add(email)
    return email
