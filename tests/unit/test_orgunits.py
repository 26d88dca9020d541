"""Organisation units: importing the hierarchy from CSV or DHIS2 JSON, importing
again over it, refusing bad files whole, and finding units by what one types."""

from __future__ import annotations

import csv
import io
import json
import random
import time
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage

import portal
from portal.core.extensions import db
from portal.models import OrgUnit, OrgUnitGroup, group_members
from portal.orgunits.errors import MAX_ERRORS, OrgUnitImportError
from portal.orgunits.importer import import_file
from portal.orgunits.units import ancestors_by_id, search

SAMPLES = Path(portal.__file__).resolve().parent / "sample_data"
SAMPLE_CSV = SAMPLES / "orgunits.csv"
SAMPLE_JSON = SAMPLES / "dhis2_metadata.json"
HEADER = "id,name,code,parent"


def _import(data: str | bytes, filename: str = "units.csv"):
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return import_file(io.BytesIO(raw), filename)


def _csv(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def _named(name: str) -> OrgUnit:
    return db.session.scalars(db.select(OrgUnit).filter_by(name=name)).one()


def _group(name: str) -> OrgUnitGroup:
    return db.session.scalars(db.select(OrgUnitGroup).filter_by(name=name)).one()


def _count(table) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(table))


def _snapshot() -> dict:
    """Everything an import may write, to compare before and after."""
    db.session.expire_all()
    return {
        "units": db.session.execute(
            db.select(
                OrgUnit.id,
                OrgUnit.name,
                OrgUnit.code,
                OrgUnit.parent_id,
                OrgUnit.level,
                OrgUnit.path,
                OrgUnit.search_key,
            ).order_by(OrgUnit.id)
        ).all(),
        "groups": db.session.execute(
            db.select(OrgUnitGroup.id, OrgUnitGroup.name).order_by(OrgUnitGroup.id)
        ).all(),
        "members": sorted(tuple(row) for row in db.session.execute(db.select(group_members))),
    }


def _level_counts() -> list[int]:
    rows = db.session.execute(
        db.select(OrgUnit.level, db.func.count()).group_by(OrgUnit.level).order_by(OrgUnit.level)
    )
    return [count for _, count in rows]


def _assert_paths_follow_parents() -> None:
    units = {u.id: u for u in db.session.scalars(db.select(OrgUnit))}
    for unit in units.values():
        parent = units.get(unit.parent_id)
        expected = f"{parent.path if parent else ''}/{unit.id}"
        assert unit.path == expected, unit
        assert unit.level == expected.count("/"), unit


@pytest.fixture
def sample(app):
    """The sample country, imported from its DHIS2 export (units and groups)."""
    report = import_file(SAMPLE_JSON)
    db.session.expire_all()
    return report


@pytest.fixture
def country(sample) -> OrgUnit:
    return _named("Republic of Kivuland")


# --- importing ---------------------------------------------------------------


def test_the_csv_sample_builds_the_whole_hierarchy(app):
    report = import_file(SAMPLE_CSV)

    assert (report.format, report.units_new, report.units_updated) == ("csv", 361, 0)
    assert _count(OrgUnit) == 361
    assert _level_counts() == [1, 4, 16, 40, 300]
    _assert_paths_follow_parents()
    hospital = _named("Hôpital de District de Nyarugé")
    assert [hospital.parent.name, hospital.parent.parent.name] == [
        "Secteur de Nyarugé",
        "District de Nyarugé",
    ]
    assert hospital.level == 5
    assert hospital.search_key == "hopital de district de nyaruge"


def test_the_dhis2_sample_builds_units_and_groups(app):
    report = import_file(SAMPLE_JSON)

    assert (report.format, report.units_new, report.groups, report.groups_new) == (
        "dhis2",
        361,
        6,
        6,
    )
    assert _level_counts() == [1, 4, 16, 40, 300]
    _assert_paths_follow_parents()
    hospitals = {u.name for u in _group("Hospitals").members}
    assert {"Kasenga District Hospital", "Hôpital de District de Nyarugé"} <= hospitals
    urban, rural = _group("Urban").members, _group("Rural").members
    facilities = db.session.scalars(db.select(OrgUnit).filter_by(level=5)).all()
    assert set(urban) | set(rural) == set(facilities)
    assert not set(urban) & set(rural)


