"""Reasons for sending a document back: the list administrators keep, the choice
a reviewer makes, and what the partner reads afterwards."""

from __future__ import annotations

import re

import pytest

from portal.core.extensions import db
from portal.models import AuditEvent, ChangeReason, OutboxEmail, Submission
from tests.helpers import csrf_token, token_for


def offered(page: str) -> list[str]:
    """The reasons the decision page's select offers, in order."""
    select = re.search(r'<select[^>]*name="reason".*?</select>', page, re.S).group(0)
    return [
        label
        for value, label in re.findall(r'<option[^>]*value="(\d*)"[^>]*>([^<]*)<', select)
        if value
    ]


def listed(page: str) -> list[str]:
    """The reasons on the administrators' page, in order, as "label" or "label (retired)"."""
    rows = re.findall(r'<tr data-testid="reason-row">(.*?)</tr>', page, re.S)
    found = []
    for row in rows:
        label = re.search(r"<td>(.*?)</td>", row, re.S).group(1).strip()
        found.append(label + (" (retired)" if "Retired" in row else ""))
    return found


def field_help(page: str, name: str) -> str:
    return re.search(rf'<div id="{name}-help">(.*?)</div>', page, re.S).group(1)


def reason_id(label: str) -> int:
    return db.session.scalar(db.select(ChangeReason.id).filter_by(label=label))


@pytest.fixture
def admin(world, login):
    return login(world.admin.email)


def post(client, path: str, **data):
    return client.post(path, data={"csrf_token": token_for(client), **data})


def decide(client, submission_id, decision, feedback="", reason=""):
    path = f"/review/{submission_id}"
    data = {"csrf_token": csrf_token(client, path), "decision": decision}
    return client.post(path, data=data | {"feedback": feedback, "reason": reason})


# --- the list --------------------------------------------------------------------


def test_the_list_starts_with_the_six_reasons_in_order(world, admin):
    page = admin.get("/review/reasons").get_data(as_text=True)
    assert listed(page) == [
        "Incomplete",
        "Wrong document",
        "Not signed",
        "Expired",
        "Illegible",
        "Other",
    ]
    assert offered(admin.get(f"/review/{world.a.submission.id}").get_data(as_text=True)) == [
        "Incomplete",
        "Wrong document",
        "Not signed",
        "Expired",
        "Illegible",
        "Other",
    ]


def test_an_administrator_adds_renames_reorders_retires_and_restores(world, admin, login):
    assert post(admin, "/review/reasons", label="  Stamp   missing ").status_code == 302
    stamp = reason_id("Stamp missing")
    assert post(admin, f"/review/reasons/{stamp}", label="No official stamp").status_code == 302
    assert post(admin, f"/review/reasons/{stamp}/move", direction="up").status_code == 302
    assert post(admin, f"/review/reasons/{reason_id('Expired')}/retire").status_code == 302

    page = admin.get("/review/reasons").get_data(as_text=True)
    assert listed(page) == [
        "Incomplete",
        "Wrong document",
        "Not signed",
        "Illegible",
        "No official stamp",
        "Other",
        "Expired (retired)",
    ]
    manager = login(world.manager.email)
    decision = manager.get(f"/review/{world.a.submission.id}").get_data(as_text=True)
    assert "Expired" not in offered(decision)
    assert offered(decision)[-2:] == ["No official stamp", "Other"]

    assert post(admin, f"/review/reasons/{reason_id('Expired')}/restore").status_code == 302
    assert listed(admin.get("/review/reasons").get_data(as_text=True))[-1] == "Expired"
    actions = db.session.scalars(
        db.select(AuditEvent.action)
        .where(AuditEvent.action.like("change_reason_%"))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == [
        "change_reason_added",
        "change_reason_renamed",
        "change_reason_moved",
        "change_reason_retired",
        "change_reason_restored",
    ]


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("", "Name the reason"),
        ("   ", "Name the reason"),
        ("NOT SIGNED", "“Not signed” is already on the list."),
        ("x" * 121, "Keep it to 120 characters."),
    ],
)
def test_a_label_must_be_new_and_short(world, admin, label, message):
    before = db.session.scalar(db.select(db.func.count(ChangeReason.id)))
    response = post(admin, "/review/reasons", label=label)
    assert response.status_code == 422
    assert message in field_help(response.get_data(as_text=True), "label")
    assert db.session.scalar(db.select(db.func.count(ChangeReason.id))) == before


