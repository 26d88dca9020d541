"""Moving deadlines and waiving requirements: staff decisions that change what a
partner owes and when, so each needs a reason and is audited."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from flask_babel import gettext

from portal.accreditation.lifecycle import advance
from portal.core import audit
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.filters import day
from portal.core.translated import translated
from portal.models import ChecklistItem, Milestone, User, utcnow


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            gettext("Give a reason: the partner and the audit trail see it."), field="reason"
        )
    return reason


def _still_running(accreditation) -> None:
    if accreditation.closed:
        raise DomainError(gettext("This accreditation was closed; its deadlines are closed."))
    if accreditation.decision is not None:
        raise DomainError(
            gettext("This accreditation has its final decision; its deadlines are closed.")
        )


def move_deadlines(
    actor: User, items: Sequence[ChecklistItem], due_on: date | None, reason: str
) -> int:
    """Give checklist items a new due date, with one reason; how many moved."""
    reason = _reason(reason)
    if due_on is None:
        raise DomainError(gettext("Choose the new due date."), field="due_on")
    if not items:
        raise DomainError(gettext("Choose at least one deadline to move."))
    moved = 0
    for item in items:
        _still_running(item.accreditation)
        if due_on < item.accreditation.started_on:
            raise DomainError(
                gettext(
                    "%(document)s: a deadline cannot be before the accreditation started"
                    " (%(day)s).",
                    document=translated(item.requirement, "name"),
                    day=day(item.accreditation.started_on),
                ),
                field="due_on",
            )
        if item.due_on == due_on:
            continue
        audit.record(
            actor,
            "deadline_moved",
            item.requirement,
            partner_id=item.accreditation.partner_id,
            changes={"due_on": (item.due_on, due_on)},
            reason=reason,
        )
        item.due_on = due_on
        moved += 1
    db.session.commit()
    return moved


def move_milestone(actor: User, milestone: Milestone, due_on: date | None, reason: str) -> None:
    """Move a stage's due date; its documents due later than the new date follow it."""
    reason = _reason(reason)
    if due_on is None:
        raise DomainError(gettext("Choose the new due date."), field="due_on")
    accreditation = milestone.accreditation
    _still_running(accreditation)
    if milestone.completed_at is not None:
        raise DomainError(
            gettext("%(stage)s is already complete.", stage=translated(milestone, "name"))
        )
    if due_on < accreditation.started_on:
        raise DomainError(
            gettext("A deadline cannot be before the accreditation started."), field="due_on"
        )
    audit.record(
        actor,
        "deadline_moved",
        milestone,
        partner_id=accreditation.partner_id,
        changes={"due_on": (milestone.due_on, due_on)},
        reason=reason,
    )
    for item in accreditation.items:
        if item.milestone_id == milestone.id and item.due_on > due_on:
            item.due_on = due_on
    milestone.due_on = due_on
    db.session.commit()


def mark_not_applicable(actor: User, item: ChecklistItem, reason: str) -> None:
    """Waive a requirement for this accreditation: it no longer counts towards completion."""
    reason = _reason(reason)
    _still_running(item.accreditation)
    if item.not_applicable:
        raise DomainError(
            gettext(
                "%(document)s is already marked not applicable.",
                document=translated(item.requirement, "name"),
            )
        )
    item.not_applicable_at = utcnow()
    item.not_applicable_by_id = actor.id
    item.not_applicable_reason = reason
    audit.record(
        actor,
        "requirement_not_applicable",
        item.requirement,
        partner_id=item.accreditation.partner_id,
        changes={"not_applicable": (False, True)},
        reason=reason,
    )
    advance(actor, item.accreditation)
    db.session.commit()


def mark_applicable(actor: User, item: ChecklistItem, reason: str) -> None:
    """Undo a waiver."""
    reason = _reason(reason)
    _still_running(item.accreditation)
    if not item.not_applicable:
        raise DomainError(
            gettext("%(document)s already applies.", document=translated(item.requirement, "name"))
        )
    item.not_applicable_at = item.not_applicable_by_id = item.not_applicable_reason = None
    audit.record(
        actor,
        "requirement_applicable",
        item.requirement,
        partner_id=item.accreditation.partner_id,
        changes={"not_applicable": (True, False)},
        reason=reason,
    )
    db.session.commit()
