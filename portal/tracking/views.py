from __future__ import annotations

from datetime import date

from flask import flash, redirect, request, url_for
from flask_babel import gettext, lazy_gettext, ngettext
from flask_login import current_user

from portal.accreditation.deadlines import move_deadlines
from portal.core.access import may_change_records, require, staff_required
from portal.core.clock import local_today
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.forms import typed_day
from portal.core.htmx import is_htmx, push_url, render
from portal.core.inputs import FIRST_DAY, LAST_DAY, day, identifier_or_none
from portal.kpis.pages import coaching_candidates
from portal.models import User
from portal.reminders.on_demand import send_reminders
from portal.review.assignment import reviewers
from portal.tracking import bp
from portal.tracking.board import (
    assign_many,
    parse_days,
    parse_ids,
    selected_items,
    selected_submissions,
)
from portal.tracking.board import board as build_board
from portal.tracking.my_actions import my_actions as outstanding_for
from portal.tracking.overview import (
    STATES,
    Filters,
    overview_page,
    stage_names,
)

BULK_ACTIONS = {
    "assign": lazy_gettext("Assign reviewer"),
    "remind": lazy_gettext("Send a reminder now"),
    "move": lazy_gettext("Move deadlines"),
}


@bp.get("/accreditations")
@staff_required
def overview():
    """Every accreditation: stage, completion, deadlines, reviews waiting; the URL
    holds the filters."""
    filters = Filters.from_args(request.args)
    fragment = is_htmx()
    response = render(
        "tracking/overview.html",
        block="results",
        page=overview_page(filters),
        f=filters,
        stages=[] if fragment else stage_names(),
        reviewers=[] if fragment else reviewers(),
        states=STATES,
    )
    return push_url(response, url_for(".overview", **filters.args()))


@bp.get("/my-actions")
@staff_required
def my_actions():
    """What waits for the person looking: reviews, sign-offs, messages, and the
    partners past a KPI's warning threshold to offer a coaching call."""
    return render(
        "tracking/my_actions.html",
        actions=outstanding_for(current_user),
        coaching=coaching_candidates(local_today()),
    )


def _board_page(status: int = 200, error: str | None = None, selection: dict | None = None):
    source = request.form if request.method == "POST" else request.args
    days = parse_days(source.get("days"))
    group = source.get("group", "partner")
    return render(
        "tracking/board.html",
        block="results",
        status=status,
        board=build_board(days, group),
        reviewers=reviewers(),
        actions=BULK_ACTIONS,
        error=error,
        selection=selection or {"items": set(), "submissions": set(), "form": {}},
    )


@bp.get("/actions")
@staff_required
def board():
    """What partners owe soon or late, and what waits for review, across partners."""
    args = {k: v for k, v in request.args.items() if k in ("days", "group") and v}
    return push_url(_board_page(), url_for(".board", **args))


def _chosen_reviewer(value: str) -> User | None:
    if not value:
        return None  # nobody in particular
    reviewer_id = identifier_or_none(value)
    reviewer = db.session.get(User, reviewer_id) if reviewer_id else None
    if reviewer is None:
        raise DomainError(gettext("Choose a member of the programme team."), field="reviewer_id")
    return reviewer


def _due_on(value: str) -> date | None:
    """The day typed day first ("31/01/2027", as the pages write dates in every
    language; an ISO day too), within the calendars' years."""
    if not value.strip():
        return None
    typed = typed_day(value)
    if typed is None:
        raise DomainError(
            gettext(
                "Give the new due date as a date, dd/mm/yyyy (for example %(example)s).",
                example="31/01/2027",
            ),
            field="due_on",
        )
    try:
        return day(typed.isoformat())
    except ValueError:
        raise DomainError(
            gettext(
                "Enter a date between %(first)s and %(last)s.",
                first=FIRST_DAY.year,
                last=LAST_DAY.year,
            ),
            field="due_on",
        ) from None


def _bulk(action: str, item_ids: list[int], submission_ids: list[int]) -> str:
    """Run one bulk action; the message to show when it worked."""
    form = request.form
    if action == "assign":
        reviewer = _chosen_reviewer(form.get("reviewer_id", ""))
        done = assign_many(current_user, selected_submissions(submission_ids), reviewer)
        if reviewer:
            return ngettext(
                "%(num)d submission assigned to %(name)s.",
                "%(num)d submissions assigned to %(name)s.",
                done,
                name=reviewer.name,
            )
        return ngettext(
            "%(num)d submission assigned to nobody in particular.",
            "%(num)d submissions assigned to nobody in particular.",
            done,
        )
    items = selected_items(item_ids)
    if action == "move":
        if not items:
            raise DomainError(gettext("Choose at least one document whose deadline to move."))
        moved = move_deadlines(
            current_user, items, _due_on(form.get("due_on", "")), form.get("reason", "")
        )
        return ngettext("%(num)d deadline moved.", "%(num)d deadlines moved.", moved)
    result = send_reminders(current_user, items, local_today())
    messages = []
    if result.partners:
        messages.append(
            gettext("Reminder sent to %(partners)s.", partners=", ".join(result.partners))
        )
    if result.nobody:
        messages.append(
            gettext("No active user to remind at %(partners)s.", partners=", ".join(result.nobody))
        )
    return " ".join(messages)


@bp.post("/actions/bulk")
@staff_required
def bulk():
    """Assign reviewer, move deadlines (administrators) or remind, for the rows ticked."""
    form = request.form
    action = form.get("action", "")
    if action == "move":  # deadlines are partner records: administrators move them
        require(may_change_records(current_user))
    selection = {
        "items": set(form.getlist("items")),
        "submissions": set(form.getlist("submissions")),
        "form": {k: form.get(k, "") for k in ("action", "reviewer_id", "due_on", "reason")},
    }
    try:
        if action not in BULK_ACTIONS:
            raise DomainError(gettext("Choose what to do with the selected rows."), field="action")
        item_ids = parse_ids(form.getlist("items"))
        submission_ids = parse_ids(form.getlist("submissions"))
        if not item_ids and not submission_ids:
            raise DomainError(
                gettext("Nothing is selected: tick the rows to act on."), field="selection"
            )
        message = _bulk(action, item_ids, submission_ids)
    except DomainError as error:
        db.session.rollback()  # a refused bulk action leaves nothing half done
        return _board_page(422, error.message, selection)
    flash(message, "success")
    args = {k: form[k] for k in ("days", "group") if form.get(k)}
    return redirect(url_for(".board", **args))