def test_the_csv_and_json_samples_describe_the_same_units(app):
    with SAMPLE_CSV.open(encoding="utf-8") as f:
        csv_ids = {row["id"] for row in csv.DictReader(f)}
    json_ids = {u["id"] for u in json.loads(SAMPLE_JSON.read_text())["organisationUnits"]}
    assert csv_ids == json_ids
    assert all(len(uid) == 11 for uid in csv_ids)
    assert SAMPLE_CSV.stat().st_size < 100_000 and SAMPLE_JSON.stat().st_size < 100_000

    import_file(SAMPLE_CSV)
    report = import_file(SAMPLE_JSON)

    assert (report.units_new, report.units_updated, report.units_unchanged) == (0, 0, 361)
    assert (_count(OrgUnit), _count(OrgUnitGroup)) == (361, 6)


def test_importing_the_same_file_again_changes_nothing(sample):
    before = _snapshot()

    report = import_file(SAMPLE_JSON)

    assert (report.units_new, report.units_updated, report.units_unchanged) == (0, 0, 361)
    assert (report.memberships_added, report.memberships_removed) == (0, 0)
    assert _snapshot() == before


def test_a_utf8_file_with_a_byte_order_mark_imports(app):
    data = "\ufeff" + _csv("A1,Centre de Santé Étoile,CS-1,")

    _import(data)

    assert _named("Centre de Santé Étoile").search_key == "centre de sante etoile"


def test_a_semicolon_separated_csv_imports(app):
    _import(_csv("A1;Région Nord;;", "B1;Poste de Santé;PS;A1", header="id;name;code;parent"))

    assert _named("Poste de Santé").path == "/A1/B1"


def test_an_upload_imports_and_its_name_tells_the_format(app):
    document = {"organisationUnits": [{"id": "A1", "name": "Kivuland", "level": 1}]}
    upload = FileStorage(io.BytesIO(json.dumps(document).encode()), filename="export.json")

    report = import_file(upload)

    assert (report.format, report.units_new) == ("dhis2", 1)


def test_line_numbers_are_the_files_even_with_quoted_line_breaks(app):
    data = _csv('A1,"Centre de Santé\nde Kabéya",,', "B1,,,A1")

    with pytest.raises(OrgUnitImportError) as caught:
        _import(data)

    assert caught.value.errors == ["line 4 (B1): the name is empty"]


def test_children_may_come_before_their_parents(app):
    _import(_csv("C,Facility,,B", "B,District,,A", "A,Country,,"))

    assert _named("Facility").path == "/A/B/C"


def test_reimport_renames_and_moves_units_and_their_descendants(sample):
    kasenga_sector = _named("Kasenga Sector")
    mbala = _named("Mbala District")
    moved_facilities = db.session.scalars(
        db.select(OrgUnit).filter_by(parent_id=kasenga_sector.id)
    ).all()
    lakeshore = _named("Lakeshore Province")
    count = _count(OrgUnit)
    # A facility renamed, a sector moved to another district, a district moved
    # straight under the country: two levels up for everything below it.
    hospital = _named("Kasenga District Hospital")
    tshilenge = _named("Tshilenge District")
    renamed = (hospital.id, "Kasenga Referral Hôpital", hospital.code, kasenga_sector.id)
    moved = (kasenga_sector.id, kasenga_sector.name, kasenga_sector.code, mbala.id)
    promoted = (tshilenge.id, tshilenge.name, "KV-TS", lakeshore.parent_id)
    rows = [",".join(str(v) for v in row) for row in (renamed, moved, promoted)]

    report = _import(_csv(*rows))
    db.session.expire_all()

    assert _count(OrgUnit) == count
    assert (report.units_new, report.units_updated) == (0, 3)
    assert _named("Kasenga Referral Hôpital").search_key == "kasenga referral hopital"
    sector = db.session.get(OrgUnit, kasenga_sector.id)
    assert sector.path == f"{mbala.path}/{sector.id}"
    for facility in moved_facilities:
        db.session.refresh(facility)
        assert facility.path == f"{mbala.path}/{sector.id}/{facility.id}"
    below_tshilenge = db.session.scalars(
        db.select(OrgUnit).where(OrgUnit.path.like(f"%/{tshilenge.id}/%"))
    ).all()
    assert below_tshilenge and {u.level for u in below_tshilenge} == {3, 4}
    assert (db.session.get(OrgUnit, tshilenge.id).level, tshilenge.code) == (2, "KV-TS")
    assert report.descendants_moved == len(moved_facilities) - 1 + len(below_tshilenge)
    assert "units not in the file moved with their parents" in report.summary()
    _assert_paths_follow_parents()
    # Units the file does not mention keep their names and groups.
    assert _named("Mbala District Hospital").groups
    assert len(_group("Hospitals").members) >= 16


