"""Research on potential duplicate partnerships, shown inline on the need check:
partners with the same or a similar name, and partners already covering the
same areas for the same kind of work."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from portal.core.clock import local_today
from portal.core.extensions import db
from portal.models import Coverage, Partner, PartnershipType
from portal.partners.drafts import likely_duplicates

SHOWN = 10


@dataclass
class Overlap:
    partner: Partner
    kinds: list[str]  # the kinds of work both do
    areas: list[str]  # the areas both cover


@dataclass
class Research:
    similar_names: list[Partner]
    same_work_same_areas: list[Overlap]


def research(partner: Partner) -> Research:
    """Three queries, however many partners there are."""
    return Research(
        similar_names=likely_duplicates(partner.name, partner.acronym or "", partner.id),
        same_work_same_areas=overlaps(partner),
    )


def overlaps(partner: Partner) -> list[Overlap]:
    """Other current partners that share a kind of work with `partner` and one
    of its current areas: the same unit, the same district, the same group, or
    both the whole country. One query."""
    today = local_today()
    kinds = partner.type_keys
    mine = [c for c in partner.coverage if c.current]
    if not kinds or not mine:
        return []
    current = or_(Coverage.ends_on.is_(None), Coverage.ends_on >= today)
    same_area = []
    for cover in mine:
        if cover.nationwide:
            same_area.append(Coverage.nationwide.is_(True))
        elif cover.org_unit_group_id:
            same_area.append(Coverage.org_unit_group_id == cover.org_unit_group_id)
        else:
            same_area.append(Coverage.org_unit_id == cover.org_unit_id)
            if cover.district_id:
                same_area.append(Coverage.district_id == cover.district_id)
    rows = db.session.execute(
        select(Partner, PartnershipType.kind, Coverage)
        .join(PartnershipType, PartnershipType.partner_id == Partner.id)
        .join(Coverage, and_(Coverage.partner_id == Partner.id, current))
        .where(
            Partner.id != partner.id,
            Partner.status.not_in(("merged", "closed")),
            PartnershipType.kind.in_(kinds),
            or_(*same_area),
        )
        .options(joinedload(Coverage.org_unit), joinedload(Coverage.org_unit_group))
        .order_by(Partner.name, Partner.id)
    ).all()
    found: dict[int, Overlap] = {}
    for other, kind, cover in rows:
        overlap = found.setdefault(other.id, Overlap(other, [], []))
        if kind not in overlap.kinds:
            overlap.kinds.append(kind)
        if cover.target_name not in overlap.areas:
            overlap.areas.append(cover.target_name)
    return list(found.values())[:SHOWN]
