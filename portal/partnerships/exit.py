"""Programme exit: a guided close of a partner that leaves the programme. Its
coverage and data-set assignments end, its open obligations and concerns are
closed with a note, its logins end and its status becomes closed with the
reason for exit; one transaction, nothing deleted, everything still readable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext

from portal.assignments.operations import current_assignments, end_assignments
from portal.concerns.health import open_concerns
from portal.concerns.redress import close_open_concerns
from portal.core import audit
from portal.core.clock import local_today
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.models import Partner, User
from portal.obligations.observing import close_open_obligations
from portal.obligations.record import obligation_choices
from portal.partners.status import change_status


@dataclass
class ExitPlan:
    """What leaving ends, counted for the page that asks to confirm it."""

    coverage: int
    assignments: int
    logins: int
    obligations: int
    concerns: int


def plan(actor: User, partner: Partner) -> ExitPlan:
    return ExitPlan(
        coverage=sum(1 for c in partner.coverage if c.current),
        assignments=len(current_assignments([partner.id])[partner.id]),
        logins=sum(1 for u in partner.users if u.active),
        obligations=len(obligation_choices(partner.id)),
        concerns=len(open_concerns(actor, [partner.id], local_today())[partner.id]),
    )


def check_exit(partner: Partner, reason: str, note: str, effective_on: date | None) -> None:
    """Every refusal, before anything changes."""
    if partner.status in ("closed", "merged") or partner.merged_into_id:
        raise DomainError(
            gettext("%(partner)s has already left the programme.", partner=partner.name)
        )
    if partner.status == "prospective":
        raise DomainError(
            gettext(
                "%(partner)s is prospective: decide on its need check instead.",
                partner=partner.name,
            ),
            field="reason",
        )
    if not (reason or "").strip():
        raise DomainError(gettext("Say why the partner leaves the programme."), field="reason")
    if not (note or "").strip():
        raise DomainError(
            gettext("Write the note that closes its open obligations and concerns."), field="note"
        )
    if effective_on is None:
        raise DomainError(gettext("Enter the day the partner leaves."), field="effective_on")
    if effective_on > local_today():
        raise DomainError(
            gettext("Choose today or an earlier date: leaving applies when you confirm it."),
            field="effective_on",
        )


def exit_programme(
    actor: User, partner: Partner, *, reason: str, note: str, effective_on: date | None
) -> Partner:
    check_exit(partner, reason, note, effective_on)
    reason, note = reason.strip(), note.strip()
    ended = plan(actor, partner)
    try:
        ended_assignments = end_assignments(actor, partner, effective_on, reason)
        closed_obligations = close_open_obligations(actor, partner, note)
        closed_concerns = close_open_concerns(actor, partner, note)
        audit.record(
            actor,
            "programme_exit",
            partner,
            partner_id=partner.id,
            changes={
                "coverage ended": (None, ended.coverage or None),
                "data-set assignments ended": (None, ended_assignments or None),
                "logins ended": (None, ended.logins or None),
                "obligations closed": (None, closed_obligations or None),
                "concerns closed": (None, closed_concerns or None),
                "closing note": (None, note),
            },
            reason=reason,
        )
        # Ends coverage and logins, tells the programme team, and commits it all.
        change_status(actor, partner, "closed", reason=reason, effective_on=effective_on)
    except Exception:
        db.session.rollback()
        raise
    return partner
