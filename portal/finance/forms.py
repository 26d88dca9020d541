"""Proposing new bank details; confirming, cancelling and revealing take a
CSRF token only."""

from __future__ import annotations

from flask_babel import gettext, lazy_gettext
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.core.forms import PortalForm
from portal.finance.details import currencies


class BankDetailsForm(PortalForm):
    holder = StringField(
        lazy_gettext("Account holder"),
        validators=[
            InputRequired(lazy_gettext("Enter the account holder's name.")),
            Length(max=200),
        ],
        description=lazy_gettext("As the bank has it, usually the organisation's legal name."),
    )
    bank = StringField(
        lazy_gettext("Bank"),
        validators=[InputRequired(lazy_gettext("Enter the bank's name.")), Length(max=200)],
    )
    account_number = StringField(
        lazy_gettext("IBAN or account number"),
        validators=[
            InputRequired(lazy_gettext("Enter the IBAN or the account number.")),
            Length(max=60),
        ],
        description=lazy_gettext(
            "An IBAN (two letters, two check digits, …) is checked; "
            "elsewhere the national account number."
        ),
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    bic = StringField(
        lazy_gettext("BIC / SWIFT code"),
        validators=[Optional(), Length(max=20)],
        description=lazy_gettext("Optional."),
    )
    currency = SelectField(lazy_gettext("Currency"), validate_choice=False)
    reason = TextAreaField(
        lazy_gettext("Reason"),
        validators=[
            InputRequired(lazy_gettext("Say why the bank details change.")),
            Length(max=2000),
        ],
        description=lazy_gettext(
            "E.g. the partner's signed letter of 3 March. "
            "Another administrator confirms the change."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency.choices = [
            SelectChoice("", gettext("Choose a currency")),
            *(SelectChoice(code, label) for code, label in currencies()),
        ]


class ActionForm(PortalForm):
    """Confirm, cancel or reveal: the CSRF token is all they take."""