def test_a_rename_to_another_offered_label_is_refused_next_to_the_field(world, admin):
    response = post(admin, f"/review/reasons/{reason_id('Other')}", label="illegible")
    assert response.status_code == 422
    assert "“Illegible” is already on the list." in field_help(
        response.get_data(as_text=True), "label"
    )
    assert reason_id("Other") is not None


def test_a_retired_reason_comes_back_only_if_its_label_is_free(world, admin):
    expired = reason_id("Expired")
    post(admin, f"/review/reasons/{expired}/retire")
    post(admin, "/review/reasons", label="expired")  # a new one, with the same words
    post(admin, f"/review/reasons/{expired}/restore")
    page = admin.get("/review/reasons").get_data(as_text=True)
    assert "“expired” is already on the list." in page
    assert "Expired (retired)" in listed(page)


def test_the_first_cannot_move_up(world, admin):
    response = post(admin, f"/review/reasons/{reason_id('Incomplete')}/move", direction="up")
    page = admin.get(response.location).get_data(as_text=True)
    assert "“Incomplete” is already first." in page
    assert listed(page)[0] == "Incomplete"


def test_managers_use_the_list_but_do_not_keep_it(world, login):
    manager = login(world.manager.email)
    assert manager.get("/review/reasons").status_code == 403
    assert post(manager, "/review/reasons", label="Mine").status_code == 403
    assert post(manager, f"/review/reasons/{reason_id('Other')}/retire").status_code == 403
    assert reason_id("Mine") is None


# --- sending back ----------------------------------------------------------------------


def test_requesting_changes_needs_a_reason_from_the_list(world, login):
    manager = login(world.manager.email)
    submission = world.a.submission
    post_admin = login(world.admin.email)
    post(post_admin, f"/review/reasons/{reason_id('Expired')}/retire")

    for reason, message in (
        ("", "Choose why the document is sent back."),
        ("abc", "Choose why the document is sent back."),
        ("999999", "That reason is not on the list."),
        (str(reason_id("Expired")), "“Expired” is no longer offered"),
    ):
        response = decide(manager, submission.id, "request_changes", "Sign page 2.", reason)
        assert response.status_code == 422, reason
        assert message in field_help(response.get_data(as_text=True), "reason"), reason
    db.session.expire_all()
    assert db.session.get(Submission, submission.id).status == "submitted"
    assert (
        db.session.scalar(
            db.select(db.func.count(OutboxEmail.id)).filter_by(template="changes_requested")
        )
        == 0
    )


def test_sending_back_with_nothing_says_both_what_is_missing(world, login):
    manager = login(world.manager.email)
    response = decide(manager, world.a.submission.id, "request_changes")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Choose why the document is sent back." in field_help(page, "reason")
    assert "Tell the partner what to change." in field_help(page, "feedback")
    assert db.session.get(Submission, world.a.submission.id).status == "submitted"


def test_the_reason_reaches_the_partner_beside_the_guidance_and_by_email(world, login):
    a = world.a
    manager = login(world.manager.email)
    response = decide(
        manager,
        a.submission.id,
        "request_changes",
        "Page 2 needs the director's signature.",
        str(reason_id("Not signed")),
    )
    assert response.status_code == 302

    stored = db.session.get(Submission, a.submission.id)
    assert (stored.status, stored.change_reason.label) == ("changes_requested", "Not signed")
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="document_reviewed"))
    assert event.changes["reason"] == [None, "Not signed"]
    partner = login(a.focal.email)
    page = partner.get(f"/accreditations/{a.accreditation.id}").get_data(as_text=True)
    feedback = re.search(r'data-testid="feedback">(.*?)</blockquote>', page, re.S).group(1)
    assert "<strong>Reason:</strong> Not signed" in feedback
    assert "Page 2 needs the director&#39;s signature." in feedback
    [email] = db.session.scalars(db.select(OutboxEmail).filter_by(template="changes_requested"))
    assert "Reason: Not signed" in email.body_text
    assert "<strong>Reason:</strong> Not signed" in email.body_html
    # Renamed later, the document shows the new name: one reason, not a copy.
    admin = login(world.admin.email)
    post(admin, f"/review/reasons/{reason_id('Not signed')}", label="Not signed or not dated")
    page = partner.get(f"/accreditations/{a.accreditation.id}").get_data(as_text=True)
    assert "<strong>Reason:</strong> Not signed or not dated" in page


