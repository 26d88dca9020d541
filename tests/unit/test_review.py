"""Reviewing submitted documents: approvals move milestones, feedback reaches the partner."""

from __future__ import annotations

import pytest

from portal.accreditation.submissions import review_submission
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.models import Accreditation, AuditEvent, OutboxEmail, Submission, User
from tests.helpers import a_reason, requirements_of


def _outbox(template: str | None = None) -> list[OutboxEmail]:
    query = db.select(OutboxEmail).order_by(OutboxEmail.id)
    if template:
        query = query.filter_by(template=template)
    return list(db.session.scalars(query))


def _count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


@pytest.fixture
def setting(accreditation_for, staff):
    partner, focal, accreditation = accreditation_for
    return partner, focal, accreditation, staff["manager"]


def test_changes_cannot_be_requested_without_saying_what(setting, upload):
    partner, focal, accreditation, manager = setting
    submission = upload(focal, accreditation, requirements_of(accreditation)[0])

    for feedback in ("", "   \n"):
        with pytest.raises(DomainError) as refused:
            review_submission(manager, submission, "request_changes", feedback, a_reason())
        assert refused.value.field == "feedback"

    db.session.expire_all()
    assert db.session.get(Submission, submission.id).status == "submitted"
    assert _outbox() == []


def test_an_unknown_decision_is_refused(setting, upload):
    partner, focal, accreditation, manager = setting
    submission = upload(focal, accreditation, requirements_of(accreditation)[0])

    with pytest.raises(DomainError) as refused:
        review_submission(manager, submission, "reject", "No.")
    assert (refused.value.field, refused.value.message) == (
        "decision",
        "Choose approve or request changes.",
    )

    assert db.session.get(Submission, submission.id).status == "submitted"


def test_requesting_changes_emails_the_partner_the_feedback(setting, upload, make_user):
    partner, focal, accreditation, manager = setting
    colleague = make_user("colleague@ah.example.org", partner=partner)
    make_user("focal@other.example.org", partner=None)
    requirement = requirements_of(accreditation)[0]
    submission = upload(focal, accreditation, requirement)

    review_submission(manager, submission, "request_changes", "  Please sign page 3.  ", a_reason())

    assert (submission.status, submission.feedback) == ("changes_requested", "Please sign page 3.")
    assert submission.reviewer == manager
    [email] = _outbox()
    assert email.template == "changes_requested"
    assert email.recipient_list == sorted([focal.email, colleague.email])
    assert requirement.name in email.subject
    assert "Please sign page 3." in email.body_text
    assert "Please sign page 3." in email.body_html
    assert email.status == "pending"
    # Sending a document back completes nothing.
    assert all(m.completed_at is None for m in accreditation.milestones)


def test_approving_every_document_of_the_first_milestone_completes_it(setting, upload, staff):
    partner, focal, accreditation, manager = setting
    first, second = accreditation.milestones[0].stage.requirements

    review_submission(manager, upload(focal, accreditation, first), "approve", "")
    # Half of the milestone's documents: nothing is reached yet.
    assert accreditation.milestones[0].completed_at is None
    assert _outbox("milestone_reached") == []

    review_submission(manager, upload(focal, accreditation, second), "approve", "Thanks")

    db.session.expire_all()
    accreditation = db.session.get(Accreditation, accreditation.id)
    milestones = accreditation.milestones
    assert milestones[0].completed_at is not None
    assert milestones[1].completed_at is None
    assert accreditation.current_milestone == milestones[1]
    assert accreditation.completed_at is None
    # Both sides hear of it, in separate emails: partners never see staff addresses.
    to_partner, to_staff = _outbox("milestone_reached")
    assert to_partner.recipient_list == [focal.email]
    assert to_staff.recipient_list == sorted([staff["admin"].email, staff["manager"].email])
    for email in (to_partner, to_staff):
        assert milestones[0].name in email.subject and partner.name in email.subject
        assert f"Next: {milestones[1].name}" in email.body_text
    completed = db.session.scalar(db.select(AuditEvent).filter_by(action="milestone_completed"))
    assert completed.object_id == milestones[0].id
    assert completed.actor_id == manager.id


