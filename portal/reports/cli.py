"""`flask reports send-due`: only the progress-report part of the daily run."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.core.clock import local_today
from portal.reports.sending import send_due_reports

reports = AppGroup("reports", help="Progress reports.")


@reports.command("send-due")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None)
def send_due(today) -> None:
    """Queue the progress reports that are due (run daily from cron; safe to repeat)."""
    count = send_due_reports(today.date() if today else local_today())
    click.echo(f"Queued {count} progress report{'s' if count != 1 else ''}.")
