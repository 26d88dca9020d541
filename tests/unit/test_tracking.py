"""The staff overview, outstanding actions, the actions board's bulk actions and the
deadline notifications, against a real database."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.accreditation.deadlines import mark_not_applicable
from portal.accreditation.decisions import record_decision
from portal.accreditation.progress import completion, load_accreditation, progress
from portal.accreditation.submissions import review_submission
from portal.core.clock import local_today
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.i18n import format_day
from portal.mail.email_templates import save_template
from portal.models import AuditEvent, ChecklistItem, Notification, OutboxEmail, Submission
from portal.reminders.on_demand import send_reminders
from portal.review.assignment import assign_reviewer
from portal.tracking.board import assign_many, board
from portal.tracking.my_actions import my_actions
from portal.tracking.overview import Filters, overview_page, overview_rows, ready_for_sign_off
from tests.helpers import requirements_of


def rows(**filters) -> dict[str, object]:
    """The overview's rows by partner name, in the order shown."""
    return {r.partner_name: r for r in overview_rows(Filters(**filters))}


def items_of(accreditation) -> list[ChecklistItem]:
    return sorted(accreditation.items, key=lambda i: (i.milestone.position, i.requirement.position))


@pytest.fixture
def three(make_partner, staff, upload, approve):
    """Alpha: late (started 40 days ago, nothing in); Bravo: one document approved,
    one waiting for review assigned to the manager; Charlie: everything in hand but
    final approval."""
    alpha = make_partner("Alpha Health", "AH", started_on=local_today() - timedelta(days=40))
    bravo = make_partner("Bravo Relief", "BR")
    charlie = make_partner("Charlie Care", "CC")
    first, second, *_ = requirements_of(bravo[2])
    approve(staff["admin"], bravo[1], bravo[2], [first])
    waiting = upload(bravo[1], bravo[2], second)
    assign_reviewer(staff["admin"], waiting, staff["manager"])
    approve(staff["admin"], charlie[1], charlie[2], requirements_of(charlie[2])[:-1])
    # The final stage's document is waived: Charlie is ready for sign-off.
    last = next(
        i for i in charlie[2].items if i.requirement_id == requirements_of(charlie[2])[-1].id
    )
    mark_not_applicable(staff["admin"], last, "Signed at the kick-off meeting")
    return alpha, bravo, charlie, waiting


def test_each_row_says_where_the_accreditation_stands(three, staff):
    alpha, bravo, charlie, waiting = three
    shown = rows()
    a, b, c = shown["Alpha Health"], shown["Bravo Relief"], shown["Charlie Care"]
    assert (a.stage, a.percent, a.overdue, a.waiting) == ("Document submission", 0, True, 0)
    assert a.next_due == alpha[2].milestones[0].due_on == local_today() - timedelta(days=10)
    # Bravo: 1 of 4 in hand; the waiting document is not owed by the partner any more.
    assert (b.stage, b.percent, b.overdue, b.waiting, b.reviewers) == (
        "Document submission",
        25,
        False,
        1,
        ["Manu Manager"],
    )
    assert b.waiting_since == waiting.uploaded_at
    assert b.next_due == bravo[2].milestones[0].due_on  # the stage's end, nothing else owed
    assert c.stage == "Final approval" and c.percent == 100 and c.ready_for_sign_off
    assert not a.ready_for_sign_off and not b.ready_for_sign_off


def test_the_percentages_agree_with_completion_and_progress(three):
    shown = overview_rows(Filters())
    percent = completion([r.accreditation_id for r in shown])
    for row in shown:
        assert row.percent == percent[row.accreditation_id]
        state = progress(load_accreditation(row.accreditation_id), local_today())
        assert row.percent == state.percent
        assert row.ready_for_sign_off == state.ready_for_sign_off


def test_filters_narrow_the_rows(three, staff):
    assert list(rows(overdue=True)) == ["Alpha Health"]
    assert list(rows(waiting=True)) == ["Bravo Relief"]
    assert list(rows(stage="Final approval")) == ["Charlie Care"]
    assert list(rows(q="bravo")) == ["Bravo Relief"]
    assert list(rows(q="CC")) == ["Charlie Care"]
    assert list(rows(reviewer=staff["manager"].id)) == ["Bravo Relief"]
    assert list(rows(reviewer=staff["admin"].id)) == []
    assert list(rows(state="decided")) == []
    assert len(rows(state="running")) == 3


