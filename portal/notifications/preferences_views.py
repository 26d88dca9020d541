"""Each person's own settings; nobody changes anyone else's here."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from portal.core.errors import DomainError
from portal.core.forms import attach_error
from portal.core.htmx import render
from portal.notifications import settings_bp as bp
from portal.notifications.forms import NoticeForm
from portal.notifications.preferences import kinds_for, muted, update_preferences
from portal.partners.forms import options


@bp.route("/notifications", methods=["GET", "POST"])
@login_required
def notifications():
    """Immediate emails or a daily digest, and which notifications not to email at all."""
    kinds = kinds_for(current_user)
    form = NoticeForm(
        data={
            "delivery": current_user.notice_delivery,
            "emailed": [k for k in kinds if k not in muted(current_user)],
        }
    )
    form.emailed.choices = options(kinds)
    status = 200
    if form.is_submitted():
        if not form.delivery.raw_data:
            form.delivery.errors = [gettext("Choose immediate emails or a daily digest.")]
            status = 422
        elif form.validate():
            try:
                update_preferences(current_user, form.delivery.data, form.emailed.data or [])
            except DomainError as error:
                attach_error(form, error)
                status = 422
            else:
                flash(gettext("Your notification settings are saved."), "success")
                return redirect(url_for(".notifications"))
        else:
            status = 422
    return render("notifications/settings.html", block="form", status=status, form=form)
