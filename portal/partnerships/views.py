"""The need check's pages: staff read it, administrators fill it in and decide.
Each change re-renders the checklist card (HTMX) or the whole page without it."""

from __future__ import annotations

from flask import flash, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.core.access import admin_required, require, staff_required
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.forms import attach_error
from portal.core.htmx import go_to, render
from portal.models import Partner
from portal.partnerships import bp
from portal.partnerships import need as service
from portal.partnerships.forms import DecisionForm, NeedItemForm, ResearchForm
from portal.partnerships.models import NEED_SECTIONS, NeedCheck
from portal.partnerships.research import research


def _checked(prospect_id: int) -> tuple[Partner, NeedCheck]:
    """The partner that started as prospective, with its need check (a partner
    added as active has none: 404). A merged partner's check stayed with it and
    is read here as it was decided (nothing changes a check once it is not
    prospective)."""
    partner = db.session.get(Partner, prospect_id)
    check = service.need_check_of(partner) if partner else None
    require(check is not None, hidden=True)
    return partner, check


def _page(partner: Partner, check: NeedCheck, status: int = 200, **forms):
    research_form = forms.pop("research_form", None) or ResearchForm(note=check.research_note)
    return render(
        "partnerships/need.html",
        block="need",
        status=status,
        partner=partner,
        check=check,
        sections=NEED_SECTIONS,
        research=research(partner),
        research_form=research_form,
        item_forms=forms.pop("item_forms", {}),
        new_item_form=lambda key: NeedItemForm(section=key, formdata=None).for_section(key),
        decision_form=forms.pop("decision_form", None) or DecisionForm(),
        missing=service.missing_for_go(check),
        untested=service.untested(check),
        open=partner.status == service.PROSPECTIVE and not check.decision,
        **forms,
    )


@bp.get("/partners/<int:prospect_id>/need")
@staff_required
def need(prospect_id: int):
    """The checklist, the research on duplicates and the decision."""
    return _page(*_checked(prospect_id))


@bp.post("/partners/<int:prospect_id>/need/items")
@admin_required
def add_item(prospect_id: int):
    partner, check = _checked(prospect_id)
    form = NeedItemForm()
    if form.validate_on_submit():
        try:
            service.add_item(
                current_user, partner, form.section.data, form.text.data, form.tested.data
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            return _page(partner, check)
    section = form.section.data if form.section.data in NEED_SECTIONS else ""
    return _page(partner, check, 422, item_forms={section: form.for_section(section)})


@bp.post("/partners/<int:prospect_id>/need/items/<int:need_item_id>/tested")
@admin_required
def set_tested(prospect_id: int, need_item_id: int):
    partner, check = _checked(prospect_id)
    return _changed(
        partner, check, service.set_tested, need_item_id, request.form.get("tested") == "1"
    )


@bp.post("/partners/<int:prospect_id>/need/items/<int:need_item_id>/remove")
@admin_required
def remove_item(prospect_id: int, need_item_id: int):
    partner, check = _checked(prospect_id)
    return _changed(partner, check, service.remove_item, need_item_id)


def _changed(partner: Partner, check: NeedCheck, operation, item_id: int, *args):
    # Another checklist's item (or one removed meanwhile) is not found here.
    require(any(i.id == item_id for i in check.items), hidden=True)
    try:
        operation(current_user, partner, item_id, *args)
    except DomainError as error:
        return _page(partner, check, 422, problem=error.message)
    return _page(partner, check)


@bp.post("/partners/<int:prospect_id>/need/research")
@admin_required
def save_research(prospect_id: int):
    partner, check = _checked(prospect_id)
    form = ResearchForm()
    if form.validate_on_submit():
        try:
            service.save_research(current_user, partner, form.note.data)
        except DomainError as error:
            attach_error(form, error)
        else:
            return _page(partner, check)
    return _page(partner, check, 422, research_form=form)


@bp.post("/partners/<int:prospect_id>/need/decision")
@admin_required
def decide(prospect_id: int):
    partner, check = _checked(prospect_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            service.decide(current_user, partner, form.decision.data, form.reason.data)
        except DomainError as error:
            attach_error(form, error)
        else:
            went = partner.status == "active"
            flash(
                gettext(
                    "%(partner)s is now active: open its first accreditation and agreement.",
                    partner=partner.name,
                )
                if went
                else gettext(
                    "The partnership with %(partner)s does not go ahead; it is closed.",
                    partner=partner.name,
                ),
                "success",
            )
            return go_to(url_for(".need", prospect_id=partner.id))
    return _page(partner, check, 422, decision_form=form)


@bp.app_template_global()
def need_check_of_partner(partner_id: int) -> NeedCheck | None:
    """The partner page's card: the check with its items (two queries), or None."""
    return db.session.scalar(
        select(NeedCheck)
        .where(NeedCheck.partner_id == partner_id)
        .options(selectinload(NeedCheck.items))
    )


@bp.app_context_processor
def need_sections() -> dict:
    return {"need_sections": NEED_SECTIONS}
