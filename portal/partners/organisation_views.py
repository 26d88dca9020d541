"""A partner's own organisation: its details (contacts and reporting preferences,
edited by the focal point), its people, and its change history."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from portal.core.access import history_visible_to, may_manage_partner, own_partner, require
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.forms import attach_error
from portal.core.htmx import is_htmx, render
from portal.core.inputs import identifier_or_none
from portal.models import AuditEvent, Partner, User
from portal.partners import organisation_bp as bp
from portal.partners.drafts import ContactDraft
from portal.partners.organisation_forms import ColleagueForm, DetailsForm
from portal.partners.people import invite_colleague, set_user_access
from portal.partners.records import update_details


def _own_partner() -> Partner:
    if current_user.is_staff and request.method == "GET":  # staff use the records under /partners
        abort(redirect(url_for("partners.index")))
    return own_partner(current_user)


def _details_form(partner: Partner) -> DetailsForm:
    data = {
        "language": partner.language,
        "reporting_frequency": partner.reporting_frequency,
        "invoice_format": partner.invoice_format,
        "contacts": [
            {
                "id": c.id,
                "name": c.name,
                "title": c.title,
                "email": c.email,
                "phone": c.phone,
                "address": c.address,
            }
            for c in partner.contacts
        ],
    }
    return DetailsForm(data=data)


@bp.route("", methods=["GET", "POST"])
@login_required
def details():
    """Everyone at the partner reads; the focal point edits."""
    partner = _own_partner()
    manages = may_manage_partner(current_user, partner)
    form = DetailsForm() if manages else _details_form(partner)
    status = 200
    if manages and request.form.get("action") == "add_contact":
        form.contacts.append_entry()  # one more empty contact; nothing saved yet
    elif manages and form.is_submitted():
        # A value the person left as it was is not checked again: a number saved
        # before a rule changed must not stop them saving the rest.
        form.remember(partner.contacts)
        if form.validate():
            try:
                update_details(
                    current_user,
                    partner,
                    contacts=[
                        ContactDraft(
                            name=e.form.name.data or "",
                            title=e.form.title.data or "",
                            email=e.form.email.data or "",
                            phone=e.form.phone.data or "",
                            address=e.form.address.data or "",
                            id=identifier_or_none(e.form.id.data),
                        )
                        for e in form.contacts
                    ],
                    language=form.language.data,
                    reporting_frequency=form.reporting_frequency.data,
                    invoice_format=form.invoice_format.data,
                )
            except DomainError as error:
                attach_error(form, error)
            else:
                notice = gettext("Saved. Your organisation's details are up to date.")
                if is_htmx():
                    # The form, fresh from the record, and the notice in the page's
                    # alerts (out of band): no page load, so no flash to wait for it.
                    return render(
                        "partners/organisation/details.html",
                        block="form",
                        partner=partner,
                        form=_details_form(partner),
                        editable=manages,
                        saved=notice,
                    )
                flash(notice, "success")
                return redirect(url_for(".details"))
        status = 422
    elif not form.is_submitted() and manages:
        form = _details_form(partner)
    return render(
        "partners/organisation/details.html",
        block="form",
        status=status,
        partner=partner,
        form=form,
        editable=manages,
    )


@bp.route("/people", methods=["GET", "POST"])
@login_required
def people():
    """The organisation's logins; the focal point invites and deactivates colleagues."""
    partner = _own_partner()
    form = ColleagueForm()
    status = 200
    if form.is_submitted():
        require(may_manage_partner(current_user, partner))
        if form.validate():
            try:
                invite_colleague(
                    current_user,
                    partner,
                    name=form.name.data,
                    email=form.email.data,
                    role=form.role.data,
                )
            except DomainError as error:
                attach_error(form, error)
            else:
                # The name as typed: the same answer whether the address was new or not.
                flash(
                    gettext(
                        "%(name)s is invited; they will get an email.", name=form.name.data.strip()
                    ),
                    "success",
                )
                return redirect(url_for(".people"))
        status = 422
    users = db.session.scalars(
        db.select(User).filter_by(partner_id=partner.id).order_by(User.active.desc(), User.name)
    ).all()
    return render(
        "partners/organisation/people.html", status=status, partner=partner, users=users, form=form
    )


@bp.post("/people/<int:user_id>/access")
@login_required
def access(user_id: int):
    """Deactivate or reactivate a colleague's login (focal point only)."""
    partner = _own_partner()
    user = db.session.scalar(db.select(User).filter_by(id=user_id, partner_id=partner.id))
    require(user is not None, hidden=True)
    require(may_manage_partner(current_user, partner))
    try:
        set_user_access(current_user, user, active=request.form.get("active") == "1")
    except DomainError as error:
        flash(error.message, "error")
    else:
        if user.active:
            flash(gettext("%(name)s can log in again.", name=user.name), "success")
        else:
            flash(gettext("%(name)s can no longer log in.", name=user.name), "success")
    return redirect(url_for(".people"))


@bp.get("/history")
@login_required
def history():
    """Who changed what in the organisation's record, and when. Staff notes (the
    reasons staff give) stay with staff."""
    partner = _own_partner()
    events = db.session.scalars(
        db.select(AuditEvent)
        .where(AuditEvent.partner_id == partner.id, history_visible_to(current_user))
        .options(selectinload(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(500)
    ).all()
    return render("partners/organisation/history.html", partner=partner, events=events)
