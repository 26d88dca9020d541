"""The programme exit page: what leaving ends, and the form that confirms it."""

from __future__ import annotations

from flask import flash, url_for
from flask_babel import gettext
from flask_login import current_user

from portal.core.access import admin_required
from portal.core.clock import local_today
from portal.core.errors import DomainError
from portal.core.forms import attach_error
from portal.core.htmx import go_to, render
from portal.partners.views import partner_record
from portal.partnerships import bp
from portal.partnerships.exit import exit_programme, plan
from portal.partnerships.forms import ExitForm


@bp.route("/partners/<int:partner_id>/exit", methods=["GET", "POST"])
@admin_required
def programme_exit(partner_id: int):
    partner = partner_record(partner_id)
    form = ExitForm(effective_on=local_today())
    if form.validate_on_submit():
        try:
            exit_programme(
                current_user,
                partner,
                reason=form.reason.data,
                note=form.note.data,
                effective_on=form.effective_on.data,
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(
                gettext(
                    "%(partner)s has left the programme; its record stays readable.",
                    partner=partner.name,
                ),
                "success",
            )
            return go_to(url_for("partners.show", partner_id=partner.id))
    return render(
        "partnerships/exit.html",
        block="form",
        status=422 if form.errors or form.form_errors else 200,
        partner=partner,
        form=form,
        plan=plan(current_user, partner),
    )
