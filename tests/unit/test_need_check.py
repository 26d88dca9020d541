"""A prospective partner: added without a login or an accreditation, its need
check filled in, the duplicate research, and the decision that makes it active
(inviting its focal person) or closes it; every step audited."""

from __future__ import annotations

from datetime import date

import pytest

from portal.accreditation.templates import open_cycle
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.models import (
    Accreditation,
    AuditEvent,
    Coverage,
    NeedCheck,
    OrgUnit,
    OutboxEmail,
    Partner,
    PartnershipType,
    User,
)
from portal.partners.drafts import ContactDraft, CoverageDraft, PartnerDraft
from portal.partners.records import add_partner
from portal.partners.status import change_status
from portal.partnerships import need
from portal.partnerships.research import research


@pytest.fixture
def admin(make_user):
    return make_user("admin@example.org", "admin", name="Ada Admin", password=None)


@pytest.fixture
def district(app):
    rows = [("C", "Country", 1, "/C", None), ("D", "Riverside", 2, "/C/D", "C")]
    units = [
        OrgUnit(id=i, name=n, level=lv, path=p, parent_id=parent, search_key=n.lower())
        for i, n, lv, p, parent in rows
    ]
    db.session.add_all(units)
    db.session.commit()
    return units[1]


def prospective(admin, district=None, name="Hillside Outreach", types=("supervision",)):
    draft = PartnerDraft(
        name=name,
        acronym="HO",
        types=list(types),
        contacts=[ContactDraft(name="Hana Focal", email="hana@ho.example.org", is_primary=True)],
        coverage=[CoverageDraft(target=f"unit:{district.id}", starts_on=date(2026, 1, 1))]
        if district
        else [],
        prospective=True,
    )
    return add_partner(admin, draft)


def fill(admin, partner):
    need.add_item(admin, partner, "benefit", "Supervision visits in Riverside", tested=True)
    need.add_item(admin, partner, "commitment", "Two supervisors, one vehicle", tested=True)
    need.add_item(admin, partner, "strategy", "District health plan 2026–2028", tested=False)
    need.save_research(admin, partner, "Riverside Care supervises other facilities.")


def actions(partner: Partner) -> list[str]:
    return list(
        db.session.scalars(
            db.select(AuditEvent.action).filter_by(partner_id=partner.id).order_by(AuditEvent.id)
        )
    )


def test_a_prospective_partner_waits_for_the_decision(admin):
    partner = prospective(admin)
    assert partner.status == "prospective"
    assert db.session.get(NeedCheck, partner.id) is not None
    # Nobody is invited and no accreditation opens before the decision.
    assert db.session.scalar(db.select(User).filter_by(partner_id=partner.id)) is None
    assert db.session.scalar(db.select(Accreditation).filter_by(partner_id=partner.id)) is None
    assert db.session.scalar(db.select(db.func.count(OutboxEmail.id))) == 0


def test_going_ahead_needs_the_checklist_and_a_reason(admin):
    partner = prospective(admin)
    with pytest.raises(DomainError) as missing:
        need.decide(admin, partner, "go", "Fills the supervision gap")
    assert "Benefits and goals" in missing.value.message
    assert "duplicate partnerships" in missing.value.message
    fill(admin, partner)
    with pytest.raises(DomainError) as no_reason:
        need.decide(admin, partner, "go", "   ")
    assert no_reason.value.field == "reason"
    with pytest.raises(DomainError):
        need.decide(admin, partner, "maybe", "why not")
    db.session.rollback()
    assert db.session.get(Partner, partner.id).status == "prospective"