def test_a_groups_members_follow_the_file(sample):
    hospitals = _group("Hospitals")
    kasenga = _named("Kasenga District Hospital")
    urban_before = len(_group("Urban").members)
    document = {
        "organisationUnitGroups": [
            {"id": hospitals.id, "name": "Hôpitaux", "organisationUnits": [{"id": kasenga.id}]}
        ]
    }

    report = _import(json.dumps(document), "groups.json")
    db.session.expire_all()

    assert report.units == 0 and report.groups == 1
    assert _group("Hôpitaux").members == [kasenga]
    assert report.memberships_removed >= 15
    assert len(_group("Urban").members) == urban_before


# --- refusing bad files -------------------------------------------------------

# Each bad file also holds good rows, a new unit and a rename, so that a partial
# write would show. `{country}` is the sample country's id.
GOOD = ("NEW0001,New Health Post,,{country}", "{country},Renamed Country,KV,")

BAD_CSV = {
    "not utf-8": (
        b"id,name,code,parent\nNEW0001,New Health Post,,{country}\nX1,Centre de Sant\xe9,,\n",
        ["line 3: byte 0xE9 at offset 74 is not UTF-8"],
    ),
    "utf-16": ("\ufeffid,name,code,parent\n".encode("utf-16"), ["line 1: the file is UTF-16"]),
    "empty file": (b"", ["line 1: the file is empty"]),
    "missing column": (
        _csv(*GOOD, header="id,name,code"),
        ["line 1: missing column(s) parent; the header must be id,name,code,parent"],
    ),
    "no header": (_csv(*GOOD, header=GOOD[0]), ["line 1: no header row"]),
    "empty id": (_csv(*GOOD, ",Nameless Id,,{country}"), ["line 4: the id is empty"]),
    "empty name": (_csv(*GOOD, "X1,,,{country}"), ["line 4 (X1): the name is empty"]),
    "duplicate id": (
        _csv(*GOOD, "X1,One,,{country}", "X1,Two,,{country}"),
        ["line 5 (X1): the id X1 appears twice (first at line 4)"],
    ),
    "unknown parent": (
        _csv(*GOOD, "X1,Orphan,,NOPE"),
        ["line 4 (X1): the parent NOPE is neither in the file nor in the database"],
    ),
    "cycle": (
        _csv(*GOOD, "A1,Aa,,B1", "B1,Bb,,A1", "C1,Under the cycle,,A1"),
        ["line 4: cycle A1 → B1 → A1 (A1 at line 4, B1 at line 5)"],
    ),
    "own parent": (_csv(*GOOD, "A1,Aa,,A1"), ["line 4 (A1): cycle A1 → A1"]),
    "too many values": (
        _csv(*GOOD, "X1,Mbala, Health Centre,,{country}"),
        ["line 4: 5 values but the header has 4 columns"],
    ),
    "id with a slash": (_csv(*GOOD, "X/1,Slash,,{country}"), ["must not contain '/'"]),
    "several errors, in line order": (
        _csv(*GOOD, "X1,,,{country}", "X2,Orphan,,NOPE", ",No id,,"),
        [
            "line 4 (X1): the name is empty",
            "line 5 (X2): the parent NOPE",
            "line 6: the id is empty",
        ],
    ),
}


def _dhis2(units=(), groups=(), **extra) -> str:
    good = [{"id": "NEW0001", "name": "New Health Post", "parent": {"id": "{country}"}}]
    return json.dumps(
        {"organisationUnits": good + list(units), "organisationUnitGroups": list(groups)} | extra,
        indent=2,
    )


