"""What the pages show of agreements, built in a fixed number of queries
(template globals: the partials are included in pages that already checked
who may see the partner)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import selectinload

from portal.core.clock import local_today
from portal.core.extensions import db
from portal.models import Agreement, Obligation, Partner
from portal.obligations import bp
from portal.obligations.observation import (
    Occurrence,
    current,
    last_observation,
    loaded_obligations,
    occurrences,
)

# "Coming due": reminded and listed as an action this many days ahead.
COMING_DAYS = 14
SHOWN_OCCURRENCES = 12


@dataclass
class ObligationRow:
    obligation: Obligation
    occurrences: list[Occurrence]  # newest first, the last SHOWN_OCCURRENCES
    current: Occurrence | None
    last: Occurrence | None


@dataclass
class AgreementView:
    agreement: Agreement
    rows: list[ObligationRow]

    def side(self, side: str) -> list[ObligationRow]:
        return [r for r in self.rows if r.obligation.side == side]


@bp.app_template_global()
def agreements_of_partner(partner_id: int) -> list[AgreementView]:
    """The partner's agreements, newest first, each obligation with its occurrences
    (five queries at most, however many agreements and obligations)."""
    today = local_today()
    agreements = db.session.scalars(
        db.select(Agreement)
        .where(Agreement.partner_id == partner_id)
        .options(selectinload(Agreement.documents))
        .order_by(Agreement.starts_on.desc(), Agreement.id.desc())
    ).all()
    obligations = loaded_obligations(Agreement.partner_id == partner_id)
    found = occurrences(obligations, today)
    rows: dict[int, list[ObligationRow]] = {a.id: [] for a in agreements}
    for o in obligations:
        listed = found[o.id]
        rows[o.agreement_id].append(
            ObligationRow(
                o,
                list(reversed(listed))[:SHOWN_OCCURRENCES],
                current(listed, today),
                last_observation(listed),
            )
        )
    return [AgreementView(a, rows[a.id]) for a in agreements]


def _due(side: str, today: date, *conditions) -> list[Occurrence]:
    """The side's occurrences that ask for action: coming due within COMING_DAYS,
    overdue or missed; soonest first."""
    obligations = loaded_obligations(
        Obligation.side == side,
        Obligation.ended_on.is_(None),
        Agreement.partner.has(Partner.status == "active"),
        *conditions,
    )
    found = occurrences(obligations, today)
    horizon = today + timedelta(COMING_DAYS)
    due = [
        x
        for o in obligations
        for x in found[o.id]
        if x.status in ("pending", "missed") and x.due_on <= horizon
    ]
    return sorted(due, key=lambda x: (x.due_on, x.obligation.id))


@bp.app_template_global()
def programme_obligations_due() -> list[Occurrence]:
    """For staff's My actions: the programme's obligations coming due or missed."""
    return _due("programme", local_today())


@bp.app_template_global()
def partner_obligations_due(partner_id: int) -> list[Occurrence]:
    """For the partner's outstanding actions: its own obligations coming due or missed."""
    return _due("partner", local_today(), Agreement.partner_id == partner_id)
