"""The partner form in sections (organisation, contacts, coverage, preferences),
and the smaller forms around a partner record."""

from __future__ import annotations

import phonenumbers
from flask import current_app
from flask_babel import gettext, lazy_gettext, lazy_pgettext
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
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    Optional,
    StopValidation,
)
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

# The pages' words for the stored codes (the models keep them in English, for
# exports and the API): statuses, partnership types, reporting frequencies,
# invoice formats, document kinds and partner roles. Language names stay as each
# language writes its own.
CODE_LABELS = {
    "prospective": lazy_gettext("Prospective"),
    "active": lazy_gettext("Active"),
    "on_hold": lazy_gettext("On hold"),
    "closed": lazy_gettext("Closed"),
    "merged": lazy_gettext("Merged"),
    "funding": lazy_gettext("Funding"),
    "supervision": lazy_gettext("Supervision"),
    "technical_assistance": lazy_gettext("Technical assistance"),
    "monthly": lazy_gettext("Monthly"),
    "quarterly": lazy_gettext("Quarterly"),
    "annually": lazy_gettext("Annually"),
    "pdf": lazy_gettext("PDF by email"),
    "xlsx": lazy_gettext("Excel spreadsheet"),
    "einvoice": lazy_gettext("Electronic invoice (UBL)"),
    "paper": lazy_gettext("Paper, by post"),
    "agreement": lazy_gettext("Partnership agreement"),
    "mou": lazy_gettext("Memorandum of understanding"),
    "renewal": lazy_gettext("Renewal letter"),
    "focal": lazy_gettext("Focal point"),
    "editor": lazy_gettext("Editor"),
    "viewer": lazy_gettext("Viewer"),
}


def label(code: str | None, labels: dict[str, str] | None = None) -> str:
    """A stored code as the page reads it, in the reader's language (templates:
    `code_label(code)`); an unknown code reads as `labels` has it, else as itself."""
    if code is None:
        return ""
    return CODE_LABELS.get(code) or (labels or {}).get(code, code)


def labels_of(codes: dict[str, str]) -> dict[str, str]:
    """A code list (a dict of the models) with its labels translated."""
    return {code: label(code, codes) for code in codes}


def options(labels: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(value, label(value, labels)) for value in labels]


def changed_only(form, field) -> None:
    """A validator first in a field's list: a submitted value equal to the stored
    one (the `stored` the view gives the form, by field name) skips the field's
    other validators, so that a value saved before a rule changed, or by the
    demo, never blocks saving the other fields."""
    stored = getattr(form, "stored", None) or {}
    if field.short_name in stored and _same(field.data, stored[field.short_name]):
        raise StopValidation()


CONTACT_VALUES = ("name", "title", "email", "phone", "address")


def remember_stored(contacts: FieldList, stored_contacts) -> None:
    """Give each submitted contact form the values its contact has as stored
    (matched by id), for `changed_only`; a new contact has none."""
    stored = {c.id: {k: getattr(c, k) for k in CONTACT_VALUES} for c in stored_contacts}
    for entry in contacts:
        entry.form.stored = stored.get(identifier_or_none(entry.form.id.data))


def _same(submitted, stored) -> bool:
    # Browsers send a text area's line ends as CRLF.
    def norm(value):
        return str(value or "").replace("\r\n", "\n").strip()

    return norm(submitted) == norm(stored)


def valid_phone(form, field) -> None:
    """An international number (+...) or one of the configured region; stored as
    the international format so every number reads the same."""
    if not field.data:
        return
    region = current_app.config["PHONE_REGION"]
    try:
        number = phonenumbers.parse(field.data, region)
    except phonenumbers.NumberParseException as error:
        if region:
            raise ValidationError(gettext("Enter a valid phone number.")) from error
        raise ValidationError(
            gettext("Enter a valid phone number. Start with + and the country code.")
        ) from error
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(gettext("This phone number does not exist; check the digits."))
    field.data = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ContactForm(Form):
    """One contact. `stored` (by field name) holds the contact's values as saved:
    an unchanged value is not checked again (`changed_only`)."""

    stored: dict[str, str] | None = None

    id = HiddenField()
    name = StringField(lazy_gettext("Name"), validators=[changed_only, Optional(), Length(max=200)])
    title = StringField(
        lazy_pgettext("a person's job", "Title"),
        validators=[changed_only, Optional(), Length(max=200)],
    )
    email = EmailField(
        lazy_gettext("Email"),
        validators=[
            changed_only,
            Optional(),
            Email(lazy_gettext("Enter a valid email address.")),
            Length(max=254),
        ],
    )
    phone = StringField(
        lazy_gettext("Phone"), validators=[changed_only, Optional(), Length(max=40), valid_phone]
    )
    address = TextAreaField(
        lazy_gettext("Mailing address"), validators=[changed_only, Optional(), Length(max=1000)]
    )

    def validate_name(self, field) -> None:
        if not field.data and (self.email.data or self.phone.data or self.title.data):
            raise ValidationError(gettext("Enter the contact's name."))


class CoverageForm(Form):
    id = HiddenField()
    target = HiddenField()
    label = HiddenField()  # what the picker called it, to show it again
    scope_note = StringField(lazy_gettext("Scope"), validators=[Optional(), Length(max=300)])
    starts_on = DayField(
        lazy_gettext("From"),
        validators=[InputRequired(lazy_gettext("Enter the date the coverage starts."))],
    )
    ends_on = DayField(lazy_gettext("Until"), validators=[Optional()])

    def validate_ends_on(self, field) -> None:
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(gettext("The end date is before the start date."))


