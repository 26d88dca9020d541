"""Concerns as the partnership's health and the staff's lists read them: the open
ones of many partners at once, counts per partner, and those past their deadline.
Each is one or two statements however many partners and concerns there are."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from portal.concerns import path
from portal.core.access import concerns_of
from portal.core.clock import local_day, to_utc
from portal.core.extensions import db
from portal.models import Concern, User

RESOLVED = ("confirmed", "not_contested", "final_decision")


@dataclass
class OpenConcern:
    concern: Concern
    step_label: str
    age_days: int  # calendar days since it was raised
    overdue: bool
    due_on: date | None

    @property
    def due_label(self) -> str:
        return path.DUE_FOR.get(self.concern.step, "")

    @property
    def waits_for(self) -> str | None:
        return path.waits_for(self.concern.step)


def _open(concern: Concern, today: date) -> OpenConcern:
    return OpenConcern(
        concern,
        path.STEPS[concern.step],
        (today - local_day(concern.raised_at)).days,
        path.overdue(concern.step, concern.due_on, today),
        concern.due_on,
    )


def open_concerns(
    viewer: User, partner_ids: Sequence[int], today: date
) -> dict[int, list[OpenConcern]]:
    """Per partner, the concerns not closed or withdrawn that `viewer` may see,
    the oldest first (one statement; every partner asked for has a list)."""
    found: dict[int, list[OpenConcern]] = {pid: [] for pid in partner_ids}
    if not partner_ids:
        return found
    concerns = db.session.scalars(
        concerns_of(viewer)
        .where(Concern.partner_id.in_(list(partner_ids)), Concern.step.in_(path.OPEN_STEPS))
        .options(selectinload(Concern.partner))
        .order_by(Concern.raised_at, Concern.id)
    ).all()
    for concern in concerns:
        found[concern.partner_id].append(_open(concern, today))
    return found


def concern_counts(
    partner_ids: Sequence[int], since: date, *, viewer: User | None = None
) -> dict[int, dict]:
    """Per partner: raised since `since`, resolved since `since` (closed with an
    outcome: confirmed, not contested or the final word; not withdrawn nor closed
    at exit), and open now. One grouped statement. With `viewer`, only the
    concerns they may see are counted (a manager's counts leave confidential ones out)."""
    counts = {pid: {"raised": 0, "resolved": 0, "open": 0} for pid in partner_ids}
    if not partner_ids:
        return counts
    source = (concerns_of(viewer) if viewer is not None else select(Concern)).subquery()
    start = local_day_start(since)
    query = (
        select(
            source.c.partner_id,
            func.sum(case((source.c.raised_at >= start, 1), else_=0)),
            func.sum(
                case(
                    ((source.c.closed_at >= start) & source.c.closed_how.in_(RESOLVED), 1),
                    else_=0,
                )
            ),
            func.sum(case((source.c.step.in_(path.OPEN_STEPS), 1), else_=0)),
        )
        .where(source.c.partner_id.in_(list(partner_ids)))
        .group_by(source.c.partner_id)
    )
    for partner_id, raised, resolved, open_now in db.session.execute(query):
        counts[partner_id] = {
            "raised": int(raised or 0),
            "resolved": int(resolved or 0),
            "open": int(open_now or 0),
        }
    return counts


def local_day_start(day: date):
    """The UTC instant the programme's `day` begins."""
    return to_utc(day, time.min)


def past_deadline(viewer: User, today: date, limit: int = 50) -> list[OpenConcern]:
    """The concerns waiting for the administrators past their step's deadline,
    the longest overdue first: the board's and My actions' list (one statement
    and one for the partners)."""
    concerns = db.session.scalars(
        concerns_of(viewer)
        .where(Concern.step.in_(path.PROGRAMME_STEPS), Concern.due_on < today)
        .options(selectinload(Concern.partner))
        .order_by(Concern.due_on, Concern.id)
        .limit(limit)
    ).all()
    return [_open(c, today) for c in concerns]
