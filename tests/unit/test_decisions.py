"""Final approval ("Accredited until <date>") and renewal 60 days before expiry."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.accreditation.decisions import (
    add_months,
    open_renewal,
    record_decision,
    renewal_opens_on,
)
from portal.accreditation.templates import RequirementDraft, save_template
from portal.accreditation.templates import TemplateDraft as Draft
from portal.core.clock import local_today
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.models import Accreditation, AuditEvent, OutboxEmail
from tests.helpers import requirements_of


@pytest.fixture
def ready(accreditation_for, staff, approve):
    """An accreditation with every document approved: ready for final approval."""
    partner, focal, accreditation = accreditation_for
    approve(staff["manager"], focal, accreditation, requirements_of(accreditation))
    return accreditation


def test_the_decision_waits_for_every_document(accreditation_for, staff):
    partner, focal, accreditation = accreditation_for
    with pytest.raises(DomainError, match="Not ready for final approval") as caught:
        record_decision(staff["admin"], accreditation, "accredited", "", None, local_today())
    assert caught.value.field == "decision"
    assert requirements_of(accreditation)[0].name in caught.value.message
    db.session.rollback()
    assert db.session.get(Accreditation, accreditation.id).decision is None


def test_accredited_until_defaults_to_the_templates_validity(ready, staff):
    today = date(2026, 5, 31)
    record_decision(staff["admin"], ready, "accredited", "Well done.", None, today)
    assert ready.valid_until == add_months(today, 24) == date(2028, 5, 31)
    assert ready.milestones[-1].completed_at is not None and ready.completed_at is not None
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="accreditation_decided"))
    assert event.changes["decision"] == [None, "Accredited"]
    email = db.session.scalar(db.select(OutboxEmail).filter_by(template="accreditation_decided"))
    assert email.subject.startswith("Accredited until 31 May 2028")
    with pytest.raises(DomainError, match="already decided"):
        record_decision(staff["admin"], ready, "not_accredited", "Changed mind.", None, today)


def test_a_chosen_validity_must_lie_ahead(ready, staff):
    today = local_today()
    with pytest.raises(DomainError) as caught:
        record_decision(staff["admin"], ready, "accredited", "", today, today)
    assert caught.value.field == "valid_until"


def test_not_accredited_needs_a_reason_but_not_every_document(accreditation_for, staff):
    partner, focal, accreditation = accreditation_for
    with pytest.raises(DomainError) as caught:
        record_decision(staff["admin"], accreditation, "not_accredited", "", None, local_today())
    assert caught.value.field == "note"
    record_decision(
        staff["admin"], accreditation, "not_accredited", "Governance gaps.", None, local_today()
    )
    assert (accreditation.decision, accreditation.valid_until) == ("not_accredited", None)


def test_renewal_opens_sixty_days_before_expiry(ready, staff):
    decided = date(2026, 1, 15)
    record_decision(staff["admin"], ready, "accredited", "", date(2027, 1, 15), decided)
    opens = renewal_opens_on(ready)
    assert opens == date(2027, 1, 15) - timedelta(days=60)

    with pytest.raises(DomainError, match="Renewal opens on 16 Nov 2026"):
        open_renewal(staff["admin"], ready, opens - timedelta(days=1), opens - timedelta(days=1))
    renewal = open_renewal(staff["admin"], ready, opens, opens)

    assert renewal.renewal_of_id == ready.id and renewal.partner_id == ready.partner_id
    assert renewal.started_on == opens and renewal.decision is None
    with pytest.raises(DomainError, match="already open"):
        open_renewal(staff["admin"], ready, opens, opens)


def test_renewal_starts_on_the_newest_version(ready, staff):
    record_decision(staff["admin"], ready, "accredited", "", None, local_today())
    draft = Draft.of(ready.template)
    draft.stages[0].requirements.append(RequirementDraft("Safeguarding policy"))
    newer = save_template(staff["admin"], ready.template, draft)
    today = ready.valid_until - timedelta(days=10)

    renewal = open_renewal(staff["admin"], ready, today, today)

    assert renewal.template_id == newer.id and ready.template_id != newer.id


def test_a_refused_decision_cannot_be_renewed(accreditation_for, staff):
    partner, focal, accreditation = accreditation_for
    record_decision(staff["admin"], accreditation, "not_accredited", "No.", None, local_today())
    with pytest.raises(DomainError, match="granted"):
        open_renewal(staff["admin"], accreditation, local_today(), local_today())
