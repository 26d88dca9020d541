"""What a partner's own people edit: contacts, reporting preferences, colleagues."""

from __future__ import annotations

from flask_babel import lazy_gettext
from wtforms import EmailField, FieldList, FormField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length

from portal.core.forms import PortalForm
from portal.partners.forms import ContactForm, options, remember_stored
from portal.partners.models import INVOICE_FORMATS, LANGUAGES, REPORTING_FREQUENCIES


class DetailsForm(PortalForm):
    contacts = FieldList(FormField(ContactForm), min_entries=1, max_entries=20)
    language = SelectField(lazy_gettext("Reporting language"), choices=options(LANGUAGES))
    reporting_frequency = SelectField(
        lazy_gettext("Reporting frequency"), choices=options(REPORTING_FREQUENCIES)
    )
    invoice_format = SelectField(
        lazy_gettext("Preferred invoice format"), choices=options(INVOICE_FORMATS)
    )

    def remember(self, contacts) -> DetailsForm:
        """Give each submitted contact its stored values (`changed_only` then
        checks only what the person changed)."""
        remember_stored(self.contacts, contacts)
        return self


class ColleagueForm(PortalForm):
    name = StringField(
        lazy_gettext("Name"),
        validators=[DataRequired(lazy_gettext("Enter their name.")), Length(max=200)],
    )
    email = EmailField(
        lazy_gettext("Email"),
        validators=[
            DataRequired(lazy_gettext("Enter their email.")),
            Email(lazy_gettext("Enter a valid email address.")),
            Length(max=254),
        ],
    )
    role = SelectField(
        lazy_gettext("Role"),
        choices=[
            SelectChoice("editor", lazy_gettext("Editor – uploads and answers")),
            SelectChoice("viewer", lazy_gettext("Viewer – reads")),
        ],
    )
