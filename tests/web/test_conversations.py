"""The message thread and submission comments through the browser's requests."""

from __future__ import annotations

import pytest

from portal.conversations.threads import post_comment, post_message
from portal.core.extensions import db
from portal.models import Message, Notification, OutboxEmail
from tests.helpers import token_for


def _messages() -> int:
    return db.session.scalar(db.select(db.func.count(Message.id)))


def _post(client, path: str, body: str, htmx: bool = False):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(path, data={"body": body, "csrf_token": token_for(client)}, headers=headers)


def test_a_partner_writes_to_the_programme_team(world, login):
    client = login(world.a.focal.email)
    path = f"/accreditations/{world.a.accreditation.id}/messages"

    response = _post(client, path, "When is the compliance review?\nWe are ready.")

    assert response.status_code == 302 and response.location.endswith(path)
    page = client.get(path).get_data(as_text=True)
    assert "When is the compliance review?\nWe are ready." in page  # newlines kept (pre-line)
    assert world.a.focal.name in page
    notified = db.session.scalars(db.select(Notification).filter_by(kind="new_message")).all()
    assert {n.user_id for n in notified} == {world.admin.id, world.manager.id}
    assert db.session.scalar(db.select(OutboxEmail).filter_by(template="new_message"))


def test_message_bodies_are_plain_text(world, login):
    client = login(world.a.focal.email)
    path = f"/accreditations/{world.a.accreditation.id}/messages"
    _post(client, path, "<script>alert(1)</script> & <b>bold</b>")
    page = client.get(path).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page


@pytest.mark.parametrize("body", ["", "   ", "x" * 5001])
def test_an_empty_or_overlong_message_comes_back_with_the_error_by_the_field(world, login, body):
    client = login(world.a.focal.email)
    path = f"/accreditations/{world.a.accreditation.id}/messages"

    response = _post(client, path, body, htmx=True)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="thread"' in page and "<html" not in page  # the fragment, not the page
    assert 'aria-invalid="true"' in page
    assert "Write a message first." in page or "Keep it under 5,000 characters" in page
    assert _messages() == 0