def test_the_milestone_email_skips_deactivated_people(setting, upload, staff, make_user):
    partner, focal, accreditation, manager = setting
    gone = make_user("gone@ah.example.org", partner=partner)
    gone.active = False
    staff["admin"].active = False
    db.session.commit()

    for requirement in accreditation.milestones[0].stage.requirements:
        review_submission(manager, upload(focal, accreditation, requirement), "approve", "")

    recipients = [e.recipient_list for e in _outbox("milestone_reached")]
    assert recipients == [[focal.email], [manager.email]]


def test_a_second_review_of_the_same_submission_is_refused(app, setting, upload):
    """Two reviewers open the same document; the second to decide is told, and
    the first decision stands."""
    partner, focal, accreditation, manager = setting
    other = db.session.get(User, manager.id)
    submission = upload(focal, accreditation, requirements_of(accreditation)[0])
    submission_id, manager_id = submission.id, manager.id
    assert submission.status == "submitted"  # what the second reviewer's page shows

    # The first reviewer decides in their own request (own session).
    with app.app_context():
        review_submission(
            db.session.get(User, manager_id),
            db.session.get(Submission, submission_id),
            "approve",
            "",
        )
    events, emails = _count(AuditEvent), _count(OutboxEmail)

    with pytest.raises(DomainError, match="Already reviewed by"):
        review_submission(other, submission, "request_changes", "Missing a signature.", a_reason())

    db.session.expire_all()
    stored = db.session.get(Submission, submission_id)
    assert (stored.status, stored.feedback) == ("approved", None)
    assert _count(AuditEvent) == events
    assert _count(OutboxEmail) == emails


def test_a_superseded_version_cannot_be_approved(setting, upload):
    partner, focal, accreditation, manager = setting
    requirement = requirements_of(accreditation)[0]
    old = upload(focal, accreditation, requirement)
    upload(focal, accreditation, requirement)

    with pytest.raises(DomainError) as refused:
        review_submission(manager, old, "approve", "")
    assert (refused.value.field, refused.value.message) == (
        None,
        "A newer version replaced this submission; review that one. Nothing was changed.",
    )

    assert db.session.get(Submission, old.id).status == "superseded"


def test_approving_every_document_leaves_final_approval_to_a_decision(setting, approve, staff):
    """Documents complete every stage but the last; final approval is a decision."""
    partner, focal, accreditation, manager = setting

    approve(manager, focal, accreditation, requirements_of(accreditation))

    db.session.expire_all()
    accreditation = db.session.get(Accreditation, accreditation.id)
    assert accreditation.completed_at is None
    assert [m.completed_at is not None for m in accreditation.milestones] == [True, True, False]
    assert accreditation.current_milestone.name == "Final approval"
    reached = _outbox("milestone_reached")
    # One email to the partner and one to staff per milestone reached.
    assert [e.subject for e in reached[::2]] == [
        f"Milestone reached: {m.name} – {partner.name}" for m in accreditation.milestones[:2]
    ]
    assert "Next: Final approval" in reached[-1].body_text


def test_an_early_approval_counts_once_the_earlier_milestone_is_done(setting, approve):
    """A later stage's document approved first completes its milestone as soon
    as the milestones before it are complete."""
    partner, focal, accreditation, manager = setting
    first_stage, second_stage = (m.stage.requirements for m in accreditation.milestones[:2])

    approve(manager, focal, accreditation, second_stage)
    assert accreditation.milestones[1].completed_at is None

    approve(manager, focal, accreditation, first_stage)

    assert [m.completed_at is not None for m in accreditation.milestones] == [True, True, False]
    reached = {e.subject for e in _outbox("milestone_reached")}
    assert reached == {
        f"Milestone reached: {m.name} – {partner.name}" for m in accreditation.milestones[:2]
    }
