"""Bank details through the web: administrators only (managers and partners
are refused every route), masked on every page, the full number only in the
answer to Reveal (audited), the two-administrator rule and bad input refused
next to the field; and the partner export's payment columns, read with openpyxl."""

from __future__ import annotations

import io
import re
from datetime import date

import openpyxl
import pytest

from portal.accounts.passwords import hash_password
from portal.assignments.operations import add_assignment
from portal.core.extensions import db
from portal.finance.changes import confirm_change, propose_change
from portal.finance.details import BankDetails
from portal.models import (
    AuditEvent,
    BankAccount,
    BankDetailsChange,
    Coverage,
    DataSet,
    DataSetAssignment,
    User,
)
from tests.helpers import PASSWORD, snapshot, token_for

IBAN = "DE89370400440532013000"
IBAN_SHOWN = "DE89 3704 0044 0532 0130 00"
PROPOSED = "GB82WEST12345698765432"


def second_admin() -> User:
    """Another administrator, made once: the one who confirms (or proposes)."""
    user = db.session.scalar(db.select(User).filter_by(email="second-admin@example.org"))
    if user is None:
        user = User(
            email="second-admin@example.org",
            name="Sam Second",
            role="admin",
            password_hash=hash_password(PASSWORD),
        )
        db.session.add(user)
        db.session.commit()
    return user


def bank_details_for(partner, admin: User) -> tuple[BankAccount, BankDetailsChange]:
    """Details on file (proposed by the second administrator, confirmed by `admin`)
    and a change the second administrator proposed, waiting for `admin`."""
    other = second_admin()
    details = BankDetails(f"{partner.name}", "Deutsche Bank", IBAN, "EUR", "DEUTDEFF")
    account = confirm_change(admin, partner, propose_change(other, partner, details, "Letter"))
    new = BankDetails(f"{partner.name}", "Barclays", PROPOSED, "GBP")
    change = propose_change(other, partner, new, "Moved banks")
    db.session.commit()
    return account, change


@pytest.fixture
def bank(world):
    return bank_details_for(world.a.partner, world.admin)


def bank_rows() -> dict:
    """The bank tables and the bank events of the audit trail (logins change other rows)."""
    rows = snapshot()
    events = [e for e in rows["audit_events"] if "bank" in str(e).lower()]
    return {
        "accounts": rows["bank_accounts"],
        "changes": rows["bank_details_changes"],
        "events": events,
    }


def _full_numbers(text: str) -> list[str]:
    compact = re.sub(r"\s", "", text)
    return [n for n in (IBAN, PROPOSED) if n in compact]


def _pages(world, bank) -> list[str]:
    account, change = bank
    pid = world.a.partner.id
    return [
        f"/partners/{pid}",
        f"/partners/{pid}/bank/change",
        f"/partners/{pid}/bank/changes/{change.id}",
        "/partners",
        "/organisation",
        "/organisation/history",
        "/export/partners",
    ]


def test_managers_and_partners_are_refused_every_bank_route(world, bank, login):
    account, change = bank
    pid = world.a.partner.id
    before = bank_rows()
    for who in (world.manager, world.a.focal, world.b.focal):
        client = login(who.email)
        token = token_for(client)
        for path in (f"/partners/{pid}/bank/change", f"/partners/{pid}/bank/changes/{change.id}"):
            assert client.get(path).status_code in (403, 404), (who.email, path)
        for path in (
            f"/partners/{pid}/bank/change",
            f"/partners/{pid}/bank/changes/{change.id}/confirm",
            f"/partners/{pid}/bank/changes/{change.id}/cancel",
            f"/partners/{pid}/bank/changes/{change.id}/reveal",
            f"/partners/{pid}/bank/reveal",
        ):
            data = {"csrf_token": token, "holder": "Me", "bank": "Mine", "reason": "Mine"}
            response = client.post(path, data=data | {"account_number": IBAN, "currency": "EUR"})
            assert response.status_code in (403, 404), (who.email, path)
            assert not _full_numbers(response.get_data(as_text=True))
    assert bank_rows() == before


