"""The partner list: search, filters, sorting and pages, in a fixed number of
queries however many partners there are or are shown."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import exists, false, func, or_, select
from sqlalchemy.orm import selectinload

from portal.accreditation.progress import completion
from portal.core.clock import local_today
from portal.core.extensions import db
from portal.core.paging import Window
from portal.core.text import fold
from portal.models import (
    Accreditation,
    Coverage,
    OrgUnit,
    Partner,
    PartnerLook,
    PartnershipType,
    User,
)
from portal.orgunits.units import district_level

SORTS = {
    "name": (Partner.search_key, Partner.id),
    "-name": (Partner.search_key.desc(), Partner.id),
    "review": (Partner.next_review_on.is_(None), Partner.next_review_on, Partner.search_key),
    "newest": (Partner.created_at.desc(), Partner.id.desc()),
    "status": (Partner.status, Partner.search_key),
}
STATUS_FILTERS = {
    # The default: closed ones are one filter away; prospective ones are being
    # considered, so they are in view.
    "current": ("prospective", "active", "on_hold"),
    "prospective": ("prospective",),
    "active": ("active",),
    "on_hold": ("on_hold",),
    "closed": ("closed",),
    "all": ("prospective", "active", "on_hold", "closed"),
}
REVIEW_DUE_DAYS = 30


@dataclass
class Filters:
    q: str = ""
    status: str = "current"
    type: str = ""
    district: str = ""
    review: str = ""  # "due" (within 30 days, overdue included) or "overdue"
    sort: str = "name"
    page: int = 1

    @classmethod
    def from_args(cls, args) -> Filters:
        def pick(name, allowed, default):
            value = args.get(name, default)
            return value if value in allowed else default

        try:
            page = max(1, int(args.get("page", 1)))
        except ValueError:
            page = 1
        return cls(
            q=args.get("q", "").strip()[:200],
            status=pick("status", STATUS_FILTERS, "current"),
            type=args.get("type", "").strip()[:30],
            district=args.get("district", "").strip()[:50],
            review=pick("review", {"", "due", "overdue"}, ""),
            sort=pick("sort", SORTS, "name"),
            page=page,
        )

    def args(self, **changes) -> dict:
        """Query-string arguments for a link to these filters with `changes`; the
        defaults are left out so URLs stay short."""
        values = asdict(self) | changes
        defaults = asdict(Filters())
        return {k: v for k, v in values.items() if v != defaults[k]}


@dataclass
class PartnerPage(Window):
    rows: list[Partner] = field(default_factory=list)
    filters: Filters | None = None
    status_counts: dict[str, int] = field(default_factory=dict)
    latest: dict[int, Accreditation] = field(default_factory=dict)
    percent: dict[int, int] = field(default_factory=dict)


def _matches(word: str):
    """Name, acronym, a current contact or a covered district: one column, see
    partners/search.py."""
    return Partner.search_text.like(f"%{word}%")


def _covers_district(district_id: str):
    """Covers the district, something in it, something above it, or the whole country."""
    unit = db.session.get(OrgUnit, district_id)
    above = unit.ancestor_ids if unit else []
    today = local_today()
    return exists().where(
        Coverage.partner_id == Partner.id,
        or_(Coverage.ends_on.is_(None), Coverage.ends_on >= today),
        or_(
            Coverage.district_id == district_id,
            Coverage.nationwide.is_(True),
            Coverage.org_unit_id.in_(above) if above else false(),
        ),
    )


def conditions(filters: Filters, with_status: bool = True) -> list:
    """What a partner must be to be listed under `filters` (the list and its export)."""
    where = [Partner.status != "merged"]
    if with_status:
        where.append(Partner.status.in_(STATUS_FILTERS[filters.status]))
    for word in fold(filters.q).split()[:6]:
        where.append(_matches(word))
    if filters.type:
        where.append(
            exists().where(
                PartnershipType.partner_id == Partner.id, PartnershipType.kind == filters.type
            )
        )
    if filters.district:
        where.append(_covers_district(filters.district))
    if filters.review == "overdue":
        where.append(Partner.next_review_on < local_today())
    elif filters.review == "due":
        where.append(Partner.next_review_on <= local_today() + timedelta(REVIEW_DUE_DAYS))
    return where


def partner_page(filters: Filters, per_page: int | None = None) -> PartnerPage:
    per_page = per_page or current_app.config["PARTNERS_PER_PAGE"]
    status_counts = dict(
        db.session.execute(
            select(Partner.status, func.count())
            .where(*conditions(filters, False))
            .group_by(Partner.status)
        ).all()
    )
    total = sum(status_counts.get(s, 0) for s in STATUS_FILTERS[filters.status])
    window = Window(total, per_page, filters.page)
    filters.page = window.page
    rows = db.session.scalars(
        window.slice(select(Partner))
        .where(*conditions(filters))
        .options(
            selectinload(Partner.contacts),
            selectinload(Partner.types),
            selectinload(Partner.accreditations).selectinload(Accreditation.milestones),
        )
        .order_by(*SORTS[filters.sort])
    ).all()
    latest = {p.id: p.accreditations[-1] for p in rows if p.accreditations}
    return PartnerPage(
        total=total,
        page=window.page,
        rows=rows,
        filters=filters,
        per_page=per_page,
        status_counts=status_counts,
        latest=latest,
        percent=completion([a.id for a in latest.values()]),
    )


def districts() -> list[OrgUnit]:
    """The districts for the filter (a district-level list is small)."""
    level = district_level()
    return db.session.scalars(
        select(OrgUnit).where(OrgUnit.level == level).order_by(OrgUnit.name)
    ).all()


def partners_changed_for(user: User, partners: list[Partner]) -> set[int]:
    """Which of `partners` a partner user changed since `user` last looked (one query)."""
    changed = [p for p in partners if p.partner_changed_at is not None]
    if not changed:
        return set()
    looks = dict(
        db.session.execute(
            select(PartnerLook.partner_id, PartnerLook.seen_at).where(
                PartnerLook.user_id == user.id,
                PartnerLook.partner_id.in_([p.id for p in changed]),
            )
        ).all()
    )
    return {p.id for p in changed if p.id not in looks or p.partner_changed_at > looks[p.id]}


def reviews_due_count() -> int:
    """Current partners whose annual review is due within 30 days or overdue."""
    return db.session.scalar(
        select(func.count()).where(
            Partner.status.in_(STATUS_FILTERS["current"]),
            Partner.next_review_on <= local_today() + timedelta(REVIEW_DUE_DAYS),
        )
    )
