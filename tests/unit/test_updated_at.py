"""updated_at (what the API's `updated_since` filters on) moves with every change
a reporting tool would see, through the ORM and through the conditional Core
UPDATEs the services use (onupdate applies to those too, unless a statement
sets the column itself), and stays put for writes that change nothing served."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import update

from portal.accreditation.deadlines import mark_not_applicable, move_deadlines, move_milestone
from portal.accreditation.submissions import review_submission, withdraw_submission
from portal.core.extensions import db
from portal.core.uploads import hold_partner
from portal.models import Coverage, OrgUnit, OrgUnitGroup, Partner, Submission
from portal.orgunits.importer import import_file
from portal.partners.drafts import PROFILE_FIELDS, CoverageDraft, PartnerDraft
from portal.partners.merge import merge_partners
from portal.partners.merge_choices import merge_questions
from portal.partners.records import update_partner
from tests.helpers import a_reason

DAY = date(2026, 5, 4)
LATER = time(15, 30)


@pytest.fixture
def cycle(clock, make_partner, make_user, upload):
    """A partner at 09:00 with a submission waiting; the clock then moves to 15:30."""
    clock.set(DAY, time(9, 0))
    partner, focal, accreditation = make_partner()
    admin = make_user("admin@example.org", "admin", password=None)
    requirement = accreditation.milestones[0].stage.requirements[0]
    submission = upload(focal, accreditation, requirement)
    clock.set(DAY, LATER)
    return partner, focal, accreditation, admin, submission


def moved(row) -> bool:
    db.session.expire_all()
    return row.updated_at == datetime.combine(DAY, LATER, tzinfo=UTC)


def test_a_review_by_conditional_update_moves_the_submission(cycle):
    *_, admin, submission = cycle
    assert not moved(submission)
    review_submission(admin, submission, "request_changes", "Sign it.", reason_id=a_reason())
    assert moved(submission)


def test_a_withdrawal_by_conditional_update_moves_the_submission(cycle):
    _, focal, *_, submission = cycle
    withdraw_submission(focal, submission)
    assert moved(submission)


def test_a_statement_that_sets_updated_at_itself_keeps_it(cycle):
    *_, submission = cycle
    before = submission.updated_at
    db.session.execute(
        update(Submission)
        .where(Submission.id == submission.id)
        .values(feedback="x", updated_at=Submission.updated_at)
    )
    db.session.commit()
    assert not moved(submission) and submission.updated_at == before


def test_moved_deadlines_waivers_and_completed_milestones_move_their_rows(cycle, approve):
    partner, focal, accreditation, admin, _ = cycle
    first, second = accreditation.items[:2]
    move_deadlines(admin, [first], DAY + timedelta(days=60), "Office closed.")
    mark_not_applicable(admin, second, "Not VAT-registered.")
    assert moved(first) and moved(second)
    milestone = accreditation.milestones[1]
    move_milestone(admin, milestone, DAY + timedelta(days=90), "Board meets later.")
    assert moved(milestone)


def test_a_partners_types_and_coverage_move_it(cycle, clock):
    partner, *_, admin, _ = cycle
    draft = PartnerDraft.of(partner)
    draft.types = ["funding"]
    update_partner(admin, partner, draft, version=partner.version)
    assert moved(partner)

    db.session.add(OrgUnit(id="D", name="Riverside", level=3, path="/D", search_key="riverside"))
    db.session.commit()
    clock.set(DAY, time(16, 0))
    draft = PartnerDraft.of(partner)
    draft.coverage = [CoverageDraft("unit:D", DAY)]
    update_partner(admin, partner, draft, version=partner.version)
    db.session.expire_all()
    assert partner.updated_at == datetime.combine(DAY, time(16, 0), tzinfo=UTC)


def test_an_upload_lock_does_not_move_the_partner(cycle, upload):
    partner, focal, accreditation, *_ = cycle
    before = partner.updated_at
    hold_partner(partner.id)
    db.session.commit()
    upload(focal, accreditation, accreditation.milestones[0].stage.requirements[1])
    db.session.expire_all()
    assert partner.updated_at == before


def test_a_merge_moves_the_accreditations_that_change_partner(cycle, make_partner, clock):
    partner, _, accreditation, admin, _ = cycle
    clock.set(DAY, time(9, 0))
    other, _, theirs = make_partner(name="Alpha Health Duplicate", acronym="AHD")
    theirs_id = theirs.id
    clock.set(DAY, LATER)
    questions = merge_questions(partner, other)
    merge_partners(
        admin,
        partner,
        other,
        dict.fromkeys(PROFILE_FIELDS, "survivor"),
        "Same organisation.",
        (partner.version, other.version),
        continuing=questions.cycles[0].id,
        focal_point=questions.focal_points[0].id,
    )
    theirs = db.session.get(type(accreditation), theirs_id)
    assert theirs.partner_id == partner.id and moved(theirs)
    assert moved(db.session.get(Partner, other.id))  # its status and merged_into_id


def test_renaming_a_covered_group_moves_the_partners_covering_it(cycle, clock):
    partner, *_ = cycle
    other = Partner(name="Uncovered", search_key="uncovered")
    db.session.add_all([OrgUnitGroup(id="G1", name="Border clinics"), other])
    db.session.flush()
    db.session.add(Coverage(partner_id=partner.id, org_unit_group_id="G1", starts_on=DAY))
    db.session.commit()
    clock.set(DAY, time(9, 30))
    other_before = db.session.get(Partner, other.id).updated_at
    clock.set(DAY, LATER)
    document = {"organisationUnitGroups": [{"id": "G1", "name": "Cliniques frontalières"}]}
    import_file(io.BytesIO(json.dumps(document).encode()), "groups.json")
    assert moved(partner)
    assert db.session.get(Partner, other.id).updated_at == other_before