def test_decided_accreditations_show_their_decision_and_owe_nothing(three, staff):
    charlie = three[2]
    record_decision(staff["admin"], charlie[2], "accredited", "", None, local_today())
    row = rows()["Charlie Care"]
    assert row.decision == "accredited" and row.valid_until > local_today()
    assert row.next_due is None and not row.overdue and not row.ready_for_sign_off
    assert list(rows(state="decided")) == ["Charlie Care"]
    assert "Charlie Care" not in rows(stage="Final approval")
    assert ready_for_sign_off(local_today()) == []


def test_sorts(three, make_partner, upload):
    # Sooner deadline first; nothing due (decided) last.
    assert list(rows(sort="deadline"))[0] == "Alpha Health"
    assert list(rows(sort="partner")) == ["Alpha Health", "Bravo Relief", "Charlie Care"]
    # Longest waiting first; those with nothing waiting after.
    partner, focal, accreditation = make_partner("Delta Aid", "DA")
    late = upload(focal, accreditation, requirements_of(accreditation)[0])
    db.session.execute(
        db.update(Submission)
        .where(Submission.id == late.id)
        .values(uploaded_at=late.uploaded_at - timedelta(days=3))
    )
    db.session.commit()
    assert list(rows(sort="waiting"))[:2] == ["Delta Aid", "Bravo Relief"]


def test_pages_of_the_overview(make_partner):
    for n in range(5):
        make_partner(f"Partner {n}", f"P{n}")
    page = overview_page(Filters(sort="partner", page=2), per_page=2)
    assert (page.total, page.pages, page.first, page.last) == (5, 3, 3, 4)
    assert [r.partner_name for r in page.rows] == ["Partner 2", "Partner 3"]
    beyond = overview_page(Filters(page=9), per_page=2)
    assert beyond.filters.page == 3 and len(beyond.rows) == 1


def test_filters_round_trip_through_the_url():
    args = {"overdue": "1", "sort": "waiting", "stage": "Compliance review", "page": "x"}
    filters = Filters.from_args(args)
    assert filters.overdue and filters.sort == "waiting" and filters.page == 1
    assert filters.args() == {"overdue": "1", "sort": "waiting", "stage": "Compliance review"}
    assert Filters.from_args({"sort": "evil", "state": "nope", "reviewer": "x"}) == Filters()


# --- my actions -------------------------------------------------------------------


def test_my_actions_lists_my_reviews_unassigned_ones_and_sign_offs(three, staff, upload):
    alpha = three[0]
    unassigned = upload(alpha[1], alpha[2], requirements_of(alpha[2])[0])
    mine = my_actions(staff["manager"])
    assert [r.submission.id for r in mine.assigned] == [three[3].id]
    assert [r.submission.id for r in mine.unassigned] == [unassigned.id]
    assert mine.assigned[0].review_by > local_today() - timedelta(days=1)
    assert [r.partner_name for r in mine.sign_off] == ["Charlie Care"]
    admins = my_actions(staff["admin"])
    assert admins.assigned == [] and len(admins.unassigned) == 1


def test_unanswered_messages_come_from_the_conversations_service(three, staff):
    from portal.models import Message

    alpha = three[0]
    db.session.add(Message(accreditation_id=alpha[2].id, author_id=alpha[1].id, body="Help?"))
    db.session.commit()
    waiting = my_actions(staff["admin"]).unanswered
    assert [(u.partner_name, u.last_message.body) for u in waiting] == [("Alpha Health", "Help?")]


# --- the board ----------------------------------------------------------------------


def test_the_board_lists_what_is_owed_soon_or_late_and_what_waits(three):
    alpha, bravo, charlie, waiting = three
    soon = board(days=14)
    # Alpha's two first-stage documents are late; Bravo's and Charlie's are not due soon.
    assert {(i.partner_name, i.overdue) for i in soon.items} == {("Alpha Health", True)}
    assert len(soon.items) == 2
    assert [r.submission.id for r in soon.reviews] == [waiting.id]
    later = board(days=30)
    # Bravo owes nothing of the first stage (one approved, one waiting); its later
    # documents are due after 60 days. Charlie owes nothing.
    assert {i.partner_name for i in later.items} == {"Alpha Health"}
    assert {i.partner_name for i in board(days=60).items} == {"Alpha Health", "Bravo Relief"}


