"""Staff remind partners of their deadlines from the actions board ("send a
reminder now"), with the same editable reminder the daily run sends."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext
from sqlalchemy import select

from portal.core import audit
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.mail.links import external_url
from portal.mail.queue import queue_email
from portal.models import (
    ChecklistItem,
    User,
)
from portal.notifications.bell import notify, path_for
from portal.reminders.emails import reminder_fields

KIND = "deadline_approaching"


@dataclass
class Reminded:
    partners: list[str]  # reminded
    nobody: list[str]  # had no active user to remind


def _active_users(partner_ids: Sequence[int]) -> dict[int, list[User]]:
    users: dict[int, list[User]] = defaultdict(list)
    for user in db.session.scalars(
        select(User).where(User.partner_id.in_(partner_ids), User.active).order_by(User.id)
    ):
        users[user.partner_id].append(user)
    return users


def send_reminders(actor: User, items: Sequence[ChecklistItem], today: date) -> Reminded:
    """One email per partner listing its selected documents with their deadlines,
    to its active users, and a notification each; audited; one commit."""
    if not items:
        raise DomainError(gettext("Choose at least one document to remind the partner of."))
    waived = [i.requirement.name for i in items if i.not_applicable]
    if waived:
        raise DomainError(
            gettext(
                "Marked not applicable, nothing to remind: %(documents)s.",
                documents=", ".join(waived),
            )
        )
    by_partner: dict[int, list[ChecklistItem]] = defaultdict(list)
    for item in items:
        by_partner[item.accreditation.partner_id].append(item)
    users = _active_users(list(by_partner))
    result = Reminded([], [])
    for partner_id, partner_items in by_partner.items():
        partner = partner_items[0].accreditation.partner
        people = users.get(partner_id, [])
        if not people:
            result.nobody.append(partner.name)
            continue
        partner_items.sort(key=lambda i: (i.due_on, i.requirement.name))
        count = len(partner_items)
        subject = (
            f"Reminder: {count} document{'s' if count != 1 else ''} due – {partner.name}"
            if count != 1
            else f"Reminder: {partner_items[0].requirement.name} due "
            f"{partner_items[0].due_on:%d %b %Y} – {partner.name}"
        )
        first = partner_items[0]
        # One email to all of them: greet the organisation, not one of its people.
        greeting = people[0].name if len(people) == 1 else partner.name
        fields = reminder_fields(
            partner,
            greeting,
            [(i.requirement.name, i.due_on) for i in partner_items],
            today,
            external_url("accreditation.show", accreditation_id=first.accreditation_id),
        )
        queue_email(people, "reminder", fields)  # each in their language
        notify(
            people,
            KIND,
            subject,
            path_for("accreditation.show", accreditation_id=first.accreditation_id),
        )
        audit.record(
            actor,
            "reminder_sent",
            partner,
            partner_id=partner.id,
            changes={
                "reminded_of": (
                    None,
                    "; ".join(f"{i.requirement.name} (due {i.due_on})" for i in partner_items),
                )
            },
        )
        result.partners.append(partner.name)
    db.session.commit()
    return result
