"""Survey questions written in another language by staff: the prompt and, for a
choice question, its options, stored beside the English (core.translated).

A partner reads the question in their page's language where staff wrote it, else
in English, field by field. The answers are stored the same whatever the reader's
language: a choice answer is always the English option (the translated options
are only the labels shown for them, in the same order)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext, lazy_gettext

from portal.core import audit
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.i18n import DEFAULT_LANGUAGE
from portal.core.translated import set_translations, translated
from portal.models import User
from portal.partners.models import LANGUAGES
from portal.surveys.definitions import OPTION_MAX, PROMPT_MAX, options_of
from portal.surveys.models import Survey, SurveyQuestion

# The languages staff may write a survey's questions in, besides English, by
# their names in the reader's language (as they sit in a sentence: "en français").
_NAMES = {"fr": lazy_gettext("French")}
LANGUAGES_TO_WRITE = {
    code: _NAMES.get(code, name) for code, name in LANGUAGES.items() if code != DEFAULT_LANGUAGE
}


@dataclass
class QuestionText:
    """What staff typed for one question in one language (blank: read the English)."""

    prompt: str = ""
    options: str = ""  # one a line, in the order of the English options


def prompt_field(question: SurveyQuestion) -> str:
    return f"q{question.id}_prompt"


def options_field(question: SurveyQuestion) -> str:
    return f"q{question.id}_options"


def check_language(language: str) -> str:
    if language not in LANGUAGES_TO_WRITE:
        raise DomainError(gettext("Choose one of the languages offered."), field="language")
    return language


def _checked(question: SurveyQuestion, text: QuestionText) -> dict[str, str]:
    prompt = (text.prompt or "").strip()
    if len(prompt) > PROMPT_MAX:
        raise DomainError(
            gettext("Keep the question under %(max)s characters.", max=PROMPT_MAX),
            field=prompt_field(question),
        )
    fields = {"prompt": prompt}
    if question.kind == "choice":
        options = options_of(text.options)
        if options and len(options) != len(question.options):
            raise DomainError(
                gettext(
                    "Write the %(count)s options in the same order as in English, one a line "
                    "(or leave them all blank to show the English).",
                    count=len(question.options),
                ),
                field=options_field(question),
            )
        if len({o.casefold() for o in options}) != len(options):
            raise DomainError(
                gettext("Each option must be different."), field=options_field(question)
            )
        if any(len(o) > OPTION_MAX for o in options):
            raise DomainError(
                gettext("Keep each option under %(max)s characters.", max=OPTION_MAX),
                field=options_field(question),
            )
        fields["options_text"] = "\n".join(options)
    return fields


def translate_questions(
    actor: User, survey: Survey, language: str, texts: dict[int, QuestionText]
) -> Survey:
    """Store `survey`'s questions as staff wrote them in `language` (by question id);
    a blank field reads the English again. Any version may be translated, answered
    or not: the answers keep the English they were stored in."""
    check_language(language)
    checked = {q.id: _checked(q, texts.get(q.id) or QuestionText()) for q in survey.questions}
    before = {q.id: ((q.translations or {}).get(language) or {}) for q in survey.questions}
    for question in survey.questions:
        set_translations(question, language, checked[question.id])
    after = {q.id: ((q.translations or {}).get(language) or {}) for q in survey.questions}
    if before == after:
        raise DomainError(gettext("Nothing changed: this is the survey as it is."))
    written = sum(1 for fields in after.values() if fields.get("prompt"))
    audit.record(
        actor,
        "survey_translated",
        survey,
        partner_id=None,
        changes={
            f"questions_{language}": (
                sum(1 for fields in before.values() if fields.get("prompt")),
                written,
            )
        },
    )
    db.session.commit()
    return survey


def prompt_of(question: SurveyQuestion) -> str:
    """The question in the reader's language where staff wrote it, else in English."""
    return translated(question, "prompt")


def options_of_question(question: SurveyQuestion) -> list[tuple[str, str]]:
    """(stored value, label) of each option: the value is always the English
    option; the label is the reader's language where staff wrote all of them."""
    labels = options_of(translated(question, "options_text"))
    if len(labels) != len(question.options):
        labels = question.options
    return list(zip(question.options, labels, strict=True))


def choice_label(question: SurveyQuestion, value: str) -> str:
    """A stored (English) choice as the reader's language writes it."""
    return dict(options_of_question(question)).get(value, value)
