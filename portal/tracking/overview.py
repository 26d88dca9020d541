"""The staff overview of every accreditation: where each stands, what is late and
what waits for review, filtered, sorted and paged in a fixed number of queries.

Everything a row shows is computed per accreditation by grouped subqueries joined
to one SELECT, so 50 rows or 1,000 cost the same number of statements, and the
filters and sorts (overdue, longest waiting) run in the database.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from flask import current_app
from flask_babel import lazy_gettext
from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import aliased

from portal.accreditation.progress import satisfied_condition
from portal.core.clock import local_today
from portal.core.extensions import db
from portal.core.paging import Window
from portal.core.text import fold
from portal.models import (
    Accreditation,
    AccreditationTemplate,
    ChecklistItem,
    Milestone,
    Partner,
    Requirement,
    Stage,
    Submission,
    User,
)

PER_PAGE = 50
SORTS = ("deadline", "waiting", "partner")
STATES = {
    "": lazy_gettext("Running and decided"),
    "running": lazy_gettext("Running"),
    "decided": lazy_gettext("Decided"),
}


def waiting_for_review(item=ChecklistItem):
    """SQL: a submission of this checklist item waits for a staff decision, so the
    partner has done their part for now."""
    return exists().where(
        Submission.accreditation_id == item.accreditation_id,
        Submission.requirement_id == item.requirement_id,
        Submission.status == "submitted",
    )


def owed_condition(today: date):
    """SQL (joined to Requirement and Accreditation): a required document the partner
    still owes: not in hand, not waived, not waiting for review, on a cycle not yet
    decided. The partner's own list of actions (progress.Progress.actions) holds
    the same documents."""
    return and_(
        Requirement.required,
        ChecklistItem.not_applicable_at.is_(None),
        Accreditation.running,
        ~satisfied_condition(today),
        ~waiting_for_review(),
    )


def _item_stats(today: date):
    """Per accreditation: required documents that count, how many are in hand (as
    progress.completion counts them), and the soonest deadline still owed."""
    counts = and_(Requirement.required, ChecklistItem.not_applicable_at.is_(None))
    return (
        select(
            ChecklistItem.accreditation_id.label("accreditation_id"),
            func.sum(case((counts, 1), else_=0)).label("required"),
            func.sum(case((and_(counts, satisfied_condition(today)), 1), else_=0)).label(
                "satisfied"
            ),
            func.min(case((owed_condition(today), ChecklistItem.due_on))).label("next_due"),
        )
        .join(Requirement, Requirement.id == ChecklistItem.requirement_id)
        .join(Accreditation, Accreditation.id == ChecklistItem.accreditation_id)
        .group_by(ChecklistItem.accreditation_id)
        .subquery("item_stats")
    )


def _waiting_stats():
    return (
        select(
            Submission.accreditation_id.label("accreditation_id"),
            func.count().label("waiting"),
            func.min(Submission.uploaded_at).label("waiting_since"),
        )
        .where(Submission.status == "submitted")
        .group_by(Submission.accreditation_id)
        .subquery("waiting_stats")
    )


def _stage_positions():
    """Per accreditation: the first open stage's position and the last stage's."""
    return (
        select(
            Milestone.accreditation_id.label("accreditation_id"),
            func.min(case((Milestone.completed_at.is_(None), Milestone.position))).label("current"),
            func.max(Milestone.position).label("last"),
        )
        .group_by(Milestone.accreditation_id)
        .subquery("stage_positions")
    )


@dataclass
class Filters:
    stage: str = ""
    overdue: bool = False
    waiting: bool = False
    q: str = ""
    reviewer: int | None = None
    state: str = ""
    sort: str = "deadline"
    page: int = 1

    @classmethod
    def from_args(cls, args) -> Filters:
        def number(name, default):
            try:
                return max(1, int(args.get(name, default)))
            except (TypeError, ValueError):
                return default

        sort = args.get("sort", "deadline")
        state = args.get("state", "")
        return cls(
            stage=args.get("stage", "").strip()[:200],
            overdue=args.get("overdue") == "1",
            waiting=args.get("waiting") == "1",
            q=args.get("q", "").strip()[:200],
            reviewer=number("reviewer", None),
            state=state if state in STATES else "",
            sort=sort if sort in SORTS else "deadline",
            page=number("page", 1),
        )

    def args(self, **changes) -> dict:
        """Query-string arguments for these filters with `changes`, defaults left out
        so links stay short; booleans as "1"."""
        values = asdict(self) | changes
        defaults = asdict(Filters())
        return {
            k: ("1" if v is True else v)
            for k, v in values.items()
            if v != defaults[k] and v is not None
        }

    @property
    def any(self) -> bool:
        return bool(
            self.stage or self.overdue or self.waiting or self.q or self.reviewer or self.state
        )


@dataclass
class OverviewRow:
    accreditation_id: int
    partner_id: int
    partner_name: str
    template_name: str
    started_on: date
    stage: str | None  # the first open stage; None when every stage is complete
    stage_due: date | None
    required: int
    satisfied: int
    next_due: date | None
    waiting: int
    waiting_since: datetime | None
    decision: str | None
    valid_until: date | None
    ready_for_sign_off: bool
    today: date
    reviewers: list[str] = field(default_factory=list)

    @property
    def percent(self) -> int:
        """As progress.completion rounds it."""
        return round(100 * self.satisfied / self.required) if self.required else 100

    @property
    def overdue(self) -> bool:
        return self.next_due is not None and self.next_due < self.today


@dataclass
class OverviewPage(Window):
    rows: list[OverviewRow] = field(default_factory=list)
    filters: Filters | None = None


class _Query:
    """The overview's SELECT, its filters and sorts, for one `today`."""

    def __init__(self, today: date):
        self.today = today
        self.items = _item_stats(today)
        self.waiting = _waiting_stats()
        self.positions = _stage_positions()
        self.current = aliased(Milestone, name="current_stage")
        undecided = Accreditation.running  # neither decided nor closed
        stage_due = case((undecided, self.current.due_on))
        item_due = case((undecided, self.items.c.next_due))
        # The sooner of the next document owed and the current stage's end.
        self.next_due = case(
            (item_due.is_(None), stage_due),
            (stage_due.is_(None), item_due),
            (item_due < stage_due, item_due),
            else_=stage_due,
        ).label("next_due")
        self.waiting_count = func.coalesce(self.waiting.c.waiting, 0)
        self.ready = and_(
            undecided,
            func.coalesce(self.items.c.required, 0) == func.coalesce(self.items.c.satisfied, 0),
            or_(
                self.positions.c.current.is_(None),
                self.positions.c.current == self.positions.c.last,
            ),
        )

    def base(self, *columns, figures: bool = True):
        """The accreditations with their partner and, with `figures`, what each row
        counts; a count that filters on none of those figures leaves them out."""
        query = (
            select(*columns)
            .select_from(Accreditation)
            .join(Partner, Partner.id == Accreditation.partner_id)
        )
        if not figures:
            return query
        return (
            query.outerjoin(self.items, self.items.c.accreditation_id == Accreditation.id)
            .outerjoin(self.waiting, self.waiting.c.accreditation_id == Accreditation.id)
            .outerjoin(self.positions, self.positions.c.accreditation_id == Accreditation.id)
            .outerjoin(
                self.current,
                and_(
                    self.current.accreditation_id == Accreditation.id,
                    self.current.position == self.positions.c.current,
                ),
            )
        )

    def rows(self):
        return self.base(
            Accreditation.id,
            Accreditation.partner_id,
            Partner.name,
            AccreditationTemplate.name,
            Accreditation.started_on,
            self.current.name,
            self.current.due_on,
            func.coalesce(self.items.c.required, 0),
            func.coalesce(self.items.c.satisfied, 0),
            self.next_due,
            self.waiting_count,
            self.waiting.c.waiting_since,
            Accreditation.decision,
            Accreditation.valid_until,
            self.ready,
        ).join(AccreditationTemplate, AccreditationTemplate.id == Accreditation.template_id)

    def where(self, filters: Filters) -> list:
        conditions = [Partner.status != "merged"]
        if filters.stage:
            conditions += [Accreditation.running, self.current.name == filters.stage]
        if filters.overdue:
            conditions.append(self.next_due < self.today)
        if filters.waiting:
            conditions.append(self.waiting_count > 0)
        for word in fold(filters.q).split()[:6]:
            conditions.append(Partner.search_text.like(f"%{word}%"))
        if filters.reviewer:
            conditions.append(
                exists().where(
                    Submission.accreditation_id == Accreditation.id,
                    Submission.status == "submitted",
                    Submission.assigned_to_id == filters.reviewer,
                )
            )
        if filters.state == "running":
            conditions.append(Accreditation.running)
        elif filters.state == "decided":
            conditions.append(Accreditation.decision.is_not(None))
        return conditions

    def order(self, sort: str) -> list:
        if sort == "waiting":
            since = self.waiting.c.waiting_since
            return [since.is_(None), since, Partner.search_key, Accreditation.id]
        if sort == "partner":
            return [Partner.search_key, Accreditation.id]
        return [self.next_due.is_(None), self.next_due, Partner.search_key, Accreditation.id]


