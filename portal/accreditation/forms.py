from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.accreditation.decisions import DECISIONS
from portal.core.forms import DayField, PortalForm


class UploadForm(PortalForm):
    file = FileField("Document", validators=[FileRequired("Choose a file to upload.")])


class OpenCycleForm(PortalForm):
    # Choices (the current template versions) are set by the view.
    template_id = SelectField(
        "Template", coerce=int, validators=[InputRequired("Choose a template.")]
    )
    started_on = DayField(
        "Starts on",
        validators=[InputRequired("Choose the start date.")],
        description="Each stage's due date follows from it.",
    )


class DeadlineForm(PortalForm):
    due_on = DayField("New due date", validators=[InputRequired("Choose the new due date.")])
    reason = TextAreaField(
        "Reason",
        validators=[
            DataRequired("Give a reason: the partner and the audit trail see it."),
            Length(max=2000),
        ],
        description="The partner sees it, and it is kept in the history.",
    )


class NotApplicableForm(PortalForm):
    # "undo" makes the requirement apply again.
    action = HiddenField(default="waive")
    reason = TextAreaField(
        "Reason",
        validators=[
            DataRequired("Give a reason: the partner and the audit trail see it."),
            Length(max=2000),
        ],
    )


class DecisionForm(PortalForm):
    decision = RadioField(
        "Decision",
        choices=[SelectChoice(key, label) for key, label in DECISIONS.items()],
        validators=[InputRequired("Choose accredited or not accredited.")],
    )
    valid_until = DayField(
        "Accredited until",
        validators=[Optional()],
        description="Defaults to the template's validity period.",
    )
    note = TextAreaField(
        "Note to the partner",
        validators=[Length(max=5000)],
        description="Required when the partner is not accredited: say why.",
    )


class ActionForm(PortalForm):
    """A one-button action (renew, withdraw): the CSRF token only."""
