"""Organisation units: importing the hierarchy and finding units in it.

The hierarchy (country, province, district, sector, facility, to any depth)
comes from a CSV file (`id,name,code,parent`) or from a DHIS2 metadata export
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
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from flask import current_app
from sqlalchemy import bindparam, delete, insert, select, update

from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.text import fold
from portal.models import OrgUnit, OrgUnitGroup, group_members

CSV_COLUMNS = ("id", "name", "code", "parent")
# Past this many errors the user learns nothing new from the rest.
MAX_ERRORS = 50

# Column sizes of the models: PostgreSQL rejects longer values (SQLite would not),
# so they are checked up front with a located message rather than failing mid-write.
_ID_MAX = OrgUnit.__table__.c.id.type.length
_NAME_MAX = OrgUnit.__table__.c.name.type.length
_CODE_MAX = OrgUnit.__table__.c.code.type.length
_PATH_MAX = OrgUnit.__table__.c.path.type.length
_SEARCH_KEY_MAX = OrgUnit.__table__.c.search_key.type.length

_UNITS = OrgUnit.__table__
_GROUPS = OrgUnitGroup.__table__


class OrgUnitImportError(DomainError):
    """The file was not imported; `errors` says where and why, one line each."""

    def __init__(self, errors: list[str]):
        self.error_count = len(errors)
        shown = list(errors[:MAX_ERRORS])
        if self.error_count > MAX_ERRORS:
            shown.append(f"... and {self.error_count - MAX_ERRORS} more errors.")
        self.errors = shown
        super().__init__("\n".join(shown))


@dataclass
class ImportReport:
    """What an import changed, for the command line and the admin page."""

    format: str
    units_new: int = 0
    units_updated: int = 0
    units_unchanged: int = 0
    groups: int = 0
    groups_new: int = 0
    memberships_added: int = 0
    memberships_removed: int = 0
    # Every unit whose path changed: moved units and, with them, their descendants.
    # Whatever stores a unit's district (e.g. coverage) may need refreshing for these.
    moved_ids: set[str] = field(default_factory=set)
    # Units not in the file that moved because an ancestor did.
    descendants_moved: int = 0

    @property
    def units(self) -> int:
        return self.units_new + self.units_updated + self.units_unchanged

    def summary(self) -> str:
        counts = f"{self.units_new} new, {self.units_updated} updated"
        if self.units_unchanged:
            counts += f", {self.units_unchanged} unchanged"
        text = f"Imported {self.units} organisation units ({counts}) and {self.groups} groups"
        if self.descendants_moved:
            text += f"; {self.descendants_moved} units not in the file moved with their parents"
        return text + "."


# --- what a file says -------------------------------------------------------


@dataclass
class _Unit:
    id: str
    name: str
    code: str | None
    parent_id: str | None
    where: str  # "line 12" or "/organisationUnits/11", for messages
    order: int  # position in the file, so errors come out in reading order
    level: int | None = None  # as the file states it (DHIS2), checked against the hierarchy


@dataclass
class _Group:
    id: str
    name: str
    code: str | None
    where: str
    order: int
    members: dict[str, str] = field(default_factory=dict)  # unit id -> where it was listed


class _Errors:
    """Located messages, reported in the order they appear in the file."""

    def __init__(self) -> None:
        self._items: list[tuple[int, int, str]] = []

    def add(self, order: int, message: str) -> None:
        self._items.append((order, len(self._items), message))

    def __bool__(self) -> bool:
        return bool(self._items)

    def raise_if_any(self) -> None:
        if self._items:
            raise OrgUnitImportError([message for _, _, message in sorted(self._items)])


def _label(where: str, ident: str) -> str:
    return f"{where} ({ident})" if ident else where


def _check_sizes(errors: _Errors, order: int, where: str, ident: str, name: str, code) -> None:
    label = _label(where, ident)
    if len(ident) > _ID_MAX:
        errors.add(order, f"{label}: the id is longer than {_ID_MAX} characters")
    if "/" in ident:
        # Paths are "/root/.../self": a slash inside an id would split it in two.
        errors.add(order, f"{label}: the id must not contain '/'")
    if len(name) > _NAME_MAX:
        errors.add(order, f"{label}: the name is longer than {_NAME_MAX} characters")
    if code and len(code) > _CODE_MAX:
        errors.add(order, f"{label}: the code is longer than {_CODE_MAX} characters")


# --- reading and decoding ---------------------------------------------------


def _read_bytes(source: str | os.PathLike | IO | bytes) -> bytes:
    if isinstance(source, bytes):
        return source
    if isinstance(source, str | os.PathLike):
        return Path(source).read_bytes()
    data = source.read()
    # A text stream was decoded by someone else already; keep what they read.
    return data.encode("utf-8") if isinstance(data, str) else data


def _decode(data: bytes) -> str:
    """UTF-8 text, with a UTF-8 byte-order mark (as Excel writes it) dropped.

    Anything else is refused with the line and byte offset of the first bad
    byte: guessing a legacy encoding would silently mangle accented names.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise OrgUnitImportError(
            ["line 1: the file is UTF-16, not UTF-8; save it as UTF-8 (in Excel: CSV UTF-8)"]
        )
    skipped = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        return data[skipped:].decode("utf-8")
    except UnicodeDecodeError as error:
        offset = skipped + error.start
        line = data.count(b"\n", 0, offset) + 1
        raise OrgUnitImportError(
            [
                f"line {line}: byte 0x{data[offset]:02X} at offset {offset} is not UTF-8; "
                "save the file as UTF-8 (in Excel: CSV UTF-8)"
            ]
        ) from None


