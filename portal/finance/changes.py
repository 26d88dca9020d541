"""Changing a partner's bank details: an administrator proposes new details
with a reason; they take effect only when a different administrator confirms
them; the proposer may cancel. Revealing the full number is audited too.

Every audit event stores masked numbers only (the last four characters), so the
history never holds a full account number. Callers commit."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext, lazy_gettext
from sqlalchemy import select

from portal.core import audit
from portal.core.access import may_see_bank_details, require
from portal.core.errors import Conflict, DomainError
from portal.core.extensions import db
from portal.finance.details import BankDetails, masked
from portal.finance.models import BANK_FIELDS, BankAccount, BankDetailsChange
from portal.mail.links import external_url
from portal.mail.queue import queue_email
from portal.models import Partner, User, utcnow

REASON_MAX = 2000


def account_of(partner_id: int) -> BankAccount | None:
    return db.session.scalar(select(BankAccount).filter_by(partner_id=partner_id))


def pending_change(partner_id: int) -> BankDetailsChange | None:
    return db.session.scalar(
        select(BankDetailsChange).filter_by(partner_id=partner_id, status="pending")
    )


def _audited(values) -> dict:
    """What the audit trail may hold of bank details: the number masked."""
    shown = {f: getattr(values, f) or None for f in BANK_FIELDS}
    shown["account_number"] = masked(values.account_number)
    return shown


def propose_change(
    actor: User, partner: Partner, details: BankDetails, reason: str
) -> BankDetailsChange:
    """New bank details, waiting for a second administrator; the others are told."""
    require(may_see_bank_details(actor))
    reason = (reason or "").strip()
    checked = details.checked()
    if not reason:
        raise DomainError(
            gettext("Say why the bank details change (e.g. the partner's letter of …)."),
            "reason",
        )
    if len(reason) > REASON_MAX:
        raise DomainError(
            gettext("The reason is longer than %(max)d characters.", max=REASON_MAX), "reason"
        )
    if pending_change(partner.id) is not None:
        raise Conflict(
            gettext(
                "A change of these bank details already waits for confirmation: "
                "confirm or cancel it first."
            ),
            "account_number",
        )
    current = account_of(partner.id)
    if current is not None and all(
        (getattr(current, f) or "") == (getattr(checked, f) or "") for f in BANK_FIELDS
    ):
        raise DomainError(gettext("These are the bank details already on file."), "account_number")
    change = BankDetailsChange(
        partner_id=partner.id,
        holder=checked.holder,
        bank=checked.bank,
        account_number=checked.account_number,
        bic=checked.bic or None,
        currency=checked.currency,
        reason=reason,
        proposed_by_id=actor.id,
    )
    db.session.add(change)
    db.session.flush()
    before = _audited(current) if current else dict.fromkeys(BANK_FIELDS)
    after = _audited(change)
    audit.record(
        actor,
        "bank_details_proposed",
        change,
        partner_id=partner.id,
        changes={f: (before[f], after[f]) for f in BANK_FIELDS},
        reason=reason,
    )
    others = db.session.scalars(
        select(User).where(User.role == "admin", User.active.is_(True), User.id != actor.id)
    ).all()
    queue_email(
        others,
        "bank_details_proposed",
        {
            "partner": partner,
            "actor": actor,
            "reason": reason,
            "masked": after["account_number"],
            "currency": change.currency,
            "link": external_url("finance.change", partner_id=partner.id, change_id=change.id),
        },
        subject=lazy_gettext(
            "%(partner)s: bank details change to confirm", partner=partner.display_name
        ),
    )
    return change


def _decide(actor: User, change: BankDetailsChange) -> None:
    require(may_see_bank_details(actor))
    if change.status != "pending":
        if change.status == "confirmed":
            raise Conflict(gettext("This change was confirmed already. Reload the page."))
        raise Conflict(gettext("This change was cancelled already. Reload the page."))


def confirm_change(actor: User, partner: Partner, change: BankDetailsChange) -> BankAccount:
    """A second administrator confirms: the details take effect; finance is told."""
    _decide(actor, change)
    if change.proposed_by_id == actor.id:
        raise DomainError(
            gettext("You proposed this change: another administrator must confirm it."),
            "confirm",
        )
    account = account_of(partner.id)
    before = _audited(account) if account else dict.fromkeys(BANK_FIELDS)
    if account is None:
        account = BankAccount(partner_id=partner.id)
        db.session.add(account)
    for f in BANK_FIELDS:
        setattr(account, f, getattr(change, f))
    account.change_id = change.id
    account.updated_at = utcnow()
    change.status, change.decided_by_id, change.decided_at = "confirmed", actor.id, utcnow()
    db.session.flush()
    after = _audited(account)
    audit.record(
        actor,
        "bank_details_confirmed",
        account,
        partner_id=partner.id,
        changes={f: (before[f], after[f]) for f in BANK_FIELDS},
        reason=change.reason,
    )
    finance = current_app.config["FINANCE_EMAILS"]
    if finance:
        queue_email(
            finance,
            "bank_details_confirmed",
            {
                "partner": partner,
                "proposer": change.proposed_by,
                "actor": actor,
                "reason": change.reason,
                "masked": after["account_number"],
                "before": before["account_number"],
                "currency": account.currency,
            },
            subject=lazy_gettext("%(partner)s: bank details changed", partner=partner.display_name),
        )
    return account


def cancel_change(actor: User, partner: Partner, change: BankDetailsChange) -> None:
    """The proposer withdraws the change (another administrator confirms or leaves it)."""
    _decide(actor, change)
    if change.proposed_by_id != actor.id:
        raise DomainError(
            gettext("Only the administrator who proposed this change may cancel it."),
            "cancel",
        )
    change.status, change.decided_by_id, change.decided_at = "cancelled", actor.id, utcnow()
    audit.record(
        actor,
        "bank_details_cancelled",
        change,
        partner_id=partner.id,
        changes={"status": ("pending", "cancelled")},
    )


def reveal(actor: User, partner: Partner, shown: BankAccount | BankDetailsChange) -> str:
    """The full number, for an administrator, written to the audit trail first."""
    require(may_see_bank_details(actor))
    audit.record(
        actor,
        "bank_details_revealed",
        shown,
        partner_id=partner.id,
        changes={"account_number": (None, masked(shown.account_number))},
    )
    return shown.account_number
