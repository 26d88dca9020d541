"""What every form shares: values a database can store (no NUL, no number
beyond a column, no day beyond the calendar; see core.inputs), a domain error
shown next to its field, and a confirmation page carrying what was typed as
hidden inputs."""

from __future__ import annotations

import re
from datetime import date

from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import DateField
from wtforms.widgets import TextInput

from portal.core.inputs import DAYS_MESSAGE, MAX_ID, NUL_MESSAGE, day, has_nul

NUMBER_MESSAGE = lazy_gettext("Enter a smaller number.")


class PortalForm(FlaskForm):
    """The base of every form the portal serves: on top of each field's own
    validators, nothing reaches the database that it cannot store, and the
    person is told next to the field."""

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return _storable(self) and valid


def _storable(fields) -> bool:
    ok = True
    for field in fields:
        if field.type in ("FieldList", "FormField"):
            entries = field.entries if field.type == "FieldList" else [field]
            for entry in entries:
                ok = _storable(entry.form if hasattr(entry, "form") else [entry]) and ok
            continue
        problem = None
        if any(has_nul(value) for value in getattr(field, "raw_data", None) or ()):
            problem = NUL_MESSAGE
        elif isinstance(field.data, int) and not isinstance(field.data, bool):
            problem = NUMBER_MESSAGE if abs(field.data) > MAX_ID else None
        if problem:
            if not isinstance(field.errors, list):
                field.errors = list(field.errors)
            field.errors.append(problem)
            ok = False
    return ok


class Unstorable(Exception):
    """A form's values cannot be stored; its fields carry the messages. For views
    whose rules live in a service: `if not form.validate(): raise Unstorable`."""


DAY_FIRST = re.compile(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})")
ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def typed_day(text: str) -> date | None:
    """The day in "03/12/2026" (day first, as the pages write dates in every
    language the portal speaks; "." and "-" also separate) or "2026-12-03"."""
    text = text.strip()
    if found := ISO_DAY.fullmatch(text):
        year, month, number = found.groups()
    elif found := DAY_FIRST.fullmatch(text):
        number, month, year = found.groups()
    else:
        return None
    try:
        return date(int(year), int(month), int(number))
    except ValueError:
        return None


class DayField(DateField):
    """A day typed day first, whose day the portal's calendars can hold
    (core.inputs.day). A text box, not the browser's date picker: the picker's
    format follows the browser's language, not the page's, and put mm/dd/yyyy
    beside "03 Dec 2026"."""

    widget = TextInput()

    def __call__(self, **kwargs):
        kwargs.setdefault("placeholder", gettext("dd/mm/yyyy"))
        kwargs.setdefault("inputmode", "numeric")
        kwargs.setdefault("autocomplete", "off")
        return super().__call__(**kwargs)

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.strftime("%d/%m/%Y") if self.data else ""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = " ".join(valuelist).strip()
        self.data = typed_day(text) if text else None
        if self.data is None:
            raise ValueError(
                gettext(
                    "Enter the date as dd/mm/yyyy, for example %(example)s.", example="31/01/2027"
                )
            )
        try:
            day(self.data.isoformat())
        except ValueError:
            self.data = None
            raise ValueError(DAYS_MESSAGE) from None


def attach_error(form, error) -> None:
    """Show a service's DomainError next to the field it names (nested names like
    "contacts-0-email" included), or at the top of the form."""
    target = _find_field(form, error.field) if error.field else None
    if target is not None:
        if not isinstance(target.errors, list):
            target.errors = list(target.errors)
        target.errors.append(error.message)
    else:
        form.form_errors.append(error.message)


def _find_field(form, name: str):
    prefixed = getattr(form, "_prefix", "") + name  # a form made with prefix="..."
    for field in form:
        if field.name in (name, prefixed):
            return field
        if field.type == "FieldList":
            for entry in field.entries:
                if entry.name == name:
                    return entry
                found = _find_field(entry.form, name) if hasattr(entry, "form") else None
                if found is not None:
                    return found
    return None


def hidden_inputs(form) -> Markup:
    """Every value of `form` as hidden inputs: a confirmation page carries what
    was typed back to the server without keeping it anywhere else."""
    pairs: list[tuple[str, str]] = []

    def walk(fields):
        for field in fields:
            if field.type == "FieldList":
                for entry in field.entries:
                    walk(entry.form if hasattr(entry, "form") else [entry])
            elif field.type in ("SubmitField", "CSRFTokenField"):
                continue
            elif field.type == "MultiCheckboxField":
                pairs.extend((field.name, str(v)) for v in field.data or [])
            elif field.type == "BooleanField":  # an unticked box sends nothing
                if field.data:
                    pairs.append((field.name, "y"))
            elif hasattr(field, "_value"):  # text-like: the value as typed
                pairs.append((field.name, field._value()))
            else:  # selects and radios
                pairs.append((field.name, "" if field.data is None else str(field.data)))

    walk(form)
    return Markup("\n").join(
        Markup('<input type="hidden" name="{}" value="{}">').format(name, value)
        for name, value in pairs
    )
