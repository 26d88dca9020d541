"""Staff running a cycle: opening it, moving deadlines, waiving requirements, the
final decision and renewal. The forms open in the slide-in panel with HTMX and
are plain pages without it."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext
from flask_login import current_user
from wtforms import SelectChoice

from portal.accreditation import bp
from portal.accreditation.deadlines import (
    mark_applicable,
    mark_not_applicable,
    move_deadlines,
    move_milestone,
)
from portal.accreditation.decisions import default_valid_until, open_renewal, record_decision
from portal.accreditation.forms import (
    ActionForm,
    DeadlineForm,
    DecisionForm,
    NotApplicableForm,
    OpenCycleForm,
)
from portal.accreditation.progress import load_accreditation, progress
from portal.accreditation.templates import current_templates, open_cycle, running_accreditation
from portal.core.access import accreditation_or_404, admin_required, partner_or_404
from portal.core.clock import local_today
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.filters import day
from portal.core.forms import attach_error
from portal.core.htmx import go_to, render
from portal.core.translated import translated
from portal.models import Accreditation, AccreditationTemplate, ChecklistItem, Milestone


def _to_accreditation(accreditation: Accreditation, notice: str):
    """After a change: the accreditation page again, whole, saying what was done."""
    flash(notice, "success")
    return go_to(url_for(".show", accreditation_id=accreditation.id))


def _status(form) -> int:
    return 422 if form.is_submitted() else 200


def _item(accreditation: Accreditation, item_id: int) -> ChecklistItem:
    item = db.session.scalar(
        db.select(ChecklistItem).filter_by(id=item_id, accreditation_id=accreditation.id)
    )
    if item is None:
        abort(404)
    return item


# --- opening a cycle ------------------------------------------------------------


@bp.route(
    "/partners/<int:partner_id>/accreditations/new", methods=["GET", "POST"], endpoint="open_cycle"
)
@admin_required
def open_cycle_form(partner_id: int):
    """Open an accreditation for a partner from a template and a start date."""
    partner = partner_or_404(current_user, partner_id)
    templates = current_templates()
    form = OpenCycleForm(started_on=local_today())
    form.template_id.choices = [
        SelectChoice(
            t.id, gettext("%(template)s (version %(version)s)", template=t.name, version=t.version)
        )
        for t in templates
    ]
    if form.validate_on_submit():
        try:
            accreditation = open_cycle(
                current_user,
                partner,
                db.session.get(AccreditationTemplate, form.template_id.data),
                form.started_on.data,
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            return _to_accreditation(
                accreditation,
                gettext("Accreditation opened for %(partner)s.", partner=partner.name),
            )
    return render(
        "accreditation/open_cycle.html",
        block="panel",
        status=_status(form),
        partner=partner,
        form=form,
        running=running_accreditation(partner),
    )


# --- deadlines and waivers --------------------------------------------------------


@bp.route(
    "/accreditations/<int:accreditation_id>/items/<int:item_id>/deadline",
    methods=["GET", "POST"],
)
@admin_required
def move_deadline(accreditation_id: int, item_id: int):
    """Give one document a new due date, with a reason."""
    accreditation = accreditation_or_404(current_user, accreditation_id)
    item = _item(accreditation, item_id)
    form = DeadlineForm(due_on=item.due_on)
    if form.validate_on_submit():
        try:
            move_deadlines(current_user, [item], form.due_on.data, form.reason.data)
        except DomainError as error:
            attach_error(form, error)
        else:
            return _to_accreditation(
                accreditation,
                gettext(
                    "%(document)s is now due %(day)s.",
                    document=translated(item.requirement, "name"),
                    day=day(item.due_on),
                ),
            )
    return render(
        "accreditation/deadline.html",
        block="panel",
        status=_status(form),
        accreditation=accreditation,
        subject=translated(item.requirement, "name"),
        current_due=item.due_on,
        action=url_for(".move_deadline", accreditation_id=accreditation.id, item_id=item.id),
        form=form,
    )


@bp.route(
    "/accreditations/<int:accreditation_id>/milestones/<int:milestone_id>/deadline",
    methods=["GET", "POST"],
    endpoint="move_milestone",
)
@admin_required
def move_milestone_deadline(accreditation_id: int, milestone_id: int):
    """Move a stage's due date; its documents due later follow it."""
    accreditation = accreditation_or_404(current_user, accreditation_id)
    milestone = db.session.scalar(
        db.select(Milestone).filter_by(id=milestone_id, accreditation_id=accreditation.id)
    )
    if milestone is None:
        abort(404)
    form = DeadlineForm(due_on=milestone.due_on)
    if form.validate_on_submit():
        try:
            move_milestone(current_user, milestone, form.due_on.data, form.reason.data)
        except DomainError as error:
            attach_error(form, error)
        else:
            return _to_accreditation(
                accreditation,
                gettext(
                    "%(stage)s is now due %(day)s.",
                    stage=translated(milestone, "name"),
                    day=day(milestone.due_on),
                ),
            )
    return render(
        "accreditation/deadline.html",
        block="panel",
        status=_status(form),
        accreditation=accreditation,
        subject=translated(milestone, "name"),
        current_due=milestone.due_on,
        action=url_for(
            ".move_milestone", accreditation_id=accreditation.id, milestone_id=milestone.id
        ),
        form=form,
        is_stage=True,
    )


