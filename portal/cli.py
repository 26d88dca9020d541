"""Flask commands: create-admin, seed-demo, outbox deliver, deadlines notify."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import func

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
    def deliver() -> None:
        """Send pending email; failed email is retried on the next run."""
        from portal.services.outbox import deliver_pending

        if not current_app.config["MAIL_SERVER"]:
            waiting = db.session.scalar(db.select(func.count()).where(OutboxEmail.status != "sent"))
            click.echo(f"No MAIL_SERVER configured; {waiting} email(s) wait in the Email log.")
            return
        result = deliver_pending()
        click.echo(f"Sent {result.sent}, failed {result.failed}.")

    app.cli.add_command(outbox)

    deadlines = AppGroup("deadlines", help="Partners' deadlines.")

    @deadlines.command("notify")
    def notify_deadlines() -> None:
        """Notify partners of documents due in 7 days, tomorrow, or overdue since
        today (run daily; a second run the same day notifies nobody twice)."""
        from portal.models import utcnow
        from portal.services.deadline_reminders import notify_due_deadlines

        made = notify_due_deadlines(utcnow().date())
        click.echo(f"{made} deadline notification(s) made.")

    app.cli.add_command(deadlines)
