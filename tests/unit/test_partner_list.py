"""The partner list: search across names, contacts and districts, filters,
sorting, pages, counts per status, and a fixed number of queries per page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from werkzeug.datastructures import MultiDict

from portal.core.clock import local_today
from portal.core.extensions import db
from portal.models import OrgUnit, Partner
from portal.partners.drafts import ContactDraft, CoverageDraft, PartnerDraft
from portal.partners.listing import Filters, partner_page
from portal.partners.people import change_leadership
from portal.partners.records import add_partner, update_partner
from portal.partners.status import change_status


@pytest.fixture
def staff(make_user):
    """The administrator and manager, without passwords: they never log in here,
    and hashing one takes a noticeable part of a second."""
    return {
        "admin": make_user("admin@example.org", "admin", name="Ada Admin", password=None),
        "manager": make_user("manager@example.org", "manager", name="Manu Manager", password=None),
    }


@pytest.fixture
def areas(app):
    """Country > North Province > Riverside district > sector > health centre,
    Hillside district in the same province, and South Province with Lowland."""
    rows = [
        ("C", "Country", 1, "/C"),
        ("P", "North Province", 2, "/C/P"),
        ("D", "Riverside", 3, "/C/P/D"),
        ("S", "Riverside Sector", 4, "/C/P/D/S"),
        ("F", "Riverside Health Centre", 5, "/C/P/D/S/F"),
        ("D2", "Hillside", 3, "/C/P/D2"),
        ("P2", "South Province", 2, "/C/P2"),
        ("D3", "Lowland", 3, "/C/P2/D3"),
    ]
    db.session.add_all(
        OrgUnit(
            id=uid,
            name=name,
            level=level,
            path=path,
            parent_id=path.strip("/").split("/")[-2] if level > 1 else None,
            search_key=name.lower(),
        )
        for uid, name, level, path in rows
    )
    db.session.commit()


def _add(admin, name, acronym, contacts, coverage=(), types=(), review_in=None) -> Partner:
    draft = PartnerDraft(
        name=name,
        acronym=acronym,
        types=list(types),
        contacts=[
            ContactDraft(name=n, email=e, is_primary=i == 0) for i, (n, e) in enumerate(contacts)
        ],
        coverage=[
            CoverageDraft(t, local_today() - timedelta(days=200), ends_on=end)
            for t, end in coverage
        ],
        next_review_on=local_today() + timedelta(days=review_in) if review_in is not None else None,
    )
    return add_partner(admin, draft)


@pytest.fixture
def partners(staff, areas):
    admin = staff["admin"]
    found = {
        "sante": _add(
            admin,
            "Santé Plus",
            "SP",
            [("Marie Curie", "marie@santeplus.example.org")],
            coverage=[("unit:F", None)],
            types=["funding"],
            review_in=10,
        ),
        "hai": _add(
            admin,
            "Health Access Initiative",
            "HAI",
            [("John Doe", "john@hai.example.org"), ("Zoe Finance", "zoe@hai.example.org")],
            coverage=[("nationwide", None)],
            types=["supervision", "technical_assistance"],
            review_in=-5,
        ),
        "lakeside": _add(
            admin,
            "Lakeside Outreach",
            "LO",
            [("Hélène Dupont", "h.dupont@lakeside.example.org")],
            # It used to work in Lowland too; now only in Hillside.
            coverage=[("unit:D2", None), ("unit:D3", local_today() - timedelta(days=1))],
            types=["technical_assistance"],
            review_in=200,
        ),
        "north": _add(
            admin,
            "Northern Partners",
            "",
            [("Paul Nord", "paul@north.example.org")],
            coverage=[("unit:P", None)],
            review_in=30,
        ),
        "south": _add(
            admin,
            "Southern Care",
            "SC",
            [("Sam South", "sam@south.example.org")],
            coverage=[("unit:D3", None)],
            review_in=31,
        ),
        "closed": _add(
            admin,
            "Closed Clinic Network",
            "CCN",
            [("Carl Closed", "carl@ccn.example.org")],
            coverage=[("unit:F", None)],
            types=["funding"],
            review_in=-40,
        ),
    }
    change_status(
        admin,
        found["closed"],
        "closed",
        reason="Grant ended",
        effective_on=local_today() - timedelta(1),
    )
    change_status(admin, found["south"], "on_hold", reason="Audit", effective_on=local_today())
    return found


def _names(filters: Filters, **kw) -> list[str]:
    return [p.name for p in partner_page(filters, **kw).rows]


def _found(partners, **filters) -> set[str]:
    """The keys of the fixture's partners the list shows for these filters."""
    by_id = {p.id: key for key, p in partners.items()}
    return {by_id[p.id] for p in partner_page(Filters(**filters)).rows}


# --- search -----------------------------------------------------------------


