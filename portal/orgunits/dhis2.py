"""A DHIS2 metadata export (`/api/metadata` JSON with `organisationUnits`,
`organisationUnitGroups` and `organisationUnitLevels`) parsed into the units,
groups and level names it lists, every problem located by its JSON pointer
("/organisationUnits/11/parent/id").

A unit may list its own groups (`organisationUnit.organisationUnitGroups`, as the
DHIS2 API returns units): those memberships count as much as a group's own list.
A unit's `closedDate` marks it closed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from portal.orgunits.errors import LocatedErrors, OrgUnitImportError, located
from portal.orgunits.parsing import FileGroup, FileUnit, add_unit, check_sizes, closed_day


def load_dhis2(text: str) -> dict:
    """The metadata document, or a refusal saying where the JSON breaks."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise OrgUnitImportError(
            [f"line {error.lineno}, column {error.colno}: invalid JSON: {error.msg}"]
        ) from None
    if not isinstance(document, dict) or not (
        "organisationUnits" in document
        or "organisationUnitGroups" in document
        or "dataSets" in document
        or "organisationUnitLevels" in document
    ):
        raise OrgUnitImportError(
            [
                "/: expected DHIS2 metadata: an object with organisationUnits, "
                "organisationUnitGroups and/or dataSets lists"
            ]
        )
    return document


def parse_dhis2(
    text: str | dict, errors: LocatedErrors
) -> tuple[dict[str, FileUnit], dict[str, FileGroup]]:
    document = load_dhis2(text) if isinstance(text, str) else text
    units: dict[str, FileUnit] = {}
    embedded: dict[int, Any] = {}  # unit's index -> the groups it lists
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
        add_unit(
            units,
            errors,
            FileUnit(
                id=_json_text(entry.get("id"), f"{where}/id", errors, index),
                name=_json_text(entry.get("name"), f"{where}/name", errors, index),
                code=_json_text(entry.get("code"), f"{where}/code", errors, index) or None,
                parent_id=parent_id or None,
                where=where,
                order=index,
                level=level,
                closed_on=closed_day(entry.get("closedDate"), f"{where}/closedDate", errors, index),
            ),
        )
        embedded[index] = entry.get("organisationUnitGroups")
    # Groups come after the units in reading order, whatever their index.
    offset = len(document.get("organisationUnits") or ())
    groups: dict[str, FileGroup] = {}
    for index, entry in _entries(document, "organisationUnitGroups", errors):
        _add_group(groups, errors, entry, f"/organisationUnitGroups/{index}", offset + index)
    by_order = {unit.order: unit for unit in units.values()}
    for index, listed in embedded.items():
        if index in by_order and listed is not None:
            _add_memberships(groups, errors, by_order[index], listed)
    return units, groups


def _add_memberships(
    groups: dict[str, FileGroup], errors: LocatedErrors, unit: FileUnit, listed: Any
) -> None:
    """The groups a unit lists itself in: members of the file's groups, or of groups
    known only from here (`complete=False`: checked against the database later)."""
    where = f"{unit.where}/organisationUnitGroups"
    if not isinstance(listed, list):
        errors.add(unit.order, f"{where}: expected a list")
        return
    for position, entry in enumerate(listed):
        pointer = f"{where}/{position}"
        ident = _json_text(
            entry.get("id") if isinstance(entry, dict) else None,
            f"{pointer}/id",
            errors,
            unit.order,
        )
        if not ident:
            errors.add(unit.order, f'{pointer}: expected a group like {{"id": "..."}}')
            continue
        group = groups.get(ident)
        if group is None:
            name = _json_text(entry.get("name"), f"{pointer}/name", errors, unit.order)
            group = groups[ident] = FileGroup(
                id=ident, name=name, code=None, where=pointer, order=unit.order, complete=False
            )
        group.members.setdefault(unit.id, pointer)


def parse_levels(document: dict, errors: LocatedErrors) -> dict[int, str]:
    """The hierarchy's level names ({3: "District"}), where the export has them."""
    levels: dict[int, str] = {}
    for index, entry in _entries(document, "organisationUnitLevels", errors):
        where = f"/organisationUnitLevels/{index}"
        level, name = entry.get("level"), _json_text(entry.get("name"), f"{where}/name", errors, 0)
        if not isinstance(level, int) or isinstance(level, bool) or level < 1:
            errors.add(0, f"{where}/level: expected a whole number from 1, got {level!r:.40}")
        elif name:
            levels[level] = name
    return levels


def _entries(document: dict, key: str, errors: LocatedErrors) -> Iterable[tuple[int, dict]]:
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


def _json_text(value: Any, pointer: str, errors: LocatedErrors, order: int) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    errors.add(order, f"{pointer}: expected text, got {value!r:.40}")
    return ""


def _add_group(
    groups: dict[str, FileGroup], errors: LocatedErrors, entry: dict, where: str, order: int
):
    ident = _json_text(entry.get("id"), f"{where}/id", errors, order)
    name = _json_text(entry.get("name"), f"{where}/name", errors, order)
    code = _json_text(entry.get("code"), f"{where}/code", errors, order) or None
    label = located(where, ident)
    if not ident:
        errors.add(order, f"{where}: the group id is empty")
        return
    if ident in groups:
        errors.add(order, f"{label}: the group id appears twice (first at {groups[ident].where})")
        return
    if not name:
        errors.add(order, f"{label}: the group name is empty")
    check_sizes(errors, order, where, ident, name, code)
    group = FileGroup(id=ident, name=name, code=code, where=where, order=order)
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
