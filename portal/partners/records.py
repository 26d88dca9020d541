"""Partner records: adding, editing, status changes and annual reviews.

A partner is edited as a whole `PartnerDraft` (organisation, contacts,
coverage, preferences); the service works out what changed, audits each change
with its reason, and tells the programme team when status, scope or coverage
moved. Callers get a DomainError naming the form field for a broken rule."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import flag_modified

from portal.accounts.passwords import issue_token
from portal.accreditation.lifecycle import default_template, open_accreditation
from portal.core import audit
from portal.core.errors import Conflict, DomainError
from portal.core.extensions import db
from portal.core.text import fold, squash
from portal.mail.queue import external_url, queue_email
from portal.models import (
    Contact,
    Coverage,
    OrgUnit,
    OrgUnitGroup,
    Partner,
    PartnerLook,
    PartnerReview,
    PartnershipType,
    User,
    utcnow,
)
from portal.partners import search as partner_search
from portal.partners.models import PARTNER_STATUSES, PARTNERSHIP_TYPES

LOOK_WINDOW = timedelta(minutes=5)
PROFILE_FIELDS = (
    "name",
    "acronym",
    "scope_of_work",
    "language",
    "reporting_frequency",
    "invoice_format",
    "next_review_on",
)
# What a partner's own focal point may change; the rest is the programme's.
SELF_SERVICE_FIELDS = ("language", "reporting_frequency", "invoice_format")
CONTACT_FIELDS = ("name", "title", "email", "phone", "address", "is_primary")
COVERAGE_FIELDS = ("scope_note", "starts_on", "ends_on")


@dataclass
class ContactDraft:
    name: str
    title: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""
    is_primary: bool = False
    id: int | None = None


@dataclass
class CoverageDraft:
    """`target` is "unit:<id>", "group:<id>" or "nationwide"."""

    target: str
    starts_on: date
    scope_note: str = ""
    ends_on: date | None = None
    id: int | None = None


@dataclass
class PartnerDraft:
    name: str
    acronym: str = ""
    scope_of_work: str = ""
    types: list[str] = field(default_factory=list)
    language: str = "en"
    reporting_frequency: str = "quarterly"
    invoice_format: str = "pdf"
    next_review_on: date | None = None
    contacts: list[ContactDraft] = field(default_factory=list)
    coverage: list[CoverageDraft] = field(default_factory=list)

    @classmethod
    def new(cls, name: str, acronym: str, focal_name: str, focal_email: str) -> PartnerDraft:
        """The smallest partner: a name and one focal person."""
        focal = ContactDraft(
            name=focal_name, email=focal_email, title="Focal point", is_primary=True
        )
        return cls(name=name, acronym=acronym, contacts=[focal])

    @classmethod
    def of(cls, partner: Partner) -> PartnerDraft:
        """The draft that describes `partner` as it is now, to edit."""
        return cls(
            name=partner.name,
            acronym=partner.acronym or "",
            scope_of_work=partner.scope_of_work,
            types=partner.type_keys,
            language=partner.language,
            reporting_frequency=partner.reporting_frequency,
            invoice_format=partner.invoice_format,
            next_review_on=partner.next_review_on,
            contacts=[
                ContactDraft(**{f: getattr(c, f) for f in CONTACT_FIELDS}, id=c.id)
                for c in partner.contacts
            ],
            coverage=[
                CoverageDraft(
                    target=target_key(c), **{f: getattr(c, f) for f in COVERAGE_FIELDS}, id=c.id
                )
                for c in partner.coverage
                if c.current
            ],
        )


def target_key(coverage: Coverage) -> str:
    if coverage.nationwide:
        return "nationwide"
    if coverage.org_unit_id:
        return f"unit:{coverage.org_unit_id}"
    return f"group:{coverage.org_unit_group_id}"


def one_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


# --- checks -----------------------------------------------------------------


def check_draft(draft: PartnerDraft, partner: Partner | None) -> None:
    """The rules a form cannot see on its own."""
    if not draft.name.strip():
        raise DomainError("Enter the partner's official name.", field="name")
    unknown = set(draft.types) - set(PARTNERSHIP_TYPES)
    if unknown:
        raise DomainError("Choose partnership types from the list.", field="types")
    current = [c for c in draft.contacts if c.name.strip()]
    primaries = [c for c in current if c.is_primary]
    if len(primaries) != 1:
        raise DomainError("Mark exactly one contact as the primary focal person.", "contacts")
    if not primaries[0].email:
        index = draft.contacts.index(primaries[0])
        raise DomainError(
            "The primary focal person needs an email to log in.", f"contacts-{index}-email"
        )
    emails = [c.email.lower() for c in current if c.email]
    for index, contact in enumerate(draft.contacts):
        if contact.email and emails.count(contact.email.lower()) > 1:
            raise DomainError("Two contacts have this email.", f"contacts-{index}-email")
    primary_email = primaries[0].email.strip().lower()
    someone = db.session.scalar(db.select(User).filter_by(email=primary_email))
    if someone is not None and (partner is None or someone.partner_id != partner.id):
        index = draft.contacts.index(primaries[0])
        raise DomainError("Someone already uses this email address.", f"contacts-{index}-email")
    seen = set()
    for index, cover in enumerate(draft.coverage):
        if cover.ends_on and cover.ends_on < cover.starts_on:
            raise DomainError("The end date is before the start date.", f"coverage-{index}-ends_on")
        if cover.target in seen:
            raise DomainError("This area is listed twice.", f"coverage-{index}-target")
        seen.add(cover.target)
        _target(cover.target, f"coverage-{index}-target")


def _target(key: str, field_name: str) -> dict:
    """Coverage columns for a target key, checking that the unit or group exists."""
    if key == "nationwide":
        return {"nationwide": True}
    kind, _, ident = key.partition(":")
    model = {"unit": OrgUnit, "group": OrgUnitGroup}.get(kind)
    found = db.session.get(model, ident) if model else None
    if found is None:
        raise DomainError("Choose an area from the list.", field_name)
    if kind == "group":
        return {"org_unit_group_id": ident}
    return {"org_unit_id": ident, "district_id": district_id_of(found)}


def district_id_of(unit: OrgUnit) -> str | None:
    """The district a unit lies in (or is); None above district level."""
    level = current_app.config["ORGUNIT_DISTRICT_LEVEL"]
    path = unit.path.strip("/").split("/")
    return path[level - 1] if len(path) >= level else None


def likely_duplicates(name: str, acronym: str = "", exclude_id: int | None = None) -> list:
    """Partners whose name or acronym looks like these, ignoring case, accents and
    punctuation: the same squashed name or acronym, or a close spelling."""
    folded, squashed, acronym_squashed = fold(name), squash(name), squash(acronym)
    words = sorted({w for w in folded.split() if len(w) >= 4}, key=len, reverse=True)[:3]
    probes = [Partner.search_key.like(f"%{w}%") for w in words]
    if acronym_squashed:
        probes.append(Partner.search_key.like(f"%{acronym_squashed}%"))
    if not probes:
        probes.append(Partner.search_key.like(f"{folded}%"))
    query = db.select(Partner).where(or_(*probes), Partner.status != "merged")
    if exclude_id:
        query = query.where(Partner.id != exclude_id)
    found = []
    for other in db.session.scalars(query.limit(200)):
        other_name = fold(other.name)
        similar = difflib.SequenceMatcher(None, folded, other_name).ratio() >= 0.85
        same_acronym = bool(acronym_squashed) and acronym_squashed == squash(other.acronym)
        if squash(other.name) == squashed or similar or same_acronym:
            found.append(other)
    return found[:5]


# --- adding and editing -----------------------------------------------------


def add_partner(actor: User, draft: PartnerDraft) -> Partner:
    """Create a partner with its contacts and coverage, a login for the primary
    focal person with an invitation, and an accreditation on the newest template."""
    check_draft(draft, None)
    partner = Partner(status="active", next_review_on=draft.next_review_on)
    _apply_profile(partner, draft)
    partner.next_review_on = draft.next_review_on or one_year_after(date.today())
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
    if template := default_template():
        open_accreditation(actor, partner, template, date.today())
    partner_search.refresh([partner.id])
    db.session.commit()
    return partner


def update_partner(
    actor: User, partner: Partner, draft: PartnerDraft, *, reason: str = "", version: int
) -> list[str]:
    """Apply `draft` to `partner`; returns what changed, in words. A `version`
    other than the partner's means someone saved in between: Conflict."""
    if version != partner.version:
        raise Conflict("Someone else changed this partner while you were editing. Reload.")
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
    if not (actor.is_admin or (actor.is_focal and actor.partner_id == partner.id)):
        raise DomainError("Only the organisation's focal point can change its details.")
    primary = partner.primary_contact
    for contact in contacts:
        contact.is_primary = primary is not None and contact.id == primary.id
    if primary is not None and not any(c.is_primary and c.name.strip() for c in contacts):
        raise DomainError(
            f"{primary.name} stays the primary focal person; the programme team changes that.",
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
        if contact.is_primary:
            _ensure_focal_login(actor, partner, contact)
    return changed


def _demote_focal_login(actor: User, partner: Partner, contact: Contact, reason) -> None:
    """A contact stops being the primary focal person: their login stays, as an editor."""
    user = contact.user
    if user is not None and user.partner_role == "focal":
        user.partner_role = "editor"
        audit.record(
            actor,
            "user_updated",
            user,
            partner_id=partner.id,
            changes={"partner_role": ("focal", "editor")},
            reason=reason,
        )


def _ensure_focal_login(actor: User, partner: Partner, contact: Contact) -> None:
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
    today = date.today()
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
                partner_id=partner.id, **_target(draft.target, f"coverage-{index}-target"), **values
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


# --- status and reviews ------------------------------------------------------


def change_status(
    actor: User, partner: Partner, status: str, *, reason: str, effective_on: date | None
) -> None:
    """Put a partner on hold, close or reopen it. Closing ends its coverage and
    its users' logins and keeps everything else."""
    if status not in PARTNER_STATUSES:
        raise DomainError("Choose a status from the list.", field="status")
    if status == partner.status:
        raise DomainError(
            f"{partner.name} is already {PARTNER_STATUSES[status].lower()}.", "status"
        )
    if not (reason or "").strip():
        raise DomainError("Say why the status changes.", field="reason")
    if effective_on is None:
        raise DomainError("Enter the date the change takes effect.", field="effective_on")
    if effective_on > date.today():
        # The change applies now (logins end at once); a future date would say otherwise.
        raise DomainError(
            "Choose today or an earlier date: the change applies when you make it.",
            field="effective_on",
        )
    before = partner.status
    partner.status, partner.status_reason = status, reason.strip()
    partner.status_effective_on = effective_on
    audit.record(
        actor,
        "status_changed",
        partner,
        partner_id=partner.id,
        changes={"status": (before, status), "effective_on": (None, effective_on)},
        reason=reason.strip(),
    )
    summary = [
        f"Status: {PARTNER_STATUSES[before]} → {PARTNER_STATUSES[status]}"
        f" from {effective_on:%d %b %Y}."
    ]
    if status == "closed":
        for cover in partner.coverage:
            if cover.ends_on is None or cover.ends_on > effective_on:
                before_end = cover.ends_on
                cover.ends_on = max(effective_on, cover.starts_on)
                audit.record(
                    actor,
                    "coverage_ended",
                    cover,
                    partner_id=partner.id,
                    changes={"ends_on": (before_end, cover.ends_on)},
                    reason=reason.strip(),
                )
        for user in partner.users:
            if user.active:
                user.active = False
                audit.record(
                    actor,
                    "user_deactivated",
                    user,
                    partner_id=partner.id,
                    changes={"active": (True, False)},
                    reason=reason.strip(),
                )
        summary.append("Its coverage ended and its users can no longer log in.")
    notify_programme_team(actor, partner, summary, reason.strip())
    db.session.commit()


def mark_reviewed(actor: User, partner: Partner, note: str) -> PartnerReview:
    """Record this year's review; the next one is due a year from today."""
    next_on = one_year_after(date.today())
    review = PartnerReview(
        partner_id=partner.id, reviewed_by_id=actor.id, note=note.strip(), next_review_on=next_on
    )
    db.session.add(review)
    before = partner.next_review_on
    partner.next_review_on = next_on
    audit.record(
        actor,
        "partner_reviewed",
        partner,
        partner_id=partner.id,
        changes={"next_review_on": (before, next_on)},
        reason=note.strip() or None,
    )
    db.session.commit()
    return review


def record_look(user: User, partner: Partner) -> PartnerLook | None:
    """Remember when a staff member looked at the partner; returns the previous look.
    Looks within a few minutes of the last count as one (no write per page view)."""
    look = db.session.get(PartnerLook, (user.id, partner.id))
    previous = PartnerLook(seen_at=look.seen_at) if look else None
    now = utcnow()
    if look is not None and now - look.seen_at < LOOK_WINDOW:
        return previous
    if look is None:
        db.session.add(PartnerLook(user_id=user.id, partner_id=partner.id, seen_at=now))
    else:
        look.seen_at = now
    try:
        db.session.commit()
    except IntegrityError:  # the same person's other tab recorded it first
        db.session.rollback()
    return previous


# --- mail -------------------------------------------------------------------


def new_partner_user(actor: User, partner: Partner, *, name: str, email: str, role: str) -> User:
    """A login for someone at `partner`, audited and invited (callers commit)."""
    user = User(email=email, name=name, role="partner", partner_id=partner.id, partner_role=role)
    db.session.add(user)
    db.session.flush()
    audit.record(
        actor,
        "user_created",
        user,
        partner_id=partner.id,
        changes=audit.created(user, ["email", "name", "partner_role"]),
    )
    invite(user)
    return user


def invite(user: User, template: str = "invitation") -> None:
    """Queue a one-time link for `user` to set a password (callers commit), from
    the editable "invitation" or "welcome" template in their partner's language."""
    from portal.mail.email_templates import queue_rendered

    raw = issue_token(user)
    partner = user.partner
    queue_rendered(
        [user.email],
        template,
        {
            "user_name": user.name,
            "partner_name": partner.name if partner else "",
            "link": external_url("auth.set_password", token=raw),
            "hours": current_app.config["INVITATION_HOURS"],
            "login_email": user.email,
        },
        partner.language if partner and partner.language else "en",
    )


def notify_programme_team(actor: User, partner: Partner, summary: list[str], reason: str | None):
    """One email to the programme team's list about what changed (callers commit)."""
    team = current_app.config["PROGRAMME_TEAM_EMAILS"]
    if not team or not summary:
        return
    queue_email(
        team,
        "partner_changed",
        f"{partner.display_name}: status, scope or coverage changed",
        partner=partner,
        actor=actor,
        summary=summary,
        reason=reason,
        link=external_url("partners.show", partner_id=partner.id),
    )
