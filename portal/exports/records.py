"""The audit trail of exports: who took which rows out of the portal, and why."""

from portal.core import audit
from portal.core.extensions import db
from portal.exports.tables import Export, Table
from portal.models import User


def record_export(actor: User, export: Export, table: Table, fmt: str, reason: str) -> None:
    what = f"{table.rows_written} rows of {export.title} as {fmt.upper()}"
    if table.filters:
        what += f"; {table.filters}"
    audit.record(
        actor,
        f"{export.name.replace('-', '_')}_exported",
        actor,
        partner_id=None,
        changes={"exported": (None, what)},
        reason=reason.strip(),
    )
    db.session.commit()
