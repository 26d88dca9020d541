"""Answering: the survey page of one decided cycle (the invitation's link), and
the open surveys on a partner's dashboard."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from portal.core.access import accreditation_or_404, may_answer_survey, refuse, require
from portal.core.clock import local_today
from portal.core.errors import DomainError
from portal.core.forms import attach_error
from portal.core.htmx import go_to, render
from portal.surveys import answers as service
from portal.surveys import bp
from portal.surveys.forms import answer_form, typed_answers
from portal.surveys.invitations import open_invitations
from portal.surveys.models import RATINGS, SurveyInvitation
from portal.surveys.translations import choice_label


def _page(state: service.Answering, form=None, status: int = 200, notice: str | None = None):
    return render(
        "surveys/answer.html",
        block="survey",
        status=status,
        state=state,
        accreditation=state.invitation.accreditation,
        form=form,
        notice=notice,
        ratings=RATINGS,
        choice_label=choice_label,
    )


@bp.route("/accreditations/<int:accreditation_id>/survey", methods=["GET", "POST"])
@login_required
def answer(accreditation_id: int):
    """The cycle's feedback survey: a plain form, answered once."""
    if current_user.is_staff:
        require(request.method == "GET")  # staff read the results, they do not answer
        return redirect(url_for(".results", accreditation=accreditation_id))
    accreditation = accreditation_or_404(current_user, accreditation_id)
    require(may_answer_survey(current_user, accreditation), hidden=True)
    try:
        state = service.answering(current_user, accreditation)
    except service.NotInvited:
        refuse(hidden=True)  # nothing to answer here: the same as nothing at all
    if state.invitation.answered_on is not None:
        if request.method == "POST":
            notice = service.AlreadyAnswered(state.invitation.answered_on).message
            return _page(state, status=409, notice=notice)
        return _page(state)
    form = answer_form(state.survey)
    if form.validate_on_submit():
        anonymous = bool(getattr(form, "anonymous", None) and form.anonymous.data)
        values = typed_answers(form, state.survey)
        try:
            service.answer(current_user, accreditation, values, anonymous, local_today())
        except service.AlreadyAnswered as error:
            return _page(service.answering(current_user, accreditation), None, 409, error.message)
        except service.AnswersRefused as error:
            for name, message in error.problems.items():
                attach_error(form, DomainError(message, field=name))
            form.form_errors.append(error.message)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(gettext("Thank you: your answers are saved."), "success")
            return go_to(url_for(".answer", accreditation_id=accreditation.id))
    return _page(state, form, 422 if form.is_submitted() else 200)


@bp.app_template_global()
def surveys_open() -> list[SurveyInvitation]:
    """The current user's unanswered surveys, for their dashboard (one query)."""
    return open_invitations(current_user)
