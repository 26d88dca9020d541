"""Agreement terms in the browser's terms: an administrator opens an agreement
from a template in the panel and changes an obligation with a reason; bad input
is refused next to its field with nothing saved; the partner sees the same list
on its Agreement tab, uploads evidence and confirms the programme's; another
partner never sees any of it; a manager reads and changes nothing."""

from __future__ import annotations

import io
from datetime import timedelta

from portal.core.clock import local_today
from portal.core.extensions import db
from portal.demo import sample_pdf
from portal.models import Agreement, AuditEvent, Obligation, Observation
from portal.obligations.terms import ObligationDraft
from tests.helpers import token_for
from tests.obligations_world import agreement_with, evidence_draft, standard_template


def _agreement_form(token: str, **changes) -> dict:
    values = {
        "csrf_token": token,
        "title": "Supervision agreement",
        "starts_on": local_today().replace(day=1).isoformat(),
        "ends_on": "",
        "template_id": "",
    }
    return values | changes


def _obligation_form(token: str, **changes) -> dict:
    values = {
        "csrf_token": token,
        "side": "partner",
        "responsible_user_id": "",
        "description": "Sends the quarterly activity report",
        "recurrence": "quarterly",
        "first_due_on": (local_today() + timedelta(days=30)).isoformat(),
        "observed_by": "evidence",
        "rule": "",
        "rule_days": "5",
    }
    return values | changes


def test_staff_open_an_agreement_from_a_template_in_the_panel(world, login):
    template = standard_template()
    a = world.a
    admin = login(world.admin.email)
    token = token_for(admin)
    page = admin.get(f"/partners/{a.partner.id}").get_data(as_text=True)
    assert "Agreement terms" in page and "Open an agreement" in page
    panel = admin.get(f"/partners/{a.partner.id}/agreements/new", headers={"HX-Request": "true"})
    assert panel.status_code == 200 and "panel-sheet" in panel.get_data(as_text=True)
    form = _agreement_form(token, template_id=str(template.id), document_ids=str(a.document.id))
    response = admin.post(
        f"/partners/{a.partner.id}/agreements/new", data=form, headers={"HX-Request": "true"}
    )
    assert response.status_code == 204 and response.headers["HX-Redirect"].startswith(
        f"/partners/{a.partner.id}"
    )
    agreement = db.session.scalar(db.select(Agreement).filter_by(title="Supervision agreement"))
    assert len(agreement.obligations) == 3
    assert [d.id for d in agreement.documents] == [a.document.id]
    page = admin.get(f"/partners/{a.partner.id}").get_data(as_text=True)
    assert "Reviews each submission within 5 working days" in page
    assert "The partner owes" in page and "The programme owes" in page


def test_bad_input_is_refused_next_to_the_field_and_nothing_is_saved(world, login):
    a = world.a
    admin = login(world.admin.email)
    token = token_for(admin)
    agreement, _ = agreement_with(world.admin, a.partner, local_today().replace(day=1))
    obligations = db.session.scalar(db.select(db.func.count(Obligation.id)))
    agreements = db.session.scalar(db.select(db.func.count(Agreement.id)))
    url = f"/agreements/{agreement.id}/obligations/new"
    for changes, message in (
        ({"side": ""}, "Choose which side owes this"),
        ({"recurrence": "never"}, "Choose once, monthly, quarterly or yearly"),
        ({"first_due_on": ""}, "Enter the date it is (first) due"),
        ({"observed_by": "automatic", "rule": ""}, "Choose what the portal observes it from"),
        ({"responsible_user_id": str(world.b.focal.id)}, "Choose someone from the partner"),
    ):
        response = admin.post(url, data=_obligation_form(token, **changes))
        assert response.status_code == 422, changes
        assert message in response.get_data(as_text=True), changes
    bad = admin.post(
        f"/partners/{a.partner.id}/agreements/new",
        data=_agreement_form(token, ends_on="2000-01-01"),
    )
    assert bad.status_code == 422 and "ends before it starts" in bad.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Obligation.id))) == obligations
    assert db.session.scalar(db.select(db.func.count(Agreement.id))) == agreements


