"""The administrators' page of reasons for sending a document back."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from portal.accounts.forms import EmptyForm
from portal.core.access import may_manage_change_reasons, require
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.forms import attach_error
from portal.models import ChangeReason
from portal.review import bp
from portal.review import reasons as domain
from portal.review.forms import MoveForm, ReasonLabelForm


def _reason_or_404(reason_id: int) -> ChangeReason:
    require(may_manage_change_reasons(current_user))
    reason = db.session.get(ChangeReason, reason_id)
    require(reason is not None, hidden=True)
    return reason


@bp.route("/reasons", methods=["GET", "POST"])
@login_required
def reasons():
    """The reasons reviewers are offered, in order, the retired ones after; and a
    form to add one."""
    require(may_manage_change_reasons(current_user))
    form = ReasonLabelForm()
    if form.validate_on_submit():
        try:
            reason = domain.add_reason(current_user, form.label.data, form.other_languages())
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(gettext("“%(reason)s” is offered to reviewers.", reason=reason.label), "success")
            return redirect(url_for(".reasons"))
    status = 422 if form.errors else 200
    return render_template("review/reasons.html", form=form, reasons=domain.all_reasons()), status


@bp.route("/reasons/<int:reason_id>", methods=["GET", "POST"])
@login_required
def rename_reason(reason_id: int):
    """Rename a reason; documents sent back for it show the new name."""
    reason = _reason_or_404(reason_id)
    french = ((reason.translations or {}).get("fr") or {}).get("label", "")
    form = ReasonLabelForm(data={"label": reason.label, "label_fr": french})
    if form.validate_on_submit():
        try:
            domain.rename_reason(current_user, reason, form.label.data, form.other_languages())
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(gettext("Renamed to “%(reason)s”.", reason=reason.label), "success")
            return redirect(url_for(".reasons"))
    status = 422 if form.errors else 200
    return render_template("review/reason_rename.html", form=form, reason=reason), status


def _act(reason_id: int, action, done, form=None):
    """Run a one-button action on a reason; back to the list with what happened."""
    reason = _reason_or_404(reason_id)
    form = form or EmptyForm()
    if form.validate_on_submit():
        try:
            action(reason, form)
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(done(reason.label), "success")
    return redirect(url_for(".reasons"))


@bp.post("/reasons/<int:reason_id>/move")
@login_required
def move_reason(reason_id: int):
    """One place up or down the list."""
    return _act(
        reason_id,
        lambda reason, form: domain.move_reason(current_user, reason, form.direction.data),
        lambda label: gettext("Moved “%(reason)s”.", reason=label),
        MoveForm(),
    )


@bp.post("/reasons/<int:reason_id>/retire")
@login_required
def retire_reason(reason_id: int):
    """No longer offered; documents sent back for it keep it."""
    return _act(
        reason_id,
        lambda reason, form: domain.retire_reason(current_user, reason),
        lambda label: gettext("“%(reason)s” is retired: reviewers no longer see it.", reason=label),
    )


@bp.post("/reasons/<int:reason_id>/restore")
@login_required
def restore_reason(reason_id: int):
    """Offered again, at the end of the list."""
    return _act(
        reason_id,
        lambda reason, form: domain.restore_reason(current_user, reason),
        lambda label: gettext("“%(reason)s” is offered again.", reason=label),
    )
