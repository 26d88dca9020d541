"""The one way an email enters the outbox: `queue_email`.

Whatever the kind (an email template administrators edit, or a fixed body
under templates/mail/bodies/), it is rendered here in the recipients'
language, filtered by their notification preferences when it is a
notification, checked against its idempotency key, and added to the outbox in
the caller's transaction, so mail exists exactly when the change does.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app, render_template

from portal.core import i18n
from portal.core.extensions import db
from portal.mail.email_templates import RenderedEmail, render_email
from portal.mail.merge_fields import TEMPLATE_KEYS
from portal.models import OutboxAttachment, OutboxEmail, User
from portal.notifications.preferences import emails_now

# A file sent with an email: (filename, content type, bytes).
Attachment = tuple[str, str, bytes]


def queue_email(
    recipients: Iterable[User | str],
    template: str,
    fields: dict,
    *,
    language: str = "en",
    subject: str = "",
    notification: str | None = None,
    essential: bool = False,
    idempotency_key: str | None = None,
    key_checked: bool = False,
    cc: Iterable[str] = (),
    attachments: Iterable[Attachment] = (),
) -> OutboxEmail | None:
    """Queue one email to `recipients` (users or addresses); callers commit.

    `template` is an editable email template's key ("report", "reminder",
    "invitation", "welcome": its subject is the template's) or a fixed body in
    mail/bodies/ (then `subject` is given). With `notification` (a kind of
    notification), recipients who take that kind in their digest or muted it
    are left out, unless `essential`. None when nobody is left, or when
    `idempotency_key` was queued already (a scheduler run twice sends once);
    `key_checked` says the caller looked the key up already, with its others.
    """
    if notification is not None:
        recipients = [u for u in recipients if emails_now(u, notification, essential)]
    to = _addresses(recipients)
    if not to:
        return None
    if idempotency_key is not None and not key_checked and _queued(idempotency_key):
        return None
    rendered = render(template, fields, language, subject)
    email = OutboxEmail(
        recipients=",".join(to),
        cc=",".join(sorted(set(_addresses(cc)) - set(to))),
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        template=template,
        idempotency_key=idempotency_key,
    )
    email.attachments = [
        OutboxAttachment(filename=filename, content_type=content_type, data=data)
        for filename, content_type, data in attachments
    ]
    db.session.add(email)
    return email


def render(template: str, fields: dict, language: str = "en", subject: str = "") -> RenderedEmail:
    """The email as it will be sent (the editor's preview and the outbox share it)."""
    if template in TEMPLATE_KEYS:
        return render_email(template, fields, language)
    context = {"programme": current_app.config["PROGRAMME_NAME"], "subject": subject, **fields}
    with i18n.in_language(language):
        return RenderedEmail(
            subject=subject,
            text=render_template(f"mail/bodies/{template}.txt", **context),
            html=render_template(f"mail/bodies/{template}.html", **context),
        )


def _addresses(recipients: Iterable[User | str]) -> list[str]:
    emails = (r.email if isinstance(r, User) else r for r in recipients)
    return sorted({e.strip().lower() for e in emails if e and e.strip()})


def _queued(idempotency_key: str) -> bool:
    return bool(
        db.session.scalar(
            db.select(OutboxEmail.id).where(OutboxEmail.idempotency_key == idempotency_key)
        )
    )
