from flask_babel import lazy_gettext
from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import DataRequired, Length

from portal.core.forms import PortalForm

FORMATS = {"xlsx": lazy_gettext("Excel (.xlsx)"), "csv": lazy_gettext("CSV (UTF-8, for any tool)")}

# The exports' titles as the export page shows them; the registered (English) title
# stays the file's sheet name and the audit trail's word.
TITLES = {
    "submissions": lazy_gettext("Submissions"),
    "review-sent-back": lazy_gettext("Documents sent back"),
    "review-reasons": lazy_gettext("Reasons for sending back"),
    "review-stages": lazy_gettext("Stages against plan"),
    "review-partner-types": lazy_gettext("Where partners struggle, by partnership type"),
    "review-districts": lazy_gettext("Where partners struggle, by district"),
    "review-reviewers": lazy_gettext("Review load by reviewer"),
    "kpis": lazy_gettext("KPIs"),
    "partners": lazy_gettext("Partners"),
    "accreditations": lazy_gettext("Accreditations"),
    "survey-answers": lazy_gettext("Survey answers"),
    "concerns": lazy_gettext("Concerns"),
}


def shown_title(export) -> str:
    return TITLES.get(export.name, export.title)


class ExportForm(PortalForm):
    format = RadioField(
        lazy_gettext("Format"),
        choices=[SelectChoice(k, label) for k, label in FORMATS.items()],
        default="xlsx",
    )
    reason = TextAreaField(
        lazy_gettext("Why do you need this export?"),
        validators=[
            DataRequired(lazy_gettext("Say why you need it: the reason is kept with the export.")),
            Length(min=5, max=500, message=lazy_gettext("Use 5 to 500 characters.")),
        ],
        description=lazy_gettext(
            "For example: quarterly report to the steering committee. "
            "Kept in the audit trail with who exported what."
        ),
    )
