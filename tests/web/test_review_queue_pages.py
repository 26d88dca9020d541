"""The review queue in pages of 50, oldest first, keeping its "Assigned to me" tab."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal.core.extensions import db
from portal.models import Submission, utcnow


@pytest.fixture
def waiting(make_partner, staff):
    """55 submissions waiting, the oldest first by id; every other one assigned
    to the manager (28 of them)."""
    partner, focal, accreditation = make_partner()
    requirement = accreditation.milestones[0].stage.requirements[0]
    start = utcnow() - timedelta(days=60)
    rows = [
        Submission(
            accreditation_id=accreditation.id,
            requirement_id=requirement.id,
            version=n,
            filename=f"document-{n:02d}.pdf",
            storage_key=f"queue-test-{n}",
            content_type="application/pdf",
            size=100,
            sha256="0" * 64,
            uploaded_by_id=focal.id,
            uploaded_at=start + timedelta(hours=n),
            assigned_to_id=staff["manager"].id if n % 2 else None,
        )
        for n in range(1, 56)
    ]
    db.session.add_all(rows)
    db.session.commit()
    return rows


def versions(page: str) -> list[int]:
    """The version cell of each queue row."""
    rows = re.findall(r'<tr data-testid="queue-row">(.*?)</tr>', page, re.S)
    return [int(re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[2]) for row in rows]


def test_the_queue_shows_50_a_page_oldest_first(waiting, login, staff):
    client = login(staff["manager"].email)
    first = client.get("/review").get_data(as_text=True)
    assert versions(first) == list(range(1, 51))
    assert "<strong>55</strong> waiting" in first
    assert "1–50 of 55 · page 1 of 2" in first
    assert 'rel="next" href="/review?page=2"' in first and 'rel="prev"' not in first
    second = client.get("/review?page=2").get_data(as_text=True)
    assert versions(second) == list(range(51, 56))
    assert 'rel="prev" href="/review"' in second and 'rel="next"' not in second
    # Beyond the end, or nonsense: the nearest real page.
    assert versions(client.get("/review?page=9").get_data(as_text=True)) == list(range(51, 56))
    assert versions(client.get("/review?page=x").get_data(as_text=True))[0] == 1


def test_the_assigned_to_me_tab_pages_too(waiting, login, staff):
    client = login(staff["manager"].email)
    mine = client.get("/review?mine=1").get_data(as_text=True)
    assert versions(mine) == list(range(1, 56, 2))  # 28 rows: one page
    assert "<strong>28</strong> waiting" in mine and 'data-testid="queue-pager"' not in mine
    for submission in waiting[1::2]:  # the rest to the manager as well
        submission.assigned_to_id = staff["manager"].id
    db.session.commit()
    mine = client.get("/review?mine=1").get_data(as_text=True)
    assert len(versions(mine)) == 50
    assert 'href="/review?page=2&amp;mine=1"' in mine
    assert 'aria-current="page">Assigned to me' in mine
    assert versions(client.get("/review?page=2&mine=1").get_data(as_text=True)) == [
        51,
        52,
        53,
        54,
        55,
    ]


def test_every_page_of_the_queue_costs_the_same_queries(waiting, login, staff, count_queries):
    client = login(staff["manager"].email)
    counts = []
    for path in ("/review", "/review?page=2", "/review?mine=1"):
        assert client.get(path).status_code == 200
        with count_queries() as counter:
            client.get(path)
        counts.append(counter.count)
    assert len(set(counts)) == 1, counts
