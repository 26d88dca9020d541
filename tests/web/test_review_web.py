"""The review queue and the decision page, as staff use them, and what the
partner sees afterwards."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from portal.accreditation.submissions import submit_document
from portal.core.clock import local_day
from portal.core.extensions import db
from portal.demo import sample_pdf
from portal.models import AuditEvent, OutboxEmail, Submission, utcnow
from tests.helpers import a_reason, csrf_token, file_upload


def decide(
    client,
    submission_id: int,
    decision: str,
    feedback: str = "",
    token: str | None = None,
    reason: str | None = None,
):
    """Press a button on the decision page, with the page's own CSRF token (and,
    sending back, a reason: the first of the list unless `reason` says another)."""
    path = f"/review/{submission_id}"
    token = token or csrf_token(client, path)
    if reason is None:
        reason = str(a_reason()) if decision == "request_changes" else ""
    data = {"csrf_token": token, "decision": decision, "feedback": feedback, "reason": reason}
    return client.post(path, data=data)


def queue_rows(page: str) -> list[list[str]]:
    """The queue's rows as lists of cell texts."""
    rows = re.findall(r'<tr data-testid="queue-row">(.*?)</tr>', page, re.S)
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in rows
    ]


def card(page: str, requirement) -> str:
    match = re.search(
        rf'<article class="requirement" id="requirement-{requirement.id}".*?</article>', page, re.S
    )
    assert match, f"no card for {requirement.name}"
    return match.group(0)


def status_on_dashboard(client, side, requirement) -> str:
    page = client.get(f"/accreditations/{side.accreditation.id}").get_data(as_text=True)
    return re.search(r'data-testid="status">([^<]*)<', card(page, requirement)).group(1)


def waited_since(submission: Submission, delta: timedelta) -> None:
    db.session.execute(
        db.update(Submission)
        .where(Submission.id == submission.id)
        .values(uploaded_at=utcnow() - delta)
    )
    db.session.commit()


def status_of(submission: Submission) -> str:
    db.session.expire_all()
    return db.session.get(Submission, submission.id).status


def changes_emails() -> list[OutboxEmail]:
    return list(db.session.scalars(db.select(OutboxEmail).filter_by(template="changes_requested")))


# --- the queue ----------------------------------------------------------------


def test_the_queue_lists_waiting_documents_oldest_first_with_how_long_they_waited(world, login):
    # B uploaded after A, but has been waiting longer.
    waited_since(world.a.submission, timedelta(hours=5, minutes=10))
    waited_since(world.b.submission, timedelta(days=3, hours=2))
    client = login(world.manager.email)

    page = client.get("/review").get_data(as_text=True)

    rows = queue_rows(page)
    assert [(r[0], r[1], r[2], r[4]) for r in rows] == [
        ("Bravo Relief Network (BRN)", world.b.requirement.name, "1", "3 days"),
        ("Alpha Health Initiative (AHI)", world.a.requirement.name, "1", "5 hours"),
    ]
    assert "<strong>2</strong> waiting" in page
    assert f'href="/review/{world.b.submission.id}"' in page


def test_a_reviewed_document_leaves_the_queue(world, login):
    client = login(world.manager.email)

    response = decide(client, world.a.submission.id, "approve")

    assert response.status_code == 302
    assert response.location == "/review"
    page = client.get("/review").get_data(as_text=True)
    assert f"{world.a.requirement.name} from {world.a.partner.name} approved." in page
    assert [r[0] for r in queue_rows(page)] == ["Bravo Relief Network (BRN)"]
    assert f'href="/review/{world.a.submission.id}"' not in page


# --- the decision page --------------------------------------------------------


