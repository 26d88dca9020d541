"""Moving deadlines and waiving requirements: each with a reason, in the audit
trail, and counted the same way everywhere progress is shown."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.accreditation.deadlines import (
    mark_applicable,
    mark_not_applicable,
    move_deadlines,
    move_milestone,
)
from portal.accreditation.progress import completion, load_accreditation, progress
from portal.core.clock import local_today
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.models import AuditEvent
from tests.helpers import requirements_of


def _item(accreditation, requirement):
    return next(i for i in accreditation.items if i.requirement_id == requirement.id)


def _events(action):
    return db.session.scalars(db.select(AuditEvent).filter_by(action=action)).all()


def test_a_moved_deadline_is_audited_with_its_reason(accreditation_for, staff):
    partner, focal, accreditation = accreditation_for
    item = _item(accreditation, requirements_of(accreditation)[0])
    before = item.due_on
    new_date = before + timedelta(days=10)

    moved = move_deadlines(staff["admin"], [item], new_date, "Registrar's office closed.")

    assert moved == 1 and item.due_on == new_date
    [event] = _events("deadline_moved")
    assert event.reason == "Registrar's office closed."
    assert event.changes == {"due_on": [str(before), str(new_date)]}
    state = progress(load_accreditation(accreditation.id), local_today())
    assert state.requirements[0].due_on == new_date


def test_a_deadline_needs_a_reason_and_a_date_after_the_start(accreditation_for, staff):
    partner, focal, accreditation = accreditation_for
    item = _item(accreditation, requirements_of(accreditation)[0])
    before = item.due_on
    with pytest.raises(DomainError) as caught:
        move_deadlines(staff["admin"], [item], before + timedelta(days=3), "  ")
    assert caught.value.field == "reason"
    with pytest.raises(DomainError) as caught:
        move_deadlines(
            staff["admin"], [item], accreditation.started_on - timedelta(days=1), "Earlier."
        )
    assert caught.value.field == "due_on"
    db.session.rollback()
    assert item.due_on == before and not _events("deadline_moved")


def test_moving_a_stage_brings_its_later_documents_along(accreditation_for, staff):
    partner, focal, accreditation = accreditation_for
    first = accreditation.milestones[0]
    new_due = first.due_on - timedelta(days=5)
    move_milestone(staff["admin"], first, new_due, "Board meets earlier.")
    assert first.due_on == new_due
    assert all(i.due_on <= new_due for i in accreditation.items if i.milestone_id == first.id)
    assert _events("deadline_moved")[0].reason == "Board meets earlier."


def test_not_applicable_leaves_the_percentage_and_the_actions(accreditation_for, staff, approve):
    partner, focal, accreditation = accreditation_for
    documents = requirements_of(accreditation)  # 4 required
    waived = documents[1]
    mark_not_applicable(staff["admin"], _item(accreditation, waived), "Not registered for VAT.")

    state = progress(load_accreditation(accreditation.id), local_today())
    assert [s.status for s in state.requirements][1] == "not_applicable"
    assert waived.name not in [a.title for a in state.actions if a.kind == "upload"][0]
    assert state.percent == 0
    [event] = _events("requirement_not_applicable")
    assert event.reason == "Not registered for VAT."

    approve(staff["manager"], focal, accreditation, [documents[0]])
    # 1 of the 3 that still apply; the first stage completes without the waived one.
    assert progress(load_accreditation(accreditation.id), local_today()).percent == 33
    assert completion([accreditation.id]) == {accreditation.id: 33}
    assert load_accreditation(accreditation.id).milestones[0].completed_at is not None


def test_a_waiver_can_be_undone_with_a_reason(accreditation_for, staff):
    partner, focal, accreditation = accreditation_for
    item = _item(accreditation, requirements_of(accreditation)[0])
    mark_not_applicable(staff["admin"], item, "Exempt.")
    with pytest.raises(DomainError, match="already marked"):
        mark_not_applicable(staff["admin"], item, "Exempt again.")
    mark_applicable(staff["admin"], item, "Exemption withdrawn.")
    assert not item.not_applicable and item.not_applicable_reason is None
    assert _events("requirement_applicable")[0].reason == "Exemption withdrawn."


def test_a_decided_accreditation_keeps_its_deadlines(accreditation_for, staff):
    partner, focal, accreditation = accreditation_for
    accreditation.decision, accreditation.decided_at = "not_accredited", accreditation.created_at
    db.session.commit()
    item = accreditation.items[0]
    with pytest.raises(DomainError, match="final decision"):
        move_deadlines(staff["admin"], [item], item.due_on + timedelta(days=1), "Late.")
    with pytest.raises(DomainError, match="final decision"):
        mark_not_applicable(staff["admin"], item, "Exempt.")
