"""The demo's survey story: Lakeside Community Health finished its cycle and was
accredited; its three people were invited to the feedback survey. The focal
point answered by name, a colleague anonymously (so the results say there are
not enough anonymous answers to show), and one has not answered yet."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from portal.accounts.passwords import hash_password
from portal.accreditation.decisions import record_decision
from portal.accreditation.lifecycle import open_accreditation
from portal.accreditation.submissions import review_submission
from portal.core.extensions import db
from portal.models import AccreditationTemplate, Contact, Partner, User
from portal.partners import search as partner_search
from portal.surveys.answers import answer
from portal.surveys.definitions import QuestionDraft, SurveyDraft, activate, create_survey
from portal.surveys.translations import QuestionText, translate_questions

EFFORT = [
    "Gathering the documents",
    "Revising documents sent back",
    "Waiting for the review",
    "Understanding what was asked",
]
QUESTIONS = [
    QuestionDraft("How clear were the requirements and their deadlines?", "rating"),
    QuestionDraft("How helpful was the programme team's feedback?", "rating"),
    QuestionDraft("Which part took the most effort?", "choice", True, EFFORT),
    QuestionDraft("What one thing should we change?", "text", required=False),
]
# What the programme team wrote of them in French (surveys.translations).
FRENCH = [
    {"prompt": "Les exigences et leurs échéances étaient-elles claires ?"},
    {"prompt": "Les remarques de l'équipe du programme vous ont-elles été utiles ?"},
    {
        "prompt": "Quelle partie vous a demandé le plus d'efforts ?",
        "options": "Rassembler les documents\nRéviser les documents renvoyés\n"
        "Attendre l'examen\nComprendre ce qui était demandé",
    },
    {"prompt": "Quelle est la chose que nous devrions changer ?"},
]
# email, name, partner role, (ratings, effort, comment, anonymous) or None: not answered
PEOPLE = [
    (
        "focal@lch.example.org",
        "Esther Banda",
        "focal",
        (
            ("4", "5"),
            EFFORT[1],
            "Say which auditor's format you accept for the financial statements.",
            False,
        ),
    ),
    (
        "peter@lch.example.org",
        "Peter Mwale",
        "editor",
        (("3", "4"), EFFORT[0], "More time for the site visit report.", True),
    ),
    ("ruth@lch.example.org", "Ruth Phiri", "viewer", None),
]


def load_survey_story(
    admin: User,
    manager: User,
    template: AccreditationTemplate,
    today: date,
    password: str,
    upload: Callable,
) -> None:
    """The survey, then Lakeside's cycle decided (which invites its people), then
    two answers. `upload(user, accreditation, requirement)` submits a document."""
    survey = create_survey(
        admin,
        SurveyDraft(
            "After your accreditation cycle",
            "Four questions, about five minutes. Your answers help us make the process "
            "lighter for every partner.",
            allows_anonymous=True,
            questions=QUESTIONS,
        ),
    )
    translate_questions(
        admin,
        survey,
        "fr",
        {q.id: QuestionText(**text) for q, text in zip(survey.questions, FRENCH, strict=True)},
    )
    activate(admin, survey)
    name, acronym = "Lakeside Community Health", "LCH"
    partner = Partner(
        name=name,
        acronym=acronym,
        search_key=partner_search.key(name, acronym),
        scope_of_work="Community health workers and outreach clinics around the lake.",
        next_review_on=today + timedelta(days=300),
    )
    people = [
        User(
            email=email,
            name=person,
            role="partner",
            partner=partner,
            partner_role=role,
            password_hash=hash_password(password),
        )
        for email, person, role, _ in PEOPLE
    ]
    db.session.add_all([partner, *people])
    db.session.flush()
    focal = people[0]
    db.session.add(
        Contact(
            partner_id=partner.id,
            name=focal.name,
            title="Focal point",
            email=focal.email,
            is_primary=True,
            user_id=focal.id,
        )
    )
    cycle = open_accreditation(admin, partner, template, today - timedelta(days=120))
    partner_search.refresh([partner.id])
    db.session.commit()
    for requirement in (r for s in template.stages for r in s.requirements):
        review_submission(manager, upload(focal, cycle, requirement), "approve", "")
    record_decision(admin, cycle, "accredited", "Well prepared throughout.", None, today)
    for person, (_, _, _, answered) in zip(people, PEOPLE, strict=True):
        if answered is None:
            continue
        (clarity, feedback), effort, comment, anonymous = answered
        rating_1, rating_2, choice, text = survey.questions
        typed = {
            f"q{rating_1.id}": clarity,
            f"q{rating_2.id}": feedback,
            f"q{choice.id}": effort,
            f"q{text.id}": comment,
        }
        answer(person, cycle, typed, anonymous, today)


def logins(password: str) -> list[tuple[str, str, str]]:
    return [(email, password, f"partner: {name}") for email, name, _, _ in PEOPLE]
