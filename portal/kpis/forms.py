from flask_babel import lazy_gettext
from wtforms import DecimalField, RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length

from portal.core.forms import PortalForm
from portal.kpis.models import RATINGS

_SCALE = [
    SelectChoice(str(value), lazy_gettext("%(value)s – %(label)s", value=value, label=label))
    for value, label in RATINGS.items()
]


class BenchmarkForm(PortalForm):
    """One KPI's row (prefixed with its key). Percentages are typed as 0–100."""

    target = DecimalField(
        lazy_gettext("Target"),
        validators=[InputRequired(lazy_gettext("Enter the target."))],
        places=None,
    )
    warning = DecimalField(
        lazy_gettext("Warning threshold"),
        validators=[InputRequired(lazy_gettext("Enter the warning threshold."))],
        places=None,
    )


class AssessmentForm(PortalForm):
    stage = SelectField(lazy_gettext("Stage"), coerce=str, validate_choice=False)
    engagement = RadioField(
        lazy_gettext("How well did the partner engage with the process?"),
        choices=_SCALE,
        validators=[InputRequired(lazy_gettext("Choose a rating."))],
    )
    proactivity = RadioField(
        lazy_gettext("Did the partner resolve issues proactively?"),
        choices=_SCALE,
        validators=[InputRequired(lazy_gettext("Choose a rating."))],
    )
    note = TextAreaField(
        lazy_gettext("Note"),
        validators=[
            Length(max=4000, message=lazy_gettext("Keep the note under 4,000 characters."))
        ],
        description=lazy_gettext(
            "What went well, what to work on. Staff see it on the partner's page."
        ),
    )
