"""The staff list of concerns and the programme analytics over them: how many,
how fast they were acknowledged and resolved, by category. Everything is counted
in SQL over the concerns the viewer may see (a manager's figures leave the
confidential ones out), a fixed number of statements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext
from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from portal.concerns import path
from portal.concerns.health import RESOLVED
from portal.concerns.models import CATEGORIES
from portal.core.access import concerns_of
from portal.core.extensions import db
from portal.core.sqldays import local_date, median, working_days
from portal.models import Concern, User

SHOWN = 200
FILTER_STEPS = {"open": lazy_gettext("Open (any step)"), **path.STEPS, "all": lazy_gettext("All")}


@dataclass(frozen=True)
class Filters:
    step: str = "open"
    category: str = ""

    @classmethod
    def parse(cls, args) -> Filters:
        step = args.get("step", "open")
        category = args.get("category", "")
        return cls(
            step if step in FILTER_STEPS else "open",
            category if category in CATEGORIES else "",
        )


def listing(viewer: User, filters: Filters, today: date, limit: int = SHOWN) -> list[Concern]:
    """The concerns `viewer` may see, past their deadline first, then by deadline,
    then the newest (one statement, one for the partners)."""
    query = concerns_of(viewer)
    if filters.step == "open":
        query = query.where(Concern.step.in_(path.OPEN_STEPS))
    elif filters.step != "all":
        query = query.where(Concern.step == filters.step)
    if filters.category:
        query = query.where(Concern.category == filters.category)
    late = case((Concern.step.in_(path.PROGRAMME_STEPS) & (Concern.due_on < today), 0), else_=1)
    return list(
        db.session.scalars(
            query.options(selectinload(Concern.partner))
            .order_by(late, Concern.due_on.is_(None), Concern.due_on, Concern.raised_at.desc())
            .limit(limit)
        )
    )


@dataclass
class CategoryRow:
    category: str
    label: str
    raised: int = 0
    open: int = 0
    resolved: int = 0
    withdrawn: int = 0
    overdue: int = 0
    upheld: int = 0
    median_acknowledge: float | None = None  # working days
    median_resolve: float | None = None


@dataclass
class Analytics:
    rows: list[CategoryRow]
    total: CategoryRow


def analytics(viewer: User, today: date) -> Analytics:
    """Per category and in total: three statements (counts, two medians)."""
    seen = concerns_of(viewer).subquery()
    c = seen.c
    counts = db.session.execute(
        select(
            c.category,
            func.count(),
            func.sum(case((c.step.in_(path.OPEN_STEPS), 1), else_=0)),
            func.sum(case((c.closed_how.in_(RESOLVED), 1), else_=0)),
            func.sum(case((c.step == "withdrawn", 1), else_=0)),
            func.sum(case((c.step.in_(path.PROGRAMME_STEPS) & (c.due_on < today), 1), else_=0)),
            func.sum(case((c.outcome.in_(("upheld", "partly_upheld")), 1), else_=0)),
        ).group_by(c.category)
    ).all()
    rows = {key: CategoryRow(key, label) for key, label in CATEGORIES.items()}
    for category, *numbers in counts:
        row = rows.setdefault(category, CategoryRow(category, category))
        row.raised, row.open, row.resolved, row.withdrawn, row.overdue, row.upheld = (
            int(n or 0) for n in numbers
        )
    total = CategoryRow("", lazy_gettext("All categories"))
    for field in ("raised", "open", "resolved", "withdrawn", "overdue", "upheld"):
        setattr(total, field, sum(getattr(r, field) for r in rows.values()))
    for attribute, end, condition in (
        ("median_acknowledge", c.acknowledged_at, c.acknowledged_at.is_not(None)),
        ("median_resolve", c.closed_at, c.closed_how.in_(RESOLVED)),
    ):
        days = select(
            c.category.label("category"),
            working_days(local_date(c.raised_at), local_date(end)).label("days"),
        ).where(condition)
        for category, value in db.session.execute(median(days, "days", ("category",))):
            if category in rows:
                setattr(rows[category], attribute, round(float(value), 1))
        overall = db.session.execute(median(days, "days")).scalar()
        setattr(total, attribute, round(float(overall), 1) if overall is not None else None)
    return Analytics(list(rows.values()), total)
