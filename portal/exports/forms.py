from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import DataRequired, Length

from portal.core.forms import PortalForm

FORMATS = {"xlsx": "Excel (.xlsx)", "csv": "CSV (UTF-8, for any tool)"}


class ExportForm(PortalForm):
    format = RadioField(
        "Format", choices=[SelectChoice(k, label) for k, label in FORMATS.items()], default="xlsx"
    )
    reason = TextAreaField(
        "Why do you need this export?",
        validators=[
            DataRequired("Say why you need it: the reason is kept with the export."),
            Length(min=5, max=500, message="Use 5 to 500 characters."),
        ],
        description="For example: quarterly report to the steering committee. "
        "Kept in the audit trail with who exported what.",
    )
