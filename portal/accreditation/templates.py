"""Accreditation templates and the cycles opened from them.

A template nobody runs on is edited in place. Once an accreditation runs on it,
saving makes version+1 in the same family: running accreditations keep the
version they started on (their checklist items point at its requirements), and
new cycles take the newest one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext
from sqlalchemy import func
from sqlalchemy.orm import selectinload

from portal.accreditation.lifecycle import open_accreditation
from portal.accreditation.template_translations import carry_translations, written_translations
from portal.core import audit, filetypes
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.filters import day
from portal.models import (
    Accreditation,
    AccreditationTemplate,
    Partner,
    Requirement,
    Stage,
    User,
    utcnow,
)
from portal.vault.models import DOCUMENT_TYPES


@dataclass
class RequirementDraft:
    name: str
    description: str = ""
    guidance: str = ""
    document_type: str | None = None
    formats: list[str] = field(default_factory=list)
    required: bool = True
    due_offset_days: int | None = None  # None: due when the stage ends
    key: str = ""  # the form's field prefix, so errors land next to the field


@dataclass
class StageDraft:
    name: str
    duration_days: int | None
    position: int | None
    requirements: list[RequirementDraft] = field(default_factory=list)
    key: str = ""


@dataclass
class TemplateDraft:
    name: str
    description: str = ""
    validity_months: int | None = 24
    stages: list[StageDraft] = field(default_factory=list)

    @classmethod
    def of(cls, template: AccreditationTemplate) -> TemplateDraft:
        return cls(
            name=template.name,
            description=template.description,
            validity_months=template.validity_months,
            stages=[
                StageDraft(
                    name=stage.name,
                    duration_days=stage.duration_days,
                    position=stage.position,
                    requirements=[
                        RequirementDraft(
                            name=r.name,
                            description=r.description,
                            guidance=r.guidance,
                            document_type=r.document_type,
                            formats=r.formats,
                            required=r.required,
                            due_offset_days=r.due_offset_days,
                        )
                        for r in stage.requirements
                    ],
                )
                for stage in template.stages
            ],
        )


def check(draft: TemplateDraft) -> None:
    """Refuse a template that cannot run; the error names the field at fault."""
    if not (draft.name or "").strip():
        raise DomainError(gettext("Give the template a name."), field="name")
    if draft.validity_months is None or not 1 <= draft.validity_months <= 120:
        raise DomainError(
            gettext("An accreditation is valid for 1 to 120 months."), field="validity_months"
        )
    if not draft.stages:
        raise DomainError(gettext("A template needs at least one stage."), field="stages")
    previous: StageDraft | None = None
    for i, stage in enumerate(draft.stages):
        key = stage.key or f"stages-{i}-"
        label = stage.name.strip() or gettext("Stage %(num)d", num=i + 1)
        if not stage.name.strip():
            raise DomainError(gettext("Give the stage a name."), field=key + "name")
        if stage.position is None:
            raise DomainError(
                gettext("%(stage)s: give its position.", stage=label), field=key + "position"
            )
        if previous is not None and stage.position == previous.position:
            raise DomainError(
                gettext(
                    "%(stage)s overlaps %(other)s: both are at position %(position)s."
                    " Each stage needs its own place.",
                    stage=label,
                    other=previous.name,
                    position=stage.position,
                ),
                field=key + "position",
            )
        if previous is not None and stage.position < previous.position:
            raise DomainError(
                gettext(
                    "%(stage)s (position %(position)s) is listed after %(other)s"
                    " (position %(other_position)s): stages must be in order.",
                    stage=label,
                    position=stage.position,
                    other=previous.name,
                    other_position=previous.position,
                ),
                field=key + "position",
            )
        if stage.duration_days is None or stage.duration_days < 1:
            raise DomainError(
                gettext("%(stage)s: the expected duration is at least one day.", stage=label),
                field=key + "duration_days",
            )
        for j, requirement in enumerate(stage.requirements):
            _check_requirement(requirement, stage, requirement.key or f"{key}requirements-{j}-")
        previous = stage


def _check_requirement(requirement: RequirementDraft, stage: StageDraft, key: str) -> None:
    if not requirement.name.strip():
        raise DomainError(gettext("Give the requirement a name."), field=key + "name")
    offset = requirement.due_offset_days
    if offset is not None and offset < 0:
        raise DomainError(
            gettext(
                "%(document)s: a due offset before the start of its stage is not possible;"
                " use 0 for the day the stage starts.",
                document=requirement.name,
            ),
            field=key + "due_offset_days",
        )
    if offset is not None and offset > (stage.duration_days or 0):
        raise DomainError(
            gettext(
                "%(document)s: due %(offset)s days in, but %(stage)s lasts %(days)s days.",
                document=requirement.name,
                offset=offset,
                stage=stage.name,
                days=stage.duration_days,
            ),
            field=key + "due_offset_days",
        )
    unknown = [f for f in requirement.formats if f not in filetypes.ALLOWED]
    if unknown:
        raise DomainError(
            gettext(
                "Unknown file format: %(formats)s. Choose from %(allowed)s.",
                formats=", ".join(unknown),
                allowed=filetypes.ALLOWED_LABEL,
            ),
            field=key + "formats",
        )
    if requirement.document_type and requirement.document_type not in DOCUMENT_TYPES:
        raise DomainError(
            gettext("Choose a known document type, or none."), field=key + "document_type"
        )


def in_use(template: AccreditationTemplate) -> bool:
    return (
        db.session.scalar(
            db.select(Accreditation.id).where(Accreditation.template_id == template.id).limit(1)
        )
        is not None
    )


def _fill(template: AccreditationTemplate, draft: TemplateDraft) -> None:
    """Give `template` the draft's stages and requirements, numbered 1, 2, ..."""
    template.name = draft.name.strip()
    template.description = (draft.description or "").strip()
    template.validity_months = draft.validity_months
    for position, stage_draft in enumerate(draft.stages, start=1):
        stage = Stage(
            position=position,
            name=stage_draft.name.strip(),
            duration_days=stage_draft.duration_days,
        )
        stage.requirements = [
            Requirement(
                position=n,
                name=r.name.strip(),
                description=(r.description or "").strip(),
                guidance=(r.guidance or "").strip(),
                document_type=r.document_type or None,
                accepted_formats=",".join(r.formats),
                required=r.required,
                due_offset_days=r.due_offset_days,
            )
            for n, r in enumerate(stage_draft.requirements, start=1)
        ]
        template.stages.append(stage)


