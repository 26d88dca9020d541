"""Who is on each side of a partner's agreement: the people an obligation's
reminders and changes are told to."""

from __future__ import annotations

from portal.core.extensions import db
from portal.models import Obligation, User
from portal.notifications.bell import notify, partner_users, path_for, staff_users


def responsible_people(obligation: Obligation, partner_id: int) -> list[User]:
    """The person responsible while active, else the side's people (for the
    programme its administrators, for the partner its focal points and editors)."""
    person = obligation.responsible
    if person is not None and person.active:
        return [person]
    if obligation.side == "programme":
        return [u for u in staff_users() if u.is_admin]
    return [u for u in partner_users(partner_id) if u.can_edit]


def side_link(side: str, partner_id: int) -> str:
    """Where each side reads the agreement: staff on the partner's page, the
    partner on its own organisation's Agreement tab."""
    if side == "programme":
        return path_for("partners.show", partner_id=partner_id) + "#obligations"
    return path_for("obligations.mine")


def tell_other_side(actor: User, partner_id: int, title: str) -> None:
    """A change made by one side, told to the other in the bell (the daily digest
    carries it to those who take one)."""
    if actor.is_staff:
        people, side = partner_users(partner_id), "partner"
    else:
        people, side = staff_users(), "programme"
    notify(people, "obligation_changed", title, side_link(side, partner_id), exclude=actor)


def users_by_id(ids: set[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(db.select(User).where(User.id.in_(ids)))}
