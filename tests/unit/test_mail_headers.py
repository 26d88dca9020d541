"""What mail clients read besides the words: automatic mail says so (no
out-of-office reply comes back), bulk report mail says where to stop it, and a
long unbroken token (a video-call link) cannot push the HTML card wider."""

from __future__ import annotations

import re
from datetime import date, time

from portal.checkins import meetings as checkins
from portal.checkins.meetings import CheckInPlan
from portal.core.clock import local_today
from portal.core.extensions import db
from portal.mail.delivery import deliver_pending
from portal.mail.links import external_url
from portal.mail.queue import render
from portal.mail.smtp import message
from portal.models import OutboxEmail


def _queued(template: str) -> OutboxEmail:
    email = OutboxEmail(
        recipients="to@example.org",
        subject="Subject",
        body_text="Hello",
        body_html="<p>Hello</p>",
        template=template,
    )
    db.session.add(email)
    db.session.commit()
    return email


def test_every_email_the_portal_writes_is_marked_auto_generated(smtp):
    for template in ("milestone_reached", "password_reset", "report"):
        _queued(template)
    assert deliver_pending().sent == 3
    assert [m["Auto-Submitted"] for m in smtp.inbox.messages] == ["auto-generated"] * 3


def test_report_mail_says_where_to_stop_it_and_other_mail_does_not(smtp):
    _queued("report")
    _queued("checkin_invitation")
    assert deliver_pending().sent == 2
    report, invitation = smtp.inbox.messages
    preferences = external_url("settings.notifications")
    assert report["List-Unsubscribe"] == f"<{preferences}>"
    # No one-click unsubscribe exists, so it is not offered (RFC 8058).
    assert report["List-Unsubscribe-Post"] is None
    assert invitation["List-Unsubscribe"] is None


def test_the_headers_are_on_the_message_as_built(app):
    msg = message(_queued("report")).as_string()
    assert "Auto-Submitted: auto-generated" in msg
    assert re.search(r"List-Unsubscribe: <http[^>]+/settings/notifications>", msg)


TOKEN = "https://meet.example.org/j/" + "x" * 273  # 300 characters, no place to break


def _invitation_html(make_partner, staff) -> str:
    partner, _focal, _ = make_partner()
    plan = CheckInPlan(
        starts_on=date(local_today().year + 2, 3, 3),
        start_time=time(10, 0),
        duration_minutes=60,
        location=TOKEN,
        agenda="",
        repeat="once",
        meetings=1,
    )
    checkins.schedule(staff["manager"], partner, plan)
    email = db.session.scalar(db.select(OutboxEmail).filter_by(template="checkin_invitation"))
    assert len(TOKEN) == 300 and TOKEN in email.body_html
    return email.body_html


def test_the_card_breaks_a_long_token_rather_than_grow(app):
    html = render("password_reset", _reset_fields(), "en", "Subject").html
    card = re.search(r'<table role="presentation" width="100%" style="([^"]*)"', html).group(1)
    assert "max-width:600px" in card
    assert "word-break:break-word" in card and "overflow-wrap:anywhere" in card
    # The editable templates' card too.
    from portal.mail.email_templates import render_email
    from portal.mail.merge_fields import sample_fields

    editable = render_email("reminder", sample_fields("reminder"), "en").html
    assert "overflow-wrap:anywhere" in editable


def _reset_fields() -> dict:
    from types import SimpleNamespace

    return {"user": SimpleNamespace(name="Ann", email="ann@example.org"), "link": "/", "hours": 2}
