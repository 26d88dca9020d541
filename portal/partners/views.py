"""Partner records for programme staff: the list, the sectioned add/edit form in
the slide-in panel (plain pages without JavaScript), the detail page, status
changes and annual reviews."""

from __future__ import annotations

from flask import abort, flash, redirect, request, send_file, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from portal.accreditation.progress import completion
from portal.core.access import (
    admin_required,
    agreement_or_404,
    history_visible_to,
    staff_required,
)
from portal.core.clock import local_today
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.filters import day
from portal.core.forms import attach_error
from portal.core.htmx import go_to, is_htmx, push_url, render
from portal.core.storage import storage
from portal.core.uploads import UploadTooLarge
from portal.models import (
    AuditEvent,
    Coverage,
    Partner,
    PartnerReview,
    User,
)
from portal.partners import bp
from portal.partners.agreements import add_document, expired, expiring_soon
from portal.partners.forms import (
    DocumentForm,
    LeadershipForm,
    ReviewForm,
    StatusForm,
    label,
    labels_of,
)
from portal.partners.listing import (
    Filters,
    districts,
    partner_page,
    partners_changed_for,
    reviews_due_count,
)
from portal.partners.models import (
    DOCUMENT_KINDS,
    PARTNER_STATUSES,
    PARTNERSHIP_TYPES,
    STATUS_NAMES,
)
from portal.partners.people import change_leadership, set_user_access
from portal.partners.status import change_status, mark_reviewed, record_look

# Templates read a stored code as `code_label(code)`, in the reader's language.
bp.add_app_template_global(label, "code_label")

LISTED_STATUSES = {k: v for k, v in STATUS_NAMES.items() if k != "merged"}
# Coverage grouped under these headings before the districts, in this order.
WHOLE_COUNTRY, ABOVE_DISTRICT, GROUPS = "Whole country", "Above district level", "Groups of units"
HEADINGS = {
    WHOLE_COUNTRY: lazy_gettext("Whole country"),
    ABOVE_DISTRICT: lazy_gettext("Above district level"),
    GROUPS: lazy_gettext("Groups of units"),
}


def list_context(filters: Filters, results_only: bool = False) -> dict:
    """What the list needs; `results_only` leaves out what only the page around
    the results shows (the search as you type asks for the results alone)."""
    page = partner_page(filters)
    return {
        "page": page,
        "changed": partners_changed_for(current_user, page.rows),
        "reviews_due": None if results_only else reviews_due_count(),
        "f": filters,
        "districts": [] if results_only else districts(),
        "types": labels_of(PARTNERSHIP_TYPES),
        "statuses": labels_of(LISTED_STATUSES),
    }


@bp.get("")
@staff_required
def index():
    """Search, filter, sort and page through the partners; the URL holds the view."""
    filters = Filters.from_args(request.args)
    response = render(
        "partners/index.html", block="results", **list_context(filters, results_only=is_htmx())
    )
    # The address bar shows the short, bookmarkable form of the view.
    return push_url(response, url_for(".index", **filters.args()))


def partner_record(partner_id: int) -> Partner:
    partner = db.get_or_404(Partner, partner_id)
    if partner.merged_into_id:
        if request.method != "GET":
            abort(404)  # a change meant for a partner that no longer exists on its own
        # Old links of a merged partner lead to the one it was merged into.
        # (The query string keeps every value of a repeated argument, and cannot
        # override the path's: `?partner_id=` on the old link names nothing.)
        args = request.args.to_dict(flat=False) | request.view_args
        args["partner_id"] = partner.merged_into_id
        abort(redirect(url_for(request.endpoint, **args)))
    return partner


# --- the record ---------------------------------------------------------------


@bp.get("/<int:partner_id>")
@staff_required
def show(partner_id: int):
    """A partner's profile, contacts, coverage, people, accreditation and history."""
    partner = partner_record(partner_id)
    # First: recording the look commits, which would expire everything loaded before.
    previous_look = record_look(current_user, partner)
    history = db.session.scalars(
        db.select(AuditEvent)
        .where(AuditEvent.partner_id == partner.id, history_visible_to(current_user))
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
        # Preselected: the status the partner has now (choosing another is the change).
        status_form=StatusForm(prefix="status", status=partner.status, effective_on=local_today()),
        review_form=ReviewForm(),
        document_form=DocumentForm(valid_from=local_today()),
        expiring_soon=expiring_soon,
        expired=expired,
        kinds=labels_of(DOCUMENT_KINDS),
    )


