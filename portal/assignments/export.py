"""What the payment system needs from the partner export to cross-reference a
partner: its coverage and data-set assignments with their dates (ended ones
too, so a late invoice for a past quarter can still be matched), and its bank
details for those who may see them. The portal computes no tariff or invoice.

One cell per kind, entries as "name (start – end)" in ISO dates, "; " between:
the export stays one row per partner (the list's shape), and a cell splits
cleanly in a spreadsheet or a script."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.assignments.models import PURPOSES, DataSet, DataSetAssignment
from portal.core.extensions import db
from portal.exports import Column
from portal.finance.models import BankAccount
from portal.models import Coverage

# After the list's columns, so files read by column position keep working.
ASSIGNMENT_COLUMNS = (
    Column("Partner id", "int"),
    Column("Coverage with dates"),
    Column("Data sets with dates"),
)
BANK_COLUMNS = (
    Column("Account holder"),
    Column("Bank"),
    Column("IBAN or account number"),
    Column("BIC"),
    Column("Currency"),
)


def _dated(name: str, starts_on, ends_on) -> str:
    return f"{name} ({starts_on.isoformat()} – {ends_on.isoformat() if ends_on else ''})"


def payment_cells(partner_ids: Sequence[int], bank: bool) -> dict[int, tuple]:
    """The extra cells of each partner's row, in three or four queries per chunk."""
    ids = list(partner_ids)
    coverage: dict[int, list[str]] = {pid: [] for pid in ids}
    for cover in db.session.scalars(
        select(Coverage)
        .where(Coverage.partner_id.in_(ids))
        .options(selectinload(Coverage.org_unit), selectinload(Coverage.org_unit_group))
        .order_by(Coverage.starts_on, Coverage.id)
    ):
        coverage[cover.partner_id].append(_dated(cover.target_name, cover.starts_on, cover.ends_on))
    data_sets: dict[int, list[str]] = {pid: [] for pid in ids}
    for assignment, name in db.session.execute(
        select(DataSetAssignment, DataSet.name)
        .join(DataSet, DataSet.id == DataSetAssignment.data_set_id)
        .where(DataSetAssignment.partner_id.in_(ids))
        .order_by(DataSetAssignment.starts_on, DataSet.name, DataSetAssignment.id)
    ):
        purpose = PURPOSES.get(assignment.purpose, assignment.purpose).lower()  # English
        label = f"{name} [{assignment.data_set_id}], {purpose}"
        data_sets[assignment.partner_id].append(
            _dated(label, assignment.starts_on, assignment.ends_on)
        )
    accounts = {}
    if bank:
        accounts = {
            a.partner_id: a
            for a in db.session.scalars(select(BankAccount).where(BankAccount.partner_id.in_(ids)))
        }
    cells = {}
    for pid in ids:
        row = (pid, "; ".join(coverage[pid]) or None, "; ".join(data_sets[pid]) or None)
        if bank:
            a = accounts.get(pid)
            row += (a.holder, a.bank, a.account_number, a.bic, a.currency) if a else (None,) * 5
        cells[pid] = row
    return cells