def test_no_page_shows_a_full_number_to_anyone(world, bank, login):
    world.admin.can_export = True
    db.session.commit()
    for who in (world.admin, second_admin(), world.manager, world.a.focal):
        client = login(who.email)
        for path in _pages(world, bank):
            for headers in ({}, {"HX-Request": "true"}):
                response = client.get(path, headers=headers)
                text = response.get_data(as_text=True)
                assert not _full_numbers(text), (who.email, path)
                if who.is_admin and path == f"/partners/{world.a.partner.id}":
                    assert "•••• •••• 3000" in text and "•••• •••• 5432" in text


def test_the_partner_page_shows_bank_details_to_administrators_only(world, bank, login):
    pid = world.a.partner.id
    admin_page = login(world.admin.email).get(f"/partners/{pid}").get_data(as_text=True)
    assert 'data-testid="bank-details-section"' in admin_page
    assert "Bank details confirmed" in admin_page  # the history, masked
    manager_page = login(world.manager.email).get(f"/partners/{pid}").get_data(as_text=True)
    assert "bank-details-section" not in manager_page
    assert "Bank details" not in manager_page and "Deutsche Bank" not in manager_page
    history = login(world.a.focal.email).get("/organisation/history").get_data(as_text=True)
    assert "Bank" not in history and "3000" not in history


