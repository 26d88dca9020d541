"""The progress reports as sent: the staff list and a partner's own."""

from __future__ import annotations

from sqlalchemy.orm import joinedload

from portal.core.extensions import db
from portal.models import ProgressReport


def sent_reports(period: str = ""):
    """A select of sent reports, newest first, with what the list shows loaded."""
    query = (
        db.select(ProgressReport)
        .options(
            joinedload(ProgressReport.partner),
            joinedload(ProgressReport.sent_by),
            joinedload(ProgressReport.email),
        )
        .order_by(ProgressReport.id.desc())
    )
    if period:
        query = query.where(ProgressReport.period == period)
    return query


def sent_periods() -> list[str]:
    """The periods reports were sent for, newest first (for the list's filter)."""
    return list(
        db.session.scalars(
            db.select(ProgressReport.period).distinct().order_by(ProgressReport.period.desc())
        )
    )


def reports_of_partner(partner_id: int) -> list[ProgressReport]:
    return list(
        db.session.scalars(
            db.select(ProgressReport)
            .where(ProgressReport.partner_id == partner_id)
            .order_by(ProgressReport.created_at.desc(), ProgressReport.id.desc())
        )
    )
