from types import SimpleNamespace

from flask import flash, g, redirect, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from portal.conversations import bp
from portal.conversations import threads as conversations
from portal.conversations.forms import MessageForm
from portal.core.access import (
    accreditation_or_404,
    may_write_messages,
    require,
    submission_or_404,
)
from portal.core.errors import DomainError
from portal.core.forms import Unstorable, attach_error
from portal.core.htmx import is_htmx, render, safe_next
from portal.models import Accreditation


@bp.app_template_global()
def comments_by_submission(accreditation_id: int) -> dict:
    """The accreditation's submission comments, loaded once per request however
    many requirement cards ask for them."""
    cache = g.setdefault("_comments_by_submission", {})
    if accreditation_id not in cache:
        cache[accreditation_id] = conversations.comments_by_submission(accreditation_id)
    return cache[accreditation_id]


@bp.app_template_global()
def unread_messages(accreditation_id: int) -> int:
    """How many thread messages the current user has not read (one query)."""
    if not current_user.is_authenticated:
        return 0
    return conversations.unread_count(current_user, accreditation_id)


@bp.app_template_global()
def may_talk(accreditation: Accreditation) -> bool:
    return current_user.is_authenticated and may_write_messages(current_user, accreditation)


@bp.route("/accreditations/<int:accreditation_id>/messages", methods=["GET", "POST"])
@login_required
def thread(accreditation_id: int):
    """The message thread with the programme team; opening it reads it."""
    accreditation = accreditation_or_404(current_user, accreditation_id)
    form, status = MessageForm(), 200
    if request.method == "POST":
        require(may_write_messages(current_user, accreditation))  # partner viewers read
        try:
            if not form.validate():  # only what can be stored (core.forms)
                raise Unstorable
            conversations.post_message(current_user, accreditation, form.body.data)
        except Unstorable:
            status = 422
        except DomainError as error:
            attach_error(form, error)
            status = 422
        else:
            if not is_htmx():
                flash(gettext("Message sent."), "success")
                return redirect(url_for(".thread", accreditation_id=accreditation_id))
            form = MessageForm(formdata=None)
    read_before = conversations.mark_thread_read(current_user, accreditation_id)
    return render(
        "conversations/thread.html",
        block="thread",
        status=status,
        accreditation=accreditation,
        messages=conversations.thread(accreditation_id),
        read_before=read_before,
        form=form,
    )


@bp.post("/submissions/<int:submission_id>/comments")
@login_required
def comment(submission_id: int):
    """Add a comment on a submission; HTMX gets that submission's thread back."""
    submission = submission_or_404(current_user, submission_id)
    accreditation = submission.accreditation
    require(may_write_messages(current_user, accreditation))
    form, status = MessageForm(), 200
    try:
        if not form.validate():
            raise Unstorable
        conversations.post_comment(current_user, submission, form.body.data)
    except Unstorable:
        status = 422
    except DomainError as error:
        attach_error(form, error)
        status = 422
    else:
        if not is_htmx():
            flash(gettext("Comment added."), "success")
            anchor = f"requirement-{submission.requirement_id}"
            dashboard = url_for(
                "accreditation.show", accreditation_id=accreditation.id, _anchor=anchor
            )
            # The review page answers from where the question is read.
            return redirect(safe_next(request.form.get("next"), dashboard))
        form = MessageForm(formdata=None)
    return render(
        "conversations/comment.html",
        block="comments",
        status=status,
        accreditation=accreditation,
        state=SimpleNamespace(latest=submission, requirement=submission.requirement),
        comment_form=form,
        comments_open=True,
    )
