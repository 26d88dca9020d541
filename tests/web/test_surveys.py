"""Feedback surveys in the browser's terms: administrators define them (errors
next to the fields, nothing half saved), the invitation's link lands on the
survey after login, a partner answers once with a plain form, staff read the
results and the partner page's card; nobody sees another partner's survey."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from portal.accreditation.decisions import record_decision
from portal.core.clock import local_today
from portal.core.extensions import db
from portal.mail.delivery import deliver_pending
from portal.models import Survey, SurveyQuestion, SurveyResponse
from portal.surveys.invitations import invite_after_decision
from tests.helpers import snapshot, token_for


def decide(world, side) -> None:
    record_decision(
        world.admin, side.accreditation, "not_accredited", "Not yet.", None, local_today()
    )


def survey_path(side) -> str:
    return f"/accreditations/{side.accreditation.id}/survey"


def answers(survey: Survey, token: str, rating="4", choice="Review", text="", **more) -> dict:
    rating_q, choice_q, text_q = survey.questions
    return {
        "csrf_token": token,
        f"q{rating_q.id}": rating,
        f"q{choice_q.id}": choice,
        f"q{text_q.id}": text,
    } | more


@pytest.fixture
def surveyed(world, make_survey):
    """The default survey active, and partner A's cycle decided (its people invited)."""
    survey = make_survey(world.admin)
    decide(world, world.a)
    return survey


def _fieldset(html: str, legend_start: str) -> str:
    """The markup of the question whose legend starts so."""
    match = re.search(r"<fieldset[^>]*>\s*<legend>\d+\. " + re.escape(legend_start), html)
    assert match, f"no question {legend_start!r}"
    return html[match.start() : html.index("</fieldset>", match.start())]


# --- defining -------------------------------------------------------------------------


def _definition(token: str, **changes) -> dict:
    values = {
        "csrf_token": token,
        "name": "After the cycle",
        "intro": "Three questions.",
        "allows_anonymous": "y",
        "questions-0-prompt": "How clear were the requirements?",
        "questions-0-kind": "rating",
        "questions-0-required": "y",
        "questions-1-prompt": "Which stage was hardest?",
        "questions-1-kind": "choice",
        "questions-1-options": "Documents\nReview\n",
        "questions-1-required": "y",
        "questions-2-prompt": "",
        "questions-2-kind": "text",
    }
    return values | changes


def test_an_admin_defines_a_survey_errors_next_to_the_field_nothing_half_saved(world, login):
    client = login(world.admin.email)
    page = client.get("/surveys/new").get_data(as_text=True)
    assert page.count('data-testid="question-form"') == 3

    more = client.post("/surveys/new", data=_definition(token_for(client), action="add_question"))
    assert more.status_code == 200
    assert more.get_data(as_text=True).count('data-testid="question-form"') == 4
    refused = client.post(
        "/surveys/new",
        data=_definition(token_for(client), **{"questions-1-options": "Documents"}),
    )

    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    help_block = html[html.index('id="questions-1-options-help"') :]
    assert "A choice question needs at least two options." in help_block[:400]
    assert db.session.scalar(db.select(db.func.count(Survey.id))) == 0
    assert db.session.scalar(db.select(db.func.count(SurveyQuestion.id))) == 0

    saved = client.post("/surveys/new", data=_definition(token_for(client)))
    assert saved.status_code == 302
    survey = db.session.scalar(db.select(Survey))
    assert saved.location == f"/surveys/{survey.id}"
    assert [q.prompt for q in survey.questions] == [
        "How clear were the requirements?",
        "Which stage was hardest?",
    ]
    preview = client.get(saved.location).get_data(as_text=True)
    assert "5 – Very good" in _fieldset(preview, "How clear were the requirements?")
    assert "Not sent" in preview
    client.post(f"/surveys/{survey.id}/active", data={"csrf_token": token_for(client)})
    db.session.expire_all()
    assert db.session.get(Survey, survey.id).active


