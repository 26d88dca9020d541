"""The need check as staff use it: a partner added as prospective from the
slide-in form, its checklist filled in with HTMX, the decision, and who may
read or change it."""

from __future__ import annotations

import re

import pytest

from portal.core.extensions import db
from portal.models import AuditEvent, NeedCheck, OutboxEmail, Partner, User
from portal.partners.drafts import ContactDraft, PartnerDraft
from portal.partners.records import add_partner
from tests.helpers import csrf_token
from tests.web.test_partners_web import confirm, form, help_text

HTMX = {"HX-Request": "true"}


@pytest.fixture
def prospect(staff):
    draft = PartnerDraft(
        name="Hillside Outreach",
        acronym="HO",
        contacts=[ContactDraft(name="Hana Focal", email="hana@ho.example.org", is_primary=True)],
        prospective=True,
    )
    return add_partner(staff["admin"], draft)


def post(client, path: str, **data):
    token = csrf_token(client, path.rsplit("/need", 1)[0] + "/need")
    return client.post(path, data={"csrf_token": token, **data}, headers=HTMX)


def test_a_partner_is_added_as_prospective_from_the_form(client, auth, staff):
    auth.login("admin@example.org")
    token = csrf_token(client, "/partners/new")
    summary = client.post("/partners/new", data=form(token, prospective="y"))
    page = summary.get_data(as_text=True)
    assert "Saved as <strong>prospective</strong>" in page
    saved = confirm(client, page)
    partner = db.session.scalar(db.select(Partner).filter_by(name="Zulu Outreach"))
    assert saved.status_code == 302
    assert saved.location.endswith(f"/partners/{partner.id}/need")
    assert partner.status == "prospective"
    # No one is invited yet.
    assert db.session.scalar(db.select(db.func.count(OutboxEmail.id))) == 0
    assert db.session.scalar(db.select(User).filter_by(partner_id=partner.id)) is None
    need_page = client.get(saved.location).get_data(as_text=True)
    assert "Need for a partnership with Zulu Outreach (ZO)" in need_page
    listed = client.get("/partners?status=prospective").get_data(as_text=True)
    assert "Zulu Outreach" in listed and "badge-prospective" in listed


def test_an_unticked_box_stays_unticked_through_the_summary(client, auth, staff):
    auth.login("admin@example.org")
    token = csrf_token(client, "/partners/new")
    page = client.post("/partners/new", data=form(token)).get_data(as_text=True)
    assert 'name="prospective"' not in page  # nothing carried: an active partner
    confirm(client, page)
    assert db.session.scalar(db.select(Partner).filter_by(name="Zulu Outreach")).status == "active"


def test_the_checklist_is_filled_in_and_decided(client, auth, staff, prospect):
    auth.login("admin@example.org")
    base = f"/partners/{prospect.id}/need"
    empty = post(client, f"{base}/items", section="benefit", text="  ")
    assert empty.status_code == 422
    assert "Write what the item is." in help_text(empty.get_data(as_text=True), "need-benefit-text")
    added = post(client, f"{base}/items", section="benefit", text="Supervision", tested="y")
    assert added.status_code == 200 and "Tested with the partner" in added.get_data(as_text=True)
    # Deciding before the checklist is complete says what is missing, next to the choice.
    early = post(client, f"{base}/decision", decision="go", reason="Gap in Riverside")
    assert early.status_code == 422
    assert "Potential commitments" in early.get_data(as_text=True)
    assert db.session.get(Partner, prospect.id).status == "prospective"
    post(client, f"{base}/items", section="commitment", text="Two supervisors")
    post(client, f"{base}/items", section="strategy", text="District plan")
    post(client, f"{base}/research", note="Nobody else supervises Riverside.")
    no_reason = post(client, f"{base}/decision", decision="go", reason="")
    assert no_reason.status_code == 422
    assert "Say why" in no_reason.get_data(as_text=True)
    decided = post(client, f"{base}/decision", decision="go", reason="Gap in Riverside")
    assert decided.status_code == 204 and decided.headers["HX-Redirect"] == base
    page = client.get(base).get_data(as_text=True)
    assert "Decided: go ahead" in page and "Open its first accreditation cycle" in page
    assert db.session.get(Partner, prospect.id).status == "active"
    # The partner page keeps the checklist in view.
    show = client.get(f"/partners/{prospect.id}").get_data(as_text=True)
    assert "Went ahead" in show and "Read the checklist" in show
    assert db.session.scalar(db.select(OutboxEmail).filter_by(template="invitation"))


def test_a_tested_mark_is_changed_and_an_item_removed(client, auth, staff, prospect):
    auth.login("admin@example.org")
    base = f"/partners/{prospect.id}/need"
    post(client, f"{base}/items", section="strategy", text="District plan")
    [item] = db.session.get(NeedCheck, prospect.id).items
    item_id = item.id
    marked = post(client, f"{base}/items/{item_id}/tested", tested="1")
    assert "Mark not yet tested" in marked.get_data(as_text=True)
    removed = post(client, f"{base}/items/{item_id}/remove")
    assert "District plan" not in removed.get_data(as_text=True)
    assert post(client, f"{base}/items/{item_id}/remove").status_code == 404


def test_programme_managers_read_it_and_partners_do_not(client, auth, staff, prospect):
    base = f"/partners/{prospect.id}/need"
    auth.login("manager@example.org")
    page = client.get(base).get_data(as_text=True)
    assert "Research on potential duplicate partnerships" in page
    assert "Record the decision" not in page and not re.search(r'action="[^"]*/items"', page)
    refused = post(client, f"{base}/items", section="benefit", text="Mine")
    assert refused.status_code == 403
    assert db.session.get(NeedCheck, prospect.id).items == []


def test_a_partner_added_as_active_has_no_need_check(client, auth, staff, make_partner):
    partner, _, _ = make_partner()
    auth.login("admin@example.org")
    assert client.get(f"/partners/{partner.id}/need").status_code == 404
    assert "Need for a partnership" not in client.get(f"/partners/{partner.id}").get_data(
        as_text=True
    )


def test_the_decision_is_in_the_partner_history(client, auth, staff, prospect):
    auth.login("admin@example.org")
    base = f"/partners/{prospect.id}/need"
    post(client, f"{base}/decision", decision="no_go", reason="Duplicates Riverside Care")
    assert db.session.get(Partner, prospect.id).status == "closed"
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="partnership_decided"))
    assert event.reason == "Duplicates Riverside Care"
    history = client.get(f"/partners/{prospect.id}").get_data(as_text=True)
    assert "Duplicates Riverside Care" in history
