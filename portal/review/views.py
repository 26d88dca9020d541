from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import Accreditation, Submission
from portal.permissions import staff_required, submission_or_404
from portal.review import bp
from portal.review.forms import ReviewForm
from portal.services import DomainError
from portal.services.submissions import review_submission


@bp.get("")
@staff_required
def queue():
    """Submissions waiting for review, oldest first."""
    waiting = db.session.scalars(
        db.select(Submission)
        .where(Submission.status == "submitted")
        .options(
            joinedload(Submission.accreditation).joinedload(Accreditation.partner),
            joinedload(Submission.requirement),
            joinedload(Submission.uploaded_by),
        )
        .order_by(Submission.uploaded_at, Submission.id)
    ).all()
    return render_template("review/queue.html", waiting=waiting)


def _versions(submission: Submission) -> list[Submission]:
    return db.session.scalars(
        db.select(Submission)
        .filter_by(
            accreditation_id=submission.accreditation_id, requirement_id=submission.requirement_id
        )
        .order_by(Submission.version.desc())
    ).all()


@bp.route("/<int:submission_id>", methods=["GET", "POST"])
@staff_required
def decide(submission_id: int):
    """Look at one submission and approve it or request changes."""
    submission = submission_or_404(current_user, submission_id)
    form = ReviewForm()
    if form.validate_on_submit():
        try:
            review_submission(current_user, submission, form.decision.data, form.feedback.data)
        except DomainError as error:
            (getattr(form, error.field).errors if error.field else form.form_errors).append(
                error.message
            )
        else:
            verb = "approved" if submission.status == "approved" else "sent back for changes"
            flash(
                f"{submission.requirement.name} from {submission.accreditation.partner.name} "
                f"{verb}.",
                "success",
            )
            return redirect(url_for(".queue"))
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "review/decide.html", submission=submission, versions=_versions(submission), form=form
    ), status
