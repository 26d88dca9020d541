"""Administrators' pages for API tokens: the list, making one (its secret shown
once, on the answer to the form), revoking one."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user

from portal.api import tokens as service
from portal.api import tokens_bp as bp
from portal.api.forms import TokenForm, scope_labels
from portal.api.registry import RESOURCES
from portal.core.access import admin_required, may_manage_api_tokens, require
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.forms import attach_error
from portal.models import ApiToken


@bp.get("")
@admin_required
def index():
    """Every token: what it may read, who made it, when it was last used."""
    require(may_manage_api_tokens(current_user))
    return render_template(
        "api/tokens.html", tokens=service.tokens(), resources=RESOURCES, scope_labels=scope_labels
    )


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def new():
    """Make a token; the answer shows its secret, the only time it is shown."""
    require(may_manage_api_tokens(current_user))
    form = TokenForm()
    if form.validate_on_submit():
        try:
            token, secret = service.create_token(
                current_user, form.name.data or "", form.scopes.data or []
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            # Rendered, not redirected: a flash would keep the secret in the cookie.
            return render_template(
                "api/created.html", token=token, secret=secret, scope_labels=scope_labels
            )
    status = 422 if form.is_submitted() else 200
    return render_template("api/new.html", form=form), status


@bp.post("/<int:api_token_id>/revoke")
@admin_required
def revoke(api_token_id: int):
    """Revoke a token: requests with it are refused from now on."""
    require(may_manage_api_tokens(current_user))
    token = db.get_or_404(ApiToken, api_token_id)
    try:
        service.revoke_token(current_user, token)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(
            gettext(
                "“%(name)s” is revoked: requests with it are refused from now on.",
                name=token.name,
            ),
            "success",
        )
    return redirect(url_for(".index"))