@bp.route(
    "/accreditations/<int:accreditation_id>/items/<int:item_id>/not-applicable",
    methods=["GET", "POST"],
)
@admin_required
def not_applicable(accreditation_id: int, item_id: int):
    """Waive a requirement for this cycle with a reason, or make it apply again."""
    accreditation = accreditation_or_404(current_user, accreditation_id)
    item = _item(accreditation, item_id)
    form = NotApplicableForm(action="undo" if item.not_applicable else "waive")
    if form.validate_on_submit():
        undo = form.action.data == "undo"
        try:
            (mark_applicable if undo else mark_not_applicable)(current_user, item, form.reason.data)
        except DomainError as error:
            attach_error(form, error)
        else:
            name = translated(item.requirement, "name")
            notice = (
                gettext("%(document)s applies again.", document=name)
                if undo
                else gettext("%(document)s is marked not applicable.", document=name)
            )
            return _to_accreditation(accreditation, notice)
    return render(
        "accreditation/not_applicable.html",
        block="panel",
        status=_status(form),
        accreditation=accreditation,
        item=item,
        form=form,
    )


# --- final approval and renewal ---------------------------------------------------


@bp.route("/accreditations/<int:accreditation_id>/decision", methods=["GET", "POST"])
@admin_required
def decide(accreditation_id: int):
    """Record the final decision: accredited until a date, or not accredited."""
    accreditation = load_accreditation(accreditation_or_404(current_user, accreditation_id).id)
    today = local_today()
    form = DecisionForm(valid_until=default_valid_until(accreditation, today))
    if accreditation.decision is None and form.validate_on_submit():
        try:
            record_decision(
                current_user,
                accreditation,
                form.decision.data,
                form.note.data or "",
                form.valid_until.data,
                today,
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            name = accreditation.partner.name
            if accreditation.decision == "accredited":
                notice = gettext(
                    "%(partner)s is accredited until %(day)s.",
                    partner=name,
                    day=day(accreditation.valid_until),
                )
            else:
                notice = gettext(
                    "%(partner)s is not accredited; they have been told why.", partner=name
                )
            return _to_accreditation(accreditation, notice)
    elif accreditation.decision is not None and form.is_submitted():
        form.form_errors.append(
            gettext(
                "This accreditation was already decided on %(day)s.",
                day=day(accreditation.decided_at),
            )
        )
    return render(
        "accreditation/decide.html",
        block="panel",
        status=_status(form),
        accreditation=accreditation,
        progress=progress(accreditation, today),
        form=form,
    )


@bp.post("/accreditations/<int:accreditation_id>/renewal")
@admin_required
def renew(accreditation_id: int):
    """Open the renewal cycle, from 60 days before the accreditation expires."""
    accreditation = accreditation_or_404(current_user, accreditation_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    today = local_today()
    try:
        renewal = open_renewal(current_user, accreditation, today, today)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for(".show", accreditation_id=accreditation.id), 303)
    return _to_accreditation(
        renewal, gettext("Renewal opened for %(partner)s.", partner=accreditation.partner.name)
    )
