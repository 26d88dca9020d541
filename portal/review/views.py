from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import func
from sqlalchemy.orm import joinedload

from portal.accreditation.submissions import review_submission
from portal.conversations.waiting import document_comments, unanswered_among
from portal.core.access import staff_required, submission_or_404
from portal.core.errors import DomainError
from portal.core.extensions import db
from portal.core.forms import attach_error
from portal.core.htmx import safe_next
from portal.core.paging import Window
from portal.models import Accreditation, Submission, User
from portal.review import bp
from portal.review.assignment import assign_reviewer, review_due_on, reviewers
from portal.review.forms import AssignForm, ReviewForm

QUEUE_PER_PAGE = 50


@bp.get("")
@staff_required
def queue():
    """Submissions waiting for review, oldest first, 50 a page; `?mine=1` keeps
    those assigned to the person looking. A count and a page: constant queries."""
    mine = request.args.get("mine") == "1"
    conditions = [Submission.status == "submitted"]
    if mine:
        conditions.append(Submission.assigned_to_id == current_user.id)
    per_page = current_app.config.get("REVIEW_QUEUE_PER_PAGE", QUEUE_PER_PAGE)
    total = db.session.scalar(db.select(func.count(Submission.id)).where(*conditions))
    window = Window(total, per_page, request.args.get("page"))
    query = window.slice(
        db.select(Submission)
        .where(*conditions)
        .options(
            joinedload(Submission.accreditation).joinedload(Accreditation.partner),
            joinedload(Submission.requirement),
            joinedload(Submission.uploaded_by),
            joinedload(Submission.assigned_to),
        )
        .order_by(Submission.uploaded_at, Submission.id)
    )
    return render_template(
        "review/queue.html",
        waiting=db.session.scalars(query).all(),
        total=total,
        page=window.page,
        pages=window.pages,
        first=window.first,
        mine=mine,
        reviewers=reviewers(),
        due_on=review_due_on,
    )


@bp.post("/<int:submission_id>/assign")
@staff_required
def assign(submission_id: int):
    """Give a waiting submission to a reviewer."""
    submission = submission_or_404(current_user, submission_id)
    form = AssignForm()
    if form.validate_on_submit():
        chosen = form.reviewer_id.data
        reviewer = db.session.get(User, int(chosen)) if chosen and chosen.isdigit() else None
        if chosen and reviewer is None:
            flash(gettext("Choose a member of the programme team."), "error")
        else:
            try:
                assign_reviewer(current_user, submission, reviewer)
            except DomainError as error:
                flash(error.message, "error")
            else:
                document = submission.requirement.name
                if reviewer:
                    message = gettext(
                        "%(document)s is assigned to %(name)s.",
                        document=document,
                        name=reviewer.name,
                    )
                else:
                    message = gettext(
                        "%(document)s is assigned to nobody in particular.", document=document
                    )
                flash(message, "success")
    return redirect(safe_next(request.form.get("next"), url_for(".queue")))


def _versions(submission: Submission) -> list[Submission]:
    return db.session.scalars(
        db.select(Submission)
        .filter_by(
            accreditation_id=submission.accreditation_id, requirement_id=submission.requirement_id
        )
        .options(joinedload(Submission.change_reason))
        .order_by(Submission.version.desc())
    ).all()


@bp.route("/<int:submission_id>", methods=["GET", "POST"])
@staff_required
def decide(submission_id: int):
    """Look at one submission and approve it (with a note) or send it back with a
    reason and guidance."""
    submission = submission_or_404(current_user, submission_id)
    form = ReviewForm().for_submission(submission)
    if form.validate_on_submit():
        try:
            review_submission(
                current_user, submission, form.decision.data, form.feedback.data, form.reason.data
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            names = {
                "document": submission.requirement.name,
                "partner": submission.accreditation.partner.name,
            }
            if submission.status == "approved":
                message = gettext("%(document)s from %(partner)s approved.", **names)
            else:
                message = gettext("%(document)s from %(partner)s sent back for changes.", **names)
            flash(message, "success")
            return redirect(url_for(".queue"))
    status = 422 if form.errors or form.form_errors else 200
    comments = document_comments(submission)
    return render_template(
        "review/decide.html",
        submission=submission,
        versions=_versions(submission),
        form=form,
        due_on=review_due_on,
        comments=comments,
        unanswered={m.id for m in unanswered_among(comments)},
    ), status
