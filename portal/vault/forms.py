"""The vault's forms: a document with its type and validity, a rejection reason."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from portal.core.forms import DayField, PortalForm
from portal.partners.forms import options
from portal.vault.models import DOCUMENT_TYPES


class VaultDocumentForm(PortalForm):
    document_type = SelectField(
        "Document type",
        choices=[SelectChoice("", "Choose…"), *options(DOCUMENT_TYPES)],
        validators=[DataRequired("Choose the type of document.")],
    )
    valid_until = DayField(
        "Valid until",
        validators=[InputRequired("Enter the date the document is valid until.")],
        description="The expiry date printed on the document.",
    )
    file = FileField("File", validators=[FileRequired("Choose a file to upload.")])


class RejectForm(PortalForm):
    reason = TextAreaField(
        "Why is it rejected?",
        validators=[
            DataRequired("Tell the partner why the document is rejected."),
            Length(max=2000),
        ],
    )
