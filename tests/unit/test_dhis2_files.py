"""Organisation-unit files as DHIS2 and Excel really write them: DHIS2's own CSV
export, Excel's `sep=;` line, closed facilities, groups listed on the units
themselves, and the hierarchy's level names telling which level is the district."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from flask import g

from portal.core.extensions import db
from portal.models import OrgUnit, OrgUnitGroup, group_members
from portal.orgunits.errors import OrgUnitImportError
from portal.orgunits.importer import import_file
from portal.orgunits.units import district_level, search
from portal.partners.form_views import search_areas


def _import(text: str, filename: str):
    return import_file(io.BytesIO(text.encode("utf-8")), filename)


def _refused(text: str, filename: str) -> list[str]:
    with pytest.raises(OrgUnitImportError) as refusal:
        _import(text, filename)
    return refusal.value.errors


def _members(group_id: str) -> set[str]:
    rows = db.session.execute(
        db.select(group_members.c.org_unit_id).where(group_members.c.group_id == group_id)
    )
    return {unit for (unit,) in rows}


# DHIS2's "Download as CSV" of organisation units: its own column names and order.
DHIS2_CSV = (
    "name,uid,code,parent,shortName,closedDate\n"
    "Kivuland,KV000000001,KV,,Kivuland,\n"
    "North Province,NP000000001,KV-N,KV000000001,North,\n"
    "Santé Centre Nord,HC000000001,,NP000000001,Santé Nord,\n"
    "Old Dispensary,HC000000002,,NP000000001,Old,2019-03-01\n"
)


def test_a_dhis2_csv_export_imports_with_its_own_column_names(app):
    report = _import(DHIS2_CSV, "organisationUnits.csv")
    assert report.units_new == 4 and report.units_closed == 1
    unit = db.session.get(OrgUnit, "HC000000001")
    assert (unit.name, unit.parent_id, unit.level) == ("Santé Centre Nord", "NP000000001", 3)
    assert db.session.get(OrgUnit, "HC000000002").closed_on == date(2019, 3, 1)
    assert "1 closed" in report.summary()


def test_excels_sep_line_names_the_separator_and_lines_stay_the_files(app):
    text = "sep=;\nid;name;code;parent\nKV1;Kivuland;;\nP1;North;;KV1\n"
    assert _import(text, "units.csv").units_new == 2

    broken = "sep=;\nid;name;code;parent\nKV2;Other;;\nP2;;;KV2\n"
    assert _refused(broken, "units.csv") == ["line 4 (P2): the name is empty"]


def test_a_header_without_an_id_column_says_which_names_it_takes(app):
    (message,) = _refused("name,code,parent\nA,,\n", "units.csv")
    assert "missing column(s) id" in message and "uid" in message


def test_a_closed_facility_is_kept_but_not_offered_for_new_coverage(app):
    _import(DHIS2_CSV, "units.csv")
    assert [u.name for u in search("dispensary")] == []
    assert [u.name for u in search("dispensary", closed=True)] == ["Old Dispensary"]
    assert [u.name for u in search("sante nord")] == ["Santé Centre Nord"]


def test_a_bad_closed_date_is_refused_where_it_is(app):
    text = DHIS2_CSV.replace("2019-03-01", "first of March")
    assert _refused(text, "units.csv") == [
        "line 5: the closed date 'first of March' is not a date like 2019-03-01"
    ]


def _metadata(**extra) -> str:
    units = [
        {"id": "KV000000001", "name": "Kivuland", "level": 1},
        {"id": "NP000000001", "name": "North", "level": 2, "parent": {"id": "KV000000001"}},
        {
            "id": "HC000000001",
            "name": "Nord Health Centre",
            "level": 3,
            "parent": {"id": "NP000000001"},
            "closedDate": "2024-06-30T00:00:00.000",
            "organisationUnitGroups": [{"id": "GRhealthctr", "name": "Health centres"}],
        },
        {
            "id": "HC000000003",
            "name": "Lake Health Centre",
            "level": 3,
            "parent": {"id": "NP000000001"},
            "organisationUnitGroups": [{"id": "GRhealthctr"}, {"id": "GRpublic001"}],
        },
    ]
    return json.dumps({"organisationUnits": units} | extra)


def test_groups_listed_on_the_units_are_memberships_and_closed_dates_count(app):
    groups = [{"id": "GRpublic001", "name": "Public", "organisationUnits": []}]
    report = _import(_metadata(organisationUnitGroups=groups), "metadata.json")
    assert report.units_closed == 1
    assert db.session.get(OrgUnit, "HC000000001").closed_on == date(2024, 6, 30)
    assert db.session.get(OrgUnitGroup, "GRhealthctr").name == "Health centres"
    assert _members("GRhealthctr") == {"HC000000001", "HC000000003"}
    assert _members("GRpublic001") == {"HC000000003"}


def test_a_unit_listing_its_group_does_not_drop_the_groups_other_members(app):
    groups = [{"id": "GRhealthctr", "name": "Health centres", "organisationUnits": []}]
    _import(
        _metadata(organisationUnitGroups=groups + [{"id": "GRpublic001", "name": "P"}]), "m.json"
    )
    db.session.execute(
        group_members.insert(), [{"group_id": "GRhealthctr", "org_unit_id": "NP000000001"}]
    )
    db.session.commit()
    units = [
        {
            "id": "HC000000003",
            "name": "Lake Health Centre",
            "parent": {"id": "NP000000001"},
            "organisationUnitGroups": [{"id": "GRhealthctr"}],
        }
    ]
    _import(json.dumps({"organisationUnits": units}), "units.json")
    # The file described no group, so no membership it does not mention goes.
    assert _members("GRhealthctr") == {"HC000000001", "HC000000003", "NP000000001"}


def test_a_group_known_nowhere_is_refused_with_where_the_unit_named_it(app):
    units = [
        {
            "id": "KV000000009",
            "name": "Kivuland",
            "organisationUnitGroups": [{"id": "GRunknown01"}],
        }
    ]
    assert _refused(json.dumps({"organisationUnits": units}), "m.json") == [
        "/organisationUnits/0/organisationUnitGroups/0: the group GRunknown01 is neither "
        "in the file nor in the database"
    ]
    assert db.session.get(OrgUnit, "KV000000009") is None


def test_the_district_level_comes_from_the_hierarchys_level_names(app):
    assert district_level() == app.config["ORGUNIT_DISTRICT_LEVEL"] == 3
    levels = [
        {"level": 1, "name": "National"},
        {"level": 2, "name": "Province"},
        {"level": 3, "name": "Zone"},
        {"level": 4, "name": "District"},
    ]
    _import(json.dumps({"organisationUnitLevels": levels}), "levels.json")
    g.pop("district_level", None)  # a new request reads it again
    assert district_level() == 4


def test_the_group_search_takes_percent_and_underscore_literally(app):
    groups = [
        {"id": "GR00000001", "name": "Hospitals", "organisationUnits": []},
        {"id": "GR00000002", "name": "100% donor-funded", "organisationUnits": []},
        {"id": "GR00000003", "name": "rural_sites", "organisationUnits": []},
    ]
    _import(json.dumps({"organisationUnitGroups": groups}), "groups.json")

    def found(query):
        return [r["name"] for r in search_areas(query) if r["where"] == "group"]

    assert found("%") == ["100% donor-funded"]
    assert found("_") == ["rural_sites"]
    assert found("o%i") == []
    assert found("hosp") == ["Hospitals"]
