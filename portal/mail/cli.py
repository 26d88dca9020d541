"""`flask outbox deliver`: the worker that sends what is in the outbox."""

from __future__ import annotations

import signal
import threading

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func

from portal.core.extensions import db
from portal.mail.delivery import deliver_pending, worker_id
from portal.mail.models import OutboxEmail
from portal.mail.worker import run

outbox = AppGroup("outbox", help="The email outbox.")


@outbox.command("deliver")
@click.option("--loop", is_flag=True, help="Keep running; stop on SIGTERM or Ctrl-C.")
@click.option("--batch", type=click.IntRange(min=1), help="Emails claimed at a time.")
def deliver(loop: bool, batch: int | None) -> None:
    """Send the email that is due; failed email waits out its back-off and is
    retried on a later run. Several workers may run at once."""
    if not current_app.config["MAIL_SERVER"]:
        waiting = db.session.scalar(db.select(func.count()).where(OutboxEmail.status != "sent"))
        click.echo(f"No MAIL_SERVER configured; {waiting} email(s) wait in the Email log.")
        return
    if not loop:
        _report(deliver_pending(batch=batch))
        return
    stop = _stop_on_signals()
    worker = worker_id()
    click.echo(f"Worker {worker} delivering; stop with SIGTERM or Ctrl-C.")
    run(worker, batch, stop, echo=click.echo, report=_report)
    click.echo("Stopped.")


def _report(result) -> None:
    click.echo(f"Sent {result.sent}, failed {result.failed}.")
    if result.server_down:
        click.echo(
            f"Mail server unavailable ({result.server_down}): {result.waiting} email(s) "
            "wait for the next run, no attempt used."
        )
    for email_id, error in result.errors:
        click.echo(f"  email {email_id}: {error}")
    if result.given_up:
        click.echo(f"{result.given_up} email(s) used their last attempt: see the Email log.")


def _stop_on_signals():
    """An event set by SIGTERM or SIGINT: the worker finishes the email it is
    sending, gives back the rest of its batch and exits."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    return stop
