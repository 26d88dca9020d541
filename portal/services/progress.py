"""Where an accreditation stands: read-only views built in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import (
    Accreditation,
    Milestone,
    Requirement,
    Stage,
    Submission,
)


@dataclass
class RequirementState:
    requirement: Requirement
    milestone: Milestone
    versions: list[Submission]  # newest first

    @property
    def latest(self) -> Submission | None:
        return self.versions[0] if self.versions else None

    @property
    def status(self) -> str:
        return self.latest.status if self.latest else "missing"

    @property
    def can_upload(self) -> bool:
        return self.status != "approved"


@dataclass
class Action:
    kind: str  # upload, revise, overdue
    title: str
    due_on: date
    requirement_id: int | None = None

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
        return [r for r in self.requirements if r.requirement.required]

    @property
    def percent(self) -> int:
        required = self.required
        if not required:
            return 100
        approved = sum(1 for r in required if r.status == "approved")
        return round(100 * approved / len(required))

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
            selectinload(Accreditation.milestones)
            .selectinload(Milestone.stage)
            .selectinload(Stage.requirements),
        )
    )


def progress(accreditation: Accreditation, today: date) -> Progress:
    """Each requirement with its versions, the percentage and the outstanding actions."""
    submissions = db.session.scalars(
        db.select(Submission)
        .where(Submission.accreditation_id == accreditation.id)
        .options(selectinload(Submission.reviewer))
        .order_by(Submission.version.desc())
    )
    versions: dict[int, list[Submission]] = defaultdict(list)
    for submission in submissions:
        versions[submission.requirement_id].append(submission)
    states = [
        RequirementState(requirement, milestone, versions.get(requirement.id, []))
        for milestone in accreditation.milestones
        for requirement in milestone.stage.requirements
    ]
    result = Progress(accreditation, states, today)
    result.actions = _actions(result)
    return result


def _actions(result: Progress) -> list[Action]:
    actions = []
    for state in result.required:
        if state.status == "missing":
            actions.append(
                Action(
                    "upload",
                    f"Upload {state.requirement.name}",
                    state.milestone.due_on,
                    state.requirement.id,
                )
            )
        elif state.status == "changes_requested":
            actions.append(
                Action(
                    "revise",
                    f"Revise {state.requirement.name}",
                    state.milestone.due_on,
                    state.requirement.id,
                )
            )
    for milestone in result.accreditation.milestones:
        if milestone.is_overdue(result.today):
            actions.append(Action("overdue", f"{milestone.name} is overdue", milestone.due_on))
    return sorted(actions, key=lambda a: (a.due_on, a.kind != "overdue"))


def completion(accreditation_ids: list[int]) -> dict[int, int]:
    """Completion percentage of many accreditations in two queries, not two per row."""
    if not accreditation_ids:
        return {}
    required = dict(
        db.session.execute(
            db.select(Accreditation.id, func.count(Requirement.id))
            .join(Stage, Stage.template_id == Accreditation.template_id)
            .join(Requirement, (Requirement.stage_id == Stage.id) & Requirement.required)
            .where(Accreditation.id.in_(accreditation_ids))
            .group_by(Accreditation.id)
        ).all()
    )
    approved = dict(
        db.session.execute(
            db.select(Submission.accreditation_id, func.count(Submission.id))
            .join(Requirement, (Requirement.id == Submission.requirement_id) & Requirement.required)
            .where(
                Submission.accreditation_id.in_(accreditation_ids),
                Submission.status == "approved",
            )
            .group_by(Submission.accreditation_id)
        ).all()
    )
    return {
        aid: round(100 * approved.get(aid, 0) / required[aid]) if required.get(aid) else 100
        for aid in accreditation_ids
    }
