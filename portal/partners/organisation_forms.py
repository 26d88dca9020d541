"""What a partner's own people edit: contacts, reporting preferences, colleagues."""

from __future__ import annotations

from wtforms import EmailField, FieldList, FormField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length

from portal.core.forms import PortalForm
from portal.partners.forms import ContactForm, options
from portal.partners.models import INVOICE_FORMATS, LANGUAGES, REPORTING_FREQUENCIES


class DetailsForm(PortalForm):
    contacts = FieldList(FormField(ContactForm), min_entries=1, max_entries=20)
    language = SelectField("Reporting language", choices=options(LANGUAGES))
    reporting_frequency = SelectField("Reporting frequency", choices=options(REPORTING_FREQUENCIES))
    invoice_format = SelectField("Preferred invoice format", choices=options(INVOICE_FORMATS))


class ColleagueForm(PortalForm):
    name = StringField("Name", validators=[DataRequired("Enter their name."), Length(max=200)])
    email = EmailField(
        "Email",
        validators=[
            DataRequired("Enter their email."),
            Email("Enter a valid email address."),
            Length(max=254),
        ],
    )
    role = SelectField(
        "Role",
        choices=options({"editor": "Editor – uploads and answers", "viewer": "Viewer – reads"}),
    )