def create_template(actor: User, draft: TemplateDraft) -> AccreditationTemplate:
    check(draft)
    template = AccreditationTemplate(created_by_id=actor.id)
    _fill(template, draft)
    db.session.add(template)
    audit.record(
        actor,
        "template_created",
        template,
        partner_id=None,
        changes={"version": (None, 1), "stages": (None, len(draft.stages))},
    )
    db.session.commit()
    return template


def save_template(
    actor: User, template: AccreditationTemplate, draft: TemplateDraft
) -> AccreditationTemplate:
    """Save changes: in place when nobody runs on it, else as the next version.
    Returns the version that holds the changes."""
    check(draft)
    if template.superseded_at is not None:
        raise DomainError(
            gettext(
                "Version %(version)s was replaced; edit the current version instead.",
                version=template.version,
            )
        )
    written = written_translations(template)
    if not in_use(template):
        # Nothing points at these stages yet: replace them. The deletes are flushed
        # first, or the new stages would collide on (template, position).
        for stage in list(template.stages):
            for requirement in list(stage.requirements):
                db.session.delete(requirement)
            db.session.delete(stage)
        db.session.flush()
        db.session.expire(template, ["stages"])
        _fill(template, draft)
        carry_translations(template, written)
        audit.record(actor, "template_edited", template, partner_id=None)
        db.session.commit()
        return template
    newer = AccreditationTemplate(
        family_id=template.family_id, version=template.version + 1, created_by_id=actor.id
    )
    _fill(newer, draft)
    carry_translations(newer, written)
    template.superseded_at = utcnow()
    db.session.add(newer)
    audit.record(
        actor,
        "template_versioned",
        newer,
        partner_id=None,
        changes={"version": (template.version, newer.version)},
    )
    db.session.commit()
    return newer