def test_an_approval_carries_a_note_and_no_reason(world, login):
    a = world.a
    manager = login(world.manager.email)
    page = manager.get(f"/review/{a.submission.id}").get_data(as_text=True)
    assert "Note with an approval, or guidance when sending back" in page
    response = decide(
        manager, a.submission.id, "approve", "Thank you: clear scan.", str(reason_id("Other"))
    )
    assert response.status_code == 302
    stored = db.session.get(Submission, a.submission.id)
    assert (stored.status, stored.feedback, stored.change_reason_id) == (
        "approved",
        "Thank you: clear scan.",
        None,
    )
    partner = login(a.focal.email)
    page = partner.get(f"/accreditations/{a.accreditation.id}").get_data(as_text=True)
    feedback = re.search(r'data-testid="feedback">(.*?)</blockquote>', page, re.S).group(1)
    assert "Thank you: clear scan." in feedback and "Reason:" not in feedback


def test_the_decided_page_shows_the_reason(world, login):
    manager = login(world.manager.email)
    decide(
        manager, world.a.submission.id, "request_changes", "Rescan.", str(reason_id("Illegible"))
    )
    page = manager.get(f"/review/{world.a.submission.id}").get_data(as_text=True)
    assert '<p data-testid="decided-reason"><strong>Reason:</strong> Illegible</p>' in page


# --- in the reader's language ------------------------------------------------------


def test_an_administrator_writes_a_reason_in_french_too(world, admin):
    page = admin.get("/review/reasons").get_data(as_text=True)
    assert 'name="label_fr"' in page
    response = post(admin, "/review/reasons", label="Wrong year", label_fr="  Mauvaise   année ")
    assert response.status_code == 302
    added = db.session.get(ChangeReason, reason_id("Wrong year"))
    assert added.translations == {"fr": {"label": "Mauvaise année"}}
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="change_reason_added"))
    assert event.changes["label_fr"] == [None, "Mauvaise année"]
    page = admin.get("/review/reasons").get_data(as_text=True)
    assert '<span lang="fr">Mauvaise année</span>' in page

    # Renaming writes the French for an existing reason, and a blank removes it.
    signed = reason_id("Not signed")
    form = admin.get(f"/review/reasons/{signed}").get_data(as_text=True)
    assert 'name="label_fr"' in form
    post(admin, f"/review/reasons/{signed}", label="Not signed", label_fr="Non signé")
    assert db.session.get(ChangeReason, signed).translations == {"fr": {"label": "Non signé"}}
    assert 'value="Non signé"' in admin.get(f"/review/reasons/{signed}").get_data(as_text=True)
    post(admin, f"/review/reasons/{signed}", label="Not signed", label_fr="")
    db.session.expire_all()
    assert db.session.get(ChangeReason, signed).translations == {}
    too_long = post(admin, f"/review/reasons/{signed}", label="Not signed", label_fr="x" * 121)
    assert too_long.status_code == 422


def test_french_readers_see_the_french_label_and_the_english_where_none(world, login):
    signed = db.session.get(ChangeReason, reason_id("Not signed"))
    signed.translations = {"fr": {"label": "Non signé"}}
    world.manager.language = "fr"
    world.a.focal.language = "fr"
    db.session.commit()
    a = world.a
    manager = login(world.manager.email)
    choices = offered(manager.get(f"/review/{a.submission.id}").get_data(as_text=True))
    assert "Non signé" in choices and "Not signed" not in choices
    assert "Illegible" in choices  # no French written: the English reads

    decide(manager, a.submission.id, "request_changes", "Signez la page 2.", str(signed.id))
    page = manager.get(f"/review/{a.submission.id}").get_data(as_text=True)
    assert "<strong>Motif :</strong> Non signé</p>" in page
    partner = login(a.focal.email)
    page = partner.get(f"/accreditations/{a.accreditation.id}").get_data(as_text=True)
    feedback = re.search(r'data-testid="feedback">(.*?)</blockquote>', page, re.S).group(1)
    assert "Non signé" in feedback and "Not signed" not in feedback

    # An English reader keeps the English label; a blank French one falls back.
    world.a.focal.language = "en"
    db.session.commit()
    page = partner.get(f"/accreditations/{a.accreditation.id}").get_data(as_text=True)
    assert "Not signed" in re.search(r'data-testid="feedback">(.*?)</blockquote>', page, re.S)[1]
    signed.translations = {"fr": {"label": "  "}}
    world.a.focal.language = "fr"
    db.session.commit()
    page = partner.get(f"/accreditations/{a.accreditation.id}").get_data(as_text=True)
    assert "Not signed" in re.search(r'data-testid="feedback">(.*?)</blockquote>', page, re.S)[1]
