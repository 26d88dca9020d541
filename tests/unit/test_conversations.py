"""The message thread of an accreditation and the comment threads of submissions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.conversations.threads import (
    comments_by_submission,
    mark_thread_read,
    post_comment,
    post_message,
    thread,
    unread_count,
)
from portal.conversations.waiting import unanswered
from portal.core.access import Refused
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.models import AuditEvent, Message, Notification, OutboxEmail


def _notified(user) -> list[Notification]:
    return list(db.session.scalars(db.select(Notification).filter_by(user_id=user.id)))


def test_a_partner_message_reaches_the_programme_team_not_its_author(
    accreditation_for, staff, make_user
):
    partner, focal, accreditation = accreditation_for
    colleague = make_user("editor@ah.example.org", partner=partner, partner_role="editor")

    message = post_message(focal, accreditation, "  Is the audit report due in March?\n\nThanks  ")

    assert message.body == "Is the audit report due in March?\n\nThanks"  # trimmed, lines kept
    assert [m.id for m in thread(accreditation.id)] == [message.id]
    for person in staff.values():
        [notification] = _notified(person)
        assert notification.kind == "new_message"
        assert notification.link == f"/accreditations/{accreditation.id}/messages"
    assert _notified(focal) == [] and _notified(colleague) == []
    [email] = db.session.scalars(db.select(OutboxEmail).filter_by(template="new_message"))
    assert set(email.recipients.split(",")) == {"admin@example.org", "manager@example.org"}
    assert "Is the audit report due in March?" in email.body_text
    assert db.session.scalar(db.select(AuditEvent).filter_by(action="message_posted"))


def test_a_staff_answer_reaches_the_partners_active_people(accreditation_for, staff, make_user):
    partner, focal, accreditation = accreditation_for
    viewer = make_user("viewer@ah.example.org", partner=partner, partner_role="viewer")
    gone = make_user("gone@ah.example.org", partner=partner, partner_role="editor")
    gone.active = False
    db.session.commit()

    post_message(staff["manager"], accreditation, "Yes, by 31 March.")

    assert [n.kind for n in _notified(focal)] == ["new_message"]
    assert len(_notified(viewer)) == 1
    assert _notified(gone) == [] and _notified(staff["manager"]) == []
    assert _notified(staff["admin"]) == []  # staff do not notify each other
    [email] = db.session.scalars(db.select(OutboxEmail).filter_by(template="new_message"))
    assert set(email.recipients.split(",")) == {focal.email, viewer.email}


@pytest.mark.parametrize("body", ["", "   \n ", "x" * 5001])
def test_an_empty_or_overlong_message_is_refused_and_nothing_stored(accreditation_for, body):
    _, focal, accreditation = accreditation_for
    with pytest.raises(DomainError) as refused:
        post_message(focal, accreditation, body)
    assert refused.value.field == "body"
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(Message.id))) == 0
    assert db.session.scalar(db.select(db.func.count(Notification.id))) == 0


def test_a_viewer_may_not_write(accreditation_for, make_user):
    partner, _, accreditation = accreditation_for
    viewer = make_user("viewer@ah.example.org", partner=partner, partner_role="viewer")
    with pytest.raises(Refused):
        post_message(viewer, accreditation, "Hello")


def test_unread_counts_others_messages_until_the_thread_is_read(accreditation_for, staff):
    _, focal, accreditation = accreditation_for
    admin = staff["admin"]
    post_message(focal, accreditation, "Question one")
    post_message(focal, accreditation, "Question two")

    assert unread_count(focal, accreditation.id) == 0  # own messages are read
    assert unread_count(admin, accreditation.id) == 2

    answer = post_message(admin, accreditation, "Answer")
    assert unread_count(admin, accreditation.id) == 0  # answering reads what came before
    assert unread_count(focal, accreditation.id) == 1

    mark_thread_read(focal, accreditation.id, answer.id)
    assert unread_count(focal, accreditation.id) == 0
    mark_thread_read(focal, accreditation.id, 1)  # never goes backwards
    assert unread_count(focal, accreditation.id) == 0


def test_comments_belong_to_their_submission_and_not_to_the_thread(
    accreditation_for, staff, upload
):
    _, focal, accreditation = accreditation_for
    first, second = accreditation.milestones[0].stage.requirements
    one, two = upload(focal, accreditation, first), upload(focal, accreditation, second)

    comment = post_comment(focal, one, "Page 3 is the signed version.")
    post_comment(staff["admin"], one, "Thanks, noted.")
    post_comment(staff["admin"], two, "Please add the annex.")

    grouped = comments_by_submission(accreditation.id)
    assert [m.body for m in grouped[one.id]] == ["Page 3 is the signed version.", "Thanks, noted."]
    assert [m.body for m in grouped[two.id]] == ["Please add the annex."]
    assert thread(accreditation.id) == []
    assert unread_count(focal, accreditation.id) == 0  # comments are not thread messages
    [to_staff] = [n for n in _notified(staff["manager"]) if n.kind == "new_message"]
    assert to_staff.link == f"/accreditations/{accreditation.id}#requirement-{first.id}"
    assert comment.submission_id == one.id


def test_unanswered_lists_threads_whose_last_word_is_the_partners_oldest_first(make_partner, staff):
    admin = staff["admin"]
    a, a_focal, a_accreditation = make_partner("Alpha Health", "AH")
    b, b_focal, b_accreditation = make_partner("Bravo Relief", "BR")
    c, c_focal, c_accreditation = make_partner("Charlie Care", "CC")

    first_a = post_message(a_focal, a_accreditation, "A asks")
    post_message(a_focal, a_accreditation, "A asks again")
    post_message(b_focal, b_accreditation, "B asks")
    post_message(admin, b_accreditation, "B answered")
    post_message(c_focal, c_accreditation, "C asks")
    post_message(admin, c_accreditation, "C answered")
    late = post_message(c_focal, c_accreditation, "C follows up")
    post_comment(admin, _a_submission(a_focal, a_accreditation), "a comment is not an answer")
    # Make the waiting order unambiguous: C's follow-up came after A's first question.
    late.created_at = first_a.created_at + timedelta(hours=1)
    db.session.commit()

    waiting = unanswered()

    assert [(w.partner_name, w.last_message.body) for w in waiting] == [
        ("Alpha Health", "A asks again"),
        ("Charlie Care", "C follows up"),
    ]
    assert waiting[0].accreditation_id == a_accreditation.id
    assert waiting[0].partner_id == a.id
    assert waiting[0].waiting_since == first_a.created_at  # since the first unanswered one
    assert waiting[1].waiting_since == late.created_at
    assert waiting[0].last_message.author.name == a_focal.name
    assert [w.partner_name for w in unanswered(limit=1)] == ["Alpha Health"]


def test_unanswered_takes_one_query(make_partner, staff, count_queries):
    for n in range(4):
        _, focal, accreditation = make_partner(f"Partner {n}", f"P{n}")
        post_message(focal, accreditation, "Hello?")
    db.session.expire_all()
    with count_queries() as queries:
        waiting = unanswered()
        names = [(w.partner_name, w.last_message.author.name) for w in waiting]
    assert len(names) == 4
    assert queries.count == 1


def _a_submission(user, accreditation):
    from portal.accreditation.submissions import submit_document
    from portal.demo import sample_pdf
    from tests.helpers import file_upload

    requirement = accreditation.milestones[0].stage.requirements[0]
    return submit_document(user, accreditation, requirement, file_upload(sample_pdf("x"), "x.pdf"))
