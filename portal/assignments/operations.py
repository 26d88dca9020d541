"""Assigning data sets to a partner and ending assignments, each audited with
the partner's id. Callers commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from flask_babel import gettext
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import contains_eager

from portal.assignments.models import PURPOSES, DataSet, DataSetAssignment
from portal.core import audit
from portal.core.access import may_change_records, require
from portal.core.clock import local_today
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.filters import day
from portal.models import Partner, User

REASON_MAX = 2000


def assignments_of(partner_id: int) -> list[DataSetAssignment]:
    """Every assignment of a partner, current and ended, by start (one query)."""
    return list(
        db.session.scalars(
            select(DataSetAssignment)
            .join(DataSetAssignment.data_set)
            .options(contains_eager(DataSetAssignment.data_set))
            .where(DataSetAssignment.partner_id == partner_id)
            .order_by(DataSetAssignment.starts_on, DataSet.name, DataSetAssignment.id)
        )
    )


def current_assignments(partner_ids: Sequence[int]) -> dict[int, list[DataSetAssignment]]:
    """Each partner's current assignments (not ended before today), in one query."""
    found: dict[int, list[DataSetAssignment]] = {pid: [] for pid in partner_ids}
    if not partner_ids:
        return found
    today = local_today()
    rows = db.session.scalars(
        select(DataSetAssignment)
        .join(DataSetAssignment.data_set)
        .options(contains_eager(DataSetAssignment.data_set))
        .where(
            DataSetAssignment.partner_id.in_(list(partner_ids)),
            or_(DataSetAssignment.ends_on.is_(None), DataSetAssignment.ends_on >= today),
        )
        .order_by(DataSetAssignment.starts_on, DataSet.name, DataSetAssignment.id)
    )
    for assignment in rows:
        found[assignment.partner_id].append(assignment)
    return found


def _reason(reason: str, required: bool) -> str | None:
    reason = (reason or "").strip()
    if required and not reason:
        raise DomainError(gettext("Say why (it is kept in the partner's history)."), "reason")
    if len(reason) > REASON_MAX:
        raise DomainError(
            gettext("The reason is longer than %(max)d characters.", max=REASON_MAX), "reason"
        )
    return reason or None


def check_new(
    partner: Partner,
    data_set_id: str,
    purpose: str,
    starts_on: date,
    ends_on: date | None,
    field: str = "data_set",
) -> DataSet:
    """The rules a new assignment must pass, each naming its field."""
    data_set = db.session.get(DataSet, data_set_id) if data_set_id else None
    if data_set is None:
        raise DomainError(gettext("Choose a data set from the list."), field)
    if purpose not in PURPOSES:
        raise DomainError(gettext("Choose what the partner does with this data set."), "purpose")
    if starts_on is None:
        raise DomainError(gettext("Enter the date the assignment starts."), "starts_on")
    if ends_on is not None and ends_on < starts_on:
        raise DomainError(gettext("The end date is before the start date."), "ends_on")
    overlapping = db.session.scalar(
        select(DataSetAssignment.id).where(
            DataSetAssignment.partner_id == partner.id,
            DataSetAssignment.data_set_id == data_set.id,
            or_(DataSetAssignment.ends_on.is_(None), DataSetAssignment.ends_on >= starts_on),
            *([DataSetAssignment.starts_on <= ends_on] if ends_on else []),
        )
    )
    if overlapping is not None:
        raise DomainError(
            gettext(
                "%(partner)s is already assigned %(data_set)s for these dates: "
                "end that assignment first.",
                partner=partner.display_name,
                data_set=data_set.name,
            ),
            field,
        )
    return data_set


def add_assignment(
    actor: User,
    partner: Partner,
    *,
    data_set_id: str,
    purpose: str,
    starts_on: date,
    ends_on: date | None = None,
    note: str = "",
    reason: str = "",
) -> DataSetAssignment:
    require(may_change_records(actor))
    reason_text = _reason(reason, required=False)
    data_set = check_new(partner, data_set_id, purpose, starts_on, ends_on)
    assignment = DataSetAssignment(
        partner_id=partner.id,
        data_set=data_set,
        purpose=purpose,
        starts_on=starts_on,
        ends_on=ends_on,
        note=(note or "").strip()[:1000],
        created_by_id=actor.id,
    )
    db.session.add(assignment)
    db.session.flush()
    audit.record(
        actor,
        "data_set_assigned",
        assignment,
        partner_id=partner.id,
        changes={"data_set": (None, data_set.name)}
        | audit.created(assignment, ["purpose", "starts_on", "ends_on", "note"]),
        reason=reason_text,
    )
    return assignment


def _end(actor: User, partner: Partner, assignment: DataSetAssignment, on: date, reason) -> None:
    before = assignment.ends_on
    assignment.ends_on = max(assignment.starts_on, on)
    audit.record(
        actor,
        "data_set_assignment_ended",
        assignment,
        partner_id=partner.id,
        changes={"ends_on": (before, assignment.ends_on)},
        reason=reason,
    )


def end_assignment(
    actor: User, partner: Partner, assignment: DataSetAssignment, on: date, reason: str
) -> None:
    """End one assignment on `on` (the last day it counts), with the reason."""
    require(may_change_records(actor))
    reason_text = _reason(reason, required=True)
    if on is None:
        raise DomainError(gettext("Enter the last day of the assignment."), "ends_on")
    if on < assignment.starts_on:
        raise DomainError(
            gettext(
                "The assignment starts on %(day)s: it cannot end before.",
                day=day(assignment.starts_on),
            ),
            "ends_on",
        )
    if assignment.ends_on is not None and assignment.ends_on < local_today():
        raise DomainError(gettext("This assignment has ended already."), "ends_on")
    _end(actor, partner, assignment, on, reason_text)


def end_assignments(actor: User, partner: Partner, on: date, reason: str) -> int:
    """End every data-set assignment of the partner still running on `on` (never
    before its start), audited; returns how many. For the programme exit."""
    require(may_change_records(actor))
    running = db.session.scalars(
        select(DataSetAssignment)
        .where(
            DataSetAssignment.partner_id == partner.id,
            # Running past `on`; one that starts later already ends on its first day.
            or_(
                DataSetAssignment.ends_on.is_(None),
                and_(
                    DataSetAssignment.ends_on > on,
                    DataSetAssignment.ends_on > DataSetAssignment.starts_on,
                ),
            ),
        )
        .order_by(DataSetAssignment.id)
    ).all()
    for assignment in running:
        _end(actor, partner, assignment, on, (reason or "").strip() or None)
    return len(running)
