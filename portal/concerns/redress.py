"""The domain operations of a concern: raising it, each step of its path, the
answers of either side, and closing what is open when a partner leaves. Each
checks who may, validates everything before it writes, records the step in the
concern's history and the audit trail, tells the people concerned, and commits
once (close_open_concerns and close_not_contested leave the commit to the caller)."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext
from werkzeug.datastructures import FileStorage

from portal.concerns import path
from portal.concerns.models import CATEGORIES, OUTCOMES
from portal.concerns.subjects import obligation_choices
from portal.concerns.telling import followers, on_raising, tell
from portal.core import audit
from portal.core.access import (
    may_answer_concern,
    may_raise_concern,
    may_respond_to_outcome,
    may_take_concern_step,
    require,
)
from portal.core.clock import local_day, local_today
from portal.core.english import english
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.uploads import accepted_file
from portal.models import Concern, ConcernEvent, Partner, User, utcnow


@dataclass
class ConcernDraft:
    category: str
    description: str
    remedy: str
    obligation_id: int | None = None
    confidential: bool = False


def side_of(user: User | None) -> str:
    if user is None:
        return "system"
    return "programme" if user.is_staff else "partner"


def _audit(actor: User | None, action: str, concern: Concern, before: str, reason=None):
    # A confidential concern stays out of the partner's History pages, which its
    # colleagues and the programme managers read: the administrators' audit log has it.
    audit.record(
        actor,
        action,
        concern,
        partner_id=None if concern.confidential else concern.partner_id,
        changes={"step": (before, concern.step)},
        reason=None if concern.confidential else reason,
    )


def _file(upload: FileStorage | None, partner_id: int):
    """The evidence, stored and checked, or nothing when none was chosen."""
    if upload is None or not upload.filename:
        return nullcontext(None)
    return accepted_file(upload, "evidence", partner_id=partner_id)


def _event(concern, actor, kind, text="", accepted=None) -> ConcernEvent:
    event = ConcernEvent(
        concern=concern,
        actor_id=actor.id if actor else None,
        side=side_of(actor),
        kind=kind,
        step=concern.step,
        text=text.strip(),
        **(accepted.columns if accepted else {}),
    )
    db.session.add(event)
    return event


def _check_draft(partner: Partner, draft: ConcernDraft) -> None:
    if draft.category not in CATEGORIES:
        raise DomainError(gettext("Choose a category from the list."), field="category")
    if not draft.description.strip():
        raise DomainError(gettext("Describe what the concern is about."), field="description")
    if not draft.remedy.strip():
        raise DomainError(gettext("Say what you ask for to put it right."), field="remedy")
    if draft.obligation_id is not None and draft.obligation_id not in dict(
        obligation_choices(partner.id)
    ):
        raise DomainError(
            gettext("Choose the partnership or one of its obligations."), field="subject"
        )


def raise_concern(
    actor: User,
    partner: Partner,
    draft: ConcernDraft,
    evidence: FileStorage | None = None,
    today: date | None = None,
) -> Concern:
    """Raise a concern; it never holds up the raiser's accreditation (nothing
    else reads it). Tells the other side and the administrators."""
    require(may_raise_concern(actor, partner.id), hidden=not actor.is_staff)
    require(partner.merged_into_id is None, hidden=True)
    _check_draft(partner, draft)
    if draft.confidential and actor.is_staff:
        raise DomainError(
            gettext(
                "Only a partner marks its concern confidential; the programme's are "
                "seen by the partner's people."
            ),
            field="confidential",
        )
    today = today or local_today()
    with _file(evidence, partner.id) as accepted:
        now = utcnow()
        concern = Concern(
            partner_id=partner.id,
            partner=partner,
            obligation_id=draft.obligation_id,
            category=draft.category,
            description=draft.description.strip(),
            remedy=draft.remedy.strip(),
            confidential=draft.confidential,
            raised_by_id=actor.id,
            raised_by=actor,
            raised_by_side=side_of(actor),
            raised_at=now,
            step="raised",
            step_since=now,
            due_on=path.acknowledge_by(today),
        )
        db.session.add(concern)
        _event(concern, actor, "raised", "", accepted)
        _audit(actor, "concern_raised", concern, None)
        tell(
            on_raising(concern),
            concern,
            actor=actor,
            kind="concern_raised",
            template="concern_raised",
            heading=f"A concern was raised: {concern.display_name}",
            due=concern.due_on,
        )
        db.session.commit()
    return concern


def _decision(concern: Concern, text: str, outcome: str | None, redress: str | None) -> None:
    if outcome not in OUTCOMES:
        raise DomainError(gettext("Choose the outcome of the review."), field="outcome")
    if not text.strip():
        raise DomainError(gettext("Give the reason for the decision."), field="text")
    if outcome != "not_upheld" and not (redress or "").strip():
        raise DomainError(
            gettext("Say what redress was agreed: what will be done, by whom, by when."),
            field="redress",
        )
    concern.outcome = outcome
    concern.decision_reason = text.strip()
    concern.redress = (redress or "").strip() or None
    concern.decided_at = utcnow()


def take_step(
    actor: User,
    concern: Concern,
    action: str,
    text: str = "",
    *,
    outcome: str | None = None,
    redress: str | None = None,
    today: date | None = None,
) -> ConcernEvent:
    """The next step of the path: any one, by whoever may take it; a step out of
    order or without its reason is refused and nothing is saved."""
    today = today or local_today()
    # Who may comes first: a step out of order tells where the concern is.
    if action in path.ADMIN_ACTIONS:
        require(may_take_concern_step(actor))
    elif action in path.RAISER_ACTIONS:
        require(may_respond_to_outcome(actor, concern))
    found = path.check_order(action, concern.step)
    if action in ("decide", "final"):
        _decision(concern, text, outcome, redress)
    elif action == "contest" and not text.strip():
        raise DomainError(gettext("Say why you contest the outcome."), field="text")
    before = concern.step
    concern.step = path.next_step(action, concern.contests)
    concern.step_since = utcnow()
    concern.due_on = path.due_after(action, today, concern.due_on)
    if action == "acknowledge":
        concern.acknowledged_at = concern.step_since
    if action == "contest":
        concern.contests += 1
    if concern.step in ("closed", "withdrawn"):
        concern.closed_at = concern.step_since
        concern.closed_how = {"final": "final_decision", "confirm": "confirmed"}.get(
            action, "withdrawn"
        )
    reason = text.strip() or None
    if action in ("decide", "final"):
        text = f"{english(concern.outcome_label)}. {concern.decision_reason}"
        if concern.redress:
            text += f"\nRedress agreed: {concern.redress}"
    event = _event(concern, actor, action, text)
    _audit(actor, f"concern_{action}", concern, before, reason=reason)
    label = english(path.STEPS[concern.step])
    tell(
        followers(concern),
        concern,
        actor=actor,
        kind="concern_step",
        template="concern_step",
        heading=f"{concern.display_name}: {label.lower()}",
        what=f"{actor.name} took the step “{english(found.label)}”.",
        due=concern.due_on,
        next_step=_next_words(concern),
    )
    db.session.commit()
    return event


def _next_words(concern: Concern) -> str:
    if concern.step == "decided":
        return "the raiser confirms or contests the outcome"
    if concern.step == "raised":
        return "acknowledgement"
    return "a decision" if concern.step in path.PROGRAMME_STEPS else ""


def answer(
    actor: User, concern: Concern, text: str, evidence: FileStorage | None = None
) -> ConcernEvent:
    """An answer (or more evidence) from either side, at whatever step it is."""
    require(may_answer_concern(actor, concern))
    if not text.strip():
        raise DomainError(gettext("Write your answer."), field="text")
    with _file(evidence, concern.partner_id) as accepted:
        event = _event(concern, actor, "answer", text, accepted)
        _audit(actor, "concern_answered", concern, concern.step)
        tell(
            followers(concern),
            concern,
            actor=actor,
            kind="concern_step",
            template="concern_step",
            heading=f"{concern.display_name}: an answer from {actor.name}",
            what=f"{actor.name} answered on the concern.",
            due=None,
            next_step="",
        )
        db.session.commit()
    return event


def _close(actor: User | None, concern: Concern, how: str, text: str, kind: str) -> None:
    before = concern.step
    concern.step, concern.step_since = "closed", utcnow()
    concern.closed_at, concern.closed_how, concern.due_on = concern.step_since, how, None
    _event(concern, actor, kind, text)
    _audit(actor, f"concern_{kind}", concern, before, reason=text or None)


def close_not_contested(concern: Concern) -> None:
    """The daily run: a decision left unconfirmed past its time is closed (callers commit)."""
    how = english(path.CLOSED_HOW["not_contested"])
    _close(None, concern, "not_contested", how, "closed_unanswered")


def close_open_concerns(actor: User, partner: Partner, note: str) -> int:
    """Close every open concern of `partner` at its programme exit, with `note`
    in each one's history; audited. How many were closed. Callers commit."""
    if not (note or "").strip():
        raise DomainError(gettext("Add a note for the concerns' history."), field="note")
    open_ones = db.session.scalars(
        db.select(Concern).where(
            Concern.partner_id == partner.id, Concern.step.in_(path.OPEN_STEPS)
        )
    ).all()
    for concern in open_ones:
        _close(actor, concern, "programme_exit", note.strip(), "closed_at_exit")
    return len(open_ones)


def raised_on(concern: Concern) -> date:
    return local_day(concern.raised_at)