BAD_JSON = {
    "syntax error": (
        '{\n  "organisationUnits": [\n    {"id": "A1" "name": "Aa"}\n  ]\n}',
        ["line 3, column 17: invalid JSON: Expecting ',' delimiter"],
    ),
    "not dhis2 metadata": ('[{"id": "A1"}]', ["expected DHIS2 metadata"]),
    "level mismatch": (
        _dhis2([{"id": "X1", "name": "Xx", "level": 2, "parent": {"id": "NEW0001"}}]),
        ["/organisationUnits/1 (X1): level 2 in the file, but its parents put it at level 3"],
    ),
    "empty name": (
        _dhis2([{"id": "X1", "name": " ", "parent": {"id": "{country}"}}]),
        ["/organisationUnits/1 (X1): the name is empty"],
    ),
    "unknown parent": (
        _dhis2([{"id": "X1", "name": "Xx", "parent": {"id": "NOPE"}}]),
        ["/organisationUnits/1 (X1): the parent NOPE is neither in the file nor in the database"],
    ),
    "duplicate id": (
        _dhis2([{"id": "NEW0001", "name": "Again"}]),
        ["/organisationUnits/1 (NEW0001): the id NEW0001 appears twice"],
    ),
    "cycle": (
        _dhis2([{"id": "A1", "name": "Aa", "parent": {"id": "A1"}}]),
        ["/organisationUnits/1 (A1): cycle A1 → A1"],
    ),
    "unknown group member": (
        _dhis2(
            groups=[
                {
                    "id": "G1",
                    "name": "Hospitals",
                    "organisationUnits": [{"id": "NEW0001"}, {"id": "NOPE"}],
                }
            ]
        ),
        [
            "/organisationUnitGroups/0/organisationUnits/1 (group G1): the unit NOPE is "
            "neither in the file nor in the database"
        ],
    ),
}


def _bad_cases():
    for name, (data, messages) in BAD_CSV.items():
        yield pytest.param(data, "units.csv", messages, id=f"csv: {name}")
    for name, (data, messages) in BAD_JSON.items():
        yield pytest.param(data, "metadata.json", messages, id=f"json: {name}")


@pytest.mark.parametrize(("data", "filename", "messages"), list(_bad_cases()))
def test_a_bad_file_is_refused_whole_with_located_errors(country, data, filename, messages):
    if isinstance(data, str):
        data = data.encode("utf-8")
    data = data.replace(b"{country}", country.id.encode())
    before = _snapshot()

    with pytest.raises(OrgUnitImportError) as caught:
        import_file(io.BytesIO(data), filename)

    assert _snapshot() == before
    assert len(before["units"]) == 361
    for message, error in zip(messages, caught.value.errors, strict=False):
        assert message in error
    assert len(caught.value.errors) == len(messages), caught.value.errors


def test_a_cycle_through_the_database_is_refused(country):
    kasenga = _named("Kasenga Sector")
    before = _snapshot()

    with pytest.raises(OrgUnitImportError) as caught:
        _import(_csv(f"{country.id},Republic of Kivuland,KV,{kasenga.id}"))

    [error] = caught.value.errors
    assert error.startswith(f"line 2: cycle {country.id} → {kasenga.id} → ")
    assert f"{kasenga.id} in the database" in error
    assert _snapshot() == before


def test_errors_are_capped(app):
    rows = [f"X{i},,," for i in range(MAX_ERRORS + 20)]

    with pytest.raises(OrgUnitImportError) as caught:
        _import(_csv(*rows))

    assert caught.value.error_count == MAX_ERRORS + 20
    assert len(caught.value.errors) == MAX_ERRORS + 1
    assert caught.value.errors[-1] == "... and 20 more errors."
    assert _count(OrgUnit) == 0


# --- the command ---------------------------------------------------------------


@pytest.fixture
def cli(app):
    return app.test_cli_runner()


def test_the_import_command_prints_a_summary(cli):
    result = cli.invoke(args=["orgunits", "import", str(SAMPLE_CSV)])
    assert result.exit_code == 0, result.output
    assert result.output == "Imported 361 organisation units (361 new, 0 updated) and 0 groups.\n"

    result = cli.invoke(args=["orgunits", "import", str(SAMPLE_JSON)])
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Imported 361 organisation units (0 new, 0 updated, 361 unchanged) and 6 groups; "
        "5 data sets (5 new, 0 updated).\n"
    )


