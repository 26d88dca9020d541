"""Setting the terms: opening an agreement (from a template of standard
obligations, with the partner's signed documents attached), adding an
obligation, changing one (with a reason, audited, told to the other side).
Each operation validates everything before it writes anything, and commits once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext

from portal.core import audit
from portal.core.access import may_manage_obligations, require
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.models import (
    Agreement,
    Obligation,
    ObligationTemplate,
    Partner,
    PartnerDocument,
    User,
)
from portal.obligations import schedule
from portal.obligations.models import OBSERVED_BY, RULE_SIDES, RULES, SIDES
from portal.obligations.sides import tell_other_side

FIELDS = [
    "side",
    "responsible_user_id",
    "description",
    "recurrence",
    "first_due_on",
    "observed_by",
    "rule",
    "rule_days",
]
MAX_RULE_DAYS = 60


@dataclass
class AgreementDraft:
    title: str
    starts_on: date | None
    ends_on: date | None = None
    template_id: int | None = None
    document_ids: list[int] = field(default_factory=list)


@dataclass
class ObligationDraft:
    side: str | None
    description: str
    recurrence: str | None
    first_due_on: date | None
    observed_by: str | None
    responsible_user_id: int | None = None
    rule: str | None = None
    rule_days: int | None = None


def responsible_choices(partner_id: int, side: str | None = None) -> list[tuple[int, str]]:
    """People who may be made responsible: the programme's staff, the partner's people."""
    staff = User.role.in_(("admin", "manager"))
    theirs = User.partner_id == partner_id
    condition = staff if side == "programme" else theirs if side == "partner" else staff | theirs
    people = db.session.scalars(db.select(User).where(condition, User.active).order_by(User.name))
    return [
        (
            u.id,
            gettext("%(name)s (programme)", name=u.name)
            if u.is_staff
            else gettext("%(name)s (partner)", name=u.name),
        )
        for u in people
    ]


def _checked(partner: Partner, agreement: Agreement, draft: ObligationDraft) -> dict:
    """The obligation's columns, or the first rule broken (next to its field)."""
    if draft.side not in SIDES:
        raise DomainError(
            gettext("Choose which side owes this: the programme or the partner."), "side"
        )
    description = (draft.description or "").strip()
    if not description:
        raise DomainError(gettext("Say what exactly is owed."), field="description")
    if len(description) > 1000:
        raise DomainError(
            gettext("Keep the description under 1,000 characters."), field="description"
        )
    if draft.responsible_user_id is not None:
        allowed = dict(responsible_choices(partner.id, draft.side))
        if draft.responsible_user_id not in allowed:
            raise DomainError(
                gettext("Choose someone from the programme team.")
                if draft.side == "programme"
                else gettext("Choose someone from the partner's people."),
                field="responsible_user_id",
            )
    schedule.check_falls_due(
        draft.recurrence, draft.first_due_on, agreement.starts_on, agreement.ends_on
    )
    if draft.observed_by not in OBSERVED_BY:
        raise DomainError(gettext("Choose how it is observed."), field="observed_by")
    rule, days = None, None
    if draft.observed_by == "automatic":
        if draft.rule not in RULES:
            raise DomainError(gettext("Choose what the portal observes it from."), field="rule")
        if RULE_SIDES[draft.rule] != draft.side:
            raise DomainError(
                gettext("This is observed of the programme: choose that side.")
                if RULE_SIDES[draft.rule] == "programme"
                else gettext("This is observed of the partner: choose that side."),
                "rule",
            )
        rule = draft.rule
        if rule == "reviews_within":
            days = draft.rule_days
            if days is None or not 1 <= days <= MAX_RULE_DAYS:
                raise DomainError(
                    gettext("Enter the working days, 1 to %(most)s.", most=MAX_RULE_DAYS),
                    field="rule_days",
                )
    return {
        "side": draft.side,
        "responsible_user_id": draft.responsible_user_id,
        "description": description,
        "recurrence": draft.recurrence,
        "first_due_on": draft.first_due_on,
        "observed_by": draft.observed_by,
        "rule": rule,
        "rule_days": days,
    }


def _writable(actor: User, partner: Partner) -> None:
    require(may_manage_obligations(actor))
    if partner.merged_into_id or partner.status == "merged":
        raise DomainError(gettext("This partner was merged into another: set its terms there."))


