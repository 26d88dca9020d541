"""Walking the API page by page as Power BI does: every row once, in id order,
whatever changes between pages; `updated_since` for the rows changed since the
last synchronisation; statements per page that do not grow with the page; and
hostile query strings answered 400, never 500."""

from __future__ import annotations

from datetime import date, time, timedelta
from urllib.parse import quote, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.core.extensions import db
from portal.models import Coverage, OrgUnit, Partner, PartnershipType
from tests.helpers import TALLY, bearer
from tests.web.test_hostile_input import examples, hostile_values

DAY = date(2026, 3, 2)


def add_partners(count: int, start: int = 0) -> list[int]:
    """`count` plain partners, each covering a facility in one of two districts."""
    if db.session.get(OrgUnit, "C1") is None:
        units = [
            OrgUnit(id="C1", name="Republic", level=1, path="/C1", search_key="republic"),
            OrgUnit(id="D1", name="Lakeside District", parent_id="C1", level=3, path="/C1/D1",
                    search_key="lakeside district"),
            OrgUnit(id="D2", name="Hill District", parent_id="C1", level=3, path="/C1/D2",
                    search_key="hill district"),
            OrgUnit(id="F1", name="Lakeside Clinic", parent_id="D1", level=4,
                    path="/C1/D1/F1", search_key="lakeside clinic"),
        ]  # fmt: skip
        db.session.add_all(units)
    partners = [
        Partner(name=f"Partner {start + n:03d}", search_key=f"partner {start + n:03d}")
        for n in range(count)
    ]
    db.session.add_all(partners)
    db.session.flush()
    for n, partner in enumerate(partners):
        district = "D1" if n % 2 else "D2"
        unit = "F1" if district == "D1" else "D2"
        db.session.add(
            Coverage(partner_id=partner.id, org_unit_id=unit, district_id=district, starts_on=DAY)
        )
        db.session.add(PartnershipType(partner_id=partner.id, kind="funding"))
    db.session.commit()
    return [p.id for p in partners]


