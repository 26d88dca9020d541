"""The concerns list as an export (CSV or Excel): the rows of the list's filters,
every one the exporting person may see, so confidential concerns go to the
administrators only. Descriptions go too: the export is audited (portal/exports)."""

from __future__ import annotations

from flask import url_for
from flask_login import current_user

from portal.concerns import path
from portal.concerns.analytics import Filters, listing
from portal.core.clock import local_day, local_today
from portal.core.english import english
from portal.exports import Column, Table, exportable
from portal.models import Concern

COLUMNS = (
    Column("Concern", "int"),
    Column("Partner"),
    Column("Raised by (side)"),
    Column("Category"),
    Column("Confidential", "bool"),
    Column("Step"),
    Column("Deadline", "date"),
    Column("Past its deadline", "bool"),
    Column("Raised", "date"),
    Column("Acknowledged", "date"),
    Column("Decided", "date"),
    Column("Outcome"),
    Column("Closed", "date"),
    Column("How it ended"),
    Column("Contested", "int"),
    Column("Description"),
    Column("Remedy asked for"),
    Column("Redress agreed"),
    Column("Link"),
)
EVERY = 100_000


@exportable("concerns", "Concerns")
def concerns_table(args) -> Table:
    filters = Filters.parse(args)
    today = local_today()
    rows = [_row(c, today) for c in listing(current_user, filters, today, limit=EVERY)]
    return Table(
        COLUMNS, rows, filters=f"step={filters.step}, category={filters.category or 'all'}"
    )


def _day(at):
    return local_day(at) if at is not None else None


def _row(concern: Concern, today) -> tuple:
    return (
        concern.id,
        concern.partner.display_name,
        "Partner" if concern.raised_by_side == "partner" else "Programme team",
        english(concern.category_label),
        concern.confidential,
        english(path.STEPS[concern.step]),
        concern.due_on,
        path.overdue(concern.step, concern.due_on, today),
        _day(concern.raised_at),
        _day(concern.acknowledged_at),
        _day(concern.decided_at),
        english(concern.outcome_label),
        _day(concern.closed_at),
        english(path.CLOSED_HOW.get(concern.closed_how or "", "")),
        concern.contests,
        concern.description,
        concern.remedy,
        concern.redress or "",
        url_for("concerns.show", concern_id=concern.id, _external=True),
    )
