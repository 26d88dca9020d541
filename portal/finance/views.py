"""Bank details on the staff partner page, for administrators only: masked
everywhere; the full number only in the answer to "Reveal", which is audited.
Pages that carry bank details are never cached."""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_babel import gettext
from flask_login import current_user

from portal.core.access import admin_required, bank_change_or_404, may_see_bank_details
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.forms import attach_error
from portal.core.htmx import go_to, render
from portal.finance import bp
from portal.finance.changes import (
    account_of,
    cancel_change,
    confirm_change,
    pending_change,
    propose_change,
    reveal,
)
from portal.finance.details import BankDetails, account_number, bic, currency, formatted, masked
from portal.finance.forms import ActionForm, BankDetailsForm
from portal.partners.views import partner_record


def _private(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_template_global()
def bank_details_of(partner_id: int) -> dict | None:
    """The finance card's content (two queries), for administrators only."""
    if not may_see_bank_details(current_user):
        return None
    return {"account": account_of(partner_id), "pending": pending_change(partner_id)}


@bp.app_template_filter("masked")
def masked_filter(number: str | None) -> str:
    return masked(number)


@bp.route("/partners/<int:partner_id>/bank/change", methods=["GET", "POST"])
@admin_required
def propose(partner_id: int):
    """Propose new bank details; a second administrator confirms them."""
    partner = partner_record(partner_id)
    form = BankDetailsForm()
    status = 200
    details = BankDetails(
        holder=form.holder.data or "",
        bank=form.bank.data or "",
        account_number=form.account_number.data or "",
        currency=form.currency.data or "",
        bic=form.bic.data or "",
    )
    if form.is_submitted() and not form.validate():
        _check_too(form, details)
    elif form.is_submitted():
        try:
            propose_change(current_user, partner, details, form.reason.data)
        except DomainError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(
                gettext(
                    "The new bank details wait for another administrator's confirmation; "
                    "they were told."
                ),
                "success",
            )
            return go_to(url_for("partners.show", partner_id=partner.id))
    if form.is_submitted():
        status = 422
    current = account_of(partner.id)
    return _private(
        render(
            "finance/propose.html",
            block="panel",
            status=status,
            partner=partner,
            form=form,
            current=current,
        )
    )


def _check_too(form: BankDetailsForm, details: BankDetails) -> None:
    """A form refused for a missing field also says what is wrong with the number
    (or the currency or BIC), so one round trip shows everything to fix."""
    for name, check in (("account_number", account_number), ("currency", currency), ("bic", bic)):
        if getattr(form, name).errors:
            continue
        try:
            check(getattr(details, name))
        except DomainError as error:
            attach_error(form, error)


@bp.get("/partners/<int:partner_id>/bank/changes/<int:change_id>")
@admin_required
def change(partner_id: int, change_id: int):
    """A change, masked, with Confirm for the other administrators and Cancel for its proposer."""
    partner = partner_record(partner_id)
    proposed = bank_change_or_404(current_user, partner, change_id)
    return _change_page(partner, proposed, ActionForm())


def _change_page(partner, proposed, form, status: int = 200):
    return _private(
        render(
            "finance/change.html",
            block="panel",
            status=status,
            partner=partner,
            proposed=proposed,
            current=account_of(partner.id),
            form=form,
        )
    )


def _decide(partner_id: int, change_id: int, decide, notice: str):
    partner = partner_record(partner_id)
    proposed = bank_change_or_404(current_user, partner, change_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        decide(current_user, partner, proposed)
    except DomainError as error:
        db.session.rollback()
        attach_error(form, error)
        return _change_page(partner, proposed, form, 422)
    db.session.commit()
    flash(notice, "success")
    return go_to(url_for("partners.show", partner_id=partner.id))


@bp.post("/partners/<int:partner_id>/bank/changes/<int:change_id>/confirm")
@admin_required
def confirm(partner_id: int, change_id: int):
    return _decide(
        partner_id,
        change_id,
        confirm_change,
        "The new bank details are in effect; finance was told.",
    )


@bp.post("/partners/<int:partner_id>/bank/changes/<int:change_id>/cancel")
@admin_required
def cancel(partner_id: int, change_id: int):
    return _decide(partner_id, change_id, cancel_change, "The proposed change was cancelled.")


def _revealed(partner, shown, back: str):
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    number = reveal(current_user, partner, shown)
    db.session.commit()
    return _private(
        render(
            "finance/revealed.html",
            block="number",
            partner=partner,
            number=formatted(number),
            back=back,
        )
    )


@bp.post("/partners/<int:partner_id>/bank/reveal")
@admin_required
def reveal_account(partner_id: int):
    """The full number on file, once, written to the audit trail."""
    partner = partner_record(partner_id)
    account = account_of(partner.id)
    if account is None:
        abort(404)
    back = url_for("partners.show", partner_id=partner.id)
    return _revealed(partner, account, back)


@bp.post("/partners/<int:partner_id>/bank/changes/<int:change_id>/reveal")
@admin_required
def reveal_change(partner_id: int, change_id: int):
    """The full proposed number, to check against the partner's letter; audited."""
    partner = partner_record(partner_id)
    proposed = bank_change_or_404(current_user, partner, change_id)
    back = url_for(".change", partner_id=partner.id, change_id=proposed.id)
    return _revealed(partner, proposed, back)


@bp.before_request
def _no_partner_accounts():
    """Belt and braces: nobody but an administrator reaches these routes at all."""
    if request.endpoint and current_user.is_authenticated and not current_user.is_admin:
        abort(403)
