"""Checking the hierarchy a file describes against the one in the database:
parents neither in the file nor in the database, cycles (through the file, the
database or both), hierarchies too deep for a unit's path, levels the file
states that its parents contradict, and group members that exist nowhere.

A national hierarchy has tens of thousands of units, so the current hierarchy
is read in one query and every unit's path worked out in Python, linearly. What
passes is a `Plan`, which `importer` writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from portal.core.extensions import db
from portal.models import OrgUnit, OrgUnitGroup
from portal.orgunits.errors import LocatedErrors, located
from portal.orgunits.parsing import FileGroup, FileUnit

# The column's size (PostgreSQL rejects longer values, SQLite would not), checked
# up front with a located message rather than failing mid-write.
_PATH_MAX = OrgUnit.__table__.c.path.type.length

_UNITS = OrgUnit.__table__


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


def _cycle_message(cycle: list[str], units: dict[str, FileUnit]) -> tuple[int, str]:
    # Start from the unit that comes first in the file so the message is stable.
    in_file = [u for u in cycle if u in units]
    first = min(in_file, key=lambda u: units[u].order)
    start = cycle.index(first)
    ordered = cycle[start:] + cycle[:start]
    if len(ordered) == 1:
        return units[first].order, (
            f"{located(units[first].where, first)}: cycle {first} → {first}: "
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
class Plan:
    """A checked import: the file's units and groups and the database as it is."""

    format: str
    units: dict[str, FileUnit]
    groups: dict[str, FileGroup]
    existing: dict[str, Any]  # id -> row of the current org_units
    paths: dict[str, str | None]


def check(
    fmt: str, units: dict[str, FileUnit], groups: dict[str, FileGroup], errors: LocatedErrors
):
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
                _UNITS.c.closed_on,
            )
        )
    }
    parents: dict[str, str | None] = {uid: row.parent_id for uid, row in existing.items()}
    parents.update({uid: unit.parent_id for uid, unit in units.items()})

    for uid, unit in units.items():
        if unit.parent_id and unit.parent_id not in parents:
            errors.add(
                unit.order,
                f"{located(unit.where, uid)}: the parent {unit.parent_id} is neither in the file "
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
            errors.add(unit.order, f"{located(unit.where, uid)}: the hierarchy is too deep")
        level = path.count("/")
        if unit.level is not None and unit.level != level:
            errors.add(
                unit.order,
                f"{located(unit.where, uid)}: level {unit.level} in the file, but its parents "
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
    _check_groups_named_by_units(groups, errors)
    errors.raise_if_any()
    return Plan(fmt, units, groups, existing, paths)


def _check_groups_named_by_units(groups: dict[str, FileGroup], errors: LocatedErrors) -> None:
    """A group a unit lists but the file does not describe must be in the database
    already, unless the unit gave its name too (then it is created)."""
    unnamed = [g for g in groups.values() if not g.complete and not g.name]
    if not unnamed:
        return
    known = set(
        db.session.scalars(
            select(OrgUnitGroup.id).where(OrgUnitGroup.id.in_([g.id for g in unnamed]))
        )
    )
    for group in unnamed:
        if group.id not in known:
            errors.add(
                group.order,
                f"{group.where}: the group {group.id} is neither in the file nor in the database",
            )
