"""Opening an agreement, setting or changing an obligation, observing one."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf.file import FileField
from wtforms import (
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional

from portal.core.forms import DayField, PortalForm
from portal.core.inputs import identifier_or_none
from portal.obligations.models import OBSERVED_BY, RECURRENCES, RULES, SIDES
from portal.obligations.terms import AgreementDraft, ObligationDraft
from portal.partners.forms import MultiCheckboxField


def choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class AgreementForm(PortalForm):
    title = StringField(
        lazy_gettext("Title"),
        description=lazy_gettext("e.g. “Supervision agreement 2027–2029”."),
    )
    starts_on = DayField(lazy_gettext("Starts on"), validators=[Optional()])
    ends_on = DayField(
        lazy_gettext("Ends on"),
        description=lazy_gettext("Leave empty if open-ended."),
        validators=[Optional()],
    )
    # The service checks both against the database (portal.obligations.terms).
    template_id = SelectField(
        lazy_gettext("Standard obligations"), choices=[], validate_choice=False
    )
    document_ids = MultiCheckboxField(
        lazy_gettext("Signed documents"), choices=[], validate_choice=False
    )

    def draft(self) -> AgreementDraft:
        ids = [identifier_or_none(v) for v in self.document_ids.data or []]
        return AgreementDraft(
            title=self.title.data or "",
            starts_on=self.starts_on.data,
            ends_on=self.ends_on.data,
            template_id=identifier_or_none(self.template_id.data),
            document_ids=[i for i in ids if i is not None] + [0] * ids.count(None),
        )


class ObligationForm(PortalForm):
    side = RadioField(
        lazy_gettext("Who owes it"), choices=choices(SIDES.items()), validate_choice=False
    )
    responsible_user_id = SelectField(
        lazy_gettext("Person responsible"),
        description=lazy_gettext("Reminders go to this person; if none, to the side's people."),
        choices=[],
        validate_choice=False,
    )
    description = TextAreaField(lazy_gettext("What exactly is owed"), validators=[Length(max=1000)])
    recurrence = SelectField(
        lazy_gettext("Falls due"),
        choices=choices(RECURRENCES.items()),
        default="once",
        validate_choice=False,
    )
    first_due_on = DayField(
        lazy_gettext("Due on (the first time, if it recurs)"),
        description=lazy_gettext("Monthly on the 31st falls on the last day of shorter months."),
        validators=[Optional()],
    )
    observed_by = RadioField(
        lazy_gettext("How it is observed"),
        choices=choices(OBSERVED_BY.items()),
        validate_choice=False,
    )
    rule = SelectField(
        lazy_gettext("Observed from"),
        choices=choices([("", "—"), *RULES.items()]),
        validate_choice=False,
        description=lazy_gettext("For automatic observation only."),
    )
    rule_days = IntegerField(lazy_gettext("Working days"), validators=[Optional()], default=5)
    reason = StringField(lazy_gettext("Why it changes"), validators=[Length(max=1000)])

    def draft(self) -> ObligationDraft:
        return ObligationDraft(
            side=self.side.data,
            responsible_user_id=identifier_or_none(self.responsible_user_id.data),
            description=self.description.data or "",
            recurrence=self.recurrence.data,
            first_due_on=self.first_due_on.data,
            observed_by=self.observed_by.data,
            rule=self.rule.data or None,
            rule_days=self.rule_days.data,
        )


class ObserveForm(PortalForm):
    due_on = HiddenField()
    note = TextAreaField(lazy_gettext("Note"), validators=[Length(max=2000)])
    file = FileField(lazy_gettext("Evidence (PDF, Word, Excel or an image)"))
