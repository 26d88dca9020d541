"""Merging two partners that each run an accreditation and each have a focal
point: the administrator chooses what continues, and the kept partner ends with
what the portal allows everywhere else (one running cycle, one focal point, one
reminder per document), or the merge is refused and nothing changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accreditation.lifecycle import open_accreditation
from portal.core.clock import local_today
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.models import Accreditation, AuditEvent, Contact, OutboxEmail, Submission, User
from portal.partners.drafts import PROFILE_FIELDS
from portal.partners.merge import merge_partners
from portal.partners.merge_choices import check_survivor, merge_questions
from portal.reminders.daily import run
from tests.helpers import requirements_of, snapshot

KEEP_ALL = dict.fromkeys(PROFILE_FIELDS, "survivor")
REASON = "Registered twice"


@pytest.fixture
def twins(make_partner, make_template, upload):
    """Alpha and its duplicate, each with a focal point, a running accreditation on
    the same template and an upload waiting on it."""
    template = make_template()
    sides = []
    for name, acronym in (("Alpha Health", "AH"), ("Alpha Health Initiative", "AHI")):
        partner, focal, accreditation = make_partner(name, acronym, template=template)
        submission = upload(focal, accreditation, requirements_of(accreditation)[0])
        sides.append((partner, focal, accreditation, submission))
    return sides


def _merge(admin, survivor, other, **answers):
    versions = (survivor.version, other.version)
    return merge_partners(admin, survivor, other, KEEP_ALL, REASON, versions, **answers)


def _primary(partner) -> Contact:
    return db.session.scalar(
        select(Contact).filter_by(partner_id=partner.id, is_primary=True, ended_at=None)
    )


def test_the_chosen_cycle_and_focal_point_continue_the_others_close_with_their_history(
    staff, twins
):
    (alpha, alpha_focal, kept_cycle, _), (dup, dup_focal, dup_cycle, dup_upload) = twins
    questions = merge_questions(alpha, dup)
    assert [a.id for a in questions.cycles] == [kept_cycle.id, dup_cycle.id]
    assert [c.user_id for c in questions.focal_points] == [alpha_focal.id, dup_focal.id]
    kept_cycle_id, dup_cycle_id, upload_id = kept_cycle.id, dup_cycle.id, dup_upload.id

    # The kept partner's cycle continues; the duplicate's focal point stays.
    _merge(
        staff["admin"],
        alpha,
        dup,
        continuing=kept_cycle.id,
        focal_point=questions.focal_points[1].id,
    )

    db.session.expire_all()
    cycles = db.session.scalars(select(Accreditation).filter_by(partner_id=alpha.id)).all()
    assert {a.id for a in cycles if a.running} == {kept_cycle_id}
    closed = db.session.get(Accreditation, dup_cycle_id)
    assert closed.closed and closed.decision is None
    note = "Closed when Alpha Health Initiative (AHI) was merged into Alpha Health (AH): "
    assert closed.decision_note == note + REASON
    # Its history stays, readable under the kept partner.
    assert db.session.get(Submission, upload_id).accreditation_id == dup_cycle_id
    [event] = db.session.scalars(select(AuditEvent).filter_by(action="accreditation_closed"))
    assert (event.partner_id, event.object_id) == (alpha.id, dup_cycle_id)
    assert event.reason == note + REASON
    assert event.changes == {"status": ["running", "closed"]}
    # One focal point: the chosen one; the other is an ordinary colleague who keeps the login.
    assert _primary(alpha).user_id == dup_focal.id
    focal_logins = db.session.scalars(
        select(User).filter_by(partner_id=alpha.id, partner_role="focal", active=True)
    ).all()
    assert [u.id for u in focal_logins] == [dup_focal.id]
    former = db.session.get(User, alpha_focal.id)
    assert (former.partner_role, former.active) == ("editor", True)
    check_survivor(alpha, had_focal_point=True)  # what the merge checked before its commit


def test_after_the_merge_each_document_is_reminded_once(staff, twins):
    (alpha, _, kept_cycle, _), (dup, dup_focal, dup_cycle, _) = twins
    today = local_today()
    # The same document is due in a week on both cycles; nothing else is near.
    for cycle in (kept_cycle, dup_cycle):
        for item in cycle.items:
            item.due_on = today + timedelta(days=400)
        cycle.items[-1].due_on = today + timedelta(days=7)
    db.session.commit()
    document = kept_cycle.items[-1].requirement.name
    questions = merge_questions(alpha, dup)

    _merge(
        staff["admin"],
        alpha,
        dup,
        continuing=dup_cycle.id,
        focal_point=questions.focal_points[0].id,
    )
    run(today)

    [email] = db.session.scalars(select(OutboxEmail).filter_by(template="reminder")).all()
    assert email.body_text.count(document) == 1
    assert email.recipients == "focal@ah.example.org"  # the focal point who stayed
    assert dup_focal.email not in email.cc  # an editor now: not copied before escalation


@pytest.mark.parametrize(
    ("answers", "field", "message"),
    [
        ({"focal_point": "survivor"}, "continuing", "Choose the accreditation that continues"),
        (
            {"continuing": 999999, "focal_point": "survivor"},
            "continuing",
            "Choose the accreditation",
        ),
        ({"continuing": "survivor"}, "focal_point", "Choose the focal point who stays"),
        (
            {"continuing": "survivor", "focal_point": 999999},
            "focal_point",
            "Choose the focal point",
        ),
    ],
    ids=["no-cycle", "foreign-cycle", "no-focal-point", "foreign-focal-point"],
)
def test_a_merge_without_its_answers_is_refused_and_changes_nothing(
    staff, twins, answers, field, message
):
    (alpha, *_), (dup, *_) = twins
    questions = merge_questions(alpha, dup)
    mine = {"continuing": questions.cycles[0].id, "focal_point": questions.focal_points[0].id}
    answers = {k: mine[k] if v == "survivor" else v for k, v in answers.items()}
    before = snapshot()

    with pytest.raises(DomainError, match=message) as refused:
        _merge(staff["admin"], alpha, dup, **answers)

    assert refused.value.field == field
    assert snapshot() == before


def test_a_partner_left_with_two_running_cycles_fails_the_check(staff, twins):
    """What the merge used to leave; the check at the end of a merge refuses it."""
    (alpha, _, cycle, _), _ = twins
    open_accreditation(None, alpha, cycle.template, local_today())
    db.session.commit()

    with pytest.raises(DomainError, match="would have 2 running accreditations"):
        check_survivor(alpha, had_focal_point=True)


def test_a_survivor_already_doubled_by_an_old_merge_is_repaired(staff, twins):
    (alpha, _, cycle, _), (dup, *_) = twins
    extra = open_accreditation(None, alpha, cycle.template, local_today())
    db.session.commit()
    questions = merge_questions(alpha, dup)
    assert len(questions.cycles) == 3

    _merge(
        staff["admin"], alpha, dup, continuing=extra.id, focal_point=questions.focal_points[0].id
    )

    running = db.session.scalars(
        select(Accreditation.id).where(Accreditation.partner_id == alpha.id, Accreditation.running)
    ).all()
    assert running == [extra.id]


def test_a_pair_with_nothing_to_choose_merges_as_before(staff, make_partner):
    alpha, alpha_focal, _ = make_partner("Alpha Health", "AH")
    old, old_focal, old_cycle = make_partner("Alpha (old import)", "AOI")
    # The old record's cycle was decided and it has no focal point any more.
    old_cycle.decision, old_cycle.completed_at = "not_accredited", old_cycle.created_at
    _primary(old).is_primary = False
    old_focal.partner_role = "editor"
    db.session.commit()
    questions = merge_questions(alpha, old)
    assert (questions.cycles, questions.focal_points) == ([], [])

    _merge(staff["admin"], alpha, old)

    assert _primary(alpha).user_id == alpha_focal.id
    assert {a.partner_id for a in db.session.scalars(select(Accreditation))} == {alpha.id}