def test_only_administrators_define_surveys_and_staff_read_results(world, login, make_survey):
    survey = make_survey(world.admin)
    manager, partner = login(world.manager.email), login(world.a.focal.email)
    for client in (manager, partner):
        for path in (
            "/surveys",
            "/surveys/new",
            f"/surveys/{survey.id}",
            f"/surveys/{survey.id}/edit",
        ):
            assert client.get(path).status_code == 403, path
        token = token_for(client)
        assert client.post("/surveys/new", data=_definition(token)).status_code == 403
        response = client.post(f"/surveys/{survey.id}/active", data={"csrf_token": token})
        assert response.status_code == 403
    assert manager.get("/surveys/results").status_code == 200
    assert partner.get("/surveys/results").status_code == 403
    assert db.session.scalar(db.select(db.func.count(Survey.id))) == 1


# --- the invitation and answering ------------------------------------------------


def test_the_invitation_arrives_and_its_link_lands_on_the_survey_after_login(
    world, surveyed, smtp, login, app
):
    a = world.a
    deliver_pending()
    [message] = [m for m in smtp.inbox.to(a.focal.email) if "A short survey" in m["Subject"]]
    assert message["Subject"] == f"How did the accreditation go? A short survey – {a.partner.name}"
    text = message.get_body(("plain",)).get_content()
    link = re.search(r"https?://\S+/survey", text).group(0)
    assert link in message.get_body(("html",)).get_content()
    path = urlsplit(link).path
    assert path == survey_path(a)

    visitor = login(None)
    sent_to_login = visitor.get(path)
    assert sent_to_login.status_code == 302
    assert sent_to_login.location.startswith("/login?next=")
    token = token_for(visitor, logged_in=False)
    logged_in = visitor.post(
        sent_to_login.location,
        data={"email": a.focal.email, "password": "correct-horse-battery", "csrf_token": token},
    )
    assert logged_in.status_code == 302 and logged_in.location == path
    page = visitor.get(path).get_data(as_text=True)
    assert surveyed.name in page and "Send my answers" in page


def test_a_partner_answers_with_a_plain_accessible_form(world, surveyed, login):
    a = world.a
    client = login(a.focal.email)
    dashboard = client.get("/accreditation").get_data(as_text=True)
    assert 'data-testid="open-survey"' in dashboard and survey_path(a) in dashboard
    page = client.get(survey_path(a)).get_data(as_text=True)
    rating = _fieldset(page, "How clear were the requirements?")
    # A fieldset per question, its prompt the legend; each rating a labelled radio.
    assert rating.count('type="radio"') == 5
    assert re.search(
        r'<label><input[^>]*type="radio"[^>]*value="1"[^>]*> 1 – Very poor</label>', rating
    )
    assert 'action="' + survey_path(a) + '"' in page and 'method="post"' in page
    assert "Answer anonymously" in page

    missing = client.post(survey_path(a), data={"csrf_token": token_for(client)})
    assert missing.status_code == 422
    html = missing.get_data(as_text=True)
    assert "Answer this question." in _fieldset(html, "How clear were the requirements?")
    assert "Answer this question." in _fieldset(html, "Which stage was hardest?")
    assert "Answer this question." not in _fieldset(html, "What should we change?")

    done = client.post(
        survey_path(a), data=answers(surveyed, token_for(client), text="Faster, please")
    )
    assert done.status_code == 302 and done.location == survey_path(a)
    page = client.get(done.location).get_data(as_text=True)
    assert "Thank you: your answers are saved." in page and "Faster, please" in page
    assert 'data-testid="open-survey"' not in client.get("/accreditation").get_data(as_text=True)


def test_answering_anonymously_keeps_nothing_that_names_the_person(world, surveyed, login):
    a = world.a
    client = login(a.focal.email)

    client.post(survey_path(a), data=answers(surveyed, token_for(client), anonymous="y"))

    [response] = db.session.scalars(db.select(SurveyResponse)).all()
    assert response.user_id is None
    page = client.get(survey_path(a)).get_data(as_text=True)
    assert "You answered anonymously" in page


def test_a_second_submit_from_another_tab_is_told_and_changes_nothing(world, surveyed, login):
    a = world.a
    first_tab, second_tab = login(a.focal.email), login(a.focal.email)
    tokens = [token_for(first_tab), token_for(second_tab)]
    assert first_tab.post(survey_path(a), data=answers(surveyed, tokens[0], "5")).status_code == 302
    before = snapshot()

    again = second_tab.post(survey_path(a), data=answers(surveyed, tokens[1], "1", anonymous="y"))

    assert again.status_code == 409
    assert "You already answered this survey" in again.get_data(as_text=True)
    assert snapshot() == before


