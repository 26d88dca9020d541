"""Proposing new bank details; confirming, cancelling and revealing take a
CSRF token only."""

from __future__ import annotations

from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.core.forms import PortalForm
from portal.finance.details import currencies


class BankDetailsForm(PortalForm):
    holder = StringField(
        "Account holder",
        validators=[InputRequired("Enter the account holder's name."), Length(max=200)],
        description="As the bank has it, usually the organisation's legal name.",
    )
    bank = StringField(
        "Bank", validators=[InputRequired("Enter the bank's name."), Length(max=200)]
    )
    account_number = StringField(
        "IBAN or account number",
        validators=[InputRequired("Enter the IBAN or the account number."), Length(max=60)],
        description=(
            "An IBAN (two letters, two check digits, …) is checked; "
            "elsewhere the national account number."
        ),
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    bic = StringField(
        "BIC / SWIFT code", validators=[Optional(), Length(max=20)], description="Optional."
    )
    currency = SelectField("Currency", validate_choice=False)
    reason = TextAreaField(
        "Reason",
        validators=[InputRequired("Say why the bank details change."), Length(max=2000)],
        description=(
            "E.g. the partner's signed letter of 3 March. "
            "Another administrator confirms the change."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency.choices = [
            SelectChoice("", "Choose a currency"),
            *(SelectChoice(code, label) for code, label in currencies()),
        ]


class ActionForm(PortalForm):
    """Confirm, cancel or reveal: the CSRF token is all they take."""
