"""The vault's forms: a document with its type and validity, a rejection reason."""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from portal.core.forms import DayField, PortalForm
from portal.partners.forms import options
from portal.vault.models import DOCUMENT_TYPES


class VaultDocumentForm(PortalForm):
    document_type = SelectField(
        lazy_gettext("Document type"),
        choices=[SelectChoice("", lazy_gettext("Choose…")), *options(DOCUMENT_TYPES)],
        validators=[DataRequired(lazy_gettext("Choose the type of document."))],
    )
    valid_until = DayField(
        lazy_gettext("Valid until"),
        validators=[InputRequired(lazy_gettext("Enter the date the document is valid until."))],
        description=lazy_gettext("The expiry date printed on the document."),
    )
    file = FileField(
        lazy_gettext("File"), validators=[FileRequired(lazy_gettext("Choose a file to upload."))]
    )


class RejectForm(PortalForm):
    reason = TextAreaField(
        lazy_gettext("Why is it rejected?"),
        validators=[
            DataRequired(lazy_gettext("Tell the partner why the document is rejected.")),
            Length(max=2000),
        ],
    )
