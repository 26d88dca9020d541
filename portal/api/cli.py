"""`flask api publish`: the computed figures the API serves (KPI values, survey
figures), brought up to date. Run it daily; a second run changes nothing."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.core.clock import local_today
from portal.kpis.published import publish
from portal.surveys.published import publish_survey_figures

api_commands = AppGroup("api", help="The read-only API's published figures.")


@api_commands.command("publish")
def publish_command() -> None:
    """Publish the KPI values and survey figures reporting tools read."""
    today = local_today()
    kpis, surveys = publish(today), publish_survey_figures(today)
    click.echo(f"{kpis} KPI value(s) and {surveys} survey figure(s) published or changed.")
