"""`flask reminders send`: deadline reminders to partners (14, 7, 1 days before,
then overdue weekly, escalating and stopping), staff reminders, daily digests,
against a real database (and a real SMTP server for one of them)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from flask import g

from portal.accreditation.submissions import review_submission
from portal.core.clock import local_today
from portal.core.extensions import db
from portal.models import ChecklistItem, Notification, OutboxEmail, User, utcnow
from portal.reminders.daily import run
from portal.reminders.digests import send_digests
from portal.reminders.models import ReminderSent
from portal.reminders.schedule import Summary
from portal.reminders.to_partners import remind_partners
from portal.reminders.to_staff import remind_staff
from portal.review.assignment import assign_reviewer
from tests.helpers import a_reason

DUE = date(2026, 12, 14)  # a Monday, far from the accreditation's own deadlines
FAR = date(2027, 12, 31)


def items_of(accreditation) -> list[ChecklistItem]:
    return sorted(accreditation.items, key=lambda i: (i.milestone.position, i.requirement.position))


def reminders(to: str | None = None) -> list[OutboxEmail]:
    query = db.select(OutboxEmail).where(OutboxEmail.template == "reminder")
    if to:
        query = query.where(OutboxEmail.recipients == to)
    return list(db.session.scalars(query.order_by(OutboxEmail.id)))


def due_only(accreditation, *due: date) -> list[ChecklistItem]:
    """The first items due on `due`, every other one far away."""
    items = items_of(accreditation)
    for item in items:
        item.due_on = FAR
    for item, day in zip(items, due, strict=False):
        item.due_on = day
    db.session.commit()
    return items


@pytest.fixture
def alpha(make_partner, make_user):
    """Alpha Health: its focal point (the primary contact) and an editor."""
    partner, focal, accreditation = make_partner(started_on=date(2026, 9, 1))
    editor = make_user("editor@ah.example.org", partner=partner, partner_role="editor")
    make_user("viewer@ah.example.org", partner=partner, partner_role="viewer")
    return partner, focal, editor, accreditation


def step(start: date, end: date):
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def test_a_partner_hears_14_7_1_days_before_then_weekly_until_the_maximum(alpha):
    partner, focal, editor, accreditation = alpha
    item = due_only(accreditation, DUE)[0]
    sent_on = {}
    for day in step(DUE - timedelta(days=20), DUE + timedelta(days=60)):
        before = len(reminders())
        summary = run(day)
        if len(reminders()) > before:
            sent_on[day] = summary
    assert list(sent_on) == [
        DUE - timedelta(days=14),
        DUE - timedelta(days=7),
        DUE - timedelta(days=1),
        DUE + timedelta(days=1),  # the day after it passed
        DUE + timedelta(days=8),
        DUE + timedelta(days=15),
        DUE + timedelta(days=22),  # the fourth overdue reminder is the last
    ]
    stages = db.session.execute(
        db.select(ReminderSent.stage, ReminderSent.sent_on)
        .where(ReminderSent.user_id == focal.id)
        .order_by(ReminderSent.sent_on)
    ).all()
    assert [s for s, _ in stages] == ["before-14", "before-7", "before-1"] + ["overdue"] * 4
    assert {r.subject for r in db.session.scalars(db.select(ReminderSent))} == {
        f"item:{item.id}:{DUE.isoformat()}"
    }
    # Only the primary focal person is written to (the viewer never).
    assert {e.recipients for e in reminders()} == {focal.email}
    first = reminders()[0]
    assert item.requirement.name in first.body_text and "14 December 2026" in first.body_text
    # The bell too, beside each email.
    assert (
        db.session.scalar(
            db.select(db.func.count(Notification.id)).where(
                Notification.user_id == focal.id, Notification.kind == "deadline_approaching"
            )
        )
        == 7
    )


def test_settings_change_the_days(app, alpha):
    app.config.update(
        REMINDER_DAYS_BEFORE="3", REMINDER_OVERDUE_EVERY_DAYS=2, REMINDER_MAX_OVERDUE=2
    )
    partner, focal, editor, accreditation = alpha
    due_only(accreditation, DUE)
    days = []
    for day in step(DUE - timedelta(days=20), DUE + timedelta(days=20)):
        before = len(reminders())
        run(day)
        if len(reminders()) > before:
            days.append((day - DUE).days)
    assert days == [-3, 1, 3]


def test_one_email_per_person_per_run_listing_every_item(alpha):
    partner, focal, editor, accreditation = alpha
    a, b, c, _ = due_only(accreditation, DUE, DUE, DUE + timedelta(days=7))
    summary = run(DUE - timedelta(days=7))
    emails = reminders()
    assert len(emails) == 1 and summary.partner_emails == 1 and summary.items == 3
    for item in (a, b, c):
        assert item.requirement.name in emails[0].body_text
    assert emails[0].subject.endswith("3 items due")
    assert emails[0].cc == ""


def test_running_twice_the_same_day_sends_nothing_new(alpha, runner):
    partner, focal, editor, accreditation = alpha
    due_only(accreditation, DUE, DUE - timedelta(days=3))
    day = (DUE - timedelta(days=7)).isoformat()
    first = runner.invoke(args=["reminders", "send", "--today", day])
    assert first.exit_code == 0, first.output
    assert "Partner reminders: 1 email(s) about 2 document(s)" in first.output
    rows = db.session.scalar(db.select(db.func.count(ReminderSent.id)))
    for _ in range(2):
        again = runner.invoke(args=["reminders", "send", "--today", day])
        assert again.exit_code == 0
        assert "Partner reminders: 0 email(s)" in again.output
    assert len(reminders()) == 1
    assert db.session.scalar(db.select(db.func.count(ReminderSent.id))) == rows
    assert reminders()[0].idempotency_key == f"reminder:{focal.id}:{day}"


def test_a_document_added_later_the_same_day_is_sent_on_its_own(alpha):
    partner, focal, editor, accreditation = alpha
    a, b, *_ = due_only(accreditation, DUE)
    today = DUE - timedelta(days=7)
    run(today)
    b.due_on = DUE  # e.g. staff set a deadline after the morning's run
    db.session.commit()
    run(today)
    emails = reminders()
    assert len(emails) == 2
    assert b.requirement.name in emails[1].body_text
    assert a.requirement.name not in emails[1].body_text
    run(today)
    assert len(reminders()) == 2


def test_after_the_second_overdue_reminder_others_are_copied(alpha, staff, upload):
    partner, focal, editor, accreditation = alpha
    item = due_only(accreditation, DUE)[0]
    # The manager sent the document back: it is owed again, and the manager is concerned.
    submission = upload(focal, accreditation, item.requirement)
    assign_reviewer(staff["admin"], submission, staff["manager"])
    review_submission(staff["manager"], submission, "request_changes", "Sign page 3.", a_reason())
    ccs = []
    for day in step(DUE + timedelta(days=1), DUE + timedelta(days=30)):
        before = len(reminders())
        run(day)
        if len(reminders()) > before:
            ccs.append(reminders()[-1].cc)
    copied = ",".join(sorted([editor.email, staff["manager"].email]))
    assert ccs == ["", "", copied, copied]
    # Everyone copied is recorded, so nobody is copied twice in a day.
    escalated_day = DUE + timedelta(days=15)
    assert set(
        db.session.scalars(
            db.select(ReminderSent.user_id).where(ReminderSent.sent_on == escalated_day)
        )
    ) == {focal.id, editor.id, staff["manager"].id}
    run(escalated_day)
    assert len(reminders()) == 4


def test_reminders_stop_when_the_document_is_in(alpha, staff, upload):
    partner, focal, editor, accreditation = alpha
    item = due_only(accreditation, DUE)[0]
    run(DUE + timedelta(days=1))
    assert len(reminders()) == 1
    submission = upload(focal, accreditation, item.requirement)  # waiting for review
    run(DUE + timedelta(days=8))
    review_submission(staff["admin"], submission, "approve", "")  # done
    run(DUE + timedelta(days=15))
    assert len(reminders()) == 1


def test_on_hold_partners_and_moved_deadlines(alpha):
    partner, focal, editor, accreditation = alpha
    item = due_only(accreditation, DUE)[0]
    run(DUE - timedelta(days=7))
    assert len(reminders()) == 1
    # A deadline moved by staff starts afresh: 14 days before the new one.
    item.due_on = DUE + timedelta(days=30)
    db.session.commit()
    run(DUE + timedelta(days=16))
    assert len(reminders()) == 2
    partner.status = "on_hold"
    db.session.commit()
    run(DUE + timedelta(days=23))
    assert len(reminders()) == 2


def test_a_partner_without_a_focal_point_is_reported(alpha):
    partner, focal, editor, accreditation = alpha
    due_only(accreditation, DUE)
    focal.active = False
    editor.active = False
    db.session.commit()
    summary = run(DUE - timedelta(days=1))
    assert reminders() == []
    assert any("nobody to remind" in note for note in summary.notes)


def test_a_run_costs_the_same_queries_for_one_partner_or_ten(
    make_partner, staff, upload, count_queries
):
    """Reminders, a staff reminder about each partner's old upload, a digest for
    each focal point: the SELECTs do not grow with the partners."""
    from portal.notifications.bell import notify

    def cost(n: int, start: int) -> int:
        for i in range(start, start + n):
            partner, focal, accreditation = make_partner(f"Partner {i}", f"P{i}")
            items = due_only(accreditation, DUE, DUE + timedelta(days=14), DUE - timedelta(days=3))
            old = upload(focal, accreditation, items[-1].requirement)
            old.uploaded_at = datetime(2026, 11, 1, tzinfo=UTC)
            focal.notice_delivery = "digest"
        db.session.execute(db.delete(ReminderSent))
        db.session.execute(db.delete(Notification))
        db.session.execute(db.delete(OutboxEmail))
        db.session.commit()
        notify(
            db.session.scalars(db.select(User).where(User.role == "partner")),
            "new_message",
            "Hi",
            "/",
        )
        db.session.commit()
        g.pop("_email_template_sources", None)  # each run looks its template up afresh
        with count_queries() as q:
            for part in (remind_partners, remind_staff, send_digests):
                part(DUE, Summary())
        return sum(s.lstrip().upper().startswith("SELECT") for s in q.statements)

    one = cost(1, 0)
    eleven = cost(10, 1)
    assert len(reminders()) == 11
    assert (
        db.session.scalar(
            db.select(db.func.count(OutboxEmail.id)).where(OutboxEmail.template == "digest")
        )
        == 11
    )
    assert (
        db.session.scalar(
            db.select(db.func.count(OutboxEmail.id)).where(OutboxEmail.template == "staff_reminder")
        )
        == 2
    )
    assert eleven == one


# --- staff -----------------------------------------------------------------------


def test_staff_hear_of_reviews_waiting_too_long_and_sign_offs(
    make_partner, staff, upload, approve, runner
):
    from portal.accreditation.deadlines import mark_not_applicable

    today = local_today()
    alpha, focal, accreditation = make_partner()
    first, second, third, last = items_of(accreditation)
    old = upload(focal, accreditation, first.requirement)
    mine = upload(focal, accreditation, second.requirement)
    fresh = upload(focal, accreditation, third.requirement)
    assign_reviewer(staff["admin"], mine, staff["manager"])
    for submission, days in ((old, 6), (mine, 9), (fresh, 2)):
        submission.uploaded_at = utcnow() - timedelta(days=days)
    # Bravo is ready for the final decision.
    bravo, bravo_focal, ready = make_partner("Bravo Relief", "BR")
    approve(staff["admin"], bravo_focal, ready, [i.requirement for i in items_of(ready)[:-1]])
    mark_not_applicable(staff["admin"], items_of(ready)[-1], "Signed at kick-off")
    db.session.commit()

    summary = run(today)
    assert summary.staff_emails == 2
    to_manager = db.session.scalar(
        db.select(OutboxEmail).where(
            OutboxEmail.template == "staff_reminder",
            OutboxEmail.recipients == staff["manager"].email,
        )
    )
    to_admin = db.session.scalar(
        db.select(OutboxEmail).where(
            OutboxEmail.template == "staff_reminder",
            OutboxEmail.recipients == staff["admin"].email,
        )
    )
    assert to_manager.body_text.index("Assigned to you") < to_manager.body_text.index(
        second.requirement.name
    )
    assert first.requirement.name in to_manager.body_text  # unassigned: everyone's
    assert third.requirement.name not in to_manager.body_text  # two days is not too long
    assert "Bravo Relief" not in to_manager.body_text  # final decisions are the admin's
    assert "Bravo Relief" in to_admin.body_text and first.requirement.name in to_admin.body_text
    assert second.requirement.name not in to_admin.body_text  # the manager's
    assert to_admin.subject.endswith("] Reminder: 1 review waiting and 1 ready for sign-off")
    # Once a day.
    again = runner.invoke(args=["reminders", "send", "--today", today.isoformat()])
    assert "Staff reminders: 0 email(s)." in again.output
    assert (
        db.session.scalar(
            db.select(db.func.count(OutboxEmail.id)).where(OutboxEmail.template == "staff_reminder")
        )
        == 2
    )


# --- digests -------------------------------------------------------------------------


def test_a_digest_gathers_the_days_notifications_once_a_day(alpha, staff, upload):
    from portal.notifications.bell import notify

    partner, focal, editor, accreditation = alpha
    focal.notice_delivery = "digest"
    focal.muted_notices = "new_message"
    focal.last_digest_at = utcnow() - timedelta(hours=30)
    db.session.commit()
    for kind, title in (
        ("changes_requested", "Changes requested: Budget"),
        ("milestone_reached", "Milestone reached: Document submission"),
        ("new_message", "A muted message"),
        ("accreditation_decided", "An essential one, emailed at once"),
    ):
        notify([focal, editor], kind, title, "/accreditation")
    db.session.commit()
    today = local_today()
    assert run(today).digests == 1
    digest = db.session.scalar(db.select(OutboxEmail).where(OutboxEmail.template == "digest"))
    assert digest.recipients == focal.email
    assert "Changes requested: Budget" in digest.body_text
    assert "Milestone reached: Document submission" in digest.body_text
    assert "A muted message" not in digest.body_text
    assert "An essential one" not in digest.body_text
    assert "http://" in digest.body_text and "/accreditation" in digest.body_text
    assert db.session.get(User, focal.id).last_digest_at is not None
    # Later the same day: nothing more; tomorrow, only what is new.
    notify([focal], "changes_requested", "Changes requested: Policy", "/accreditation")
    db.session.commit()
    assert run(today).digests == 0
    assert run(today + timedelta(days=1)).digests == 1
    newest = db.session.scalars(
        db.select(OutboxEmail).where(OutboxEmail.template == "digest").order_by(OutboxEmail.id)
    ).all()[-1]
    assert "Changes requested: Policy" in newest.body_text
    assert "Budget" not in newest.body_text


# --- at the SMTP server --------------------------------------------------------------


def test_an_escalated_reminder_arrives_with_its_copies(app, alpha, staff, smtp):
    from portal.mail.delivery import deliver_pending

    app.config.update(REMINDER_ESCALATE_AFTER=0)  # the first overdue reminder escalates
    partner, focal, editor, accreditation = alpha
    item = due_only(accreditation, DUE)[0]
    run(DUE + timedelta(days=1))
    deliver_pending()
    [message] = smtp.inbox.to(focal.email)
    assert message["To"] == focal.email
    assert message["Cc"] == editor.email
    assert editor.email in message["X-Envelope-To"]  # the copy is delivered too
    assert item.requirement.name in message.get_body(("plain",)).get_content()
    assert "overdue since 14 December 2026" in message.get_body(("plain",)).get_content()


def test_a_french_partner_is_reminded_in_french(alpha):
    partner, focal, editor, accreditation = alpha
    partner.language = "fr"
    due_only(accreditation, DUE)
    run(DUE - timedelta(days=1))
    [email] = reminders()
    assert email.subject.startswith("[") and "Rappel" in email.subject
    assert "14 décembre 2026" in email.body_text


# --- reports --------------------------------------------------------------------------


def test_the_run_sends_the_progress_reports_that_are_due_once(alpha, runner):
    from portal.models import ProgressReport

    partner, focal, editor, accreditation = alpha
    partner.reporting_frequency = "monthly"
    db.session.commit()
    day = "2026-12-02"  # November's report is due in December's first days
    first = runner.invoke(args=["reminders", "send", "--today", day])
    assert first.exit_code == 0, first.output
    assert "Progress reports: 1 queued." in first.output
    again = runner.invoke(args=["reminders", "send", "--today", day])
    assert "Progress reports: 0 queued." in again.output
    assert db.session.scalar(db.select(db.func.count(ProgressReport.id))) == 1


def test_an_escalated_reminder_to_a_single_focal_person_copies_the_programme_team(
    app, make_partner, staff, upload
):
    """Nobody else at the partner and no staff member concerned: the team is copied."""
    app.config.update(
        REMINDER_ESCALATE_AFTER=0,
        PROGRAMME_TEAM_EMAILS=["team@example.org", "Team@Example.org", "focal@solo.example.org"],
    )
    partner, focal, accreditation = make_partner("Solo Org", "SOLO")
    due_only(accreditation, DUE)
    run(DUE + timedelta(days=1))
    [email] = reminders()
    assert email.recipients == focal.email
    assert email.cc == "team@example.org"  # once, and never the focal person again
