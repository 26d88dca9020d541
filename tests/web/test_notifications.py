"""The bell, the list of notifications, and marking them read."""

from __future__ import annotations

import re

from portal.core.extensions import db
from portal.models import Notification
from portal.notifications.bell import notify
from tests.helpers import token_for


def _unread(user) -> int:
    return db.session.scalar(
        db.select(db.func.count(Notification.id)).filter_by(user_id=user.id, read_at=None)
    )


def test_the_bell_shows_the_unread_count_on_every_page(world, login):
    notify([world.a.focal], "new_message", "New message from the programme team", "/accreditation")
    db.session.commit()
    client = login(world.a.focal.email)
    for path in ("/accreditation", "/organisation", "/calendar", "/notifications"):
        page = client.get(path, follow_redirects=True).get_data(as_text=True)
        assert 'aria-label="Notifications, 2 unread"' in page, path
        assert re.search(r'data-testid="bell-count">2<', page), path


def test_logged_out_pages_have_no_bell(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'data-testid="bell"' not in page


def test_the_list_shows_newest_first_with_unread_marked(world, login):
    notify([world.a.focal], "new_message", "The newest one", "/accreditation")
    db.session.commit()
    client = login(world.a.focal.email)
    page = client.get("/notifications").get_data(as_text=True)
    assert page.index("The newest one") < page.index(world.a.notification.title)
    assert page.count("Unread</span>") == 2
    assert world.b.notification.title not in page  # only one's own


def test_reading_a_notification_goes_to_what_it_is_about(world, login):
    client = login(world.a.focal.email)
    notification = world.a.notification
    response = client.post(
        f"/notifications/{notification.id}/read", data={"csrf_token": token_for(client)}
    )
    assert response.status_code == 302
    assert response.location == notification.link
    assert db.session.get(Notification, notification.id).read_at is not None
    assert 'aria-label="Notifications, 0 unread"' in client.get("/notifications").get_data(
        as_text=True
    )


def test_another_users_notification_is_not_found_and_stays_unread(world, login):
    client = login(world.b.focal.email)
    response = client.post(
        f"/notifications/{world.a.notification.id}/read", data={"csrf_token": token_for(client)}
    )
    assert response.status_code == 404
    assert db.session.get(Notification, world.a.notification.id).read_at is None


def _read_all(client, page: str | None = None):
    """Press "Mark all as read" on the notifications page, as shown."""
    page = page or client.get("/notifications").get_data(as_text=True)
    up_to = re.search(r'name="up_to" value="(\d+)"', page).group(1)
    return client.post(
        "/notifications/read", data={"csrf_token": token_for(client), "up_to": up_to}
    )


def test_read_all_marks_only_ones_own(world, login):
    notify([world.a.focal], "new_message", "Another", "/accreditation")
    db.session.commit()
    client = login(world.a.focal.email)
    response = _read_all(client)
    assert response.status_code == 302 and response.location.endswith("/notifications")
    assert _unread(world.a.focal) == 0
    assert _unread(world.b.focal) == 1


def test_read_all_leaves_what_arrived_after_the_page_was_shown(world, login):
    client = login(world.a.focal.email)
    page = client.get("/notifications").get_data(as_text=True)
    notify([world.a.focal], "new_message", "Just now", "/accreditation")
    db.session.commit()
    assert _read_all(client, page).status_code == 302
    assert _unread(world.a.focal) == 1


def test_read_all_without_the_form_changes_nothing(world, login):
    client = login(world.a.focal.email)
    response = client.post("/notifications/read", data={"csrf_token": token_for(client)})
    assert response.status_code == 422
    assert "Reload the page and try again" in response.get_data(as_text=True)
    assert _unread(world.a.focal) == 1


def test_a_manager_may_mark_their_notifications_read(world, login):
    notify([world.manager], "new_submission", "New upload", "/review")
    db.session.commit()
    client = login(world.manager.email)
    assert _read_all(client).status_code == 302
    assert _unread(world.manager) == 0


def test_the_list_is_paginated_by_fifty(world, login):
    for n in range(60):
        notify([world.a.focal], "new_message", f"Message number {n}", "/accreditation")
    db.session.commit()
    client = login(world.a.focal.email)
    first = client.get("/notifications").get_data(as_text=True)
    assert first.count('data-testid="notification"') == 50
    assert "Message number 59" in first and "Page 1 of 2" in first
    second = client.get("/notifications?page=2").get_data(as_text=True)
    assert second.count('data-testid="notification"') == 11


def test_the_list_costs_the_same_queries_with_2_or_10_notifications(world, login, count_queries):
    client = login(world.a.focal.email)
    notify([world.a.focal], "new_message", "One more", "/accreditation")
    db.session.commit()

    def measure() -> tuple[int, str]:
        client.get("/notifications")
        with count_queries() as counter:
            response = client.get("/notifications")
        assert response.status_code == 200
        return counter.count, response.get_data(as_text=True)

    small, page = measure()
    assert page.count('data-testid="notification"') == 2
    for n in range(8):
        notify([world.a.focal], "new_message", f"Message {n}", "/accreditation")
    db.session.commit()
    large, page = measure()
    assert page.count('data-testid="notification"') == 10
    print(f"\n/notifications: {small} queries with 2 rows, {large} with 10")
    assert large == small
