"""Templates, cycles, deadlines, waivers, the final decision, renewal, the
timeline and withdrawing a submission, through the web as each person uses them."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest

from portal.accreditation.submissions import review_submission, submit_document
from portal.core.clock import local_today
from portal.core.extensions import db
from portal.demo import sample_pdf
from portal.models import (
    Accreditation,
    AccreditationTemplate,
    AuditEvent,
    ChecklistItem,
    Submission,
)
from tests.helpers import file_upload, office_document, token_for


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count(model.id)))


def template_form(token: str, **changes) -> dict:
    """The template form as a browser posts it: two stages, one document each."""
    data = {
        "csrf_token": token,
        "action": "save",
        "name": "Technical assistance accreditation",
        "description": "For NGOs giving technical assistance.",
        "validity_months": "36",
        "stages-0-position": "1",
        "stages-0-name": "Document submission",
        "stages-0-duration_days": "30",
        "stages-0-requirements-0-name": "Audited accounts",
        "stages-0-requirements-0-guidance": "The last two years, signed by the auditor.",
        "stages-0-requirements-0-document_type": "audited_accounts",
        "stages-0-requirements-0-formats": ["pdf", "xlsx"],
        "stages-0-requirements-0-required": "y",
        "stages-0-requirements-0-due_offset_days": "14",
        "stages-1-position": "2",
        "stages-1-name": "Final approval",
        "stages-1-duration_days": "14",
        "stages-1-requirements-0-name": "",
    }
    data.update(changes)
    return data


def errors_of(page: str) -> list[str]:
    return re.findall(r'<p class="error"[^>]*>([^<]*)</p>', page) + re.findall(
        r'<div class="alert alert-error" role="alert">([^<]*)</div>', page
    )


# --- templates --------------------------------------------------------------------


def test_the_admin_creates_a_template_from_the_form(world, login):
    client = login(world.admin.email)
    assert "+ New template" in client.get("/accreditation-templates").get_data(as_text=True)
    response = client.post("/accreditation-templates/new", data=template_form(token_for(client)))
    assert response.status_code == 302
    template = db.session.scalar(
        db.select(AccreditationTemplate).filter_by(name="Technical assistance accreditation")
    )
    assert response.location == f"/accreditation-templates/{template.id}"
    assert template.validity_months == 36
    [first, final] = template.stages
    [accounts] = first.requirements
    assert (accounts.accepted_formats, accounts.due_offset_days) == ("pdf,xlsx", 14)
    assert accounts.document_type == "audited_accounts" and final.requirements == []
    page = client.get(response.location).get_data(as_text=True)
    assert "The last two years, signed by the auditor." in page


@pytest.mark.parametrize(
    "changes, message, field",
    [
        ({"stages-1-position": "1"}, "both are at position 1", "stages-1-position"),
        ({"stages-0-position": "3"}, "stages must be in order", "stages-1-position"),
        (
            {"stages-0-requirements-0-due_offset_days": "-5"},
            "a due offset before the start",
            "stages-0-requirements-0-due_offset_days",
        ),
        (
            {"stages-0-requirements-0-due_offset_days": "45"},
            "lasts 30 days",
            "stages-0-requirements-0-due_offset_days",
        ),
        ({"stages-0-duration_days": "0"}, "at least one day", "stages-0-duration_days"),
        (
            {"stages-0-requirements-0-formats": ["pdf", "exe"]},
            "Unknown file format: exe",
            "stages-0-requirements-0-formats",
        ),
        (
            {"stages-0-requirements-0-document_type": "passport"},
            "",
            "stages-0-requirements-0-document_type",
        ),
        ({"stages-0-duration_days": "thirty"}, "Not a valid integer", "stages-0-duration_days"),
    ],
)
def test_a_bad_template_is_refused_next_to_its_field(world, login, changes, message, field):
    client = login(world.admin.email)
    before = count(AccreditationTemplate)
    response = client.post(
        "/accreditation-templates/new", data=template_form(token_for(client), **changes)
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    help_block = re.search(rf'<div id="{field}-help">(.*?)</div>', page, re.S)
    assert help_block and 'class="error"' in help_block.group(1), field
    assert message in help_block.group(1)
    assert count(AccreditationTemplate) == before


def test_a_template_without_stages_is_refused(world, login):
    client = login(world.admin.email)
    data = {
        "csrf_token": token_for(client),
        "action": "save",
        "name": "Empty",
        "validity_months": "12",
    }
    response = client.post("/accreditation-templates/new", data=data)
    assert response.status_code == 422
    assert "A template needs at least one stage." in response.get_data(as_text=True)


def test_more_stages_and_documents_are_added_without_javascript(world, login):
    client = login(world.admin.email)
    token = token_for(client)
    page = client.post(
        "/accreditation-templates/new", data=template_form(token, action="add_stage")
    ).get_data(as_text=True)
    assert 'name="stages-2-name"' in page and 'name="stages-2-requirements-0-name"' in page
    page = client.post(
        "/accreditation-templates/new", data=template_form(token, action="add_requirement-0")
    ).get_data(as_text=True)
    assert 'name="stages-0-requirements-1-name"' in page
    assert 'value="Audited accounts"' in page  # what was typed is kept
    assert count(AccreditationTemplate) == 1


def test_editing_a_template_in_use_makes_version_2(world, login):
    template = world.a.accreditation.template
    client = login(world.admin.email)
    page = client.get(f"/accreditation-templates/{template.id}/edit").get_data(as_text=True)
    assert "saving makes version 2" in page
    data = template_form(token_for(client), name=template.name)
    response = client.post(f"/accreditation-templates/{template.id}/edit", data=data)
    assert response.status_code == 302
    newer = db.session.scalar(db.select(AccreditationTemplate).filter_by(version=2))
    assert response.location == f"/accreditation-templates/{newer.id}"
    assert newer.family_id == template.family_id
    db.session.expire_all()
    assert db.session.get(Accreditation, world.a.accreditation.id).template_id == template.id
    listing = client.get("/accreditation-templates").get_data(as_text=True)
    assert "version 2" in listing and "v1: 2" in listing
    # The old version's edit page leads to the current one.
    old = client.get(f"/accreditation-templates/{template.id}/edit")
    assert old.status_code == 302 and old.location == f"/accreditation-templates/{newer.id}/edit"


def test_the_template_list_takes_a_fixed_number_of_queries(
    world, login, count_queries, make_template
):
    client = login(world.manager.email)
    client.get("/accreditation-templates")
    with count_queries() as few:
        client.get("/accreditation-templates")
    for _ in range(3):
        make_template()
    with count_queries() as more:
        assert client.get("/accreditation-templates").status_code == 200
    assert more.count == few.count


def test_managers_read_templates_but_do_not_change_them(world, login):
    template = world.a.accreditation.template
    client = login(world.manager.email)
    assert client.get("/accreditation-templates").status_code == 200
    assert client.get(f"/accreditation-templates/{template.id}").status_code == 200
    token = token_for(client)
    assert client.post("/accreditation-templates/new", data=template_form(token)).status_code == 403
    edit = client.post(f"/accreditation-templates/{template.id}/edit", data=template_form(token))
    assert edit.status_code == 403
    assert count(AccreditationTemplate) == 1
    partner = login(world.a.focal.email)
    assert partner.get("/accreditation-templates").status_code == 403


# --- opening a cycle --------------------------------------------------------------


def open_cycle(client, side, template_id, started_on="2026-06-01", htmx=False):
    data = {
        "csrf_token": token_for(client),
        "template_id": str(template_id),
        "started_on": started_on,
    }
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(
        f"/partners/{side.partner.id}/accreditations/new", data=data, headers=headers
    )


def test_a_second_running_cycle_is_refused(world, login):
    client = login(world.admin.email)
    page = client.get(f"/partners/{world.a.partner.id}/accreditations/new").get_data(as_text=True)
    assert "already has an accreditation running" in page
    response = open_cycle(client, world.a, world.a.accreditation.template_id)
    assert response.status_code == 422
    assert "already has an accreditation running" in response.get_data(as_text=True)
    assert count(Accreditation) == 2


def test_the_admin_opens_a_cycle_once_the_last_is_decided(world, login):
    a = world.a
    a.accreditation.decision, a.accreditation.decided_at = (
        "not_accredited",
        a.accreditation.created_at,
    )
    db.session.commit()
    client = login(world.admin.email)
    record = client.get(f"/partners/{a.partner.id}").get_data(as_text=True)
    assert "Open accreditation" in record and "Not accredited" in record

    response = open_cycle(client, a, a.accreditation.template_id, htmx=True)

    assert response.status_code == 204
    opened = db.session.scalar(db.select(Accreditation).order_by(Accreditation.id.desc()))
    assert response.headers["HX-Redirect"] == f"/accreditations/{opened.id}"
    assert opened.started_on == date(2026, 6, 1) and opened.partner_id == a.partner.id
    assert opened.milestones[0].due_on == date(2026, 7, 1)


def test_a_closed_partner_or_a_bad_date_opens_nothing(world, login):
    a = world.a
    a.accreditation.decision, a.accreditation.decided_at = (
        "not_accredited",
        a.accreditation.created_at,
    )
    db.session.commit()
    client = login(world.admin.email)
    bad_date = open_cycle(client, a, a.accreditation.template_id, started_on="next week")
    assert bad_date.status_code == 422
    unknown = open_cycle(client, a, 999999)
    assert unknown.status_code == 422 and "Not a valid choice" in unknown.get_data(as_text=True)
    a.partner.status = "closed"
    db.session.commit()
    closed = open_cycle(client, a, a.accreditation.template_id)
    assert closed.status_code == 422 and "is closed" in closed.get_data(as_text=True)
    assert count(Accreditation) == 2


# --- deadlines and waivers --------------------------------------------------------


def test_the_admin_moves_a_deadline_with_a_reason(world, login):
    a = world.a
    client = login(world.admin.email)
    url = f"/accreditations/{a.accreditation.id}/items/{a.item.id}/deadline"
    panel = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert panel.lstrip().startswith('<div class="panel-sheet')  # the fragment alone
    new_date = a.item.due_on + timedelta(days=21)
    token = token_for(client)

    missing = client.post(url, data={"csrf_token": token, "due_on": new_date.isoformat()})
    assert missing.status_code == 422 and "Give a reason" in missing.get_data(as_text=True)
    early = client.post(
        url, data={"csrf_token": token, "due_on": "2000-01-01", "reason": "Typo in the plan."}
    )
    assert early.status_code == 422
    assert "before the accreditation started" in early.get_data(as_text=True)

    response = client.post(
        url, data={"csrf_token": token, "due_on": new_date.isoformat(), "reason": "Office closed."}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ChecklistItem, a.item.id).due_on == new_date
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="deadline_moved"))
    assert event.reason == "Office closed."
    partner_page = login(a.focal.email).get(f"/accreditations/{a.accreditation.id}")
    assert f"Due {new_date:%d %b %Y}" in partner_page.get_data(as_text=True)


def test_an_item_or_milestone_of_another_accreditation_is_not_found(world, login):
    a, b = world.a, world.b
    client = login(world.admin.email)
    for url in (
        f"/accreditations/{a.accreditation.id}/items/{b.item.id}/deadline",
        f"/accreditations/{a.accreditation.id}/items/{b.item.id}/not-applicable",
        f"/accreditations/{a.accreditation.id}/milestones/{b.milestone.id}/deadline",
    ):
        assert client.get(url).status_code == 404, url


def test_the_admin_moves_a_stage_deadline(world, login):
    a = world.a
    client = login(world.admin.email)
    url = f"/accreditations/{a.accreditation.id}/milestones/{a.milestone.id}/deadline"
    new_date = a.milestone.due_on - timedelta(days=10)
    response = client.post(
        url,
        data={"csrf_token": token_for(client), "due_on": new_date.isoformat(), "reason": "Board."},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ChecklistItem, a.item.id).due_on <= new_date


def test_a_requirement_is_waived_and_made_to_apply_again(world, login):
    a = world.a
    second = a.accreditation.milestones[0].stage.requirements[1]
    item = next(i for i in a.accreditation.items if i.requirement_id == second.id)
    client = login(world.admin.email)
    url = f"/accreditations/{a.accreditation.id}/items/{item.id}/not-applicable"
    token = token_for(client)
    assert client.post(url, data={"csrf_token": token, "reason": ""}).status_code == 422

    response = client.post(url, data={"csrf_token": token, "reason": "Not registered for VAT."})

    assert response.status_code == 302
    page = login(a.focal.email).get(f"/accreditations/{a.accreditation.id}").get_data(as_text=True)
    assert "Not applicable: Not registered for VAT." in page
    assert "Upload " + second.name not in page  # no longer an outstanding action
    undo = client.post(url, data={"csrf_token": token, "action": "undo", "reason": "Registered."})
    assert undo.status_code == 302
    db.session.expire_all()
    assert not db.session.get(ChecklistItem, item.id).not_applicable


# --- final decision and renewal ---------------------------------------------------


def approve_everything(side, reviewer, pdf):
    for milestone in side.accreditation.milestones:
        for requirement in milestone.stage.requirements:
            latest = db.session.scalar(
                db.select(Submission)
                .filter_by(accreditation_id=side.accreditation.id, requirement_id=requirement.id)
                .order_by(Submission.version.desc())
            )
            if latest is None:
                latest = submit_document(
                    side.focal, side.accreditation, requirement, file_upload(pdf, "doc.pdf")
                )
            review_submission(reviewer, latest, "approve", "")


def decide(client, side, **data):
    return client.post(
        f"/accreditations/{side.accreditation.id}/decision",
        data={"csrf_token": token_for(client), **data},
    )


def test_the_decision_says_what_is_missing(world, login):
    client = login(world.admin.email)
    page = client.get(f"/accreditations/{world.a.accreditation.id}/decision").get_data(as_text=True)
    assert "Not ready for final approval" in page
    response = decide(client, world.a, decision="accredited")
    assert response.status_code == 422
    assert "still outstanding" in response.get_data(as_text=True)
    blank = decide(client, world.a, decision="not_accredited", note="")
    assert blank.status_code == 422
    assert "Say why the partner is not accredited." in blank.get_data(as_text=True)
    assert db.session.get(Accreditation, world.a.accreditation.id).decision is None


def test_the_partner_is_accredited_until_a_date(world, login, pdf_bytes):
    a = world.a
    approve_everything(a, world.manager, pdf_bytes)
    client = login(world.admin.email)
    dashboard = client.get(f"/accreditations/{a.accreditation.id}").get_data(as_text=True)
    assert "Ready for final approval." in dashboard and ">Decide</a>" in dashboard
    until = local_today() + timedelta(days=365)

    response = decide(client, a, decision="accredited", valid_until=until.isoformat(), note="")

    assert response.status_code == 302
    page = login(a.focal.email).get(f"/accreditations/{a.accreditation.id}").get_data(as_text=True)
    assert f"Accredited until {until:%d %b %Y}" in page
    again = decide(client, a, decision="not_accredited", note="Second thoughts.")
    assert again.status_code == 422 and "already decided" in again.get_data(as_text=True)


def test_renewal_opens_only_within_sixty_days_of_expiry(world, login):
    a = world.a
    acc = db.session.get(Accreditation, a.accreditation.id)
    acc.decision, acc.decided_at = "accredited", acc.created_at
    acc.valid_until = local_today() + timedelta(days=90)
    db.session.commit()
    client = login(world.admin.email)
    url = f"/accreditations/{acc.id}/renewal"
    assert "Renewal opens" in client.get(f"/accreditations/{acc.id}").get_data(as_text=True)

    early = client.post(url, data={"csrf_token": token_for(client)}, follow_redirects=True)
    assert "Renewal opens on" in early.get_data(as_text=True)
    assert count(Accreditation) == 2

    acc.valid_until = local_today() + timedelta(days=30)
    db.session.commit()
    assert "Open renewal cycle" in client.get(f"/accreditations/{acc.id}").get_data(as_text=True)
    response = client.post(url, data={"csrf_token": token_for(client)})
    assert response.status_code == 302
    renewal = db.session.scalar(db.select(Accreditation).filter_by(renewal_of_id=acc.id))
    assert response.location == f"/accreditations/{renewal.id}"


def test_managers_may_not_decide_move_or_waive(world, login):
    a = world.a
    client = login(world.manager.email)
    token = token_for(client)
    data = {
        "csrf_token": token,
        "reason": "Because.",
        "due_on": (local_today() + timedelta(days=30)).isoformat(),
        "decision": "not_accredited",
        "note": "No.",
        "template_id": "1",
        "started_on": (local_today() + timedelta(days=30)).isoformat(),
    }
    for url in (
        f"/partners/{a.partner.id}/accreditations/new",
        f"/accreditations/{a.accreditation.id}/items/{a.item.id}/deadline",
        f"/accreditations/{a.accreditation.id}/items/{a.item.id}/not-applicable",
        f"/accreditations/{a.accreditation.id}/milestones/{a.milestone.id}/deadline",
        f"/accreditations/{a.accreditation.id}/decision",
        f"/accreditations/{a.accreditation.id}/renewal",
        f"/submissions/{a.submission.id}/withdraw",
    ):
        assert client.post(url, data=data).status_code == 403, url
    assert not db.session.scalars(
        db.select(AuditEvent).filter(
            AuditEvent.action.in_(
                ("deadline_moved", "requirement_not_applicable", "accreditation_decided")
            )
        )
    ).all()


# --- the timeline -------------------------------------------------------------------


def test_the_partner_sees_the_timeline_and_others_do_not(world, login):
    a = world.a
    page = login(a.focal.email).get(f"/accreditations/{a.accreditation.id}/timeline")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert html.count('data-testid="timeline-stage"') == 3
    started = a.accreditation.started_on
    assert f"{started:%d %b %Y} – {started + timedelta(days=30):%d %b %Y}" in html
    assert "Usually takes 30 days (the planned length)." in html
    assert "Move stage deadline" not in html
    assert (
        login(world.b.focal.email).get(f"/accreditations/{a.accreditation.id}/timeline").status_code
        == 404
    )
    admin = login(world.admin.email).get(f"/accreditations/{a.accreditation.id}/timeline")
    assert "Move stage deadline" in admin.get_data(as_text=True)


# --- uploads, withdrawals and competing reviews -------------------------------------


def test_an_upload_in_a_format_the_requirement_does_not_accept_is_refused(world, login):
    a = world.a
    second = a.accreditation.milestones[0].stage.requirements[1]
    second.accepted_formats = "docx"
    second.guidance = "Use the programme's budget template."
    db.session.commit()
    client = login(a.focal.email)
    page = client.get(f"/accreditations/{a.accreditation.id}").get_data(as_text=True)
    assert "Use the programme&#39;s budget template." in page and "accepted: DOCX" in page
    url = f"/accreditations/{a.accreditation.id}/requirements/{second.id}/submissions"
    pdf = {"csrf_token": token_for(client), "file": (io.BytesIO(sample_pdf("Budget")), "b.pdf")}
    response = client.post(url, data=pdf)
    assert response.status_code == 422
    assert f"{second.name} must be a DOCX file; this one is PDF." in response.get_data(as_text=True)
    docx = {
        "csrf_token": token_for(client),
        "file": (io.BytesIO(office_document("docx")), "b.docx"),
    }
    assert client.post(url, data=docx).status_code == 302


def test_the_partner_withdraws_a_waiting_submission(world, login):
    a = world.a
    client = login(a.focal.email)
    page = client.get(f"/accreditations/{a.accreditation.id}").get_data(as_text=True)
    assert "Withdraw version 1" in page
    url = f"/submissions/{a.submission.id}/withdraw"
    response = client.post(url, data={"csrf_token": token_for(client)})
    assert response.status_code == 302
    assert db.session.get(Submission, a.submission.id).status == "withdrawn"
    again = client.post(url, data={"csrf_token": token_for(client)})
    assert again.status_code == 422 and "already withdrawn" in again.get_data(as_text=True)

    reviewer = login(world.manager.email)
    path = f"/review/{a.submission.id}"
    late = reviewer.post(path, data={"csrf_token": token_for(reviewer), "decision": "approve"})
    assert "This submission was withdrawn by the partner" in late.get_data(as_text=True)
    assert db.session.get(Submission, a.submission.id).status == "withdrawn"


def test_the_second_reviewer_is_told_who_reviewed_first(world, login):
    submission = world.a.submission
    review_submission(world.admin, submission, "approve", "")
    reviewer = login(world.manager.email)
    path = f"/review/{submission.id}"
    late = reviewer.post(
        path,
        data={"csrf_token": token_for(reviewer), "decision": "request_changes", "feedback": "x"},
    )
    assert f"Already reviewed by Ada Admin on {local_today():%d %b %Y}" in late.get_data(
        as_text=True
    )
