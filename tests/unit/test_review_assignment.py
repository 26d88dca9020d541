"""Review deadlines in working days, and assigning a submission to a reviewer."""

from __future__ import annotations

from datetime import date

import pytest

from portal.accreditation.submissions import review_submission, submit_document
from portal.core.access import Refused
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.models import AuditEvent
from portal.review.assignment import add_working_days, assign_reviewer
from tests.helpers import file_upload


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (date(2026, 11, 23), 5, date(2026, 11, 30)),  # Monday -> next Monday
        (date(2026, 11, 27), 1, date(2026, 11, 30)),  # Friday -> Monday
        (date(2026, 11, 28), 1, date(2026, 11, 30)),  # Saturday -> Monday
        (date(2026, 11, 25), 0, date(2026, 11, 25)),
    ],
)
def test_review_deadlines_count_working_days(start, days, due):
    assert add_working_days(start, days) == due


@pytest.fixture
def waiting(make_partner, pdf_bytes):
    partner, focal, accreditation = make_partner()
    requirement = accreditation.milestones[0].stage.requirements[0]
    return submit_document(focal, accreditation, requirement, file_upload(pdf_bytes, "a.pdf"))


def test_staff_assign_and_unassign_a_reviewer_and_it_is_audited(staff, waiting):
    admin, manager = staff["admin"], staff["manager"]

    assign_reviewer(admin, waiting, manager)
    assert waiting.assigned_to == manager
    assign_reviewer(admin, waiting, None)
    assert waiting.assigned_to is None

    events = db.session.scalars(
        db.select(AuditEvent).filter_by(action="review_assigned").order_by(AuditEvent.id)
    ).all()
    assert [e.changes["reviewer"] for e in events] == [
        [None, "Manu Manager"],
        ["Manu Manager", None],
    ]


def test_a_review_goes_only_to_active_staff_and_only_while_waiting(staff, waiting):
    admin, manager = staff["admin"], staff["manager"]
    with pytest.raises(DomainError) as to_a_partner:
        assign_reviewer(admin, waiting, waiting.uploaded_by)  # a partner user
    assert (to_a_partner.value.field, to_a_partner.value.message) == (
        "reviewer_id",
        "Choose a member of the programme team.",
    )
    manager.active = False
    db.session.commit()
    with pytest.raises(DomainError) as to_the_inactive:
        assign_reviewer(admin, waiting, manager)
    assert (to_the_inactive.value.field, to_the_inactive.value.message) == (
        "reviewer_id",
        "Choose a member of the programme team.",
    )
    with pytest.raises(Refused):
        assign_reviewer(waiting.uploaded_by, waiting, admin)  # partners do not assign
    review_submission(admin, waiting, "approve", "")
    with pytest.raises(DomainError, match="already reviewed"):
        assign_reviewer(admin, waiting, admin)
    assert waiting.assigned_to is None
