"""Data-set assignments and the scope expansion through the web: administrators
assign, end and expand in the slide-in panels; managers read; the partner sees
its own data sets read-only on its organisation page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.core.clock import local_today
from portal.core.extensions import db
from portal.models import Coverage, DataSet, DataSetAssignment, OrgUnit, OutboxEmail
from tests.helpers import token_for

RH = "QX4ZTUbOt3a"


@pytest.fixture
def data_sets(world):
    db.session.add_all(
        [
            DataSet(id=RH, name="Reproductive health", period_type="Monthly"),
            DataSet(id="BfMAe6Itzgt", name="Child health", period_type="Monthly"),
            OrgUnit(
                id="D1",
                name="Riverside District",
                level=1,
                path="/D1",
                search_key="riverside district",
            ),
        ]
    )
    db.session.commit()


def test_an_administrator_assigns_and_ends_a_data_set_and_the_partner_sees_it(
    world, data_sets, login
):
    admin = login(world.admin.email)
    pid = world.a.partner.id
    panel = admin.get(f"/partners/{pid}/data-sets/new", headers={"HX-Request": "true"})
    assert "Reproductive health (monthly)" in panel.get_data(as_text=True)
    form = {"csrf_token": token_for(admin), "data_set": RH, "purpose": "reports"}
    refused = admin.post(
        f"/partners/{pid}/data-sets/new",
        data=form | {"starts_on": "2026-02-01", "ends_on": "2026-01-01"},
    )
    assert refused.status_code == 422
    assert "The end date is before the start date." in refused.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(DataSetAssignment.id))) == 0

    response = admin.post(
        f"/partners/{pid}/data-sets/new",
        data=form | {"starts_on": "2026-01-01"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 204 and response.headers["HX-Redirect"].endswith(
        f"/partners/{pid}"
    )
    page = admin.get(f"/partners/{pid}").get_data(as_text=True)
    assert "Reproductive health</strong> · Reports" in page
    own = login(world.a.focal.email).get("/organisation").get_data(as_text=True)
    assert "Reproductive health" in own and "/data-sets/" not in own  # read-only
    assert "Reproductive health" not in login(world.b.focal.email).get("/organisation").get_data(
        as_text=True
    )

    assignment = db.session.scalar(db.select(DataSetAssignment))
    end = f"/partners/{pid}/data-sets/{assignment.id}/end"
    refused = admin.post(
        end, data={"csrf_token": token_for(admin), "ends_on": "2025-12-31", "reason": "x"}
    )
    assert refused.status_code == 422 and "cannot end before" in refused.get_data(as_text=True)
    yesterday = (local_today() - timedelta(days=1)).isoformat()
    ended = admin.post(
        end, data={"csrf_token": token_for(admin), "ends_on": yesterday, "reason": "Done"}
    )
    assert ended.status_code == 302
    db.session.expire_all()
    assert db.session.get(DataSetAssignment, assignment.id).ends_on.isoformat() == yesterday
    assert "None assigned" in login(world.a.focal.email).get("/organisation").get_data(as_text=True)


def test_the_manager_reads_data_sets_but_changes_none(world, data_sets, login):
    manager = login(world.manager.email)
    pid = world.a.partner.id
    page = manager.get(f"/partners/{pid}").get_data(as_text=True)
    assert "data-sets-section" in page and "Assign a data set" not in page
    assert "Expand scope" not in page
    for path in (f"/partners/{pid}/data-sets/new", f"/partners/{pid}/scope"):
        assert manager.get(path).status_code == 403
        assert manager.post(path, data={"csrf_token": token_for(manager)}).status_code == 403


def test_the_scope_expansion_finds_areas_and_saves_with_the_reason(app, world, data_sets, login):
    app.config["PROGRAMME_TEAM_EMAILS"] = ["team@example.org"]
    app.config["FINANCE_EMAILS"] = ["finance@example.org"]
    admin = login(world.admin.email)
    path = f"/partners/{world.a.partner.id}/scope"
    token = token_for(admin)
    found = admin.post(path, data={"csrf_token": token, "action": "find", "area_q": "river"})
    assert found.status_code == 200
    assert 'value="unit:D1"' in found.get_data(as_text=True)

    form = {
        "csrf_token": token,
        "action": "save",
        "areas": "unit:D1",
        "data_sets": [RH, "BfMAe6Itzgt"],
        "purpose": "paid_on",
        "starts_on": "2026-07-01",
        "reason": "",
    }
    refused = admin.post(path, data=form)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Say why the scope changes." in html
    assert 'value="unit:D1" checked' in html  # the chosen area is kept
    assert db.session.scalar(db.select(db.func.count(Coverage.id))) == 0

    saved = admin.post(path, data=form | {"reason": "Grant extended to Riverside"})
    assert saved.status_code == 302
    assert db.session.scalar(db.select(Coverage.starts_on).filter_by(org_unit_id="D1")) == date(
        2026, 7, 1
    )
    assert db.session.scalar(db.select(db.func.count(DataSetAssignment.id))) == 2
    finance = db.session.scalar(db.select(OutboxEmail).filter_by(recipients="finance@example.org"))
    assert "Now covers Riverside District" in finance.body_text
    assert "Paid on Child health from 01 Jul 2026." in finance.body_text
