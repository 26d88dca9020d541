"""Programme exit: the guided close of a partner that leaves the programme, as
an administrator uses it; refusals change nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.concerns.redress import ConcernDraft, raise_concern
from portal.core.clock import local_today
from portal.core.extensions import db
from portal.models import (
    AuditEvent,
    Concern,
    Coverage,
    DataSet,
    DataSetAssignment,
    Obligation,
    OrgUnit,
    Partner,
    User,
)
from tests.helpers import csrf_token, snapshot
from tests.obligations_world import agreement_with, evidence_draft
from tests.web.test_partners_web import help_text

HTMX = {"HX-Request": "true"}


@pytest.fixture
def leaving(make_partner):
    partner, focal, _ = make_partner("Umoja Health Alliance", "UHA")
    db.session.add(OrgUnit(id="D", name="Riverside", level=1, path="/D", search_key="riverside"))
    db.session.add(Coverage(partner_id=partner.id, org_unit_id="D", starts_on=date(2025, 1, 1)))
    db.session.add(DataSet(id="QX4ZTUbOt3a", name="Reproductive health"))
    db.session.add(
        DataSetAssignment(
            partner_id=partner.id,
            data_set_id="QX4ZTUbOt3a",
            purpose="paid_on",
            starts_on=date(2025, 1, 1),
        )
    )
    db.session.commit()
    return partner, focal


def exit_form(client, partner_id: int, **values) -> dict:
    return {
        "csrf_token": csrf_token(client, f"/partners/{partner_id}/exit"),
        "reason": "Funding ended in June",
        "effective_on": local_today().isoformat(),
        "note": "Closed at exit: the programme thanks the alliance.",
        "confirm": "y",
    } | values


def test_the_page_says_what_leaving_ends(client, auth, staff, leaving):
    partner, _ = leaving
    auth.login("admin@example.org")
    page = client.get(f"/partners/{partner.id}/exit").get_data(as_text=True)
    assert "Ends its coverage: 1 area and 1 data-set assignment" in page
    assert "Ends its 1 login." in page
    assert "Nothing is deleted" in page


def test_leaving_ends_coverage_and_logins_and_closes_with_the_reason(client, auth, staff, leaving):
    partner, focal = leaving
    concern = raise_concern(
        focal, partner, ConcernDraft("payment", "The tranche came late.", "Pay on time.")
    )
    db.session.commit()
    agreement_with(
        staff["admin"],
        partner,
        local_today() - timedelta(days=40),
        evidence_draft(local_today() + timedelta(days=5)),
    )
    auth.login("admin@example.org")
    assert "Closes its 1 open concern" in client.get(f"/partners/{partner.id}/exit").get_data(
        as_text=True
    )
    response = client.post(f"/partners/{partner.id}/exit", data=exit_form(client, partner.id))
    assert response.status_code == 302
    db.session.expire_all()
    partner = db.session.get(Partner, partner.id)
    assert partner.status == "closed" and partner.status_reason == "Funding ended in June"
    assert [c.ends_on for c in db.session.scalars(db.select(Coverage))] == [local_today()]
    assert not db.session.get(User, focal.id).active
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="programme_exit"))
    assert event.reason == "Funding ended in June"
    assert event.changes["closing note"][1].startswith("Closed at exit")
    assert event.changes["concerns closed"] == [None, 1]
    assert event.changes["data-set assignments ended"] == [None, 1]
    assert event.changes["obligations closed"] == [None, 1]
    [obligation] = db.session.scalars(db.select(Obligation))
    assert obligation.ended_on is not None
    [assignment] = db.session.scalars(db.select(DataSetAssignment))
    assert assignment.ends_on == local_today()
    closed = db.session.get(Concern, concern.id)
    assert closed.step == "closed" and closed.closed_how == "programme_exit"
    # The record stays readable.
    page = client.get(f"/partners/{partner.id}").get_data(as_text=True)
    assert "Funding ended in June" in page
    assert "Guided programme exit" not in page


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"reason": ""}, "reason", "Say why the partner leaves the programme."),
        ({"note": " "}, "note", "Write the note that closes"),
        ({"confirm": ""}, "confirm", "Tick to confirm."),
        ({"effective_on": "2100-01-01"}, "effective_on", "Choose today or an earlier date"),
    ],
)
def test_a_refused_exit_changes_nothing(client, auth, staff, leaving, values, field, message):
    partner, _ = leaving
    auth.login("admin@example.org")
    data = exit_form(client, partner.id, **values)
    before = snapshot()
    response = client.post(f"/partners/{partner.id}/exit", data=data, headers=HTMX)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in (page if field == "confirm" else help_text(page, field))
    assert snapshot() == before


def test_a_closed_partner_cannot_leave_again(client, auth, staff, leaving):
    partner, _ = leaving
    auth.login("admin@example.org")
    client.post(f"/partners/{partner.id}/exit", data=exit_form(client, partner.id))
    again = client.post(
        f"/partners/{partner.id}/exit",
        data=exit_form(client, partner.id, effective_on=(local_today() - timedelta(1)).isoformat()),
    )
    assert again.status_code == 422
    assert "already left the programme" in again.get_data(as_text=True)


def test_managers_and_partners_may_not(client, auth, staff, leaving):
    partner, focal = leaving
    auth.login("manager@example.org")
    assert client.get(f"/partners/{partner.id}/exit").status_code == 403
    auth.logout()
    auth.login(focal.email)
    assert client.get(f"/partners/{partner.id}/exit").status_code == 403
