"""The one way an email enters the outbox: `queue_email`.

Whatever the kind (an email template administrators edit, or a fixed body
under templates/mail/bodies/), it is rendered here in the recipients'
language, filtered by their notification preferences when it is a
notification, checked against its idempotency key, and added to the outbox in
the caller's transaction, so mail exists exactly when the change does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import current_app, render_template
from flask_babel import LazyString
from sqlalchemy import func

from portal.core import i18n
from portal.core.extensions import db
from portal.mail.email_templates import RenderedEmail, render_email
from portal.mail.merge_fields import TEMPLATE_KEYS
from portal.models import OutboxAttachment, OutboxEmail, User
from portal.notifications.preferences import emails_now

# A file sent with an email: (filename, content type, bytes).
Attachment = tuple[str, str, bytes]
# The files, or a function that makes them in a language (an invitation's title).
Attachments = Iterable[Attachment] | Callable[[str], Iterable[Attachment]]
# A subject: text, a lazy_gettext string, or a function that writes it (called in
# the recipients' language).
Subject = str | LazyString | Callable[[], str]


def queue_email(
    recipients: Iterable[User | str],
    template: str,
    fields: dict,
    *,
    language: str | None = None,
    subject: Subject = "",
    notification: str | None = None,
    essential: bool = False,
    idempotency_key: str | None = None,
    key_checked: bool = False,
    cc: Iterable[str] = (),
    attachments: Attachments = (),
) -> OutboxEmail | None:
    """Queue the email to `recipients` (users or addresses), each in their own
    language; callers commit.

    `template` is an editable email template's key ("report", "reminder",
    "invitation", "welcome": its subject is the template's) or a fixed body in
    mail/bodies/ (then `subject` is given: a lazy_gettext string, or a function
    of no arguments that writes it, so that it is written in each recipient's
    language). Without `language`, each recipient reads it in
    `i18n.recipient_language`: recipients of different languages get one email per
    language, each rendered in it (and `attachments`, when it is a function of
    the language, made in it too). With `notification` (a kind of
    notification), recipients who take that kind in their digest or muted it
    are left out, unless `essential`. None when nobody is left, or when
    `idempotency_key` was queued already (a scheduler run twice sends once);
    `key_checked` says the caller looked the key up already, with its others.
    Returns the first email queued (the only one when all read one language).
    """
    emails = queue_emails(
        recipients,
        template,
        fields,
        language=language,
        subject=subject,
        notification=notification,
        essential=essential,
        idempotency_key=idempotency_key,
        key_checked=key_checked,
        cc=cc,
        attachments=attachments,
    )
    return emails[0] if emails else None


def queue_emails(
    recipients: Iterable[User | str],
    template: str,
    fields: dict,
    *,
    language: str | None = None,
    subject: Subject = "",
    notification: str | None = None,
    essential: bool = False,
    idempotency_key: str | None = None,
    key_checked: bool = False,
    cc: Iterable[str] = (),
    attachments: Attachments = (),
) -> list[OutboxEmail]:
    """`queue_email`, returning every email queued (one per language)."""
    recipients = list(recipients)
    if notification is not None:
        recipients = [
            r
            for r in recipients
            if not isinstance(r, User) or emails_now(r, notification, essential)
        ]
    if not _addresses(recipients):
        return []
    if idempotency_key is not None and not key_checked and _queued(idempotency_key):
        return []
    groups = _by_language(recipients, language)
    emails = []
    for number, (code, people) in enumerate(groups.items()):
        to = _addresses(people)
        rendered = render(template, fields, code, subject)
        with i18n.in_language(code):
            files = attachments(code) if callable(attachments) else attachments
            files = list(files)
        email = OutboxEmail(
            recipients=",".join(to),
            # The copies go with the first email only: one copy is enough.
            cc=",".join(sorted(set(_addresses(cc)) - set(to))) if number == 0 else "",
            subject=rendered.subject,
            body_text=rendered.text,
            body_html=rendered.html,
            template=template,
            # One key per email: the first has the caller's, the others its language's.
            idempotency_key=(
                None
                if idempotency_key is None
                else idempotency_key
                if number == 0
                else f"{idempotency_key}:{code}"
            ),
        )
        email.attachments = [
            OutboxAttachment(filename=filename, content_type=content_type, data=data)
            for filename, content_type, data in files
        ]
        db.session.add(email)
        emails.append(email)
    return emails


def _by_language(recipients: list[User | str], language: str | None) -> dict[str, list]:
    """The recipients by the language they read, the default language first."""
    if language is not None:
        return {i18n.checked_language(language): recipients}
    addresses = [r.strip().lower() for r in recipients if isinstance(r, str) and r.strip()]
    known = {}
    if addresses:
        known = {
            u.email.strip().lower(): u
            for u in db.session.scalars(
                db.select(User).where(func.lower(User.email).in_(addresses))
            )
        }
    groups: dict[str, list] = {}
    for r in recipients:
        person = r if isinstance(r, User) else known.get(r.strip().lower()) if r else None
        groups.setdefault(i18n.recipient_language(person), []).append(r)
    order = sorted(groups, key=lambda code: (code != i18n.DEFAULT_LANGUAGE, code))
    return {code: groups[code] for code in order}


def render(
    template: str, fields: dict, language: str = "en", subject: Subject = ""
) -> RenderedEmail:
    """The email as it will be sent (the editor's preview and the outbox share it)."""
    if template in TEMPLATE_KEYS:
        return render_email(template, fields, language)
    context = {"programme": current_app.config["PROGRAMME_NAME"], **fields}
    with i18n.in_language(language) as code:
        written = subject() if callable(subject) else str(subject)
        context |= {"subject": written, "language": code}
        return RenderedEmail(
            subject=written,
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
