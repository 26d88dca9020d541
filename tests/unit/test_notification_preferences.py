"""Each person's notification preferences: immediate or daily digest, muted kinds, and
the essential notifications no preference holds back."""

from __future__ import annotations

import pytest

from portal.accreditation.decisions import record_decision
from portal.accreditation.submissions import review_submission
from portal.conversations.threads import post_message
from portal.core.clock import local_today
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.mail.queue import queue_email
from portal.models import AuditEvent, Notification, OutboxEmail
from portal.notifications.preferences import kinds_for, update_preferences
from tests.helpers import a_reason, requirements_of


def emails(template: str) -> list[OutboxEmail]:
    return list(
        db.session.scalars(
            db.select(OutboxEmail).where(OutboxEmail.template == template).order_by(OutboxEmail.id)
        )
    )


@pytest.fixture
def people(make_partner, make_user):
    """Alpha's focal point (immediate), an editor on the digest, a viewer who
    muted changes requested."""
    partner, focal, accreditation = make_partner()
    digest = make_user("digest@ah.example.org", partner=partner, partner_role="editor")
    quiet = make_user("quiet@ah.example.org", partner=partner, partner_role="viewer")
    update_preferences(digest, "digest", kinds_for(digest))
    update_preferences(quiet, "immediate", set(kinds_for(quiet)) - {"changes_requested"})
    return partner, focal, digest, quiet, accreditation


def notify_by_email(users, kind: str, essential: bool = False):
    fields = {"user": users[0], "notifications": [], "settings_link": ""}  # any body will do
    return queue_email(users, "digest", fields, subject="S", notification=kind, essential=essential)


def test_a_notification_email_honours_each_persons_choice(people):
    partner, focal, digest, quiet, _ = people
    email = notify_by_email([focal, digest, quiet], "changes_requested")
    assert email.recipient_list == [focal.email]
    # Another kind reaches the viewer; the digest reader still waits for the digest.
    email = notify_by_email([focal, digest, quiet], "milestone_reached")
    assert email.recipient_list == sorted([focal.email, quiet.email])
    # Essential: everyone active, at once.
    email = notify_by_email([focal, digest, quiet], "changes_requested", essential=True)
    assert email.recipient_list == sorted([focal.email, digest.email, quiet.email])


def test_nobody_left_means_no_email(people):
    partner, focal, digest, quiet, _ = people
    assert notify_by_email([digest, quiet], "changes_requested") is None
    assert emails("changes_requested") == []


def test_essential_notifications_reach_everyone_whatever_they_chose(people):
    partner, focal, digest, quiet, accreditation = people
    quiet.muted_notices = "accreditation_decided,changes_requested"  # e.g. set before
    db.session.commit()
    record_decision(focal, accreditation, "not_accredited", "Too late.", None, local_today())
    [email] = emails("accreditation_decided")
    assert email.recipient_list == sorted([focal.email, digest.email, quiet.email])


def test_changes_requested_follows_the_preferences_but_the_bell_rings(people, staff, upload):
    partner, focal, digest, quiet, accreditation = people
    submission = upload(focal, accreditation, requirements_of(accreditation)[0])
    review_submission(staff["manager"], submission, "request_changes", "Sign it.", a_reason())
    [email] = emails("changes_requested")
    assert email.recipient_list == [focal.email]
    rung = set(
        db.session.scalars(
            db.select(Notification.user_id).where(Notification.kind == "changes_requested")
        )
    )
    assert rung == {focal.id, digest.id, quiet.id}


def test_messages_keep_the_two_sides_apart_and_honour_staff_choices(people, staff):
    partner, focal, digest, quiet, accreditation = people
    update_preferences(
        staff["admin"], "immediate", set(kinds_for(staff["admin"])) - {"new_message"}
    )
    post_message(focal, accreditation, "Is the budget template the 2026 one?")
    [email] = emails("new_message")
    assert email.recipient_list == [staff["manager"].email]
    post_message(staff["manager"], accreditation, "Yes, it is.")
    latest = emails("new_message")[-1]
    # The partner side: not the digest reader; the viewer muted only changes requested.
    assert latest.recipient_list == sorted([focal.email, quiet.email])
    assert staff["admin"].email not in latest.recipients


def test_preferences_are_validated_and_audited(people):
    partner, focal, digest, quiet, _ = people
    with pytest.raises(DomainError) as error:
        update_preferences(focal, "weekly", [])
    assert error.value.field == "delivery"
    with pytest.raises(DomainError) as error:
        update_preferences(focal, "immediate", ["accreditation_decided"])  # essential
    assert error.value.field == "emailed"
    with pytest.raises(DomainError) as refused:
        update_preferences(focal, "immediate", ["new_submission"])  # a staff notice
    assert (refused.value.field, refused.value.message) == (
        "emailed",
        "Unknown notification: new_submission. Reload the page and try again.",
    )
    db.session.refresh(focal)
    assert (focal.notice_delivery, focal.muted_notices) == ("immediate", "")
    update_preferences(focal, "digest", ["new_message"])
    assert focal.notice_delivery == "digest" and focal.last_digest_at is not None
    assert set(focal.muted_notices.split(",")) == {
        "changes_requested",
        "document_reviewed",
        "milestone_reached",
        "survey_invitation",
        "obligation_due",
        "obligation_changed",
    }
    event = db.session.scalar(
        db.select(AuditEvent)
        .where(AuditEvent.action == "notice_preferences_changed")
        .order_by(AuditEvent.id.desc())
    )
    assert event.actor_id == focal.id and "notice_delivery" in event.changes


def test_each_side_is_offered_its_own_kinds(people, staff):
    partner, focal, *_ = people
    assert "new_submission" not in kinds_for(focal)
    assert "changes_requested" in kinds_for(focal)
    assert "new_submission" in kinds_for(staff["admin"])
    assert "changes_requested" not in kinds_for(staff["admin"])
    for essential in ("accreditation_decided", "deadline_approaching", "checkin_scheduled"):
        assert essential not in kinds_for(focal) and essential not in kinds_for(staff["admin"])
