"""Survey questions written in French by staff: a partner reading the portal in
French sees them so, a question left blank reads in English, and the answers are
stored the same in either language."""

from __future__ import annotations

import re

import pytest

from portal.core.extensions import db
from portal.models import AuditEvent, Survey, SurveyAnswer, SurveyResponse
from portal.surveys.definitions import QuestionDraft, SurveyDraft, save_survey
from tests.helpers import token_for
from tests.web.test_surveys import _fieldset, answers, decide, survey_path

FRENCH = {
    "prompt": "Les exigences étaient-elles claires ?",
    "choice": "Quelle étape a été la plus difficile ?",
    "options": "Les documents\nL'examen",
}


@pytest.fixture
def surveyed(world, make_survey):
    """The default survey active; partners A and B decided (their people invited)."""
    survey = make_survey(world.admin)
    decide(world, world.a)
    decide(world, world.b)
    return survey


def _translation(survey: Survey, token: str, **changes) -> dict:
    rating_q, choice_q, text_q = survey.questions
    values = {
        "csrf_token": token,
        "language": "fr",
        f"q{rating_q.id}_prompt": FRENCH["prompt"],
        f"q{choice_q.id}_prompt": FRENCH["choice"],
        f"q{choice_q.id}_options": FRENCH["options"],
        f"q{text_q.id}_prompt": "",  # left blank: the English reads
    }
    return values | changes


def _translate(world, login, survey: Survey, **changes):
    client = login(world.admin.email)
    return client.post(
        f"/surveys/{survey.id}/translate", data=_translation(survey, token_for(client), **changes)
    )


def _in_french(user) -> None:
    user.language = "fr"
    db.session.commit()


def test_an_admin_writes_the_questions_in_french(world, surveyed, login):
    client = login(world.admin.email)
    show = client.get(f"/surveys/{surveyed.id}").get_data(as_text=True)
    assert f'href="/surveys/{surveyed.id}/translate?language=fr"' in show
    form = client.get(f"/surveys/{surveyed.id}/translate?language=fr").get_data(as_text=True)
    assert form.count('data-testid="question-translation"') == 3
    assert "In English: How clear were the requirements?" in form
    assert "Options in English: Documents · Review" in form

    saved = _translate(world, login, surveyed)
    assert saved.status_code == 302 and saved.location == f"/surveys/{surveyed.id}"
    db.session.expire_all()
    rating_q, choice_q, text_q = db.session.get(Survey, surveyed.id).questions
    assert rating_q.translations == {"fr": {"prompt": FRENCH["prompt"]}}
    assert choice_q.translations["fr"]["options_text"] == FRENCH["options"]
    assert text_q.translations == {}  # blank: nothing stored, the English reads
    assert rating_q.prompt == "How clear were the requirements?"  # English kept as it was
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="survey_translated"))
    assert event is not None and event.actor_id == world.admin.id
    again = client.get(f"/surveys/{surveyed.id}/translate").get_data(as_text=True)
    assert f'value="{FRENCH["prompt"]}"' in again  # what was written, to correct it


def test_options_that_do_not_match_the_english_are_refused_next_to_the_field(
    world, surveyed, login
):
    choice_q = surveyed.questions[1]
    refused = _translate(world, login, surveyed, **{f"q{choice_q.id}_options": "Un seul"})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    help_block = html[html.index(f'id="q{choice_q.id}_options-help"') :][:500]
    assert "Write the 2 options in the same order as in English" in help_block
    db.session.expire_all()
    assert all(q.translations == {} for q in db.session.get(Survey, surveyed.id).questions)


def test_only_administrators_write_translations(world, surveyed, login):
    for email in (world.manager.email, world.a.focal.email):
        client = login(email)
        assert client.get(f"/surveys/{surveyed.id}/translate").status_code == 403
    admin = login(world.admin.email)
    assert admin.get(f"/surveys/{surveyed.id}/translate?language=de").status_code == 404