def test_the_decision_page_links_the_file_and_every_earlier_version(world, login):
    a = world.a
    second = submit_document(
        a.focal, a.accreditation, a.requirement, file_upload(sample_pdf("v2"), "certificate-v2.pdf")
    )
    client = login(world.manager.email)

    page = client.get(f"/review/{second.id}").get_data(as_text=True)

    assert "<h2>Version 2</h2>" in page
    assert f'<a href="/submissions/{second.id}/file">certificate-v2.pdf</a>' in page
    assert "All versions" in page
    assert f'<a href="/submissions/{a.submission.id}/file">Version 1</a>' in page
    assert "Replaced by a newer version" in page
    # The form is there for the waiting version...
    assert 'value="approve"' in page
    # ...and not for the replaced one.
    old = client.get(f"/review/{a.submission.id}").get_data(as_text=True)
    assert 'value="approve"' not in old


def test_approving_shows_approved_on_the_partners_dashboard(world, login):
    a = world.a
    manager = login(world.manager.email)
    partner = login(a.focal.email)
    assert status_on_dashboard(partner, a, a.requirement) == "Submitted – awaiting review"

    response = decide(manager, a.submission.id, "approve")

    assert response.status_code == 302
    assert status_on_dashboard(partner, a, a.requirement) == "Approved"
    # Nothing left to upload for it.
    page = partner.get(f"/accreditations/{a.accreditation.id}").get_data(as_text=True)
    assert 'type="file"' not in card(page, a.requirement)


def test_changes_cannot_be_requested_without_feedback(world, login):
    client = login(world.manager.email)
    events = db.session.scalar(db.select(db.func.count(AuditEvent.id)))

    response = decide(client, world.a.submission.id, "request_changes", "   ")

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    help_block = re.search(r'<div id="feedback-help">(.*?)</div>', page, re.S).group(1)
    assert '<p class="error">Tell the partner what to change.</p>' in help_block
    assert 'aria-invalid="true"' in re.search(r"<textarea[^>]*>", page).group(0)
    assert status_of(world.a.submission) == "submitted"
    assert changes_emails() == []
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id))) == events


def test_feedback_reaches_the_partner_on_the_dashboard_and_by_email(world, login):
    a = world.a
    feedback = "The certificate has expired; please send the renewed one."
    manager = login(world.manager.email)

    response = decide(manager, a.submission.id, "request_changes", feedback)

    assert response.status_code == 302
    page = manager.get(response.location).get_data(as_text=True)
    assert f"{a.requirement.name} from {a.partner.name} sent back for changes." in page

    partner = login(a.focal.email)
    dashboard = partner.get(f"/accreditations/{a.accreditation.id}").get_data(as_text=True)
    document = card(dashboard, a.requirement)
    assert "Changes requested" in document
    assert f'<p class="feedback-text">{feedback}</p>' in document
    assert "Feedback from Manu Manager" in document
    assert f"Revise {a.requirement.name}" in dashboard  # an outstanding action

    [email] = changes_emails()
    assert email.recipient_list == [a.focal.email]
    assert email.subject == f"Changes requested: {a.requirement.name}"
    assert feedback in email.body_text
    assert f"/accreditations/{a.accreditation.id}" in email.body_text
    assert email.status == "pending"


def test_approving_the_first_milestones_documents_moves_the_partner_to_the_next_stage(world, login):
    a = world.a
    first, second = a.accreditation.milestones[0].stage.requirements
    partner = login(a.focal.email)
    manager = login(world.manager.email)
    dashboard = partner.get(f"/accreditations/{a.accreditation.id}").get_data(as_text=True)
    assert 'data-testid="current-stage">Document submission<' in dashboard
    assert 'data-testid="completion">0%<' in dashboard

    upload = partner.post(
        f"/accreditations/{a.accreditation.id}/requirements/{second.id}/submissions",
        data={
            "csrf_token": csrf_token(partner, "/"),
            "file": (io.BytesIO(sample_pdf("Board list")), "board.pdf"),
        },
    )
    assert upload.status_code == 302
    waiting = db.session.scalar(db.select(Submission).filter_by(requirement_id=second.id))
    assert decide(manager, a.submission.id, "approve").status_code == 302
    dashboard = partner.get(f"/accreditations/{a.accreditation.id}").get_data(as_text=True)
    assert 'data-testid="current-stage">Document submission<' in dashboard, "one still waits"
    assert 'data-testid="completion">25%<' in dashboard

    assert decide(manager, waiting.id, "approve").status_code == 302

    dashboard = partner.get(f"/accreditations/{a.accreditation.id}").get_data(as_text=True)
    assert 'data-testid="current-stage">Compliance review<' in dashboard
    assert 'data-testid="completion">50%<' in dashboard
    milestones = re.findall(r'<li class="milestone ([a-z ]+)" data-testid="milestone">', dashboard)
    assert milestones == ["done", "current", "upcoming"]
    assert "Completed " in dashboard
    # Both sides hear about it.
    reached = db.session.scalars(db.select(OutboxEmail).filter_by(template="milestone_reached"))
    assert sorted(e.recipients for e in reached) == sorted(
        [a.focal.email, f"{world.admin.email},{world.manager.email}"]
    )


