"""Concerns: raised by a partner from its organisation pages or by staff from the
partner's page, listed for staff at /concerns (with the programme analytics) and
for the partner under its organisation, each on its own page with the path, the
deadlines, the history and the form for the next step."""

from __future__ import annotations

from flask import abort, flash, redirect, request, send_file, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, selectinload

from portal.concerns import bp, path
from portal.concerns.analytics import FILTER_STEPS, Filters, analytics, listing
from portal.concerns.forms import AnswerForm, RaiseForm, StepForm
from portal.concerns.health import past_deadline
from portal.concerns.models import CATEGORIES, OUTCOMES, SIDES
from portal.concerns.redress import ConcernDraft, answer, raise_concern, take_step
from portal.concerns.subjects import obligation_choices, subject_label
from portal.core.access import (
    concern_or_404,
    concerns_of,
    may_answer_concern,
    may_raise_concern,
    may_respond_to_outcome,
    may_take_concern_step,
    own_partner,
    partner_or_404,
    require,
    staff_required,
)
from portal.core.clock import local_day, local_today
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.filters import day
from portal.core.forms import attach_error
from portal.core.htmx import go_to, push_url, render
from portal.core.storage import storage
from portal.models import Concern, ConcernEvent, Partner


@bp.get("/concerns")
@staff_required
def index():
    """Every concern staff may see, past their deadline first, and the analytics."""
    filters = Filters.parse(request.args)
    today = local_today()
    response = render(
        "concerns/index.html",
        block="results",
        filters=filters,
        concerns=listing(current_user, filters, today),
        figures=analytics(current_user, today),
        steps=FILTER_STEPS,
        categories=CATEGORIES,
        today=today,
    )
    return push_url(response, url_for(".index", step=filters.step, category=filters.category))


@bp.get("/organisation/concerns")
@login_required
def mine():
    """The partner's own concerns, raised by either side."""
    if current_user.is_staff:
        return redirect(url_for(".index"))
    partner = own_partner(current_user)
    concerns = db.session.scalars(
        concerns_of(current_user).order_by(Concern.raised_at.desc(), Concern.id.desc())
    ).all()
    return render(
        "concerns/mine.html",
        partner=partner,
        concerns=concerns,
        today=local_today(),
        may_raise=may_raise_concern(current_user, partner.id),
    )


def _raise(partner: Partner, back: str, action: str):
    form = RaiseForm()
    form.offer(obligation_choices(partner.id))
    if form.validate_on_submit():
        draft = ConcernDraft(
            category=form.category.data,
            description=form.description.data or "",
            remedy=form.remedy.data or "",
            obligation_id=form.obligation_id(),
            confidential=bool(form.confidential.data) and not current_user.is_staff,
        )
        try:
            concern = raise_concern(current_user, partner, draft, form.evidence.data)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(
                gettext(
                    "Your concern is raised. It is to be acknowledged by %(day)s.",
                    day=day(concern.due_on),
                ),
                "success",
            )
            return go_to(url_for(".show", concern_id=concern.id))
    return render(
        "concerns/new.html",
        status=422 if form.is_submitted() else 200,
        form=form,
        partner=partner,
        back=back,
        action=action,
    )


@bp.route("/organisation/concerns/new", methods=["GET", "POST"])
@login_required
def raise_mine():
    """A partner's focal point or editor raises a concern about the partnership."""
    if current_user.is_staff and request.method == "GET":  # staff raise from the partner's page
        return redirect(url_for(".index"))
    partner = own_partner(current_user)
    require(may_raise_concern(current_user, partner.id))
    return _raise(partner, url_for(".mine"), url_for(".raise_mine"))


@bp.route("/partners/<int:partner_id>/concerns/new", methods=["GET", "POST"])
@staff_required
def raise_about(partner_id: int):
    """The programme team raises a concern about a partner's side of the partnership."""
    partner = partner_or_404(current_user, partner_id)
    require(partner.merged_into_id is None, hidden=True)
    here = url_for(".raise_about", partner_id=partner.id)
    return _raise(partner, url_for("partners.show", partner_id=partner.id), here)


