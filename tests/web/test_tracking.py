"""What staff see across all partners, through the browser's eyes: the overview
with its filters, their own actions, the actions board and its bulk
actions (and what they refuse)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal.accreditation.submissions import review_submission, submit_document
from portal.core.clock import local_today
from portal.core.extensions import db
from portal.demo import sample_pdf
from portal.models import AuditEvent, ChecklistItem, Notification, OutboxEmail, Submission
from portal.review.assignment import assign_reviewer
from tests.helpers import file_upload, snapshot, token_for


def upload(focal, accreditation, requirement):
    return submit_document(
        focal, accreditation, requirement, file_upload(sample_pdf("doc"), "document.pdf")
    )


def requirements(accreditation) -> list:
    return [r for m in accreditation.milestones for r in m.stage.requirements]


def items(accreditation) -> list[ChecklistItem]:
    return sorted(accreditation.items, key=lambda i: (i.milestone.position, i.requirement.position))


def partner_names(page: str) -> list[str]:
    rows = re.findall(r'<tr data-testid="accreditation-row".*?</tr>', page, re.S)
    return [re.search(r'<a href="/accreditations/\d+">([^<]+)</a>', row).group(1) for row in rows]


def row_of(page: str, accreditation) -> str:
    return re.search(rf'data-accreditation="{accreditation.id}".*?</tr>', page, re.S)[0]


@pytest.fixture
def partners(make_partner, staff):
    """Late (nothing in, started 40 days ago) and Waiting (a document waiting for
    review, assigned to the manager)."""
    late = make_partner("Late Partner", "LP", started_on=local_today() - timedelta(days=40))
    waiting = make_partner("Waiting Partner", "WP")
    submission = upload(waiting[1], waiting[2], requirements(waiting[2])[0])
    assign_reviewer(staff["admin"], submission, staff["manager"])
    return late, waiting, submission


@pytest.fixture
def admin(login, staff):
    return login(staff["admin"].email)


@pytest.fixture
def manager(login, staff):
    return login(staff["manager"].email)


# --- the overview ----------------------------------------------------------------


def test_the_overview_shows_every_accreditation_with_its_state(partners, manager):
    page = manager.get("/accreditations").get_data(as_text=True)
    # Sorted by next deadline: the late one first.
    assert partner_names(page) == ["Late Partner", "Waiting Partner"]
    late_row = row_of(page, partners[0][2])
    assert "Overdue" in late_row and "Document submission" in late_row and "0%" in late_row
    waiting_row = row_of(page, partners[1][2])
    assert "1 waiting" in waiting_row and "Manu Manager" in waiting_row
    assert 'class="mini-bar"' in waiting_row and "Running" in waiting_row
    assert "2 of 2 accreditations" in page or "1–2 of 2 accreditations" in page


def test_overview_filters_are_in_the_url_and_htmx_gets_the_table_alone(partners, admin):
    assert partner_names(admin.get("/accreditations?overdue=1").get_data(as_text=True)) == [
        "Late Partner"
    ]
    assert partner_names(admin.get("/accreditations?waiting=1").get_data(as_text=True)) == [
        "Waiting Partner"
    ]
    assert partner_names(admin.get("/accreditations?q=waiting").get_data(as_text=True)) == [
        "Waiting Partner"
    ]
    assert partner_names(
        admin.get("/accreditations?sort=waiting&state=running").get_data(as_text=True)
    ) == ["Waiting Partner", "Late Partner"]
    response = admin.get(
        "/accreditations?overdue=1&sort=deadline&page=1", headers={"HX-Request": "true"}
    )
    fragment = response.get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="accreditation-list"')
    assert "<html" not in fragment
    # The address bar gets the short form: defaults left out.
    assert response.headers["HX-Push-Url"] == "/accreditations?overdue=1"
    assert "HX-Request" in response.headers["Vary"]


def test_the_filter_form_works_without_javascript(partners, admin):
    page = admin.get("/accreditations").get_data(as_text=True)
    assert 'method="get" action="/accreditations"' in page
    assert 'hx-push-url="true"' in page
    for name in ("q", "stage", "reviewer", "state", "sort", "overdue", "waiting"):
        assert f'name="{name}"' in page, name
    assert '<option value="Compliance review"' in page


def test_the_overview_pages_by_50(make_partner, admin, app):
    app.config["ACCREDITATIONS_PER_PAGE"] = 2
    for n in range(5):
        make_partner(f"Partner {n}", f"P{n}")
    page = admin.get("/accreditations?sort=partner&page=2").get_data(as_text=True)
    assert partner_names(page) == ["Partner 2", "Partner 3"]
    assert "3–4 of 5 accreditations" in page
    assert 'href="/accreditations?sort=partner&amp;page=3"' in page


def test_the_overview_costs_the_same_queries_for_2_or_12_accreditations(
    make_partner, staff, login, count_queries
):
    client = login(staff["manager"].email)

    def add(numbers):
        for n in numbers:
            partner, focal, accreditation = make_partner(f"Partner {n:02d}", f"P{n:02d}")
            first, second, *_ = requirements(accreditation)
            review_submission(staff["admin"], upload(focal, accreditation, first), "approve", "")
            waiting = upload(focal, accreditation, second)
            assign_reviewer(staff["admin"], waiting, staff["manager"])

    def measure(path):
        assert client.get(path).status_code == 200
        with count_queries() as counter:
            response = client.get(path)
        return counter.count, response.get_data(as_text=True)

    add(range(2))
    small, page = measure("/accreditations")
    small_filtered, _ = measure("/accreditations?overdue=1&sort=waiting")
    assert page.count('data-testid="accreditation-row"') == 2
    add(range(2, 12))
    large, page = measure("/accreditations")
    large_filtered, _ = measure("/accreditations?overdue=1&sort=waiting")
    assert page.count('data-testid="accreditation-row"') == 12
    assert page.count("25%") >= 12 and page.count("Manu Manager") >= 12
    print(f"\n/accreditations: {small} queries with 2 rows, {large} with 12 rows")
    assert large == small and large_filtered == small_filtered


def test_partners_may_not_see_the_staff_pages(partners, login):
    client = login(partners[0][1].email)
    for path in ("/accreditations", "/export/accreditations", "/my-actions", "/actions"):
        assert client.get(path).status_code == 403, path


# --- my actions -----------------------------------------------------------------


def test_my_actions_shows_my_reviews_the_unassigned_ones_and_sign_offs(
    partners, manager, admin, staff
):
    late = partners[0]
    unassigned = upload(late[1], late[2], requirements(late[2])[0])
    page = manager.get("/my-actions").get_data(as_text=True)
    assigned_section = page.split('id="assigned-reviews"')[1].split("</section>")[0]
    assert "Waiting Partner" in assigned_section
    assert f"/review/{partners[2].id}" in assigned_section
    unassigned_section = page.split('id="unassigned-reviews"')[1].split("</section>")[0]
    assert f"/review/{unassigned.id}" in unassigned_section
    assert "Review by" in page
    assert "No accreditation is waiting for a final decision." in page
    assert "Nothing is assigned to you." in admin.get("/my-actions").get_data(as_text=True)


def test_my_actions_lists_unanswered_messages(partners, admin):
    from portal.models import Message

    late = partners[0]
    db.session.add(Message(accreditation_id=late[2].id, author_id=late[1].id, body="Which form?"))
    db.session.commit()
    page = admin.get("/my-actions").get_data(as_text=True)
    section = page.split('id="unanswered"')[1].split("</section>")[0]
    assert "Late Partner" in section and "Which form?" in section
    assert f'href="/accreditations/{late[2].id}"' in section


# --- the board --------------------------------------------------------------------


def board_form(client, **values):
    data = {"csrf_token": token_for(client), "days": "14", "group": "partner"}
    data.update(values)
    return data


def test_the_board_lists_due_and_waiting_rows_with_checkboxes(partners, manager):
    late, waiting, submission = partners
    page = manager.get("/actions").get_data(as_text=True)
    assert page.count('data-testid="board-item"') == 2  # Late's two first documents
    assert page.count('data-testid="board-review"') == 1
    for item in items(late[2])[:2]:
        assert f'name="items" value="{item.id}"' in page
    assert f'name="submissions" value="{submission.id}"' in page
    # Managers may not move deadlines: no such choice for them.
    assert 'value="move"' not in page and 'name="reason"' not in page
    by_action = manager.get("/actions?group=action").get_data(as_text=True)
    assert "Review: Document submission document 1" in by_action
    assert (
        manager.get("/actions?days=60").get_data(as_text=True).count('data-testid="board-item"') > 2
    )


def test_a_manager_assigns_reviewers_in_bulk(partners, manager, staff):
    submission = partners[2]
    response = manager.post(
        "/actions/bulk",
        data=board_form(
            manager, action="assign", submissions=[submission.id], reviewer_id=staff["admin"].id
        ),
    )
    assert response.status_code == 302 and response.location.startswith("/actions")
    assert db.session.get(Submission, submission.id).assigned_to_id == staff["admin"].id
    assert "1 submission assigned to Ada Admin." in manager.get("/actions").get_data(as_text=True)


def test_a_manager_sends_a_reminder_now(partners, manager):
    late = partners[0]
    chosen = [i.id for i in items(late[2])[:2]]
    response = manager.post(
        "/actions/bulk", data=board_form(manager, action="remind", items=chosen)
    )
    assert response.status_code == 302
    email = db.session.scalar(db.select(OutboxEmail).where(OutboxEmail.template == "reminder"))
    assert email.recipients == late[1].email
    assert "Document submission document 1" in email.body_html
    assert db.session.scalar(
        db.select(Notification).where(
            Notification.user_id == late[1].id, Notification.kind == "deadline_approaching"
        )
    )


def test_an_admin_moves_deadlines_with_one_reason(partners, admin):
    late = partners[0]
    chosen = items(late[2])[:2]
    new_date = local_today() + timedelta(days=21)
    response = admin.post(
        "/actions/bulk",
        data=board_form(
            admin,
            action="move",
            items=[i.id for i in chosen],
            due_on=new_date.isoformat(),
            reason="Registrar closed for the holidays",
        ),
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert {db.session.get(ChecklistItem, i.id).due_on for i in chosen} == {new_date}
    events = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "deadline_moved")
    ).all()
    assert len(events) == 2 and {e.reason for e in events} == {"Registrar closed for the holidays"}


def test_a_manager_may_not_move_deadlines(partners, manager):
    chosen = items(partners[0][2])[:2]
    before = [i.due_on for i in chosen]
    response = manager.post(
        "/actions/bulk",
        data=board_form(
            manager,
            action="move",
            items=[i.id for i in chosen],
            due_on=(local_today() + timedelta(days=9)).isoformat(),
            reason="Because",
        ),
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert [db.session.get(ChecklistItem, i.id).due_on for i in chosen] == before


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"action": "remind"}, "Nothing is selected"),
        ({"action": "launch", "items": "first"}, "Choose what to do"),
        ({"action": "", "items": "first"}, "Choose what to do"),
        ({"action": "move", "items": "first", "due_on": "in a month"}, "Give a reason"),
        ({"action": "move", "items": "first", "reason": "Late post"}, "Choose the new due date"),
        (
            {"action": "move", "items": "first", "reason": "Late post", "due_on": "soon"},
            "as a date",
        ),
        ({"action": "assign", "items": "first"}, "at least one submission"),
        ({"action": "remind", "submissions": "waiting"}, "at least one document"),
        ({"action": "remind", "items": "x1"}, "could not be read"),
        ({"action": "assign", "submissions": "waiting", "reviewer_id": "999999"}, "programme"),
    ],
)
def test_bad_bulk_input_is_refused_clearly_and_changes_nothing(partners, admin, values, message):
    late, waiting, submission = partners
    first = items(late[2])[0]
    values = dict(values)
    for key, value in list(values.items()):
        values[key] = {
            "first": first.id,
            "waiting": submission.id,
            "in a month": (local_today() + timedelta(days=30)).isoformat(),
        }.get(value, value)
    data = board_form(admin, **values)
    before = snapshot()
    response = admin.post("/actions/bulk", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    error = re.search(r'data-testid="bulk-error">([^<]*)<', page)
    assert error and message in error.group(1), page[:300]
    assert snapshot() == before
    # The selection and what was typed survive, to fix and resend.
    if values.get("items") == first.id:
        assert re.search(rf'name="items" value="{first.id}" id="item-{first.id}" checked', page)
    if values.get("reason"):
        assert f'value="{values["reason"]}"' in page


def test_the_board_costs_the_same_queries_for_2_or_12_partners(
    make_partner, staff, login, count_queries
):
    client = login(staff["manager"].email)

    def add(numbers):
        for n in numbers:
            partner, focal, accreditation = make_partner(
                f"Partner {n:02d}", f"P{n:02d}", started_on=local_today() - timedelta(days=25)
            )
            upload(focal, accreditation, requirements(accreditation)[0])

    def measure(path):
        client.get(path)
        with count_queries() as counter:
            page = client.get(path).get_data(as_text=True)
        return counter.count, page

    add(range(2))
    small, page = measure("/actions")
    small_mine, _ = measure("/my-actions")
    assert page.count('data-testid="board-review"') == 2
    add(range(2, 12))
    large, page = measure("/actions")
    large_mine, _ = measure("/my-actions")
    assert page.count('data-testid="board-review"') == 12
    assert page.count('data-testid="board-item"') == 12
    assert (large, large_mine) == (small, small_mine)


def test_the_board_s_new_due_date_is_typed_day_first_in_every_language(partners, admin, staff):
    """No browser date picker (mm/dd/yyyy beside "03 déc. 2026"): a text box for
    dd/mm/yyyy, as the app's other days are typed."""
    staff["admin"].language = "fr"
    db.session.commit()
    page = admin.get("/actions").get_data(as_text=True)
    field = re.search(r'<input id="bulk-due"[^>]*>', page)[0]
    assert 'type="text"' in field and 'type="date"' not in page
    assert 'placeholder="jj/mm/aaaa"' in field

    chosen = items(partners[0][2])[:2]
    new_date = local_today() + timedelta(days=21)
    response = admin.post(
        "/actions/bulk",
        data=board_form(
            admin,
            action="move",
            items=[i.id for i in chosen],
            due_on=new_date.strftime("%d/%m/%Y"),
            reason="Registrar closed",
        ),
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert {db.session.get(ChecklistItem, i.id).due_on for i in chosen} == {new_date}


@pytest.mark.parametrize(
    ("typed", "message"), [("31/02/2027", "dd/mm/yyyy"), ("01/01/9999", "between")]
)
def test_the_board_refuses_a_day_that_is_not_one(partners, admin, typed, message):
    first = items(partners[0][2])[0]
    before = snapshot()
    response = admin.post(
        "/actions/bulk",
        data=board_form(admin, action="move", items=[first.id], due_on=typed, reason="Late post"),
    )
    assert response.status_code == 422
    error = re.search(r'data-testid="bulk-error">([^<]*)<', response.get_data(as_text=True))
    assert error and message in error.group(1)
    assert f'value="{typed}"' in response.get_data(as_text=True)  # kept to fix
    assert snapshot() == before