def test_a_second_reviewer_is_told_the_document_was_already_reviewed(world, login):
    """Two staff open the same submission; the one who decides last does not
    silently overwrite the first decision."""
    submission = world.a.submission
    admin, manager = login(world.admin.email), login(world.manager.email)
    admin_token = csrf_token(admin, f"/review/{submission.id}")
    manager_token = csrf_token(manager, f"/review/{submission.id}")

    assert decide(admin, submission.id, "approve", token=admin_token).status_code == 302
    response = decide(
        manager, submission.id, "request_changes", "Please re-scan it.", token=manager_token
    )

    assert response.status_code in (409, 422)
    page = response.get_data(as_text=True)
    assert "Already reviewed by Ada Admin on" in page
    assert "Approved by Ada Admin" in page
    db.session.expire_all()
    stored = db.session.get(Submission, submission.id)
    assert (stored.status, stored.reviewer_id, stored.feedback) == (
        "approved",
        world.admin.id,
        None,
    )
    assert changes_emails() == []


# --- assignment and deadlines -------------------------------------------------


def test_staff_assign_a_reviewer_and_filter_the_queue_to_mine(world, login):
    admin_client = login(world.admin.email)
    a, b = world.a, world.b
    token = csrf_token(admin_client, "/review")

    answer = admin_client.post(
        f"/review/{a.submission.id}/assign",
        data={"csrf_token": token, "reviewer_id": str(world.manager.id), "next": "/review"},
    )
    assert answer.status_code == 302 and answer.location == "/review"
    page = admin_client.get("/review").get_data(as_text=True)
    assert f"{a.requirement.name} is assigned to Manu Manager." in page

    manager_client = login(world.manager.email)
    mine = manager_client.get("/review?mine=1").get_data(as_text=True)
    assert a.partner.display_name in mine
    assert b.partner.display_name not in mine
    everything = manager_client.get("/review").get_data(as_text=True)
    assert b.partner.display_name in everything
    assert "Nothing is assigned to you." in admin_client.get("/review?mine=1").get_data(
        as_text=True
    )


def test_the_queue_shows_by_when_each_review_is_due_and_which_are_late(world, login):
    from portal.review.assignment import add_working_days

    late = world.a.submission
    late.uploaded_at = utcnow() - timedelta(days=14)
    db.session.commit()
    due = add_working_days(local_day(late.uploaded_at), 5)

    rows = queue_rows(login(world.manager.email).get("/review").get_data(as_text=True))
    by_partner = {row[0]: row for row in rows}
    assert by_partner[world.a.partner.display_name][5] == f"{due:%d %b %Y} (late)"
    assert "(late)" not in by_partner[world.b.partner.display_name][5]


def test_assigning_to_someone_who_is_not_staff_changes_nothing(world, login):
    client = login(world.admin.email)
    token = csrf_token(client, "/review")
    client.post(
        f"/review/{world.a.submission.id}/assign",
        data={"csrf_token": token, "reviewer_id": str(world.b.focal.id)},
    )
    db.session.expire_all()
    assert db.session.get(Submission, world.a.submission.id).assigned_to_id is None
    assert "Choose a member of the programme team." in client.get("/review").get_data(as_text=True)
