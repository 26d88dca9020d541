"""Adding a partner: the organisation, its focal point, its accreditation, the invitation."""

from __future__ import annotations

import pytest

from portal.accounts.passwords import authenticate
from portal.core.clock import local_today
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.models import (
    Accreditation,
    AuditEvent,
    OutboxEmail,
    Partner,
    PasswordToken,
    User,
)
from portal.partners.drafts import PartnerDraft
from portal.partners.records import add_partner


def _add(actor, **overrides) -> Partner:
    fields = {
        "name": "  Beta Care  ",
        "acronym": " BC ",
        "focal_name": " Bea Focal ",
        "focal_email": " Bea@Beta.example.org ",
    }
    return add_partner(actor, PartnerDraft.new(**(fields | overrides)))


def _counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(db.select(db.func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def test_adding_a_partner_creates_the_partner_and_its_focal_point(staff):
    partner = _add(staff["admin"])

    assert (partner.name, partner.acronym, partner.status) == ("Beta Care", "BC", "active")
    [focal] = partner.users
    assert (focal.email, focal.name, focal.role) == ("bea@beta.example.org", "Bea Focal", "partner")
    # No password until the focal point follows the invitation.
    assert focal.password_hash is None
    assert authenticate("bea@beta.example.org", "") is None


def test_a_new_partner_starts_on_the_newest_template(staff, make_template):
    make_template()
    newest = make_template(stages=(("Registration", 10, 1), ("Approval", 20, 1)))

    partner = _add(staff["admin"])

    [accreditation] = partner.accreditations
    assert accreditation.template == newest
    assert accreditation.started_on == local_today()
    assert [m.name for m in accreditation.milestones] == ["Registration", "Approval"]


def test_a_new_partner_without_any_template_has_no_accreditation_yet(staff):
    partner = _add(staff["admin"])

    assert partner.accreditations == []


def test_the_focal_point_is_invited_by_email(app, staff):
    partner = _add(staff["admin"])

    [email] = db.session.scalars(db.select(OutboxEmail)).all()
    assert email.template == "invitation"
    assert email.recipient_list == ["bea@beta.example.org"]
    assert email.status == "pending"
    assert "Bea Focal" in email.body_text and "Beta Care" in email.body_text
    assert "/set-password/" in email.body_text
    [token] = db.session.scalars(db.select(PasswordToken)).all()
    assert token.user == partner.users[0]


def test_adding_a_partner_is_audited_field_by_field(staff, make_template):
    make_template()
    admin = staff["admin"]

    partner = _add(admin)

    focal = partner.users[0]
    events = {
        e.action: e
        for e in db.session.scalars(db.select(AuditEvent).filter_by(partner_id=partner.id))
    }
    assert set(events) == {
        "partner_created",
        "contact_added",
        "user_created",
        "accreditation_opened",
    }
    assert all(e.actor_id == admin.id for e in events.values())
    created = events["partner_created"]
    assert (created.object_type, created.object_id) == ("Partner", partner.id)
    assert created.changes["name"] == [None, "Beta Care"]
    assert created.changes["acronym"] == [None, "BC"]
    assert created.changes["status"] == [None, "active"]
    assert created.changes["reporting_frequency"] == [None, "quarterly"]
    assert "scope_of_work" not in created.changes  # left empty: nothing to record
    contact = events["contact_added"]
    assert contact.changes["email"] == [None, "bea@beta.example.org"]
    assert contact.changes["is_primary"] == [None, True]
    user = events["user_created"]
    assert (user.object_type, user.object_id) == ("User", focal.id)
    assert user.changes == {
        "email": [None, "bea@beta.example.org"],
        "name": [None, "Bea Focal"],
        "partner_role": [None, "focal"],
    }
    opened = events["accreditation_opened"]
    assert opened.object_id == partner.accreditations[0].id
    assert opened.changes["started_on"] == [None, local_today().isoformat()]


def test_an_email_already_in_use_is_refused_and_nothing_is_created(staff, make_template):
    make_template()
    _add(staff["admin"])
    before = _counts()

    with pytest.raises(DomainError) as refused:
        _add(staff["admin"], name="Another Org", acronym="AO", focal_email="BEA@beta.example.org ")

    assert refused.value.field == "contacts-0-email"
    assert _counts() == before
    assert db.session.scalar(db.select(Partner).filter_by(name="Another Org")) is None


def test_a_staff_email_cannot_become_a_focal_point(staff):
    before = _counts()

    with pytest.raises(DomainError) as refused:
        _add(staff["admin"], focal_email="manager@example.org")

    assert refused.value.field == "contacts-0-email"
    assert _counts() == before
    assert db.session.get(User, staff["manager"].id).partner_id is None
    assert db.session.scalar(db.select(db.func.count(Accreditation.id))) == 0
