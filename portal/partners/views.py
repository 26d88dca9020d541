"""Partner records for programme staff: the list, the sectioned add/edit form in
the slide-in panel (plain pages without JavaScript), the detail page, status
changes and annual reviews."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qsl, urlsplit

from flask import abort, flash, make_response, redirect, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict
from wtforms import SelectChoice

from portal.accreditation.progress import completion
from portal.core.access import admin_required, may_see_partner, staff_required
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.htmx import attach_error, hidden_inputs, is_htmx, render
from portal.core.storage import storage
from portal.core.uploads import UploadTooLarge
from portal.models import (
    AuditEvent,
    Coverage,
    OrgUnit,
    OrgUnitGroup,
    Partner,
    PartnerDocument,
    PartnerReview,
    User,
)
from portal.partners import bp
from portal.partners.agreements import add_document, expired, expiring_soon
from portal.partners.forms import (
    DocumentForm,
    LeadershipForm,
    PartnerForm,
    ReviewForm,
    StatusForm,
)
from portal.partners.listing import (
    Filters,
    districts,
    partner_page,
    partners_changed_for,
    reviews_due_count,
)
from portal.partners.models import DOCUMENT_KINDS, PARTNER_STATUSES, PARTNERSHIP_TYPES
from portal.partners.people import change_leadership, set_user_access
from portal.partners.records import (
    PartnerDraft,
    add_partner,
    change_status,
    check_draft,
    likely_duplicates,
    mark_reviewed,
    record_look,
    update_partner,
)


def _list_context(filters: Filters, results_only: bool = False) -> dict:
    """What the list needs; `results_only` leaves out what only the page around
    the results shows (the search as you type asks for the results alone)."""
    page = partner_page(filters)
    return {
        "page": page,
        "changed": partners_changed_for(current_user, page.rows),
        "reviews_due": None if results_only else reviews_due_count(),
        "f": filters,
        "districts": [] if results_only else districts(),
        "types": PARTNERSHIP_TYPES,
        "statuses": PARTNER_STATUSES,
    }


@bp.get("")
@staff_required
def index():
    """Search, filter, sort and page through the partners; the URL holds the view."""
    filters = Filters.from_args(request.args)
    response = render(
        "partners/index.html", block="results", **_list_context(filters, results_only=is_htmx())
    )
    if is_htmx():
        # The address bar shows the short, bookmarkable form of the view.
        response.headers["HX-Push-Url"] = url_for(".index", **filters.args())
    return response


# --- the add/edit form ------------------------------------------------------------


def _labels(targets: list[str]) -> dict[str, str]:
    """What to call each coverage target on the form (two queries)."""
    units = [t.split(":", 1)[1] for t in targets if t.startswith("unit:")]
    groups = [t.split(":", 1)[1] for t in targets if t.startswith("group:")]
    labels = {"nationwide": "Whole country"}
    if units:
        found = db.session.scalars(db.select(OrgUnit).where(OrgUnit.id.in_(units))).all()
        labels |= {f"unit:{u.id}": u.name for u in found}
    if groups:
        found = db.session.scalars(db.select(OrgUnitGroup).where(OrgUnitGroup.id.in_(groups)))
        labels |= {f"group:{g.id}": f"{g.name} (group)" for g in found}
    return labels


def search_areas(query: str) -> list[dict]:
    """Picker results: the whole country, matching groups, matching units with
    where they lie, in a fixed number of queries."""
    query = query.strip()
    results = []
    if not query or "country".startswith(query.lower()) or "national".startswith(query.lower()):
        results.append({"key": "nationwide", "name": "Whole country", "where": "national partner"})
    if not query:
        return results
    groups = db.session.scalars(
        db.select(OrgUnitGroup)
        .where(OrgUnitGroup.name.ilike(f"%{query}%"))
        .order_by(OrgUnitGroup.name)
        .limit(5)
    ).all()
    results += [{"key": f"group:{g.id}", "name": g.name, "where": "group"} for g in groups]
    from portal.orgunits import importer as orgunits  # noqa: PLC0415  (being written alongside)

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
                    {"target": pick, "label": labels[pick], "starts_on": date.today()}
                )
        return _form_page(form, partner, areas=[], focus="area-q")
    if action.startswith("remove_area-"):
        index = action.removeprefix("remove_area-")
        form.coverage.entries = [e for e in form.coverage.entries if e.name != f"coverage-{index}"]
    return _form_page(form, partner, areas=search_areas(query), area_q=query, focus="area-q")


def _save(form: PartnerForm, draft: PartnerDraft, partner: Partner | None):
    if partner is None:
        partner = add_partner(current_user, draft)
        email = partner.primary_contact.email
        notice = f"{partner.name} added; an invitation was emailed to {email}."
    else:
        update_partner(
            current_user, partner, draft, reason=form.reason.data or "", version=form.version.data
        )
        notice = f"{partner.name} saved."
    current = urlsplit(request.headers.get("HX-Current-URL", ""))
    if is_htmx() and current.path == url_for(".index"):
        # An empty panel closes it; the list (as the user was looking at it) and
        # the notice change out of band.
        filters = Filters.from_args(MultiDict(parse_qsl(current.query)))
        return render(
            "partners/_added.html", notice=notice, partner=partner, **_list_context(filters)
        )
    flash(notice, "success")
    return _back_to(partner)


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def new():
    """Add a partner: the slide-in panel for HTMX, a plain page without it."""
    return _edit(None)


def _partner(partner_id: int) -> Partner:
    partner = db.get_or_404(Partner, partner_id)
    if partner.merged_into_id:
        if request.method != "GET":
            abort(404)  # a change meant for a partner that no longer exists on its own
        # Old links of a merged partner lead to the one it was merged into.
        args = request.view_args | {"partner_id": partner.merged_into_id}
        abort(redirect(url_for(request.endpoint, **args, **request.args)))
    return partner


@bp.route("/<int:partner_id>/edit", methods=["GET", "POST"])
@admin_required
def edit(partner_id: int):
    return _edit(_partner(partner_id))


# --- the record ---------------------------------------------------------------


@bp.get("/<int:partner_id>")
@staff_required
def show(partner_id: int):
    """A partner's profile, contacts, coverage, people, accreditation and history."""
    partner = _partner(partner_id)
    # First: recording the look commits, which would expire everything loaded before.
    previous_look = record_look(current_user, partner)
    history = db.session.scalars(
        db.select(AuditEvent)
        .where(AuditEvent.partner_id == partner.id)
        .options(selectinload(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    ).all()
    coverage = db.session.scalars(
        db.select(Coverage)
        .filter_by(partner_id=partner.id)
        .options(
            selectinload(Coverage.org_unit),
            selectinload(Coverage.district),
            selectinload(Coverage.org_unit_group),
        )
        .order_by(Coverage.starts_on)
    ).all()
    reviews = db.session.scalars(
        db.select(PartnerReview)
        .filter_by(partner_id=partner.id)
        .options(selectinload(PartnerReview.reviewed_by))
        .order_by(PartnerReview.reviewed_at.desc())
    ).all()
    return render(
        "partners/show.html",
        partner=partner,
        history=history,
        coverage_by_district=_by_district(coverage),
        ended_coverage=[c for c in coverage if not c.current],
        reviews=reviews,
        percent=completion([a.id for a in partner.accreditations]),
        since=previous_look.seen_at if previous_look else None,
        status_form=StatusForm(
            prefix="status", status=_next_status(partner), effective_on=date.today()
        ),
        review_form=ReviewForm(),
        document_form=DocumentForm(valid_from=date.today()),
        expiring_soon=expiring_soon,
        expired=expired,
        kinds=DOCUMENT_KINDS,
    )


def _back_to(partner: Partner):
    """After a change on the partner's page: that page again, whole (under HTMX a
    redirect would be followed and swapped into the form)."""
    target = url_for(".show", partner_id=partner.id)
    if is_htmx():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


def _next_status(partner: Partner) -> str:
    return "active" if partner.status != "active" else "on_hold"


def _by_district(coverage: list[Coverage]) -> list[tuple[str, list[Coverage]]]:
    """Current coverage grouped under its district (national and groups first)."""
    groups: dict[str, list[Coverage]] = {}
    for cover in coverage:
        if not cover.current:
            continue
        if cover.nationwide:
            key = "Whole country"
        elif cover.org_unit_group_id:
            key = "Groups of units"
        elif cover.district is not None:
            key = cover.district.name
        else:
            key = "Above district level"
        groups.setdefault(key, []).append(cover)
    first = ["Whole country", "Above district level", "Groups of units"]
    return sorted(
        groups.items(),
        key=lambda kv: (kv[0] not in first, first.index(kv[0]) if kv[0] in first else 0, kv[0]),
    )


@bp.post("/<int:partner_id>/status")
@admin_required
def status(partner_id: int):
    partner = _partner(partner_id)
    form = StatusForm(prefix="status")  # its ids must not clash with a panel's fields
    if form.validate_on_submit():
        try:
            change_status(
                current_user,
                partner,
                form.status.data,
                reason=form.reason.data,
                effective_on=form.effective_on.data,
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(f"{partner.name} is now {PARTNER_STATUSES[partner.status].lower()}.", "success")
            return _back_to(partner)
    return render(
        "partners/status.html", block="form", status=422, partner=partner, status_form=form
    )


@bp.post("/<int:partner_id>/review")
@admin_required
def review(partner_id: int):
    partner = _partner(partner_id)
    form = ReviewForm()
    if form.validate_on_submit():
        done = mark_reviewed(current_user, partner, form.note.data or "")
        flash(
            f"Annual review of {partner.name} recorded; the next is due "
            f"{done.next_review_on:%d %b %Y}.",
            "success",
        )
        return redirect(url_for(".show", partner_id=partner.id))
    abort(400)


@bp.get("/reviews")
@staff_required
def reviews_due():
    """Annual reviews due within 30 days, overdue ones first."""
    return redirect(url_for(".index", review="due", sort="review"))


# --- agreements -----------------------------------------------------------------


@bp.post("/<int:partner_id>/documents")
@admin_required
def add_agreement(partner_id: int):
    """Attach a partnership agreement, memorandum of understanding or renewal letter."""
    partner = _partner(partner_id)
    form = DocumentForm()
    status = 422
    if form.validate_on_submit():
        try:
            document = add_document(
                current_user,
                partner,
                kind=form.kind.data,
                reference=form.reference.data,
                valid_from=form.valid_from.data,
                valid_until=form.valid_until.data,
                upload=form.file.data,
            )
        except DomainError as error:
            attach_error(form, error)
            status = 413 if isinstance(error, UploadTooLarge) else 422
        else:
            flash(f"{document.filename} attached to {partner.name}.", "success")
            return redirect(url_for(".show", partner_id=partner.id) + "#agreements")
    return render(
        "partners/agreement.html", block="form", status=status, partner=partner, document_form=form
    )


@bp.get("/<int:partner_id>/documents/<int:document_id>")
@login_required
def agreement_file(partner_id: int, document_id: int):
    """An agreement's file, as an attachment, to staff and the partner's own people."""
    partner = _partner(partner_id)  # an old link of a merged partner is redirected
    document = db.session.scalar(
        db.select(PartnerDocument).filter_by(id=document_id, partner_id=partner.id)
    )
    if document is None or not may_see_partner(current_user, partner.id):
        abort(404)
    path = storage().path(document.storage_key)
    if not path.exists():
        abort(404)
    return send_file(
        path, mimetype=document.content_type, as_attachment=True, download_name=document.filename
    )


# --- people -----------------------------------------------------------------------


@bp.route("/<int:partner_id>/focal", methods=["GET", "POST"])
@admin_required
def focal(partner_id: int):
    """A leadership change: someone new becomes the primary focal person."""
    partner = _partner(partner_id)
    form = LeadershipForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = change_leadership(
                current_user,
                partner,
                name=form.name.data,
                email=form.email.data,
                title=form.title.data or "",
                phone=form.phone.data or "",
                deactivate_previous=form.deactivate_previous.data,
                reason=form.reason.data or "",
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            notice = (
                f"{user.name} is now the focal point of {partner.name}; "
                "a welcome email is on its way."
            )
            flash(notice, "success")
            return _back_to(partner)
    if form.is_submitted():
        status = 422
    return render("partners/focal.html", block="panel", status=status, partner=partner, form=form)


@bp.post("/<int:partner_id>/users/<int:user_id>/access")
@admin_required
def user_access(partner_id: int, user_id: int):
    """Staff override: deactivate or reactivate a partner user's login."""
    partner = _partner(partner_id)
    user = db.session.scalar(db.select(User).filter_by(id=user_id, partner_id=partner.id))
    if user is None:
        abort(404)
    try:
        set_user_access(current_user, user, active=request.form.get("active") == "1")
    except DomainError as error:
        flash(error.message, "error")
    else:
        state = "can log in again" if user.active else "can no longer log in"
        flash(f"{user.name} {state}.", "success")
    return redirect(url_for(".show", partner_id=partner.id))
