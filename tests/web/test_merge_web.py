"""Merging duplicate partners through the browser's eyes: only administrators,
compare then confirm with a reason, and the old record's links keep working."""

from __future__ import annotations

import html
import re

import pytest

from portal.core.extensions import db
from portal.models import Partner
from portal.partners.drafts import PROFILE_FIELDS
from portal.partners.merge_choices import merge_questions
from tests.helpers import snapshot, token_for

HTMX = {"HX-Request": "true"}


def merge_form(token: str, kept: Partner, other: Partner, **values) -> dict:
    """The compare page's form as a browser sends it: the kept partner's values,
    its running accreditation and its focal point."""
    questions = merge_questions(kept, other)
    data = {
        "csrf_token": token,
        "survivor_id": str(kept.id),
        "other_id": str(other.id),
        "survivor_version": str(kept.version),
        "other_version": str(other.version),
        "reason": "Registered twice by two offices",
    } | dict.fromkeys(PROFILE_FIELDS, "survivor")
    if questions.cycles:
        data["continuing"] = str(questions.cycles[0].id)
    if questions.focal_points:
        data["focal_point"] = str(questions.focal_points[0].id)
    data.update(values)
    return data


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_the_manager_may_not_merge(world, login):
    a, b = world.a.partner, world.b.partner
    client = login(world.manager.email)
    before = snapshot()

    assert client.get("/partners/merge").status_code == 403
    assert client.get(f"/partners/merge/compare?a={a.id}&b={b.id}").status_code == 403
    response = client.post("/partners/merge", data=merge_form(token_for(client), a, b))

    assert response.status_code == 403
    assert snapshot() == before


def test_the_admin_chooses_two_partners_to_compare(world, login):
    a, b = world.a.partner, world.b.partner
    client = login(world.admin.email)

    page = text_of(client.get(f"/partners/merge?a={a.id}&b={b.id}"))

    assert 'action="/partners/merge/compare"' in page
    assert re.search(rf'<option selected value="{a.id}">Alpha Health Initiative \(AHI\)', page)
    assert re.search(rf'<option selected value="{b.id}">Bravo Relief Network \(BRN\)', page)


def test_the_compare_page_shows_both_values_and_what_will_move(world, login):
    a, b = world.a.partner, world.b.partner
    client = login(world.admin.email)

    response = client.get(f"/partners/merge/compare?a={a.id}&b={b.id}")

    assert response.status_code == 200
    page = text_of(response)
    assert page.count('data-testid="merge-row"') == len(PROFILE_FIELDS)
    assert 'value="survivor"' in page and 'value="other"' in page
    assert "Alpha Health Initiative" in page and "Bravo Relief Network" in page
    # B's focal user, its accreditation and its history move with it.
    merged = page.split('data-testid="merged-partner"', 1)[1]
    assert re.search(r'data-testid="count-users">1<', merged)
    assert re.search(r'data-testid="count-accreditations">1<', merged)
    assert re.search(r'data-testid="count-history">[1-9]\d*<', merged)
    assert 'name="reason"' in page and ">Merge</button>" in page


def test_choosing_the_same_partner_twice_is_refused(world, login):
    a = world.a.partner
    client = login(world.admin.email)

    response = client.get(f"/partners/merge/compare?a={a.id}&b={a.id}")

    assert response.status_code == 422
    assert "cannot be merged with itself" in text_of(response)


def test_the_admin_merges_and_old_links_lead_to_the_kept_partner(world, login):
    a, b = world.a.partner, world.b.partner
    a_id, b_id = a.id, b.id
    client = login(world.admin.email)
    data = merge_form(token_for(client), a, b, acronym="other")

    response = client.post("/partners/merge", data=data)

    assert response.status_code == 302
    assert response.location == f"/partners/{a_id}"
    page = text_of(client.get(response.location))
    assert "Bravo Relief Network (BRN) was merged into Alpha Health Initiative (BRN)." in page
    assert "Partner merged" in page  # in the kept partner's history
    assert "Registered twice by two offices" in page
    assert world.b.focal.email in page  # B's focal point now belongs to A
    merged = db.session.get(Partner, b_id)
    assert (merged.status, merged.merged_into_id) == ("merged", a_id)
    old = client.get(f"/partners/{b_id}")
    assert (old.status_code, old.location) == (302, f"/partners/{a_id}")
    assert client.get(f"/partners/{b_id}/edit").location == f"/partners/{a_id}/edit"
    # A merged partner is not offered again.
    assert f'value="{b_id}"' not in text_of(client.get("/partners/merge"))


