"""Who a progress report goes to, and what staff may write in it."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext, lazy_gettext
from sqlalchemy import exists

from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.models import Partner, PartnershipType

AUDIENCES = {
    "all": lazy_gettext("All active partners"),
    "filter": lazy_gettext("Partners matching a filter"),
    "one": lazy_gettext("One partner"),
}
AUDIENCE_STATUSES = {
    "active": ("active",),
    "on_hold": ("on_hold",),
    "current": ("active", "on_hold"),
}
MAX_INTRO = 4000
MAX_POSITION = 200


@dataclass
class Audience:
    """Who a report goes to: all active partners, those of one partnership type
    and/or status, or one partner."""

    mode: str = "all"
    type: str = ""
    status: str = "active"
    partner_id: int | None = None


@dataclass
class ReportRequest:
    period: str
    audience: Audience = field(default_factory=Audience)
    intro: str = ""
    position: str = ""


def audience_query(audience: Audience):
    query = db.select(Partner).where(Partner.status != "merged", Partner.merged_into_id.is_(None))
    if audience.mode == "one":
        if not audience.partner_id:
            raise DomainError(gettext("Choose the partner to send the report to."), field="partner")
        return query.where(Partner.id == audience.partner_id)
    if audience.mode == "filter":
        statuses = AUDIENCE_STATUSES.get(audience.status)
        if statuses is None:
            raise DomainError(gettext("Choose active, on hold or both."), field="status")
        query = query.where(Partner.status.in_(statuses))
        if audience.type:
            query = query.where(
                exists().where(
                    PartnershipType.partner_id == Partner.id,
                    PartnershipType.kind == audience.type,
                )
            )
        return query
    if audience.mode == "all":
        return query.where(Partner.status == "active")
    raise DomainError(gettext("Choose who gets the report."), field="recipients")


def audience_partners(audience: Audience) -> list[Partner]:
    """The partners `audience` names, by name; none is a clear error."""
    partners = db.session.scalars(audience_query(audience).order_by(Partner.name)).all()
    if not partners:
        raise DomainError(
            gettext("No partner matches these recipients: choose others."),
            field="partner" if audience.mode == "one" else "recipients",
        )
    return list(partners)
