from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, Length

from portal.core.forms import PortalForm


class ReviewForm(PortalForm):
    # Set by the button pressed: "approve" or "request_changes".
    decision = StringField(validators=[AnyOf(["approve", "request_changes"])])
    feedback = TextAreaField(
        "Feedback for the partner",
        validators=[Length(max=5000)],
        description="Required when you request changes: say what to change and why.",
    )


class AssignForm(PortalForm):
    # "" means nobody in particular; choices are set by the view (active staff).
    reviewer_id = SelectField("Reviewer", coerce=str, validate_choice=False)
