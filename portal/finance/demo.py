"""The demo's bank details: a second administrator (the finance officer) so the
two-person rule can be seen at work. HAI's and NDST's details are on file
(proposed by one administrator, confirmed by the other); a change of NDST's
waits for the main administrator's confirmation."""

from __future__ import annotations

from portal.accounts.passwords import hash_password
from portal.core.extensions import db
from portal.finance.changes import confirm_change, propose_change
from portal.finance.details import BankDetails
from portal.models import Partner, User

FINANCE_ADMIN = ("finance@example.org", "Kofi Asante")

DETAILS = {
    "HAI": BankDetails(
        "Health Access Initiative", "Kivuland Commercial Bank", "0112 3456 7890 12", "KES"
    ),
    "NDST": BankDetails(
        "Northern Districts Supervision Trust",
        "Deutsche Bank",
        "DE89 3704 0044 0532 0130 00",
        "EUR",
        "DEUTDEFF",
    ),
}
NDST_NEW = BankDetails(
    "Northern Districts Supervision Trust", "Barclays", "GB82 WEST 1234 5698 7654 32", "GBP"
)


def load_bank_details(admin: User, partners: list[Partner], password: str) -> None:
    email, name = FINANCE_ADMIN
    officer = User(
        email=email, name=name, role="admin", password_hash=hash_password(password), can_export=True
    )
    db.session.add(officer)
    db.session.flush()
    by_acronym = {p.acronym: p for p in partners}
    for acronym, details in DETAILS.items():
        partner = by_acronym[acronym]
        change = propose_change(officer, partner, details, "Bank letter received at onboarding.")
        confirm_change(admin, partner, change)
    propose_change(
        officer,
        by_acronym["NDST"],
        NDST_NEW,
        "NDST's letter of this month: the trust moved its account to Barclays.",
    )
    db.session.commit()


def logins(password: str) -> list[tuple[str, str, str]]:
    email, name = FINANCE_ADMIN
    return [(email, password, f"admin: {name} (finance)")]
