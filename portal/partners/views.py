from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import Accreditation, AuditEvent, Partner, User
from portal.partners import bp
from portal.partners.forms import PartnerForm
from portal.permissions import admin_required, staff_required
from portal.services import DomainError
from portal.services.partners import add_partner
from portal.services.progress import completion
from portal.web import is_htmx, render


def _partner_list() -> dict:
    """The rows of the partner list, in a fixed number of queries."""
    partners = db.session.scalars(
        db.select(Partner)
        .options(
            selectinload(Partner.users),
            selectinload(Partner.accreditations).selectinload(Accreditation.milestones),
        )
        .order_by(Partner.name)
    ).all()
    latest = {p.id: p.accreditations[-1] for p in partners if p.accreditations}
    return {
        "partners": partners,
        "latest": latest,
        "percent": completion([a.id for a in latest.values()]),
    }


@bp.get("")
@staff_required
def index():
    """All partners with their status and progress."""
    return render("partners/index.html", **_partner_list())


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def new():
    """Add a partner: the slide-in panel for HTMX, a plain page without it."""
    form = PartnerForm()
    if form.validate_on_submit():
        try:
            partner = add_partner(
                current_user,
                name=form.name.data,
                acronym=form.acronym.data,
                focal_name=form.focal_name.data,
                focal_email=form.focal_email.data,
            )
        except DomainError as error:
            getattr(form, error.field).errors.append(error.message)
        else:
            notice = f"{partner.name} added; an invitation was emailed to {form.focal_email.data}."
            if is_htmx():
                # An empty panel closes it; the list is swapped out of band.
                return render("partners/_added.html", notice=notice, **_partner_list())
            flash(notice, "success")
            return redirect(url_for(".index"))
    status = 422 if form.errors else 200
    return render("partners/new.html", block="panel", status=status, form=form)


@bp.get("/<int:partner_id>")
@staff_required
def show(partner_id: int):
    """A partner's profile, people, accreditation and history."""
    partner = db.get_or_404(Partner, partner_id)
    history = db.session.scalars(
        db.select(AuditEvent)
        .where(AuditEvent.partner_id == partner.id)
        .options(selectinload(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    ).all()
    users = db.session.scalars(
        db.select(User).filter_by(partner_id=partner.id).order_by(User.name)
    ).all()
    percent = completion([a.id for a in partner.accreditations])
    return render_template(
        "partners/show.html", partner=partner, history=history, users=users, percent=percent
    )