def _is_json(text: str, filename: str | None) -> bool:
    """The extension decides when it is .json or .csv; otherwise the content does."""
    suffix = Path(filename or "").suffix.lower()
    if suffix in (".json", ".csv"):
        return suffix == ".json"
    return text.lstrip().startswith(("{", "["))


# --- CSV --------------------------------------------------------------------


def _parse_csv(text: str, errors: _Errors) -> tuple[dict[str, _Unit], dict[str, _Group]]:
    first_line = text.split("\n", 1)[0]
    # Excel in French (and many other) locales writes ";" between values.
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    columns = _csv_header(reader)
    width = len(columns)
    units: dict[str, _Unit] = {}
    line = reader.line_num + 1  # where the next record starts
    try:
        for row in reader:
            # Quoted values may span lines: a record is reported by its first line.
            where, order, line = f"line {line}", line, reader.line_num + 1
            if not any(value.strip() for value in row):
                continue
            if len(row) > width:
                errors.add(
                    order,
                    f"{where}: {len(row)} values but the header has {width} columns "
                    "(a value containing a comma must be in double quotes)",
                )
                continue
            padded = [v.strip() for v in row] + [""] * (width - len(row))
            values = dict(zip(columns, padded, strict=True))
            _add_unit(
                units,
                errors,
                _Unit(
                    id=values["id"],
                    name=values["name"],
                    code=values.get("code") or None,
                    parent_id=values["parent"] or None,
                    where=where,
                    order=order,
                ),
            )
    except csv.Error as error:
        errors.add(line, f"line {reader.line_num}: unreadable CSV: {error}")
    return units, {}


def _csv_header(reader) -> list[str]:
    """The header's column names, lower-cased; the CSV must name id, name and parent."""
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise OrgUnitImportError([f"line 1: unreadable CSV: {error}"]) from None
    if header is None or not any(h.strip() for h in header):
        raise OrgUnitImportError(
            [f"line 1: the file is empty; the first line must be {','.join(CSV_COLUMNS)}"]
        )
    columns = [h.strip().lower() for h in header]
    expected = ",".join(CSV_COLUMNS)
    # `code` may be left out: many hierarchies have no codes.
    missing = [c for c in CSV_COLUMNS if c not in columns and c != "code"]
    if len(missing) == 3:
        raise OrgUnitImportError(
            [f"line 1: no header row; the first line must be {expected} (found {','.join(header)})"]
        )
    if missing:
        raise OrgUnitImportError(
            [f"line 1: missing column(s) {', '.join(missing)}; the header must be {expected}"]
        )
    repeated = sorted({c for c in columns if c and columns.count(c) > 1})
    if repeated:
        raise OrgUnitImportError([f"line 1: column(s) {', '.join(repeated)} appear twice"])
    return columns


