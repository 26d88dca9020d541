"""A small world for the web tests: two partners, each with a focal point, an
accreditation and a document waiting for review, plus the programme staff."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest

from portal.accounts.invitations import invite
from portal.accounts.passwords import issue_token
from portal.accreditation.calendar import reset_token
from portal.accreditation.submissions import submit_document
from portal.api import registry
from portal.api.tokens import create_token
from portal.core.clock import local_today
from portal.core.extensions import db
from portal.core.types import utcnow
from portal.models import (
    CheckIn,
    Concern,
    ConcernEvent,
    Notification,
    OrganisationDocument,
    OutboxEmail,
)
from portal.partners.agreements import add_document
from tests.helpers import Auth, Side, World, file_upload
from tests.obligations_world import walk_terms


@pytest.fixture
def world(app, staff, make_partner, pdf_bytes, change_reasons) -> World:
    """Partners A and B (`World.a`, `World.b`, each a `Side`) and the programme staff."""

    def extras_of(partner, focal, admin, accreditation, requirement, pdf_bytes):
        """The rows issue 4's routes take: made directly, so the walk does not depend
        on the services it tests."""
        from portal.core.storage import storage

        stored = storage().save(io.BytesIO(pdf_bytes), max_bytes=len(pdf_bytes))
        item = next(i for i in accreditation.items if i.requirement_id == requirement.id)
        vault_document = OrganisationDocument(
            partner_id=partner.id,
            document_type="registration_certificate",
            valid_until=local_today() + timedelta(days=400),
            filename=f"{partner.acronym.lower()}-certificate.pdf",
            storage_key=stored.key,
            content_type="application/pdf",
            size=stored.size,
            sha256=stored.sha256,
            uploaded_by_id=focal.id,
        )
        notification = Notification(
            user_id=focal.id,
            kind="changes_requested",
            title=f"Changes requested for {partner.acronym}",
            link=f"/accreditations/{accreditation.id}",
        )
        checkin = CheckIn(
            partner_id=partner.id,
            starts_at=utcnow().replace(microsecond=0) + timedelta(days=10),
            location="https://meet.example.org/checkin",
            agenda="Progress on documents",
            created_by_id=admin.id,
        )
        evidence = storage().save(io.BytesIO(pdf_bytes), max_bytes=len(pdf_bytes))
        concern = Concern(
            partner_id=partner.id,
            category="payment",
            description=f"{partner.acronym}'s tranche came late.",
            remedy="Pay on the agreed date.",
            raised_by_id=focal.id,
            raised_by_side="partner",
            due_on=local_today() + timedelta(days=2),
        )
        concern_event = ConcernEvent(
            concern=concern,
            actor_id=focal.id,
            side="partner",
            kind="raised",
            step="raised",
            filename=f"{partner.acronym.lower()}-evidence.pdf",
            storage_key=evidence.key,
            content_type="application/pdf",
            size=evidence.size,
            sha256=evidence.sha256,
        )
        db.session.add_all([vault_document, notification, checkin, concern, concern_event])
        db.session.flush()
        milestone = accreditation.milestones[0]
        return item, milestone, vault_document, notification, checkin, concern, concern_event

    sides = []
    for name, acronym in (("Alpha Health Initiative", "AHI"), ("Bravo Relief Network", "BRN")):
        partner, focal, accreditation = make_partner(name=name, acronym=acronym)
        requirement = accreditation.milestones[0].stage.requirements[0]
        filename = f"{acronym.lower()}-registration-certificate.pdf"
        submission = submit_document(
            focal, accreditation, requirement, file_upload(pdf_bytes, filename)
        )
        document = add_document(
            focal,
            partner,
            kind="agreement",
            reference=f"{acronym}-2026-01",
            valid_from=date(2026, 1, 1),
            valid_until=None,
            upload=file_upload(pdf_bytes, f"{acronym.lower()}-partnership-agreement.pdf"),
        )
        invite(focal)
        token = issue_token(focal)
        feed_token = reset_token(focal)
        extras = extras_of(partner, focal, staff["admin"], accreditation, requirement, pdf_bytes)
        walk_terms(staff["admin"], partner, focal, pdf_bytes)
        db.session.commit()
        email = db.session.scalar(
            db.select(OutboxEmail).where(OutboxEmail.recipients == focal.email)
        )
        sides.append(
            Side(
                partner,
                focal,
                accreditation,
                requirement,
                submission,
                email,
                filename,
                token,
                document,
                feed_token,
                *extras,
            )
        )
    # An API token of the programme's (the walks revoke it; tokens are no partner's).
    create_token(staff["admin"], "Programme dashboard", registry.scopes())
    return World(staff["admin"], staff["manager"], *sides)


@pytest.fixture
def login(app):
    """`login(email)` gives a test client of its own, logged in as that user."""

    def as_user(email: str | None):
        client = app.test_client()
        if email is not None:
            response = Auth(client).login(email)
            assert response.status_code == 302, f"{email} could not log in"
        return client

    return as_user


@pytest.fixture
def make_token(app, staff):
    """`make_token(scopes)`: the secret of a new API token the administrator made
    (every resource when `scopes` is None)."""

    def make(scopes: list[str] | None = None, name: str = "Power BI") -> str:
        return create_token(staff["admin"], name, scopes or registry.scopes())[1]

    return make