def _show(concern: Concern, status: int = 200, **forms):
    user = current_user
    admin_step = concern.step in ("raised", "acknowledged", "under_review", "final_review")
    reached_on: dict[str, object] = {}
    for event in concern.events:  # the first time each step was reached
        reached_on.setdefault(event.step, event.at)
    return render(
        "concerns/show.html",
        block="main",
        status=status,
        concern=concern,
        stations=path.stations(concern.step, set(reached_on)),
        reached_on=reached_on,
        due_for=path.DUE_FOR,
        subject=subject_label(concern.obligation_id, obligation_choices(concern.partner_id)),
        today=local_today(),
        raised_on=local_day(concern.raised_at),
        overdue=path.overdue(concern.step, concern.due_on, local_today()),
        waits_for=path.waits_for(concern.step),
        step_form=forms.get("step_form")
        or (StepForm() if admin_step and may_take_concern_step(user) else None),
        respond_form=forms.get("respond_form")
        or (StepForm() if concern.is_open and may_respond_to_outcome(user, concern) else None),
        answer_form=forms.get("answer_form")
        or (AnswerForm() if may_answer_concern(user, concern) else None),
        steps=path.STEPS,
        events_words=path.EVENTS,
        actions=path.ACTIONS,
        outcomes=OUTCOMES,
        sides=SIDES,
        closed_how=path.CLOSED_HOW,
    )


def _concern(concern_id: int) -> Concern:
    """The concern with its history, its people and its partner (three statements)."""
    return concern_or_404(
        current_user,
        concern_id,
        selectinload(Concern.events).joinedload(ConcernEvent.actor),
        joinedload(Concern.partner),
        joinedload(Concern.raised_by),
    )


@bp.get("/concerns/<int:concern_id>")
@login_required
def show(concern_id: int):
    """One concern: the path with its deadlines, the history, the next step."""
    return _show(_concern(concern_id))


def _step(concern_id: int, actions: tuple[str, ...], form_name: str):
    concern = concern_or_404(current_user, concern_id)
    form = StepForm()
    if form.validate_on_submit():
        action = form.action.data or ""
        try:
            if action not in actions:
                raise DomainError(gettext("Choose one of the steps offered."), field="action")
            take_step(
                current_user,
                concern,
                action,
                form.text.data or "",
                outcome=form.outcome.data or None,
                redress=form.redress.data or "",
            )
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            flash(
                gettext("Done: %(step)s.", step=str(path.ACTIONS[action].label).lower()), "success"
            )
            return go_to(url_for(".show", concern_id=concern.id))
    return _show(_concern(concern_id), 422, **{form_name: form})


@bp.post("/concerns/<int:concern_id>/step")
@login_required
def step(concern_id: int):
    """The administrators' steps: acknowledge, review, decide, the final word."""
    require(may_take_concern_step(current_user))
    return _step(concern_id, path.ADMIN_ACTIONS, "step_form")


@bp.post("/concerns/<int:concern_id>/respond")
@login_required
def respond(concern_id: int):
    """The raising side confirms or contests the outcome, or withdraws the concern."""
    concern = concern_or_404(current_user, concern_id)
    require(may_respond_to_outcome(current_user, concern))
    return _step(concern_id, path.RAISER_ACTIONS, "respond_form")


@bp.post("/concerns/<int:concern_id>/answer", endpoint="answer")
@login_required
def answer_view(concern_id: int):
    """Either side's answer at any step, with more evidence if wanted."""
    concern = concern_or_404(current_user, concern_id)
    require(may_answer_concern(current_user, concern))
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            answer(current_user, concern, form.text.data or "", form.evidence.data)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(gettext("Your answer is in the concern's history."), "success")
            return go_to(url_for(".show", concern_id=concern.id))
    return _show(_concern(concern_id), 422, answer_form=form)


@bp.get("/concerns/evidence/<int:concern_event_id>")
@login_required
def evidence(concern_event_id: int):
    """A file of evidence, as an attachment, to those who may see its concern."""
    event = db.session.get(ConcernEvent, concern_event_id)
    require(event is not None and event.storage_key is not None, hidden=True)
    concern_or_404(current_user, event.concern_id)
    file = storage().path(event.storage_key)
    if not file.exists():
        abort(404)
    return send_file(
        file, mimetype=event.content_type, as_attachment=True, download_name=event.filename
    )


# --- what other pages include -------------------------------------------------------


@bp.app_template_global()
def concerns_of_partner(partner_id: int, limit: int = 20) -> list[Concern]:
    """The partner's concerns the viewer may see, open first, newest first (one query)."""
    return list(
        db.session.scalars(
            concerns_of(current_user)
            .where(Concern.partner_id == partner_id)
            .order_by(Concern.closed_at.is_not(None), Concern.raised_at.desc())
            .limit(limit)
        )
    )


@bp.app_template_global()
def concerns_past_deadline(limit: int = 50):
    """For the board: concerns waiting for the administrators past their deadline."""
    return past_deadline(current_user, local_today(), limit)


@bp.app_template_global()
def concern_step_label(step: str) -> str:
    return path.STEPS.get(step, step)
