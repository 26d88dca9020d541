"""Partner records: adding and editing.

A partner is edited as a whole `PartnerDraft` (organisation, contacts,
coverage, preferences); the domain works out what changed, audits each change
with its reason, and tells the programme team when status, scope or coverage
moved. Callers get a DomainError naming the form field for a broken rule."""

from __future__ import annotations

from flask_babel import gettext
from sqlalchemy.orm.attributes import flag_modified

from portal.accounts.invitations import new_partner_user
from portal.accreditation.lifecycle import default_template, open_accreditation
from portal.core import audit
from portal.core.access import may_manage_partner, require
from portal.core.clock import local_today
from portal.core.errors import Conflict, DomainError
from portal.core.extensions import db
from portal.models import (
    Contact,
    Coverage,
    Partner,
    PartnershipType,
    User,
    utcnow,
)
from portal.partners import search as partner_search
from portal.partners.drafts import (
    PROFILE_FIELDS,
    ContactDraft,
    CoverageDraft,
    PartnerDraft,
    check_draft,
    one_year_after,
    target_of,
)
from portal.partners.status import notify_programme_team
from portal.partnerships.models import NeedCheck


def add_partner(actor: User, draft: PartnerDraft) -> Partner:
    """Create a partner with its contacts and coverage, a login for the primary
    focal person with an invitation, and an accreditation on the newest template.
    A prospective partner gets its need check instead: the login, the invitation
    and the accreditation wait for the decision to go ahead (portal.partnerships)."""
    check_draft(draft, None)
    status = "prospective" if draft.prospective else "active"
    partner = Partner(status=status, next_review_on=draft.next_review_on)
    _apply_profile(partner, draft)
    partner.next_review_on = draft.next_review_on or one_year_after(local_today())
    db.session.add(partner)
    db.session.flush()
    audit.record(
        actor,
        "partner_created",
        partner,
        partner_id=partner.id,
        changes=audit.created(partner, [*PROFILE_FIELDS, "status"])
        | {"types": (None, ", ".join(draft.types) or None)},
    )
    _save_contacts(actor, partner, draft.contacts, reason=None)
    _save_coverage(actor, partner, draft.coverage, reason=None)
    if draft.prospective:
        db.session.add(NeedCheck(partner_id=partner.id))
    elif template := default_template():
        open_accreditation(actor, partner, template, local_today())
    partner_search.refresh([partner.id])
    db.session.commit()
    return partner


def update_partner(
    actor: User, partner: Partner, draft: PartnerDraft, *, reason: str = "", version: int
) -> list[str]:
    """Apply `draft` to `partner`; returns what changed, in words. A `version`
    other than the partner's means someone saved in between: Conflict."""
    if version != partner.version:
        raise Conflict(gettext("Someone else changed this partner while you were editing. Reload."))
    check_draft(draft, partner)
    before = {f: getattr(partner, f) for f in PROFILE_FIELDS}
    types_before = ", ".join(partner.type_keys) or None
    _apply_profile(partner, draft)
    changes = {f: (before[f], getattr(partner, f)) for f in PROFILE_FIELDS}
    changes["types"] = (types_before, ", ".join(sorted(draft.types)) or None)
    summary = []
    if any(b != a for b, a in changes.values()):
        audit.record(
            actor,
            "partner_updated",
            partner,
            partner_id=partner.id,
            changes=changes,
            reason=reason or None,
        )
        if changes["scope_of_work"][0] != changes["scope_of_work"][1]:
            summary.append("Scope of work changed.")
        if changes["types"][0] != changes["types"][1]:
            summary.append(f"Partnership types: {changes['types'][1] or 'none'}.")
    contacts_changed = _save_contacts(actor, partner, draft.contacts, reason=reason)
    coverage_changes = _save_coverage(actor, partner, draft.coverage, reason=reason)
    summary += coverage_changes
    if contacts_changed or coverage_changes:
        # The partner's version moves, so a form opened before this is refused as stale.
        flag_modified(partner, "search_key")
    _mark_changed_by(actor, partner)
    if summary:
        notify_programme_team(actor, partner, summary, reason)
    partner_search.refresh([partner.id])
    db.session.commit()
    return summary


