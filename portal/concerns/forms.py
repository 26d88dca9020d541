"""Raising a concern, the next step of its path, and an answer."""

from __future__ import annotations

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


class RaiseForm(PortalForm):
    subject = SelectField("What it is about", choices=_choices(WHOLE, []), validate_choice=False)
    category = SelectField(
        "Category",
        choices=_choices("Choose…", CATEGORIES.items()),
        validators=[InputRequired("Choose a category.")],
    )
    description = TextAreaField(
        "What happened",
        description="What was expected, what happened instead, and when.",
        validators=[
            InputRequired("Describe what the concern is about."),
            Length(max=TEXT, message=f"Keep it under {TEXT} characters."),
        ],
    )
    remedy = TextAreaField(
        "What you ask for",
        description="The redress that would put it right for you.",
        validators=[
            InputRequired("Say what you ask for to put it right."),
            Length(max=TEXT, message=f"Keep it under {TEXT} characters."),
        ],
    )
    evidence = FileField(
        "Evidence (optional)",
        description=f"Letters, emails, minutes, photos: {ALLOWED_LABEL}.",
    )
    confidential = BooleanField(
        "Confidential: only the programme's administrators see it",
        description="Programme managers and your colleagues will not see it, nor its history.",
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
        "Message", validators=[Optional(), Length(max=TEXT, message="Keep it shorter.")]
    )
    outcome = SelectField(
        "Outcome", choices=_choices("Choose…", OUTCOMES.items()), validate_choice=False
    )
    redress = TextAreaField(
        "Redress agreed",
        description="What will be done to put it right, by whom and by when.",
        validators=[Optional(), Length(max=TEXT, message="Keep it shorter.")],
    )


class AnswerForm(PortalForm):
    text = TextAreaField(
        "Your answer",
        validators=[
            InputRequired("Write your answer."),
            Length(max=TEXT, message=f"Keep it under {TEXT} characters."),
        ],
    )
    evidence = FileField("Add evidence (optional)")
