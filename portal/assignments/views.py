"""Data-set assignments on the staff partner page (slide-in panels, plain pages
without JavaScript) and the guided scope expansion."""

from __future__ import annotations

from flask import flash, request, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from portal.assignments import bp
from portal.assignments.forms import AssignmentForm, EndAssignmentForm, ScopeForm
from portal.assignments.models import DataSet
from portal.assignments.operations import (
    add_assignment,
    assignments_of,
    current_assignments,
    end_assignment,
)
from portal.assignments.scope import expand_scope
from portal.core.access import admin_required, assignment_or_404
from portal.core.clock import local_today
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.filters import day
from portal.core.forms import attach_error
from portal.core.htmx import go_to, render
from portal.partners.form_views import _labels as area_labels
from portal.partners.form_views import search_areas
from portal.partners.views import partner_record


@bp.app_template_global()
def data_set_assignments(partner_id: int) -> dict:
    """A partner's assignments, current and ended, for its pages (one query)."""
    every = assignments_of(partner_id)
    return {
        "current": [a for a in every if a.current],
        "ended": [a for a in every if not a.current],
    }


def _data_set_choices() -> list[SelectChoice]:
    sets = db.session.scalars(select(DataSet).order_by(DataSet.name)).all()
    return [
        SelectChoice(d.id, f"{d.name} ({d.period_type.lower()})" if d.period_type else d.name)
        for d in sets
    ]


def _back(partner_id: int):
    return go_to(url_for("partners.show", partner_id=partner_id))


@bp.route("/partners/<int:partner_id>/data-sets/new", methods=["GET", "POST"])
@admin_required
def new(partner_id: int):
    """Assign a data set the partner reports or is paid on."""
    partner = partner_record(partner_id)
    form = AssignmentForm()
    form.data_set.choices = [SelectChoice("", gettext("Choose a data set")), *_data_set_choices()]
    if request.method == "GET":
        form.starts_on.data = local_today()
    status = 200
    if form.validate_on_submit():
        try:
            assignment = add_assignment(
                current_user,
                partner,
                data_set_id=form.data_set.data or "",
                purpose=form.purpose.data,
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
                note=form.note.data or "",
            )
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(
                gettext(
                    "%(data_set)s assigned to %(partner)s.",
                    data_set=assignment.data_set.name,
                    partner=partner.display_name,
                ),
                "success",
            )
            return _back(partner.id)
    if form.is_submitted():
        status = 422
    return render("assignments/new.html", block="panel", status=status, partner=partner, form=form)


@bp.route("/partners/<int:partner_id>/data-sets/<int:assignment_id>/end", methods=["GET", "POST"])
@admin_required
def end(partner_id: int, assignment_id: int):
    """End one assignment, with the reason."""
    partner = partner_record(partner_id)
    assignment = assignment_or_404(current_user, partner, assignment_id)
    form = EndAssignmentForm()
    if request.method == "GET":
        form.ends_on.data = max(local_today(), assignment.starts_on)
    status = 200
    if form.validate_on_submit():
        try:
            end_assignment(current_user, partner, assignment, form.ends_on.data, form.reason.data)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(
                gettext(
                    "%(data_set)s ends on %(day)s.",
                    data_set=assignment.data_set.name,
                    day=day(assignment.ends_on),
                ),
                "success",
            )
            return _back(partner.id)
    if form.is_submitted():
        status = 422
    return render(
        "assignments/end.html",
        block="panel",
        status=status,
        partner=partner,
        assignment=assignment,
        form=form,
    )


@bp.route("/partners/<int:partner_id>/scope", methods=["GET", "POST"])
@admin_required
def expand(partner_id: int):
    """The guided scope expansion: areas and data sets from a day, with the reason."""
    partner = partner_record(partner_id)
    form = ScopeForm()
    assigned = {a.data_set_id for a in current_assignments([partner.id])[partner.id]}
    form.data_sets.choices = [c for c in _data_set_choices() if c.value not in assigned]
    query = request.form.get("area_q", "") if request.method == "POST" else ""
    chosen = [key for key in (form.areas.data or []) if isinstance(key, str)][:50]
    labels = area_labels(chosen)
    chosen = [key for key in chosen if key in labels]  # only areas that exist
    found = [a for a in search_areas(query) if a["key"] not in chosen] if query.strip() else []
    form.areas.choices = [SelectChoice(key, labels[key]) for key in chosen] + [
        SelectChoice(a["key"], f"{a['name']} — {a['where']}" if a["where"] else a["name"])
        for a in found
    ]
    form.areas.data = chosen
    if request.method == "GET":
        form.starts_on.data = local_today()
    status = 200
    if request.form.get("action") == "find":
        return _scope_page(partner, form, query, status)
    if form.validate_on_submit():
        try:
            summary = expand_scope(
                current_user,
                partner,
                areas=chosen,
                data_sets=[d for d in form.data_sets.data or [] if isinstance(d, str)],
                purpose=form.purpose.data,
                starts_on=form.starts_on.data,
                reason=form.reason.data,
            )
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(
                ngettext(
                    "Scope of %(partner)s expanded: %(num)d change; "
                    "the programme team and finance were told.",
                    "Scope of %(partner)s expanded: %(num)d changes; "
                    "the programme team and finance were told.",
                    len(summary),
                    partner=partner.display_name,
                ),
                "success",
            )
            return _back(partner.id)
    if form.is_submitted():
        status = 422
    return _scope_page(partner, form, query, status)


def _scope_page(partner, form: ScopeForm, query: str, status: int):
    return render(
        "assignments/scope.html",
        block="panel",
        status=status,
        partner=partner,
        form=form,
        area_q=query,
    )