def _row(values, today: date) -> OverviewRow:
    *columns, ready = values
    return OverviewRow(*columns, bool(ready), today=today)


def _with_reviewers(rows: list[OverviewRow]) -> list[OverviewRow]:
    """Who is assigned the waiting submissions of these rows (one query)."""
    ids = [r.accreditation_id for r in rows if r.waiting]
    if not ids:
        return rows
    names: dict[int, list[str]] = defaultdict(list)
    for accreditation_id, name in db.session.execute(
        select(Submission.accreditation_id, User.name)
        .join(User, User.id == Submission.assigned_to_id)
        .where(Submission.accreditation_id.in_(ids), Submission.status == "submitted")
        .distinct()
        .order_by(Submission.accreditation_id, User.name)
    ):
        names[accreditation_id].append(name)
    for row in rows:
        row.reviewers = names.get(row.accreditation_id, [])
    return rows


def overview_page(
    filters: Filters, today: date | None = None, per_page: int | None = None
) -> OverviewPage:
    """One page of the overview: three queries however many rows."""
    today = today or local_today()
    per_page = per_page or current_app.config.get("ACCREDITATIONS_PER_PAGE", PER_PAGE)
    query = _Query(today)
    conditions = query.where(filters)
    figures = bool(filters.stage or filters.overdue or filters.waiting)
    total = db.session.scalar(query.base(func.count(), figures=figures).where(*conditions))
    window = Window(total, per_page, filters.page)
    filters.page = window.page
    result = db.session.execute(
        window.slice(query.rows().where(*conditions).order_by(*query.order(filters.sort)))
    )
    rows = [_row(values, today) for values in result]
    return OverviewPage(total, per_page, window.page, rows=_with_reviewers(rows), filters=filters)


def overview_rows(filters: Filters, today: date | None = None) -> list[OverviewRow]:
    """Every row matching `filters` (for the export): two queries."""
    today = today or local_today()
    query = _Query(today)
    result = db.session.execute(
        query.rows().where(*query.where(filters)).order_by(*query.order(filters.sort))
    )
    return _with_reviewers([_row(values, today) for values in result])


def ready_for_sign_off(today: date | None = None, limit: int | None = None) -> list[OverviewRow]:
    """Accreditations whose every stage but final approval is complete, with all
    required documents in hand and no decision yet (progress.Progress.ready_for_sign_off,
    for all accreditations at once)."""
    today = today or local_today()
    query = _Query(today)
    statement = (
        query.rows()
        .where(Partner.status != "merged", query.ready)
        .order_by(Accreditation.started_on, Accreditation.id)
    )
    if limit is not None:
        statement = statement.limit(limit)
    return [_row(values, today) for values in db.session.execute(statement)]


def stage_names() -> list[str]:
    """The stage names the filter offers (of every template version)."""
    return list(db.session.scalars(select(Stage.name).distinct().order_by(Stage.name)))
