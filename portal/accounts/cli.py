"""`flask create-admin`: the first administrator of a new installation."""

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
