"""What an organisation-unit file says: the units and groups it lists, as
parsed from its text, before anything is compared with the database.

The file is read as bytes, decoded as UTF-8, told to be CSV or DHIS2 JSON, and
a CSV file (`id,name,code,parent`, or DHIS2's own CSV export
`name,uid,code,parent,shortName`, with `closedDate` where units closed) is parsed
here; a DHIS2 metadata export is parsed in `dhis2`, into the same `FileUnit`s
and `FileGroup`s. Every problem is added, located, to the `LocatedErrors` passed
in; the hierarchy they form is checked in `hierarchy`.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO

from portal.models import OrgUnit
from portal.orgunits.errors import LocatedErrors, OrgUnitImportError, located

CSV_COLUMNS = ("id", "name", "code", "parent")
# DHIS2's CSV export names its columns its own way (lower-cased here).
CSV_ALIASES = {"uid": "id", "closeddate": "closed"}

# Column sizes of the models: PostgreSQL rejects longer values (SQLite would not),
# so they are checked up front with a located message rather than failing mid-write.
_ID_MAX = OrgUnit.__table__.c.id.type.length
_NAME_MAX = OrgUnit.__table__.c.name.type.length
_CODE_MAX = OrgUnit.__table__.c.code.type.length


# --- what a file says -------------------------------------------------------


@dataclass
class FileUnit:
    id: str
    name: str
    code: str | None
    parent_id: str | None
    where: str  # "line 12" or "/organisationUnits/11", for messages
    order: int  # position in the file, so errors come out in reading order
    level: int | None = None  # as the file states it (DHIS2), checked against the hierarchy
    closed_on: date | None = None  # DHIS2's closedDate


@dataclass
class FileGroup:
    id: str
    name: str
    code: str | None
    where: str
    order: int
    members: dict[str, str] = field(default_factory=dict)  # unit id -> where it was listed
    # False for a group known only from units listing it (DHIS2's embedded
    # organisationUnitGroups): its other members are not in the file, so none is dropped.
    complete: bool = True


def closed_day(value, where: str, errors: LocatedErrors, order: int) -> date | None:
    """DHIS2's closedDate ("2019-03-01" or "2019-03-01T00:00:00.000"), or None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        errors.add(order, f"{where}: the closed date {value!r:.40} is not a date like 2019-03-01")
        return None


def check_sizes(errors: LocatedErrors, order: int, where: str, ident: str, name: str, code) -> None:
    label = located(where, ident)
    if len(ident) > _ID_MAX:
        errors.add(order, f"{label}: the id is longer than {_ID_MAX} characters")
    if "/" in ident:
        # Paths are "/root/.../self": a slash inside an id would split it in two.
        errors.add(order, f"{label}: the id must not contain '/'")
    if len(name) > _NAME_MAX:
        errors.add(order, f"{label}: the name is longer than {_NAME_MAX} characters")
    if code and len(code) > _CODE_MAX:
        errors.add(order, f"{label}: the code is longer than {_CODE_MAX} characters")


def add_unit(units: dict[str, FileUnit], errors: LocatedErrors, unit: FileUnit) -> None:
    """Keep a parsed unit, or record why not. A unit with an empty name is still
    kept (its id is known), so its children do not also report a missing parent."""
    if not unit.id:
        errors.add(unit.order, f"{unit.where}: the id is empty")
        return
    label = located(unit.where, unit.id)
    if unit.id in units:
        errors.add(
            unit.order,
            f"{label}: the id {unit.id} appears twice (first at {units[unit.id].where})",
        )
        return
    if not unit.name:
        errors.add(unit.order, f"{label}: the name is empty")
    check_sizes(errors, unit.order, unit.where, unit.id, unit.name, unit.code)
    units[unit.id] = unit


# --- reading and decoding ---------------------------------------------------


def read_bytes(source: str | os.PathLike | IO | bytes) -> bytes:
    if isinstance(source, bytes):
        return source
    if isinstance(source, str | os.PathLike):
        return Path(source).read_bytes()
    data = source.read()
    # A text stream was decoded by someone else already; keep what they read.
    return data.encode("utf-8") if isinstance(data, str) else data


def decode(data: bytes) -> str:
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


def is_json(text: str, filename: str | None) -> bool:
    """The extension decides when it is .json or .csv; otherwise the content does."""
    suffix = Path(filename or "").suffix.lower()
    if suffix in (".json", ".csv"):
        return suffix == ".json"
    return text.lstrip().startswith(("{", "["))


# --- CSV --------------------------------------------------------------------


def parse_csv(text: str, errors: LocatedErrors) -> tuple[dict[str, FileUnit], dict[str, FileGroup]]:
    first_line, _, rest = text.partition("\n")
    skipped = 0  # lines before the header, so that messages give the file's own lines
    if first_line.strip().lower().startswith("sep=") and len(first_line.strip()) == 5:
        # Excel's "sep=;" line names the separator of the lines that follow.
        delimiter, text, skipped = first_line.strip()[4], rest, 1
    else:
        # Excel in French (and many other) locales writes ";" between values.
        delimiter = ";" if ";" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    columns = _csv_header(reader, skipped + 1)
    width = len(columns)
    units: dict[str, FileUnit] = {}
    line = skipped + reader.line_num + 1  # where the next record starts
    try:
        for row in reader:
            # Quoted values may span lines: a record is reported by its first line.
            where, order, line = f"line {line}", line, skipped + reader.line_num + 1
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
            add_unit(
                units,
                errors,
                FileUnit(
                    id=values["id"],
                    name=values["name"],
                    code=values.get("code") or None,
                    parent_id=values["parent"] or None,
                    where=where,
                    order=order,
                    closed_on=closed_day(values.get("closed"), where, errors, order),
                ),
            )
    except csv.Error as error:
        errors.add(line, f"line {skipped + reader.line_num}: unreadable CSV: {error}")
    return units, {}


def _csv_header(reader, line: int = 1) -> list[str]:
    """The header's column names, lower-cased and DHIS2's renamed to ours (uid is
    id); the CSV must name id (or uid), name and parent."""
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise OrgUnitImportError([f"line {line}: unreadable CSV: {error}"]) from None
    if header is None or not any(h.strip() for h in header):
        raise OrgUnitImportError(
            [f"line {line}: the file is empty; the first line must be {','.join(CSV_COLUMNS)}"]
        )
    columns = [CSV_ALIASES.get(h.strip().lower(), h.strip().lower()) for h in header]
    expected = f"{','.join(CSV_COLUMNS)} (or DHIS2's name,uid,code,parent)"
    # `code` may be left out: many hierarchies have no codes.
    missing = [c for c in CSV_COLUMNS if c not in columns and c != "code"]
    if len(missing) == 3:
        raise OrgUnitImportError(
            [
                f"line {line}: no header row; the first line must be {expected} "
                f"(found {','.join(header)})"
            ]
        )
    if missing:
        raise OrgUnitImportError(
            [f"line {line}: missing column(s) {', '.join(missing)}; the header must be {expected}"]
        )
    repeated = sorted({c for c in columns if c and columns.count(c) > 1})
    if repeated:
        raise OrgUnitImportError([f"line {line}: column(s) {', '.join(repeated)} appear twice"])
    return columns
