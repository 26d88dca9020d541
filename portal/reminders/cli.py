"""`flask reminders send`: the daily run (cron)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.reminders.daily import run

reminders = AppGroup("reminders", help="Reminders, due reports and daily digests.")


@reminders.command("send")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Act as if it were this day (YYYY-MM-DD); default: the programme's today (TIMEZONE).",
)
def send_reminders(today) -> None:
    """Deadline reminders to partners, review and sign-off reminders to staff,
    the feedback survey's reminder, the progress reports due, and the daily
    digests. Run it daily from cron; running it again the same day sends
    nothing twice."""
    for line in run(today.date() if today else None).lines():
        click.echo(line)
