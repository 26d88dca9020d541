from flask_babel import lazy_gettext
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.accreditation.decisions import DECISION_LABELS
from portal.core.forms import DayField, PortalForm


class UploadForm(PortalForm):
    file = FileField(
        lazy_gettext("Document"),
        validators=[FileRequired(lazy_gettext("Choose a file to upload."))],
    )


class OpenCycleForm(PortalForm):
    # Choices (the current template versions) are set by the view.
    template_id = SelectField(
        lazy_gettext("Template"),
        coerce=int,
        validators=[InputRequired(lazy_gettext("Choose a template."))],
    )
    started_on = DayField(
        lazy_gettext("Starts on"),
        validators=[InputRequired(lazy_gettext("Choose the start date."))],
        description=lazy_gettext("Each stage's due date follows from it."),
    )


class DeadlineForm(PortalForm):
    due_on = DayField(
        lazy_gettext("New due date"),
        validators=[InputRequired(lazy_gettext("Choose the new due date."))],
    )
    reason = TextAreaField(
        lazy_gettext("Reason"),
        validators=[
            DataRequired(lazy_gettext("Give a reason: the partner and the audit trail see it.")),
            Length(max=2000),
        ],
        description=lazy_gettext("The partner sees it, and it is kept in the history."),
    )


class NotApplicableForm(PortalForm):
    # "undo" makes the requirement apply again.
    action = HiddenField(default="waive")
    reason = TextAreaField(
        lazy_gettext("Reason"),
        validators=[
            DataRequired(lazy_gettext("Give a reason: the partner and the audit trail see it.")),
            Length(max=2000),
        ],
    )


class DecisionForm(PortalForm):
    decision = RadioField(
        lazy_gettext("Decision"),
        choices=[SelectChoice(key, label) for key, label in DECISION_LABELS.items()],
        validators=[InputRequired(lazy_gettext("Choose accredited or not accredited."))],
    )
    valid_until = DayField(
        lazy_gettext("Accredited until"),
        validators=[Optional()],
        description=lazy_gettext("Defaults to the template's validity period."),
    )
    note = TextAreaField(
        lazy_gettext("Note to the partner"),
        validators=[Length(max=5000)],
        description=lazy_gettext("Required when the partner is not accredited: say why."),
    )


class ActionForm(PortalForm):
    """A one-button action (renew, withdraw): the CSRF token only."""
