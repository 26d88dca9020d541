"""Partnership health as both sides read it: the staff list with the weakest
partnerships first and why, the card on the partner page, and the partner's own
page; in a fixed number of statements however many partners there are."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.concerns.redress import ConcernDraft, raise_concern
from portal.core.clock import local_today
from portal.core.extensions import db
from portal.models import CheckIn, utcnow
from tests.obligations_world import agreement_with, evidence_draft


@pytest.fixture
def partners(make_partner, staff):
    """Quiet (no check-in for months, none scheduled) and Met (a meeting next week)."""
    quiet, quiet_focal, _ = make_partner("Quiet Health Trust", "QHT")
    met, met_focal, _ = make_partner("Met Health Alliance", "MHA")
    db.session.add_all(
        [
            CheckIn(
                partner_id=quiet.id,
                starts_at=utcnow() - timedelta(days=200),
                location="Office",
                created_by_id=staff["admin"].id,
            ),
            CheckIn(
                partner_id=met.id,
                starts_at=utcnow() + timedelta(days=7),
                location="Office",
                created_by_id=staff["admin"].id,
            ),
        ]
    )
    db.session.commit()
    return {"quiet": (quiet, quiet_focal), "met": (met, met_focal)}


def test_the_list_shows_the_weakest_partnership_first_and_why(client, auth, partners):
    auth.login("manager@example.org")
    page = client.get("/partnerships/health").get_data(as_text=True)
    assert page.index("Quiet Health Trust") < page.index("Met Health Alliance")
    assert "No check-in in 120 days and none scheduled." in page
    assert "How health is judged" in page


def test_the_partner_page_and_the_partner_itself_see_the_same_card(client, auth, partners):
    quiet, focal = partners["quiet"]
    auth.login("admin@example.org")
    card = client.get(f"/partners/{quiet.id}").get_data(as_text=True)
    assert 'data-testid="health-card"' in card
    assert "No check-in in 120 days and none scheduled." in card
    auth.logout()
    auth.login(focal.email)
    own = client.get("/organisation/partnership").get_data(as_text=True)
    assert "Partnership health" in own
    assert "Next: none scheduled" in own
    # Only their own partnership, and never the staff list.
    assert "Met Health Alliance" not in own
    assert client.get("/partnerships/health").status_code == 403


def test_staff_have_no_partnership_page_of_their_own(client, auth, staff):
    auth.login("admin@example.org")
    response = client.get("/organisation/partnership")
    assert response.status_code == 302 and response.location.endswith("/partnerships/health")


def test_the_list_reads_a_fixed_number_of_statements(
    client, auth, make_partner, staff, count_queries
):
    auth.login("admin@example.org")
    make_partner("First Partner", "FP")
    client.get("/partnerships/health")  # the KPI figures cached, as they are after a look
    with count_queries() as few:
        client.get("/partnerships/health")
    for index in range(5):
        make_partner(f"Partner {index}", f"P{index}")
    client.get("/partnerships/health")
    with count_queries() as many:
        assert "Partner 4" in client.get("/partnerships/health").get_data(as_text=True)
    assert many.count == few.count


def test_a_concern_past_its_deadline_weakens_the_partnership(client, auth, partners, staff):
    met, focal = partners["met"]
    raise_concern(
        focal,
        met,
        ConcernDraft("payment", "The second tranche came six weeks late.", "Pay on time."),
        today=local_today() - timedelta(days=10),  # two working days to acknowledge: past
    )
    db.session.commit()
    auth.login("manager@example.org")
    page = client.get("/partnerships/health").get_data(as_text=True)
    assert "A concern is past its deadline" in page
    card = client.get(f"/partners/{met.id}").get_data(as_text=True)
    assert 'data-testid="health-concern"' in card and "Past its deadline" in card
    assert "In the last 12 months: 1 raised, 0 resolved with an outcome." in card
    # The partner reads the same concern on its own page.
    auth.logout()
    auth.login(focal.email)
    own = client.get("/organisation/partnership").get_data(as_text=True)
    assert "Payment" in own and "Past its deadline" in own


def test_each_sides_obligations_on_time_show_on_both_pages(client, auth, partners, staff):
    quiet, focal = partners["quiet"]
    today = local_today()
    # A monthly report due since three months ago, never sent: missed each month.
    agreement_with(
        staff["admin"],
        quiet,
        today - timedelta(days=120),
        evidence_draft(today - timedelta(days=95)),
    )
    auth.login("admin@example.org")
    card = client.get(f"/partners/{quiet.id}").get_data(as_text=True)
    assert "The partner kept 0% of its obligations on time." in card
    assert "missed" in card
    auth.logout()
    auth.login(focal.email)
    own = client.get("/organisation/partnership").get_data(as_text=True)
    assert "The partner kept 0% of its obligations on time." in own