# One dataset, many searches: the mapping shows every mismatch at once.
SEARCHES = {
    "sante": {"sante"},
    "SANTÉ plus": {"sante"},  # case and accents do not matter
    "santé-plus": {"sante"},  # nor punctuation
    "hai": {"hai"},  # acronym
    "access health": {"hai"},  # every word, in any order
    "health riverside": set(),  # ... but every word must match
    "marie": {"sante"},  # a contact's name
    "finance": {"hai"},  # a second contact
    "zoe@hai.example.org": {"hai"},  # a contact's email
    "riverside": {"sante"},  # the district of a covered facility
    "hillside": {"lakeside"},  # a covered district
    "north province": set(),  # not a district: not searched
    "nowhere at all": set(),
    "": {"sante", "hai", "lakeside", "north", "south"},
}


def test_search_looks_at_names_contacts_and_districts(partners):
    assert {q: _found(partners, q=q) for q in SEARCHES} == SEARCHES


def test_a_contact_with_an_accented_name_is_found_with_or_without_accents(partners):
    assert _found(partners, q="Hélène") == {"lakeside"}
    assert _found(partners, q="HELENE dupont") == {"lakeside"}


def test_a_district_a_partner_no_longer_covers_does_not_find_it(partners):
    # Lakeside's Lowland coverage ended yesterday; Southern Care works there.
    assert _found(partners, q="lowland") == {"south"}


def test_a_contact_who_left_is_no_longer_found(staff, partners):
    hai = partners["hai"]
    draft = PartnerDraft.of(hai)
    draft.contacts = [c for c in draft.contacts if c.name != "Zoe Finance"]
    update_partner(staff["admin"], hai, draft, version=hai.version)

    assert _found(partners, q="zoe") == set()
    assert _found(partners, q="john") == {"hai"}


def test_after_a_leadership_change_the_new_focal_point_is_found(staff, partners):
    change_leadership(
        staff["admin"],
        partners["sante"],
        name="Noé Laurent",
        email="noe@santeplus.example.org",
        deactivate_previous=True,
        reason="Marie left",
    )

    assert _found(partners, q="noe laurent") == {"sante"}
    assert _found(partners, q="marie") == set()  # her contact ended


def test_search_finds_closed_partners_only_with_their_status(partners):
    assert _found(partners, q="closed") == set()
    assert _found(partners, q="closed", status="all") == {"closed"}


# --- filters ----------------------------------------------------------------


def test_the_status_filter(partners):
    expected = {
        "current": {"sante", "hai", "lakeside", "north", "south"},
        "active": {"sante", "hai", "lakeside", "north"},
        "on_hold": {"south"},
        "closed": {"closed"},
        "all": {"sante", "hai", "lakeside", "north", "south", "closed"},
    }

    assert {status: _found(partners, status=status) for status in expected} == expected


def test_merged_partners_are_never_listed(partners):
    partners["north"].status = "merged"
    db.session.commit()

    assert "north" not in _found(partners, status="all")
    assert "merged" not in partner_page(Filters(status="all")).status_counts


def test_the_type_filter(partners):
    assert _found(partners, type="supervision") == {"hai"}
    assert _found(partners, type="technical_assistance") == {"hai", "lakeside"}
    assert _found(partners, type="funding", status="all") == {"sante", "closed"}


def test_the_district_filter_includes_coverage_in_around_and_above_it(partners):
    # Santé Plus covers a facility in Riverside, Northern Partners the province,
    # HAI the whole country.
    assert _found(partners, district="D") == {"sante", "hai", "north"}
    assert _found(partners, district="D2") == {"lakeside", "hai", "north"}
    # Lakeside's Lowland coverage ended yesterday; Northern is not in the south.
    assert _found(partners, district="D3") == {"south", "hai"}


def test_the_district_filter_leaves_out_coverage_ended_by_closing(partners):
    # The closed partner covered the Riverside facility until it closed yesterday.
    assert "closed" not in _found(partners, district="D", status="all")
    assert _found(partners, district="D", status="closed") == set()


def test_the_review_filter(partners):
    assert _found(partners, review="due") == {"sante", "hai", "north"}  # 10, -5 and 30 days
    assert _found(partners, review="overdue") == {"hai"}
    assert _found(partners, review="overdue", status="all") == {"hai", "closed"}


def test_filters_combine(partners):
    assert _found(partners, district="D", review="due", type="funding") == {"sante"}
    assert _found(partners, q="health", district="D3") == {"hai"}


# --- sorting and pages ------------------------------------------------------


def test_sorting(partners):
    every = {"status": "all"}
    assert _names(Filters(**every)) == [
        "Closed Clinic Network",
        "Health Access Initiative",
        "Lakeside Outreach",
        "Northern Partners",
        "Santé Plus",
        "Southern Care",
    ]
    assert _names(Filters(sort="-name", **every))[:2] == ["Southern Care", "Santé Plus"]
    assert _names(Filters(sort="review", **every)) == [
        "Closed Clinic Network",  # 40 days overdue
        "Health Access Initiative",
        "Santé Plus",
        "Northern Partners",
        "Southern Care",
        "Lakeside Outreach",
    ]
    assert _names(Filters(sort="newest", **every))[0] == "Closed Clinic Network"
    assert _names(Filters(sort="status", **every)) == [
        "Health Access Initiative",
        "Lakeside Outreach",
        "Northern Partners",
        "Santé Plus",
        "Closed Clinic Network",
        "Southern Care",  # active, closed, on_hold
    ]