def _add_unit(units: dict[str, _Unit], errors: _Errors, unit: _Unit) -> None:
    """Keep a parsed unit, or record why not. A unit with an empty name is still
    kept (its id is known), so its children do not also report a missing parent."""
    if not unit.id:
        errors.add(unit.order, f"{unit.where}: the id is empty")
        return
    label = _label(unit.where, unit.id)
    if unit.id in units:
        errors.add(
            unit.order,
            f"{label}: the id {unit.id} appears twice (first at {units[unit.id].where})",
        )
        return
    if not unit.name:
        errors.add(unit.order, f"{label}: the name is empty")
    _check_sizes(errors, unit.order, unit.where, unit.id, unit.name, unit.code)
    units[unit.id] = unit


# --- DHIS2 metadata JSON ----------------------------------------------------


def _parse_dhis2(text: str, errors: _Errors) -> tuple[dict[str, _Unit], dict[str, _Group]]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise OrgUnitImportError(
            [f"line {error.lineno}, column {error.colno}: invalid JSON: {error.msg}"]
        ) from None
    if not isinstance(document, dict) or not (
        "organisationUnits" in document or "organisationUnitGroups" in document
    ):
        raise OrgUnitImportError(
            [
                "/: expected DHIS2 metadata: an object with organisationUnits "
                "and/or organisationUnitGroups lists"
            ]
        )
    units: dict[str, _Unit] = {}
    for index, entry in _entries(document, "organisationUnits", errors):
        where = f"/organisationUnits/{index}"
        parent, parent_id = entry.get("parent"), ""
        if isinstance(parent, dict):
            parent_id = _json_text(parent.get("id"), f"{where}/parent/id", errors, index)
        elif parent is not None:
            errors.add(index, f'{where}/parent: expected an object like {{"id": "..."}}')
        level = entry.get("level")
        if level is not None and (not isinstance(level, int) or isinstance(level, bool)):
            errors.add(index, f"{where}/level: expected a whole number, got {level!r}")
            level = None
        _add_unit(
            units,
            errors,
            _Unit(
                id=_json_text(entry.get("id"), f"{where}/id", errors, index),
                name=_json_text(entry.get("name"), f"{where}/name", errors, index),
                code=_json_text(entry.get("code"), f"{where}/code", errors, index) or None,
                parent_id=parent_id or None,
                where=where,
                order=index,
                level=level,
            ),
        )
    # Groups come after the units in reading order, whatever their index.
    offset = len(document.get("organisationUnits") or ())
    groups: dict[str, _Group] = {}
    for index, entry in _entries(document, "organisationUnitGroups", errors):
        _add_group(groups, errors, entry, f"/organisationUnitGroups/{index}", offset + index)
    return units, groups


def _entries(document: dict, key: str, errors: _Errors) -> Iterable[tuple[int, dict]]:
    entries = document.get(key)
    if entries is None:
        return
    if not isinstance(entries, list):
        errors.add(0, f"/{key}: expected a list")
        return
    for index, entry in enumerate(entries):
        if isinstance(entry, dict):
            yield index, entry
        else:
            errors.add(index, f"/{key}/{index}: expected an object, got {entry!r:.40}")


def _json_text(value: Any, pointer: str, errors: _Errors, order: int) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    errors.add(order, f"{pointer}: expected text, got {value!r:.40}")
    return ""


def _add_group(groups: dict[str, _Group], errors: _Errors, entry: dict, where: str, order: int):
    ident = _json_text(entry.get("id"), f"{where}/id", errors, order)
    name = _json_text(entry.get("name"), f"{where}/name", errors, order)
    code = _json_text(entry.get("code"), f"{where}/code", errors, order) or None
    label = _label(where, ident)
    if not ident:
        errors.add(order, f"{where}: the group id is empty")
        return
    if ident in groups:
        errors.add(order, f"{label}: the group id appears twice (first at {groups[ident].where})")
        return
    if not name:
        errors.add(order, f"{label}: the group name is empty")
    _check_sizes(errors, order, where, ident, name, code)
    group = _Group(id=ident, name=name, code=code, where=where, order=order)
    members = entry.get("organisationUnits") or []
    if not isinstance(members, list):
        errors.add(order, f"{where}/organisationUnits: expected a list")
        members = []
    for position, member in enumerate(members):
        pointer = f"{where}/organisationUnits/{position}"
        member_id = _json_text(
            member.get("id") if isinstance(member, dict) else None, f"{pointer}/id", errors, order
        )
        if not member_id:
            errors.add(order, f'{pointer}: expected a unit like {{"id": "..."}}')
        else:
            group.members.setdefault(member_id, pointer)
    groups[ident] = group


# --- checking the hierarchy -------------------------------------------------


