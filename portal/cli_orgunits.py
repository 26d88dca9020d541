"""`flask orgunits import FILE`: load or refresh the organisation-unit hierarchy
from a CSV file or a DHIS2 metadata export."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

orgunits = AppGroup("orgunits", help="Organisation units: the country's health hierarchy.")


@orgunits.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(file: Path) -> None:
    """Import units from FILE: CSV (id,name,code,parent) or DHIS2 metadata JSON.

    Units are matched by id, so importing again updates them. Nothing is
    written if the file has any error; the errors are listed with their line
    (CSV) or JSON pointer (JSON).
    """
    from portal.services.orgunits import OrgUnitImportError, import_file

    try:
        report = import_file(file, file.name)
    except OrgUnitImportError as error:
        click.echo(f"{file.name}: nothing imported; {error.error_count} error(s):", err=True)
        for line in error.errors:
            click.echo(f"  {line}", err=True)
        raise click.exceptions.Exit(1) from None
    click.echo(report.summary())


def register(app: Flask) -> None:
    """Add the `orgunits` commands to the app (safe to call twice)."""
    if "orgunits" not in app.cli.commands:
        app.cli.add_command(orgunits)