def test_the_board_groups_by_partner_or_by_action(three):
    by_partner = board(days=14, group="partner").groups()
    assert [g.title for g in by_partner] == ["Alpha Health", "Bravo Relief"]
    by_action = board(days=14, group="action").groups()
    titles = [g.title for g in by_action]
    assert titles[:2] == ["Document submission document 1", "Document submission document 2"]
    assert titles[2] == "Review: Document submission document 2"


def test_assigning_many_refuses_a_stale_selection_and_changes_nothing(three, staff, upload):
    alpha = three[0]
    fresh = upload(alpha[1], alpha[2], requirements_of(alpha[2])[0])
    review_submission(staff["admin"], three[3], "approve", "")
    with pytest.raises(DomainError, match="Already reviewed"):
        assign_many(staff["admin"], [fresh, three[3]], staff["admin"])
    db.session.rollback()
    assert db.session.get(Submission, fresh.id).assigned_to_id is None
    assert assign_many(staff["admin"], [fresh], staff["admin"]) == 1
    assert db.session.get(Submission, fresh.id).assigned_to_id == staff["admin"].id
    with pytest.raises(DomainError, match="at least one submission"):
        assign_many(staff["admin"], [], staff["admin"])


def test_a_reminder_is_one_email_per_partner_with_its_deadlines(three, staff, make_user):
    alpha, bravo = three[0], three[1]
    colleague = make_user("colleague@ah.example.org", partner=alpha[0], partner_role="editor")
    make_user("gone@ah.example.org", partner=alpha[0], partner_role="viewer").active = False
    db.session.commit()
    chosen = [*items_of(alpha[2])[:2], items_of(bravo[2])[3]]
    result = send_reminders(staff["manager"], chosen, local_today())
    assert sorted(result.partners) == ["Alpha Health", "Bravo Relief"]
    emails = db.session.scalars(db.select(OutboxEmail).where(OutboxEmail.template == "reminder"))
    by_recipients = {e.recipients: e for e in emails}
    assert set(by_recipients) == {
        f"{colleague.email},{alpha[1].email}",
        bravo[1].email,
    }
    # The editable reminder, as the daily run sends it, in the partner's language.
    alpha_mail = by_recipients[f"{colleague.email},{alpha[1].email}"]
    assert alpha_mail.subject == "[Partner Accreditation Programme] Reminder: 2 items due"
    assert alpha_mail.body_text.startswith("Dear Alpha Health,")  # one email to two people
    assert "what Alpha Health still has to do" in alpha_mail.body_text
    assert "- Document submission document 1: overdue since" in alpha_mail.body_text
    assert format_day(alpha[2].milestones[0].due_on, "en") in alpha_mail.body_text
    bravo_mail = by_recipients[bravo[1].email]
    assert bravo_mail.body_text.startswith(f"Dear {bravo[1].name},")
    assert "Final approval document 1" in bravo_mail.subject
    notes = db.session.scalars(
        db.select(Notification).where(Notification.kind == "deadline_approaching")
    ).all()
    assert sorted(n.user_id for n in notes) == sorted([alpha[1].id, colleague.id, bravo[1].id])
    assert {n.link for n in notes} == {
        f"/accreditations/{alpha[2].id}",
        f"/accreditations/{bravo[2].id}",
    }
    audited = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "reminder_sent")
    ).all()
    assert sorted(e.partner_id for e in audited) == sorted([alpha[0].id, bravo[0].id])


def test_a_reminder_now_uses_the_administrators_edit_of_the_reminder(three, staff):
    alpha = three[0]
    save_template(
        staff["admin"],
        "reminder",
        "en",
        "Still to come for {{ partner_name }}",
        "Dear {{ greeting_name }},\n{% for item in items %}* {{ item.title }}\n{% endfor %}",
    )
    send_reminders(staff["manager"], items_of(alpha[2])[:1], local_today())
    email = db.session.scalar(db.select(OutboxEmail).where(OutboxEmail.template == "reminder"))
    assert email.subject == "Still to come for Alpha Health"
    assert "* Document submission document 1" in email.body_text


def test_a_reminder_needs_a_document(staff):
    with pytest.raises(DomainError, match="at least one document"):
        send_reminders(staff["admin"], [], local_today())
