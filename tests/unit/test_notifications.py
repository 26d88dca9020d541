"""In-portal notifications: made once per key, read only by their owner."""

from __future__ import annotations

import pytest

from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.models import Notification
from portal.notifications.bell import notify, read, read_all, unread_count


def _count() -> int:
    return db.session.scalar(db.select(db.func.count(Notification.id)))


def test_notify_skips_the_person_who_caused_it(accreditation_for, staff):
    made = notify(staff.values(), "new_submission", "New", "/review", exclude=staff["admin"])
    assert [n.user_id for n in made] == [staff["manager"].id]


def test_the_same_idempotency_key_notifies_each_person_once(accreditation_for, staff):
    _, focal, _ = accreditation_for
    people = [focal, staff["admin"]]
    notify(people, "deadline_approaching", "Due soon", "/a", idempotency_key="due:item:7:7d")
    db.session.commit()
    again = notify(
        people, "deadline_approaching", "Due soon", "/a", idempotency_key="due:item:7:7d"
    )
    db.session.commit()
    assert again == [] and _count() == 2
    # A newcomer to the same event is still told, once.
    late = notify(
        [*people, staff["manager"]],
        "deadline_approaching",
        "Due soon",
        "/a",
        idempotency_key="due:item:7:7d",
    )
    assert [n.user_id for n in late] == [staff["manager"].id]


def test_the_key_check_is_one_query_for_many_people(accreditation_for, staff, count_queries):
    _, focal, _ = accreditation_for
    people = [focal, *staff.values()]
    assert all(person.id for person in people)  # loaded before counting
    with count_queries() as queries:
        notify(people, "deadline_approaching", "Due soon", "/a", idempotency_key="k")
    assert queries.count == 1


def test_marking_read_touches_only_the_owners_notifications(accreditation_for, staff):
    _, focal, _ = accreditation_for
    [mine] = notify([focal], "new_message", "Hi", "/a")
    [theirs] = notify([staff["admin"]], "new_message", "Hi", "/a")
    db.session.commit()

    assert read(staff["admin"], mine.id) is None  # not theirs
    db.session.commit()
    assert unread_count(focal) == 1

    assert read(focal, mine.id).read_at is not None
    assert unread_count(focal) == 0 and unread_count(staff["admin"]) == 1

    notify([focal], "new_message", "Again", "/a")
    [shown] = notify([focal], "new_message", "And again", "/a")
    db.session.commit()
    shown_id = shown.id
    [arrived_later] = notify([focal], "new_message", "Meanwhile", "/a")
    db.session.commit()
    assert read_all(focal, up_to=shown_id) == 2
    assert unread_count(focal) == 1  # the one that arrived after the page was shown
    assert db.session.get(Notification, arrived_later.id).read_at is None
    assert unread_count(staff["admin"]) == 1
    assert db.session.get(Notification, theirs.id).read_at is None


def test_read_all_without_knowing_what_was_shown_changes_nothing(accreditation_for):
    _, focal, _ = accreditation_for
    notify([focal], "new_message", "Hi", "/a")
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        read_all(focal, up_to=None)
    assert (refused.value.field, refused.value.message) == (
        None,
        "Reload the page and try again: which notifications to mark is missing.",
    )
    assert unread_count(focal) == 1
