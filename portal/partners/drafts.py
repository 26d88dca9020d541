"""A partner as the add/edit form describes it (`PartnerDraft`, with its
contacts and coverage), and the checks a draft must pass before it is saved."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext
from sqlalchemy import or_

from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.text import fold, squash
from portal.models import (
    Coverage,
    OrgUnit,
    OrgUnitGroup,
    Partner,
    User,
)
from portal.orgunits.units import district_level
from portal.partners.models import PARTNERSHIP_TYPES

PROFILE_FIELDS = (
    "name",
    "acronym",
    "scope_of_work",
    "language",
    "reporting_frequency",
    "invoice_format",
    "next_review_on",
)
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
    # Added to check the need for a partnership first (portal.partnerships).
    prospective: bool = False

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
        raise DomainError(gettext("Enter the partner's official name."), field="name")
    unknown = set(draft.types) - set(PARTNERSHIP_TYPES)
    if unknown:
        raise DomainError(gettext("Choose partnership types from the list."), field="types")
    current = [c for c in draft.contacts if c.name.strip()]
    primaries = [c for c in current if c.is_primary]
    if len(primaries) != 1:
        raise DomainError(
            gettext("Mark exactly one contact as the primary focal person."), "contacts"
        )
    if not primaries[0].email:
        index = draft.contacts.index(primaries[0])
        raise DomainError(
            gettext("The primary focal person needs an email to log in."), f"contacts-{index}-email"
        )
    emails = [c.email.lower() for c in current if c.email]
    for index, contact in enumerate(draft.contacts):
        if contact.email and emails.count(contact.email.lower()) > 1:
            raise DomainError(gettext("Two contacts have this email."), f"contacts-{index}-email")
    primary_email = primaries[0].email.strip().lower()
    someone = db.session.scalar(db.select(User).filter_by(email=primary_email))
    if someone is not None and (partner is None or someone.partner_id != partner.id):
        index = draft.contacts.index(primaries[0])
        raise DomainError(
            gettext("Someone already uses this email address."), f"contacts-{index}-email"
        )
    seen = set()
    for index, cover in enumerate(draft.coverage):
        if cover.ends_on and cover.ends_on < cover.starts_on:
            raise DomainError(
                gettext("The end date is before the start date."), f"coverage-{index}-ends_on"
            )
        if cover.target in seen:
            raise DomainError(gettext("This area is listed twice."), f"coverage-{index}-target")
        seen.add(cover.target)
        target_of(cover.target, f"coverage-{index}-target")


def target_of(key: str, field_name: str) -> dict:
    """Coverage columns for a target key, checking that the unit or group exists."""
    if key == "nationwide":
        return {"nationwide": True}
    kind, _, ident = key.partition(":")
    model = {"unit": OrgUnit, "group": OrgUnitGroup}.get(kind)
    found = db.session.get(model, ident) if model else None
    if found is None:
        raise DomainError(gettext("Choose an area from the list."), field_name)
    if kind == "group":
        return {"org_unit_group_id": ident}
    return {"org_unit_id": ident, "district_id": district_id_of(found)}


def district_id_of(unit: OrgUnit) -> str | None:
    """The district a unit lies in (or is); None above district level."""
    level = district_level()
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