def load_template(template_id: int) -> AccreditationTemplate | None:
    return db.session.scalar(
        db.select(AccreditationTemplate)
        .where(AccreditationTemplate.id == template_id)
        .options(selectinload(AccreditationTemplate.stages).selectinload(Stage.requirements))
    )


@dataclass
class Family:
    current: AccreditationTemplate
    versions: int
    running: dict[int, int]  # version -> running accreditations


def families() -> list[Family]:
    """Every template family with its current version, in three queries."""
    current = db.session.scalars(
        db.select(AccreditationTemplate)
        .where(AccreditationTemplate.superseded_at.is_(None))
        .order_by(AccreditationTemplate.name)
    ).all()
    versions = dict(
        db.session.execute(
            db.select(AccreditationTemplate.family_id, func.count()).group_by(
                AccreditationTemplate.family_id
            )
        ).all()
    )
    running: dict[int, dict[int, int]] = {}
    rows = db.session.execute(
        db.select(AccreditationTemplate.family_id, AccreditationTemplate.version, func.count())
        .join(Accreditation, Accreditation.template_id == AccreditationTemplate.id)
        .where(Accreditation.running)
        .group_by(AccreditationTemplate.family_id, AccreditationTemplate.version)
    ).all()
    for family_id, version, count in rows:
        running.setdefault(family_id, {})[version] = count
    return [
        Family(t, versions.get(t.family_id, 1), dict(sorted(running.get(t.family_id, {}).items())))
        for t in current
    ]


def versions_of(template: AccreditationTemplate) -> list[AccreditationTemplate]:
    return db.session.scalars(
        db.select(AccreditationTemplate)
        .where(AccreditationTemplate.family_id == template.family_id)
        .order_by(AccreditationTemplate.version)
    ).all()


def running_on(template: AccreditationTemplate) -> int:
    return db.session.scalar(
        db.select(func.count(Accreditation.id)).where(
            Accreditation.template_id == template.id, Accreditation.running
        )
    )


def current_templates() -> list[AccreditationTemplate]:
    """The versions a new cycle may start on."""
    return db.session.scalars(
        db.select(AccreditationTemplate)
        .where(AccreditationTemplate.superseded_at.is_(None))
        .order_by(AccreditationTemplate.name)
    ).all()


def running_accreditation(partner: Partner) -> Accreditation | None:
    """The partner's cycle without a final decision yet, if any."""
    return db.session.scalar(
        db.select(Accreditation)
        .where(Accreditation.partner_id == partner.id, Accreditation.running)
        .limit(1)
    )


def open_cycle(
    actor: User, partner: Partner, template: AccreditationTemplate | None, started_on: date | None
) -> Accreditation:
    """Open an accreditation for `partner` on a current template version."""
    if partner.status == "closed" or partner.merged_into_id is not None:
        raise DomainError(
            gettext("%(partner)s is closed: it takes no new accreditation.", partner=partner.name)
        )
    if partner.status == "prospective":
        raise DomainError(
            gettext(
                "%(partner)s is prospective: decide on its need check first; going ahead"
                " offers to open its accreditation.",
                partner=partner.name,
            )
        )
    if template is None:
        raise DomainError(gettext("Choose a template."), field="template_id")
    if template.superseded_at is not None:
        raise DomainError(
            gettext(
                "%(template)s version %(version)s was replaced; choose the current one.",
                template=template.name,
                version=template.version,
            ),
            field="template_id",
        )
    if started_on is None:
        raise DomainError(gettext("Choose the start date."), field="started_on")
    if not template.stages:
        raise DomainError(
            gettext("%(template)s has no stages.", template=template.name), field="template_id"
        )
    running = running_accreditation(partner)
    if running is not None:
        raise DomainError(
            gettext(
                "%(partner)s already has an accreditation running (started %(day)s);"
                " it must be decided before another opens.",
                partner=partner.name,
                day=day(running.started_on),
            )
        )
    accreditation = open_accreditation(actor, partner, template, started_on)
    db.session.commit()
    return accreditation
