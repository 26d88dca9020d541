"""Internal review analytics: what the programme team learns from its own reviews
(which documents are sent back and why, which stages overrun their plan, where
partners struggle, how review work is spread), for a period and a slice of the
partners.

Every figure is computed by the database, grouped, in a fixed number of
statements however many partners there are (analytics_reviews.py,
analytics_stages.py and analytics_partners.py, one function per table). This module holds what the
tables share: the filters, the accreditations they select, the period's bounds
and a share that keeps its numerator and denominator.

The definitions, as the page's notes state them:

- A *review* is a submission decided (approved or sent back) with its decision
  time in the period. A withdrawn submission was never decided, and one
  replaced by a newer version before anyone decided it ("superseded") is not a
  review round either: neither counts anywhere.
- *In the period* means on a day of the period in the programme's time zone.
- *Working days* count Monday to Friday after the upload day up to and
  including the decision day (core.sqldays.working_days, as the review queue's
  "review by" date counts them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import gettext
from sqlalchemy import and_, select

from portal.core import periods
from portal.core.clock import local_today, to_utc
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.inputs import FIRST_DAY, LAST_DAY, identifier_or_none
from portal.models import Accreditation, AccreditationTemplate, OrgUnit, Partner
from portal.partners import listing
from portal.partners.models import PARTNERSHIP_TYPES

# What "decided" means for a submission (superseded and withdrawn ones never were).
DECIDED = ("approved", "changes_requested")


@dataclass(frozen=True)
class Share:
    """`part` of `whole`, kept whole so the page and the export can say "3 of 12";
    no fraction at all when there is nothing to divide by."""

    part: int
    whole: int

    @property
    def fraction(self) -> float | None:
        return self.part / self.whole if self.whole else None


@dataclass(frozen=True)
class Family:
    id: int
    name: str  # its current version's


@dataclass
class Options:
    """What the filters offer."""

    districts: list[OrgUnit]
    families: list[Family]
    types: dict[str, str] = field(default_factory=lambda: dict(PARTNERSHIP_TYPES))

    def family_name(self, family_id: int) -> str:
        return next((f.name for f in self.families if f.id == family_id), f"Template {family_id}")


def options() -> Options:
    """The districts and template families to filter by (two queries)."""
    families = db.session.execute(
        select(AccreditationTemplate.family_id, AccreditationTemplate.name)
        .where(AccreditationTemplate.superseded_at.is_(None))
        .order_by(AccreditationTemplate.name)
    ).all()
    return Options(listing.districts(), [Family(i, n) for i, n in families])


@dataclass(frozen=True)
class Filters:
    period: periods.Period
    type: str = ""
    district: str = ""
    family: int | None = None
    today: date = field(default_factory=local_today)

    def args(self) -> dict:
        """Query-string arguments for a link to these filters (the period always:
        an export made later covers the same days)."""
        values = {"period": self.period.key, "type": self.type, "district": self.district}
        values["family"] = self.family or ""
        return {k: v for k, v in values.items() if v}

    def describe(self) -> str:
        """For the audit trail of an export."""
        return "filters: " + ", ".join(f"{k}={v}" for k, v in self.args().items())


def current_period() -> periods.Period:
    return periods.quarter_of(local_today(), periods.fiscal_start())


def parse_filters(args, offered: Options) -> Filters:
    """The filters of a query string; a value the page does not offer is refused
    with the field it belongs to (DomainError)."""
    text = (args.get("period") or "").strip()
    period = _period(text) if text else current_period()
    kind = (args.get("type") or "").strip()
    if kind and kind not in offered.types:
        raise DomainError(gettext("Choose a partnership type from the list."), field="type")
    district = (args.get("district") or "").strip()
    if district and district not in {d.id for d in offered.districts}:
        raise DomainError(gettext("Choose a district from the list."), field="district")
    family_text = (args.get("family") or "").strip()
    family = identifier_or_none(family_text) if family_text else None
    if family_text and family not in {f.id for f in offered.families}:
        raise DomainError(gettext("Choose a template from the list."), field="family")
    return Filters(period, kind, district, family)


def _period(text: str) -> periods.Period:
    try:
        period = periods.parse(text, periods.fiscal_start())
    except (ValueError, OverflowError):  # "0000-Q1": a year no calendar has
        period = None
    if period is None or period.start < FIRST_DAY or period.end > LAST_DAY:
        raise DomainError(
            gettext(
                "Choose a period between %(first)s and %(last)s.",
                first=FIRST_DAY.year,
                last=LAST_DAY.year,
            ),
            field="period",
        )
    return period


def scope(filters: Filters):
    """The accreditations the filters select (a subquery: accreditation_id,
    partner_id, family_id, started_on, running): of partners matching the type
    and district as the partner list matches them (merged partners left out,
    their cycles moved to the partner they joined), on the chosen template family."""
    partner_filters = listing.Filters(type=filters.type, district=filters.district)
    query = (
        select(
            Accreditation.id.label("accreditation_id"),
            Accreditation.partner_id.label("partner_id"),
            AccreditationTemplate.family_id.label("family_id"),
            Accreditation.started_on.label("started_on"),
            Accreditation.running.label("running"),
        )
        .join(Partner, Partner.id == Accreditation.partner_id)
        .join(AccreditationTemplate, AccreditationTemplate.id == Accreditation.template_id)
        .where(*listing.conditions(partner_filters, with_status=False))
    )
    if filters.family:
        query = query.where(AccreditationTemplate.family_id == filters.family)
    return query.subquery("scope")


def bounds(period: periods.Period) -> tuple[datetime, datetime]:
    """The period as UTC instants [start, end): its first local midnight and the
    one after its last day."""
    return to_utc(period.start, time(0)), to_utc(period.end + timedelta(days=1), time(0))


def within(column, period: periods.Period):
    """SQL: the instant `column` falls on a day of the period."""
    start, end = bounds(period)
    return and_(column >= start, column < end)


def as_float(value) -> float | None:
    """A median as the database gives it (PostgreSQL: a Decimal)."""
    return None if value is None else float(value)
