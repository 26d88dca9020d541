"""`flask create-admin`: the first administrator of a new installation;
`flask export-permission`: who of the staff may take tables out of the portal."""

from __future__ import annotations

import click
from email_validator import EmailNotValidError, validate_email
from flask.cli import with_appcontext

from portal.accounts.models import User
from portal.accounts.passwords import MIN_PASSWORD_LENGTH, hash_password
from portal.core import audit
from portal.core.extensions import db


@click.command("create-admin")
@with_appcontext
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.password_option(envvar="ADMIN_PASSWORD")
def create_admin(email: str, name: str, password: str) -> None:
    """Create an administrator."""
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


@click.command("export-permission")
@with_appcontext
@click.argument("email")
@click.option("--revoke", is_flag=True, help="Take the permission away.")
@click.option("--reason", required=True, help="Why this person needs it (kept in the audit trail).")
def export_permission(email: str, revoke: bool, reason: str) -> None:
    """Give a staff member the permission to export tables (or take it away)."""
    user = db.session.scalar(db.select(User).filter_by(email=email.strip().lower()))
    if user is None or not user.is_staff:
        raise click.ClickException(f"{email} is not a staff member's account.")
    granted = not revoke
    before, user.can_export = user.can_export, granted
    audit.record(
        None,
        "export_permission_changed",
        user,
        partner_id=None,
        changes={"can_export": (before, granted)},
        reason=reason,
    )
    db.session.commit()
    click.echo(f"{user.email} {'may' if granted else 'may no longer'} export.")
