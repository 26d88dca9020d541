"""The checklist of an accreditation: each requirement's own deadline, waivers and
vault documents, and that every way of reporting progress agrees on them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.accreditation.deadlines import mark_not_applicable, move_deadlines, move_milestone
from portal.accreditation.lifecycle import open_accreditation
from portal.accreditation.progress import completion, load_accreditation, progress
from portal.core.clock import local_today
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.models import AuditEvent, Notification, OrganisationDocument
from tests.helpers import requirements_of


def _vault(partner, user, document_type: str, valid_until: date, status="accepted"):
    document = OrganisationDocument(
        partner_id=partner.id,
        document_type=document_type,
        valid_until=valid_until,
        status=status,
        filename="certificate.pdf",
        storage_key=f"vault-{document_type}-{valid_until}-{status}",
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
        uploaded_by_id=user.id,
    )
    db.session.add(document)
    db.session.commit()
    return document


def _both(accreditation, today):
    """The percentage as the dashboard computes it and as the staff lists do."""
    mine = progress(load_accreditation(accreditation.id), today).percent
    return mine, completion([accreditation.id], today)[accreditation.id]


def test_each_requirement_is_due_by_its_offset_but_never_after_its_stage(
    make_template, make_partner
):
    template = make_template(stages=(("Documents", 30, 3), ("Review", 10, 1)))
    first, second, third = template.stages[0].requirements
    first.due_offset_days, second.due_offset_days = 7, 45  # 45 is past the stage's 30
    db.session.commit()
    start = date(2026, 1, 1)

    partner, focal, accreditation = make_partner(template=template, started_on=start)

    due = {i.requirement.name: i.due_on for i in accreditation.items}
    assert due[first.name] == date(2026, 1, 8)
    assert due[second.name] == date(2026, 1, 31)  # the stage's end
    assert due[third.name] == date(2026, 1, 31)
    assert due["Review document 1"] == date(2026, 2, 10)


def test_a_waived_requirement_leaves_the_percentage_and_the_actions(
    accreditation_for, staff, approve
):
    partner, focal, accreditation = accreditation_for
    documents = requirements_of(accreditation)  # 4 required
    approve(staff["manager"], focal, accreditation, documents[1:2])
    item = next(i for i in accreditation.items if i.requirement_id == documents[0].id)
    today = local_today()
    assert _both(accreditation, today) == (25, 25)

    mark_not_applicable(staff["admin"], item, "Registered abroad: no local certificate")

    assert _both(accreditation, today) == (33, 33)
    state = progress(load_accreditation(accreditation.id), today)
    assert state.requirements[0].status == "not_applicable"
    assert documents[0].name not in [a.title for a in state.actions]
    # Both documents of the first stage are now in hand: the stage completes.
    assert accreditation.milestones[0].completed_at is not None
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="requirement_not_applicable"))
    assert event.reason == "Registered abroad: no local certificate"


def test_a_valid_vault_document_satisfies_until_it_expires(accreditation_for, staff):
    partner, focal, accreditation = accreditation_for
    certificate = requirements_of(accreditation)[0]
    certificate.document_type = "registration_certificate"
    db.session.commit()
    today = date(2026, 6, 1)
    _vault(partner, focal, "registration_certificate", today + timedelta(days=30))
    _vault(partner, focal, "tax_clearance", today + timedelta(days=300))  # nobody asks

    assert progress(load_accreditation(accreditation.id), today).requirements[0].status == (
        "in_vault"
    )
    assert _both(accreditation, today) == (25, 25)
    # The day after it expires, the requirement is open again, everywhere.
    later = today + timedelta(days=31)
    assert progress(load_accreditation(accreditation.id), later).requirements[0].status == (
        "missing"
    )
    assert _both(accreditation, later) == (0, 0)


def test_rejected_or_other_partners_vault_documents_do_not_count(
    accreditation_for, make_partner, staff
):
    partner, focal, accreditation = accreditation_for
    other, other_focal, _ = make_partner(name="Other Org", acronym="OO")
    requirements_of(accreditation)[0].document_type = "tax_clearance"
    db.session.commit()
    today = local_today()
    _vault(partner, focal, "tax_clearance", today + timedelta(days=90), status="rejected")
    _vault(other, other_focal, "tax_clearance", today + timedelta(days=90))

    assert _both(accreditation, today) == (0, 0)


def test_a_new_cycle_counts_vault_documents_at_once(make_template, make_partner, staff):
    template = make_template(stages=(("Documents", 30, 1), ("Final approval", 10, 0)))
    template.stages[0].requirements[0].document_type = "audited_accounts"
    db.session.commit()
    partner, focal, first = make_partner(template=template)
    _vault(partner, focal, "audited_accounts", local_today() + timedelta(days=200))

    second = open_accreditation(staff["admin"], partner, template, local_today())
    db.session.commit()

    assert second.milestones[0].completed_at is not None
    assert db.session.scalar(
        db.select(db.func.count(Notification.id)).filter_by(kind="milestone_reached")
    )


def test_moving_deadlines_needs_a_reason_and_a_date_within_the_cycle(accreditation_for, staff):
    partner, focal, accreditation = accreditation_for
    item = accreditation.items[0]
    before = item.due_on

    for due_on, reason, field in (
        (before + timedelta(days=7), "  ", "reason"),
        (None, "Partner asked", "due_on"),
        (accreditation.started_on - timedelta(days=1), "Partner asked", "due_on"),
    ):
        with pytest.raises(DomainError) as refused:
            move_deadlines(staff["admin"], [item], due_on, reason)
        assert refused.value.field == field
    db.session.rollback()
    assert item.due_on == before

    move_deadlines(staff["admin"], [item], before + timedelta(days=7), "Office closed in May")

    assert item.due_on == before + timedelta(days=7)
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="deadline_moved"))
    assert event.reason == "Office closed in May"
    assert event.changes["due_on"] == [str(before), str(before + timedelta(days=7))]


def test_moving_a_stage_earlier_pulls_its_documents_with_it(accreditation_for, staff):
    partner, focal, accreditation = accreditation_for
    milestone = accreditation.milestones[0]
    new_due = milestone.due_on - timedelta(days=10)

    move_milestone(staff["admin"], milestone, new_due, "Programme calendar changed")

    assert milestone.due_on == new_due
    assert all(i.due_on <= new_due for i in accreditation.items if i.milestone_id == milestone.id)


def test_existing_accreditations_get_their_checklist_from_the_migration(
    app, tmp_path, keep_logging
):
    """Migration 0005 gives accreditations that ran before it one item per requirement."""
    from flask_migrate import upgrade
    from sqlalchemy import create_engine, text

    from portal import create_app

    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "TESTING": True}, instance_path=tmp_path / "instance"
    )
    with old.app_context():
        upgrade(revision="0004")
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO accreditation_templates (id, name, created_at) "
                    "VALUES (1, 'T', '2026-01-01')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO stages (id, template_id, position, name, duration_days) "
                    "VALUES (1, 1, 1, 'S', 30)"
                )
            )
            for rid in (1, 2):
                conn.execute(
                    text(
                        "INSERT INTO requirements (id, stage_id, position, name, description,"
                        f" required) VALUES ({rid}, 1, {rid}, 'R{rid}', '', 1)"
                    )
                )
            conn.execute(
                text(
                    "INSERT INTO partners (id, name, acronym, status, created_at, search_key,"
                    " search_text, scope_of_work, language, reporting_frequency,"
                    " invoice_format, version) VALUES (1, 'P', 'P', 'active', '2026-01-01',"
                    " 'p', 'p', '', 'en', 'quarterly', 'pdf', 1)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO accreditations (id, partner_id, template_id, started_on,"
                    " created_at) VALUES (1, 1, 1, '2026-01-01', '2026-01-01')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO milestones (id, accreditation_id, stage_id, position, name,"
                    " due_on) VALUES (1, 1, 1, 1, 'S', '2026-01-31')"
                )
            )
        upgrade(revision="0005")
        with engine.connect() as conn:
            items = conn.execute(
                text("SELECT requirement_id, due_on FROM checklist_items ORDER BY 1")
            ).all()
            family = conn.execute(text("SELECT family_id, version FROM accreditation_templates"))
            assert family.one() == (1, 1)
        engine.dispose()
    assert [(r, str(d)) for r, d in items] == [(1, "2026-01-31"), (2, "2026-01-31")]
