"""A table to export, and how it is written as CSV and as XLSX.

Cells keep their type (numbers, days, times, yes/no) so a spreadsheet can sum
and sort them, and text never runs as a formula: a partner named
"=HYPERLINK(...)" stays text in both formats.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from werkzeug.datastructures import MultiDict

from portal.core.clock import local_time

KINDS = ("text", "int", "number", "percent", "date", "datetime", "bool")
# What a spreadsheet would start a formula (or a DDE call) with.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    title: str
    kind: str = "text"

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")


@dataclass
class Table:
    columns: Sequence[Column]
    rows: Iterable[Sequence]
    # What was asked for, for the audit trail ("overdue=1", "2026 Q3").
    filters: str = ""
    rows_written: int = field(default=0, init=False)


@dataclass(frozen=True)
class Export:
    name: str
    title: str
    build: Callable[[MultiDict], Table]


EXPORTS: dict[str, Export] = {}


def exportable(name: str, title: str):
    """Offer the table `build(args)` returns as the export `name` (in its URL)."""

    def register(build: Callable[[MultiDict], Table]):
        if name in EXPORTS:
            raise ValueError(f"two exports named {name!r}")
        EXPORTS[name] = Export(name, title, build)
        return build

    return register


def as_text(value) -> str:
    """A cell as CSV text: days and times in ISO form, yes/no, formulas defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return local_time(value).isoformat(timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(table: Table) -> bytes:
    """UTF-8 with a byte order mark: Excel then reads accents rightly."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(column.title for column in table.columns)
    for row in table.rows:
        writer.writerow(as_text(value) for value in row)
        table.rows_written += 1
    return buffer.getvalue().encode("utf-8")


_FORMATS = {"percent": "0.0%", "date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm"}


def write_xlsx(table: Table, sheet: str) -> bytes:
    """One sheet, typed cells, the header in bold and frozen above the rows."""
    book = Workbook(write_only=True)
    worksheet = book.create_sheet(sheet[:31])
    worksheet.freeze_panes = "A2"
    header = []
    for column in table.columns:
        cell = WriteOnlyCell(worksheet, value=column.title)
        cell.font = Font(bold=True)
        header.append(cell)
    worksheet.append(header)
    for row in table.rows:
        worksheet.append(
            [_xlsx_cell(worksheet, c, v) for c, v in zip(table.columns, row, strict=True)]
        )
        table.rows_written += 1
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(worksheet, column: Column, value) -> WriteOnlyCell:
    if isinstance(value, datetime):
        # Excel has no time zones: the programme's local time, as shown on the pages.
        value = local_time(value).replace(tzinfo=None)
    elif value is not None and column.kind == "text":
        value = str(value)
    cell = WriteOnlyCell(worksheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever it starts with
    if column.kind in _FORMATS:
        cell.number_format = _FORMATS[column.kind]
    return cell
