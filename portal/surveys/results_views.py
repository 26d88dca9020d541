"""Survey results for staff, and the "Survey answers" card of the staff partner
page."""

from __future__ import annotations

from flask import current_app, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from portal.core.access import may_manage_surveys, may_read_survey_results, require
from portal.core.clock import local_today
from portal.core.extensions import db
from portal.core.htmx import push_url, render
from portal.core.periods import fiscal_start, recent_quarters
from portal.models import Accreditation, Partner
from portal.surveys import bp
from portal.surveys.by_partner import PartnerAnswers, of_partner
from portal.surveys.definitions import family_choices
from portal.surveys.models import RATINGS, Survey, SurveyInvitation
from portal.surveys.results import NOT_ENOUGH, ResultFilters
from portal.surveys.results import results as figures


def _family_of_cycle(accreditation_id: int) -> int | None:
    """The survey family a cycle's people were invited to (one query)."""
    return db.session.scalar(
        select(Survey.family_id)
        .join(SurveyInvitation, SurveyInvitation.survey_id == Survey.id)
        .where(SurveyInvitation.accreditation_id == accreditation_id)
        .limit(1)
    )


@bp.get("/surveys/results")
@login_required
def results():
    """Invited, answered, and each question's figures, for one survey and
    optionally one partner, one cycle or one quarter; the URL holds the filters."""
    require(may_read_survey_results(current_user))
    f = ResultFilters.from_args(request.args)
    choices = family_choices()
    known = {s.family_id for s in choices}
    partner = db.session.get(Partner, f.partner_id) if f.partner_id else None
    cycle = db.session.get(Accreditation, f.accreditation_id) if f.accreditation_id else None
    f.partner_id, f.accreditation_id = partner and partner.id, cycle and cycle.id
    if f.family_id not in known:
        f.family_id = (cycle and _family_of_cycle(cycle.id)) or (
            choices[0].family_id if choices else None
        )
    response = render(
        "surveys/results.html",
        block="results",
        f=f,
        result=figures(f) if f.family_id else None,
        choices=choices,
        quarters=recent_quarters(local_today(), fiscal_start(), count=8),
        partner=partner,
        cycle=cycle,
        ratings=RATINGS,
        not_enough=NOT_ENOUGH,
        may_manage=may_manage_surveys(current_user),
    )
    return push_url(response, url_for(".results", **f.args()))


@bp.app_template_global()
def survey_answers_of_partner(partner_id: int) -> PartnerAnswers:
    """The partner page's "Survey answers" card (five queries)."""
    return of_partner(partner_id)


@bp.app_template_global()
def survey_minimum() -> int:
    return current_app.config["SURVEY_MIN_ANONYMOUS_ANSWERS"]
