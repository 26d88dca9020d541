"""Raising a concern, the next step of its path, and an answer."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.concerns.models import CATEGORIES, OUTCOMES
from portal.concerns.subjects import WHOLE
from portal.core.filetypes import ALLOWED_LABEL
from portal.core.forms import PortalForm
from portal.core.inputs import identifier_or_none

TEXT = 8000


def _choices(first: str, labels) -> list[SelectChoice]:
    return [SelectChoice("", first), *(SelectChoice(str(k), v) for k, v in labels)]


# WTForms fills in %(max)d.
TOO_LONG = lazy_gettext("Keep it under %(max)d characters.")
CHOOSE = lazy_gettext("Choose…")


class RaiseForm(PortalForm):
    subject = SelectField(
        lazy_gettext("What it is about"), choices=_choices(WHOLE, []), validate_choice=False
    )
    category = SelectField(
        lazy_gettext("Category"),
        choices=_choices(CHOOSE, CATEGORIES.items()),
        validators=[InputRequired(lazy_gettext("Choose a category."))],
    )
    description = TextAreaField(
        lazy_gettext("What happened"),
        description=lazy_gettext("What was expected, what happened instead, and when."),
        validators=[
            InputRequired(lazy_gettext("Describe what the concern is about.")),
            Length(max=TEXT, message=TOO_LONG),
        ],
    )
    remedy = TextAreaField(
        lazy_gettext("What you ask for"),
        description=lazy_gettext("The redress that would put it right for you."),
        validators=[
            InputRequired(lazy_gettext("Say what you ask for to put it right.")),
            Length(max=TEXT, message=TOO_LONG),
        ],
    )
    evidence = FileField(
        lazy_gettext("Evidence (optional)"),
        description=lazy_gettext(
            "Letters, emails, minutes, photos: %(types)s.", types=ALLOWED_LABEL
        ),
    )
    confidential = BooleanField(
        lazy_gettext("Confidential: only the programme's administrators see it"),
        description=lazy_gettext(
            "Programme managers and your colleagues will not see it, nor its history."
        ),
    )

    def offer(self, choices: list[tuple[int, str]]) -> None:
        self.subject.choices = _choices(WHOLE, choices)

    def obligation_id(self) -> int | None:
        """None for the partnership as a whole; 0 (never an obligation, so refused
        next to the field) for a value that is no identifier."""
        if not self.subject.data:
            return None
        return identifier_or_none(self.subject.data) or 0


class StepForm(PortalForm):
    """Every step's form: the step (the button), its text, and for a decision the
    outcome and the redress. Which are required is the path's business (redress.py)."""

    action = HiddenField()
    text = TextAreaField(
        lazy_gettext("Message"),
        validators=[Optional(), Length(max=TEXT, message=lazy_gettext("Keep it shorter."))],
    )
    outcome = SelectField(
        lazy_gettext("Outcome"), choices=_choices(CHOOSE, OUTCOMES.items()), validate_choice=False
    )
    redress = TextAreaField(
        lazy_gettext("Redress agreed"),
        description=lazy_gettext("What will be done to put it right, by whom and by when."),
        validators=[Optional(), Length(max=TEXT, message=lazy_gettext("Keep it shorter."))],
    )


class AnswerForm(PortalForm):
    text = TextAreaField(
        lazy_gettext("Your answer"),
        validators=[
            InputRequired(lazy_gettext("Write your answer.")),
            Length(max=TEXT, message=TOO_LONG),
        ],
    )
    evidence = FileField(lazy_gettext("Add evidence (optional)"))
