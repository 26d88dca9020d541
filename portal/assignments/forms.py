"""Assigning a data set, ending an assignment, and the scope expansion form."""

from __future__ import annotations

from flask_babel import lazy_gettext
from wtforms import SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.assignments.models import PURPOSE_LABELS
from portal.core.forms import DayField, PortalForm

PURPOSE_CHOICES = [SelectChoice(value, label) for value, label in PURPOSE_LABELS.items()]


class AssignmentForm(PortalForm):
    data_set = SelectField(lazy_gettext("Data set"), validate_choice=False)
    purpose = SelectField(lazy_gettext("The partner"), choices=PURPOSE_CHOICES, default="both")
    starts_on = DayField(
        lazy_gettext("From"),
        validators=[InputRequired(lazy_gettext("Enter the date the assignment starts."))],
    )
    ends_on = DayField(
        lazy_gettext("Until"),
        validators=[Optional()],
        description=lazy_gettext("Leave empty while it runs."),
    )
    note = StringField(lazy_gettext("Note"), validators=[Optional(), Length(max=300)])


class EndAssignmentForm(PortalForm):
    ends_on = DayField(
        lazy_gettext("Last day"),
        validators=[InputRequired(lazy_gettext("Enter the last day of the assignment."))],
    )
    reason = TextAreaField(
        lazy_gettext("Reason"),
        validators=[InputRequired(lazy_gettext("Say why the assignment ends.")), Length(max=2000)],
    )


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ScopeForm(PortalForm):
    # Ticked areas (target keys: "unit:<id>", "group:<id>", "nationwide"), from the picker.
    areas = CheckboxesField(lazy_gettext("Areas to cover"), validate_choice=False)
    data_sets = CheckboxesField(lazy_gettext("Data sets to assign"), validate_choice=False)
    purpose = SelectField(
        lazy_gettext("For the data sets, the partner"), choices=PURPOSE_CHOICES, default="both"
    )
    starts_on = DayField(
        lazy_gettext("From"),
        validators=[InputRequired(lazy_gettext("Enter the day the new scope starts."))],
    )
    reason = TextAreaField(
        lazy_gettext("Reason"),
        validators=[InputRequired(lazy_gettext("Say why the scope changes.")), Length(max=2000)],
        description=lazy_gettext(
            "The programme team and finance receive it with the list of changes."
        ),
    )
