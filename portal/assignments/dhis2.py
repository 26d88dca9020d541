"""The `dataSets` of a DHIS2 metadata export (the same `/api/metadata` JSON the
org units come from), read and written like the org units: every problem
located by its JSON pointer ("/dataSets/3/periodType"), nothing written unless
the whole file is clean, re-imports matched by uid and updated in place."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import bindparam, insert, select, update

from portal.assignments.models import DataSet
from portal.core.extensions import db
from portal.orgunits.errors import LocatedErrors, located

# A DHIS2 uid: a letter, then ten letters or digits.
UID = re.compile(r"^[A-Za-z][A-Za-z0-9]{10}$")
# DHIS2's period types (PeriodTypeEnum), so a typo is caught at import.
PERIOD_TYPES = {
    "Daily",
    "Weekly",
    "WeeklyWednesday",
    "WeeklyThursday",
    "WeeklyFriday",
    "WeeklySaturday",
    "WeeklySunday",
    "BiWeekly",
    "Monthly",
    "BiMonthly",
    "Quarterly",
    "QuarterlyNov",
    "SixMonthly",
    "SixMonthlyApril",
    "SixMonthlyNov",
    "Yearly",
    "FinancialFeb",
    "FinancialApril",
    "FinancialJuly",
    "FinancialAug",
    "FinancialSep",
    "FinancialOct",
    "FinancialNov",
}
_TABLE = DataSet.__table__
_SIZES = {
    name: _TABLE.c[column].type.length
    for name, column in (("name", "name"), ("shortName", "short_name"), ("code", "code"))
}
_FIELDS = ("name", "short_name", "code", "period_type")


@dataclass
class FileDataSet:
    id: str
    name: str
    short_name: str | None
    code: str | None
    period_type: str | None
    where: str


def parse_data_sets(document: dict, errors: LocatedErrors, offset: int) -> dict[str, FileDataSet]:
    """The file's data sets by uid; `offset` places their errors after the units'."""
    entries = document.get("dataSets")
    if entries is None:
        return {}
    if not isinstance(entries, list):
        errors.add(offset, "/dataSets: expected a list")
        return {}
    found: dict[str, FileDataSet] = {}
    for index, entry in enumerate(entries):
        where, order = f"/dataSets/{index}", offset + index
        if not isinstance(entry, dict):
            errors.add(order, f"{where}: expected an object, got {entry!r:.40}")
            continue
        text = {
            key: _text(entry.get(key), f"{where}/{key}", errors, order)
            for key in ("id", "name", "shortName", "code", "periodType")
        }
        ident, label = text["id"], located(where, text["id"])
        if not ident:
            errors.add(order, f"{where}/id: the data set's uid is empty")
            continue
        if not UID.match(ident):
            errors.add(
                order,
                f"{where}/id: {ident!r:.40} is not a DHIS2 uid "
                "(a letter, then 10 letters or digits)",
            )
            continue
        if ident in found:
            errors.add(order, f"{label}: the uid appears twice (first at {found[ident].where})")
            continue
        if not text["name"]:
            errors.add(order, f"{where}/name: the data set's name is empty")
        for key, size in _SIZES.items():
            if len(text[key]) > size:
                errors.add(order, f"{where}/{key}: longer than {size} characters")
        period = text["periodType"]
        if period and period not in PERIOD_TYPES:
            errors.add(order, f"{where}/periodType: {period!r:.40} is not a DHIS2 period type")
        found[ident] = FileDataSet(
            id=ident,
            name=text["name"],
            short_name=text["shortName"] or None,
            code=text["code"] or None,
            period_type=period or None,
            where=where,
        )
    return found


def _text(value, pointer: str, errors: LocatedErrors, order: int) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    errors.add(order, f"{pointer}: expected text, got {value!r:.40}")
    return ""


def write_data_sets(data_sets: dict[str, FileDataSet]) -> tuple[int, int, int]:
    """Insert new and update changed data sets (a handful of statements); returns
    (new, updated, unchanged). Data sets missing from the file are left alone."""
    if not data_sets:
        return 0, 0, 0
    current = {
        row.id: tuple(getattr(row, f) for f in _FIELDS)
        for row in db.session.execute(
            select(_TABLE.c.id, *(_TABLE.c[f] for f in _FIELDS)).where(
                _TABLE.c.id.in_(list(data_sets))
            )
        )
    }
    inserts, updates, unchanged = [], [], 0
    for item in data_sets.values():
        values = {f: getattr(item, f) for f in _FIELDS}
        if item.id not in current:
            inserts.append({"id": item.id, **values})
        elif current[item.id] != tuple(values.values()):
            updates.append({"key": item.id, **values})
        else:
            unchanged += 1
    if inserts:
        db.session.execute(insert(_TABLE), inserts)
    if updates:
        db.session.execute(update(_TABLE).where(_TABLE.c.id == bindparam("key")), updates)
    return len(inserts), len(updates), unchanged
