"""Each side's record of keeping its obligations, for the partnership's health,
and the list of a partner's obligations other forms choose from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from portal.core.extensions import db
from portal.models import Agreement, Obligation
from portal.obligations.models import SIDES
from portal.obligations.observation import loaded_obligations, occurrences


@dataclass
class SideRecord:
    """Occurrences due in the period and judged (closed ones, and those still
    within their grace, left out) and how they went."""

    due: int = 0
    on_time: int = 0
    late: int = 0
    missed: int = 0

    @property
    def share(self) -> float | None:
        return self.on_time / self.due if self.due else None


def side_records(
    partner_ids: Sequence[int], since: date, today: date
) -> dict[int, dict[str, SideRecord]]:
    """For each partner, per side ("programme", "partner"): its occurrences due from
    `since` to `today`. Three queries at most, however many partners."""
    records = {pid: {side: SideRecord() for side in SIDES} for pid in partner_ids}
    if not partner_ids:
        return records
    obligations = loaded_obligations(Agreement.partner_id.in_(list(partner_ids)))
    found = occurrences(obligations, today, since=since)
    for obligation in obligations:
        record = records[obligation.agreement.partner_id][obligation.side]
        for occurrence in found[obligation.id]:
            # Still pending (within its grace) is neither kept nor broken yet.
            if occurrence.due_on > today or occurrence.status in ("closed", "pending"):
                continue
            record.due += 1
            record.on_time += occurrence.status == "met"
            record.late += occurrence.status == "late"
            record.missed += occurrence.status == "missed"
    return records


def obligation_choices(partner_id: int) -> list[tuple[int, str]]:
    """The partner's active obligations as (id, "Programme: what is owed"), one query."""
    rows = db.session.scalars(
        db.select(Obligation)
        .join(Agreement, Agreement.id == Obligation.agreement_id)
        .where(Agreement.partner_id == partner_id, Obligation.ended_on.is_(None))
        .order_by(Obligation.side.desc(), Obligation.id)
    )
    return [(o.id, o.shown_label) for o in rows]
