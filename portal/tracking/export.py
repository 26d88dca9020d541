"""The accreditation overview as an export: every row its filters match."""

from __future__ import annotations

from flask import url_for

from portal.exports import Column, Table, exportable
from portal.tracking.overview import Filters, OverviewRow, overview_rows

COLUMNS = (
    Column("Partner"),
    Column("Template"),
    Column("Current stage"),
    Column("Completion", "percent"),
    Column("Next due", "date"),
    Column("Overdue", "bool"),
    Column("Waiting for review", "int"),
    Column("Waiting since", "datetime"),
    Column("Reviewers"),
    Column("Decision"),
    Column("Accredited until", "date"),
    Column("Link"),
)
DECISIONS = {"accredited": "Accredited", "not_accredited": "Not accredited"}


@exportable("accreditations", "Accreditations")
def accreditations_table(args) -> Table:
    filters = Filters.from_args(args)
    rows = overview_rows(filters)
    described = ", ".join(f"{k}={v}" for k, v in filters.args(page=1).items())
    return Table(COLUMNS, map(_row, rows), filters=f"filters: {described or 'none'}")


def _row(row: OverviewRow) -> tuple:
    return (
        row.partner_name,
        row.template_name,
        row.stage or ("Decided" if row.decision else "Complete"),
        row.percent / 100,
        row.next_due,
        row.overdue,
        row.waiting,
        row.waiting_since,
        "; ".join(row.reviewers),
        DECISIONS.get(row.decision or "", ""),
        row.valid_until,
        url_for("accreditation.show", accreditation_id=row.accreditation_id, _external=True),
    )