def test_going_ahead_makes_it_active_and_invites_its_focal_person(admin):
    partner = prospective(admin)
    fill(admin, partner)
    check = need.decide(admin, partner, "go", "Fills the supervision gap in Riverside")
    assert partner.status == "active"
    assert partner.status_reason == "Fills the supervision gap in Riverside"
    assert check.decision == "go" and check.decided_by_id == admin.id
    focal = db.session.scalar(db.select(User).filter_by(partner_id=partner.id))
    assert focal.email == "hana@ho.example.org" and focal.partner_role == "focal"
    invitation = db.session.scalar(db.select(OutboxEmail).filter_by(template="invitation"))
    assert "hana@ho.example.org" in invitation.recipients
    decided = db.session.scalar(
        db.select(AuditEvent).filter_by(partner_id=partner.id, action="partnership_decided")
    )
    assert decided.reason == "Fills the supervision gap in Riverside"
    assert decided.changes["status"] == ["prospective", "active"]
    # One strategy item was not yet tested with the partner: the record says so.
    assert decided.changes["not yet tested with the partner"] == [None, 1]
    # The checklist is kept, and no longer changes.
    with pytest.raises(DomainError):
        need.add_item(admin, partner, "benefit", "Late idea", tested=False)
    assert len(db.session.get(NeedCheck, partner.id).items) == 3


def test_not_going_ahead_closes_it_with_the_reason(admin):
    partner = prospective(admin)
    need.decide(admin, partner, "no_go", "Another partner already does this work")
    assert partner.status == "closed"
    assert db.session.scalar(db.select(User).filter_by(partner_id=partner.id)) is None


def test_neither_the_status_form_nor_a_cycle_bypasses_the_decision(admin, make_template):
    partner = prospective(admin)
    with pytest.raises(DomainError) as refused:
        change_status(admin, partner, "active", reason="skip it", effective_on=date(2026, 1, 1))
    assert "need check" in refused.value.message
    with pytest.raises(DomainError) as no_cycle:
        open_cycle(admin, partner, make_template(), date(2026, 1, 1))
    assert "need check first" in no_cycle.value.message


def test_every_change_to_the_checklist_is_audited(admin):
    partner = prospective(admin)
    item = need.add_item(admin, partner, "benefit", "Better supervision", tested=False)
    need.set_tested(admin, partner, item.id, True)
    need.remove_item(admin, partner, item.id)
    need.save_research(admin, partner, "Nothing similar found.")
    assert actions(partner)[-4:] == [
        "need_item_added",
        "need_item_updated",
        "need_item_removed",
        "need_research_noted",
    ]
    updated = db.session.scalar(
        db.select(AuditEvent).filter_by(partner_id=partner.id, action="need_item_updated")
    )
    assert updated.changes["Benefits and goals"] == [
        "Better supervision (not yet tested with the partner)",
        "Better supervision (tested with the partner)",
    ]


def test_bad_items_are_refused(admin):
    partner = prospective(admin)
    with pytest.raises(DomainError) as empty:
        need.add_item(admin, partner, "benefit", "  ", tested=False)
    assert empty.value.field == "text"
    with pytest.raises(DomainError) as section:
        need.add_item(admin, partner, "wishes", "A wish", tested=False)
    assert section.value.field == "section"
    commitment = need.add_item(admin, partner, "commitment", "A vehicle", tested=True)
    assert commitment.tested is None  # commitments are not tested with the partner
    with pytest.raises(DomainError):
        need.set_tested(admin, partner, commitment.id, True)
    with pytest.raises(DomainError):
        need.remove_item(admin, partner, 987654)


def test_research_finds_similar_names_and_the_same_work_in_the_same_areas(
    admin, make_partner, district
):
    similar, _, _ = make_partner("Hillside Outreach Trust", "HOT")
    same_work, _, _ = make_partner("Riverside Care", "RC")
    other_work, _, _ = make_partner("Riverside Funds", "RF")
    for other, kind in ((same_work, "supervision"), (other_work, "funding")):
        db.session.add(PartnershipType(partner_id=other.id, kind=kind))
        db.session.add(
            Coverage(
                partner_id=other.id,
                org_unit_id=district.id,
                district_id=district.id,
                starts_on=date(2025, 1, 1),
            )
        )
    db.session.commit()
    partner = prospective(admin, district)
    found = research(partner)
    assert [p.name for p in found.similar_names] == ["Hillside Outreach Trust"]
    [overlap] = found.same_work_same_areas
    assert overlap.partner.name == "Riverside Care"
    assert overlap.kinds == ["supervision"] and overlap.areas == ["Riverside"]
    assert similar.id not in {o.partner.id for o in found.same_work_same_areas}
