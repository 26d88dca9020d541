"""The Email log: what staff see of the outbox, before and after `flask outbox deliver`."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from portal.extensions import db
from portal.models import OutboxEmail, utcnow
from portal.services.partners import invite

PAGE_SIZE = 50  # portal/emails/views.py


def add_email(subject: str, to: str = "someone@example.org", **values) -> OutboxEmail:
    email = OutboxEmail(
        recipients=to,
        subject=subject,
        body_text=f"Text of {subject}",
        body_html=f"<p>HTML of {subject}</p>",
        template="invitation",
        **values,
    )
    db.session.add(email)
    db.session.commit()
    return email


def rows(page: str) -> list[dict]:
    """The log's rows: recipients, subject, status label, error, attempts."""
    found = []
    for row in re.findall(r'<tr data-testid="email-row">(.*?)</tr>', page, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        error = re.search(r'<div class="error small">([^<]*)</div>', cells[3])
        found.append(
            {
                "to": cells[1].strip(),
                "subject": re.sub(r"<[^>]+>", "", cells[2]).strip(),
                "status": re.search(r'<span class="badge[^"]*">([^<]*)</span>', cells[3]).group(1),
                "error": html.unescape(error.group(1)) if error else None,
                "attempts": cells[4].strip(),
            }
        )
    return found


def deliver(app) -> str:
    result = app.test_cli_runner().invoke(args=["outbox", "deliver"])
    assert result.exit_code == 0, result.output
    return result.output


# --- the log -------------------------------------------------------------------


def test_the_log_lists_email_newest_first_with_its_delivery_state(staff, login):
    add_email(
        "Your invitation",
        to="a@alpha.example.org",
        status="sent",
        attempts=1,
        sent_at=utcnow() - timedelta(hours=2),
    )
    add_email(
        "Changes requested: Registration certificate",
        to="b@bravo.example.org,c@bravo.example.org",
        status="failed",
        attempts=3,
        last_error="SMTPRecipientsRefused: {'b@bravo.example.org': (550, b'No such user')}",
    )
    add_email("Milestone reached: Document submission", to="d@delta.example.org")
    client = login(staff["manager"].email)

    page = client.get("/emails").get_data(as_text=True)

    assert rows(page) == [
        {
            "to": "d@delta.example.org",
            "subject": "Milestone reached: Document submission",
            "status": "Pending",
            "error": None,
            "attempts": "0",
        },
        {
            "to": "b@bravo.example.org, c@bravo.example.org",
            "subject": "Changes requested: Registration certificate",
            "status": "Failed",
            "error": "SMTPRecipientsRefused: {'b@bravo.example.org': (550, b'No such user')}",
            "attempts": "3",
        },
        {
            "to": "a@alpha.example.org",
            "subject": "Your invitation",
            "status": "Sent",
            "error": None,
            "attempts": "1",
        },
    ]
    assert "<strong>3</strong> emails" in page


def test_the_log_shows_fifty_emails_a_page_and_the_rest_on_the_next(staff, login):
    total = PAGE_SIZE + 5
    for n in range(1, total + 1):
        add_email(f"Email {n:02d}")
    client = login(staff["admin"].email)

    first = client.get("/emails").get_data(as_text=True)
    second = client.get("/emails?page=2").get_data(as_text=True)

    subjects = [r["subject"] for r in rows(first)]
    assert len(subjects) == PAGE_SIZE
    assert subjects[0] == f"Email {total}" and subjects[-1] == "Email 06"
    assert "Page 1 of 2" in first
    assert '<a href="/emails?page=2">Older ›</a>' in first
    assert "Newer" not in first

    assert [r["subject"] for r in rows(second)] == [f"Email {n:02d}" for n in range(5, 0, -1)]
    assert "Page 2 of 2" in second
    assert '<a href="/emails?page=1">‹ Newer</a>' in second
    assert "Older" not in second
    assert f"<strong>{total}</strong> emails" in second


def test_a_page_past_the_end_is_empty_not_an_error(staff, login):
    add_email("Only one")
    client = login(staff["admin"].email)

    response = client.get("/emails?page=7")

    assert response.status_code == 200
    assert rows(response.get_data(as_text=True)) == []


def test_an_email_reads_as_it_will_be_sent(app, world, login):
    """The invitation the world fixture queued for partner A's focal point."""
    email = world.a.email
    client = login(world.manager.email)

    page = client.get(f"/emails/{email.id}").get_data(as_text=True)

    assert f"<h1>{html.escape(email.subject)}</h1>" in page
    assert email.subject == f"Your invitation to the {app.config['PROGRAMME_NAME']} portal"
    assert f"To {world.a.focal.email}" in page
    body = re.search(r'<pre class="email-body">(.*?)</pre>', page, re.S).group(1)
    assert html.unescape(body) == email.body_text
    assert "/set-password/" in body
    assert "Pending" in page


# --- delivering -------------------------------------------------------------------


def test_without_a_mail_server_mail_stays_pending_and_readable(app, staff, make_user, login):
    focal = make_user("focal@echo.example.org", password=None)
    invite(focal)
    db.session.commit()

    output = deliver(app)

    assert "No MAIL_SERVER configured; 1 email(s) wait in the Email log." in output
    client = login(staff["manager"].email)
    [row] = rows(client.get("/emails").get_data(as_text=True))
    assert (row["to"], row["status"], row["attempts"]) == (focal.email, "Pending", "0")
    email = db.session.scalar(db.select(OutboxEmail))
    page = client.get(f"/emails/{email.id}").get_data(as_text=True)
    assert "/set-password/" in page and " · sent " not in page


def test_delivered_mail_shows_as_sent(app, smtp, staff, make_user, login):
    focal = make_user("focal@echo.example.org", password=None)
    invite(focal)
    db.session.commit()

    output = deliver(app)

    assert "Sent 1, failed 0." in output
    assert [m["X-Envelope-To"] for m in smtp.inbox.messages] == [focal.email]
    client = login(staff["manager"].email)
    [row] = rows(client.get("/emails").get_data(as_text=True))
    assert (row["status"], row["error"], row["attempts"]) == ("Sent", None, "1")
    email = db.session.scalar(db.select(OutboxEmail))
    assert " · sent " in client.get(f"/emails/{email.id}").get_data(as_text=True)


def test_mail_the_server_did_not_take_shows_as_failed_with_the_error(
    app, smtp, staff, make_user, login
):
    focal = make_user("focal@echo.example.org", password=None)
    invite(focal)
    db.session.commit()
    smtp.stop()

    output = deliver(app)

    assert "Sent 0, failed 1." in output
    client = login(staff["manager"].email)
    [row] = rows(client.get("/emails").get_data(as_text=True))
    assert (row["status"], row["attempts"]) == ("Failed", "1")
    assert row["error"] and row["error"].startswith("ConnectionRefusedError")
    email = db.session.scalar(db.select(OutboxEmail))
    page = client.get(f"/emails/{email.id}").get_data(as_text=True)
    assert "Last error: ConnectionRefusedError" in page
