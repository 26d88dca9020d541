"""The need check of a prospective partner: its checklist, the research on
duplicates, and the decision that makes it active (or not). Administrators
write; programme managers read. Every change is audited on the partner."""

from __future__ import annotations

from flask_babel import gettext

from portal.core import audit
from portal.core.clock import local_today
from portal.core.english import english
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.models import Partner, User, utcnow
from portal.partners.records import ensure_focal_login
from portal.partners.status import notify_programme_team
from portal.partnerships.models import DECISIONS, NEED_SECTIONS, NeedCheck, NeedItem

PROSPECTIVE = "prospective"


def need_check_of(partner: Partner) -> NeedCheck | None:
    return db.session.get(NeedCheck, partner.id)


def start_need_check(partner: Partner) -> NeedCheck:
    """The empty checklist of a partner added as prospective (callers commit)."""
    check = NeedCheck(partner_id=partner.id)
    db.session.add(check)
    return check


def _open_check(partner: Partner) -> NeedCheck:
    check = need_check_of(partner)
    if check is None or partner.status != PROSPECTIVE or check.decision:
        raise DomainError(
            gettext(
                "%(partner)s is no longer prospective: its need check is kept as it was decided.",
                partner=partner.name,
            )
        )
    return check


def add_item(actor: User, partner: Partner, section: str, text: str, tested: bool) -> NeedItem:
    if section not in NEED_SECTIONS:
        raise DomainError(gettext("Choose a section of the checklist."), field="section")
    text = (text or "").strip()
    if not text:
        raise DomainError(gettext("Write what the item is."), field="text")
    check = _open_check(partner)
    item = NeedItem(
        partner_id=check.partner_id,
        section=section,
        text=text,
        tested=bool(tested) if NEED_SECTIONS[section][1] else None,
        added_by_id=actor.id,
    )
    check.items.append(item)
    db.session.flush()
    audit.record(
        actor,
        "need_item_added",
        partner,
        partner_id=partner.id,
        changes={english(NEED_SECTIONS[section][0]): (None, _said(item))},
    )
    db.session.commit()
    return item


def set_tested(actor: User, partner: Partner, item_id: int, tested: bool) -> NeedItem:
    check = _open_check(partner)
    item = _item(check, item_id)
    if item.tested is None:
        raise DomainError(gettext("This item is not one to test with the partner."))
    if item.tested == bool(tested):
        return item  # a second click on a stale page: nothing changes
    before = _said(item)
    item.tested = bool(tested)
    audit.record(
        actor,
        "need_item_updated",
        partner,
        partner_id=partner.id,
        changes={english(NEED_SECTIONS[item.section][0]): (before, _said(item))},
    )
    db.session.commit()
    return item


def remove_item(actor: User, partner: Partner, item_id: int) -> None:
    check = _open_check(partner)
    item = _item(check, item_id)
    audit.record(
        actor,
        "need_item_removed",
        partner,
        partner_id=partner.id,
        changes={english(NEED_SECTIONS[item.section][0]): (_said(item), None)},
    )
    check.items.remove(item)
    db.session.commit()


def save_research(actor: User, partner: Partner, note: str) -> NeedCheck:
    check = _open_check(partner)
    note = (note or "").strip()
    before = check.research_note
    check.research_note = note
    audit.record(
        actor,
        "need_research_noted",
        partner,
        partner_id=partner.id,
        changes={"research on duplicate partnerships": (before or None, note or None)},
    )
    db.session.commit()
    return check


def missing_for_go(check: NeedCheck) -> list[str]:
    """What the checklist lacks before going ahead can be decided."""
    missing = [
        gettext("Add at least one item under “%(section)s”.", section=title)
        for section, (title, _) in NEED_SECTIONS.items()
        if not check.of_section(section)
    ]
    if not check.research_note.strip():
        missing.append(gettext("Note what the research on duplicate partnerships found."))
    return missing


def untested(check: NeedCheck) -> list[NeedItem]:
    return [i for i in check.items if i.tested is False]


def decide(actor: User, partner: Partner, decision: str, reason: str) -> NeedCheck:
    """Go ahead (the partner becomes active, its focal person is invited) or not
    (the partner is closed with the reason). The checklist stays as it was."""
    check = _open_check(partner)
    if decision not in DECISIONS:
        raise DomainError(gettext("Choose whether to go ahead."), field="decision")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(gettext("Say why: the reason is kept with the decision."), field="reason")
    if decision == "go" and (missing := missing_for_go(check)):
        raise DomainError(" ".join(missing), field="decision")
    status = "active" if decision == "go" else "closed"
    check.decision, check.decision_reason = decision, reason
    check.decided_by_id, check.decided_at = actor.id, utcnow()
    partner.status, partner.status_reason = status, reason
    partner.status_effective_on = local_today()
    audit.record(
        actor,
        "partnership_decided",
        partner,
        partner_id=partner.id,
        changes={
            "decision": (None, english(DECISIONS[decision])),
            "status": (PROSPECTIVE, status),
            "not yet tested with the partner": (None, len(untested(check)) or None),
        },
        reason=reason,
    )
    if decision == "go" and partner.primary_contact is not None:
        ensure_focal_login(actor, partner, partner.primary_contact)
    summary = (
        "The partnership goes ahead: the partner is now active."
        if decision == "go"
        else "The partnership does not go ahead: the partner is closed."
    )
    notify_programme_team(actor, partner, [summary], reason)
    db.session.commit()
    return check


def _item(check: NeedCheck, item_id: int) -> NeedItem:
    item = next((i for i in check.items if i.id == item_id), None)
    if item is None:
        raise DomainError(gettext("That item is no longer on the checklist. Reload the page."))
    return item


def _said(item: NeedItem) -> str:
    if item.tested is None:
        return item.text
    return f"{item.text} ({'tested' if item.tested else 'not yet tested'} with the partner)"