def test_a_change_needs_a_reason_and_shows_in_the_partners_history(world, login):
    a = world.a
    today = local_today()
    _, [o] = agreement_with(
        world.admin, a.partner, today.replace(day=1), evidence_draft(today + timedelta(days=30))
    )
    admin = login(world.admin.email)
    token = token_for(admin)
    form = _obligation_form(
        token,
        description="Sends the monthly activity report",
        recurrence="monthly",
        first_due_on=(today + timedelta(days=30)).isoformat(),
    )
    refused = admin.post(f"/obligations/{o.id}/edit", data=form)
    assert refused.status_code == 422
    assert "Say why the obligation changes" in refused.get_data(as_text=True)
    form["reason"] = "Agreed at the check-in"
    assert admin.post(f"/obligations/{o.id}/edit", data=form).status_code == 302
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="obligation_changed"))
    assert event.reason == "Agreed at the check-in" and event.partner_id == a.partner.id
    partner = login(a.focal.email)
    history = partner.get("/organisation/history").get_data(as_text=True)
    assert "Sends the monthly activity report" in history


def test_both_sides_see_the_same_list_and_observe_their_part(world, login):
    a, b = world.a, world.b
    today = local_today()
    confirm = ObligationDraft(
        "programme", "Holds a quarterly check-in", "quarterly", today, "confirmation"
    )
    _, (evidence, confirmation) = agreement_with(
        world.admin,
        a.partner,
        today.replace(day=1),
        evidence_draft(today, description="Sends the Alpha board minutes"),
        confirm,
    )
    partner = login(a.focal.email)
    token = token_for(partner)
    tab = partner.get("/organisation/agreement").get_data(as_text=True)
    assert "Sends the Alpha board minutes" in tab and "Holds a quarterly check-in" in tab
    assert "Upload evidence" in tab and "Confirm it was done" in tab
    upload = partner.post(
        f"/obligations/{evidence.id}/observe",
        data={
            "csrf_token": token,
            "due_on": today.isoformat(),
            "note": "March report",
            "file": (io.BytesIO(sample_pdf("Report")), "march.pdf"),
        },
    )
    assert upload.status_code == 302
    assert (
        partner.post(
            f"/obligations/{confirmation.id}/observe",
            data={"csrf_token": token, "due_on": today.isoformat(), "note": "We met."},
        ).status_code
        == 302
    )
    observation = db.session.scalar(db.select(Observation).filter_by(obligation_id=evidence.id))
    staff_page = login(world.admin.email).get(f"/partners/{a.partner.id}").get_data(as_text=True)
    assert "March report" in staff_page and "We met." in staff_page
    path = f"/obligations/{evidence.id}/evidence/{observation.id}"
    download = partner.get(path)
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    download.close()
    # Partner B: not A's obligations, not A's evidence, nothing on its own tab.
    other = login(b.focal.email)
    other_token = token_for(other)
    assert other.get(path).status_code == 404
    assert other.get(f"/obligations/{evidence.id}/observe").status_code == 404
    assert (
        other.post(
            f"/obligations/{confirmation.id}/observe",
            data={"csrf_token": other_token, "due_on": today.isoformat(), "note": "x"},
        ).status_code
        == 404
    )
    theirs = other.get("/organisation/agreement").get_data(as_text=True)
    assert "Alpha board minutes" not in theirs and "Holds a quarterly check-in" not in theirs


def test_the_manager_reads_the_terms_and_changes_none(world, login):
    a = world.a
    today = local_today()
    _, [o] = agreement_with(world.admin, a.partner, today.replace(day=1), evidence_draft(today))
    manager = login(world.manager.email)
    page = manager.get(f"/partners/{a.partner.id}").get_data(as_text=True)
    assert "Sends its monthly activity report" in page
    assert "Open an agreement" not in page and "Change</a>" not in page
    assert manager.get(f"/obligations/{o.id}/edit").status_code == 403
    assert manager.get(f"/partners/{a.partner.id}/agreements/new").status_code == 403
