"""Bank details as entered: checked (IBAN checksum, BIC, ISO 4217 currency),
normalised, and masked for every page and the audit trail.

"IBAN or account number": a value that starts with two letters and two digits
is read as an IBAN and must pass its checksum (schwifty); anything else is a
national account number (countries such as Kenya use none), digits, letters,
spaces and hyphens only. Currencies are ISO 4217's current list (pycountry)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pycountry
from babel.numbers import get_currency_name
from flask_babel import gettext
from schwifty import BIC, IBAN
from schwifty.exceptions import InvalidChecksumDigits, SchwiftyException

from portal.core.errors import DomainError
from portal.core.i18n import current_language

IBAN_LIKE = re.compile(r"^[A-Z]{2}[0-9]{2}")
ACCOUNT_NUMBER = re.compile(r"^[A-Z0-9][A-Z0-9 -]{3,38}[A-Z0-9]$")
MASK = "•••• "


@dataclass
class BankDetails:
    holder: str
    bank: str
    account_number: str
    currency: str
    bic: str = ""

    def checked(self) -> BankDetails:
        """The details normalised, or a DomainError naming the field that is wrong."""
        holder = " ".join(self.holder.split())
        bank = " ".join(self.bank.split())
        if not holder:
            raise DomainError(
                gettext("Enter the account holder's name, as the bank has it."), "holder"
            )
        if len(holder) > 200:
            raise DomainError(
                gettext("The holder's name is longer than %(max)d characters.", max=200), "holder"
            )
        if not bank:
            raise DomainError(gettext("Enter the bank's name."), "bank")
        if len(bank) > 200:
            raise DomainError(
                gettext("The bank's name is longer than %(max)d characters.", max=200), "bank"
            )
        return BankDetails(
            holder=holder,
            bank=bank,
            account_number=account_number(self.account_number),
            currency=currency(self.currency),
            bic=bic(self.bic),
        )


def account_number(value: str) -> str:
    """An IBAN (compact) or a national account number, checked."""
    text = " ".join((value or "").upper().split())
    compact = text.replace(" ", "")
    if not compact:
        raise DomainError(gettext("Enter the IBAN or the account number."), "account_number")
    if IBAN_LIKE.match(compact):
        try:
            return IBAN(compact).compact
        except InvalidChecksumDigits:
            raise DomainError(
                gettext("This IBAN's check digits are wrong: a character is mistyped or missing."),
                "account_number",
            ) from None
        except SchwiftyException as error:
            raise DomainError(
                gettext("This is not a valid IBAN: %(error)s.", error=error), "account_number"
            ) from None
    if not ACCOUNT_NUMBER.match(text):
        raise DomainError(
            gettext(
                "An account number has 5 to 40 letters and digits (spaces and hyphens allowed)."
            ),
            "account_number",
        )
    return text


def currency(value: str) -> str:
    code = (value or "").strip().upper()
    if not code:
        raise DomainError(gettext("Choose the currency payments are made in."), "currency")
    if len(code) != 3 or pycountry.currencies.get(alpha_3=code) is None:
        raise DomainError(
            gettext("Choose a currency from the ISO 4217 list (e.g. KES, USD, EUR)."),
            "currency",
        )
    return code


def bic(value: str) -> str:
    code = "".join((value or "").upper().split())
    if not code:
        return ""
    try:
        return str(BIC(code))
    except SchwiftyException:
        raise DomainError(
            gettext("A BIC (SWIFT code) has 8 or 11 letters and digits, e.g. KCBLKENX."),
            "bic",
        ) from None


def currencies() -> list[tuple[str, str]]:
    """(code, "code – name") for the currency picker, by code; the name in the
    reader's language where Babel knows it (ISO 4217's English name otherwise)."""
    language = current_language()
    return sorted(
        (c.alpha_3, f"{c.alpha_3} – {_currency_name(c, language)}") for c in pycountry.currencies
    )


def _currency_name(currency_, language: str) -> str:
    if language == "en":
        return currency_.name
    name = get_currency_name(currency_.alpha_3, locale=language)
    return currency_.name if name == currency_.alpha_3 else name[:1].upper() + name[1:]


def masked(number: str | None) -> str:
    """The last four characters only, as every page and the audit trail show it."""
    compact = re.sub(r"[\s-]", "", number or "")
    if not compact:
        return ""
    return f"{MASK}{MASK}{compact[-4:]}" if len(compact) > 4 else MASK.strip()


def formatted(number: str) -> str:
    """The full number as people read it: an IBAN in groups of four."""
    if IBAN_LIKE.match(number):
        try:
            return IBAN(number).formatted
        except SchwiftyException:
            return number
    return number
