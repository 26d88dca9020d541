"""The survey editor (questions in order) and the answering form, which is made
from the questions of the version being answered."""

from __future__ import annotations

from flask_babel import lazy_gettext
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional

from portal.core.forms import PortalForm
from portal.surveys.answers import TEXT_MAX, field_name
from portal.surveys.definitions import PROMPT_MAX, QuestionDraft, SurveyDraft, options_of
from portal.surveys.models import QUESTION_KINDS, RATINGS, Survey
from portal.surveys.translations import (
    QuestionText,
    options_field,
    options_of_question,
    prompt_field,
    prompt_of,
)


class QuestionForm(Form):
    prompt = StringField(lazy_gettext("Question"), validators=[Length(max=500)])
    kind = SelectField(
        lazy_gettext("Answer"),
        choices=[SelectChoice(k, label) for k, label in QUESTION_KINDS.items()],
        default="rating",
        validate_choice=False,  # the service refuses unknown kinds with its own message
    )
    options = TextAreaField(
        lazy_gettext("Options (one a line)"),
        description=lazy_gettext("For a choice question only."),
        validators=[Length(max=5000)],
    )
    required = BooleanField(lazy_gettext("Must be answered"), default=True)

    def draft(self, key: str) -> QuestionDraft:
        return QuestionDraft(
            prompt=self.prompt.data or "",
            kind=self.kind.data or "",
            required=bool(self.required.data),
            options=options_of(self.options.data),
            key=key,
        )


class SurveyForm(PortalForm):
    name = StringField(lazy_gettext("Survey name"), validators=[Length(max=200)])
    intro = TextAreaField(
        lazy_gettext("Introduction"),
        description=lazy_gettext("Shown above the questions: why you ask, how long it takes."),
        validators=[Length(max=5000)],
    )
    allows_anonymous = BooleanField(
        lazy_gettext("May be answered anonymously"),
        description=lazy_gettext(
            "Each person may then choose to answer without their name. Anonymous "
            "answers are stored without the person and shown only in aggregate."
        ),
    )
    questions = FieldList(FormField(QuestionForm))

    def draft(self) -> SurveyDraft:
        """What was typed; a question left without its prompt is no question."""
        return SurveyDraft(
            name=self.name.data or "",
            intro=self.intro.data or "",
            allows_anonymous=bool(self.allows_anonymous.data),
            questions=[
                entry.form.draft(entry.name + "-")
                for entry in self.questions
                if (entry.form.prompt.data or "").strip() or (entry.form.options.data or "").strip()
            ],
        )

    @classmethod
    def of(cls, draft: SurveyDraft) -> SurveyForm:
        return cls(
            data={
                "name": draft.name,
                "intro": draft.intro,
                "allows_anonymous": draft.allows_anonymous,
                "questions": [
                    {
                        "prompt": q.prompt,
                        "kind": q.kind,
                        "options": "\n".join(q.options),
                        "required": q.required,
                    }
                    for q in draft.questions
                ],
            }
        )


RATING_CHOICES = [
    SelectChoice(str(n), lazy_gettext("%(value)s – %(label)s", value=n, label=label))
    for n, label in RATINGS.items()
]


def answer_form(survey: Survey, **kwargs) -> PortalForm:
    """A form with one field per question (named q<id>), and the anonymity box
    when the survey allows it. The service checks the answers; the fields only
    carry them (and keep what was typed when a page comes back with errors)."""

    class AnswerForm(PortalForm):
        pass

    for question in survey.questions:
        label = prompt_of(question)  # the answers are stored the same in every language
        if question.kind == "rating":
            field = RadioField(label, choices=RATING_CHOICES, validate_choice=False)
        elif question.kind == "choice":
            choices = [SelectChoice(value, text) for value, text in options_of_question(question)]
            field = RadioField(label, choices=choices, validate_choice=False)
        else:
            field = TextAreaField(label, validators=[Optional(), Length(max=TEXT_MAX)])
        setattr(AnswerForm, field_name(question), field)
    if survey.allows_anonymous:
        AnswerForm.anonymous = BooleanField(
            lazy_gettext("Answer anonymously"),
            description=lazy_gettext(
                "Your answers are then stored without your name; the programme "
                "team sees them only together with others', never on their own."
            ),
        )
    return AnswerForm(**kwargs)


def typed_answers(form: PortalForm, survey: Survey) -> dict[str, str]:
    return {field_name(q): getattr(form, field_name(q)).data or "" for q in survey.questions}


def translation_form(survey: Survey, language: str, **kwargs) -> PortalForm:
    """One text box per question (and one for a choice question's options), as
    staff last wrote them in `language`; the service checks what is typed."""

    class TranslationForm(PortalForm):
        pass

    for question in survey.questions:
        written = (question.translations or {}).get(language) or {}
        setattr(
            TranslationForm,
            prompt_field(question),
            StringField(
                lazy_gettext("Question"),
                default=written.get("prompt", ""),
                validators=[Length(max=PROMPT_MAX)],
            ),
        )
        if question.kind == "choice":
            setattr(
                TranslationForm,
                options_field(question),
                TextAreaField(
                    lazy_gettext("Options (one a line, in the same order)"),
                    default=written.get("options_text", ""),
                    validators=[Length(max=5000)],
                ),
            )
    return TranslationForm(**kwargs)


def typed_translations(form: PortalForm, survey: Survey) -> dict[int, QuestionText]:
    texts = {}
    for question in survey.questions:
        options = getattr(form, options_field(question), None)
        texts[question.id] = QuestionText(
            prompt=getattr(form, prompt_field(question)).data or "",
            options=(options.data or "") if options is not None else "",
        )
    return texts
