"""Agreements and their obligations: administrators open agreements and set or
change obligations in the slide-in panel; both sides read the same list (staff
on the partner's page, the partner on its own Agreement tab); the responsible
side uploads evidence and the other side confirms."""

from __future__ import annotations

from flask import abort, flash, redirect, request, send_file, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user, login_required

from portal.core.access import (
    admin_required,
    may_manage_obligations,
    may_observe,
    obligation_or_404,
    observation_or_404,
    own_partner,
    partner_or_404,
    partnership_agreement_or_404,
    require,
)
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.forms import attach_error
from portal.core.htmx import go_to, render
from portal.core.inputs import day
from portal.core.storage import storage
from portal.models import ObligationTemplate, Partner, PartnerDocument
from portal.obligations import bp, observing, terms
from portal.obligations.forms import AgreementForm, ObligationForm, ObserveForm, choices
from portal.obligations.models import OBSERVED_BY, RECURRENCES, RULES, SIDES


def _partner_page(partner_id: int) -> str:
    # No #fragment: htmx's redirect to the page the panel opened on would only scroll.
    if current_user.is_staff:
        return url_for("partners.show", partner_id=partner_id)
    return url_for(".mine")


def _writable_partner(partner_id: int) -> Partner:
    partner = partner_or_404(current_user, partner_id)
    require(not partner.merged_into_id, hidden=True)
    return partner


@bp.route("/partners/<int:partner_id>/agreements/new", methods=["GET", "POST"])
@admin_required
def new_agreement(partner_id: int):
    """Open an agreement: its dates, a template of standard obligations, its signed documents."""
    partner = _writable_partner(partner_id)
    form = AgreementForm()
    templates = db.session.scalars(db.select(ObligationTemplate).order_by(ObligationTemplate.name))
    form.template_id.choices = choices(
        [("", gettext("None: I will add obligations one by one"))]
        + [(str(t.id), t.name) for t in templates]
    )
    documents = db.session.scalars(
        db.select(PartnerDocument)
        .where(PartnerDocument.partner_id == partner.id, PartnerDocument.agreement_id.is_(None))
        .order_by(PartnerDocument.valid_from)
    ).all()
    form.document_ids.choices = choices(
        (str(d.id), f"{d.reference} – {d.filename}") for d in documents
    )
    if form.validate_on_submit():
        try:
            agreement = terms.open_agreement(current_user, partner, form.draft())
        except DomainError as error:
            attach_error(form, error)
        else:
            count = len(agreement.obligations)
            flash(
                ngettext(
                    "Agreement opened with %(num)d obligation; the partner can see it.",
                    "Agreement opened with %(num)d obligations; the partner can see it.",
                    count,
                ),
                "success",
            )
            return go_to(_partner_page(partner.id))
    status = 422 if form.is_submitted() else 200
    return render(
        "obligations/new_agreement.html", block="panel", status=status, form=form, partner=partner
    )


def _obligation_form(form: ObligationForm, partner_id: int) -> ObligationForm:
    form.responsible_user_id.choices = choices(
        [("", gettext("Nobody in particular: the side's people"))]
        + [(str(i), label) for i, label in terms.responsible_choices(partner_id)]
    )
    return form


def _obligation_page(form, agreement, obligation=None, status=200):
    return render(
        "obligations/obligation_form.html",
        block="panel",
        status=status,
        form=form,
        agreement=agreement,
        obligation=obligation,
    )


@bp.route("/agreements/<int:agreement_id>/obligations/new", methods=["GET", "POST"])
@admin_required
def new_obligation(agreement_id: int):
    """Add one obligation of either side to an agreement."""
    agreement = partnership_agreement_or_404(current_user, agreement_id)
    form = _obligation_form(ObligationForm(), agreement.partner_id)
    if form.validate_on_submit():
        try:
            terms.add_obligation(current_user, agreement, form.draft())
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(gettext("Obligation added; both sides see it."), "success")
            return go_to(_partner_page(agreement.partner_id))
    return _obligation_page(form, agreement, status=422 if form.is_submitted() else 200)


@bp.route("/obligations/<int:obligation_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_obligation(obligation_id: int):
    """Change an obligation, saying why (audited, shown to both sides)."""
    obligation = obligation_or_404(current_user, obligation_id)
    agreement = obligation.agreement
    if request.method == "GET":
        form = ObligationForm(obj=obligation)
        form.responsible_user_id.data = str(obligation.responsible_user_id or "")
        form.rule.data = obligation.rule or ""
    else:
        form = ObligationForm()
    _obligation_form(form, agreement.partner_id)
    if form.validate_on_submit():
        try:
            terms.change_obligation(current_user, obligation, form.draft(), form.reason.data or "")
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(gettext("Obligation changed; the partner was told why."), "success")
            return go_to(_partner_page(agreement.partner_id))
    status = 422 if form.is_submitted() else 200
    return _obligation_page(form, agreement, obligation, status)


@bp.route("/obligations/<int:obligation_id>/observe", methods=["GET", "POST"])
@login_required
def observe(obligation_id: int):
    """Upload the evidence of one occurrence, or confirm the other side kept it."""
    obligation = obligation_or_404(current_user, obligation_id)
    partner_id = obligation.agreement.partner_id
    require(may_observe(current_user, obligation, partner_id))
    form = ObserveForm()
    if request.method == "GET":
        form.due_on.data = request.args.get("due", "")
    if form.validate_on_submit():
        try:
            due_on = _day_or_none(form.due_on.data)
            observing.observe(
                current_user, obligation, due_on, form.note.data or "", form.file.data
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(
                gettext("Evidence uploaded; the other side sees it now.")
                if obligation.observed_by == "evidence"
                else gettext("Confirmed; the other side sees it now."),
                "success",
            )
            return go_to(_partner_page(partner_id))
    return render(
        "obligations/observe.html",
        block="panel",
        status=422 if form.is_submitted() else 200,
        form=form,
        obligation=obligation,
        due_on=_day_or_none(form.due_on.data),
        back=_partner_page(partner_id),
    )


def _day_or_none(value):
    try:
        return day(value or "")
    except ValueError:
        return None


@bp.get("/obligations/<int:obligation_id>/evidence/<int:observation_id>")
@login_required
def evidence(obligation_id: int, observation_id: int):
    """An evidence file, as an attachment, to staff and the partner's own people."""
    obligation = obligation_or_404(current_user, obligation_id)
    observation = observation_or_404(current_user, obligation, observation_id)
    if not observation.storage_key:
        abort(404)
    path = storage().path(observation.storage_key)
    if not path.exists():
        abort(404)
    return send_file(
        path,
        mimetype=observation.content_type,
        as_attachment=True,
        download_name=observation.filename,
    )


@bp.get("/organisation/agreement")
@login_required
def mine():
    """The partner's agreements: its own obligations and the programme's, side by side."""
    if current_user.is_staff:  # staff read them on each partner's page
        return redirect(url_for("partners.index"))
    partner = own_partner(current_user)
    return render("obligations/mine.html", partner=partner)


@bp.app_context_processor
def _labels() -> dict:
    return {
        "obligation_sides": SIDES,
        "obligation_recurrences": RECURRENCES,
        "obligation_observed_by": OBSERVED_BY,
        "obligation_rules": RULES,
        "may_manage_obligations": may_manage_obligations,
        "may_observe": may_observe,
    }
