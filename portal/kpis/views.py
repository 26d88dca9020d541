"""The KPI pages: the programme dashboard, the definitions, benchmarks, a
partner's figures (for staff, with the engagement assessments) and the
partner's own page."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from portal.core.access import (
    accreditation_or_404,
    may_set_benchmarks,
    own_partner,
    partner_or_404,
    require,
    staff_required,
)
from portal.core.clock import local_today
from portal.core.errors import DomainError
from portal.core.forms import attach_error
from portal.core.htmx import go_to, render
from portal.kpis import bp, choices
from portal.kpis import charts as _charts  # noqa: F401 (its template filters)
from portal.kpis.benchmarks import record_assessment, set_benchmark
from portal.kpis.definitions import GROUPS, KPIS
from portal.kpis.figures import STATES, benchmarks
from portal.kpis.forms import AssessmentForm, BenchmarkForm
from portal.kpis.history import advice_for, assessments_of, compliance_by_stage
from portal.kpis.pages import ATTENTION_SHOWN as SHOWN
from portal.kpis.pages import dashboard, partner_figures


@bp.get("/kpis")
@staff_required
def programme():
    """Every KPI for the period, its trend and spread, and who needs attention."""
    today = local_today()
    scope, error = choices.scope_from_args(request.args, today)
    return render(
        "kpis/dashboard.html",
        board=dashboard(scope, today, None if request.args.get("attention") == "all" else SHOWN),
        stages=compliance_by_stage(scope, today),
        scope=scope,
        period_error=error,
        options=choices.options(today),
        groups=GROUPS,
        states=STATES,
    )


@bp.get("/kpis/definitions")
@login_required
def definitions():
    """How each KPI is computed, in words: the same page for staff and partners."""
    kpis = [k for k in KPIS if current_user.is_staff or k.about_partner]
    return render("kpis/definitions.html", kpis=kpis, groups=GROUPS, benches=benchmarks(KPIS))


@bp.route("/kpis/benchmarks", methods=["GET", "POST"])
@staff_required
def benchmarks_page():
    """Each KPI's target and warning threshold; administrators change them."""
    forms = {}
    if request.method == "POST":
        require(may_set_benchmarks(current_user))
        kpi = choices.KEYS.get(request.form.get("kpi", ""))
        require(kpi is not None, hidden=True)
        form = BenchmarkForm(prefix=kpi.key)
        if form.validate_on_submit():
            scale = 100 if kpi.unit == "percent" else 1
            try:
                set_benchmark(
                    current_user,
                    kpi.key,
                    float(form.target.data) / scale,
                    float(form.warning.data) / scale,
                )
            except DomainError as error:
                attach_error(form, error)
            else:
                flash(
                    gettext("Benchmark for %(kpi)s saved.", kpi=str(kpi.title).lower()), "success"
                )
                return redirect(url_for(".benchmarks_page", _anchor=kpi.key))
        forms[kpi.key] = form
    status = 422 if forms else 200
    return render(
        "kpis/benchmarks.html",
        status=status,
        kpis=KPIS,
        groups=GROUPS,
        benches=benchmarks(KPIS),
        forms=forms,
        may_edit=may_set_benchmarks(current_user),
        form_for=choices.benchmark_form,
    )


@bp.get("/partners/<int:partner_id>/kpis")
@staff_required
def partner(partner_id: int):
    """One partner's figures against the programme, with the team's assessments."""
    partner = partner_or_404(current_user, partner_id)
    today = local_today()
    scope, error = choices.scope_from_args(request.args, today)
    return render(
        "kpis/partner.html",
        partner=partner,
        figures=partner_figures(partner.id, scope, today, service=True),
        scope=scope,
        period_error=error,
        options=choices.options(today, filters=False),
        groups=GROUPS,
        states=STATES,
        advice=advice_for(partner.id, today),
        stages=compliance_by_stage(scope.of_partner(partner.id), today),
        assessments=assessments_of(partner.id),
        form=choices.assessment_form(partner),
    )


@bp.post("/partners/<int:partner_id>/assessments")
@staff_required
def assess(partner_id: int):
    """Record how the partner engaged with a stage or a cycle."""
    partner = partner_or_404(current_user, partner_id)
    form = choices.assessment_form(partner, AssessmentForm())
    accreditation_id, milestone_id = choices.stage_of(form.stage.data)
    if form.validate_on_submit() and accreditation_id is not None:
        try:
            accreditation = accreditation_or_404(current_user, accreditation_id)
            require(accreditation.partner_id == partner.id, hidden=True)
            record_assessment(
                current_user,
                accreditation,
                milestone_id,
                int(form.engagement.data),
                int(form.proactivity.data),
                form.note.data or "",
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(gettext("Assessment recorded."), "success")
            return go_to(url_for(".partner", partner_id=partner.id, _anchor="assessments"))
    elif form.is_submitted() and accreditation_id is None:
        form.stage.errors = [gettext("Choose the stage or cycle you assess.")]
    return render(
        "kpis/_assessment_form.html",
        status=422,
        partner=partner,
        form=form,
    )


@bp.get("/organisation/kpis")
@login_required
def mine():
    """A partner's own figures against the programme median and the benchmarks."""
    if current_user.is_staff:  # staff read every partner's figures from the dashboard
        return redirect(url_for(".programme"))
    partner = own_partner(current_user)
    today = local_today()
    scope, error = choices.scope_from_args(request.args, today)
    return render(
        "kpis/mine.html",
        partner=partner,
        figures=partner_figures(partner.id, scope, today),
        scope=scope,
        period_error=error,
        options=choices.options(today, filters=False),
        groups=GROUPS,
        states=STATES,
        advice=advice_for(partner.id, today),
        stages=compliance_by_stage(scope.of_partner(partner.id), today),
    )
