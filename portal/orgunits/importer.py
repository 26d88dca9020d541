"""Organisation units: importing the hierarchy from a file.

The hierarchy (country, province, district, sector, facility, to any depth)
comes from a CSV file (`id,name,code,parent`, or DHIS2's CSV export) or from a DHIS2 metadata export
(`/api/metadata` JSON with `organisationUnits` and `organisationUnitGroups`).
Either can be re-imported over the other: rows are matched by id, updated in
place, never duplicated, and units missing from the file are left alone.

An import is all-or-nothing. Everything is read and checked first, with every
problem collected and located (the file's line for CSV, a JSON pointer for
JSON), so that one round trip shows the user all they must fix; only a clean
file is written, in one transaction.

Speed matters (a national hierarchy has tens of thousands of units), so the
import reads the current hierarchy in one query, works out levels and paths in
Python, and writes with a handful of bulk statements, never one per row.

`import_file` runs the steps: `parsing` and `dhis2` read the file, `hierarchy`
checks it, and this module writes it; a refused file raises
`errors.OrgUnitImportError`. Finding units in the hierarchy is in `units`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import IO

from flask import g
from sqlalchemy import bindparam, delete, insert, select, update

from portal.assignments.dhis2 import FileDataSet, parse_data_sets, write_data_sets
from portal.core.extensions import db
from portal.core.text import fold
from portal.models import Coverage, OrgUnit, OrgUnitGroup, OrgUnitLevel, Partner, group_members
from portal.orgunits.dhis2 import load_dhis2, parse_dhis2, parse_levels
from portal.orgunits.errors import LocatedErrors
from portal.orgunits.hierarchy import Plan, check
from portal.orgunits.parsing import decode, is_json, parse_csv, read_bytes
from portal.orgunits.units import district_level
from portal.partners import search as partner_search
from portal.partners.drafts import district_id_of

# Search keys are cut to the column's size, as PostgreSQL would refuse them longer.
_SEARCH_KEY_MAX = OrgUnit.__table__.c.search_key.type.length

_UNITS = OrgUnit.__table__
_GROUPS = OrgUnitGroup.__table__


@dataclass
class ImportReport:
    """What an import changed, for the command line and the admin page."""

    format: str
    units_new: int = 0
    units_updated: int = 0
    units_unchanged: int = 0
    units_closed: int = 0  # units of the file with a closed date
    groups: int = 0
    groups_new: int = 0
    memberships_added: int = 0
    memberships_removed: int = 0
    # Every unit whose path changed: moved units and, with them, their descendants.
    # Whatever stores a unit's district (e.g. coverage) may need refreshing for these.
    moved_ids: set[str] = field(default_factory=set)
    # Units not in the file that moved because an ancestor did.
    descendants_moved: int = 0
    # DHIS2 data sets (portal/assignments), from the same metadata file.
    data_sets_new: int = 0
    data_sets_updated: int = 0
    data_sets_unchanged: int = 0

    @property
    def units(self) -> int:
        return self.units_new + self.units_updated + self.units_unchanged

    def summary(self) -> str:
        counts = f"{self.units_new} new, {self.units_updated} updated"
        if self.units_unchanged:
            counts += f", {self.units_unchanged} unchanged"
        if self.units_closed:
            counts += f"; {self.units_closed} closed"
        text = f"Imported {self.units} organisation units ({counts}) and {self.groups} groups"
        if self.descendants_moved:
            text += f"; {self.descendants_moved} units not in the file moved with their parents"
        data_sets = self.data_sets_new + self.data_sets_updated + self.data_sets_unchanged
        if data_sets:
            text += (
                f"; {data_sets} data sets ({self.data_sets_new} new, "
                f"{self.data_sets_updated} updated)"
            )
        return text + "."


# --- writing ----------------------------------------------------------------


_UNIT_FIELDS = ("name", "code", "parent_id", "level", "path", "search_key", "closed_on")


def _unit_rows(plan: Plan, report: ImportReport) -> tuple[list[dict], list[dict]]:
    """Rows to insert and rows to update (with `key` = id), only where something changed."""
    inserts: list[dict] = []
    updates: list[dict] = []
    for uid, path in plan.paths.items():
        unit, row = plan.units.get(uid), plan.existing.get(uid)
        if unit is not None:
            values = {
                "name": unit.name,
                "code": unit.code,
                "parent_id": unit.parent_id,
                "search_key": fold(unit.name)[:_SEARCH_KEY_MAX],
                "closed_on": unit.closed_on,
            }
            report.units_closed += unit.closed_on is not None
        else:  # not in the file: only its place can change, with an ancestor's
            values = {"name": row.name, "code": row.code, "parent_id": row.parent_id}
            values.update(search_key=row.search_key, closed_on=row.closed_on)
        values.update(path=path, level=path.count("/"))
        if row is None:
            inserts.append({"id": uid, **values})
            report.units_new += 1
            continue
        if row.path != path:
            report.moved_ids.add(uid)
        if all(getattr(row, f) == values[f] for f in _UNIT_FIELDS):
            if unit is not None:
                report.units_unchanged += 1
            continue
        updates.append({"key": uid, **values})
        if unit is not None:
            report.units_updated += 1
        else:
            report.descendants_moved += 1
    # Parents before children: PostgreSQL checks the foreign key batch by batch.
    inserts.sort(key=lambda r: r["level"])
    return inserts, updates


def _write_groups(plan: Plan, report: ImportReport) -> None:
    if not plan.groups:
        return
    report.groups = len(plan.groups)
    ids = list(plan.groups)
    current = {
        row.id: (row.name, row.code)
        for row in db.session.execute(
            select(_GROUPS.c.id, _GROUPS.c.name, _GROUPS.c.code).where(_GROUPS.c.id.in_(ids))
        )
    }
    inserts, changed = [], []
    for group in plan.groups.values():
        if group.id not in current:
            inserts.append({"id": group.id, "name": group.name, "code": group.code})
        elif not group.complete:  # named only by its units: its name and code stand
            continue
        elif current[group.id] != (group.name, group.code):
            changed.append({"key": group.id, "name": group.name, "code": group.code})
    report.groups_new = len(inserts)
    if inserts:
        db.session.execute(insert(_GROUPS), inserts)
    if changed:
        db.session.execute(update(_GROUPS).where(_GROUPS.c.id == bindparam("key")), changed)
        _touch_partners_covering([row["key"] for row in changed])

    # A group's members are the file's list: added and dropped members both follow it.
    had = {
        (row.group_id, row.org_unit_id)
        for row in db.session.execute(
            select(group_members).where(group_members.c.group_id.in_(ids))
        )
    }
    wanted = {(g.id, member) for g in plan.groups.values() for member in g.members}
    # Only a group the file describes loses the members it no longer lists.
    complete = {g.id for g in plan.groups.values() if g.complete}
    added = wanted - had
    removed = {(g, u) for g, u in had - wanted if g in complete}
    if removed:
        db.session.execute(
            delete(group_members).where(
                group_members.c.group_id == bindparam("g"),
                group_members.c.org_unit_id == bindparam("u"),
            ),
            [{"g": g, "u": u} for g, u in sorted(removed)],
        )
    if added:
        db.session.execute(
            insert(group_members), [{"group_id": g, "org_unit_id": u} for g, u in sorted(added)]
        )
    report.memberships_added, report.memberships_removed = len(added), len(removed)


def _touch_partners_covering(group_ids: list[str]) -> None:
    """A renamed group changes what the API says of the partners covering it
    (their coverage's group name): their updated_at moves (its onupdate), so
    reporting tools that synchronise with `updated_since` see the new name.
    (A renamed unit reaches them through partner_search.refresh.)"""
    covering = select(Coverage.partner_id).where(Coverage.org_unit_group_id.in_(group_ids))
    partners = Partner.__table__
    db.session.execute(update(partners).where(partners.c.id.in_(covering)).values(id=partners.c.id))


def _write_levels(levels: dict[int, str]) -> bool:
    """The file's level names replace those of the same levels; True when that
    moves the district level (every coverage's district is then worked out again)."""
    if not levels:
        return False
    before = district_level()
    table = OrgUnitLevel.__table__
    db.session.execute(delete(table).where(table.c.level.in_(list(levels))))
    db.session.execute(insert(table), [{"level": n, "name": v} for n, v in levels.items()])
    g.pop("district_level", None)
    return district_level() != before


def _write(plan: Plan, data_sets: dict[str, FileDataSet], levels: dict[int, str]) -> ImportReport:
    report = ImportReport(format=plan.format)
    inserts, updates = _unit_rows(plan, report)
    try:
        district_moved = _write_levels(levels)
        counts = write_data_sets(data_sets)
        report.data_sets_new, report.data_sets_updated, report.data_sets_unchanged = counts
        if inserts:
            db.session.execute(insert(_UNITS), inserts)
        if updates:
            db.session.execute(update(_UNITS).where(_UNITS.c.id == bindparam("key")), updates)
        _write_groups(plan, report)
        if district_moved:
            report.moved_ids |= set(db.session.scalars(select(Coverage.org_unit_id).distinct()))
        if report.moved_ids:
            _refresh_coverage_districts(report.moved_ids)
        if updates:  # a district renamed or moved: partners are found by its name
            partner_search.refresh()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return report


def _refresh_coverage_districts(moved: set[str]) -> None:
    """Coverage of a unit that moved may now lie in another district."""
    rows = db.session.execute(
        select(Coverage.id, OrgUnit)
        .join(OrgUnit, Coverage.org_unit_id == OrgUnit.id)
        .where(Coverage.org_unit_id.in_(sorted(moved)))
    ).all()
    changes = [{"key": cid, "district_id": district_id_of(unit)} for cid, unit in rows]
    if changes:
        table = Coverage.__table__
        db.session.execute(
            update(table).where(table.c.id == bindparam("key")),
            changes,
        )


def import_file(
    path_or_stream: str | os.PathLike | IO | bytes, filename: str | None = None
) -> ImportReport:
    """Import organisation units (and, from DHIS2 JSON, groups) from a file.

    `path_or_stream` is a path, an open binary file (e.g. an upload) or bytes;
    `filename` (by default the path's or the upload's) helps tell CSV from JSON;
    the content decides when it is neither .csv nor .json.

    Raises OrgUnitImportError, with every problem located, and then writes nothing.
    """
    if filename is None and isinstance(path_or_stream, str | os.PathLike):
        filename = os.fspath(path_or_stream)
    elif filename is None:  # an upload (werkzeug's FileStorage) knows its name
        filename = getattr(path_or_stream, "filename", None)
    text = decode(read_bytes(path_or_stream))
    errors = LocatedErrors()
    data_sets: dict[str, FileDataSet] = {}
    levels: dict[int, str] = {}
    if is_json(text, filename):
        document = load_dhis2(text)
        fmt, (units, groups) = "dhis2", parse_dhis2(document, errors)
        levels = parse_levels(document, errors)
        # Data sets come after units and groups in reading order.
        offset = sum(
            len(v) if isinstance(v := document.get(k), list) else 0
            for k in ("organisationUnits", "organisationUnitGroups")
        )
        data_sets = parse_data_sets(document, errors, offset)
    else:
        fmt, (units, groups) = "csv", parse_csv(text, errors)
    if not units and not groups and not data_sets and not levels and not errors:
        errors.add(0, "the file lists no organisation units")
    plan = check(fmt, units, groups, errors)
    return _write(plan, data_sets, levels)
