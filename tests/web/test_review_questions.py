"""A partner's question on a document outlives the version it was asked on: staff
read it on the review page of the newer version, marked with the version it was
asked on, and it counts as unanswered (my actions) until staff answer."""

from __future__ import annotations

import re

import pytest

from portal.accreditation.submissions import submit_document
from portal.conversations.threads import post_comment
from portal.conversations.waiting import unanswered_questions
from portal.demo import sample_pdf
from tests.helpers import csrf_token, file_upload


def upload(focal, accreditation, requirement, name="document.pdf"):
    return submit_document(focal, accreditation, requirement, file_upload(sample_pdf(name), name))


@pytest.fixture
def asked(make_partner, staff):
    """Version 1 uploaded, the partner asks about it, then uploads version 2."""
    _, focal, accreditation = make_partner("Question Partner", "QP")
    requirement = accreditation.milestones[0].stage.requirements[0]
    first = upload(focal, accreditation, requirement, "first.pdf")
    question = post_comment(focal, first, "Does the annex need a stamp too?")
    second = upload(focal, accreditation, requirement, "second.pdf")
    assert second.version == 2
    return focal, first, second, question


def comments_section(page: str) -> str:
    return re.search(r'data-testid="review-comments".*?</section>', page, re.S)[0]


def test_a_question_on_an_earlier_version_stays_on_the_review_page(asked, login, staff):
    _, first, second, question = asked
    admin = login(staff["admin"].email)
    section = comments_section(admin.get(f"/review/{second.id}").get_data(as_text=True))
    assert "Does the annex need a stamp too?" in section
    [comment] = re.findall(r'<li class="message[^"]*".*?</li>', section, re.S)
    assert re.search(r'data-testid="asked-on">on version 1<', comment)
    assert 'data-testid="unanswered"' in comment
    assert 'data-testid="unanswered-count">1 unanswered<' in section


def test_it_counts_as_unanswered_until_staff_answer_on_any_version(asked, login, staff):
    _, first, second, question = asked
    [waiting] = unanswered_questions()
    assert waiting.last_message.id == question.id
    assert waiting.last_message.submission.version == 1
    assert waiting.latest_version_id == second.id
    assert waiting.waiting_since == question.created_at

    admin = login(staff["admin"].email)
    mine = admin.get("/my-actions").get_data(as_text=True)
    section = mine.split('id="unanswered"')[1].split("</section>")[0]
    assert "Does the annex need a stamp too?" in section
    assert f'href="/review/{second.id}#comments"' in section
    assert "asked on version 1" in section

    # The reviewer answers from the review page of version 2, and is brought back.
    path = f"/review/{second.id}"
    answer = admin.post(
        f"/submissions/{second.id}/comments",
        data={
            "csrf_token": csrf_token(admin, path),
            "body": "No stamp needed.",
            "next": f"{path}#comments",
        },
    )
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"{path}#comments")
    assert unanswered_questions() == []
    section = comments_section(admin.get(path).get_data(as_text=True))
    assert "Does the annex need a stamp too?" in section  # still there, answered
    assert 'data-testid="unanswered"' not in section
    assert "Every partner message has an answer." in admin.get("/my-actions").get_data(as_text=True)


def test_a_follow_up_after_the_answer_waits_again(asked, staff):
    focal, first, second, question = asked
    post_comment(staff["manager"], first, "Yes, on page 3.")
    assert unanswered_questions() == []
    follow_up = post_comment(focal, second, "Done, see version 2.")
    [waiting] = unanswered_questions()
    assert waiting.last_message.id == follow_up.id
    assert waiting.waiting_since == follow_up.created_at


def test_the_review_page_answer_cannot_send_the_reviewer_off_site(asked, login, staff):
    _, _, second, _ = asked
    admin = login(staff["admin"].email)
    path = f"/review/{second.id}"
    answer = admin.post(
        f"/submissions/{second.id}/comments",
        data={
            "csrf_token": csrf_token(admin, path),
            "body": "Fine.",
            "next": "https://evil.example",
        },
    )
    assert answer.status_code == 302 and "evil" not in answer.headers["Location"]


def test_the_upload_reads_just_now_not_just_now_ago(asked, login, staff):
    _, _, second, _ = asked
    admin = login(staff["admin"].email)
    page = admin.get(f"/review/{second.id}").get_data(as_text=True)
    uploaded = re.search(r'data-testid="uploaded">([^<]*)<', page).group(1)
    assert uploaded.endswith("(just now)") and "ago" not in uploaded
