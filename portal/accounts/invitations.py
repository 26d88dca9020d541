"""Invitations: a new login for someone at a partner, and the one-time link to
set a password, from the editable "invitation" or "welcome" email template; and
the same kind of link for someone who forgot their password."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext

from portal.accounts.models import User
from portal.accounts.passwords import issue_token
from portal.core import audit
from portal.core.extensions import db
from portal.mail.links import external_url
from portal.mail.queue import queue_email
from portal.models import Partner


def new_partner_user(actor: User, partner: Partner, *, name: str, email: str, role: str) -> User:
    """A login for someone at `partner`, audited and invited (callers commit)."""
    user = User(email=email, name=name, role="partner", partner_id=partner.id, partner_role=role)
    db.session.add(user)
    db.session.flush()
    audit.record(
        actor,
        "user_created",
        user,
        partner_id=partner.id,
        changes=audit.created(user, ["email", "name", "partner_role"]),
    )
    invite(user)
    return user


def invite(user: User, template: str = "invitation") -> None:
    """Queue a one-time link for `user` to set a password (callers commit), from
    the editable "invitation" or "welcome" template in their language."""
    link = external_url("auth.set_password", token=issue_token(user))
    queue_email(
        [user],
        template,
        invitation_fields(user, link),  # in their language (portal.core.i18n.recipient_language)
    )


def invitation_fields(
    user: User | None, link: str, *, partner: Partner | None = None, name: str = ""
) -> dict:
    """Fields of the editable "invitation" and "welcome" emails. The editor's
    preview passes an example link (it issues no token), and for a partner with
    no login yet, no user but the partner and the name to greet."""
    partner = user.partner if user is not None else partner
    return {
        "user_name": user.name if user is not None else name,
        "partner_name": partner.name if partner else "",
        "link": link,
        "hours": current_app.config["INVITATION_HOURS"],
        "login_email": user.email if user is not None else "",
    }


def send_reset_link(email: str) -> None:
    """Email a one-time link to set a new password to the active login with this
    email, if there is one; nothing else happens otherwise, so that the answer
    (the same either way) says nothing about who has a login."""
    user = db.session.scalar(db.select(User).filter_by(email=email.strip().lower()))
    if user is None or not user.active:
        return
    link = external_url("auth.set_password", token=issue_token(user))
    queue_email(
        [user],
        "password_reset",
        {"user": user, "link": link, "hours": current_app.config["INVITATION_HOURS"]},
        subject=lazy_gettext("Set a new password for the portal"),
    )
    audit.record(None, "password_reset_requested", user, partner_id=user.partner_id)
    db.session.commit()
