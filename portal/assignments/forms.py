"""Assigning a data set, ending an assignment, and the scope expansion form."""

from __future__ import annotations

from wtforms import SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.assignments.models import PURPOSES
from portal.core.forms import DayField, PortalForm

PURPOSE_CHOICES = [SelectChoice(value, label) for value, label in PURPOSES.items()]


class AssignmentForm(PortalForm):
    data_set = SelectField("Data set", validate_choice=False)
    purpose = SelectField("The partner", choices=PURPOSE_CHOICES, default="both")
    starts_on = DayField(
        "From", validators=[InputRequired("Enter the date the assignment starts.")]
    )
    ends_on = DayField("Until", validators=[Optional()], description="Leave empty while it runs.")
    note = StringField("Note", validators=[Optional(), Length(max=300)])


class EndAssignmentForm(PortalForm):
    ends_on = DayField(
        "Last day", validators=[InputRequired("Enter the last day of the assignment.")]
    )
    reason = TextAreaField(
        "Reason", validators=[InputRequired("Say why the assignment ends."), Length(max=2000)]
    )


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ScopeForm(PortalForm):
    # Ticked areas (target keys: "unit:<id>", "group:<id>", "nationwide"), from the picker.
    areas = CheckboxesField("Areas to cover", validate_choice=False)
    data_sets = CheckboxesField("Data sets to assign", validate_choice=False)
    purpose = SelectField("For the data sets, the partner", choices=PURPOSE_CHOICES, default="both")
    starts_on = DayField("From", validators=[InputRequired("Enter the day the new scope starts.")])
    reason = TextAreaField(
        "Reason",
        validators=[InputRequired("Say why the scope changes."), Length(max=2000)],
        description="The programme team and finance receive it with the list of changes.",
    )
