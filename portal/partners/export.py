"""The partner list as an export: every partner the list's filters match, with
the people to contact. Personal data leaves the portal here, which is why
exporting is a permission of its own and each export keeps its reason."""

from __future__ import annotations

from collections.abc import Iterator

from flask import url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.accreditation.progress import completion
from portal.assignments.export import ASSIGNMENT_COLUMNS, BANK_COLUMNS, payment_cells
from portal.core.access import may_see_bank_details
from portal.core.extensions import db
from portal.exports import Column, Table, exportable
from portal.models import Accreditation, Coverage, Partner
from portal.partners.listing import SORTS, Filters, conditions
from portal.partners.models import LANGUAGES, PARTNERSHIP_TYPES, STATUS_NAMES

COLUMNS = (
    Column("Partner"),
    Column("Acronym"),
    Column("Status"),
    Column("Partnership types"),
    Column("Primary contact"),
    Column("Contact email"),
    Column("Contact phone"),
    Column("Covers"),
    Column("Language"),
    Column("Current stage"),
    Column("Completion", "percent"),
    Column("Accredited until", "date"),
    Column("Next review", "date"),
    Column("Added", "datetime"),
    Column("Link"),
)
# Partners loaded at a time: memory and statement size stay flat for any list.
CHUNK = 500


@exportable("partners", "Partners")
def partners_table(args) -> Table:
    filters = Filters.from_args(args)
    described = ", ".join(f"{k}={v}" for k, v in filters.args(page=1).items())
    # What the payment system cross-references; bank details only for those who may see them.
    bank = may_see_bank_details(current_user)
    columns = (*COLUMNS, *ASSIGNMENT_COLUMNS, *(BANK_COLUMNS if bank else ()))
    described = f"filters: {described or 'none'}" + ("; with bank details" if bank else "")
    return Table(columns, _rows(filters, bank), filters=described)


def _rows(filters: Filters, bank: bool = False) -> Iterator[tuple]:
    ids = db.session.scalars(
        select(Partner.id).where(*conditions(filters)).order_by(*SORTS[filters.sort])
    ).all()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        partners = {
            p.id: p
            for p in db.session.scalars(
                select(Partner)
                .where(Partner.id.in_(chunk))
                .options(
                    selectinload(Partner.contacts),
                    selectinload(Partner.types),
                    selectinload(Partner.coverage).options(
                        selectinload(Coverage.org_unit), selectinload(Coverage.org_unit_group)
                    ),
                    selectinload(Partner.accreditations).selectinload(Accreditation.milestones),
                )
            )
        }
        latest = {pid: p.accreditations[-1] for pid, p in partners.items() if p.accreditations}
        percent = completion([a.id for a in latest.values()])
        payments = payment_cells(chunk, bank)
        for pid in chunk:
            yield _row(partners[pid], latest.get(pid), percent) + payments[pid]


def _row(partner: Partner, accreditation: Accreditation | None, percent: dict) -> tuple:
    contact = partner.primary_contact
    stage = None
    if accreditation is not None:
        milestone = accreditation.current_milestone
        stage = milestone.name if milestone else ("Decided" if accreditation.decision else "")
    return (
        partner.name,
        partner.acronym,
        STATUS_NAMES.get(partner.status, partner.status),
        ", ".join(PARTNERSHIP_TYPES.get(k, k) for k in partner.type_keys),
        contact.name if contact else None,
        contact.email if contact else None,
        contact.phone if contact else None,
        "; ".join(c.target_name for c in partner.coverage if c.current),
        LANGUAGES.get(partner.language, partner.language),
        stage,
        percent[accreditation.id] / 100 if accreditation else None,
        accreditation.valid_until if accreditation else None,
        partner.next_review_on,
        partner.created_at,
        url_for("partners.show", partner_id=partner.id, _external=True),
    )