@bp.app_template_global("coverage_name")
def coverage_name(cover: Coverage) -> str:
    """What a coverage entry covers, in the reader's language (`target_name` is
    the English the history and the emails keep)."""
    if cover.nationwide:
        return gettext("Whole country")
    if cover.org_unit is not None:
        return cover.org_unit.name
    return gettext("%(name)s (group)", name=cover.org_unit_group.name)


def _by_district(coverage: list[Coverage]) -> list[tuple[str, list[Coverage]]]:
    """Current coverage grouped under its district (national and groups first)."""
    groups: dict[str, list[Coverage]] = {}
    for cover in coverage:
        if not cover.current:
            continue
        if cover.nationwide:
            key = WHOLE_COUNTRY
        elif cover.org_unit_group_id:
            key = GROUPS
        elif cover.district is not None:
            key = cover.district.name
        else:
            key = ABOVE_DISTRICT
        groups.setdefault(key, []).append(cover)
    first = [WHOLE_COUNTRY, ABOVE_DISTRICT, GROUPS]
    ordered = sorted(
        groups.items(),
        key=lambda kv: (kv[0] not in first, first.index(kv[0]) if kv[0] in first else 0, kv[0]),
    )
    return [(str(HEADINGS.get(key, key)), entries) for key, entries in ordered]


@bp.post("/<int:partner_id>/status")
@admin_required
def status(partner_id: int):
    partner = partner_record(partner_id)
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
            flash(
                gettext(
                    "%(partner)s is now %(status)s.",
                    partner=partner.name,
                    status=label(partner.status, PARTNER_STATUSES).lower(),
                ),
                "success",
            )
            return go_to(url_for(".show", partner_id=partner.id))
    return render(
        "partners/status.html", block="form", status=422, partner=partner, status_form=form
    )


@bp.post("/<int:partner_id>/review")
@admin_required
def review(partner_id: int):
    partner = partner_record(partner_id)
    form = ReviewForm()
    if form.validate_on_submit():
        done = mark_reviewed(current_user, partner, form.note.data or "")
        flash(
            gettext(
                "Annual review of %(partner)s recorded; the next is due %(day)s.",
                partner=partner.name,
                day=day(done.next_review_on),
            ),
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
    partner = partner_record(partner_id)
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
            flash(
                gettext(
                    "%(file)s attached to %(partner)s.",
                    file=document.filename,
                    partner=partner.name,
                ),
                "success",
            )
            return redirect(url_for(".show", partner_id=partner.id) + "#agreements")
    return render(
        "partners/agreement.html", block="form", status=status, partner=partner, document_form=form
    )


@bp.get("/<int:partner_id>/documents/<int:document_id>")
@login_required
def agreement_file(partner_id: int, document_id: int):
    """An agreement's file, as an attachment, to staff and the partner's own people."""
    partner = partner_record(partner_id)  # an old link of a merged partner is redirected
    document = agreement_or_404(current_user, partner, document_id)
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
    partner = partner_record(partner_id)
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
            notice = gettext(
                "%(name)s is now the focal point of %(partner)s; a welcome email is on its way.",
                name=user.name,
                partner=partner.name,
            )
            flash(notice, "success")
            return go_to(url_for(".show", partner_id=partner.id))
    if form.is_submitted():
        status = 422
    return render("partners/focal.html", block="panel", status=status, partner=partner, form=form)


@bp.post("/<int:partner_id>/users/<int:user_id>/access")
@admin_required
def user_access(partner_id: int, user_id: int):
    """Staff override: deactivate or reactivate a partner user's login."""
    partner = partner_record(partner_id)
    user = db.session.scalar(db.select(User).filter_by(id=user_id, partner_id=partner.id))
    if user is None:
        abort(404)
    try:
        set_user_access(current_user, user, active=request.form.get("active") == "1")
    except DomainError as error:
        flash(error.message, "error")
    else:
        if user.active:
            flash(gettext("%(name)s can log in again.", name=user.name), "success")
        else:
            flash(gettext("%(name)s can no longer log in.", name=user.name), "success")
    return redirect(url_for(".show", partner_id=partner.id))
