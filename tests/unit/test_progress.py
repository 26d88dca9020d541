"""Where an accreditation stands: percentage done and what is still to do."""

from __future__ import annotations

from datetime import timedelta

from portal.accreditation.decisions import record_decision
from portal.accreditation.progress import completion, load_accreditation, progress
from portal.accreditation.submissions import review_submission
from portal.core.clock import local_today
from portal.core.extensions import db
from portal.models import Requirement
from tests.helpers import a_reason, requirements_of


def test_percent_is_approved_required_documents_over_required(accreditation_for, staff, approve):
    partner, focal, accreditation = accreditation_for
    documents = requirements_of(accreditation)  # 4 required documents
    today = local_today()

    assert progress(accreditation, today).percent == 0
    approve(staff["manager"], focal, accreditation, documents[:1])
    assert progress(accreditation, today).percent == 25
    approve(staff["manager"], focal, accreditation, documents[1:3])
    assert progress(accreditation, today).percent == 75
    approve(staff["manager"], focal, accreditation, documents[3:])
    assert progress(accreditation, today).percent == 100


def test_documents_waiting_or_sent_back_do_not_count_as_done(accreditation_for, staff, upload):
    partner, focal, accreditation = accreditation_for
    first, second = requirements_of(accreditation)[:2]
    upload(focal, accreditation, first)
    review_submission(
        staff["manager"],
        upload(focal, accreditation, second),
        "request_changes",
        "Redo.",
        a_reason(),
    )

    state = progress(accreditation, local_today())

    assert state.percent == 0
    assert [r.status for r in state.requirements[:2]] == ["submitted", "changes_requested"]


def test_an_optional_document_does_not_change_the_percentage(
    make_template, make_partner, staff, approve
):
    template = make_template(stages=(("Document submission", 30, 1),))
    optional = Requirement(
        stage=template.stages[0], position=2, name="Annual report", required=False
    )
    db.session.add(optional)
    db.session.commit()
    partner, focal, accreditation = make_partner(template=template)

    approve(staff["manager"], focal, accreditation, [optional])
    state = progress(accreditation, local_today())

    assert state.percent == 0
    assert [a.title for a in state.actions] == ["Upload Document submission document 1"]
    assert completion([accreditation.id]) == {accreditation.id: 0}


def test_outstanding_actions_are_ordered_by_deadline(make_partner, staff, upload):
    """Started 40 days ago: the first milestone (30 days) is overdue; one of its
    documents is missing, one was sent back; the second stage's document waits
    for review (nothing for the partner to do) and the last stage's is missing."""
    started = local_today() - timedelta(days=40)
    partner, focal, accreditation = make_partner(started_on=started)
    missing, sent_back, waiting, last = requirements_of(accreditation)
    review_submission(
        staff["manager"],
        upload(focal, accreditation, sent_back),
        "request_changes",
        "Sign it.",
        a_reason(),
    )
    upload(focal, accreditation, waiting)
    first, second, third = accreditation.milestones

    actions = progress(accreditation, local_today()).actions

    assert [(a.kind, a.title, a.due_on) for a in actions] == [
        ("overdue", f"{first.name} is overdue", started + timedelta(days=30)),
        ("upload", f"Upload {missing.name}", started + timedelta(days=30)),
        ("revise", f"Revise {sent_back.name}", started + timedelta(days=30)),
        ("upload", f"Upload {last.name}", started + timedelta(days=74)),
    ]
    assert [a.due_on for a in actions] == sorted(a.due_on for a in actions)
    assert actions[0].is_overdue(local_today())
    assert not actions[-1].is_overdue(local_today())
    assert second.due_on == started + timedelta(days=60)
    assert third.due_on == started + timedelta(days=74)


def test_a_completed_milestone_is_never_overdue(make_partner, staff, approve):
    started = local_today() - timedelta(days=40)
    partner, focal, accreditation = make_partner(started_on=started)
    approve(staff["manager"], focal, accreditation, accreditation.milestones[0].stage.requirements)

    actions = progress(accreditation, local_today()).actions

    assert [a.kind for a in actions] == ["upload", "upload"]


def test_a_finished_accreditation_has_nothing_outstanding(accreditation_for, staff, approve):
    partner, focal, accreditation = accreditation_for
    approve(staff["manager"], focal, accreditation, requirements_of(accreditation))
    record_decision(staff["admin"], accreditation, "accredited", "", None, local_today())

    state = progress(load_accreditation(accreditation.id), local_today() + timedelta(days=365))

    assert state.actions == []
    assert state.percent == 100


def test_the_list_percentage_matches_each_accreditations_own_page(
    make_partner, staff, upload, approve
):
    """completion() (partner lists) and progress() (one accreditation) agree."""
    manager = staff["manager"]
    untouched = make_partner("Untouched", "UT")[2]
    _, focal, halfway = make_partner("Halfway", "HW")
    documents = requirements_of(halfway)
    approve(manager, focal, halfway, documents[:2])
    upload(focal, halfway, documents[2])
    _, focal, revised = make_partner("Revised", "RV")
    documents = requirements_of(revised)
    review_submission(
        manager, upload(focal, revised, documents[0]), "request_changes", "Redo.", a_reason()
    )
    approve(manager, focal, revised, documents[:1])  # version 2 approved after v1 sent back
    _, focal, finished = make_partner("Finished", "FN")
    approve(manager, focal, finished, requirements_of(finished))
    accreditations = [untouched, halfway, revised, finished]

    listed = completion([a.id for a in accreditations])

    assert listed == {a.id: progress(a, local_today()).percent for a in accreditations}
    assert list(listed.values()) == [0, 50, 25, 100]
