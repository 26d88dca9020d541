"""The sectioned add/edit partner form, in the slide-in panel (a plain page
without JavaScript), with the coverage picker."""

from __future__ import annotations

from urllib.parse import parse_qsl

from flask import flash, request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from wtforms import SelectChoice

from portal.core.access import admin_required, staff_required
from portal.core.clock import local_today
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.forms import attach_error, hidden_inputs
from portal.core.htmx import current_url, go_to, is_htmx, render
from portal.core.text import LIKE_ESCAPE, containing
from portal.models import (
    OrgUnit,
    OrgUnitGroup,
    Partner,
)
from portal.orgunits import units as orgunits
from portal.partners import bp
from portal.partners.drafts import PartnerDraft, check_draft, likely_duplicates
from portal.partners.forms import (
    PartnerForm,
    remember_stored,
)
from portal.partners.listing import (
    Filters,
)
from portal.partners.records import add_partner, update_partner
from portal.partners.views import list_context, partner_record


def _labels(targets: list[str]) -> dict[str, str]:
    """What to call each coverage target on the form (two queries)."""
    units = [t.split(":", 1)[1] for t in targets if t.startswith("unit:")]
    groups = [t.split(":", 1)[1] for t in targets if t.startswith("group:")]
    labels = {"nationwide": gettext("Whole country")}
    if units:
        found = db.session.scalars(db.select(OrgUnit).where(OrgUnit.id.in_(units))).all()
        labels |= {f"unit:{u.id}": u.name for u in found}
    if groups:
        found = db.session.scalars(db.select(OrgUnitGroup).where(OrgUnitGroup.id.in_(groups)))
        labels |= {f"group:{g.id}": gettext("%(name)s (group)", name=g.name) for g in found}
    return labels


def search_areas(query: str) -> list[dict]:
    """Picker results: the whole country, matching groups, matching units with
    where they lie, in a fixed number of queries."""
    query = query.strip()
    results = []
    if not query or "country".startswith(query.lower()) or "national".startswith(query.lower()):
        results.append(
            {
                "key": "nationwide",
                "name": gettext("Whole country"),
                "where": gettext("national partner"),
            }
        )
    if not query:
        return results
    groups = db.session.scalars(
        db.select(OrgUnitGroup)
        .where(OrgUnitGroup.name.ilike(containing(query), escape=LIKE_ESCAPE))
        .order_by(OrgUnitGroup.name)
        .limit(5)
    ).all()
    group = gettext("group")
    results += [{"key": f"group:{g.id}", "name": g.name, "where": group} for g in groups]
    units = orgunits.search(query, limit=20)
    ancestors = orgunits.ancestors_by_id(units)
    for unit in units:
        above = [a.name for a in reversed(ancestors.get(unit.id, []))][:2]
        results.append({"key": f"unit:{unit.id}", "name": unit.name, "where": ", ".join(above)})
    return results


@bp.get("/areas")
@staff_required
def areas():
    """The picker's results as you type (HTMX)."""
    return render(
        "partners/_areas.html", areas=search_areas(request.args.get("area_q", "")), chosen=set()
    )


def _form_page(form: PartnerForm, partner: Partner | None, status: int = 200, **extra):
    form.primary.choices = [SelectChoice(i, str(i)) for i in range(len(form.contacts))]
    chosen = {entry.form.target.data for entry in form.coverage}
    return render(
        "partners/form.html",
        block="panel",
        status=status,
        form=form,
        partner=partner,
        chosen=chosen,
        areas=extra.pop("areas", search_areas("") if not chosen else []),
        **extra,
    )


def _edit(partner: Partner | None):
    if request.method == "GET":
        if partner is None:
            return _form_page(PartnerForm(), None)
        draft = PartnerDraft.of(partner)
        labels = _labels([c.target for c in draft.coverage])
        form = PartnerForm.from_draft(draft, labels, version=partner.version)
        return _form_page(form, partner)

    form = PartnerForm()
    if partner is not None:  # what was left as stored is not checked again
        remember_stored(form.contacts, partner.contacts)
    form.primary.choices = [SelectChoice(i, str(i)) for i in range(len(form.contacts))]
    action = request.form.get("action", "summary")
    if action == "add_contact":
        form.contacts.append_entry()
        # The cursor goes to the new contact (and the panel scrolls there).
        return _form_page(form, partner, focus=form.contacts[-1].form.name.id)
    if action in ("find_areas", "add_areas") or action.startswith("remove_area-"):
        return _change_areas(form, partner, action)
    if action == "edit":
        return _form_page(form, partner)
    if not form.validate():
        return _form_page(form, partner, 422)
    draft = form.draft()
    try:
        check_draft(draft, partner)
        if action == "save":
            return _save(form, draft, partner)
    except DomainError as error:
        attach_error(form, error)
        return _form_page(form, partner, 422)
    duplicates = likely_duplicates(draft.name, draft.acronym, partner.id if partner else None)
    return render(
        "partners/summary.html",
        block="panel",
        form=form,
        draft=draft,
        partner=partner,
        labels=_labels([c.target for c in draft.coverage]),
        duplicates=duplicates,
        hidden=hidden_inputs(form),
    )


def _change_areas(form: PartnerForm, partner: Partner | None, action: str):
    query = request.form.get("area_q", "")
    if action == "add_areas":
        chosen = {entry.form.target.data for entry in form.coverage}
        picks = [p for p in request.form.getlist("pick") if p not in chosen]
        labels = _labels(picks)
        for pick in picks:
            if pick in labels:
                form.coverage.append_entry(
                    {"target": pick, "label": labels[pick], "starts_on": local_today()}
                )
        return _form_page(form, partner, areas=[], focus="area-q")
    if action.startswith("remove_area-"):
        index = action.removeprefix("remove_area-")
        form.coverage.entries = [e for e in form.coverage.entries if e.name != f"coverage-{index}"]
    return _form_page(form, partner, areas=search_areas(query), area_q=query, focus="area-q")


def _save(form: PartnerForm, draft: PartnerDraft, partner: Partner | None):
    if partner is None:
        partner = add_partner(current_user, draft)
        if partner.status == "prospective":
            flash(
                gettext(
                    "%(partner)s added as prospective: check the need first.",
                    partner=partner.name,
                ),
                "success",
            )
            return go_to(url_for("partnerships.need", prospect_id=partner.id))
        email = partner.primary_contact.email
        notice = gettext(
            "%(partner)s added; an invitation was emailed to %(email)s.",
            partner=partner.name,
            email=email,
        )
    else:
        update_partner(
            current_user, partner, draft, reason=form.reason.data or "", version=form.version.data
        )
        notice = gettext("%(partner)s saved.", partner=partner.name)
    current = current_url()
    if is_htmx() and current.path == url_for(".index"):
        # An empty panel closes it; the list (as the user was looking at it) and
        # the notice change out of band.
        filters = Filters.from_args(MultiDict(parse_qsl(current.query)))
        return render(
            "partners/_added.html", notice=notice, partner=partner, **list_context(filters)
        )
    flash(notice, "success")
    return go_to(url_for(".show", partner_id=partner.id))


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def new():
    """Add a partner: the slide-in panel for HTMX, a plain page without it."""
    return _edit(None)


@bp.route("/<int:partner_id>/edit", methods=["GET", "POST"])
@admin_required
def edit(partner_id: int):
    return _edit(partner_record(partner_id))
