"""Adding partners and their focal points."""

from __future__ import annotations

from datetime import date

from flask import current_app

from portal.extensions import db
from portal.models import Partner, User
from portal.services import DomainError, audit
from portal.services.accreditations import default_template, open_accreditation
from portal.services.mail import external_url, queue_email
from portal.services.passwords import issue_token


def invite(user: User, template: str = "invitation") -> None:
    """Queue a one-time link for `user` to set a password (callers commit)."""
    raw = issue_token(user)
    queue_email(
        [user.email],
        template,
        f"Your invitation to the {current_app.config['PROGRAMME_NAME']} portal",
        user=user,
        link=external_url("auth.set_password", token=raw),
    )


def add_partner(
    actor: User, *, name: str, acronym: str, focal_name: str, focal_email: str
) -> Partner:
    """Create a partner, its focal-point user and accreditation, and invite the focal point."""
    name, acronym = name.strip(), (acronym or "").strip() or None
    focal_email = focal_email.strip().lower()
    if db.session.scalar(db.select(User.id).filter_by(email=focal_email)):
        raise DomainError("Someone already uses this email address.", field="focal_email")

    partner = Partner(name=name, acronym=acronym)
    focal = User(email=focal_email, name=focal_name.strip(), role="partner", partner=partner)
    db.session.add_all([partner, focal])
    db.session.flush()
    audit.record(
        actor,
        "partner_created",
        partner,
        partner_id=partner.id,
        changes=audit.created(partner, ["name", "acronym", "status"]),
    )
    audit.record(
        actor,
        "user_created",
        focal,
        partner_id=partner.id,
        changes=audit.created(focal, ["email", "name", "role"]),
    )
    if template := default_template():
        open_accreditation(actor, partner, template, date.today())
    invite(focal)
    db.session.commit()
    return partner
