"""Finding organisation units: by what one types (the area picker), with their
ancestors, and which level of the hierarchy is the district."""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app, g
from sqlalchemy import select

from portal.core.clock import local_today
from portal.core.extensions import db
from portal.core.text import fold
from portal.models import OrgUnit, OrgUnitLevel

# What DHIS2 installations call the district level, folded (any case or accents).
DISTRICT_NAMES = {"district", "districts", "district de sante", "health district"}


def district_level() -> int:
    """The hierarchy's district level: the level the imported DHIS2 file names
    "District", else the ORGUNIT_DISTRICT_LEVEL setting. Read once per request."""
    if "district_level" not in g:
        named = sorted(
            level
            for level, name in db.session.execute(select(OrgUnitLevel.level, OrgUnitLevel.name))
            if fold(name) in DISTRICT_NAMES
        )
        g.district_level = named[0] if named else current_app.config["ORGUNIT_DISTRICT_LEVEL"]
    return g.district_level


def search(
    query: str, limit: int = 20, level: int | None = None, closed: bool = False
) -> list[OrgUnit]:
    """Units whose name contains every word of `query` (any case or accents, any
    part of a word), at any level or at `level`, broadest first, then by name
    (ignoring case and accents); closed units only if `closed`.

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
    if not closed:
        open_units = OrgUnit.closed_on.is_(None) | (OrgUnit.closed_on > local_today())
        statement = statement.where(open_units)
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
