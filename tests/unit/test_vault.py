"""The organisation document vault: a document held once satisfies every
requirement asking for its type while it is valid, and stops when it expires,
is replaced or is rejected."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.accreditation.lifecycle import open_accreditation
from portal.accreditation.progress import completion, load_accreditation, progress
from portal.core.clock import local_today
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.models import (
    AuditEvent,
    Notification,
    OrganisationDocument,
    OutboxEmail,
    Requirement,
    Stage,
    utcnow,
)
from portal.vault.documents import add_document, expiring, reject, relying_requirements, vault_rows
from tests.helpers import PNG, file_upload, stored_files


@pytest.fixture
def vaulted(make_template, make_partner):
    """A partner on a template whose first stage asks for a registration
    certificate and a tax clearance (both vault types)."""
    template = make_template()
    certificate, clearance = template.stages[0].requirements
    certificate.document_type = "registration_certificate"
    clearance.document_type = "tax_clearance"
    db.session.commit()
    partner, focal, accreditation = make_partner(template=template)
    return partner, focal, accreditation, certificate, clearance


def put(actor, partner, document_type="registration_certificate", days=365, **kwargs):
    """Add a PDF to the vault valid for `days` from today."""
    data = kwargs.pop("data", None)
    from portal.demo import sample_pdf

    return add_document(
        actor,
        partner,
        document_type,
        local_today() + timedelta(days),
        file_upload(data if data is not None else sample_pdf("Vault"), "Certificate.pdf"),
        **kwargs,
    )


def state_of(accreditation, requirement, today=None):
    states = progress(load_accreditation(accreditation.id), today or local_today()).requirements
    return next(s for s in states if s.requirement.id == requirement.id)


def actions(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(db.select(AuditEvent).filter_by(action=action)))


def test_a_document_in_the_vault_satisfies_the_requirement_asking_for_it(vaulted):
    partner, focal, accreditation, certificate, clearance = vaulted
    document = put(focal, partner)
    state = state_of(accreditation, certificate)
    assert state.status == "in_vault" and state.vault_document.id == document.id
    assert state_of(accreditation, clearance).status == "missing"
    assert document.filename == "Certificate.pdf" and document.status == "accepted"
    assert actions("vault_document_added")[0].changes["document_type"] == [
        None,
        "registration_certificate",
    ]


def test_a_new_document_replaces_the_one_in_use(vaulted):
    partner, focal, accreditation, certificate, _ = vaulted
    first = put(focal, partner, days=30)
    second = put(focal, partner, days=400)
    db.session.refresh(first)
    assert first.status == "replaced" and second.status == "accepted"
    assert state_of(accreditation, certificate).vault_document.id == second.id
    assert [e.object_id for e in actions("vault_document_replaced")] == [first.id]
    row = next(r for r in vault_rows(partner.id) if r.document_type == "registration_certificate")
    assert row.current.id == second.id and [d.id for d in row.earlier] == [first.id]


def test_an_expired_document_is_refused_and_nothing_is_kept(vaulted):
    partner, focal, *_ = vaulted
    for days, message in ((-1, "expired on"), (0, "expires today")):
        with pytest.raises(DomainError) as refused:
            put(focal, partner, days=days)
        assert refused.value.field == "valid_until" and message in refused.value.message
    assert db.session.scalar(db.select(db.func.count(OrganisationDocument.id))) == 0
    assert stored_files() == []


@pytest.mark.parametrize(
    ("document_type", "data", "field"),
    [
        ("passport", None, "document_type"),
        (None, None, "document_type"),
        ("tax_clearance", b"MZ\x90\x00 not a document", "file"),
        ("tax_clearance", b"", "file"),
    ],
)
def test_bad_input_is_refused_next_to_its_field(vaulted, document_type, data, field):
    partner, focal, *_ = vaulted
    with pytest.raises(DomainError) as refused:
        put(focal, partner, document_type, data=data)
    assert refused.value.field == field
    assert db.session.scalar(db.select(db.func.count(OrganisationDocument.id))) == 0
    assert stored_files() == []


def test_expiry_reopens_the_requirements_that_relied_on_it(vaulted):
    partner, focal, accreditation, certificate, _ = vaulted
    put(focal, partner, days=10)
    assert state_of(accreditation, certificate, local_today()).status == "in_vault"
    later = local_today() + timedelta(11)
    assert state_of(accreditation, certificate, later).status == "missing"
    upload_actions = progress(load_accreditation(accreditation.id), later).actions
    assert f"Upload {certificate.name}" in [a.title for a in upload_actions]
    # The staff lists count it the same way.
    assert completion([accreditation.id], local_today())[accreditation.id] == 25
    assert completion([accreditation.id], later)[accreditation.id] == 0


def test_expiring_lists_what_runs_out_within_the_window(vaulted):
    partner, focal, *_ = vaulted
    soon = put(focal, partner, "tax_clearance", days=20)
    put(focal, partner, "audited_accounts", days=200)
    assert [d.id for d in expiring(partner.id, local_today())] == [soon.id]
    assert expiring(partner.id, local_today(), within_days=10) == []
    assert expiring(partner.id, local_today() + timedelta(21)) == []  # already expired by then
    row = next(r for r in vault_rows(partner.id) if r.document_type == "tax_clearance")
    assert row.state(local_today()) == "expiring" and row.days_left(local_today()) == 20
    assert row.state(local_today() + timedelta(21)) == "expired"


def test_rejecting_reopens_the_requirement_and_tells_the_partner(vaulted, staff):
    partner, focal, accreditation, certificate, _ = vaulted
    document = put(focal, partner)
    with pytest.raises(DomainError) as refused:
        reject(staff["admin"], document, "  ")
    assert refused.value.field == "reason"
    reject(staff["admin"], document, "The certificate is for another organisation.")
    assert document.status == "rejected" and document.rejected_by_id == staff["admin"].id
    assert state_of(accreditation, certificate).status == "missing"
    event = actions("vault_document_rejected")[0]
    assert event.reason == "The certificate is for another organisation."
    email = db.session.scalar(db.select(OutboxEmail).filter_by(template="vault_document_rejected"))
    assert email.recipients == focal.email
    assert (
        "another organisation" in email.body_text and "/organisation/documents" in email.body_text
    )
    notification = db.session.scalar(db.select(Notification).filter_by(user_id=focal.id))
    assert "not accepted" in notification.title
    # A second administrator acting on the old page gets a clear answer.
    with pytest.raises(DomainError) as again:
        reject(staff["admin"], document, "Also wrong.")
    assert "already rejected by Ada Admin" in again.value.message


def test_a_vault_document_satisfies_requirements_in_two_accreditations(vaulted, make_template):
    partner, focal, accreditation, certificate, _ = vaulted
    other = make_template(stages=(("Registration", 20, 1), ("Final approval", 10, 1)))
    asks = other.stages[0].requirements[0]
    asks.document_type = "registration_certificate"
    db.session.commit()
    second = open_accreditation(None, partner, other, local_today())
    db.session.commit()
    put(focal, partner)
    assert state_of(accreditation, certificate).status == "in_vault"
    assert state_of(second, asks).status == "in_vault"
    relying = relying_requirements(partner.id)["registration_certificate"]
    assert {(r.accreditation_id, r.requirement_id) for r in relying} == {
        (accreditation.id, certificate.id),
        (second.id, asks.id),
    }
    # Its only required document is in the vault: the first stage is done.
    assert load_accreditation(second.id).milestones[0].completed_at is not None


def test_the_milestone_completes_when_the_vault_brings_its_last_document(vaulted):
    partner, focal, accreditation, *_ = vaulted
    put(focal, partner, "registration_certificate")
    assert load_accreditation(accreditation.id).milestones[0].completed_at is None
    put(focal, partner, "tax_clearance", data=PNG)
    milestones = load_accreditation(accreditation.id).milestones
    assert milestones[0].completed_at is not None and milestones[1].completed_at is None
    assert len(actions("milestone_completed")) == 1
    assert db.session.scalar(
        db.select(OutboxEmail).where(OutboxEmail.subject.startswith("Milestone reached"))
    )


def test_decided_accreditations_and_waived_requirements_rely_on_nothing(vaulted):
    partner, focal, accreditation, certificate, clearance = vaulted
    item = next(i for i in accreditation.items if i.requirement_id == clearance.id)
    item.not_applicable_at = utcnow()
    item.not_applicable_reason = "Exempt from tax"
    db.session.commit()
    relying = relying_requirements(partner.id)
    assert "tax_clearance" not in relying and "registration_certificate" in relying
    accreditation.decision = "accredited"
    db.session.commit()
    assert relying_requirements(partner.id) == {}


def test_requirements_without_a_document_type_ignore_the_vault(vaulted):
    partner, focal, accreditation, *_ = vaulted
    put(focal, partner)
    plain = db.session.scalar(
        db.select(Requirement)
        .join(Stage)
        .where(Stage.template_id == accreditation.template_id, Requirement.document_type.is_(None))
        .limit(1)
    )
    assert state_of(accreditation, plain).status == "missing"