def open_agreement(actor: User, partner: Partner, draft: AgreementDraft) -> Agreement:
    """A new agreement, its template's obligations, its attached documents. One commit."""
    _writable(actor, partner)
    title = (draft.title or "").strip()
    if not title:
        raise DomainError(gettext("Give the agreement a title."), field="title")
    if len(title) > 200:
        raise DomainError(gettext("Keep the title under 200 characters."), field="title")
    if draft.starts_on is None:
        raise DomainError(gettext("Enter the day the agreement starts."), field="starts_on")
    if draft.ends_on is not None and draft.ends_on < draft.starts_on:
        raise DomainError(gettext("The agreement ends before it starts."), field="ends_on")
    template = None
    if draft.template_id is not None:
        template = db.session.get(ObligationTemplate, draft.template_id)
        if template is None:
            raise DomainError(gettext("Choose a template from the list."), field="template_id")
    documents = []
    if draft.document_ids:
        documents = list(
            db.session.scalars(
                db.select(PartnerDocument).where(
                    PartnerDocument.id.in_(draft.document_ids),
                    PartnerDocument.partner_id == partner.id,
                )
            )
        )
        if len(documents) != len(set(draft.document_ids)):
            raise DomainError(
                gettext("Attach this partner's own documents only."), field="document_ids"
            )
    agreement = Agreement(
        partner_id=partner.id,
        title=title,
        starts_on=draft.starts_on,
        ends_on=draft.ends_on,
        created_by_id=actor.id,
    )
    # Every obligation is checked before anything is added: nothing half-saved.
    drafts = [_from_template(item, agreement) for item in (template.items if template else [])]
    columns = [_checked(partner, agreement, d) for d in drafts]
    db.session.add(agreement)
    db.session.flush()
    for document in documents:
        document.agreement_id = agreement.id
    audit.record(
        actor,
        "agreement_opened",
        agreement,
        partner_id=partner.id,
        changes=audit.created(agreement, ["title", "starts_on", "ends_on"])
        | ({"template": (None, template.name)} if template else {})
        | ({"documents": (None, ", ".join(d.reference for d in documents))} if documents else {}),
    )
    for values in columns:
        _add(actor, agreement, values)
    tell_other_side(actor, partner.id, f"New agreement: {title}")
    db.session.commit()
    return agreement


def _from_template(item, agreement: Agreement) -> ObligationDraft:
    return ObligationDraft(
        side=item.side,
        description=item.description,
        recurrence=item.recurrence,
        first_due_on=schedule.template_first_due(agreement.starts_on, item.first_due_months),
        observed_by=item.observed_by,
        rule=item.rule,
        rule_days=item.rule_days,
    )


def _add(actor: User, agreement: Agreement, values: dict) -> Obligation:
    obligation = Obligation(agreement=agreement, created_by_id=actor.id, **values)
    db.session.add(obligation)
    db.session.flush()
    audit.record(
        actor,
        "obligation_added",
        obligation,
        partner_id=agreement.partner_id,
        changes=audit.created(obligation, FIELDS),
    )
    return obligation


def add_obligation(actor: User, agreement: Agreement, draft: ObligationDraft) -> Obligation:
    partner = agreement.partner
    _writable(actor, partner)
    obligation = _add(actor, agreement, _checked(partner, agreement, draft))
    tell_other_side(actor, partner.id, f"New obligation: {obligation.label}")
    db.session.commit()
    return obligation


def change_obligation(
    actor: User, obligation: Obligation, draft: ObligationDraft, reason: str
) -> Obligation:
    """Change what is owed, by whom, when or how it is observed: a reason is
    required, the change is audited on the partner's history and told to the
    other side. Observations already made stay with their due dates."""
    agreement = obligation.agreement
    _writable(actor, agreement.partner)
    if not obligation.active:
        raise DomainError(gettext("This obligation has ended; it can no longer change."))
    values = _checked(agreement.partner, agreement, draft)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            gettext("Say why the obligation changes: both sides will read it."), "reason"
        )
    if len(reason) > 1000:
        raise DomainError(gettext("Keep the reason under 1,000 characters."), field="reason")
    changes = {k: (getattr(obligation, k), v) for k, v in values.items()}
    if all(before == after for before, after in changes.values()):
        raise DomainError(gettext("Nothing was changed."), field="description")
    for key, value in values.items():
        setattr(obligation, key, value)
    audit.record(
        actor,
        "obligation_changed",
        obligation,
        partner_id=agreement.partner_id,
        changes=changes,
        reason=reason,
    )
    tell_other_side(actor, agreement.partner_id, f"Obligation changed: {obligation.label}")
    db.session.commit()
    return obligation
