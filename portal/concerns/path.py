"""The path every concern takes, fixed and the same for both sides, as in the
grievance redress mechanisms development funders require:

raised → acknowledged (within CONCERN_ACKNOWLEDGE_WORKING_DAYS) → under review →
decision with the redress agreed (within CONCERN_DECISION_WORKING_DAYS of the
acknowledgement) → the raiser confirms (closed) or contests it.

A first contest sends it back to review with a fresh decision deadline; a second
goes to the administrators' final word (same deadline), which closes it. A
decision the raiser neither confirms nor contests within CONCERN_CONFIRM_DAYS
calendar days is closed by the daily run ("not contested"), recorded. The raiser
may withdraw it at any open step. Nothing here touches the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext, lazy_gettext

from portal.core.errors import DomainError
from portal.review.assignment import add_working_days

STEPS = {
    "raised": lazy_gettext("Raised"),
    "acknowledged": lazy_gettext("Acknowledged"),
    "under_review": lazy_gettext("Under review"),
    "decided": lazy_gettext("Decision made"),
    "final_review": lazy_gettext("Administrators' final word"),
    "closed": lazy_gettext("Closed"),
    "withdrawn": lazy_gettext("Withdrawn"),
}
OPEN_STEPS = ("raised", "acknowledged", "under_review", "decided", "final_review")
# What the deadline of each open step is for.
DUE_FOR = {
    "raised": lazy_gettext("acknowledgement due"),
    "acknowledged": lazy_gettext("decision due"),
    "under_review": lazy_gettext("decision due"),
    "final_review": lazy_gettext("final word due"),
    "decided": lazy_gettext("the raiser's answer due"),
}
# Steps that wait for the administrators: past their deadline they escalate.
PROGRAMME_STEPS = ("raised", "acknowledged", "under_review", "final_review")
CLOSED_HOW = {
    "confirmed": lazy_gettext("The raiser confirmed the outcome"),
    "not_contested": lazy_gettext("Not contested in time: closed by the daily run"),
    "final_decision": lazy_gettext("Closed by the administrators' final word"),
    "withdrawn": lazy_gettext("Withdrawn by the raiser"),
    "programme_exit": lazy_gettext("Closed at programme exit"),
}
# What each event in a concern's history says.
EVENTS = {
    "raised": lazy_gettext("Raised the concern"),
    "acknowledge": lazy_gettext("Acknowledged it"),
    "review": lazy_gettext("Started the review"),
    "decide": lazy_gettext("Decided"),
    "final": lazy_gettext("Gave the administrators' final word"),
    "confirm": lazy_gettext("Confirmed the outcome"),
    "contest": lazy_gettext("Contested the outcome"),
    "withdraw": lazy_gettext("Withdrew the concern"),
    "answer": lazy_gettext("Answered"),
    "closed_unanswered": lazy_gettext("Closed: not contested in time"),
    "closed_at_exit": lazy_gettext("Closed at programme exit"),
}


@dataclass(frozen=True)
class Action:
    label: str  # the button
    steps: tuple[str, ...]  # where it may be taken from
    by: str  # "admin" (the administrators) or "raiser" (the side that raised it)


ACTIONS = {
    "acknowledge": Action(lazy_gettext("Acknowledge"), ("raised",), "admin"),
    "review": Action(lazy_gettext("Start the review"), ("acknowledged",), "admin"),
    "decide": Action(lazy_gettext("Record the decision"), ("under_review",), "admin"),
    "final": Action(lazy_gettext("Record the final decision"), ("final_review",), "admin"),
    "confirm": Action(lazy_gettext("Confirm the outcome"), ("decided",), "raiser"),
    "contest": Action(lazy_gettext("Contest the outcome"), ("decided",), "raiser"),
    "withdraw": Action(lazy_gettext("Withdraw the concern"), OPEN_STEPS, "raiser"),
}
ADMIN_ACTIONS = tuple(k for k, a in ACTIONS.items() if a.by == "admin")
RAISER_ACTIONS = tuple(k for k, a in ACTIONS.items() if a.by == "raiser")


def check_order(action: str, step: str) -> Action:
    """The action, if it may be taken at `step`; else the refusal, next to the buttons."""
    found = ACTIONS.get(action)
    if found is None:
        raise DomainError(gettext("Choose one of the steps offered."), field="action")
    if step not in found.steps:
        raise DomainError(
            gettext(
                "“%(step)s” is not the next step: the concern is %(where)s. "
                "Reload the page to see where it is.",
                step=found.label,
                where=str(STEPS.get(step, step)).lower(),
            ),
            field="action",
        )
    return found


def next_step(action: str, contests: int) -> str:
    """Where `action` takes the concern (`contests`: contests before this one)."""
    if action == "contest":
        return "under_review" if contests == 0 else "final_review"
    return {
        "acknowledge": "acknowledged",
        "review": "under_review",
        "decide": "decided",
        "final": "closed",
        "confirm": "closed",
        "withdraw": "withdrawn",
    }[action]


def acknowledge_by(raised_on: date) -> date:
    return add_working_days(raised_on, current_app.config["CONCERN_ACKNOWLEDGE_WORKING_DAYS"])


def decide_by(since: date) -> date:
    """A decision is due this many working days after the acknowledgement (or the contest)."""
    return add_working_days(since, current_app.config["CONCERN_DECISION_WORKING_DAYS"])


def confirm_by(decided_on: date) -> date:
    return decided_on + timedelta(days=current_app.config["CONCERN_CONFIRM_DAYS"])


def due_after(action: str, today: date, current_due: date | None) -> date | None:
    """The deadline of the step `action` leads to, taken `today`."""
    if action in ("acknowledge", "contest"):
        return decide_by(today)
    if action == "review":
        return current_due  # the decision deadline runs from the acknowledgement
    if action == "decide":
        return confirm_by(today)
    return None  # closed or withdrawn


def waits_for(step: str) -> str | None:
    """Whose move it is: "programme" (the administrators) or "raiser"."""
    if step in PROGRAMME_STEPS:
        return "programme"
    return "raiser" if step == "decided" else None


def overdue(step: str, due_on: date | None, today: date) -> bool:
    return step in PROGRAMME_STEPS and due_on is not None and due_on < today


# --- the path as drawn on the page ----------------------------------------------


@dataclass(frozen=True)
class Station:
    key: str
    label: str
    state: str  # done, current, todo, skipped


DRAWN = ("raised", "acknowledged", "under_review", "decided", "closed")


def stations(step: str, reached: set[str]) -> list[Station]:
    """The five stations of the path, each done, current or still to come.
    A withdrawn concern shows where it stopped and "Withdrawn" at the end."""
    current = "under_review" if step == "final_review" else step
    drawn = []
    for key in DRAWN:
        label = STEPS[key]
        if key == "closed" and step == "withdrawn":
            key, label = "withdrawn", STEPS["withdrawn"]
        if key == current or (key == "withdrawn" and step == "withdrawn"):
            state = "current"
            if step == "final_review":
                label = STEPS["final_review"]
        elif key in reached:
            state = "done"
        else:
            state = "skipped" if step == "withdrawn" else "todo"
        drawn.append(Station(key, label, state))
    return drawn
