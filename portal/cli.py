"""Flask commands: create-admin, seed-demo, outbox deliver,
reminders send."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import func
from sqlalchemy.exc import OperationalError

from portal.extensions import db
from portal.models import OutboxEmail, User


def register(app: Flask) -> None:
    @app.cli.command("create-admin")
    @click.option("--email", prompt=True)
    @click.option("--name", prompt=True)
    @click.password_option(envvar="ADMIN_PASSWORD")
    def create_admin(email: str, name: str, password: str) -> None:
        """Create an administrator."""
        from email_validator import EmailNotValidError, validate_email

        from portal.services import audit
        from portal.services.passwords import MIN_PASSWORD_LENGTH, hash_password

        try:
            email = validate_email(email, check_deliverability=False).normalized.lower()
        except EmailNotValidError as error:
            raise click.BadParameter(str(error), param_hint="--email") from None
        if len(password) < MIN_PASSWORD_LENGTH:
            raise click.BadParameter(f"use at least {MIN_PASSWORD_LENGTH} characters")
        if db.session.scalar(db.select(User.id).filter_by(email=email)):
            raise click.ClickException(f"{email} already has an account.")
        user = User(email=email, name=name, role="admin", password_hash=hash_password(password))
        db.session.add(user)
        audit.record(
            None,
            "user_created",
            user,
            partner_id=None,
            changes=audit.created(user, ["email", "name", "role"]),
        )
        db.session.commit()
        click.echo(f"Administrator {email} created.")

    @app.cli.command("seed-demo")
    def seed_demo() -> None:
        """Load the demo partners, template and accreditations (safe to run twice)."""
        from portal import demo

        click.echo("Demo data loaded." if demo.load() else "Demo data already present.")
        click.echo("Demo logins (email / password):")
        for email, password, who in demo.logins():
            click.echo(f"  {email:<26} {password}   ({who})")

    outbox = AppGroup("outbox", help="The email outbox.")

    @outbox.command("deliver")
    @click.option("--loop", is_flag=True, help="Keep running; stop on SIGTERM or Ctrl-C.")
    @click.option("--batch", type=click.IntRange(min=1), help="Emails claimed at a time.")
    def deliver(loop: bool, batch: int | None) -> None:
        """Send the email that is due; failed email waits out its back-off and is
        retried on a later run. Several workers may run at once."""
        from portal.services.outbox import deliver_pending, worker_id

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
        idle = current_app.config["OUTBOX_IDLE_SECONDS"]
        while not stop.is_set():
            try:
                result = deliver_pending(worker=worker, batch=batch, stop=stop)
            except OperationalError as error:
                # The database is restarting or unreachable: a worker outlives that.
                # What it had claimed comes back to it (or another) when the lease ends.
                click.echo(f"Database unavailable, trying again: {error.orig}", err=True)
                result = None
            finally:
                db.session.remove()  # nothing cached between passes
            if result is not None and result.claimed:
                _report(result)
            else:
                stop.wait(idle)
        click.echo("Stopped.")

    def _report(result) -> None:
        click.echo(f"Sent {result.sent}, failed {result.failed}.")
        for email_id, error in result.errors:
            click.echo(f"  email {email_id}: {error}")
        if result.given_up:
            click.echo(f"{result.given_up} email(s) used their last attempt: see the Email log.")

    def _stop_on_signals():
        """An event set by SIGTERM or SIGINT: the worker finishes the email it is
        sending, gives back the rest of its batch and exits."""
        import signal
        import threading

        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        return stop

    app.cli.add_command(outbox)

    reminders = AppGroup("reminders", help="Reminders, due reports and daily digests.")

    @reminders.command("send")
    @click.option(
        "--today",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        help="Act as if it were this day (YYYY-MM-DD); default: today (UTC).",
    )
    def send_reminders(today) -> None:
        """Deadline reminders to partners, review and sign-off reminders to staff,
        the progress reports due, and the daily digests. Run it daily from cron;
        running it again the same day sends nothing twice."""
        from portal.services.reminders import run

        for line in run(today.date() if today else None).lines():
            click.echo(line)

    app.cli.add_command(reminders)