def test_a_french_partner_sees_the_french_question_and_answers_are_stored_alike(
    world, surveyed, login
):
    _translate(world, login, surveyed)
    _in_french(world.a.focal)
    french = login(world.a.focal.email)
    page = french.get(survey_path(world.a)).get_data(as_text=True)
    rating = _fieldset(page, FRENCH["prompt"])
    assert re.search(r'value="1"[^>]*> 1 – Très mauvais</label>', rating)
    choice = _fieldset(page, FRENCH["choice"])
    # The French labels, the English values: what is stored does not depend on it.
    assert re.search(r'value="Documents"[^>]*> Les documents</label>', choice)
    assert re.search(r'value="Review"[^>]*> L&#39;examen</label>', choice)
    assert "How clear were the requirements?" not in page
    _fieldset(page, "What should we change?")  # left blank in French: the English reads

    english = login(world.b.focal.email)
    english_page = english.get(survey_path(world.b)).get_data(as_text=True)
    assert re.search(r'value="Review"[^>]*> Review</label>', english_page)
    assert FRENCH["prompt"] not in english_page

    for client, side in ((french, world.a), (english, world.b)):
        done = client.post(
            survey_path(side), data=answers(surveyed, token_for(client), choice="Review")
        )
        assert done.status_code == 302
    stored = {}
    for response in db.session.scalars(db.select(SurveyResponse)):
        stored[response.user_id] = sorted(
            (a.question_id, a.rating, a.choice, a.text) for a in response.answers
        )
    assert stored[world.a.focal.id] == stored[world.b.focal.id]
    assert db.session.scalar(db.select(db.func.count()).where(SurveyAnswer.choice == "Review")) == 2
    # Their own answers read back in French too.
    mine = french.get(survey_path(world.a)).get_data(as_text=True)
    assert FRENCH["prompt"] in mine and "L&#39;examen" in mine


def test_a_french_choice_not_offered_is_refused(world, surveyed, login):
    _translate(world, login, surveyed)
    _in_french(world.a.focal)
    client = login(world.a.focal.email)
    refused = client.post(
        survey_path(world.a), data=answers(surveyed, token_for(client), choice="L'examen")
    )
    assert refused.status_code == 422
    assert "Choisissez l&#39;une des options." in _fieldset(
        refused.get_data(as_text=True), FRENCH["choice"]
    )


def test_a_new_version_keeps_the_french_of_the_questions_it_keeps(world, surveyed, login):
    _translate(world, login, surveyed)
    client = login(world.a.focal.email)
    client.post(survey_path(world.a), data=answers(surveyed, token_for(client)))  # answered
    db.session.expire_all()
    survey = db.session.get(Survey, surveyed.id)
    newer = save_survey(
        world.admin,
        survey,
        SurveyDraft(
            survey.name,
            survey.intro,
            survey.allows_anonymous,
            [
                QuestionDraft("How clear were the requirements?", "rating"),
                QuestionDraft("Which stage was hardest?", "choice", True, ["Documents", "Visit"]),
                QuestionDraft("Anything else?", "text", required=False),
            ],
        ),
    )
    assert newer.id != survey.id and newer.version == 2
    rating_q, choice_q, other_q = newer.questions
    assert rating_q.translations == {"fr": {"prompt": FRENCH["prompt"]}}
    # Its options changed in English: their French is dropped, the prompt's kept.
    assert choice_q.translations == {"fr": {"prompt": FRENCH["choice"]}}
    assert other_q.translations == {}


def test_the_survey_pages_read_in_french(world, surveyed, login):
    _in_french(world.admin)
    client = login(world.admin.email)
    assert "Enquêtes de satisfaction" in client.get("/surveys").get_data(as_text=True)
    show = client.get(f"/surveys/{surveyed.id}").get_data(as_text=True)
    assert "Aperçu : ce que voit un partenaire" in show and "Questions en français" in show
    form = client.get(f"/surveys/{surveyed.id}/edit").get_data(as_text=True)
    assert "Nom de l'enquête" in form and "Réponse obligatoire" in form
    results = client.get(f"/surveys/results?survey={surveyed.family_id}")
    assert "Résultats des enquêtes" in results.get_data(as_text=True)
    translate = client.get(f"/surveys/{surveyed.id}/translate").get_data(as_text=True)
    assert "Enregistrer les questions en français" in translate
