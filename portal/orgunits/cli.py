"""`flask orgunits import FILE`: load or refresh the organisation-unit hierarchy
from a CSV file or a DHIS2 metadata export."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from portal.orgunits.errors import OrgUnitImportError
from portal.orgunits.importer import import_file

orgunits = AppGroup("orgunits", help="Organisation units: the country's health hierarchy.")


@orgunits.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(file: Path) -> None:
    """Import units from FILE: CSV (id,name,code,parent, or DHIS2's
    name,uid,code,parent,shortName) or DHIS2 metadata JSON
    (whose dataSets are imported too, for partners' data-set assignments).

    Units are matched by id, so importing again updates them. Nothing is
    written if the file has any error; the errors are listed with their line
    (CSV) or JSON pointer (JSON).
    """
    try:
        report = import_file(file, file.name)
    except OrgUnitImportError as error:
        click.echo(f"{file.name}: nothing imported; {error.error_count} error(s):", err=True)
        for line in error.errors:
            click.echo(f"  {line}", err=True)
        raise click.exceptions.Exit(1) from None
    click.echo(report.summary())