def update_details(
    actor: User,
    partner: Partner,
    *,
    contacts: list[ContactDraft],
    language: str,
    reporting_frequency: str,
    invoice_format: str,
) -> list[str]:
    """A partner's focal point updates their contacts and reporting preferences;
    the rest of the record, and who the primary focal person is, stay the programme's."""
    require(may_manage_partner(actor, partner))
    primary = partner.primary_contact
    for contact in contacts:
        contact.is_primary = primary is not None and contact.id == primary.id
    if primary is not None and not any(c.is_primary and c.name.strip() for c in contacts):
        raise DomainError(
            gettext(
                "%(name)s stays the primary focal person; the programme team changes that.",
                name=primary.name,
            ),
            field="contacts",
        )
    draft = PartnerDraft.of(partner)
    draft.contacts = contacts
    draft.language, draft.reporting_frequency = language, reporting_frequency
    draft.invoice_format = invoice_format
    return update_partner(actor, partner, draft, version=partner.version)


def _apply_profile(partner: Partner, draft: PartnerDraft) -> None:
    partner.name = " ".join(draft.name.split())
    partner.acronym = draft.acronym.strip() or None
    partner.search_key = partner_search.key(partner.name, partner.acronym)
    partner.scope_of_work = draft.scope_of_work.strip()
    partner.language = draft.language
    partner.reporting_frequency = draft.reporting_frequency
    partner.invoice_format = draft.invoice_format
    if draft.next_review_on:
        partner.next_review_on = draft.next_review_on
    wanted = set(draft.types)
    partner.types = [t for t in partner.types if t.kind in wanted] + [
        PartnershipType(kind=k) for k in sorted(wanted - set(partner.type_keys))
    ]


def _mark_changed_by(actor: User, partner: Partner) -> None:
    if actor.role == "partner":
        partner.partner_changed_at = utcnow()


def _save_contacts(
    actor: User, partner: Partner, drafts: list[ContactDraft], reason: str | None
) -> bool:
    """Add, change and end contacts so the current ones are `drafts` (a draft
    with no name removes its contact); a login is made (and an invitation sent)
    for a new primary focal person, and the previous one's login stops being the
    focal point's. Returns whether anything changed."""
    changed = False
    current = {
        c.id: c
        for c in db.session.scalars(
            db.select(Contact).filter_by(partner_id=partner.id, ended_at=None)
        )
    }
    for index, draft in enumerate(drafts):
        if draft.id and draft.id not in current:
            # A form opened before someone else ended or replaced this contact.
            raise Conflict(
                gettext(
                    "This contact was removed or replaced since the form was opened. "
                    "Reload the page to see the current contacts."
                ),
                field=f"contacts-{index}-name",
            )
    kept_ids = {d.id for d in drafts if d.id and d.name.strip()}
    # End the ones that went, and un-mark a primary before another is marked
    # (the database allows one current primary per partner).
    for contact in current.values():
        if contact.id not in kept_ids:
            changed = True
            if contact.is_primary:
                _demote_focal_login(actor, partner, contact, reason)
            contact.ended_at = utcnow()
            contact.is_primary = False
            audit.record(actor, "contact_ended", contact, partner_id=partner.id, reason=reason)
    for draft in drafts:
        if draft.id in kept_ids and not draft.is_primary and current[draft.id].is_primary:
            _demote_focal_login(actor, partner, current[draft.id], reason)
            current[draft.id].is_primary = False
            changed = True
    db.session.flush()
    for draft in drafts:
        if not draft.name.strip():
            continue
        values = {
            "name": draft.name.strip(),
            "title": draft.title.strip(),
            "email": draft.email.strip().lower(),
            "phone": draft.phone.strip(),
            "address": draft.address.strip(),
            "is_primary": draft.is_primary,
        }
        contact = current.get(draft.id)
        if contact is None:
            changed = True
            contact = Contact(partner_id=partner.id, **values)
            db.session.add(contact)
            db.session.flush()
            audit.record(
                actor,
                "contact_added",
                contact,
                partner_id=partner.id,
                changes={k: (None, v) for k, v in values.items() if v},
                reason=reason,
            )
        else:
            before = {k: getattr(contact, k) for k in values}
            for key, value in values.items():
                setattr(contact, key, value)
            changes = {k: (before[k], values[k]) for k in values}
            if any(b != a for b, a in changes.values()):
                changed = True
                db.session.flush()
                audit.record(
                    actor,
                    "contact_updated",
                    contact,
                    partner_id=partner.id,
                    changes=changes,
                    reason=reason,
                )
        if contact.is_primary and partner.status != "prospective":
            # A prospective partner's focal person is invited once it goes ahead.
            ensure_focal_login(actor, partner, contact)
    return changed