class PartnerForm(PortalForm):
    # Organisation
    name = StringField(
        lazy_gettext("Official name"),
        validators=[DataRequired(lazy_gettext("Enter the partner's legal name.")), Length(max=300)],
        description=lazy_gettext("The legal name, as on the partnership agreement."),
    )
    acronym = StringField(lazy_gettext("Acronym"), validators=[Optional(), Length(max=50)])
    types = MultiCheckboxField(
        lazy_gettext("Partnership types"), choices=options(PARTNERSHIP_TYPES)
    )
    scope_of_work = TextAreaField(
        lazy_gettext("Scope of work"),
        validators=[Optional(), Length(max=4000)],
        description=lazy_gettext("What the partner funds, supervises or assists."),
    )
    # Contacts
    contacts = FieldList(FormField(ContactForm), min_entries=1, max_entries=20)
    primary = RadioField(
        lazy_gettext("Primary focal person"), coerce=int, default=0, validate_choice=False
    )
    # Coverage
    coverage = FieldList(FormField(CoverageForm), max_entries=500)
    # Preferences
    language = SelectField(
        lazy_gettext("Reporting language"), choices=options(LANGUAGES), default="en"
    )
    reporting_frequency = SelectField(
        lazy_gettext("Reporting frequency"),
        choices=options(REPORTING_FREQUENCIES),
        default="quarterly",
    )
    invoice_format = SelectField(
        lazy_gettext("Preferred invoice format"), choices=options(INVOICE_FORMATS), default="pdf"
    )
    next_review_on = DayField(lazy_gettext("Next annual review"), validators=[Optional()])
    # Adding only
    prospective = BooleanField(
        lazy_gettext("Prospective: check the need for a partnership first"),
        description=lazy_gettext(
            "Not active until you decide to go ahead; no login, invitation or "
            "accreditation until then."
        ),
    )
    # Editing only
    reason = StringField(
        lazy_gettext("Reason for the change"),
        validators=[Optional(), Length(max=500)],
        description=lazy_gettext(
            'Optional, kept in the history: "meeting of 3 May", "letter ref. 123".'
        ),
    )
    version = IntegerField(validators=[Optional()])

    def validate_primary(self, field) -> None:
        named = [i for i, entry in enumerate(self.contacts) if entry.form.name.data]
        if not named:
            raise ValidationError(gettext("Add at least the primary focal person."))
        if field.data not in named:
            raise ValidationError(gettext("Choose the primary focal person among the contacts."))
        if not self.contacts[field.data].form.email.data:
            self.contacts[field.data].form.email.errors.append(
                gettext("The primary focal person needs an email to log in.")
            )
            raise ValidationError(gettext("The primary focal person needs an email."))

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
    status = SelectField(lazy_gettext("New status"), choices=options(PARTNER_STATUSES))
    effective_on = DayField(
        lazy_gettext("Effective from"),
        validators=[InputRequired(lazy_gettext("Enter the date the change takes effect."))],
    )
    reason = TextAreaField(
        lazy_gettext("Reason"),
        validators=[DataRequired(lazy_gettext("Say why the status changes.")), Length(max=2000)],
    )


class ReviewForm(PortalForm):
    note = TextAreaField(lazy_gettext("Review note"), validators=[Optional(), Length(max=4000)])


class DocumentForm(PortalForm):
    kind = SelectField(lazy_gettext("Kind"), choices=options(DOCUMENT_KINDS))
    reference = StringField(
        lazy_gettext("Reference number"),
        validators=[
            DataRequired(lazy_gettext("Enter the document's reference number.")),
            Length(max=100),
        ],
    )
    valid_from = DayField(
        lazy_gettext("Valid from"),
        validators=[InputRequired(lazy_gettext("Enter the date it takes effect."))],
    )
    valid_until = DayField(lazy_gettext("Valid until"), validators=[Optional()])
    file = FileField(
        lazy_gettext("File"), validators=[FileRequired(lazy_gettext("Choose a file to upload."))]
    )

    def validate_valid_until(self, field) -> None:
        if field.data and self.valid_from.data and field.data < self.valid_from.data:
            raise ValidationError(gettext("The end of validity is before its start."))


class LeadershipForm(PortalForm):
    name = StringField(
        lazy_gettext("New focal person's name"),
        validators=[
            DataRequired(lazy_gettext("Enter the new focal person's name.")),
            Length(max=200),
        ],
    )
    email = EmailField(
        lazy_gettext("Their email"),
        validators=[
            DataRequired(lazy_gettext("Enter their email: they get a welcome email to log in.")),
            Email(lazy_gettext("Enter a valid email address.")),
            Length(max=254),
        ],
    )
    title = StringField(lazy_gettext("Their title"), validators=[Optional(), Length(max=200)])
    phone = StringField(
        lazy_gettext("Their phone"), validators=[Optional(), Length(max=40), valid_phone]
    )
    deactivate_previous = BooleanField(lazy_gettext("Deactivate the previous focal person's login"))
    reason = StringField(
        lazy_gettext("Reason"),
        validators=[Optional(), Length(max=500)],
        description=lazy_gettext('e.g. "letter of 3 May"'),
    )