def test_an_htmx_message_rerenders_the_thread_with_an_empty_form(world, login):
    client = login(world.a.focal.email)
    path = f"/accreditations/{world.a.accreditation.id}/messages"
    response = _post(client, path, "Hello team", htmx=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<html" not in page and "Hello team" in page
    assert page.count('data-testid="message"') == 1
    assert page.count("Hello team") == 1  # shown once: the form is empty again


def test_another_partner_can_neither_read_nor_write_the_thread(world, login):
    client = login(world.b.focal.email)
    path = f"/accreditations/{world.a.accreditation.id}/messages"
    assert client.get(path).status_code == 404
    assert _post(client, path, "Sneaky").status_code == 404
    submission = f"/submissions/{world.a.submission.id}/comments"
    assert _post(client, submission, "Sneaky").status_code == 404
    assert _messages() == 0
    assert not db.session.scalar(db.select(Notification).filter_by(kind="new_message"))


def test_a_manager_may_answer_and_the_partner_is_told(world, login):
    post_message(world.a.focal, world.a.accreditation, "A question")
    client = login(world.manager.email)
    path = f"/accreditations/{world.a.accreditation.id}/messages"

    assert _post(client, path, "An answer").status_code == 302

    notified = db.session.scalars(
        db.select(Notification).filter_by(kind="new_message", user_id=world.a.focal.id)
    ).all()
    assert len(notified) == 1 and notified[0].link == path
    assert [m.body for m in db.session.scalars(db.select(Message).order_by(Message.id))] == [
        "A question",
        "An answer",
    ]


def test_a_partner_viewer_reads_but_may_not_write(world, login, make_user):
    make_user("viewer@ahi.example.org", partner=world.a.partner, partner_role="viewer")
    post_message(world.admin, world.a.accreditation, "Welcome")
    client = login("viewer@ahi.example.org")
    path = f"/accreditations/{world.a.accreditation.id}/messages"

    page = client.get(path).get_data(as_text=True)
    assert "Welcome" in page and "<textarea" not in page
    assert _post(client, path, "Hi").status_code == 403
    assert _post(client, f"/submissions/{world.a.submission.id}/comments", "Hi").status_code == 403
    assert _messages() == 1


def test_the_dashboard_shows_unread_messages_until_the_thread_is_opened(world, login):
    post_message(world.admin, world.a.accreditation, "Please check the deadline")
    post_message(world.admin, world.a.accreditation, "And the annex")
    client = login(world.a.focal.email)
    dashboard = f"/accreditations/{world.a.accreditation.id}"

    assert "2 unread" in client.get(dashboard).get_data(as_text=True)
    thread = client.get(f"{dashboard}/messages").get_data(as_text=True)
    assert "New since your last visit" in thread
    assert (
        "unread" not in client.get(dashboard).get_data(as_text=True).split("thread-link")[1][:400]
    )
    assert "New since your last visit" not in client.get(f"{dashboard}/messages").get_data(
        as_text=True
    )
    # Opening the thread also reads the bell's entries about it.
    assert not db.session.scalar(
        db.select(Notification).filter_by(
            user_id=world.a.focal.id, kind="new_message", read_at=None
        )
    )


def test_a_comment_on_a_submission_appears_under_it_and_reaches_the_reviewers(world, login):
    client = login(world.a.focal.email)
    path = f"/submissions/{world.a.submission.id}/comments"

    response = _post(client, path, "This is the notarised copy.", htmx=True)

    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert f'id="comments-{world.a.submission.id}"' in fragment and "<html" not in fragment
    assert "This is the notarised copy." in fragment
    dashboard = client.get(f"/accreditations/{world.a.accreditation.id}").get_data(as_text=True)
    assert "Comments (1)" in dashboard and "This is the notarised copy." in dashboard
    [to_admin] = db.session.scalars(
        db.select(Notification).filter_by(kind="new_message", user_id=world.admin.id)
    ).all()
    anchor = f"#requirement-{world.a.requirement.id}"
    assert to_admin.link == f"/accreditations/{world.a.accreditation.id}{anchor}"


def test_a_comment_without_javascript_redirects_to_the_requirement(world, login):
    client = login(world.admin.email)
    response = _post(client, f"/submissions/{world.a.submission.id}/comments", "Looks fine")
    assert response.status_code == 302
    assert response.location.endswith(
        f"/accreditations/{world.a.accreditation.id}#requirement-{world.a.requirement.id}"
    )


def test_an_empty_comment_is_refused_by_the_field(world, login):
    client = login(world.a.focal.email)
    response = _post(client, f"/submissions/{world.a.submission.id}/comments", " ", htmx=True)
    assert response.status_code == 422
    assert "Write a message first." in response.get_data(as_text=True)
    response = _post(client, f"/submissions/{world.a.submission.id}/comments", "")
    assert response.status_code == 422 and "<html" in response.get_data(as_text=True)
    assert _messages() == 0


def _measure(client, path, count_queries) -> tuple[int, str]:
    assert client.get(path).status_code == 200
    with count_queries() as counter:
        response = client.get(path)
    assert response.status_code == 200
    return counter.count, response.get_data(as_text=True)


def test_the_thread_page_costs_the_same_queries_with_2_or_10_messages(world, login, count_queries):
    a = world.a
    for n in range(2):
        post_message(a.focal if n % 2 else world.admin, a.accreditation, f"Message {n}")
    client = login(a.focal.email)
    path = f"/accreditations/{a.accreditation.id}/messages"
    small, page = _measure(client, path, count_queries)
    assert page.count('data-testid="message"') == 2
    for n in range(2, 10):
        post_message(a.focal if n % 2 else world.manager, a.accreditation, f"Message {n}")
    # The first GET reads the new ones (a write); the measured one is a plain read.
    large, page = _measure(client, path, count_queries)
    assert page.count('data-testid="message"') == 10
    print(f"\n{path}: {small} queries with 2 messages, {large} with 10")
    assert large == small


def test_the_dashboard_loads_comments_in_one_query_however_many(world, login, count_queries):
    a = world.a
    client = login(a.focal.email)
    path = f"/accreditations/{a.accreditation.id}"
    small, _ = _measure(client, path, count_queries)
    for n in range(8):
        post_comment(world.admin if n % 2 else a.focal, a.submission, f"Comment {n}")
    large, page = _measure(client, path, count_queries)
    assert "Comments (8)" in page
    print(f"\n{path}: {small} queries with no comments, {large} with 8")
    assert large == small
