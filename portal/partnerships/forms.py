"""The need check's forms: one item, the research note, the decision."""

from __future__ import annotations

from flask_babel import gettext, lazy_gettext
from wtforms import BooleanField, HiddenField, RadioField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from portal.core.forms import DayField, PortalForm
from portal.partners.forms import options
from portal.partnerships.models import DECISIONS, NEED_SECTIONS


class NeedItemForm(PortalForm):
    section = HiddenField(
        validators=[InputRequired(lazy_gettext("Choose a section of the checklist."))]
    )
    text = TextAreaField(
        lazy_gettext("Add an item"),
        validators=[InputRequired(lazy_gettext("Write what the item is.")), Length(max=2000)],
    )
    tested = BooleanField(lazy_gettext("Tested with the potential partner"))

    def for_section(self, section: str) -> NeedItemForm:
        """Ids of the section's own: the page holds one of these forms per section."""
        for field in (self.text, self.tested):
            field.id = field.label.field_id = f"need-{section}-{field.short_name}"
        return self

    def validate_section(self, field) -> None:
        if field.data not in NEED_SECTIONS:
            raise ValidationError(gettext("Choose a section of the checklist."))


class ResearchForm(PortalForm):
    note = TextAreaField(
        lazy_gettext("What the research found"),
        validators=[Optional(), Length(max=4000)],
        description=lazy_gettext(
            "Which of the partners above do similar work in the same areas, "
            "and why this partnership is not a duplicate of theirs."
        ),
    )


class DecisionForm(PortalForm):
    decision = RadioField(
        lazy_gettext("Decision"),
        choices=options(DECISIONS),
        validators=[InputRequired(lazy_gettext("Choose whether to go ahead."))],
    )
    reason = TextAreaField(
        lazy_gettext("Reason"),
        validators=[
            InputRequired(lazy_gettext("Say why: the reason is kept with the decision.")),
            Length(max=4000),
        ],
    )


class ExitForm(PortalForm):
    reason = TextAreaField(
        lazy_gettext("Reason for leaving the programme"),
        validators=[
            InputRequired(lazy_gettext("Say why the partner leaves the programme.")),
            Length(max=2000),
        ],
    )
    effective_on = DayField(
        lazy_gettext("Leaves on"),
        validators=[InputRequired(lazy_gettext("Enter the day the partner leaves."))],
    )
    note = TextAreaField(
        lazy_gettext("Note closing its open obligations and concerns"),
        validators=[
            InputRequired(
                lazy_gettext("Write the note that closes its open obligations and concerns.")
            ),
            Length(max=2000),
        ],
        description=lazy_gettext(
            "Kept with each obligation and concern it closes, for future staff."
        ),
    )
    confirm = BooleanField(
        lazy_gettext("I understand: the partner's logins end and it takes no new accreditation."),
        validators=[InputRequired(lazy_gettext("Tick to confirm."))],
    )
