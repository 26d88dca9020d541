"""Bank details: checking (IBAN checksum, account numbers, BIC, ISO 4217),
masking, the two-administrator rule, cancelling, revealing, and that the
audit trail and the emails never hold a full number."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from portal.core.access import Refused
from portal.core.errors import Conflict, DomainError
from portal.core.extensions import db
from portal.finance.changes import (
    account_of,
    cancel_change,
    confirm_change,
    pending_change,
    propose_change,
    reveal,
)
from portal.finance.details import BankDetails, account_number, currency, masked
from portal.models import AuditEvent, BankDetailsChange, OutboxEmail
from tests.helpers import snapshot

IBAN = "DE89370400440532013000"
GOOD = BankDetails(
    "Alpha Health", "Deutsche Bank", "de89 3704 0044 0532 0130 00", "eur", "deutdeff"
)


@pytest.fixture
def people(app, staff, make_user, make_partner):
    partner, focal, _ = make_partner()
    second = make_user("second@example.org", role="admin", name="Sam Second")
    return staff["admin"], second, staff["manager"], focal, partner


def _json_of_every_event() -> str:
    return " ".join(
        f"{e.summary} {e.changes} {e.reason}" for e in db.session.scalars(db.select(AuditEvent))
    )


def test_masking_keeps_the_last_four_characters_only():
    assert masked(IBAN) == "•••• •••• 3000"
    assert masked("1234") == "••••"
    assert masked("") == ""


def test_an_iban_is_normalised_and_its_checksum_checked():
    assert account_number(" de89 3704 0044 0532 0130 00 ") == IBAN
    with pytest.raises(DomainError) as refused:
        account_number("DE89 3704 0044 0532 0130 01")
    assert refused.value.field == "account_number"
    assert "check digits" in refused.value.message
    with pytest.raises(DomainError):
        account_number("DE00 3704")  # too short for a German IBAN


def test_a_national_account_number_is_allowed_where_there_is_no_iban():
    assert account_number("0112 3456 7890 12") == "0112 3456 7890 12"
    for bad in ("12", "12;34--56", "<script>"):
        with pytest.raises(DomainError):
            account_number(bad)


def test_the_currency_is_an_iso_4217_code():
    assert currency(" kes ") == "KES"
    for bad in ("", "XYZ", "DEM", "EURO"):  # DEM: withdrawn, not current ISO 4217
        with pytest.raises(DomainError) as refused:
            currency(bad)
        assert refused.value.field == "currency"


def test_a_bad_bic_is_refused_at_its_field(people):
    admin, *_, partner = people
    details = BankDetails("A", "B", IBAN, "EUR", "XX")
    with pytest.raises(DomainError) as refused:
        propose_change(admin, partner, details, "Letter")
    assert refused.value.field == "bic"


def test_a_change_takes_effect_only_when_another_administrator_confirms(app, people):
    app.config["FINANCE_EMAILS"] = ["finance@example.org"]
    admin, second, _, _, partner = people

    change = propose_change(admin, partner, GOOD, "Letter of 3 March")
    db.session.commit()

    assert account_of(partner.id) is None
    assert pending_change(partner.id) == change
    assert (change.account_number, change.currency, change.bic) == (IBAN, "EUR", "DEUTDEFF")
    # The other administrators are asked to confirm; the proposer is not.
    (asked,) = db.session.scalars(db.select(OutboxEmail)).all()
    assert asked.recipients == "second@example.org"
    assert "•••• •••• 3000" in asked.body_text and IBAN not in asked.body_text

    account = confirm_change(second, partner, change)
    db.session.commit()

    assert (account.account_number, account.holder, account.change_id) == (
        IBAN,
        "Alpha Health",
        change.id,
    )
    assert (change.status, change.decided_by_id) == ("confirmed", second.id)
    told = db.session.scalar(db.select(OutboxEmail).filter_by(recipients="finance@example.org"))
    assert "bank details changed" in told.subject
    assert IBAN not in told.body_text and "3000" in told.body_text
    actions = [e.action for e in db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id))]
    assert actions[-2:] == ["bank_details_proposed", "bank_details_confirmed"]
    assert IBAN not in _json_of_every_event()


def test_the_proposer_may_not_confirm_their_own_change(people):
    admin, *_, partner = people
    change = propose_change(admin, partner, GOOD, "Letter")
    db.session.commit()
    before = snapshot()

    with pytest.raises(DomainError) as refused:
        confirm_change(admin, partner, change)
    db.session.rollback()

    assert "another administrator" in refused.value.message
    assert snapshot() == before
    assert account_of(partner.id) is None


def test_the_database_refuses_a_self_confirmed_change_too(people):
    admin, *_, partner = people
    change = propose_change(admin, partner, GOOD, "Letter")
    db.session.commit()
    change.status, change.decided_by_id = "confirmed", admin.id
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_managers_and_partners_may_neither_propose_confirm_nor_reveal(people):
    admin, second, manager, focal, partner = people
    change = propose_change(admin, partner, GOOD, "Letter")
    account = confirm_change(second, partner, change)
    db.session.commit()
    for someone in (manager, focal):
        with pytest.raises(Refused):
            propose_change(someone, partner, GOOD, "Mine")
        with pytest.raises(Refused):
            reveal(someone, partner, account)


def test_one_change_waits_at_a_time_and_the_proposer_may_cancel(people):
    admin, second, _, _, partner = people
    change = propose_change(admin, partner, GOOD, "Letter")
    db.session.commit()
    with pytest.raises(Conflict):
        propose_change(second, partner, GOOD, "Again")
    with pytest.raises(DomainError) as refused:
        cancel_change(second, partner, change)
    assert "Only the administrator who proposed" in refused.value.message

    cancel_change(admin, partner, change)
    db.session.commit()

    assert change.status == "cancelled" and pending_change(partner.id) is None
    with pytest.raises(Conflict):
        confirm_change(second, partner, change)


def test_nothing_changes_when_the_details_are_the_same(people):
    admin, second, _, _, partner = people
    confirm_change(second, partner, propose_change(admin, partner, GOOD, "Letter"))
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        propose_change(second, partner, GOOD, "Same")
    assert "already on file" in refused.value.message


def test_a_reason_is_required_and_nothing_is_half_saved(people):
    admin, *_, partner = people
    before = snapshot()
    for details, reason, field in (
        (GOOD, "  ", "reason"),
        (BankDetails("A", "B", "DE89370400440532013001", "EUR"), "Letter", "account_number"),
        (BankDetails("A", "B", IBAN, "ABC"), "Letter", "currency"),
        (BankDetails(" ", "B", IBAN, "EUR"), "Letter", "holder"),
    ):
        with pytest.raises(DomainError) as refused:
            propose_change(admin, partner, details, reason)
        db.session.rollback()
        assert refused.value.field == field
    assert snapshot() == before


def test_revealing_a_number_is_audited_with_the_number_masked(people):
    admin, second, _, _, partner = people
    account = confirm_change(second, partner, propose_change(admin, partner, GOOD, "Letter"))
    db.session.commit()

    assert reveal(admin, partner, account) == IBAN
    db.session.commit()

    event = db.session.scalar(db.select(AuditEvent).filter_by(action="bank_details_revealed"))
    assert (event.actor_id, event.partner_id, event.object_type) == (
        admin.id,
        partner.id,
        "BankAccount",
    )
    assert event.changes == {"account_number": [None, "•••• •••• 3000"]}
    assert IBAN not in _json_of_every_event()
    assert db.session.scalar(db.select(db.func.count(BankDetailsChange.id))) == 1