def walk(client, secret: str, path: str, between=None) -> list[dict]:
    """Every row of `path`, page after page; `between(page_number)` runs between pages."""
    rows, cursor, pages = [], None, 0
    while True:
        url = path if cursor is None else f"{path}&cursor={cursor}"
        response = client.get(url, headers=bearer(secret))
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        rows += body["data"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return rows
        if between:
            between(pages)


def test_the_walk_serves_every_row_once_in_id_order(client, staff, make_token):
    ids = add_partners(23)
    rows = walk(client, make_token(), "/api/v1/partners?limit=5")

    assert [r["id"] for r in rows] == sorted(ids)
    first = rows[1]
    assert first["partnership_types"] == ["funding"]
    assert first["coverage"] == [
        {
            "nationwide": False,
            "org_unit_id": "F1",
            "org_unit_name": "Lakeside Clinic",
            "org_unit_group_id": None,
            "org_unit_group_name": None,
            "district_id": "D1",
            "district_name": "Lakeside District",
            "starts_on": "2026-03-02",
            "ends_on": None,
        }
    ]


def test_rows_changed_or_added_between_pages_leave_no_gap_and_no_duplicate(
    client, staff, make_token
):
    ids = add_partners(20)
    added: list[int] = []

    def change(page: int) -> None:
        if page == 1:
            served, ahead = db.session.get(Partner, ids[2]), db.session.get(Partner, ids[15])
            served.name, ahead.name = "Renamed behind", "Renamed ahead"
            db.session.commit()
            added.extend(add_partners(2, start=100))

    rows = walk(client, make_token(), "/api/v1/partners?limit=6", between=change)

    served = [r["id"] for r in rows]
    assert served == sorted(ids + added)  # each once: none lost, none twice
    assert {r["id"]: r["name"] for r in rows}[ids[15]] == "Renamed ahead"


def test_updated_since_serves_what_changed_at_or_after_it(client, clock, staff, make_token):
    clock.set(DAY, time(9, 0))
    ids = add_partners(6)
    clock.set(DAY, time(12, 0))
    for pid in (ids[1], ids[4]):
        db.session.get(Partner, pid).status = "on_hold"
    db.session.commit()
    secret = make_token()

    def served(since: str) -> list[int]:
        path = f"/api/v1/partners?limit=2&updated_since={quote(since)}"
        return [r["id"] for r in walk(client, secret, path)]

    noon_utc = clock.now  # the programme's zone is UTC in the tests
    assert served(noon_utc.isoformat()) == [ids[1], ids[4]]
    assert served("2026-03-02T12:00:00") == [ids[1], ids[4]]  # naive: UTC
    assert served("2026-03-02T14:00:00+02:00") == [ids[1], ids[4]]
    assert served("2026-03-02T11:59:59Z") == [ids[1], ids[4]]
    assert served("2026-03-02T12:00:01Z") == []
    assert served("2026-03-02") == ids  # a day alone: its midnight, UTC
    row = client.get(f"/api/v1/partners?limit=1&updated_since={quote(noon_utc.isoformat())}",
                     headers=bearer(secret)).get_json()["data"][0]  # fmt: skip
    assert row["updated_at"] == noon_utc.isoformat()


def test_a_walk_with_updated_since_keeps_it_in_its_cursor(client, clock, staff, make_token):
    clock.set(DAY, time(9, 0))
    ids = add_partners(9)
    clock.set(DAY, time(12, 0))
    for pid in ids[::2]:
        db.session.get(Partner, pid).status = "closed"
    db.session.commit()
    secret = make_token()

    def change(page: int) -> None:
        # Changed while the walk goes on: one behind the cursor, one ahead of it.
        for pid in (ids[1], ids[7]):
            db.session.get(Partner, pid).status = "on_hold"
        db.session.commit()

    rows = walk(client, secret, "/api/v1/partners?limit=2&updated_since=2026-03-02T12:00Z", change)

    served = [r["id"] for r in rows]
    assert served == sorted([*ids[::2], ids[7]])  # ids[1] comes with the next synchronisation
    later = walk(client, secret, f"/api/v1/partners?updated_since={quote(clock.now.isoformat())}")
    assert ids[1] in [r["id"] for r in later]
    # A cursor goes with the updated_since it was made under.
    first = client.get("/api/v1/partners?limit=2&updated_since=2026-03-02T12:00Z",
                       headers=bearer(secret)).get_json()  # fmt: skip
    other = client.get(
        f"/api/v1/partners?cursor={first['next_cursor']}&updated_since=2026-01-01T00:00Z",
        headers=bearer(secret),
    )
    assert other.status_code == 400 and other.get_json()["parameter"] == "updated_since"


@pytest.mark.parametrize(
    "resource", ["partners", "accreditations", "milestones", "checklist-items", "submissions"]
)
def test_statements_per_page_do_not_grow_with_the_page(
    client, make_partner, make_token, count_queries, resource
):
    for n in range(6):
        partner, _, _ = make_partner(name=f"Partner {n}", acronym=f"P{n}")
    add_partners(6)
    secret = make_token()
    counts = []
    for limit in (1, 3, 50):
        with count_queries() as q:
            response = client.get(f"/api/v1/{resource}?limit={limit}", headers=bearer(secret))
        assert response.status_code == 200
        counts.append(q.count)
    assert len(set(counts)) == 1, counts
    assert counts[0] <= 8, q.statements


PARAMETERS = ["limit", "cursor", "updated_since"]


def test_hostile_query_strings_are_answered_400_or_a_page(client, world, make_token, app):
    """Every list, with hostile values for its parameters (and some repeated or
    unknown ones): a page, or 400 naming a parameter; never a 500."""
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    secret = make_token()
    good = client.get("/api/v1/partners?limit=1", headers=bearer(secret)).get_json()
    names = st.sampled_from([*PARAMETERS, "page", "q"])
    resources = ["partners", "accreditations", "milestones", "checklist-items", "submissions"]

    @examples(150)
    @given(st.data())
    def attempt(data):
        resource = data.draw(st.sampled_from(resources), label="resource")
        pairs = data.draw(
            st.lists(
                st.tuples(names, st.one_of(hostile_values, st.just(good["next_cursor"]))),
                min_size=1,
                max_size=4,
            ),
            label="query",
        )
        response = client.get(f"/api/v1/{resource}?{urlencode(pairs)}", headers=bearer(secret))
        TALLY.count("API query strings")
        assert response.status_code in (200, 400), (pairs, response.status_code)
        assert response.mimetype == "application/json"
        if response.status_code == 400:
            body = response.get_json()
            assert body.get("parameter") in PARAMETERS or "NUL" in body["message"], body

    attempt()


def test_a_page_past_the_last_row_is_empty(client, staff, make_token):
    ids = add_partners(3)
    secret = make_token()
    page = client.get("/api/v1/partners?limit=3", headers=bearer(secret)).get_json()
    assert [r["id"] for r in page["data"]] == ids and page["next_cursor"] is None
    assert client.get(
        f"/api/v1/partners?updated_since={quote(str(DAY + timedelta(days=3650)))}",
        headers=bearer(secret),
    ).get_json() == {"data": [], "next_cursor": None}