def _demote_focal_login(actor: User, partner: Partner, contact: Contact, reason) -> None:
    """A contact stops being the primary focal person: their login stays, as an editor."""
    if contact.user is not None and contact.user.partner_role == "focal":
        demote_focal(actor, contact.user, reason)


def demote_focal(actor: User, user: User, reason: str | None) -> None:
    """A focal login that is no longer the focal point's keeps working, as an
    editor's (a leadership change, a merge); audited."""
    user.partner_role = "editor"
    audit.record(
        actor,
        "user_updated",
        user,
        partner_id=user.partner_id,
        changes={"partner_role": ("focal", "editor")},
        reason=reason,
    )


def ensure_focal_login(actor: User, partner: Partner, contact: Contact) -> None:
    """The primary focal person can log in as the partner's focal point."""
    user = contact.user or db.session.scalar(db.select(User).filter_by(email=contact.email))
    if user is None:
        user = new_partner_user(
            actor, partner, name=contact.name, email=contact.email, role="focal"
        )
    elif user.partner_role != "focal":
        audit.record(
            actor,
            "user_updated",
            user,
            partner_id=partner.id,
            changes={"partner_role": (user.partner_role, "focal")},
        )
        user.partner_role = "focal"
    contact.user = user


def _save_coverage(
    actor: User, partner: Partner, drafts: list[CoverageDraft], reason: str | None
) -> list[str]:
    """Add, change and end coverage so the current entries are `drafts`; returns
    what changed, in words."""
    today = local_today()
    current = {
        c.id: c
        for c in db.session.scalars(db.select(Coverage).filter_by(partner_id=partner.id))
        if c.current
    }
    kept_ids = {d.id for d in drafts if d.id}
    summary = []
    for cover in current.values():
        if cover.id not in kept_ids:
            cover.ends_on = max(cover.starts_on, today)
            audit.record(
                actor,
                "coverage_ended",
                cover,
                partner_id=partner.id,
                changes={"ends_on": (None, cover.ends_on)},
                reason=reason,
            )
            summary.append(f"No longer covers {cover.target_name}.")
    for index, draft in enumerate(drafts):
        values = {
            "scope_note": draft.scope_note.strip(),
            "starts_on": draft.starts_on,
            "ends_on": draft.ends_on,
        }
        cover = current.get(draft.id)
        if cover is None:
            cover = Coverage(
                partner_id=partner.id,
                **target_of(draft.target, f"coverage-{index}-target"),
                **values,
            )
            db.session.add(cover)
            db.session.flush()
            audit.record(
                actor,
                "coverage_added",
                cover,
                partner_id=partner.id,
                changes={"area": (None, cover.target_name)}
                | {k: (None, v) for k, v in values.items() if v},
                reason=reason,
            )
            note = f" ({cover.scope_note})" if cover.scope_note else ""
            summary.append(f"Now covers {cover.target_name}{note} from {cover.starts_on:%d %b %Y}.")
        else:
            changes = {k: (getattr(cover, k), v) for k, v in values.items()}
            if any(b != a for b, a in changes.values()):
                for key, value in values.items():
                    setattr(cover, key, value)
                audit.record(
                    actor,
                    "coverage_updated",
                    cover,
                    partner_id=partner.id,
                    changes=changes,
                    reason=reason,
                )
                summary.append(f"Coverage of {cover.target_name} changed.")
    return summary


def extend_coverage(
    actor: User, partner: Partner, additions: list[CoverageDraft], reason: str | None
) -> list[str]:
    """Add coverage and keep the current (a scope expansion, portal/assignments);
    audited with the reason; returns what changed in words. Callers commit and notify."""
    current = PartnerDraft.of(partner).coverage
    summary = _save_coverage(actor, partner, current + additions, reason)
    flag_modified(partner, "search_key")  # the version moves: open edit forms are stale
    partner_search.refresh([partner.id])
    return summary