def test_a_missing_reason_is_shown_next_to_the_field(world, login):
    a, b = world.a.partner, world.b.partner
    client = login(world.admin.email)
    before = snapshot()

    response = client.post("/partners/merge", data=merge_form(token_for(client), a, b, reason=""))

    assert response.status_code == 422
    page = text_of(response)
    help_block = re.search(r'<div id="reason-help">(.*?)</div>', page, re.S).group(1)
    assert "Say why these partners are merged." in help_block
    assert 'class="field has-error"' in page
    assert snapshot() == before


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_a_stale_comparison_is_refused(world, login, headers):
    a, b = world.a.partner, world.b.partner
    client = login(world.admin.email)
    data = merge_form(token_for(client), a, b, other_version=str(b.version - 1))
    before = snapshot()

    response = client.post("/partners/merge", data=data, headers=headers)

    assert response.status_code == 422
    page = text_of(response)
    assert "Someone changed one of these partners" in page
    assert ("<html" in page) is not bool(headers)  # HTMX gets just the form
    assert snapshot() == before


def test_with_htmx_a_merge_sends_the_browser_to_the_kept_partner(world, login):
    a, b = world.a.partner, world.b.partner
    client = login(world.admin.email)

    response = client.post(
        "/partners/merge", data=merge_form(token_for(client), a, b), headers=HTMX
    )

    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == f"/partners/{a.id}"


def test_a_merge_without_the_csrf_token_is_refused(world, login):
    a, b = world.a.partner, world.b.partner
    client = login(world.admin.email)
    before = snapshot()

    response = client.post("/partners/merge", data=merge_form("", a, b))

    assert response.status_code in (400, 422)
    assert snapshot() == before


# --- two running accreditations, two focal points --------------------------------


def test_the_compare_page_asks_which_cycle_continues_and_which_focal_point_stays(world, login):
    a, b = world.a, world.b
    client = login(world.admin.email)

    page = text_of(client.get(f"/partners/merge/compare?a={a.partner.id}&b={b.partner.id}"))

    cycles = re.search(r'data-testid="merge-continuing".*?</fieldset>', page, re.S).group(0)
    assert f'value="{a.accreditation.id}"' in cycles and f'value="{b.accreditation.id}"' in cycles
    focal = re.search(r'data-testid="merge-focal_point".*?</fieldset>', page, re.S).group(0)
    assert a.focal.email in focal and b.focal.email in focal
    assert "checked" not in cycles and "checked" not in focal  # nothing chosen for them


@pytest.mark.parametrize(
    ("left_out", "message"),
    [
        ("continuing", "Choose the accreditation that continues"),
        ("focal_point", "Choose the focal point who stays."),
    ],
)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_an_unanswered_question_is_shown_next_to_it_and_nothing_merges(
    world, login, left_out, message, headers
):
    a, b = world.a.partner, world.b.partner
    client = login(world.admin.email)
    data = merge_form(token_for(client), a, b)
    del data[left_out]
    before = snapshot()

    response = client.post("/partners/merge", data=data, headers=headers)

    assert response.status_code == 422
    page = text_of(response)
    help_block = re.search(rf'<div id="{left_out}-help">(.*?)</div>', page, re.S).group(1)
    assert message in help_block
    assert re.search(
        rf'<fieldset class="field spaced has-error" data-testid="merge-{left_out}"', page
    )
    other = "focal_point" if left_out == "continuing" else "continuing"
    assert message not in re.search(rf'<div id="{other}-help">(.*?)</div>', page, re.S).group(1)
    assert snapshot() == before


def test_after_the_merge_the_dashboard_shows_the_cycle_that_continues(world, login):
    a, b = world.a, world.b
    kept_id, closed_id = a.accreditation.id, b.accreditation.id  # b's is the newer one
    b_contact = next(c for c in b.partner.contacts if c.is_primary)
    client = login(world.admin.email)
    data = merge_form(
        token_for(client),
        a.partner,
        b.partner,
        continuing=str(kept_id),
        focal_point=str(b_contact.id),
    )

    assert client.post("/partners/merge", data=data).status_code == 302

    # B's focal person now leads A, and sees the cycle that continues.
    focal = login(b.focal.email)
    dashboard = text_of(focal.get("/accreditation"))
    assert f"/accreditations/{kept_id}/" in dashboard
    assert f"/accreditations/{closed_id}/" not in dashboard
    # The closed one and its upload stay readable, and say why it closed.
    closed = text_of(focal.get(f"/accreditations/{closed_id}"))
    assert "Closed on" in closed and "Registered twice by two offices" in closed
    assert b.requirement.name in closed
    partner_page = text_of(client.get(f"/partners/{a.partner.id}"))
    assert '<span class="badge badge-closed">Closed</span>' in partner_page
