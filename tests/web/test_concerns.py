"""Concerns through the test client: raised from the partner's organisation
pages with evidence, refused input shown next to its field with nothing saved,
the path's forms on the concern's page, confidential concerns kept to the
administrators, the board's and My actions' flags, the export, and the list
page's fixed number of statements."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from portal.concerns.redress import ConcernDraft, raise_concern, take_step
from portal.core.clock import local_today
from portal.core.extensions import db
from portal.core.storage import storage
from portal.demo import sample_pdf
from portal.models import Concern, User
from tests.helpers import snapshot, token_for

DESCRIPTION = "The second tranche came six weeks late."
BOARD, MY_ACTIONS = "/actions", "/my-actions"


@pytest.fixture
def two(make_partner, staff, make_user):
    partner, focal, _ = make_partner("Alpha Health", "AH")
    other, other_focal, _ = make_partner("Bravo Relief", "BR")
    colleague = make_user("editor@ah.example.org", partner=partner, partner_role="editor")
    return {
        "partner": partner,
        "focal": focal,
        "colleague": colleague,
        "other_focal": other_focal,
        **staff,
    }


def form(client, **changes) -> dict:
    values = {
        "csrf_token": token_for(client),
        "category": "payment",
        "description": DESCRIPTION,
        "remedy": "Pay on the agreed date.",
    }
    return values | changes


def raised(two, **changes) -> Concern:
    values = {"category": "payment", "description": DESCRIPTION, "remedy": "Pay on time."}
    return raise_concern(two["focal"], two["partner"], ConcernDraft(**(values | changes)))


def stored_files() -> set:
    return {p.name for p in storage().files()}


def test_a_partner_raises_a_concern_with_evidence_from_its_organisation_pages(two, login):
    client = login(two["focal"].email)
    page = client.get("/organisation/concerns").get_data(as_text=True)
    assert "Raise a concern" in page and "How a concern is handled" in page
    pdf = (io.BytesIO(sample_pdf("Bank statement")), "bank statement.pdf")
    response = client.post("/organisation/concerns/new", data=form(client, evidence=pdf))
    assert response.status_code == 302
    concern = db.session.scalar(db.select(Concern))
    assert response.location == f"/concerns/{concern.id}"
    page = client.get(response.location).get_data(as_text=True)
    assert DESCRIPTION in page and "bank_statement.pdf" in page
    [event] = concern.events
    for who in ("focal", "admin", "manager", "colleague"):
        download = login(two[who].email).get(f"/concerns/evidence/{event.id}")
        body = download.get_data()
        download.close()
        assert download.status_code == 200 and body.startswith(b"%PDF"), who
    stranger = login(two["other_focal"].email)
    assert stranger.get(f"/concerns/{concern.id}").status_code == 404
    assert stranger.get(f"/concerns/evidence/{event.id}").status_code == 404
    # The partner's accreditation is untouched: raising costs nothing.
    assert two["partner"].accreditations[0].decision is None


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"description": ""}, "Describe what the concern is about."),
        ({"remedy": " "}, "Say what you ask for to put it right."),
        ({"category": "gossip"}, "Not a valid choice."),
        ({"subject": "7"}, "Choose the partnership or one of its obligations."),
        ({"subject": "x'--"}, "Choose the partnership or one of its obligations."),
        (
            {"evidence": (io.BytesIO(b"MZ\x90\x00 not a document"), "tool.exe")},
            "This file type is not accepted.",
        ),
    ],
)
def test_bad_input_is_refused_next_to_its_field_and_nothing_is_saved(two, login, changes, message):
    client = login(two["focal"].email)
    files, before = stored_files(), snapshot()
    response = client.post("/organisation/concerns/new", data=form(client, **changes))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert snapshot() == before and stored_files() == files


def test_viewers_read_and_may_not_raise(two, login, make_user):
    viewer = make_user("viewer@ah.example.org", partner=two["partner"], partner_role="viewer")
    concern = raised(two)
    client = login(viewer.email)
    page = client.get(f"/concerns/{concern.id}").get_data(as_text=True)
    assert DESCRIPTION in page and "Send the answer" not in page and "Withdraw" not in page
    assert client.get("/organisation/concerns/new").status_code == 403


def test_a_step_out_of_order_is_refused_on_the_page_and_nothing_changes(two, login):
    concern = raised(two)
    client = login(two["admin"].email)
    before = snapshot()
    data = {
        "csrf_token": token_for(client),
        "action": "decide",
        "text": "Upheld.",
        "outcome": "upheld",
        "redress": "Pay.",
    }
    response = client.post(f"/concerns/{concern.id}/step", data=data)
    assert response.status_code == 422
    assert "is not the next step: the concern is raised" in response.get_data(as_text=True)
    assert snapshot() == before


def test_a_decision_without_a_reason_is_refused_next_to_the_field(two, login):
    concern = raised(two)
    take_step(two["admin"], concern, "acknowledge")
    take_step(two["admin"], concern, "review")
    client = login(two["admin"].email)
    before = snapshot()
    data = {
        "csrf_token": token_for(client),
        "action": "decide",
        "text": "",
        "outcome": "upheld",
        "redress": "Pay.",
    }
    response = client.post(
        f"/concerns/{concern.id}/step", data=data, headers={"HX-Request": "true"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    # The fragment (the concern's main part) with the error under the reason's box.
    assert page.startswith('<div id="concern-main">') or 'id="concern-main"' in page[:200]
    reason_box = page[page.index('name="text"') :]
    assert "Give the reason for the decision." in reason_box[:600]
    assert snapshot() == before


def test_a_confidential_concern_is_seen_by_the_administrators_and_its_raiser_only(
    two, login, make_user
):
    concern = raised(
        two,
        category="conduct",
        description="A visiting officer asked for money.",
        confidential=True,
    )
    admin = login(two["admin"].email)
    assert "A visiting officer" in admin.get(f"/concerns/{concern.id}").get_data(as_text=True)
    assert "A visiting officer" in login(two["focal"].email).get(
        f"/concerns/{concern.id}"
    ).get_data(as_text=True)
    manager = login(two["manager"].email)
    colleague = login(two["colleague"].email)
    assert manager.get(f"/concerns/{concern.id}").status_code == 404
    assert colleague.get(f"/concerns/{concern.id}").status_code == 404
    pid = two["partner"].id
    for client, pages in (
        (manager, ["/concerns", f"/partners/{pid}", BOARD, MY_ACTIONS]),
        (colleague, ["/organisation/concerns", "/organisation/history"]),
    ):
        for path in pages:
            response = client.get(path, follow_redirects=True)
            assert response.status_code == 200, path
            page = response.get_data(as_text=True)
            assert "visiting officer" not in page and "Confidential concern" not in page, path
            assert "Conduct" not in page or path == "/concerns", path
    # The manager's figures do not count it either.
    assert 'data-testid="figure-raised">0<' in manager.get("/concerns").get_data(as_text=True)
    assert 'data-testid="figure-raised">1<' in admin.get("/concerns").get_data(as_text=True)


def exported(client, reason="Steering committee") -> list[dict]:
    data = {"csrf_token": token_for(client), "format": "csv", "reason": reason}
    response = client.post("/export/concerns?step=all", data=data)
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def test_the_export_has_the_confidential_ones_for_administrators_only(two, login):
    raised(two)
    raised(two, category="conduct", confidential=True)
    for who in ("admin", "manager"):
        user = db.session.get(User, two[who].id)
        user.can_export = True
    db.session.commit()
    everything = exported(login(two["admin"].email))
    assert sorted(r["Category"] for r in everything) == ["Conduct", "Payment"]
    rows = exported(login(two["manager"].email))
    assert [r["Category"] for r in rows] == ["Payment"]
    assert rows[0]["Description"] == DESCRIPTION and rows[0]["Step"] == "Raised"


def test_a_concern_past_its_deadline_is_flagged_on_the_board_and_in_my_actions(two, login):
    late, on_time = raised(two), raised(two, category="data")
    late.due_on = local_today() - timedelta(days=1)
    db.session.commit()
    client = login(two["admin"].email)
    for path in (BOARD, MY_ACTIONS):
        page = client.get(path).get_data(as_text=True)
        assert "Concerns past their deadline" in page, path
        assert f"/concerns/{late.id}" in page and f"/concerns/{on_time.id}" not in page, path
    listing = client.get("/concerns").get_data(as_text=True)
    # Overdue first in the list.
    assert listing.index(f'/concerns/{late.id}"') < listing.index(f'/concerns/{on_time.id}"')
    assert "past its deadline" in listing
    # Nothing late: the board shows no empty block.
    late.due_on = local_today() + timedelta(days=3)
    db.session.commit()
    assert "Concerns past their deadline" not in client.get(BOARD).get_data(as_text=True)


def test_staff_raise_from_the_partners_page_and_the_partner_answers(two, login):
    client = login(two["manager"].email)
    pid = two["partner"].id
    assert "Raise a concern" in client.get(f"/partners/{pid}").get_data(as_text=True)
    response = client.post(
        f"/partners/{pid}/concerns/new",
        data=form(client, category="data", description="The Q3 report came five weeks late."),
    )
    assert response.status_code == 302
    concern = db.session.scalar(db.select(Concern))
    assert (concern.raised_by_side, concern.confidential) == ("programme", False)
    partner = login(two["colleague"].email)
    assert "five weeks late" in partner.get("/organisation/concerns").get_data(as_text=True)
    answer = {"csrf_token": token_for(partner), "text": "Our M&E officer left in August."}
    assert partner.post(f"/concerns/{concern.id}/answer", data=answer).status_code == 302
    page = client.get(f"/partners/{pid}").get_data(as_text=True)
    assert f"/concerns/{concern.id}" in page


def test_the_list_costs_the_same_statements_for_2_or_12_concerns(two, login, count_queries):
    client = login(two["admin"].email)

    def count() -> int:
        assert client.get("/concerns").status_code == 200
        with count_queries() as counter:
            assert client.get("/concerns").status_code == 200
        return counter.count

    for _ in range(2):
        raised(two)
    small = count()
    for _ in range(10):
        raised(two, category="communication")
    assert count() == small