def test_hostile_text_is_stored_and_shown_as_text(world, surveyed, login):
    a = world.a
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    client = login(a.focal.email)
    client.post(survey_path(a), data=answers(surveyed, token_for(client), text=hostile))

    assert db.session.scalar(db.select(SurveyResponse)).answers[-1].text == hostile
    staff = login(world.manager.email)
    for page in (
        client.get(survey_path(a)),
        staff.get("/surveys/results"),
        staff.get(f"/partners/{a.partner.id}"),
    ):
        html = page.get_data(as_text=True)
        assert "&lt;script&gt;alert(" in html and "<script>alert(" not in html
        assert "<img src=x" not in html


def test_a_partner_never_sees_another_partners_survey_or_any_results(world, surveyed, login):
    a, b = world.a, world.b
    decide(world, b)
    client = login(b.focal.email)
    assert client.get(survey_path(a)).status_code == 404
    token = token_for(client)
    assert client.post(survey_path(a), data=answers(surveyed, token)).status_code == 404
    for path in ("/surveys/results", f"/surveys/results?partner={a.partner.id}"):
        assert client.get(path).status_code == 403
    dashboard = client.get("/accreditation").get_data(as_text=True)
    assert survey_path(b) in dashboard and survey_path(a) not in dashboard
    assert db.session.scalar(db.select(db.func.count(SurveyResponse.id))) == 0


def test_staff_are_sent_to_the_results_of_the_cycle(world, surveyed, login):
    client = login(world.manager.email)
    response = client.get(survey_path(world.a))
    assert response.status_code == 302
    assert response.location == f"/surveys/results?accreditation={world.a.accreditation.id}"
    assert (
        client.post(survey_path(world.a), data={"csrf_token": token_for(client)}).status_code == 403
    )


# --- reading the results ---------------------------------------------------------------


def test_managers_read_named_answers_and_the_partner_page_keeps_anonymous_ones_out(
    world, surveyed, login, make_user
):
    a = world.a
    colleague = make_user("colleague@ahi.example.org", partner=a.partner, partner_role="editor")
    invite_after_decision(a.accreditation)
    db.session.commit()
    named, anonymous = login(a.focal.email), login(colleague.email)
    named.post(survey_path(a), data=answers(surveyed, token_for(named), "5", text="Named view"))
    anonymous.post(
        survey_path(a),
        data=answers(surveyed, token_for(anonymous), "1", text="Hidden view", anonymous="y"),
    )
    staff = login(world.manager.email)

    results = staff.get(f"/surveys/results?partner={a.partner.id}").get_data(as_text=True)
    assert re.search(r'data-testid="average">5\.0<', results)  # the anonymous 1 is left out
    assert "Named view" in results and a.focal.name in results
    assert "Hidden view" not in results
    assert "1 anonymous answer left out of the figures below" in results
    assert "not enough answers to show without identifying anyone" in results
    card = staff.get(f"/partners/{a.partner.id}").get_data(as_text=True)
    card = card[card.index('id="survey-answers"') :]
    assert "2 of 2 invited answered (100%)" in card
    assert "Named view" in card and "Hidden view" not in card
    assert "1 answered anonymously" in card
    assert "not enough answers to show without identifying anyone" in card


def test_the_results_page_costs_the_same_queries_for_more_answers(
    world, surveyed, login, make_user, count_queries
):
    staff = login(world.manager.email)
    staff.get("/surveys/results")
    with count_queries() as none_yet:
        staff.get("/surveys/results")
    people = [make_user(f"p{n}@ahi.example.org", partner=world.a.partner) for n in range(4)]
    invite_after_decision(world.a.accreditation)
    db.session.commit()
    for person in [world.a.focal, *people]:
        client = login(person.email)
        client.post(survey_path(world.a), data=answers(surveyed, token_for(client), text="Note"))
    with count_queries() as five:
        page = staff.get("/surveys/results")

    assert "Note" in page.get_data(as_text=True)
    assert five.count == none_yet.count, five.statements
