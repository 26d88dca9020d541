"""The organisation document vault: documents the organisation holds once
(registration certificate, audited accounts, tax clearance...) with a
valid-until date. A valid accepted document of a type satisfies every
requirement asking for that type (see portal.accreditation.progress); when it
expires or is rejected, those requirements are open again by themselves."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import SimpleNamespace

from flask_babel import gettext, lazy_gettext
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import FileStorage

from portal.accreditation.lifecycle import advance
from portal.core import audit
from portal.core.clock import local_today
from portal.core.errors import Conflict, DomainError
from portal.core.extensions import db
from portal.core.filters import day
from portal.core.i18n import current_language
from portal.core.translated import translated
from portal.core.uploads import accepted_file
from portal.mail.links import external_url
from portal.mail.queue import queue_email
from portal.models import (
    Accreditation,
    AccreditationTemplate,
    ChecklistItem,
    OrganisationDocument,
    Partner,
    Requirement,
    Submission,
    User,
    utcnow,
)
from portal.notifications.bell import notify, partner_users, path_for, staff_users
from portal.vault.models import DOCUMENT_TYPES

EXPIRY_WARNING_DAYS = 60


@dataclass
class RelyingRequirement:
    """A requirement of a running accreditation that asks for a vault document type."""

    accreditation_id: int
    template_name: str
    requirement_id: int
    requirement_name: str
    # Its own upload was approved: it does not wait for the vault.
    approved: bool = False


@dataclass
class VaultRow:
    """One document type: its newest document, the earlier ones, and who relies on it."""

    document_type: str
    current: OrganisationDocument | None = None
    earlier: list[OrganisationDocument] = field(default_factory=list)
    requirements: list[RelyingRequirement] = field(default_factory=list)

    @property
    def label(self) -> str:
        return DOCUMENT_TYPES[self.document_type]

    def state(self, today: date) -> str:
        """missing, rejected, expired, expiring (within 60 days) or valid."""
        document = self.current
        if document is None:
            return "missing"
        if document.status == "rejected":
            return "rejected"
        if document.valid_until < today:
            return "expired"
        if document.valid_until <= today + timedelta(EXPIRY_WARNING_DAYS):
            return "expiring"
        return "valid"

    def needed(self, today: date) -> bool:
        """Whether requirements wait for a document of this type: no valid one is
        here, and at least one of them is not satisfied by its own approved upload."""
        if self.current is not None and self.current.is_valid(today):
            return False
        return any(not r.approved for r in self.requirements)

    def days_left(self, today: date) -> int | None:
        return (self.current.valid_until - today).days if self.current else None


def documents_of(partner_id: int) -> list[OrganisationDocument]:
    """Every vault document of a partner, newest first, with who uploaded and
    rejected it: one query however many there are."""
    return list(
        db.session.scalars(
            db.select(OrganisationDocument)
            .where(OrganisationDocument.partner_id == partner_id)
            .options(
                joinedload(OrganisationDocument.uploaded_by),
                joinedload(OrganisationDocument.rejected_by),
            )
            .order_by(OrganisationDocument.uploaded_at.desc(), OrganisationDocument.id.desc())
        )
    )


def relying_requirements(partner_id: int) -> dict[str, list[RelyingRequirement]]:
    """By document type: the requirements of the partner's undecided accreditations
    that a vault document of that type satisfies (waived ones left out), each saying
    whether its own upload was approved already. One query."""
    approved = (
        db.select(Submission.id)
        .where(
            Submission.accreditation_id == ChecklistItem.accreditation_id,
            Submission.requirement_id == ChecklistItem.requirement_id,
            Submission.status == "approved",
        )
        .exists()
    )
    rows = db.session.execute(
        db.select(
            Requirement.document_type,
            Accreditation.id,
            AccreditationTemplate.name,
            Requirement.id,
            Requirement.name,
            approved,
            Requirement.translations,
        )
        .select_from(ChecklistItem)
        .join(Requirement, Requirement.id == ChecklistItem.requirement_id)
        .join(Accreditation, Accreditation.id == ChecklistItem.accreditation_id)
        .join(AccreditationTemplate, AccreditationTemplate.id == Accreditation.template_id)
        .where(
            Accreditation.partner_id == partner_id,
            Accreditation.running,
            Requirement.document_type.is_not(None),
            ChecklistItem.not_applicable_at.is_(None),
        )
        .order_by(Accreditation.id, ChecklistItem.due_on, Requirement.position)
    ).all()
    by_type: dict[str, list[RelyingRequirement]] = defaultdict(list)
    language = current_language()
    for document_type, accreditation_id, template, requirement_id, name, done, texts in rows:
        # The requirement's name in the reader's language, where staff wrote it.
        name = translated(SimpleNamespace(name=name, translations=texts), "name", language)
        by_type[document_type].append(
            RelyingRequirement(accreditation_id, template, requirement_id, name, bool(done))
        )
    return by_type


def current_documents(partner_id: int) -> list[OrganisationDocument]:
    """The newest document of each type, in the order of DOCUMENT_TYPES."""
    newest: dict[str, OrganisationDocument] = {}
    for document in documents_of(partner_id):
        newest.setdefault(document.document_type, document)
    return [newest[t] for t in DOCUMENT_TYPES if t in newest]


def vault_rows(partner_id: int) -> list[VaultRow]:
    """The vault page: one row per document type, in two queries."""
    rows = {t: VaultRow(t) for t in DOCUMENT_TYPES}
    for document in documents_of(partner_id):
        row = rows.get(document.document_type)
        if row is None:
            continue  # a type no longer offered: kept in the database, not shown
        if row.current is None:
            row.current = document
        else:
            row.earlier.append(document)
    for document_type, requirements in relying_requirements(partner_id).items():
        if document_type in rows:
            rows[document_type].requirements = requirements
    return list(rows.values())


def expiring(
    partner_id: int, today: date, within_days: int = EXPIRY_WARNING_DAYS
) -> list[OrganisationDocument]:
    """Documents in use that expire within `within_days` (soonest first)."""
    return list(
        db.session.scalars(
            db.select(OrganisationDocument)
            .where(
                OrganisationDocument.partner_id == partner_id,
                OrganisationDocument.status == "accepted",
                OrganisationDocument.valid_until >= today,
                OrganisationDocument.valid_until <= today + timedelta(within_days),
            )
            .order_by(OrganisationDocument.valid_until)
        )
    )


def add_document(
    actor: User,
    partner: Partner,
    document_type: str | None,
    valid_until: date | None,
    upload: FileStorage | None,
    *,
    today: date | None = None,
) -> OrganisationDocument:
    """Put a document in the vault; it replaces the one of its type in use, and
    every running accreditation moves on if that was all a stage waited for."""
    today = today or local_today()
    if document_type not in DOCUMENT_TYPES:
        raise DomainError(gettext("Choose the type of document."), field="document_type")
    if valid_until is None:
        raise DomainError(
            gettext("Enter the date the document is valid until."), field="valid_until"
        )
    if valid_until < today:
        raise DomainError(
            gettext(
                "This document expired on %(day)s: upload one that is still valid.",
                day=day(valid_until),
            ),
            field="valid_until",
        )
    if valid_until == today:
        # Valid for a few hours only: it would reopen the requirements tomorrow.
        raise DomainError(
            gettext("This document expires today: upload the renewed one."), field="valid_until"
        )
    # Under the partner's upload lock: of two uploads of a type at once, the
    # second replaces the first, and one document of the type stays in use.
    with accepted_file(upload, partner_id=partner.id) as accepted:
        previous = db.session.scalars(
            db.select(OrganisationDocument).where(
                OrganisationDocument.partner_id == partner.id,
                OrganisationDocument.document_type == document_type,
                OrganisationDocument.status == "accepted",
            )
        ).all()
        for old in previous:
            old.status = "replaced"
            audit.record(
                actor,
                "vault_document_replaced",
                old,
                partner_id=partner.id,
                changes={"status": ("accepted", "replaced")},
            )
        document = OrganisationDocument(
            partner_id=partner.id,
            document_type=document_type,
            valid_until=valid_until,
            status="accepted",
            **accepted.columns,
            uploaded_by_id=actor.id,
        )
        db.session.add(document)
        audit.record(
            actor,
            "vault_document_added",
            document,
            partner_id=partner.id,
            changes=audit.created(document, ["document_type", "valid_until", "filename", "sha256"]),
        )
        if not actor.is_staff:  # staff who upload on the partner's behalf know already
            notify(
                staff_users(),
                "new_submission",
                f"{partner.name} put a {document.type_label.lower()} in the document vault",
                path_for("vault.partner", partner_id=partner.id),
            )
        for accreditation in _undecided(partner.id):
            advance(actor, accreditation)
        db.session.commit()
    return document


def reject(actor: User, document: OrganisationDocument, reason: str) -> OrganisationDocument:
    """Staff found the document wrong: it stops counting at once, and the
    partner is told why (email and notification)."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(gettext("Tell the partner why the document is rejected."), field="reason")
    if document.status != "accepted":
        raise DomainError(_not_in_use(document), field="reason")
    # Conditional update: of two administrators rejecting at once, one wins.
    won = db.session.execute(
        db.update(OrganisationDocument)
        .where(OrganisationDocument.id == document.id, OrganisationDocument.status == "accepted")
        .values(
            status="rejected",
            rejected_reason=reason,
            rejected_by_id=actor.id,
            rejected_at=utcnow(),
        )
    ).rowcount
    db.session.expire(document)
    if not won:
        db.session.rollback()
        raise Conflict(_not_in_use(document), field="reason")
    audit.record(
        actor,
        "vault_document_rejected",
        document,
        partner_id=document.partner_id,
        changes={"status": ("accepted", "rejected")},
        reason=reason,
    )
    partner = document.partner
    people = partner_users(partner.id)
    # The bell files a rejection under "changes requested"; so does the preference.
    queue_email(
        people,
        "vault_document_rejected",
        {
            "partner": partner,
            "document": document,
            "link": external_url("vault.mine", type=document.document_type),
        },
        subject=lazy_gettext(
            "%(document)s not accepted – %(partner)s",
            document=document.type_label,
            partner=partner.name,
        ),
        notification="changes_requested",
    )
    notify(
        people,
        "changes_requested",
        f"Your {document.type_label.lower()} was not accepted: {reason}",
        path_for("vault.mine", type=document.document_type),
    )
    db.session.commit()
    return document


def _not_in_use(document: OrganisationDocument) -> str:
    if document.status == "rejected":
        if document.rejected_by:
            return gettext(
                "This document was already rejected by %(name)s.", name=document.rejected_by.name
            )
        return gettext("This document was already rejected by someone else.")
    return gettext("This document was replaced by a newer one; there is nothing to reject.")


def _undecided(partner_id: int) -> list[Accreditation]:
    return list(
        db.session.scalars(
            db.select(Accreditation)
            .where(Accreditation.partner_id == partner_id, Accreditation.running)
            .order_by(Accreditation.id)
        )
    )
