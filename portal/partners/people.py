"""The people who log in for a partner: the focal point invites and deactivates
colleagues (editor: uploads and answers; viewer: reads); staff can override; a
leadership change hands the focal role to someone new. Nothing is deleted."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext, lazy_gettext

from portal.accounts.invitations import invite, new_partner_user
from portal.accounts.models import PARTNER_ROLES
from portal.core import audit
from portal.core.access import may_change_records, may_manage_partner, require
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.mail.queue import queue_email
from portal.models import Contact, Partner, User, utcnow
from portal.partners import search as partner_search
from portal.partners.status import notify_programme_team


def invite_colleague(
    actor: User, partner: Partner, *, name: str, email: str, role: str
) -> User | None:
    """Give a colleague a login with the chosen role and email them an invitation.

    An address with a login elsewhere (another partner, the programme team) is
    left as it is, and its owner is told instead; a partner's focal point gets
    the same answer as for a new address (None instead of the new login), so
    that inviting does not tell them who has a login where. Staff are told."""
    require(may_manage_partner(actor, partner))
    if partner.status == "closed":
        raise DomainError(gettext("%(partner)s is closed; reopen it first.", partner=partner.name))
    email = email.strip().lower()
    if role not in ("editor", "viewer"):
        raise DomainError(gettext("Choose editor or viewer."), field="role")
    existing = db.session.scalar(db.select(User).filter_by(email=email))
    if existing is not None and (existing.partner_id == partner.id or actor.is_staff):
        # Their own people are on their list; staff may know the rest.
        raise DomainError(gettext("Someone already uses this email address."), field="email")
    if existing is not None:
        _tell_the_existing_login(actor, partner, existing, role)
        db.session.commit()
        return None
    user = new_partner_user(actor, partner, name=name.strip(), email=email, role=role)
    db.session.commit()
    return user


def _tell_the_existing_login(actor: User, partner: Partner, existing: User, role: str) -> None:
    """The owner of an address invited by another partner hears of it (once per
    partner), and the audit trail keeps it outside both partners' histories."""
    queue_email(
        [existing],
        "invitation_to_existing_login",
        {"user": existing, "inviter": actor, "partner": partner},
        subject=lazy_gettext(
            "%(partner)s invited your address to the portal", partner=partner.name
        ),
        idempotency_key=f"invited-elsewhere:{existing.id}:{partner.id}",
    )
    audit.record(
        actor,
        "invitation_to_existing_login",
        existing,
        partner_id=None,
        reason=f"{partner.name} (partner #{partner.id}) invited this login as {role}; "
        "nothing was changed",
    )


def set_user_access(
    actor: User, user: User, *, active: bool | None = None, role: str | None = None
) -> None:
    """Deactivate or reactivate a login, or change its role."""
    partner = user.partner
    if partner is None:
        raise DomainError(gettext("Only partner users are managed here."))
    require(may_manage_partner(actor, partner))
    if user.id == actor.id:
        raise DomainError(
            gettext("You cannot change your own access; ask a colleague or the programme.")
        )
    changes = {}
    if active is not None and active != user.active:
        if active and partner.status == "closed":
            raise DomainError(
                gettext("%(partner)s is closed; reopen it first.", partner=partner.name)
            )
        changes["active"] = (user.active, active)
        user.active = active
        if not active:
            user.end_sessions()  # so reactivating later revives no old cookie
    if role is not None and role != user.partner_role:
        if role not in PARTNER_ROLES:
            raise DomainError(gettext("Choose a role from the list."), field="role")
        if role == "focal" or user.partner_role == "focal":
            raise DomainError(
                gettext("The focal point changes through a leadership change."), "role"
            )
        changes["partner_role"] = (user.partner_role, role)
        user.partner_role = role
    if changes:
        audit.record(actor, "user_updated", user, partner_id=partner.id, changes=changes)
        db.session.commit()


def change_leadership(
    actor: User,
    partner: Partner,
    *,
    name: str,
    email: str,
    title: str = "",
    phone: str = "",
    deactivate_previous: bool,
    reason: str = "",
) -> User:
    """Make someone new the primary focal person: the change is recorded, they are
    welcomed by email, and the previous person keeps or loses their login."""
    require(may_change_records(actor))
    email = email.strip().lower()
    previous = db.session.scalar(
        db.select(Contact).filter_by(partner_id=partner.id, is_primary=True, ended_at=None)
    )
    if previous is not None and previous.email == email:
        raise DomainError(
            gettext("%(name)s is already the focal point.", name=previous.name), field="email"
        )
    existing = db.session.scalar(db.select(User).filter_by(email=email))
    if existing is not None and existing.partner_id != partner.id:
        raise DomainError(gettext("Someone outside this partner already uses this email."), "email")

    now = utcnow()
    if previous is not None:
        previous.is_primary = False
        previous.ended_at = now if deactivate_previous else None
        db.session.flush()  # one current primary at a time
        audit.record(
            actor,
            "contact_updated",
            previous,
            partner_id=partner.id,
            changes={"is_primary": (True, False)},
            reason=reason or None,
        )
    old_user = previous.user if previous is not None else None
    if old_user is not None:
        changes = {"partner_role": (old_user.partner_role, "editor")}
        old_user.partner_role = "editor"
        if deactivate_previous and old_user.active:
            changes["active"] = (True, False)
            old_user.active = False
            old_user.end_sessions()
        audit.record(
            actor, "user_updated", old_user, partner_id=partner.id, changes=changes, reason=reason
        )

    contact = db.session.scalar(
        db.select(Contact).filter_by(partner_id=partner.id, email=email, ended_at=None)
    )
    if contact is None:
        contact = Contact(partner_id=partner.id, name=name.strip(), email=email)
        db.session.add(contact)
    contact.name, contact.title, contact.phone = name.strip(), title.strip(), phone.strip()
    contact.is_primary = True
    if existing is None:
        user = User(
            email=email,
            name=name.strip(),
            role="partner",
            partner_id=partner.id,
            partner_role="focal",
        )
        db.session.add(user)
    else:
        user = existing
        user.partner_role, user.active = "focal", True
    db.session.flush()
    contact.user_id = user.id
    audit.record(
        actor,
        "focal_point_changed",
        contact,
        partner_id=partner.id,
        changes={
            "focal_point": (previous.name if previous else None, contact.name),
            "email": (previous.email if previous else None, email),
            "previous_login": (None, "deactivated" if deactivate_previous else "kept"),
        },
        reason=reason or None,
    )
    invite(user, template="welcome")
    notify_programme_team(
        actor,
        partner,
        [f"Focal point: {previous.name if previous else 'none'} → {contact.name} <{email}>."],
        reason,
    )
    partner_search.refresh([partner.id])
    db.session.commit()
    current_app.logger.info("Focal point of partner %s changed to %s", partner.id, email)
    return user
