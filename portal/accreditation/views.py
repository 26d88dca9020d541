from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy import case

from portal.accreditation import bp
from portal.accreditation.decisions import renewal_of, renewal_opens_on
from portal.accreditation.forms import ActionForm, UploadForm
from portal.accreditation.progress import load_accreditation, progress
from portal.accreditation.submissions import UploadTooLarge, submit_document, withdraw_submission
from portal.accreditation.timeline import timeline as stage_timeline
from portal.core.access import (
    accreditation_or_404,
    accreditations_of,
    may_upload,
    require,
    submission_or_404,
)
from portal.core.clock import local_today
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.htmx import is_htmx, render
from portal.core.storage import storage
from portal.core.translated import translated
from portal.models import Accreditation, Requirement


def _dashboard(accreditation: Accreditation, status: int = 200, **extra):
    """The accreditation page, or its dashboard block for HTMX."""
    accreditation = load_accreditation(accreditation.id)
    return render(
        "accreditation/show.html",
        block="dashboard",
        status=status,
        accreditation=accreditation,
        progress=progress(accreditation, local_today()),
        upload_form=UploadForm(),
        errors=extra.pop("errors", {}),
        renewal_opens_on=renewal_opens_on(accreditation),
        renewal=renewal_of(accreditation) if accreditation.decision == "accredited" else None,
        **extra,
    )


@bp.get("/accreditation")
@login_required
def mine():
    """A partner's own current accreditation: the running one, else the latest."""
    if current_user.is_staff:
        return redirect(url_for("partners.index"))
    # Ids alone mislead: a merged-in cycle or a closed one can be newer.
    accreditation = db.session.scalar(
        accreditations_of(current_user)
        .order_by(case((Accreditation.running, 0), else_=1), Accreditation.id.desc())
        .limit(1)
    )
    if accreditation is None:
        return render_template("accreditation/none.html")
    return _dashboard(accreditation)


@bp.get("/accreditations/<int:accreditation_id>")
@login_required
def show(accreditation_id: int):
    """Where an accreditation stands: stage, percentage, milestones, actions, documents."""
    return _dashboard(accreditation_or_404(current_user, accreditation_id))


@bp.post("/accreditations/<int:accreditation_id>/requirements/<int:requirement_id>/submissions")
@login_required
def upload(accreditation_id: int, requirement_id: int):
    """Upload a new version of a required document."""
    accreditation = accreditation_or_404(current_user, accreditation_id)
    require(may_upload(current_user))
    requirement = db.get_or_404(Requirement, requirement_id)
    form = UploadForm()
    if not form.validate_on_submit():
        return _dashboard(accreditation, 422, errors={requirement_id: form.file.errors[0]})
    try:
        submission = submit_document(current_user, accreditation, requirement, form.file.data)
    except DomainError as error:
        status = 413 if isinstance(error, UploadTooLarge) else 422
        return _dashboard(accreditation, status, errors={requirement_id: error.message})
    notice = gettext(
        "%(document)s: version %(version)s uploaded and sent for review.",
        document=translated(requirement, "name"),
        version=submission.version,
    )
    if is_htmx():
        return _dashboard(accreditation, notice=notice)
    flash(notice, "success")
    return redirect(url_for(".show", accreditation_id=accreditation.id))


@bp.get("/submissions/<int:submission_id>/file")
@login_required
def download(submission_id: int):
    """The submitted file, as an attachment, to those who may see it."""
    submission = submission_or_404(current_user, submission_id)
    path = storage().path(submission.storage_key)
    if not path.exists():
        abort(404)
    return send_file(
        path,
        mimetype=submission.content_type,
        as_attachment=True,
        download_name=submission.filename,
    )


@bp.get("/accreditations/<int:accreditation_id>/timeline")
@login_required
def timeline(accreditation_id: int):
    """The stages with expected and actual dates, where things stand and what comes next."""
    accreditation = load_accreditation(accreditation_or_404(current_user, accreditation_id).id)
    return render_template(
        "accreditation/timeline.html",
        accreditation=accreditation,
        timeline=stage_timeline(accreditation),
    )


@bp.post("/submissions/<int:submission_id>/withdraw")
@login_required
def withdraw(submission_id: int):
    """The partner takes back a document that is still waiting for review."""
    submission = submission_or_404(current_user, submission_id)
    require(may_upload(current_user))
    accreditation = submission.accreditation
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        withdraw_submission(current_user, submission)
    except DomainError as error:
        errors = {submission.requirement_id: error.message}
        return _dashboard(accreditation, 422, errors=errors)
    notice = gettext(
        "%(document)s: version %(version)s withdrawn.",
        document=translated(submission.requirement, "name"),
        version=submission.version,
    )
    if is_htmx():
        return _dashboard(accreditation, notice=notice)
    flash(notice, "success")
    return redirect(url_for(".show", accreditation_id=accreditation.id))
