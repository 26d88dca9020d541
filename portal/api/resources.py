"""What the API serves, each resource defined once (see portal/api/registry.py).

What is left out, on purpose: people. No contact's or user's name, email,
phone, title or address, and no user ids (uploader, reviewer, decider): a
report counts organisations and documents, and the portal's own pages show
staff who did what. No free text written about a partner (status reasons,
decision notes, review feedback, waiver reasons, scope of work): it may speak of
people and is not for tables. And of a submission only its metadata: never its
storage key nor its bytes (downloads are the portal's, with their permission
check). Linked rows are given by id (partner_id, accreditation_id, ...), and a
row carries only what its own updated_at covers, so `updated_since` never misses a
change: a milestone names its accreditation, whose partner_id is on the
accreditation. Names from templates (stage, requirement, template) may be
carried: a template in use never changes, editing it makes a new version. A
partner's types and coverage are in tables of their own, yet its updated_at
covers them: every service that changes them (or renames an org unit)
rewrites the partner's search text (portal/partners/search.py), an UPDATE of
the partner's row (tests/unit/test_updated_at.py).
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import aliased, joinedload, raiseload

from portal.accreditation.models import SUBMISSION_STATUSES
from portal.api.registry import (
    Resource,
    boolean,
    choice,
    day,
    integer,
    listing,
    moment,
    object_of,
    register,
    standard_fields,
    text,
)
from portal.core.extensions import db
from portal.models import (
    Accreditation,
    ChecklistItem,
    Coverage,
    Milestone,
    OrgUnit,
    OrgUnitGroup,
    Partner,
    PartnershipType,
    Submission,
)
from portal.partners.models import (
    LANGUAGES,
    PARTNERSHIP_TYPES,
    REPORTING_FREQUENCIES,
    STATUS_NAMES,
)

NULLABLE_TEXT = {"type": ["string", "null"]}
COVERAGE = object_of(
    {
        "nationwide": {"type": "boolean"},
        "org_unit_id": NULLABLE_TEXT,
        "org_unit_name": NULLABLE_TEXT,
        "org_unit_group_id": NULLABLE_TEXT,
        "org_unit_group_name": NULLABLE_TEXT,
        "district_id": NULLABLE_TEXT,
        "district_name": NULLABLE_TEXT,
        "starts_on": {"type": "string", "format": "date"},
        "ends_on": {"type": ["string", "null"], "format": "date"},
    }
)


def _coverage_of(partner_ids: list[int]) -> dict[int, list[dict]]:
    """Each partner's coverage with the names of what it covers, in one statement
    (plain rows: for a page of 500 partners and their thousands of coverage rows,
    ORM objects took most of the page's time)."""
    unit, district = aliased(OrgUnit), aliased(OrgUnit)
    query = (
        select(
            Coverage.partner_id,
            Coverage.nationwide,
            Coverage.org_unit_id,
            unit.name.label("org_unit_name"),
            Coverage.org_unit_group_id,
            OrgUnitGroup.name.label("org_unit_group_name"),
            Coverage.district_id,
            district.name.label("district_name"),
            Coverage.starts_on,
            Coverage.ends_on,
        )
        .outerjoin(unit, unit.id == Coverage.org_unit_id)
        .outerjoin(OrgUnitGroup, OrgUnitGroup.id == Coverage.org_unit_group_id)
        .outerjoin(district, district.id == Coverage.district_id)
        .where(Coverage.partner_id.in_(partner_ids))
        .order_by(Coverage.partner_id, Coverage.starts_on, Coverage.id)
    )
    found: dict[int, list[dict]] = defaultdict(list)
    for row in db.session.execute(query).mappings():
        entry = {name: row[name] for name in COVERAGE["properties"]}
        entry["nationwide"] = bool(entry["nationwide"])
        entry["starts_on"] = entry["starts_on"].isoformat()
        entry["ends_on"] = entry["ends_on"].isoformat() if entry["ends_on"] else None
        found[row["partner_id"]].append(entry)
    return found


def _types_of(partner_ids: list[int]) -> dict[int, list[str]]:
    query = (
        select(PartnershipType.partner_id, PartnershipType.kind)
        .where(PartnershipType.partner_id.in_(partner_ids))
        .order_by(PartnershipType.partner_id, PartnershipType.kind)
    )
    found: dict[int, list[str]] = defaultdict(list)
    for partner_id, kind in db.session.execute(query):
        found[partner_id].append(kind)
    return found


def _state(accreditation: Accreditation) -> str:
    if accreditation.decision is not None:
        return "decided"
    return "closed" if accreditation.completed_at is not None else "running"


register(
    Resource(
        name="partners",
        title="Partner",
        description="Partner organisations (merged ones too, with merged_into_id).",
        model=Partner,
        fields=standard_fields(
            text("name"),
            text("acronym", nullable=True),
            choice("status", list(STATUS_NAMES)),
            day("status_effective_on", nullable=True),
            integer("merged_into_id", nullable=True, description="The partner it was merged into."),
            listing(
                "partnership_types",
                {"type": "string", "enum": list(PARTNERSHIP_TYPES)},
                batch=_types_of,
            ),
            choice("language", LANGUAGES, description="The language its emails are written in."),
            choice("reporting_frequency", REPORTING_FREQUENCIES),
            day("next_review_on", nullable=True, description="Its next annual review."),
            listing(
                "coverage",
                COVERAGE,
                batch=_coverage_of,
                description="What it covers, ended coverage included (with ends_on): "
                "one org unit, one org-unit group, or the whole country each.",
            ),
            moment("created_at"),
        ),
        options=(raiseload("*"),),
    )
)

register(
    Resource(
        name="accreditations",
        title="Accreditation",
        description="Each partner's accreditation cycles.",
        model=Accreditation,
        fields=standard_fields(
            integer("partner_id"),
            integer("template_id"),
            text("template_name", "template.name"),
            integer("template_version", "template.version"),
            choice("state", ["running", "decided", "closed"], _state),
            day("started_on"),
            moment("completed_at", nullable=True),
            choice("decision", ["accredited", "not_accredited"], nullable=True),
            moment("decided_at", nullable=True),
            day("valid_until", nullable=True, description="Until when an accreditation holds."),
            integer("renewal_of_id", nullable=True, description="The cycle this one renews."),
            moment("created_at"),
        ),
        options=(joinedload(Accreditation.template), raiseload("*")),
    )
)

register(
    Resource(
        name="milestones",
        title="Milestone",
        description="The stages of each accreditation, with their due dates.",
        model=Milestone,
        fields=standard_fields(
            integer("accreditation_id"),
            integer("stage_id"),
            integer("position"),
            text("name"),
            day("due_on"),
            moment("completed_at", nullable=True),
        ),
        options=(raiseload("*"),),
    )
)

register(
    Resource(
        name="checklist-items",
        title="Checklist item",
        description="The documents each accreditation asks for, with their own deadlines "
        "(moved deadlines as moved) and waivers.",
        model=ChecklistItem,
        fields=standard_fields(
            integer("accreditation_id"),
            integer("milestone_id"),
            integer("requirement_id"),
            text("requirement_name", "requirement.name"),
            boolean("required", "requirement.required"),
            day("due_on"),
            boolean("not_applicable", description="Waived as not applicable."),
            moment("not_applicable_at", nullable=True),
        ),
        options=(joinedload(ChecklistItem.requirement), raiseload("*")),
    )
)

register(
    Resource(
        name="submissions",
        title="Submission",
        description="Every uploaded version of a required document and its review "
        "(metadata only: the files stay in the portal).",
        model=Submission,
        fields=standard_fields(
            integer("accreditation_id"),
            integer("requirement_id"),
            text("requirement_name", "requirement.name"),
            integer("version"),
            text("filename"),
            text("content_type"),
            integer("size", description="In bytes."),
            text("sha256"),
            moment("uploaded_at"),
            choice("status", SUBMISSION_STATUSES),
            moment("reviewed_at", nullable=True),
        ),
        options=(joinedload(Submission.requirement), raiseload("*")),
    )
)
