"""SMTP: an outbox email as it goes out, the connection it goes over, and
which of a server's answers are final."""

from __future__ import annotations

import smtplib
import time
from email.charset import QP, Charset
from email.mime.text import MIMEText
from email.utils import parseaddr

from flask import current_app
from flask_mail import BadHeaderError, Connection, Message, sanitize_address, sanitize_addresses

from portal.mail.links import external_url
from portal.models import OutboxEmail


class _LongLineMessage(Message):
    """SMTP allows lines of at most 998 bytes, and Flask-Mail sends text as it is
    (8bit): a long paragraph (a report's intro typed as one line) would be refused.
    Such a text part goes quoted-printable, which wraps lines losslessly."""

    def _mimetext(self, text, subtype="plain"):
        if text and any(len(line.encode()) > 998 for line in text.splitlines()):
            quoted = Charset("utf-8")
            quoted.body_encoding = QP
            return MIMEText(text, _subtype=subtype, _charset=quoted)
        return super()._mimetext(text, subtype)


# The emails sent to many people on a schedule (progress reports): mail clients
# offer to unsubscribe from them, which leads to the notice preferences.
BULK_TEMPLATES = frozenset({"report"})


def message(email: OutboxEmail) -> Message:
    """The email as it goes out, with a Message-ID that stays the same on every
    attempt, so the receiving side can recognise (and count) a duplicate.

    Every email the portal writes is automatic (RFC 3834 Auto-Submitted: an
    out-of-office reply is not sent back to it); bulk mail says where to stop it
    (RFC 2369 List-Unsubscribe, a link to the notice preferences: there is no
    one-click unsubscribe, so no List-Unsubscribe-Post)."""
    msg = _LongLineMessage(
        subject=email.subject,
        recipients=email.recipient_list,
        cc=email.cc_list,
        body=email.body_text,
        html=email.body_html,
        extra_headers=headers(email),
    )
    msg.msgId = message_id(email)
    for attachment in email.attachments:
        msg.attach(attachment.filename, attachment.content_type, attachment.data)
    return msg


def headers(email: OutboxEmail) -> dict[str, str]:
    """The headers a mail client reads besides the usual ones."""
    extra = {"Auto-Submitted": "auto-generated"}
    if email.template in BULK_TEMPLATES and "settings.notifications" in current_app.view_functions:
        extra["List-Unsubscribe"] = f"<{external_url('settings.notifications')}>"
    return extra


def message_id(email: OutboxEmail) -> str:
    # The creation time keeps ids unique across databases (a reset restarts ids).
    created = int(email.created_at.timestamp()) if email.created_at else 0
    sender = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"] or "")[1]
    domain = sender.rpartition("@")[2] or "partner-portal"
    return f"<outbox-{email.id}.{created}@{domain}>"


class TimedConnection(Connection):
    """Flask-Mail's connection with a socket timeout: a server that hangs must
    not hold a worker past its lease (smtplib waits forever by default)."""

    def configure_host(self):
        timeout = current_app.config["OUTBOX_SMTP_TIMEOUT"]
        smtp_class = smtplib.SMTP_SSL if self.mail.use_ssl else smtplib.SMTP
        host = smtp_class(self.mail.server, self.mail.port, timeout=timeout)
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


def connect() -> TimedConnection:
    connection = TimedConnection(current_app.extensions["mail"])
    return connection.__enter__()


def disconnect(connection: TimedConnection | None) -> None:
    if connection is None or connection.host is None:
        return
    try:
        connection.host.quit()
    except OSError:  # smtplib's errors are OSErrors too
        connection.host.close()


def send(connection: TimedConnection, msg: Message) -> dict[str, tuple[int, bytes]]:
    """Send one message; return the recipients the server refused while it took
    the others (Flask-Mail's own send drops that answer). All refused raises
    SMTPRecipientsRefused."""
    if msg.has_bad_headers():
        raise BadHeaderError
    if msg.date is None:
        msg.date = time.time()
    return connection.host.sendmail(
        sanitize_address(msg.sender),
        list(sanitize_addresses(msg.send_to)),
        msg.as_bytes(),
        msg.mail_options,
        msg.rcpt_options,
    )


def server_unavailable(exc: Exception) -> bool:
    """An answer about the server as a whole, whichever email is sent: it will
    not greet us (HELO), or it will not take mail from anyone now (4xx to MAIL
    FROM, 421 "closing"). No email is to blame, so none pays an attempt."""
    if isinstance(exc, smtplib.SMTPHeloError):
        return True
    return isinstance(exc, smtplib.SMTPSenderRefused) and exc.smtp_code < 500


def connection_lost(exc: Exception) -> bool:
    """The server went away (as opposed to refusing this one email)."""
    return isinstance(exc, smtplib.SMTPServerDisconnected) or (
        isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException)
    )


def refusals(exc: Exception) -> dict[str, tuple[int, bytes]]:
    """The recipients a server refused, by address, when it refused them all."""
    return exc.recipients if isinstance(exc, smtplib.SMTPRecipientsRefused) else {}


def permanent(exc: Exception) -> bool:
    """A 5xx answer about this email (no such user, message refused) will not
    change on a retry. (A refused sender is the portal's setting: retried.)"""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPDataError) and exc.smtp_code >= 500
