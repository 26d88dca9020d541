"""Final approval: the decision that ends a cycle ("Accredited until <date>"),
and the renewal cycle that may open before it expires."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from flask_babel import format_date, gettext, lazy_gettext

from portal.accreditation.lifecycle import open_accreditation
from portal.accreditation.progress import load_accreditation, progress
from portal.core import audit
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.filters import day
from portal.mail.links import external_url
from portal.mail.queue import queue_email
from portal.models import Accreditation, AccreditationTemplate, User, utcnow
from portal.notifications.bell import notify, partner_users, path_for
from portal.surveys.invitations import invite_after_decision

# The audit trail keeps the English words (data); pages show DECISION_LABELS.
DECISIONS = {"accredited": "Accredited", "not_accredited": "Not accredited"}
DECISION_LABELS = {
    "accredited": lazy_gettext("Accredited"),
    "not_accredited": lazy_gettext("Not accredited"),
}
RENEWAL_WINDOW = timedelta(days=60)


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it has no such day)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def default_valid_until(accreditation: Accreditation, today: date) -> date:
    return add_months(today, accreditation.template.validity_months)


def record_decision(
    actor: User,
    accreditation: Accreditation,
    decision: str,
    note: str,
    valid_until: date | None,
    today: date,
) -> Accreditation:
    """Sign off the final stage: accredited until a date, or not accredited."""
    note = (note or "").strip()
    if decision not in DECISIONS:
        raise DomainError(gettext("Choose accredited or not accredited."), field="decision")
    if accreditation.closed:
        raise DomainError(
            gettext(
                "This accreditation was closed on %(day)s; it takes no decision.",
                day=day(accreditation.completed_at),
            )
        )
    if accreditation.decision is not None:
        raise DomainError(
            gettext(
                "This accreditation was already decided on %(day)s.",
                day=day(accreditation.decided_at),
            )
        )
    if decision == "accredited":
        state = progress(load_accreditation(accreditation.id), today)
        if not state.ready_for_sign_off:
            missing = [s.requirement.name for s in state.required if not s.satisfied]
            raise DomainError(
                gettext(
                    "Not ready for final approval: %(documents)s still outstanding.",
                    documents=", ".join(missing),
                )
                if missing
                else gettext("Not ready for final approval: earlier stages are open."),
                field="decision",
            )
        valid_until = valid_until or default_valid_until(accreditation, today)
        if valid_until <= today:
            raise DomainError(
                gettext("The accreditation must be valid after today."), field="valid_until"
            )
    else:
        if not note:
            raise DomainError(gettext("Say why the partner is not accredited."), field="note")
        valid_until = None
    now = utcnow()
    accreditation.decision = decision
    accreditation.decision_note = note or None
    accreditation.decided_by_id = actor.id
    accreditation.decided_at = now
    accreditation.valid_until = valid_until
    accreditation.completed_at = now
    final = accreditation.milestones[-1]
    if final.completed_at is None:
        final.completed_at = now
    audit.record(
        actor,
        "accreditation_decided",
        accreditation,
        partner_id=accreditation.partner_id,
        changes={
            "decision": (None, DECISIONS[decision]),
            "valid_until": (None, valid_until),
            "decision_note": (None, note or None),
        },
    )
    _tell_partner(accreditation)
    invite_after_decision(accreditation)  # the feedback survey, in this same transaction
    db.session.commit()
    return accreditation


def _tell_partner(accreditation: Accreditation) -> None:
    partner = accreditation.partner
    if accreditation.decision == "accredited":
        subject = f"Accredited until {accreditation.valid_until:%d %B %Y} – {partner.name}"
    else:
        subject = f"Accreditation decision – {partner.name}"
    people = partner_users(partner.id)

    def written() -> str:  # the subject, in each recipient's language
        if accreditation.decision == "accredited":
            return gettext(
                "Accredited until %(day)s – %(partner)s",
                day=format_date(accreditation.valid_until, "dd MMMM y"),
                partner=partner.name,
            )
        return gettext("Accreditation decision – %(partner)s", partner=partner.name)

    queue_email(
        people,
        "accreditation_decided",
        {
            "partner": partner,
            "accreditation": accreditation,
            "link": external_url("accreditation.show", accreditation_id=accreditation.id),
        },
        subject=written,
        notification="accreditation_decided",
        essential=True,  # a final decision reaches everyone at once, whatever they chose
    )
    notify(
        people,
        "accreditation_decided",
        subject,
        path_for("accreditation.show", accreditation_id=accreditation.id),
    )


def renewal_opens_on(accreditation: Accreditation) -> date | None:
    if accreditation.decision != "accredited" or accreditation.valid_until is None:
        return None
    return accreditation.valid_until - RENEWAL_WINDOW


def renewal_of(accreditation: Accreditation) -> Accreditation | None:
    return db.session.scalar(
        db.select(Accreditation).where(Accreditation.renewal_of_id == accreditation.id)
    )


def current_version(template: AccreditationTemplate) -> AccreditationTemplate:
    """The newest version of `template`'s family."""
    return db.session.scalar(
        db.select(AccreditationTemplate)
        .where(AccreditationTemplate.family_id == template.family_id)
        .order_by(AccreditationTemplate.version.desc())
        .limit(1)
    )


def open_renewal(
    actor: User, accreditation: Accreditation, started_on: date, today: date
) -> Accreditation:
    """Start the next cycle on the newest version of the same template."""
    opens_on = renewal_opens_on(accreditation)
    if opens_on is None:
        raise DomainError(gettext("Only an accreditation that was granted can be renewed."))
    if today < opens_on:
        raise DomainError(
            gettext("Renewal opens on %(day)s, 60 days before expiry.", day=day(opens_on))
        )
    if renewal_of(accreditation) is not None:
        raise DomainError(gettext("A renewal is already open for this accreditation."))
    renewal = open_accreditation(
        actor, accreditation.partner, current_version(accreditation.template), started_on
    )
    renewal.renewal_of_id = accreditation.id
    db.session.commit()
    return renewal