def _resolve_paths(parents: dict[str, str | None]) -> tuple[dict[str, str | None], list]:
    """Every unit's path, and the cycles found on the way.

    `parents` is the hierarchy as it will be after the import (the database's,
    overridden by the file). A unit in a cycle, under one, or under an unknown
    parent gets None. Each unit is walked once, so this is linear in the units.
    """
    paths: dict[str, str | None] = {}
    cycles: list[list[str]] = []
    for start in parents:
        chain: list[str] = []
        on_chain: set[str] = set()
        node = start
        broken = False
        while node is not None and node not in paths:
            if node in on_chain:
                cycles.append(chain[chain.index(node) :])
                broken = True
                break
            if node not in parents:  # an unknown parent, reported by the caller
                broken = True
                break
            on_chain.add(node)
            chain.append(node)
            node = parents[node]
        base = None if broken else ("" if node is None else paths[node])
        for unit_id in reversed(chain):
            base = None if base is None else f"{base}/{unit_id}"
            paths[unit_id] = base
    return paths, cycles


def _cycle_message(cycle: list[str], units: dict[str, _Unit]) -> tuple[int, str]:
    # Start from the unit that comes first in the file so the message is stable.
    in_file = [u for u in cycle if u in units]
    first = min(in_file, key=lambda u: units[u].order)
    start = cycle.index(first)
    ordered = cycle[start:] + cycle[:start]
    if len(ordered) == 1:
        return units[first].order, (
            f"{_label(units[first].where, first)}: cycle {first} → {first}: "
            "a unit cannot be its own parent"
        )
    where = ", ".join(
        f"{u} at {units[u].where}" if u in units else f"{u} in the database" for u in ordered
    )
    chain = " → ".join([*ordered, ordered[0]])
    return units[first].order, (
        f"{units[first].where}: cycle {chain} ({where}): a unit cannot be its own ancestor"
    )


@dataclass
class _Plan:
    """A checked import: the file's units and groups and the database as it is."""

    format: str
    units: dict[str, _Unit]
    groups: dict[str, _Group]
    existing: dict[str, Any]  # id -> row of the current org_units
    paths: dict[str, str | None]


def _check(fmt: str, units: dict[str, _Unit], groups: dict[str, _Group], errors: _Errors):
    # One read of the whole hierarchy: paths of moved units' descendants, unknown
    # parents, cycles through the database and group members are all answered from it.
    existing = {
        row.id: row
        for row in db.session.execute(
            select(
                _UNITS.c.id,
                _UNITS.c.name,
                _UNITS.c.code,
                _UNITS.c.parent_id,
                _UNITS.c.level,
                _UNITS.c.path,
                _UNITS.c.search_key,
            )
        )
    }
    parents: dict[str, str | None] = {uid: row.parent_id for uid, row in existing.items()}
    parents.update({uid: unit.parent_id for uid, unit in units.items()})

    for uid, unit in units.items():
        if unit.parent_id and unit.parent_id not in parents:
            errors.add(
                unit.order,
                f"{_label(unit.where, uid)}: the parent {unit.parent_id} is neither in the file "
                "nor in the database",
            )
    paths, cycles = _resolve_paths(parents)
    for cycle in cycles:
        errors.add(*_cycle_message(cycle, units))
    for uid, unit in units.items():
        path = paths.get(uid)
        if path is None:
            continue
        if len(path) > _PATH_MAX:
            errors.add(unit.order, f"{_label(unit.where, uid)}: the hierarchy is too deep")
        level = path.count("/")
        if unit.level is not None and unit.level != level:
            errors.add(
                unit.order,
                f"{_label(unit.where, uid)}: level {unit.level} in the file, but its parents "
                f"put it at level {level}",
            )
    for group in groups.values():
        for member_id, pointer in group.members.items():
            if member_id not in parents:
                errors.add(
                    group.order,
                    f"{pointer} (group {group.id}): the unit {member_id} is neither in the file "
                    "nor in the database",
                )
    errors.raise_if_any()
    return _Plan(fmt, units, groups, existing, paths)


# --- writing ----------------------------------------------------------------


_UNIT_FIELDS = ("name", "code", "parent_id", "level", "path", "search_key")


def _unit_rows(plan: _Plan, report: ImportReport) -> tuple[list[dict], list[dict]]:
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
            }
        else:  # not in the file: only its place can change, with an ancestor's
            values = {"name": row.name, "code": row.code, "parent_id": row.parent_id}
            values["search_key"] = row.search_key
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