def test_revealing_shows_the_full_number_once_and_is_audited(world, bank, login):
    account, change = bank
    client = login(world.admin.email)
    pid = world.a.partner.id
    response = client.post(
        f"/partners/{pid}/bank/reveal",
        data={"csrf_token": token_for(client)},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert IBAN_SHOWN in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    response = client.post(
        f"/partners/{pid}/bank/changes/{change.id}/reveal", data={"csrf_token": token_for(client)}
    )
    assert "GB82 WEST 1234 5698 7654 32" in response.get_data(as_text=True)  # a plain page too
    events = db.session.scalars(
        db.select(AuditEvent).filter_by(action="bank_details_revealed").order_by(AuditEvent.id)
    ).all()
    assert [(e.actor_id, e.object_type) for e in events] == [
        (world.admin.id, "BankAccount"),
        (world.admin.id, "BankDetailsChange"),
    ]
    # Without its token a reveal shows nothing and records nothing.
    assert client.post(f"/partners/{pid}/bank/reveal").status_code == 400


def test_the_second_administrator_confirms_and_the_proposer_is_refused(world, bank, login):
    account, change = bank
    pid = world.a.partner.id
    proposer = login(second_admin().email)
    page = proposer.get(f"/partners/{pid}/bank/changes/{change.id}").get_data(as_text=True)
    assert "confirm-bank-change" not in page and "another administrator must confirm" in page
    response = proposer.post(
        f"/partners/{pid}/bank/changes/{change.id}/confirm",
        data={"csrf_token": token_for(proposer)},
    )
    assert response.status_code == 422
    assert "You proposed this change: another administrator must confirm it." in response.get_data(
        as_text=True
    )
    db.session.expire_all()
    assert db.session.get(BankDetailsChange, change.id).status == "pending"

    admin = login(world.admin.email)
    response = admin.post(
        f"/partners/{pid}/bank/changes/{change.id}/confirm", data={"csrf_token": token_for(admin)}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(BankAccount, account.id).account_number == PROPOSED


def test_a_bad_iban_is_refused_next_to_its_field_and_nothing_is_saved(world, login):
    client = login(world.admin.email)
    pid = world.b.partner.id
    before = snapshot()
    form = {
        "csrf_token": token_for(client),
        "holder": "Bravo Relief Network",
        "bank": "Deutsche Bank",
        "account_number": "DE89 3704 0044 0532 0130 01",
        "currency": "EUR",
        "reason": "Letter",
    }
    response = client.post(f"/partners/{pid}/bank/change", data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    field = html[
        html.index('for="account_number"') - 200 : html.index('for="account_number"') + 900
    ]
    assert "has-error" in field and "check digits are wrong" in field
    response = client.post(
        f"/partners/{pid}/bank/change", data=form | {"currency": "XYZ", "account_number": IBAN}
    )
    assert response.status_code == 422 and "ISO 4217" in response.get_data(as_text=True)
    assert snapshot() == before

    response = client.post(f"/partners/{pid}/bank/change", data=form | {"account_number": IBAN})
    assert response.status_code == 302
    change = db.session.scalar(db.select(BankDetailsChange).filter_by(partner_id=pid))
    assert (change.status, change.account_number) == ("pending", IBAN)


# --- the partner export ---------------------------------------------------------


def _sheet(client) -> list[dict]:
    data = {"csrf_token": token_for(client), "format": "xlsx", "reason": "Payments run"}
    response = client.post("/export/partners", data=data)
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    header = [c.value for c in sheet[1]]
    return [
        dict(zip(header, [c.value for c in row], strict=True)) for row in sheet.iter_rows(min_row=2)
    ]


def test_the_partner_export_has_what_the_payment_system_cross_references(world, bank, login):
    db.session.add(DataSet(id="QX4ZTUbOt3a", name="Reproductive health", period_type="Monthly"))
    add_assignment(
        world.admin,
        world.a.partner,
        data_set_id="QX4ZTUbOt3a",
        purpose="paid_on",
        starts_on=date(2025, 1, 1),
        ends_on=date(2025, 12, 31),
    )
    db.session.add(
        Coverage(
            partner_id=world.a.partner.id,
            nationwide=True,
            starts_on=date(2024, 3, 1),
            ends_on=date(2024, 12, 31),
        )
    )
    for user in (world.admin, world.manager):
        user.can_export = True
    db.session.commit()

    rows = {r["Partner"]: r for r in _sheet(login(world.admin.email))}
    a = rows[world.a.partner.name]
    assert a["Partner id"] == world.a.partner.id
    assert a["Coverage with dates"] == "Whole country (2024-03-01 – 2024-12-31)"  # ended, kept
    assert a["Data sets with dates"] == (
        "Reproductive health [QX4ZTUbOt3a], paid on (2025-01-01 – 2025-12-31)"
    )
    assert (a["IBAN or account number"], a["Currency"], a["BIC"]) == (IBAN, "EUR", "DEUTDEFF")
    assert rows[world.b.partner.name]["IBAN or account number"] is None
    event = db.session.scalar(
        db.select(AuditEvent)
        .where(AuditEvent.action.like("%_exported"))
        .order_by(AuditEvent.id.desc())
    )
    assert "with bank details" in str(event.changes)

    manager_rows = _sheet(login(world.manager.email))
    assert "Data sets with dates" in manager_rows[0] and "Partner id" in manager_rows[0]
    assert not {"IBAN or account number", "Bank", "Account holder"} & set(manager_rows[0])


# --- for the shared walks (tests/web/test_permissions.py, test_hostile_input.py) ---

WALK_DATA_SETS = (("QX4ZTUbOt3a", "Reproductive health"), ("BfMAe6Itzgt", "Child health"))


def payments_of(partners, admin: User) -> None:
    """Each partner gets bank details on file, a change waiting for `admin`, and
    a data-set assignment: the rows the finance and assignment routes take."""
    for uid, name in WALK_DATA_SETS:
        if db.session.get(DataSet, uid) is None:
            db.session.add(DataSet(id=uid, name=name, period_type="Monthly"))
    for partner in partners:
        bank_details_for(partner, admin)
        add_assignment(
            admin,
            partner,
            data_set_id=WALK_DATA_SETS[0][0],
            purpose="reports",
            starts_on=date(2026, 1, 1),
        )
    db.session.commit()


def change_id_of(partner) -> int:
    return db.session.scalar(
        db.select(BankDetailsChange.id)
        .filter_by(partner_id=partner.id)
        .order_by(BankDetailsChange.id.desc())
        .limit(1)
    )


def assignment_id_of(partner) -> int:
    return db.session.scalar(
        db.select(DataSetAssignment.id)
        .filter_by(partner_id=partner.id)
        .order_by(DataSetAssignment.id)
    )