def test_the_import_command_lists_errors_and_fails(cli, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(_csv("A1,Country,,", "B1,,,A1", "C1,Orphan,,NOPE"), encoding="utf-8")

    result = cli.invoke(args=["orgunits", "import", str(bad)])

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "bad.csv: nothing imported; 2 error(s):",
        "  line 3 (B1): the name is empty",
        "  line 4 (C1): the parent NOPE is neither in the file nor in the database",
    ]
    assert _count(OrgUnit) == 0


# --- finding units ---------------------------------------------------------------


def test_search_matches_every_word_whatever_the_accents(sample):
    names = [u.name for u in search("HOPITAL nyaru")]
    assert names == ["Hôpital de District de Nyarugé"]

    # Broadest first, then by name.
    assert [u.name for u in search("nyarugé")] == [
        "District de Nyarugé",
        "Secteur de Nyarugé",
        "Centre de Santé de Nyarugé",
        "Hôpital de District de Nyarugé",
    ]
    assert [u.name for u in search("ASENG hosp")] == ["Kasenga District Hospital"]
    assert search("kasenga zzz") == []
    assert search("  ,  ") == []


def test_search_can_keep_to_one_level(sample):
    districts = search("", level=3, limit=100)
    assert len(districts) == 16
    assert {u.level for u in search("sante", level=5)} == {5}
    assert len(search("sante", limit=5)) == 5


def test_the_ancestors_of_a_facility_from_the_country_down(sample, app):
    hospital = _named("Kasenga District Hospital")
    province = _named("Lakeshore Province")

    ancestors = ancestors_by_id([hospital, province])

    assert [a.name for a in ancestors[hospital.id]] == [
        "Republic of Kivuland",
        "Lakeshore Province",
        "Kasenga District",
        "Kasenga Sector",
    ]


def _labels(query: str, **kwargs) -> list[str]:
    """What a type-to-filter box shows: "Unit — District, Province"."""
    units = search(query, **kwargs)
    ancestors = ancestors_by_id(units)
    labels = []
    for unit in units:
        district = next(a for a in [*ancestors[unit.id], unit] if a.level == 3)
        places = [a.name for a in ancestors[unit.id] if a.level in (2, 3) and a is not district]
        labels.append(" — ".join([unit.name, ", ".join([district.name, *places])]))
    return labels


def test_search_with_ancestors_takes_the_same_queries_for_4_or_300_units(sample, count_queries):
    db.session.expire_all()
    with count_queries() as few:
        labels = _labels("CLINIQ")
    db.session.expire_all()
    with count_queries() as many:
        everything = _labels("", level=5, limit=1000)

    # "cliniq" is also part of "Polyclinique": any part of a word matches.
    assert len(labels) == 4 and len(everything) == 300
    assert "Clinique Privée La Providence — Kasenga District, Lakeshore Province" in labels
    assert few.count == many.count == 2


# --- speed ---------------------------------------------------------------------


def _big_csv(count: int, suffix: str = "") -> str:
    """`count` units five levels deep, shuffled so that children often come first."""
    rows = [f"C0,Country{suffix},,"]
    parents = ["C0"]
    fan_out = [10, 10, 10, 10]
    for depth, width in enumerate(fan_out, start=1):
        children = []
        for parent in parents:
            for n in range(width):
                if len(rows) == count:
                    break
                uid = f"{parent}.{n}".replace(".", "x")
                children.append(uid)
                rows.append(f"{uid},Unit {uid} level {depth + 1}{suffix},,{parent}")
        parents = children
    random.Random(1).shuffle(rows)
    return _csv(*rows)


def test_ten_thousand_units_import_in_a_few_seconds(app, count_queries, capsys):
    data = _big_csv(10_000)
    with count_queries() as queries:
        started = time.perf_counter()
        report = _import(data)
        first = time.perf_counter() - started
    started = time.perf_counter()
    again = _import(_big_csv(10_000, suffix=" renamed"))
    second = time.perf_counter() - started

    with capsys.disabled():
        print(f"\n10,000 units: import {first:.2f} s, re-import renaming all {second:.2f} s")
    assert report.units_new == 10_000 and again.units_updated == 10_000
    assert _count(OrgUnit) == 10_000
    assert _level_counts() == [1, 10, 100, 1000, 8889]
    assert queries.count < 30  # bulk statements, not one per row
    assert first < 10 and second < 10
