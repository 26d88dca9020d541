"""Submissions as an export: every uploaded version with its review, for a
period of uploads (the KPI pages' periods) — what Power BI and Excel count
documents, rounds and turnaround from. Metadata only: never the file."""

from __future__ import annotations

from datetime import time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.core import periods
from portal.core.clock import local_today, to_utc
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.filters import STATUS_LABELS
from portal.exports import Column, Table, exportable
from portal.models import Accreditation, Submission

COLUMNS = (
    Column("Partner"),
    Column("Template"),
    Column("Requirement"),
    Column("Version", "int"),
    Column("Status"),
    Column("Uploaded", "datetime"),
    Column("Reviewed", "datetime"),
    Column("Reason sent back"),
    Column("File type"),
    Column("Size (bytes)", "int"),
    Column("SHA-256"),
)


@exportable("submissions", "Submissions")
def submissions_table(args) -> Table:
    """The uploads of `period` (default: the current fiscal year)."""
    start = periods.fiscal_start()
    try:
        period = periods.parse(args.get("period", ""), start) if args.get("period") else None
    except DomainError:
        period = None
    period = period or periods.fiscal_year_of(local_today(), start)
    rows = db.session.scalars(
        select(Submission)
        .where(
            Submission.uploaded_at >= to_utc(period.start, time(0)),
            Submission.uploaded_at < to_utc(period.end + timedelta(days=1), time(0)),
        )
        .options(
            joinedload(Submission.accreditation).joinedload(Accreditation.partner),
            joinedload(Submission.accreditation).joinedload(Accreditation.template),
            joinedload(Submission.requirement),
            joinedload(Submission.change_reason),
        )
        .order_by(Submission.uploaded_at, Submission.id)
    ).all()
    return Table(COLUMNS, [_row(s) for s in rows], filters=f"uploads in {period.label}")


def _row(submission: Submission) -> tuple:
    accreditation = submission.accreditation
    return (
        accreditation.partner.name,
        accreditation.template.name,
        submission.requirement.name,
        submission.version,
        STATUS_LABELS.get(submission.status, submission.status),
        submission.uploaded_at,
        submission.reviewed_at,
        submission.change_reason.label if submission.change_reason else None,
        submission.content_type,
        submission.size,
        submission.sha256,
    )