def test_partners_without_a_review_date_come_last_in_review_order(partners):
    partners["lakeside"].next_review_on = None
    partners["sante"].next_review_on = local_today() + timedelta(days=1000)
    db.session.commit()

    assert _names(Filters(sort="review"))[-2:] == ["Santé Plus", "Lakeside Outreach"]


def test_pages(partners):
    first = partner_page(Filters(status="all"), per_page=4)
    assert (first.total, first.pages, first.first, first.last) == (6, 2, 1, 4)
    assert len(first.rows) == 4

    second = partner_page(Filters(status="all", page=2), per_page=4)
    assert (second.first, second.last) == (5, 6)
    assert [p.name for p in second.rows] == ["Santé Plus", "Southern Care"]


def test_a_page_beyond_the_last_shows_the_last(partners):
    page = partner_page(Filters(status="all", page=99), per_page=4)

    assert page.filters.page == 2
    assert [p.name for p in page.rows] == ["Santé Plus", "Southern Care"]


def test_an_empty_result_is_one_empty_page(partners):
    page = partner_page(Filters(q="nothing matches this", page=3))

    assert (page.total, page.pages, page.filters.page, page.first, page.last) == (0, 1, 1, 0, 0)
    assert page.rows == []


# --- counts -----------------------------------------------------------------


def test_counts_per_status_ignore_the_status_filter_but_not_the_others(partners):
    page = partner_page(Filters(status="closed"))
    assert page.status_counts == {"active": 4, "on_hold": 1, "closed": 1}
    assert page.total == 1

    funding = partner_page(Filters(type="funding"))
    assert funding.status_counts == {"active": 1, "closed": 1}
    assert funding.total == 1


def test_rows_come_with_their_accreditation_progress(staff, make_template, areas):
    make_template()
    partner = _add(staff["admin"], "Alpha", "A", [("Al", "al@a.example.org")])

    page = partner_page(Filters())

    assert page.latest == {partner.id: partner.accreditations[0]}
    assert page.percent == {partner.accreditations[0].id: 0}


# --- filters from and to the query string -----------------------------------


def test_filters_from_the_query_string():
    filters = Filters.from_args(
        MultiDict(
            {
                "q": "  santé  ",
                "status": "closed",
                "type": "funding",
                "district": "D",
                "review": "overdue",
                "sort": "-name",
                "page": "3",
            }
        )
    )

    assert filters == Filters("santé", "closed", "funding", "D", "overdue", "-name", 3)


@pytest.mark.parametrize(
    "args",
    [
        {"status": "merged", "review": "soon", "sort": "id; drop table", "page": "x"},
        {"status": "", "review": "DUE", "sort": "", "page": "-4"},
        {"page": "0"},
        {},
    ],
)
def test_bad_query_string_values_fall_back_to_the_defaults(args):
    assert Filters.from_args(MultiDict(args)) == Filters()


def test_long_query_string_values_are_cut():
    filters = Filters.from_args(MultiDict({"q": "x" * 500, "district": "d" * 500}))

    assert (len(filters.q), len(filters.district)) == (200, 50)


def test_links_leave_out_the_defaults():
    assert Filters().args() == {}
    assert Filters(q="hai", status="current", page=1).args() == {"q": "hai"}
    assert Filters(q="hai", page=3).args(page=1) == {"q": "hai"}
    assert Filters(sort="review").args(status="all", page=2) == {
        "sort": "review",
        "status": "all",
        "page": 2,
    }


# --- queries ----------------------------------------------------------------


def test_a_page_takes_the_same_queries_for_3_or_30_rows(staff, make_template, areas, count_queries):
    make_template()
    admin = staff["admin"]
    for n in range(30):
        _add(
            admin,
            f"Partner {n:02}",
            f"P{n:02}",
            [(f"Focal {n}", f"focal{n}@p{n}.example.org"), (f"Other {n}", f"o{n}@p.org")],
            coverage=[("unit:F", None), ("nationwide", None)],
            types=["funding", "supervision"],
        )
    db.session.expire_all()

    def queries(per_page: int) -> int:
        db.session.expire_all()
        with count_queries() as counter:
            page = partner_page(Filters(q="partner", district="D", type="funding"), per_page)
            for partner in page.rows:  # what a row shows
                accreditation = page.latest[partner.id]
                _ = (partner.primary_contact.name, partner.type_keys, partner.next_review_on)
                _ = (accreditation.current_milestone.name, page.percent[accreditation.id])
        assert len(page.rows) == per_page
        return counter.count

    assert queries(3) == queries(30)
    assert queries(30) < 15  # a handful, not one or more per row
