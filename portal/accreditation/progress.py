"""Where an accreditation stands: read-only views built in a fixed number of queries.

A requirement is *satisfied* when its latest submission is approved, when a valid
document of its type is in the partner's vault, or when staff marked it not
applicable. Completion counts satisfied required documents against the required
ones that apply; everything that reports progress goes through here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext
from sqlalchemy import and_, case, exists, func, or_
from sqlalchemy.orm import selectinload

from portal.core.clock import local_today
from portal.core.extensions import db
from portal.core.translated import translated
from portal.models import (
    Accreditation,
    ChecklistItem,
    Milestone,
    OrganisationDocument,
    Requirement,
    Stage,
    Submission,
)

SATISFIED = ("approved", "in_vault", "not_applicable")


@dataclass
class RequirementState:
    requirement: Requirement
    milestone: Milestone
    versions: list[Submission]  # newest first
    item: ChecklistItem | None = None
    vault_document: OrganisationDocument | None = None  # valid, of the requirement's type

    @property
    def latest(self) -> Submission | None:
        return self.versions[0] if self.versions else None

    @property
    def due_on(self) -> date:
        return self.item.due_on if self.item else self.milestone.due_on

    @property
    def status(self) -> str:
        """missing, submitted, changes_requested, approved, in_vault, withdrawn (the
        partner took back its latest version: the file is still listed, nothing is
        with the reviewers) or not_applicable."""
        if self.item is not None and self.item.not_applicable:
            return "not_applicable"
        latest = self.latest
        if latest is not None and latest.status == "approved":
            return "approved"
        if self.vault_document is not None:
            return "in_vault"
        if latest is None:
            return "missing"
        if latest.status == "withdrawn":
            return "withdrawn"
        return "submitted" if latest.status == "superseded" else latest.status

    @property
    def satisfied(self) -> bool:
        return self.status in SATISFIED

    @property
    def counts(self) -> bool:
        """Whether it counts towards completion: required, and not waived."""
        return self.requirement.required and self.status != "not_applicable"

    @property
    def can_upload(self) -> bool:
        return not self.satisfied


@dataclass
class Action:
    kind: str  # upload, revise, overdue
    # The requirement to upload or revise, or the overdue milestone.
    subject: Requirement | Milestone
    due_on: date
    requirement_id: int | None = None
    item_id: int | None = None

    @property
    def title(self) -> str:
        """In the language being written when it is read (a page, or an email)."""
        name = translated(self.subject, "name")
        if self.kind == "upload":
            return gettext("Upload %(document)s", document=name)
        if self.kind == "revise":
            return gettext("Revise %(document)s", document=name)
        return gettext("%(stage)s is overdue", stage=name)

    def is_overdue(self, today: date) -> bool:
        return self.due_on < today


@dataclass
class Progress:
    accreditation: Accreditation
    requirements: list[RequirementState]
    today: date
    actions: list[Action] = field(default_factory=list)

    @property
    def required(self) -> list[RequirementState]:
        return [r for r in self.requirements if r.counts]

    @property
    def percent(self) -> int:
        required = self.required
        if not required:
            return 100
        satisfied = sum(1 for r in required if r.satisfied)
        return round(100 * satisfied / len(required))

    @property
    def ready_for_sign_off(self) -> bool:
        """Everything in hand and every stage done but final approval."""
        accreditation = self.accreditation
        return (
            accreditation.running
            and all(m.completed_at is not None for m in accreditation.milestones[:-1])
            and all(r.satisfied for r in self.required)
        )

    def by_milestone(self) -> list[tuple[Milestone, list[RequirementState]]]:
        groups: dict[int, list[RequirementState]] = defaultdict(list)
        for state in self.requirements:
            groups[state.milestone.id].append(state)
        return [(m, groups[m.id]) for m in self.accreditation.milestones]


def load_accreditation(accreditation_id: int) -> Accreditation | None:
    return db.session.scalar(
        db.select(Accreditation)
        .where(Accreditation.id == accreditation_id)
        .options(
            selectinload(Accreditation.partner),
            selectinload(Accreditation.items),
            selectinload(Accreditation.milestones)
            .selectinload(Milestone.stage)
            .selectinload(Stage.requirements),
        )
    )


def valid_vault_documents(partner_id: int, today: date) -> dict[str, OrganisationDocument]:
    """The partner's usable vault documents by type (the one valid longest)."""
    documents = db.session.scalars(
        db.select(OrganisationDocument)
        .where(
            OrganisationDocument.partner_id == partner_id,
            OrganisationDocument.status == "accepted",
            OrganisationDocument.valid_until >= today,
        )
        .order_by(OrganisationDocument.valid_until)
    )
    return {d.document_type: d for d in documents}


