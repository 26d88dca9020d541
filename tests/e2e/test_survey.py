"""The feedback survey in a real browser: the cycle is decided, the partner's
focal point follows the invitation email's link, logs in, is told what is
missing, answers, and a programme manager reads the answer in the results."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.accreditation.decisions import record_decision
from portal.core.clock import local_today

from .helpers import PYTEST_PLAYWRIGHT_DEPRECATION, deliver_mail, log_in, only_email, text_body

COMMENT = "Tell us earlier which auditor's format you accept."


@pytest.mark.e2e
@PYTEST_PLAYWRIGHT_DEPRECATION
def test_a_partner_answers_from_the_invitation_and_staff_read_it(
    app, staff, make_partner, make_survey, smtp, new_page, live_server
):
    survey = make_survey(staff["admin"])
    partner, focal, accreditation = make_partner(name="Heron Health", acronym="HH")
    record_decision(
        staff["admin"], accreditation, "not_accredited", "Not yet.", None, local_today()
    )
    deliver_mail(app)
    email = only_email(smtp.inbox, focal.email, "How did the accreditation go?")
    link = re.search(r"https?://\S+/survey", text_body(email)).group(0)
    assert link.startswith(live_server)

    # The link asks them to log in first, then lands on the survey.
    page = new_page()
    page.goto(link)
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.get_by_label("Email").fill(focal.email)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=survey.name, level=1)).to_be_visible()
    assert page.url == link
    page.wait_for_load_state()  # htmx has taken over the form

    clarity = page.get_by_role("group", name=re.compile(r"^1\. How clear were the requirements"))
    hardest = page.get_by_role("group", name=re.compile(r"^2\. Which stage was hardest"))
    clarity.get_by_label("4 – Good").check()
    page.get_by_role("button", name="Send my answers").click()
    expect(hardest.locator(".error")).to_have_text("Answer this question.")
    expect(clarity.locator(".error")).to_have_count(0)
    expect(clarity.get_by_label("4 – Good")).to_be_checked()  # what was chosen is kept

    hardest.get_by_label("Review").check()
    page.get_by_role("group", name=re.compile(r"^3\. What should we change")).locator(
        "textarea"
    ).fill(COMMENT)
    page.get_by_role("button", name="Send my answers").click()
    expect(page.locator("#alerts")).to_contain_text("Thank you: your answers are saved.")
    expect(page.get_by_test_id("survey-answered")).to_contain_text("You answered this survey")
    page.get_by_role("link", name=re.compile("Accreditation of Heron Health")).click()
    expect(page.get_by_test_id("surveys-open")).to_have_count(0)

    # The programme manager finds it under Reports.
    staff_page = new_page()
    log_in(staff_page, staff["manager"].email)
    nav = staff_page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Reports").click()
    staff_page.get_by_role("link", name="Feedback survey results").click()
    expect(staff_page.get_by_test_id("response-rate")).to_have_text("100%")
    first = staff_page.get_by_test_id("question-result").first
    expect(first.get_by_test_id("average")).to_have_text("4.0")
    expect(staff_page.get_by_test_id("named-text")).to_contain_text(COMMENT)
    expect(staff_page.get_by_test_id("named-text")).to_contain_text(f"{focal.name}, Heron Health")
