"""The partner form in sections (organisation, contacts, coverage, preferences),
and the smaller forms around a partner record."""

from __future__ import annotations

import phonenumbers
from flask import current_app
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.core.forms import DayField, PortalForm
from portal.core.inputs import identifier_or_none
from portal.partners.drafts import ContactDraft, CoverageDraft, PartnerDraft
from portal.partners.models import (
    DOCUMENT_KINDS,
    INVOICE_FORMATS,
    LANGUAGES,
    PARTNER_STATUSES,
    PARTNERSHIP_TYPES,
    REPORTING_FREQUENCIES,
)


def options(labels: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


def valid_phone(form, field) -> None:
    """An international number (+...) or one of the configured region; stored as
    the international format so every number reads the same."""
    if not field.data:
        return
    region = current_app.config["PHONE_REGION"]
    try:
        number = phonenumbers.parse(field.data, region)
    except phonenumbers.NumberParseException as error:
        hint = "" if region else " Start with + and the country code."
        raise ValidationError(f"Enter a valid phone number.{hint}") from error
    if not phonenumbers.is_valid_number(number):
        raise ValidationError("This phone number does not exist; check the digits.")
    field.data = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ContactForm(Form):
    id = HiddenField()
    name = StringField("Name", validators=[Optional(), Length(max=200)])
    title = StringField("Title", validators=[Optional(), Length(max=200)])
    email = EmailField(
        "Email", validators=[Optional(), Email("Enter a valid email address."), Length(max=254)]
    )
    phone = StringField("Phone", validators=[Optional(), Length(max=40), valid_phone])
    address = TextAreaField("Mailing address", validators=[Optional(), Length(max=1000)])

    def validate_name(self, field) -> None:
        if not field.data and (self.email.data or self.phone.data or self.title.data):
            raise ValidationError("Enter the contact's name.")


class CoverageForm(Form):
    id = HiddenField()
    target = HiddenField()
    label = HiddenField()  # what the picker called it, to show it again
    scope_note = StringField("Scope", validators=[Optional(), Length(max=300)])
    starts_on = DayField("From", validators=[InputRequired("Enter the date the coverage starts.")])
    ends_on = DayField("Until", validators=[Optional()])

    def validate_ends_on(self, field) -> None:
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError("The end date is before the start date.")


class PartnerForm(PortalForm):
    # Organisation
    name = StringField(
        "Official name",
        validators=[DataRequired("Enter the partner's legal name."), Length(max=300)],
        description="The legal name, as on the partnership agreement.",
    )
    acronym = StringField("Acronym", validators=[Optional(), Length(max=50)])
    types = MultiCheckboxField("Partnership types", choices=options(PARTNERSHIP_TYPES))
    scope_of_work = TextAreaField(
        "Scope of work",
        validators=[Optional(), Length(max=4000)],
        description="What the partner funds, supervises or assists.",
    )
    # Contacts
    contacts = FieldList(FormField(ContactForm), min_entries=1, max_entries=20)
    primary = RadioField("Primary focal person", coerce=int, default=0, validate_choice=False)
    # Coverage
    coverage = FieldList(FormField(CoverageForm), max_entries=500)
    # Preferences
    language = SelectField("Reporting language", choices=options(LANGUAGES), default="en")
    reporting_frequency = SelectField(
        "Reporting frequency", choices=options(REPORTING_FREQUENCIES), default="quarterly"
    )
    invoice_format = SelectField(
        "Preferred invoice format", choices=options(INVOICE_FORMATS), default="pdf"
    )
    next_review_on = DayField("Next annual review", validators=[Optional()])
    # Adding only
    prospective = BooleanField(
        "Prospective: check the need for a partnership first",
        description="Not active until you decide to go ahead; no login, invitation or "
        "accreditation until then.",
    )
    # Editing only
    reason = StringField(
        "Reason for the change",
        validators=[Optional(), Length(max=500)],
        description='Optional, kept in the history: "meeting of 3 May", "letter ref. 123".',
    )
    version = IntegerField(validators=[Optional()])

    def validate_primary(self, field) -> None:
        named = [i for i, entry in enumerate(self.contacts) if entry.form.name.data]
        if not named:
            raise ValidationError("Add at least the primary focal person.")
        if field.data not in named:
            raise ValidationError("Choose the primary focal person among the contacts.")
        if not self.contacts[field.data].form.email.data:
            self.contacts[field.data].form.email.errors.append(
                "The primary focal person needs an email to log in."
            )
            raise ValidationError("The primary focal person needs an email.")

    def draft(self) -> PartnerDraft:
        return PartnerDraft(
            name=self.name.data or "",
            acronym=self.acronym.data or "",
            scope_of_work=self.scope_of_work.data or "",
            types=list(self.types.data or []),
            language=self.language.data,
            reporting_frequency=self.reporting_frequency.data,
            invoice_format=self.invoice_format.data,
            next_review_on=self.next_review_on.data,
            prospective=bool(self.prospective.data),
            contacts=[
                ContactDraft(
                    name=e.form.name.data or "",
                    title=e.form.title.data or "",
                    email=e.form.email.data or "",
                    phone=e.form.phone.data or "",
                    address=e.form.address.data or "",
                    is_primary=index == self.primary.data,
                    id=identifier_or_none(e.form.id.data),
                )
                for index, e in enumerate(self.contacts)
            ],
            coverage=[
                CoverageDraft(
                    target=e.form.target.data,
                    scope_note=e.form.scope_note.data or "",
                    starts_on=e.form.starts_on.data,
                    ends_on=e.form.ends_on.data,
                    id=identifier_or_none(e.form.id.data),
                )
                for e in self.coverage
            ],
        )

    @classmethod
    def from_draft(cls, draft: PartnerDraft, labels: dict[str, str], **kwargs) -> PartnerForm:
        data = {
            "name": draft.name,
            "acronym": draft.acronym,
            "types": draft.types,
            "scope_of_work": draft.scope_of_work,
            "language": draft.language,
            "reporting_frequency": draft.reporting_frequency,
            "invoice_format": draft.invoice_format,
            "next_review_on": draft.next_review_on,
            "contacts": [
                {
                    "id": c.id or "",
                    "name": c.name,
                    "title": c.title,
                    "email": c.email,
                    "phone": c.phone,
                    "address": c.address,
                }
                for c in draft.contacts
            ]
            or [{}],
            "primary": next((i for i, c in enumerate(draft.contacts) if c.is_primary), 0),
            "coverage": [
                {
                    "id": c.id or "",
                    "target": c.target,
                    "label": labels.get(c.target, c.target),
                    "scope_note": c.scope_note,
                    "starts_on": c.starts_on,
                    "ends_on": c.ends_on,
                }
                for c in draft.coverage
            ],
        }
        return cls(data=data, **kwargs)


class StatusForm(PortalForm):
    status = SelectField("New status", choices=options(PARTNER_STATUSES))
    effective_on = DayField(
        "Effective from", validators=[InputRequired("Enter the date the change takes effect.")]
    )
    reason = TextAreaField(
        "Reason",
        validators=[DataRequired("Say why the status changes."), Length(max=2000)],
    )


class ReviewForm(PortalForm):
    note = TextAreaField("Review note", validators=[Optional(), Length(max=4000)])


class DocumentForm(PortalForm):
    kind = SelectField("Kind", choices=options(DOCUMENT_KINDS))
    reference = StringField(
        "Reference number",
        validators=[DataRequired("Enter the document's reference number."), Length(max=100)],
    )
    valid_from = DayField(
        "Valid from", validators=[InputRequired("Enter the date it takes effect.")]
    )
    valid_until = DayField("Valid until", validators=[Optional()])
    file = FileField("File", validators=[FileRequired("Choose a file to upload.")])

    def validate_valid_until(self, field) -> None:
        if field.data and self.valid_from.data and field.data < self.valid_from.data:
            raise ValidationError("The end of validity is before its start.")


class LeadershipForm(PortalForm):
    name = StringField(
        "New focal person's name",
        validators=[DataRequired("Enter the new focal person's name."), Length(max=200)],
    )
    email = EmailField(
        "Their email",
        validators=[
            DataRequired("Enter their email: they get a welcome email to log in."),
            Email("Enter a valid email address."),
            Length(max=254),
        ],
    )
    title = StringField("Their title", validators=[Optional(), Length(max=200)])
    phone = StringField("Their phone", validators=[Optional(), Length(max=40), valid_phone])
    deactivate_previous = BooleanField("Deactivate the previous focal person's login")
    reason = StringField(
        "Reason", validators=[Optional(), Length(max=500)], description='e.g. "letter of 3 May"'
    )
