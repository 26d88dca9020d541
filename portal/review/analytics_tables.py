"""The review analytics as the page shows them and as they are exported: every
table once, each offered through the shared export path (portal.exports) with
the page's filters."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from werkzeug.exceptions import BadRequest

from portal.core.errors import DomainError
from portal.exports import Column, Table, exportable
from portal.review.analytics import Filters, Options, options, parse_filters
from portal.review.analytics_partners import GroupRow, by_district, by_partnership_type
from portal.review.analytics_reviews import (
    ReasonRow,
    RequirementRow,
    ReviewerRow,
    reason_labels,
    reasons_given,
    review_load,
    sent_back_by_requirement,
)
from portal.review.analytics_stages import StageRow, stages_against_plan


@dataclass
class Analytics:
    filters: Filters
    requirements: list[RequirementRow]
    reasons: list[ReasonRow]
    stages: list[StageRow]
    types: list[GroupRow]
    districts: list[GroupRow]
    reviewers: list[ReviewerRow]
    target: int  # REVIEW_WORKING_DAYS


def review_analytics(filters: Filters, offered: Options) -> Analytics:
    """Every table for the filters: a fixed number of statements (about a dozen)."""
    every, labels = reason_labels()
    return Analytics(
        filters,
        sent_back_by_requirement(filters, offered, labels),
        reasons_given(filters, every),
        stages_against_plan(filters),
        by_partnership_type(filters),
        by_district(filters),
        review_load(filters),
        current_app.config["REVIEW_WORKING_DAYS"],
    )


def _filters(args) -> tuple[Filters, Options]:
    """The export's filters, as the page checked them. The page only links valid
    ones: anything else was typed into the address, and is a bad request."""
    offered = options()
    try:
        return parse_filters(args, offered), offered
    except DomainError as error:
        raise BadRequest(error.message) from None


def _table(columns, rows, filters: Filters) -> Table:
    return Table(columns, rows, filters=f"{filters.period.label}; {filters.describe()}")


@exportable("review-sent-back", "Documents sent back")
def sent_back_table(args) -> Table:
    filters, offered = _filters(args)
    _, labels = reason_labels()
    columns = (
        Column("Template"),
        Column("Requirement"),
        Column("Reviews", "int"),
        Column("Sent back", "int"),
        Column("Share sent back", "percent"),
        Column("Most given reasons"),
    )
    rows = [
        (
            r.family,
            r.requirement,
            r.reviews,
            r.sent_back.part,
            r.sent_back.fraction,
            "; ".join(f"{label}: {n}" for label, n in r.reasons),
        )
        for r in sent_back_by_requirement(filters, offered, labels)
    ]
    return _table(columns, rows, filters)


@exportable("review-reasons", "Reasons for sending back")
def reasons_table(args) -> Table:
    filters, _ = _filters(args)
    every, _ = reason_labels()
    columns = (
        Column("Reason"),
        Column("Retired", "bool"),
        Column("Sent back for it", "int"),
        Column("All sent back", "int"),
        Column("Share", "percent"),
    )
    rows = [
        (r.label, r.retired, r.share.part, r.share.whole, r.share.fraction)
        for r in reasons_given(filters, every)
    ]
    return _table(columns, rows, filters)


@exportable("review-stages", "Stages against plan")
def stages_table(args) -> Table:
    filters, _ = _filters(args)
    columns = (
        Column("Stage"),
        Column("Completed in the period", "int"),
        Column("Median actual days", "number"),
        Column("Planned days (lowest)", "int"),
        Column("Planned days (highest)", "int"),
        Column("Median days over plan", "number"),
        Column("Completed late", "int"),
        Column("Share late", "percent"),
        Column("Open past due now", "int"),
        Column("Most days past due", "int"),
    )
    rows = [
        (
            r.name,
            r.completed,
            r.median_days,
            *(r.planned or (None, None)),
            r.median_over_plan,
            r.late.part,
            r.late.fraction,
            r.open_past_due,
            r.most_days_past_due,
        )
        for r in stages_against_plan(filters)
    ]
    return _table(columns, rows, filters)


def _group_columns(group: str) -> tuple[Column, ...]:
    return (
        Column(group),
        Column("Partners", "int"),
        Column("Reviews", "int"),
        Column("Sent back", "int"),
        Column("Send-back rate", "percent"),
        Column("Documents due", "int"),
        Column("Documents late", "int"),
        Column("Share late", "percent"),
        Column("Overdue open now", "int"),
    )


def _group_rows(rows: list[GroupRow]) -> list[tuple]:
    return [
        (
            r.name,
            r.partners,
            r.sent_back.whole,
            r.sent_back.part,
            r.sent_back.fraction,
            r.late.whole,
            r.late.part,
            r.late.fraction,
            r.overdue_now,
        )
        for r in rows
    ]


@exportable("review-partner-types", "Where partners struggle, by partnership type")
def partner_types_table(args) -> Table:
    filters, _ = _filters(args)
    rows = _group_rows(by_partnership_type(filters))
    return _table(_group_columns("Partnership type"), rows, filters)


@exportable("review-districts", "Where partners struggle, by district")
def districts_table(args) -> Table:
    filters, _ = _filters(args)
    return _table(_group_columns("District"), _group_rows(by_district(filters)), filters)


@exportable("review-reviewers", "Review load by reviewer")
def reviewers_table(args) -> Table:
    filters, _ = _filters(args)
    target = current_app.config["REVIEW_WORKING_DAYS"]
    columns = (
        Column("Reviewer"),
        Column("Active", "bool"),
        Column("Decided in the period", "int"),
        Column("Median working days to decide", "number"),
        Column(f"Decided within {target} working days", "int"),
        Column(f"Share within {target} working days", "percent"),
        Column("Waiting now", "int"),
        Column("Oldest waiting since", "datetime"),
    )
    rows = [
        (
            r.name,
            r.active,
            r.decided,
            r.median_working_days,
            r.within_target.part,
            r.within_target.fraction,
            r.waiting,
            r.oldest_waiting,
        )
        for r in review_load(filters)
    ]
    return _table(columns, rows, filters)