def progress(accreditation: Accreditation, today: date) -> Progress:
    """Each requirement with its versions, the percentage and the outstanding actions."""
    submissions = db.session.scalars(
        db.select(Submission)
        .where(Submission.accreditation_id == accreditation.id)
        .options(selectinload(Submission.reviewer), selectinload(Submission.change_reason))
        .order_by(Submission.version.desc())
    )
    versions: dict[int, list[Submission]] = defaultdict(list)
    for submission in submissions:
        versions[submission.requirement_id].append(submission)
    items = {item.requirement_id: item for item in accreditation.items}
    vault = valid_vault_documents(accreditation.partner_id, today)
    states = [
        RequirementState(
            requirement,
            milestone,
            versions.get(requirement.id, []),
            items.get(requirement.id),
            vault.get(requirement.document_type) if requirement.document_type else None,
        )
        for milestone in accreditation.milestones
        for requirement in milestone.stage.requirements
    ]
    result = Progress(accreditation, states, today)
    result.actions = outstanding_actions(result)
    return result


def satisfied_requirement_ids(accreditation: Accreditation, today: date | None = None) -> set[int]:
    state = progress(accreditation, today or local_today())
    return {s.requirement.id for s in state.requirements if s.satisfied}


def outstanding_actions(result: Progress) -> list[Action]:
    """What the partner still has to do, soonest deadline first."""
    actions = []
    for state in result.required:
        item_id = state.item.id if state.item else None
        if state.status in ("missing", "withdrawn"):
            kind = "upload"
        elif state.status == "changes_requested":
            kind = "revise"
        else:
            continue
        actions.append(
            Action(
                kind,
                state.requirement,
                state.due_on,
                state.requirement.id,
                item_id,
            )
        )
    for milestone in result.accreditation.milestones:
        if milestone.is_overdue(result.today):
            actions.append(Action("overdue", milestone, milestone.due_on))
    return sorted(actions, key=lambda a: (a.due_on, a.kind != "overdue"))


def satisfied_condition(today: date):
    """SQL: this checklist item's requirement is in hand (joined to Requirement and
    Accreditation). Used by `completion` and the staff lists so that they agree
    with `RequirementState.satisfied`."""
    approved = exists().where(
        Submission.accreditation_id == ChecklistItem.accreditation_id,
        Submission.requirement_id == ChecklistItem.requirement_id,
        Submission.status == "approved",
    )
    in_vault = exists().where(
        OrganisationDocument.partner_id == Accreditation.partner_id,
        OrganisationDocument.document_type == Requirement.document_type,
        OrganisationDocument.status == "accepted",
        OrganisationDocument.valid_until >= today,
    )
    return or_(approved, and_(Requirement.document_type.is_not(None), in_vault))


def completion(accreditation_ids: list[int], today: date | None = None) -> dict[int, int]:
    """Completion percentage of many accreditations in one query, not one per row."""
    if not accreditation_ids:
        return {}
    today = today or local_today()
    rows = db.session.execute(
        db.select(
            ChecklistItem.accreditation_id,
            func.count(ChecklistItem.id),
            func.sum(case((satisfied_condition(today), 1), else_=0)),
        )
        .join(Requirement, Requirement.id == ChecklistItem.requirement_id)
        .join(Accreditation, Accreditation.id == ChecklistItem.accreditation_id)
        .where(
            ChecklistItem.accreditation_id.in_(accreditation_ids),
            Requirement.required,
            ChecklistItem.not_applicable_at.is_(None),
        )
        .group_by(ChecklistItem.accreditation_id)
    ).all()
    counts = {aid: (total, satisfied or 0) for aid, total, satisfied in rows}
    return {
        aid: round(100 * counts[aid][1] / counts[aid][0]) if counts.get(aid) else 100
        for aid in accreditation_ids
    }
