"""Accreditation templates: validation, editing in place, versions, opening cycles."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.accreditation.templates import (
    RequirementDraft,
    StageDraft,
    TemplateDraft,
    check,
    create_template,
    families,
    open_cycle,
    save_template,
)
from portal.core.clock import local_today
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.models import Accreditation, AccreditationTemplate, AuditEvent


def draft(**changes) -> TemplateDraft:
    """A valid two-stage template; `changes` replace its parts."""
    values = {
        "name": "Standard accreditation",
        "validity_months": 24,
        "stages": [
            StageDraft(
                "Document submission",
                30,
                1,
                [
                    RequirementDraft(
                        "Registration certificate",
                        guidance="A certified copy.",
                        document_type="registration_certificate",
                        formats=["pdf"],
                        due_offset_days=14,
                    ),
                    RequirementDraft("Audited accounts", formats=["pdf", "xlsx"]),
                ],
            ),
            StageDraft("Final approval", 14, 2, []),
        ],
    }
    return TemplateDraft(**(values | changes))


def refused(d: TemplateDraft) -> DomainError:
    with pytest.raises(DomainError) as caught:
        check(d)
    return caught.value


def test_a_valid_template_passes(staff):
    check(draft())  # refuses nothing
    template = create_template(staff["admin"], draft())
    assert [stage.name for stage in template.stages] == [s.name for s in draft().stages]


def test_a_template_needs_a_stage():
    error = refused(draft(stages=[]))
    assert error.field == "stages" and "at least one stage" in error.message


def test_overlapping_stages_are_refused():
    d = draft()
    d.stages[1].position = 1
    error = refused(d)
    assert error.field == "stages-1-position"
    assert "overlaps Document submission" in error.message


def test_out_of_order_stages_are_refused():
    d = draft()
    d.stages[0].position = 3
    error = refused(d)
    assert error.field == "stages-1-position"
    assert "must be in order" in error.message


def test_a_stage_lasts_at_least_a_day():
    d = draft()
    d.stages[0].duration_days = 0
    assert refused(d).field == "stages-0-duration_days"


def test_names_are_required():
    d = draft()
    d.stages[0].requirements[1].name = " "
    assert refused(d).field == "stages-0-requirements-1-name"
    d = draft()
    d.stages[1].name = ""
    assert refused(d).field == "stages-1-name"
    assert refused(draft(name="")).field == "name"


def test_a_due_offset_before_the_start_is_refused():
    d = draft()
    d.stages[0].requirements[0].due_offset_days = -3
    error = refused(d)
    assert error.field == "stages-0-requirements-0-due_offset_days"
    assert "before the start" in error.message


def test_a_due_offset_after_the_stage_ends_is_refused():
    d = draft()
    d.stages[0].requirements[0].due_offset_days = 31
    error = refused(d)
    assert error.field == "stages-0-requirements-0-due_offset_days"
    assert "lasts 30 days" in error.message


def test_unknown_formats_and_document_types_are_refused():
    d = draft()
    d.stages[0].requirements[0].formats = ["pdf", "exe"]
    assert refused(d).field == "stages-0-requirements-0-formats"
    d = draft()
    d.stages[0].requirements[0].document_type = "passport"
    assert refused(d).field == "stages-0-requirements-0-document_type"


def test_errors_carry_the_forms_own_field_names():
    """Blank rows the form dropped do not shift which field an error lands on."""
    d = draft()
    d.stages[1].key = "stages-4-"
    d.stages[1].duration_days = 0
    assert refused(d).field == "stages-4-duration_days"


def test_nothing_is_saved_when_the_draft_is_refused(staff):
    with pytest.raises(DomainError, match="^A template needs at least one stage.$") as caught:
        create_template(staff["admin"], draft(stages=[]))
    assert caught.value.field == "stages"
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(AccreditationTemplate.id))) == 0


def test_creating_a_template_stores_stages_and_requirements(staff):
    template = create_template(staff["admin"], draft())
    assert (template.version, template.family_id) == (1, template.id)
    assert [s.name for s in template.stages] == ["Document submission", "Final approval"]
    first = template.stages[0].requirements[0]
    assert (first.guidance, first.formats, first.due_offset_days) == (
        "A certified copy.",
        ["pdf"],
        14,
    )
    assert first.document_type == "registration_certificate"


def test_a_template_nobody_runs_on_is_edited_in_place(staff):
    template = create_template(staff["admin"], draft())
    changed = draft(name="Standard accreditation 2026")
    changed.stages[0].duration_days = 45
    saved = save_template(staff["admin"], template, changed)
    assert (saved.id, saved.version, saved.name) == (template.id, 1, "Standard accreditation 2026")
    assert saved.stages[0].duration_days == 45
    assert db.session.scalar(db.select(db.func.count(AccreditationTemplate.id))) == 1


def test_editing_a_template_in_use_makes_a_new_version(staff, make_partner):
    template = create_template(staff["admin"], draft())
    partner, focal, running = make_partner(template=template)
    old_requirements = [i.requirement_id for i in running.items]

    changed = draft()
    changed.stages[0].requirements.append(RequirementDraft("Tax clearance"))
    newer = save_template(staff["admin"], template, changed)

    assert newer.id != template.id
    assert (newer.family_id, newer.version) == (template.family_id, 2)
    db.session.refresh(template)
    assert template.superseded_at is not None
    # The running accreditation keeps the version (and the requirements) it started on.
    db.session.refresh(running)
    assert running.template_id == template.id
    assert [i.requirement_id for i in running.items] == old_requirements
    assert len(template.stages[0].requirements) == 2
    assert len(newer.stages[0].requirements) == 3
    event = db.session.scalar(
        db.select(AuditEvent).where(
            AuditEvent.object_type == "AccreditationTemplate", AuditEvent.object_id == newer.id
        )
    )
    assert (event.action, event.changes) == ("template_versioned", {"version": [1, 2]})

    # A new cycle starts on the new version; the old one is no longer offered.
    other, _, _ = make_partner(name="Beta Care", acronym="BC", template=newer)
    cycle = db.session.scalar(db.select(Accreditation).filter_by(partner_id=other.id))
    assert cycle.template_id == newer.id
    with pytest.raises(DomainError, match="was replaced"):
        save_template(staff["admin"], template, draft())

    [family] = families()
    assert (family.current.id, family.versions, family.running) == (newer.id, 2, {1: 1, 2: 1})


def test_opening_a_cycle_sets_due_dates_from_the_start(staff, make_partner):
    template = create_template(staff["admin"], draft())
    partner, focal, first = make_partner(template=template)
    first.decision, first.decided_at = "not_accredited", first.created_at
    db.session.commit()
    start = date(2026, 3, 1)

    cycle = open_cycle(staff["admin"], partner, template, start)

    assert [m.due_on for m in cycle.milestones] == [date(2026, 3, 31), date(2026, 4, 14)]
    due = {i.requirement.name: i.due_on for i in cycle.items}
    assert due == {
        "Registration certificate": start + timedelta(days=14),
        "Audited accounts": date(2026, 3, 31),
    }


def test_a_second_running_cycle_is_refused(staff, make_partner):
    template = create_template(staff["admin"], draft())
    partner, focal, running = make_partner(template=template)
    with pytest.raises(DomainError, match="already has an accreditation running"):
        open_cycle(staff["admin"], partner, template, local_today())
    assert db.session.scalar(db.select(db.func.count(Accreditation.id))) == 1


def test_a_closed_partner_gets_no_new_cycle(staff, make_partner):
    template = create_template(staff["admin"], draft())
    partner, focal, running = make_partner(template=template)
    running.decision, running.decided_at = "not_accredited", running.created_at
    partner.status = "closed"
    db.session.commit()
    with pytest.raises(DomainError, match="is closed"):
        open_cycle(staff["admin"], partner, template, local_today())
