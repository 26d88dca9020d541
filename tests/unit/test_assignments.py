"""Data sets from DHIS2 metadata, data-set assignments and their dates, the
programme exit's `end_assignments`, and the guided scope expansion."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

import pytest

from portal.assignments.models import DataSet, DataSetAssignment
from portal.assignments.operations import (
    add_assignment,
    current_assignments,
    end_assignment,
    end_assignments,
)
from portal.assignments.scope import expand_scope
from portal.core.clock import local_today
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.models import AuditEvent, Coverage, OrgUnit, OutboxEmail
from portal.orgunits.errors import OrgUnitImportError
from portal.orgunits.importer import import_file
from tests.helpers import snapshot
from tests.unit.test_orgunits import SAMPLE_JSON

RH, CH = "QX4ZTUbOt3a", "BfMAe6Itzgt"


def _metadata(data_sets, units=None) -> io.BytesIO:
    document = {"dataSets": data_sets}
    if units is not None:
        document["organisationUnits"] = units
    return io.BytesIO(json.dumps(document).encode())


@pytest.fixture
def sample(app):
    import_file(SAMPLE_JSON)
    return app


@pytest.fixture
def partner(sample, make_partner, staff):
    return make_partner()[0]


def _admin(staff):
    return staff["admin"]


# --- the DHIS2 import ---------------------------------------------------------


def test_the_sample_metadata_brings_its_data_sets_with_the_units(app):
    report = import_file(SAMPLE_JSON)

    assert (report.data_sets_new, report.data_sets_updated) == (5, 0)
    assert report.summary().endswith("; 5 data sets (5 new, 0 updated).")
    rh = db.session.get(DataSet, RH)
    assert (rh.name, rh.short_name, rh.code, rh.period_type) == (
        "Reproductive health",
        "RH",
        "DS_RH",
        "Monthly",
    )


def test_a_reimport_updates_changed_data_sets_by_uid_and_leaves_the_rest(sample):
    renamed = {"id": RH, "name": "Reproductive & maternal health", "periodType": "Quarterly"}
    new = {"id": "Abcdefghij1", "name": "Nutrition", "code": "DS_NUT"}

    report = import_file(_metadata([renamed, new]), "metadata.json")

    assert (report.data_sets_new, report.data_sets_updated, report.units) == (1, 1, 0)
    db.session.expire_all()
    rh = db.session.get(DataSet, RH)
    assert (rh.name, rh.period_type, rh.code) == (
        "Reproductive & maternal health",
        "Quarterly",
        None,
    )
    assert db.session.get(DataSet, CH).name == "Child health"  # not in the file: left alone
    assert db.session.scalar(db.select(db.func.count(DataSet.id))) == 6


BAD = {
    "not a uid": ({"id": "DS-1", "name": "X"}, "/dataSets/0/id: 'DS-1' is not a DHIS2 uid"),
    "no id": ({"name": "X"}, "/dataSets/0/id: the data set's uid is empty"),
    "no name": (
        {"id": "Abcdefghij1", "name": " "},
        "/dataSets/0/name: the data set's name is empty",
    ),
    "period type": (
        {"id": "Abcdefghij1", "name": "X", "periodType": "Fortnightly"},
        "/dataSets/0/periodType: 'Fortnightly' is not a DHIS2 period type",
    ),
    "name not text": ({"id": "Abcdefghij1", "name": 12.5}, "/dataSets/0/name: expected text"),
    "not an object": ("Abcdefghij1", "/dataSets/0: expected an object"),
    "too long": (
        {"id": "Abcdefghij1", "name": "X", "shortName": "s" * 51},
        "/dataSets/0/shortName: longer than 50 characters",
    ),
}


@pytest.mark.parametrize(("entry", "message"), BAD.values(), ids=BAD.keys())
def test_a_malformed_data_set_is_located_and_nothing_is_written(sample, entry, message):
    before = snapshot()
    # A good unit and a good data set in the same file are not written either.
    unit = {"id": "NEWUNIT0001", "name": "New unit"}
    good = {"id": "Zyxwvutsrq9", "name": "Fine"}

    with pytest.raises(OrgUnitImportError) as refused:
        import_file(_metadata([entry, good], units=[unit]), "metadata.json")

    assert [e for e in refused.value.errors if message in e], refused.value.errors
    assert snapshot() == before


def test_a_uid_twice_names_where_it_was_first(sample):
    twice = [{"id": "Abcdefghij1", "name": "A"}, {"id": "Abcdefghij1", "name": "B"}]

    with pytest.raises(OrgUnitImportError) as refused:
        import_file(_metadata(twice), "metadata.json")

    assert refused.value.errors == [
        "/dataSets/1 (Abcdefghij1): the uid appears twice (first at /dataSets/0)"
    ]


def test_data_sets_that_are_not_a_list_are_refused(sample):
    with pytest.raises(OrgUnitImportError) as refused:
        import_file(io.BytesIO(b'{"dataSets": {"id": "x"}}'), "metadata.json")
    assert refused.value.errors == ["/dataSets: expected a list"]


# --- assignments and their dates ---------------------------------------------------


def test_an_assignment_is_audited_with_its_partner(partner, staff):
    starts = local_today()
    assignment = add_assignment(
        _admin(staff), partner, data_set_id=RH, purpose="paid_on", starts_on=starts
    )
    db.session.commit()

    event = db.session.scalar(db.select(AuditEvent).filter_by(action="data_set_assigned"))
    assert (event.partner_id, event.object_id) == (partner.id, assignment.id)
    assert event.changes["data_set"] == [None, "Reproductive health"]
    assert event.changes["purpose"] == [None, "paid_on"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends_on": date(2025, 12, 31), "starts_on": date(2026, 1, 1)}, "ends_on"),
        ({"data_set_id": "Nonexistent"}, "data_set"),
        ({"purpose": "invoices"}, "purpose"),
    ],
)
def test_a_wrong_assignment_is_refused_at_its_field(partner, staff, changes, field):
    values = {"data_set_id": RH, "purpose": "reports", "starts_on": local_today()} | changes
    before = snapshot()
    with pytest.raises(DomainError) as refused:
        add_assignment(_admin(staff), partner, **values)
    db.session.rollback()
    assert refused.value.field == field
    assert snapshot() == before


def test_the_same_data_set_may_not_overlap_but_may_follow(partner, staff):
    admin = _admin(staff)
    add_assignment(
        admin,
        partner,
        data_set_id=RH,
        purpose="reports",
        starts_on=date(2025, 1, 1),
        ends_on=date(2025, 6, 30),
    )
    with pytest.raises(DomainError) as refused:
        add_assignment(admin, partner, data_set_id=RH, purpose="both", starts_on=date(2025, 6, 30))
    assert refused.value.field == "data_set"
    later = add_assignment(
        admin, partner, data_set_id=RH, purpose="both", starts_on=date(2025, 7, 1)
    )
    assert later.id


def test_an_assignment_ends_on_a_day_not_before_its_start(partner, staff):
    admin = _admin(staff)
    starts = local_today() - timedelta(days=10)
    assignment = add_assignment(admin, partner, data_set_id=RH, purpose="reports", starts_on=starts)
    with pytest.raises(DomainError) as refused:
        end_assignment(admin, partner, assignment, starts - timedelta(days=1), "Wrong")
    assert refused.value.field == "ends_on"
    with pytest.raises(DomainError) as refused:
        end_assignment(admin, partner, assignment, local_today(), " ")
    assert refused.value.field == "reason"

    end_assignment(admin, partner, assignment, local_today(), "Programme ended the data set")
    db.session.commit()

    assert assignment.ends_on == local_today()
    assert assignment.current  # today is its last day
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="data_set_assignment_ended"))
    assert event.reason == "Programme ended the data set"


def test_end_assignments_ends_the_running_ones_and_never_before_their_start(partner, staff):
    admin, today = _admin(staff), local_today()
    running = add_assignment(
        admin, partner, data_set_id=RH, purpose="reports", starts_on=today - timedelta(days=90)
    )
    future = add_assignment(
        admin, partner, data_set_id=CH, purpose="paid_on", starts_on=today + timedelta(days=30)
    )
    ended = add_assignment(
        admin,
        partner,
        data_set_id="eZDhcZi6FLP",
        purpose="both",
        starts_on=today - timedelta(days=400),
        ends_on=today - timedelta(days=100),
    )

    assert end_assignments(admin, partner, today, "Leaves the programme") == 2
    db.session.commit()

    assert running.ends_on == today
    assert future.ends_on == future.starts_on  # not before its start
    assert ended.ends_on == today - timedelta(days=100)  # untouched
    events = db.session.scalars(
        db.select(AuditEvent).filter_by(action="data_set_assignment_ended", partner_id=partner.id)
    ).all()
    assert {e.reason for e in events} == {"Leaves the programme"}
    assert end_assignments(admin, partner, today, "Again") == 0


def test_current_assignments_of_many_partners_in_one_query(
    sample, make_partner, staff, count_queries
):
    admin, today = _admin(staff), local_today()
    a, b = make_partner()[0], make_partner("Beta Care", "BC")[0]
    add_assignment(admin, a, data_set_id=RH, purpose="reports", starts_on=today)
    add_assignment(
        admin,
        a,
        data_set_id=CH,
        purpose="reports",
        starts_on=today - timedelta(days=50),
        ends_on=today - timedelta(days=1),
    )
    db.session.commit()
    ids = (a.id, b.id)
    db.session.expire_all()

    with count_queries() as queries:
        found = current_assignments(ids)
        names = {pid: [x.data_set.name for x in rows] for pid, rows in found.items()}

    assert queries.count == 1
    assert names == {ids[0]: ["Reproductive health"], ids[1]: []}


# --- scope expansion --------------------------------------------------------------


def _district(name: str) -> str:
    return db.session.scalar(db.select(OrgUnit.id).filter_by(name=name))


def test_a_scope_expansion_adds_coverage_and_data_sets_and_tells_team_and_finance(
    app, partner, staff
):
    app.config["PROGRAMME_TEAM_EMAILS"] = ["team@example.org"]
    app.config["FINANCE_EMAILS"] = ["finance@example.org", "payments@example.org"]
    starts = local_today() + timedelta(days=7)

    summary = expand_scope(
        _admin(staff),
        partner,
        areas=[f"unit:{_district('Mbala District')}"],
        data_sets=[RH, CH],
        purpose="paid_on",
        starts_on=starts,
        reason="New grant covers Mbala",
    )
    db.session.commit()

    assert summary[0].startswith("Now covers Mbala District from ")
    assert summary[1:] == [
        f"Paid on Reproductive health from {starts:%d %b %Y}.",
        f"Paid on Child health from {starts:%d %b %Y}.",
    ]
    cover = db.session.scalar(db.select(Coverage).filter_by(partner_id=partner.id))
    assert (cover.starts_on, cover.district_id) == (starts, _district("Mbala District"))
    assert len(current_assignments([partner.id])[partner.id]) == 2
    mails = {e.recipients: e for e in db.session.scalars(db.select(OutboxEmail))}
    assert set(mails) == {"team@example.org", "finance@example.org,payments@example.org"}
    finance = mails["finance@example.org,payments@example.org"]
    assert "check the tariffs" in finance.subject
    for line in summary:
        assert line in finance.body_text and line in mails["team@example.org"].body_text
    assert "New grant covers Mbala" in finance.body_text
    reasons = {
        e.action: e.reason
        for e in db.session.scalars(db.select(AuditEvent).filter_by(partner_id=partner.id))
        if e.action in ("coverage_added", "data_set_assigned")
    }
    assert reasons == {
        "coverage_added": "New grant covers Mbala",
        "data_set_assigned": "New grant covers Mbala",
    }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"reason": ""}, "reason"),
        ({"areas": [], "data_sets": []}, "areas"),
        ({"data_sets": [RH, "Nonexistent"]}, "data_sets"),
        ({"areas": ["unit:NOPE"]}, "areas"),
        ({"starts_on": None}, "starts_on"),
    ],
)
def test_a_refused_scope_expansion_saves_nothing(app, partner, staff, changes, field):
    app.config["FINANCE_EMAILS"] = ["finance@example.org"]
    values = {
        "areas": [f"unit:{_district('Mbala District')}"],
        "data_sets": [RH],
        "purpose": "reports",
        "starts_on": local_today(),
        "reason": "Grant",
    } | changes
    before = snapshot()
    with pytest.raises(DomainError) as refused:
        expand_scope(_admin(staff), partner, **values)
    db.session.rollback()
    assert refused.value.field == field
    assert snapshot() == before


def test_an_area_already_covered_is_refused(app, partner, staff):
    key = f"unit:{_district('Mbala District')}"
    admin = _admin(staff)
    expand_scope(
        admin,
        partner,
        areas=[key],
        data_sets=[],
        purpose="both",
        starts_on=local_today(),
        reason="A",
    )
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        expand_scope(
            admin,
            partner,
            areas=[key],
            data_sets=[],
            purpose="both",
            starts_on=local_today(),
            reason="B",
        )
    assert refused.value.field == "areas"
    assert db.session.scalar(db.select(db.func.count(DataSetAssignment.id))) == 0