def _write_groups(plan: _Plan, report: ImportReport) -> None:
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
        elif current[group.id] != (group.name, group.code):
            changed.append({"key": group.id, "name": group.name, "code": group.code})
    report.groups_new = len(inserts)
    if inserts:
        db.session.execute(insert(_GROUPS), inserts)
    if changed:
        db.session.execute(update(_GROUPS).where(_GROUPS.c.id == bindparam("key")), changed)

    # A group's members are the file's list: added and dropped members both follow it.
    had = {
        (row.group_id, row.org_unit_id)
        for row in db.session.execute(
            select(group_members).where(group_members.c.group_id.in_(ids))
        )
    }
    wanted = {(g.id, member) for g in plan.groups.values() for member in g.members}
    added, removed = wanted - had, had - wanted
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


def _write(plan: _Plan) -> ImportReport:
    report = ImportReport(format=plan.format)
    inserts, updates = _unit_rows(plan, report)
    try:
        if inserts:
            db.session.execute(insert(_UNITS), inserts)
        if updates:
            db.session.execute(update(_UNITS).where(_UNITS.c.id == bindparam("key")), updates)
        _write_groups(plan, report)
        if report.moved_ids:
            _refresh_coverage_districts(report.moved_ids)
        if updates:  # a district renamed or moved: partners are found by its name
            from portal.partners import search as partner_search

            partner_search.refresh()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return report


def _refresh_coverage_districts(moved: set[str]) -> None:
    """Coverage of a unit that moved may now lie in another district."""
    from portal.models import Coverage
    from portal.partners.records import district_id_of

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
    text = _decode(_read_bytes(path_or_stream))
    errors = _Errors()
    if _is_json(text, filename):
        fmt, (units, groups) = "dhis2", _parse_dhis2(text, errors)
    else:
        fmt, (units, groups) = "csv", _parse_csv(text, errors)
    if not units and not groups and not errors:
        errors.add(0, "the file lists no organisation units")
    plan = _check(fmt, units, groups, errors)
    return _write(plan)


# --- finding units ----------------------------------------------------------


def search(query: str, limit: int = 20, level: int | None = None) -> list[OrgUnit]:
    """Units whose name contains every word of `query` (any case or accents, any
    part of a word), at any level or at `level`, broadest first, then by name
    (ignoring case and accents).

    One query, however many units match. Folding strips punctuation, so the
    words carry no LIKE wildcards. An empty query finds nothing unless a level
    is given, in which case it lists that level.
    """
    words = fold(query).split()
    if not words and level is None:
        return []
    statement = select(OrgUnit)
    for word in words:
        statement = statement.where(OrgUnit.search_key.like(f"%{word}%"))
    if level is not None:
        statement = statement.where(OrgUnit.level == level)
    # search_key orders names as people read them, the same on SQLite and PostgreSQL
    # (ignoring case and accents: "Île" sorts with the I's, not after the Z's).
    statement = statement.order_by(OrgUnit.level, OrgUnit.search_key, OrgUnit.id).limit(limit)
    return list(db.session.scalars(statement))


def ancestors_by_id(units: Iterable[OrgUnit]) -> dict[str, list[OrgUnit]]:
    """Each unit's ancestors, root first (country, province, district, ...), in one
    query for all of them: the ids are read off the units' paths."""
    units = list(units)
    wanted = {ancestor for unit in units for ancestor in unit.ancestor_ids}
    found: dict[str, OrgUnit] = {}
    if wanted:
        found = {
            unit.id: unit
            for unit in db.session.scalars(select(OrgUnit).where(OrgUnit.id.in_(wanted)))
        }
    return {unit.id: [found[a] for a in unit.ancestor_ids if a in found] for unit in units}


def district_of(unit: OrgUnit, ancestors: Iterable[OrgUnit]) -> OrgUnit | None:
    """The district `unit` lies in (itself if it is one), from its ancestors as
    `ancestors_by_id` gives them; None above district level. Which level counts
    as a district differs between countries: ORGUNIT_DISTRICT_LEVEL says."""
    district_level = current_app.config.get("ORGUNIT_DISTRICT_LEVEL", 3)
    if unit.level == district_level:
        return unit
    return next((a for a in ancestors if a.level == district_level), None)
