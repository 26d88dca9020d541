"""The Email log: what staff see of the outbox, before and after `flask outbox deliver`."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from portal.accounts.invitations import invite
from portal.core.extensions import db
from portal.core.filters import localtime
from portal.mail.links import REDACTED
from portal.models import AuditEvent, OutboxEmail, utcnow
from tests.helpers import token_for

PAGE_SIZE = 50  # portal/mail/log_views.py


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
    # The one-time link is the recipient's alone: whoever follows it owns the account.
    link = re.search(r"https?://\S+/set-password/\S+", email.body_text).group(0)
    assert link not in page and "/set-password/" not in page
    assert html.unescape(body) == email.body_text.replace(link, REDACTED)
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
    assert REDACTED in page and "/set-password/" not in page and " · sent " not in page


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


def test_mail_the_server_did_not_take_is_retried_later_and_shows_when(
    app, smtp, staff, make_user, login
):
    focal = make_user("focal@echo.example.org", password=None)
    invite(focal)
    db.session.commit()
    smtp.inbox.deferring = True  # "451 try again later"

    output = deliver(app)

    assert "Sent 0, failed 1." in output
    client = login(staff["manager"].email)
    page = client.get("/emails").get_data(as_text=True)
    [row] = rows(page)
    assert (row["status"], row["attempts"]) == ("Retrying", "1")
    assert row["error"] and row["error"].startswith("SMTPDataError: (451")
    email = db.session.scalar(db.select(OutboxEmail))
    assert f"next attempt {localtime(email.next_attempt_at)}" in page
    page = client.get(f"/emails/{email.id}").get_data(as_text=True)
    assert "Last error: SMTPDataError: (451" in page


# --- failed mail and "Retry now" ------------------------------------------------


def retry_buttons(page: str) -> list[str]:
    return re.findall(r'action="/emails/(\d+)/retry"', page)


def test_the_log_filters_by_delivery_state_and_counts_each(staff, login):
    add_email("Went out", status="sent", attempts=1)
    add_email("Waiting", status="pending")
    add_email("Backing off", status="pending", attempts=2, next_attempt_at=utcnow())
    add_email("Gave up", status="failed", attempts=8, last_error="SMTPDataError: 554")
    add_email("On its way", status="sending", claimed_until=utcnow())
    client = login(staff["manager"].email)

    def subjects(state: str) -> list[str]:
        page = client.get(f"/emails?status={state}").get_data(as_text=True)
        return [(r["subject"], r["status"]) for r in rows(page)]

    assert subjects("pending") == [("Waiting", "Pending")]
    assert subjects("retrying") == [("Backing off", "Retrying")]
    assert subjects("sending") == [("On its way", "Sending")]
    assert subjects("sent") == [("Went out", "Sent")]
    assert subjects("failed") == [("Gave up", "Failed")]
    assert len(subjects("nonsense")) == 5  # an unknown state: everything
    page = client.get("/emails?status=failed").get_data(as_text=True)
    for label in ("Pending", "Retrying", "Sending", "Sent", "Failed"):
        assert re.search(rf'{label} <span class="tab-count">1</span>', page), label
    assert re.search(r'aria-current="page">Failed', page)


def test_the_log_costs_the_same_queries_for_any_state(staff, login, count_queries):
    client = login(staff["manager"].email)
    add_email("One", status="failed", attempts=8)
    with count_queries() as few:
        client.get("/emails?status=failed")
    for n in range(10):
        add_email(f"More {n}", status=("failed", "pending", "sent")[n % 3], attempts=n % 2)
    with count_queries() as many:
        client.get("/emails?status=failed")
    assert many.count == few.count


def test_failed_mail_is_retried_at_once_by_an_administrator(app, smtp, staff, make_user, login):
    app.config["OUTBOX_MAX_ATTEMPTS"] = 1
    focal = make_user("focal@echo.example.org", password=None)
    invite(focal)
    db.session.commit()
    smtp.inbox.deferring = True
    deliver(app)
    email = db.session.scalar(db.select(OutboxEmail))
    admin = login(staff["admin"].email)
    page = admin.get("/emails?status=failed").get_data(as_text=True)
    [row] = rows(page)
    assert (row["status"], row["attempts"]) == ("Failed", "1")
    assert row["error"].startswith("SMTPDataError: (451")
    assert retry_buttons(page) == [str(email.id)]
    assert retry_buttons(admin.get(f"/emails/{email.id}").get_data(as_text=True)) == [str(email.id)]
    smtp.inbox.deferring = False

    response = admin.post(
        f"/emails/{email.id}/retry",
        data={"csrf_token": token_for(admin), "next": "/emails?status=failed"},
    )

    assert response.status_code == 302 and response.location == "/emails?status=failed"
    page = admin.get("/emails").get_data(as_text=True)
    assert "goes out on the next delivery run" in page
    [row] = rows(page)
    assert (row["status"], row["attempts"]) == ("Pending", "0")
    assert retry_buttons(page) == []
    assert "Sent 1, failed 0." in deliver(app)
    assert [m["X-Envelope-To"] for m in smtp.inbox.messages] == [focal.email]
    [row] = rows(admin.get("/emails").get_data(as_text=True))
    assert (row["status"], row["error"]) == ("Sent", None)


def test_managers_see_failed_mail_but_may_not_retry_it(staff, login):
    email = add_email("Gave up", status="failed", attempts=8, last_error="SMTPDataError: 554")
    client = login(staff["manager"].email)

    page = client.get("/emails").get_data(as_text=True)
    assert rows(page)[0]["status"] == "Failed" and retry_buttons(page) == []

    response = client.post(f"/emails/{email.id}/retry", data={"csrf_token": token_for(client)})

    assert response.status_code == 403
    db.session.refresh(email)
    assert (email.status, email.attempts) == ("failed", 8)


def test_mail_that_is_not_waiting_for_a_retry_is_not_retried(staff, login):
    email = add_email("Went out", status="sent", attempts=1)
    client = login(staff["admin"].email)

    response = client.post(
        f"/emails/{email.id}/retry", data={"csrf_token": token_for(client)}, follow_redirects=True
    )

    assert "Only failed email" in response.get_data(as_text=True)
    db.session.refresh(email)
    assert (email.status, email.attempts) == ("sent", 1)


def test_the_log_and_the_email_show_each_recipient_the_server_refused(app, smtp, staff, login):
    smtp.inbox.refuse["bob@example.org"] = "550 5.1.1 No such user"
    email = add_email("To three", to="ann@example.org,bob@example.org,cy@example.org")
    assert "Sent 1, failed 0." in deliver(app)

    client = login(staff["manager"].email)
    page = client.get("/emails").get_data(as_text=True)
    [row] = rows(page)
    assert row["status"] == "Sent"
    assert 'data-testid="refused">sent · 1 of 3 refused</div>' in page
    page = client.get(f"/emails/{email.id}").get_data(as_text=True)
    results = [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r)).strip()
        for r in re.findall(r'<tr data-testid="recipient-result">(.*?)</tr>', page, re.S)
    ]
    assert results == [
        "ann@example.org Accepted",
        "cy@example.org Accepted",
        "bob@example.org Refused 550 5.1.1 No such user",
    ]


# --- "Retry all failed" ---------------------------------------------------------------


def test_an_administrator_retries_all_failed_mail_at_once_and_it_is_audited(
    app, smtp, staff, login
):
    failed = [
        add_email(f"Gave up {n}", status="failed", attempts=8, last_error="SMTPDataError: 451")
        for n in range(3)
    ]
    add_email("Went out", status="sent", attempts=1)
    admin = login(staff["admin"].email)
    page = admin.get("/emails").get_data(as_text=True)
    assert "Retry all failed (3)</button>" in page

    assert admin.post("/emails/retry-failed").status_code == 400  # no CSRF token
    assert {e.status for e in db.session.scalars(db.select(OutboxEmail))} == {"failed", "sent"}

    response = admin.post(
        "/emails/retry-failed", data={"csrf_token": token_for(admin)}, follow_redirects=True
    )

    page = response.get_data(as_text=True)
    assert "3 failed email(s) go out again on the next delivery run." in page
    assert "Retry all failed" not in page
    assert [(r["status"], r["attempts"]) for r in rows(page)] == [("Sent", "1")] + [
        ("Pending", "0")
    ] * 3
    events = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "email_retried")
    ).all()
    assert sorted(e.object_id for e in events) == sorted(e.id for e in failed)
    assert {(e.actor_id, e.reason) for e in events} == {
        (staff["admin"].id, "Retry all failed: 3 email(s) re-queued together.")
    }
    assert "Sent 3, failed 0." in deliver(app)
    assert sorted(m["Subject"] for m in smtp.inbox.messages) == [f"Gave up {n}" for n in range(3)]


def test_managers_see_no_retry_all_button_and_may_not_retry_all(staff, login):
    email = add_email("Gave up", status="failed", attempts=8, last_error="SMTPDataError: 554")
    client = login(staff["manager"].email)
    assert "Retry all failed" not in client.get("/emails").get_data(as_text=True)

    response = client.post("/emails/retry-failed", data={"csrf_token": token_for(client)})

    assert response.status_code == 403
    db.session.refresh(email)
    assert (email.status, email.attempts) == ("failed", 8)
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id))) == 0
