from wtforms import DecimalField, RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length

from portal.core.forms import PortalForm
from portal.kpis.models import RATINGS

_SCALE = [SelectChoice(str(value), f"{value} – {label}") for value, label in RATINGS.items()]


class BenchmarkForm(PortalForm):
    """One KPI's row (prefixed with its key). Percentages are typed as 0–100."""

    target = DecimalField("Target", validators=[InputRequired("Enter the target.")], places=None)
    warning = DecimalField(
        "Warning threshold", validators=[InputRequired("Enter the warning threshold.")], places=None
    )


class AssessmentForm(PortalForm):
    stage = SelectField("Stage", coerce=str, validate_choice=False)
    engagement = RadioField(
        "How well did the partner engage with the process?",
        choices=_SCALE,
        validators=[InputRequired("Choose a rating.")],
    )
    proactivity = RadioField(
        "Did the partner resolve issues proactively?",
        choices=_SCALE,
        validators=[InputRequired("Choose a rating.")],
    )
    note = TextAreaField(
        "Note",
        validators=[Length(max=4000, message="Keep the note under 4,000 characters.")],
        description="What went well, what to work on. Staff see it on the partner's page.",
    )
