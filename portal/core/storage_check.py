"""`flask storage check`: the upload folder against the rows that name its files.

Finds files no row names (an upload whose worker died between storing the file
and committing its row), temporary files (a worker that died while writing),
rows whose file is missing, and files whose size or SHA-256 is no longer what
the row recorded. `--remove-orphans` deletes the first two kinds once they are
older than STORAGE_ORPHAN_HOURS; a younger one may be an upload in progress."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from portal.core.extensions import db
from portal.core.storage import LocalStorage, digest_of, is_temporary, storage
from portal.core.uploads import STORED_FILE_MODELS


@dataclass
class StoredRow:
    table: str
    id: int
    key: str
    size: int
    sha256: str

    def __str__(self) -> str:
        return f"{self.table} #{self.id} ({self.key})"


@dataclass
class StorageReport:
    files: int = 0
    rows: int = 0
    orphans: list[Path] = field(default_factory=list)  # files without rows
    temporary: list[Path] = field(default_factory=list)
    missing: list[StoredRow] = field(default_factory=list)  # rows without files
    mismatched: list[tuple[StoredRow, str]] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)

    @property
    def stray(self) -> list[Path]:
        """Files that no row needs: orphans and temporary files not yet removed."""
        return [p for p in self.orphans + self.temporary if p not in self.removed]

    @property
    def problems(self) -> int:
        return len(self.stray) + len(self.missing) + len(self.mismatched)


def _rows() -> dict[str, StoredRow]:
    rows = {}
    for model in STORED_FILE_MODELS:
        for id_, key, size, sha256 in db.session.execute(
            # Concern events and observations carry a file only when evidence
            # came with them (a confirmation holds none).
            db.select(model.id, model.storage_key, model.size, model.sha256).where(
                model.storage_key.is_not(None)
            )
        ):
            rows[key] = StoredRow(model.__tablename__, id_, key, size, sha256)
    return rows


def check_storage(store: LocalStorage | None = None) -> StorageReport:
    """Compare the folder with the rows; reads every file to verify its checksum."""
    store = store or storage()
    report = StorageReport()
    # Files first, rows second: a row committed meanwhile is seen, so a file being
    # uploaded right now is at worst a young orphan, never a false "missing".
    files = list(store.files())
    rows = _rows()
    report.files, report.rows = len(files), len(rows)
    for path in sorted(files):
        row = rows.get(path.name)
        if is_temporary(path):
            report.temporary.append(path)
        elif row is None or path != store.path(row.key):
            report.orphans.append(path)
    for row in rows.values():
        path = store.path(row.key)
        if not path.is_file():
            report.missing.append(row)
        elif (size := path.stat().st_size) != row.size:
            report.mismatched.append((row, f"{size} bytes, the row says {row.size}"))
        elif digest_of(path) != row.sha256:
            report.mismatched.append((row, "SHA-256 differs from the one recorded"))
    return report


def remove_stray(report: StorageReport, older_than_hours: float) -> None:
    """Delete orphans and temporary files last changed more than the given hours ago."""
    cutoff = time.time() - older_than_hours * 3600
    for path in report.orphans + report.temporary:
        try:
            if path.stat().st_mtime <= cutoff:
                path.unlink()
                report.removed.append(path)
        except FileNotFoundError:
            report.removed.append(path)  # gone already (its upload cleaned up)


storage_commands = AppGroup("storage", help="The upload folder.")


@storage_commands.command("check")
@click.option("--remove-orphans", is_flag=True, help="Delete files without rows and temp files.")
@click.option(
    "--older-than",
    type=click.FloatRange(min=0),
    default=None,
    help="Hours a stray file must be untouched before it is removed "
    "(default STORAGE_ORPHAN_HOURS, 24).",
)
def check(remove_orphans: bool, older_than: float | None) -> None:
    """Report files without rows, rows without files, checksum mismatches and
    temporary files; exit with status 1 while any remain."""
    report = check_storage()
    hours = current_app.config["STORAGE_ORPHAN_HOURS"] if older_than is None else older_than
    if remove_orphans:
        remove_stray(report, hours)
    click.echo(f"Checked {report.files} files against {report.rows} rows.")
    sections = (
        ("Files without rows", report.orphans, str),
        ("Temporary files", report.temporary, str),
        ("Rows without files", report.missing, str),
        ("Checksum mismatches", report.mismatched, lambda m: f"{m[0]}: {m[1]}"),
    )
    for title, items, show in sections:
        if items:
            click.echo(f"{title}: {len(items)}")
            for item in items:
                gone = " (removed)" if item in report.removed else ""
                click.echo(f"  {show(item)}{gone}")
    if remove_orphans:
        left = len(report.stray)
        click.echo(
            f"Removed {len(report.removed)} stray files"
            + (f"; {left} younger than {hours:g} h left alone." if left else ".")
        )
    if report.problems:
        click.echo(f"{report.problems} problems remain.")
        sys.exit(1)
    click.echo("No problems found.")
