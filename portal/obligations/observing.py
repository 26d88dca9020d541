"""Observing an occurrence by hand: the responsible side uploads its evidence,
or the other side confirms it was done; and closing every open obligation of a
partner that leaves the programme."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext
from werkzeug.datastructures import FileStorage

from portal.core import audit
from portal.core.access import may_manage_obligations, may_observe, require
from portal.core.clock import local_today
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.uploads import accepted_file
from portal.models import Agreement, Obligation, Observation, Partner, User
from portal.obligations import schedule
from portal.obligations.observation import HORIZON_DAYS, loaded_obligations, occurrences
from portal.obligations.sides import tell_other_side

MAX_NOTE = 2000


def _occurrence_due(obligation: Obligation, due_on: date | None, today: date) -> date:
    """`due_on` if it is one of the obligation's occurrences so far (or the next)."""
    if due_on is None:
        raise DomainError(gettext("Choose the occurrence observed."), field="due_on")
    agreement = obligation.agreement
    ends = [d for d in (obligation.ended_on, agreement.ends_on) if d]
    dates = schedule.due_dates(
        obligation.first_due_on,
        obligation.recurrence,
        today + timedelta(HORIZON_DAYS),
        min(ends) if ends else None,
    )
    if due_on not in dates:
        raise DomainError(gettext("That is not a due date of this obligation."), field="due_on")
    return due_on


def observe(
    actor: User,
    obligation: Obligation,
    due_on: date | None,
    note: str,
    upload: FileStorage | None = None,
) -> Observation:
    """Evidence (with its file) or a confirmation of one occurrence. One commit."""
    partner_id = obligation.agreement.partner_id
    require(may_observe(actor, obligation, partner_id))
    if not obligation.active:
        raise DomainError(gettext("This obligation has ended."))
    today = local_today()
    due_on = _occurrence_due(obligation, due_on, today)
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise DomainError(gettext("Keep the note under 2,000 characters."), field="note")
    taken = db.session.scalar(
        db.select(Observation.id).filter_by(obligation_id=obligation.id, due_on=due_on)
    )
    if taken:
        raise DomainError(gettext("This occurrence is already observed."), field="due_on")
    observation = Observation(
        obligation_id=obligation.id,
        obligation=obligation,
        due_on=due_on,
        kind=obligation.observed_by,
        note=note,
        observed_by_id=actor.id,
    )
    if obligation.observed_by == "evidence":
        with accepted_file(upload, partner_id=partner_id) as accepted:
            for key, value in accepted.columns.items():
                setattr(observation, key, value)
            _record(actor, observation, partner_id)
            db.session.commit()
        return observation
    if not note:
        raise DomainError(gettext("Say what you confirm (a line is enough)."), field="note")
    _record(actor, observation, partner_id)
    db.session.commit()
    return observation


def _record(actor: User, observation: Observation, partner_id: int) -> None:
    db.session.add(observation)
    audit.record(
        actor,
        "obligation_observed",
        observation,
        partner_id=partner_id,
        changes=audit.created(observation, ["due_on", "kind", "note", "filename"]),
    )
    what = "Evidence uploaded" if observation.kind == "evidence" else "Confirmed"
    tell_other_side(actor, partner_id, f"{what}: {observation.name}")


def close_open_obligations(actor: User, partner: Partner, note: str) -> int:
    """End every active obligation of the partner (nothing falls due after its
    occurrence under way) and close its open occurrences with `note`; audited. How many obligations
    ended. The caller commits (the programme exit closes more in one go)."""
    require(may_manage_obligations(actor))
    note = (note or "").strip()
    if not note:
        raise DomainError(gettext("Say why the obligations are closed."), field="note")
    today = local_today()
    active = loaded_obligations(Agreement.partner_id == partner.id, Obligation.ended_on.is_(None))
    found = occurrences(active, today)
    for obligation in active:
        ends_on = today
        for occurrence in found[obligation.id]:
            if occurrence.status == "pending" and occurrence.observation is None:
                # The occurrence under way stays on the record, closed.
                ends_on = max(ends_on, occurrence.due_on)
                db.session.add(
                    Observation(
                        obligation_id=obligation.id,
                        due_on=occurrence.due_on,
                        kind="closed",
                        note=note[:MAX_NOTE],
                        observed_by_id=actor.id,
                    )
                )
        obligation.ended_on = ends_on
        obligation.end_note = note
        audit.record(
            actor,
            "obligation_ended",
            obligation,
            partner_id=partner.id,
            changes={"ended_on": (None, ends_on)},
            reason=note,
        )
    return len(active)
